"""What the contact list shows as contacts talk and change status, against a real server."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from messenger.ui.contacts import ContactsPanel
from messenger.ui.contacts.model import Role
from tests.clientkit import eventually
from tests.ui.conftest import SessionFactory
from tests.ui.contactskit import row, shown_panel


def shown_names(panel: ContactsPanel) -> list[str]:
    rows = (panel.proxy.index(r, 0) for r in range(panel.proxy.rowCount()))
    return [str(i.data(Role.USERNAME)) for i in rows if i.data(Role.KIND) != "header"]


async def test_presence_change_shows_in_the_row(
    sessions: SessionFactory, name: Callable[[str], str], qtbot: QtBot
) -> None:
    """Bob going busy with a note changes his dot and status text in Alice's list."""
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"), contacts=(alice,))
    panel = shown_panel(qtbot, alice)
    await eventually(lambda: row(panel, bob.username).data(Role.STATUS) == "available")

    bob.set_presence("busy", "in a meeting")
    await eventually(lambda: row(panel, bob.username).data(Role.STATUS) == "busy")
    index = row(panel, bob.username)
    assert index.data(Role.STATUS_TEXT) == "in a meeting"
    assert "in a meeting" in index.data(Qt.ItemDataRole.ToolTipRole)
    assert "Busy" in index.data(Qt.ItemDataRole.AccessibleTextRole)


async def test_unread_badge_rises_with_a_message_and_clears_when_read(
    sessions: SessionFactory, name: Callable[[str], str], qtbot: QtBot
) -> None:
    """A message from Bob shows as his preview and unread count, and the total; reading clears."""
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"), contacts=(alice,))
    panel = shown_panel(qtbot, alice)
    totals: list[int] = []
    panel.unread_total_changed.connect(totals.append)
    conversation = bob.conversation_with(alice.username)

    bob.send_text(conversation, "are you there?\nhello")
    await eventually(lambda: row(panel, bob.username).data(Role.UNREAD) == 1)
    index = row(panel, bob.username)
    assert index.data(Role.DETAIL) == "are you there? hello"
    assert index.data(Role.TIME) != ""
    assert totals[-1] == 1 and panel.unread_total() == 1

    alice.mark_read(conversation)
    await eventually(lambda: row(panel, bob.username).data(Role.UNREAD) == 0)
    assert totals[-1] == 0 and panel.unread_total() == 0

    alice.send_text(conversation, "yes")
    await eventually(lambda: row(panel, bob.username).data(Role.DETAIL) == "You: yes")


async def test_new_message_moves_the_row_up_and_keeps_the_selection(
    sessions: SessionFactory, name: Callable[[str], str], qtbot: QtBot
) -> None:
    """The latest conversation goes first without losing the row the user selected."""
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"), contacts=(alice,))
    carol = await sessions(name("carol"), contacts=(alice,))
    panel = shown_panel(qtbot, alice)
    carol.send_text(carol.conversation_with(alice.username), "first")
    await eventually(lambda: shown_names(panel)[0] == carol.username)
    panel.select_peer(carol.username)

    bob.send_text(bob.conversation_with(alice.username), "second")
    await eventually(lambda: shown_names(panel) == [bob.username, carol.username])
    assert panel.view.currentIndex().data(Role.USERNAME) == carol.username
    assert panel.view.selectionModel().isSelected(row(panel, carol.username))


async def test_filter_box_hides_rows_that_do_not_match(
    sessions: SessionFactory, name: Callable[[str], str], qtbot: QtBot
) -> None:
    """Typing in the filter keeps only contacts whose name or username contains it, any case."""
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"), contacts=(alice,))
    carol = await sessions(name("carol"), contacts=(alice,))
    await carol.set_profile(display_name="Zoe Zebra")
    panel = shown_panel(qtbot, alice)
    await eventually(
        lambda: row(panel, carol.username).data(Qt.ItemDataRole.DisplayRole) == "Zoe Zebra"
    )
    assert sorted(shown_names(panel)) == sorted([bob.username, carol.username])

    qtbot.keyClicks(panel.filter, "ZEBRA")
    assert shown_names(panel) == [carol.username]
    panel.filter.clear()
    qtbot.keyClicks(panel.filter, bob.username.upper())
    assert shown_names(panel) == [bob.username]
    qtbot.keyClicks(panel.filter, "nothing-like-this")
    assert shown_names(panel) == []
    assert panel.empty.isVisible() and "No contacts match" in panel.empty.text()
    qtbot.keyClick(panel.filter, Qt.Key.Key_Escape)
    assert len(shown_names(panel)) == 2


async def test_click_and_enter_open_the_chat(
    sessions: SessionFactory, name: Callable[[str], str], qtbot: QtBot
) -> None:
    """Clicking a contact, or pressing Enter on it, asks for its conversation."""
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"), contacts=(alice,))
    panel = shown_panel(qtbot, alice)
    await eventually(lambda: row(panel, bob.username).isValid())
    opened: list[tuple[str, str]] = []
    panel.conversation_requested.connect(lambda c, p: opened.append((c, p)))
    expected = (alice.conversation_with(bob.username), bob.username)

    rect = panel.view.visualRect(row(panel, bob.username))
    qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened == [expected]
    qtbot.keyClick(panel.view, Qt.Key.Key_Return)
    assert opened == [expected, expected]


async def test_empty_list_says_how_to_add_someone(
    sessions: SessionFactory, name: Callable[[str], str], qtbot: QtBot
) -> None:
    """A new account sees a hint instead of an empty list, and Ctrl+F reaches the filter box."""
    alice = await sessions(name("alice"))
    panel = shown_panel(qtbot, alice)
    assert panel.empty.isVisible()
    assert panel.empty.text() == "No contacts yet — add one with the + button"
    assert panel.find_action.shortcut().toString() == "Ctrl+F"
    panel.add_button.setFocus()
    assert panel.focusWidget() is panel.add_button
    panel.find_action.trigger()
    assert panel.focusWidget() is panel.filter
