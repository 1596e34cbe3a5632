"""The member list of a room: roles, presence, what each role is offered, and removing,
promoting and leaving, against a real server."""

from __future__ import annotations

from collections.abc import Callable

from pytestqt.qtbot import QtBot

from messenger.ui.contacts.kinds import Role, Section
from messenger.ui.rooms.members_dialog import STATUS as MEMBER_STATUS
from messenger.ui.rooms.members_dialog import USERNAME as MEMBER_USERNAME
from messenger.ui.rooms.members_dialog import RoomMembersDialog
from messenger.ui.session import AccountSession
from tests.clientkit import eventually
from tests.ui.conftest import SessionFactory
from tests.ui.contactskit import shown_panel
from tests.ui.roomlistkit import answer_box, public_room, room_row, row_kind, trigger


def listed(dialog: RoomMembersDialog) -> dict[str, str]:
    """username -> the row's text, as the dialog shows them."""
    rows = (dialog.list.item(r) for r in range(dialog.list.count()))
    return {str(i.data(MEMBER_USERNAME)): i.text() for i in rows}


def select(dialog: RoomMembersDialog, username: str) -> None:
    for r in range(dialog.list.count()):
        if dialog.list.item(r).data(MEMBER_USERNAME) == username:
            dialog.list.setCurrentRow(r)
            return
    raise AssertionError(f"{username} is not listed")


def offered(dialog: RoomMembersDialog, username: str) -> list[str]:
    return [a.text() for a in dialog.menu_for(username).actions() if a.text()]


async def members_of(session: AccountSession, room: str, qtbot: QtBot) -> RoomMembersDialog:
    panel = shown_panel(qtbot, session)
    await eventually(lambda: room_row(panel, room).isValid())
    dialog = panel.rooms.members(room)
    await eventually(lambda: len(listed(dialog)) > 0)
    return dialog


async def test_members_show_roles_presence_and_only_the_actions_a_role_allows(
    sessions: SessionFactory, name: Callable[[str], str], qtbot: QtBot
) -> None:
    """The owner sees everyone with their role and presence and may act on them; a member
    may act on nobody and is not offered invitations."""
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"), contacts=(alice,))
    carol = await sessions(name("carol"))
    room = await public_room(alice, name("roles"), bob, carol)
    await alice.client.set_room_role(room, bob.username, "admin")
    bob.set_presence("busy", "in a meeting")
    await eventually(
        lambda: (c := alice.roster.get(bob.username)) is not None and c.status == "busy"
    )

    dialog = await members_of(alice, room, qtbot)
    await eventually(lambda: "Admin" in listed(dialog).get(bob.username, ""))
    rows = listed(dialog)
    assert list(rows) == [alice.username, bob.username, carol.username]  # by rank
    assert "Owner" in rows[alice.username] and "(you)" in rows[alice.username]
    assert "Busy — in a meeting" in rows[bob.username]  # a contact: live presence
    assert "Member" in rows[carol.username]
    busy = next(
        dialog.list.item(r)
        for r in range(3)
        if dialog.list.item(r).data(MEMBER_USERNAME) == bob.username
    )
    assert busy.data(MEMBER_STATUS) == "busy"
    assert offered(dialog, alice.username) == []
    assert offered(dialog, bob.username) == [
        "Make member",
        "Make owner…",
        "Remove from room…",
        "Ban from room…",
    ]
    assert offered(dialog, carol.username) == [
        "Make admin",
        "Make owner…",
        "Remove from room…",
        "Ban from room…",
    ]
    assert dialog.invite_button.isVisible()

    as_admin = await members_of(bob, room, qtbot)
    assert offered(as_admin, alice.username) == []  # an admin acts on members only
    assert offered(as_admin, carol.username) == [
        "Make admin",
        "Remove from room…",
        "Ban from room…",
    ]
    as_member = await members_of(carol, room, qtbot)
    assert all(offered(as_member, u) == [] for u in listed(as_member))
    assert not as_member.invite_button.isVisible() and not as_member.manage_button.isVisible()


async def test_owner_removes_a_member_who_then_sees_the_room_read_only(
    sessions: SessionFactory, name: Callable[[str], str], qtbot: QtBot
) -> None:
    """Remove (confirmed) takes bob out: gone from the member list, and his list moves the
    room to the rooms he left, where it opens read-only."""
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"))
    room_name = name("strict")
    room = await public_room(alice, room_name, bob)
    bob_panel = shown_panel(qtbot, bob)
    await eventually(lambda: row_kind(room_row(bob_panel, room)) == "room")
    dialog = await members_of(alice, room, qtbot)

    select(dialog, bob.username)
    assert dialog.manage_button.isEnabled()
    trigger(dialog.menu_for(bob.username), "Remove from room…")
    assert bob.username in listed(dialog)  # nothing happens before confirming
    question = answer_box("Remove")
    assert bob.username in question and "new invitation" in question

    await eventually(lambda: list(listed(dialog)) == [alice.username])
    # The rooms one left sit in a folded section, like blocked people.
    source = bob_panel.model
    await eventually(lambda: row_kind(source.index_of(room)) == "former_room")
    assert source.index_of(room).data(Role.SECTION) == Section.FORMER_ROOMS
    assert not room_row(bob_panel, room).isValid()
    bob_panel.filter.setText(room_name)  # a filter opens folded sections
    assert row_kind(room_row(bob_panel, room)) == "former_room"
    assert bob.client.room_roles(room).get(bob.username) is None
    assert [r.role for r in bob.client.rooms() if r.id == room] == [None]


async def test_promote_then_leave_with_confirmation(
    sessions: SessionFactory, name: Callable[[str], str], qtbot: QtBot
) -> None:
    """Make admin shows the new role; leaving asks first, then the owner's list loses bob."""
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"))
    room = await public_room(alice, name("leavers"), bob)
    dialog = await members_of(alice, room, qtbot)

    trigger(dialog.menu_for(bob.username), "Make admin")
    await eventually(lambda: "Admin" in listed(dialog).get(bob.username, ""))

    bob_dialog = await members_of(bob, room, qtbot)
    bob_dialog.leave_button.click()
    assert "Leave" in answer_box("Cancel")  # cancelled: still in
    assert bob.username in bob.client.room_roles(room)
    bob_dialog.leave_button.click()
    answer_box("Leave")
    await eventually(lambda: bob.username not in listed(dialog))
    assert bob.client.room_roles(room).get(bob.username) is None


async def test_invite_offers_contacts_not_in_the_room_and_explains_refusals(
    sessions: SessionFactory, name: Callable[[str], str], qtbot: QtBot
) -> None:
    """Invite lists contacts outside the room; inviting one reaches them; a stranger's name
    is refused before anything is sent, and a member's name too."""
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"), contacts=(alice,))
    carol = await sessions(name("carol"))
    room = await public_room(alice, name("invites"), carol)
    panel = shown_panel(qtbot, alice)
    await eventually(lambda: room_row(panel, room).isValid())
    dialog = panel.rooms.invite(room)
    assert [dialog.contacts.item(r).text() for r in range(dialog.contacts.count())] == [
        bob.username
    ]

    for typed, words in ((carol.username, "in this room already"), ("nobody1", "not one of")):
        dialog.username.setText(typed)
        dialog.invite_button.click()
        assert dialog.message.kind == "error" and words in dialog.message.text(), typed

    dialog.contacts.setCurrentRow(0)
    assert dialog.username.text() == bob.username
    dialog.invite_button.click()
    await eventually(lambda: dialog.message.kind == "success")
    assert [r.id for r in await bob.client.room_invitations()] == [room]
