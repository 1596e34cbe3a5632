"""Contact requests, removal and blocking through the contacts panel, against a real server."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox
from pytestqt.qtbot import QtBot

from messenger.ui.contacts import AddContactDialog, ContactsPanel
from messenger.ui.contacts.model import Role, Section
from tests.clientkit import eventually
from tests.ui.conftest import SessionFactory
from tests.ui.contactskit import row, shown_panel


def kind(panel: ContactsPanel, username: str) -> str | None:
    index = row(panel, username)
    return str(index.data(Role.KIND)) if index.isValid() else None


def header(panel: ContactsPanel, section: Section) -> QModelIndex:
    for r in range(panel.proxy.rowCount()):
        index = panel.proxy.index(r, 0)
        if index.data(Role.KIND) == "header" and index.data(Role.SECTION) == section:
            return index
    return QModelIndex()


def choose_from_menu(panel: ContactsPanel, username: str, text: str) -> None:
    """Right-click the row of ``username`` and pick ``text`` from its context menu."""
    index = row(panel, username)
    point = panel.view.visualRect(index).center()
    viewport = panel.view.viewport()
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, point, viewport.mapToGlobal(point))
    QApplication.sendEvent(viewport, event)
    menu = next(m for m in panel.findChildren(QMenu) if m.isVisible())
    action = next(a for a in menu.actions() if a.text() == text)
    action.trigger()
    menu.close()


def confirm(panel: ContactsPanel, button_text: str) -> None:
    box = next(b for b in panel.findChildren(QMessageBox) if b.isVisible())
    next(b for b in box.buttons() if b.text() == button_text).click()


async def test_request_sent_from_dialog_is_accepted_in_the_row(
    sessions: SessionFactory, name: Callable[[str], str], qtbot: QtBot
) -> None:
    """Alice asks for Bob in the add dialog; Bob clicks Accept in the row; both see a contact."""
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"))
    alice_panel = shown_panel(qtbot, alice)
    bob_panel = shown_panel(qtbot, bob)

    qtbot.mouseClick(alice_panel.add_button, Qt.MouseButton.LeftButton)
    dialog = alice_panel.findChild(AddContactDialog)
    assert dialog is not None and dialog.isVisible()
    qtbot.keyClicks(dialog.username, bob.username)
    qtbot.keyClick(dialog.username, Qt.Key.Key_Return)
    await eventually(lambda: not dialog.isVisible())
    await eventually(lambda: kind(alice_panel, bob.username) == "outgoing")
    assert row(alice_panel, bob.username).data(Role.DETAIL) == "request sent"

    await eventually(lambda: kind(bob_panel, alice.username) == "incoming")
    incoming = row(bob_panel, alice.username)
    assert incoming.data(Role.DETAIL) == "wants to add you"
    assert header(bob_panel, Section.REQUESTS).data(Role.COUNT) == 1
    rect = bob_panel.view.visualRect(incoming)
    accept = bob_panel.delegate.button_rects(rect, bob_panel.view.fontMetrics())["accept"]
    qtbot.mouseClick(bob_panel.view.viewport(), Qt.MouseButton.LeftButton, pos=accept.center())

    await eventually(lambda: kind(bob_panel, alice.username) == "accepted")
    await eventually(lambda: kind(alice_panel, bob.username) == "accepted")
    assert not header(bob_panel, Section.REQUESTS).isValid()


async def test_enter_on_a_request_accepts_it(
    sessions: SessionFactory, name: Callable[[str], str], qtbot: QtBot
) -> None:
    """A request can be accepted from the keyboard: select the row and press Enter."""
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"))
    await alice.contact_action("request", bob.username)
    bob_panel = shown_panel(qtbot, bob)
    await eventually(lambda: kind(bob_panel, alice.username) == "incoming")

    bob_panel.view.setCurrentIndex(row(bob_panel, alice.username))
    qtbot.keyClick(bob_panel.view, Qt.Key.Key_Return)
    await eventually(lambda: kind(bob_panel, alice.username) == "accepted")


async def test_decline_from_the_context_menu_asks_first(
    sessions: SessionFactory, name: Callable[[str], str], qtbot: QtBot
) -> None:
    """Declining a request asks for confirmation, then the request is gone on both sides."""
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"))
    alice_panel = shown_panel(qtbot, alice)
    await alice.contact_action("request", bob.username)
    bob_panel = shown_panel(qtbot, bob)
    await eventually(lambda: kind(bob_panel, alice.username) == "incoming")

    choose_from_menu(bob_panel, alice.username, "Decline…")
    confirm(bob_panel, "Decline")
    await eventually(lambda: kind(bob_panel, alice.username) is None)
    await eventually(lambda: kind(alice_panel, bob.username) is None)
    assert bob_panel.empty.isVisible()


async def test_remove_from_the_context_menu_removes_the_row_for_both(
    sessions: SessionFactory, name: Callable[[str], str], qtbot: QtBot
) -> None:
    """Remove contact (confirmed) takes each person off the other's list."""
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"), contacts=(alice,))
    alice_panel = shown_panel(qtbot, alice)
    bob_panel = shown_panel(qtbot, bob)
    await eventually(lambda: kind(bob_panel, alice.username) == "accepted")

    choose_from_menu(alice_panel, bob.username, "Remove contact…")
    assert kind(alice_panel, bob.username) == "accepted"  # nothing happens before confirming
    confirm(alice_panel, "Remove")
    await eventually(lambda: kind(alice_panel, bob.username) is None)
    await eventually(lambda: kind(bob_panel, alice.username) is None)
    assert alice_panel.empty.isVisible()
    assert "No contacts yet" in alice_panel.empty.text()


async def test_block_moves_the_contact_to_blocked_and_unblock_brings_it_back(
    sessions: SessionFactory, name: Callable[[str], str], qtbot: QtBot
) -> None:
    """A blocked contact shows as blocked and offline in a folded section, and can be unblocked."""
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"), contacts=(alice,))
    carol = await sessions(name("carol"), contacts=(alice,))
    alice_panel = shown_panel(qtbot, alice)
    bob_panel = shown_panel(qtbot, bob)
    await eventually(lambda: row(alice_panel, bob.username).data(Role.STATUS) == "available")

    choose_from_menu(alice_panel, bob.username, "Block…")
    confirm(alice_panel, "Block")
    await eventually(lambda: header(alice_panel, Section.BLOCKED).data(Role.COUNT) == 1)
    assert kind(alice_panel, bob.username) is None  # folded away
    # The folded section opens from the keyboard: walk down onto its header, press Enter.
    alice_panel.select_peer(carol.username)
    qtbot.keyClick(alice_panel.view, Qt.Key.Key_Down)
    assert alice_panel.view.currentIndex() == header(alice_panel, Section.BLOCKED)
    qtbot.keyClick(alice_panel.view, Qt.Key.Key_Return)
    await eventually(lambda: kind(alice_panel, bob.username) == "blocked")
    blocked = row(alice_panel, bob.username)
    assert blocked.data(Role.DETAIL) == "Blocked"
    assert blocked.data(Role.STATUS) == "offline"
    await eventually(lambda: row(bob_panel, alice.username).data(Role.STATUS) == "offline")

    choose_from_menu(alice_panel, bob.username, "Unblock")
    await eventually(lambda: kind(alice_panel, bob.username) == "accepted")
    await eventually(lambda: row(alice_panel, bob.username).data(Role.STATUS) == "available")


async def test_add_dialog_shows_errors_inline(
    sessions: SessionFactory, name: Callable[[str], str], qtbot: QtBot
) -> None:
    """Bad names, unknown users, oneself and existing contacts are explained under the field."""
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"), contacts=(alice,))
    panel = shown_panel(qtbot, alice)
    dialog = panel.open_add_dialog()

    def submit(text: str) -> None:
        dialog.username.setText(text)
        qtbot.keyClick(dialog.username, Qt.Key.Key_Return)

    submit("no way!")
    assert dialog.error.isVisible() and "not a valid username" in dialog.error.text()
    submit(alice.username)
    assert "your own username" in dialog.error.text()
    submit(bob.username.upper())
    assert "already in your contacts" in dialog.error.text()

    missing = name("nobody")
    submit(missing)
    await eventually(lambda: "There is no user named" in dialog.error.text())
    assert dialog.isVisible() and dialog.send_button.isEnabled()

    qtbot.keyClick(dialog.username, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
