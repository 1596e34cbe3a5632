"""Rooms in the contact list, against a real server: invitations answered in the row, rooms
that update as their events arrive, muting, and opening a room in the main window."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from messenger.ui.contacts.kinds import Role, Section
from messenger.ui.contacts.panel import ContactsPanel
from messenger.ui.main_window import MainWindow
from tests.clientkit import eventually
from tests.ui.conftest import SessionFactory
from tests.ui.contactskit import shown_panel
from tests.ui.roomlistkit import (
    answer_box,
    click_row_button,
    invitation_row,
    public_room,
    room_row,
    row_kind,
    trigger,
)


def section_of(panel: ContactsPanel, room: str) -> Section | None:
    index = room_row(panel, room)
    return Section(index.data(Role.SECTION)) if index.isValid() else None


async def test_invitation_accepted_in_the_row_becomes_a_live_room(
    sessions: SessionFactory, name: Callable[[str], str], qtbot: QtBot
) -> None:
    """An invitation shows with Accept; accepting makes it a room whose row follows messages,
    renames and the unread total."""
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"), contacts=(alice,))
    panel = shown_panel(qtbot, alice)
    info = await bob.client.create_room(name("team"), topic="Release 2.0")
    await bob.client.invite_to_room(info.id, alice.username)

    await eventually(lambda: invitation_row(panel, info.id).isValid())
    invite = invitation_row(panel, info.id)
    assert invite.data(Qt.ItemDataRole.DisplayRole) == info.name
    assert invite.data(Role.DETAIL).startswith(f"{bob.username} invites you")
    click_row_button(qtbot, panel, invite, "accept")

    await eventually(lambda: row_kind(room_row(panel, info.id)) == "room")
    assert not invitation_row(panel, info.id).isValid()
    assert section_of(panel, info.id) == Section.ROOMS
    totals: list[int] = []
    panel.unread_total_changed.connect(totals.append)

    bob.send_text(info.id, "hello team")
    await eventually(lambda: room_row(panel, info.id).data(Role.UNREAD) == 1)
    assert room_row(panel, info.id).data(Role.DETAIL) == f"{bob.username}: hello team"
    assert totals[-1] == 1 and panel.unread_total() == 1

    await bob.client.update_room(info.id, name=name("crew"))
    await eventually(
        lambda: room_row(panel, info.id).data(Qt.ItemDataRole.DisplayRole).startswith("crew")
    )
    alice.mark_read(info.id)
    await eventually(lambda: panel.unread_total() == 0)


async def test_declining_an_invitation_asks_then_removes_it_for_good(
    sessions: SessionFactory, name: Callable[[str], str], qtbot: QtBot
) -> None:
    """Decline (from the row's menu, confirmed) removes the invitation here and on the server."""
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"), contacts=(alice,))
    panel = shown_panel(qtbot, alice)
    info = await bob.client.create_room(name("club"))
    await bob.client.invite_to_room(info.id, alice.username)
    await eventually(lambda: invitation_row(panel, info.id).isValid())

    trigger(panel.menu_for(invitation_row(panel, info.id)), "Decline invitation…")
    assert invitation_row(panel, info.id).isValid()  # nothing happens before confirming
    answer_box("Decline")
    await eventually(lambda: not invitation_row(panel, info.id).isValid())
    assert await alice.client.room_invitations() == []
    assert room_row(panel, info.id).isValid() is False


async def test_mute_greys_the_room_and_persists(
    sessions: SessionFactory, name: Callable[[str], str], qtbot: QtBot
) -> None:
    """A muted room keeps its unread count but leaves the total; mentions still count; the
    choice is kept on this device (a new list shows it muted)."""
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"))
    room = await public_room(bob, name("noisy"), alice)
    panel = shown_panel(qtbot, alice)
    await eventually(lambda: row_kind(room_row(panel, room)) == "room")

    trigger(panel.menu_for(room_row(panel, room)), "Mute notifications")
    assert room_row(panel, room).data(Role.MUTED) is True
    assert alice.client.room_muted(room)

    bob.send_text(room, "chatter")
    await eventually(lambda: room_row(panel, room).data(Role.UNREAD) == 1)
    assert panel.unread_total() == 0  # a muted room does not call for attention
    bob.send_text(room, f"@{alice.username} your turn")
    await eventually(lambda: room_row(panel, room).data(Role.MENTIONS) == 1)
    assert panel.unread_total() == 1  # ... but a mention of me does

    again = shown_panel(qtbot, alice)
    assert room_row(again, room).data(Role.MUTED) is True
    menu = again.menu_for(room_row(again, room))
    unmute = next(a for a in menu.actions() if a.text() == "Mute notifications")
    assert unmute.isChecked()
    unmute.trigger()
    assert not alice.client.room_muted(room)
    assert again.unread_total() == 2


async def test_clicking_a_room_opens_it_in_the_chat_with_its_header(
    sessions: SessionFactory, name: Callable[[str], str], qtbot: QtBot
) -> None:
    """The room's conversation opens; the header names the room, its topic and members."""
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"))
    room = await public_room(bob, name("ops"), alice)
    window = MainWindow(alice)
    qtbot.addWidget(window)
    window.show()
    panel = window.contacts
    await eventually(lambda: room_row(panel, room).isValid())

    rect = panel.view.visualRect(room_row(panel, room))
    qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.chat.current_conversation == room
    header = window.chat.header
    assert header.title.text().startswith("#ops")
    assert header.status.text() == "Planning · 2 members"
    assert header.members_button.isVisible() and not header.voice_call.isVisible()
    assert panel.view.currentIndex() == room_row(panel, room)

    # Back to a 1:1 chat: the header is a person's again.
    await alice.contact_action("request", bob.username)
    await bob.contact_action("accept", alice.username)
    await eventually(lambda: alice.roster.get(bob.username) is not None)
    window.open_chat(alice.conversation_with(bob.username), bob.username)
    assert header.voice_call.isVisible() and not header.members_button.isVisible()
