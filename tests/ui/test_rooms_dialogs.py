"""Creating and joining rooms through their dialogs, against a real server."""

from __future__ import annotations

from collections.abc import Callable

from pytestqt.qtbot import QtBot

from messenger.ui.rooms.create_dialog import CreateRoomDialog
from tests.clientkit import eventually
from tests.ui.conftest import SessionFactory
from tests.ui.contactskit import shown_panel
from tests.ui.roomlistkit import room_row, row_kind


async def test_create_dialog_checks_the_name_and_shows_the_servers_refusal(
    sessions: SessionFactory, name: Callable[[str], str], qtbot: QtBot
) -> None:
    """Bad names are explained before anything is sent; a taken name gets the server's answer
    in words; a good one creates the room, which opens and shows in the list."""
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"))
    taken = (await bob.client.create_room(name("taken"))).name
    panel = shown_panel(qtbot, alice)
    opened: list[str] = []
    panel.room_requested.connect(opened.append)
    dialog = panel.rooms.new_room()
    assert isinstance(dialog, CreateRoomDialog) and dialog.isVisible()

    for typed, words in (
        ("", "Enter a name"),
        ("x", "2 to 32 characters"),
        ("no spaces", "2 to 32 characters"),
        ("-dash-first", "starting with a letter or digit"),
    ):
        dialog.name.setText(typed)
        dialog.create_button.click()
        assert dialog.error.kind == "error" and words in dialog.error.text(), typed
        assert dialog.isVisible()

    dialog.name.setText(taken.upper())  # names are unique whatever their case
    dialog.create_button.click()
    await eventually(lambda: dialog.error.kind == "error")
    assert "already exists" in dialog.error.text() and dialog.isVisible()
    assert dialog.create_button.isEnabled()

    wanted = name("fresh")
    dialog.name.setText(f"#{wanted}")
    dialog.topic.setText("  Our own room  ")
    dialog.public.setChecked(True)
    dialog.create_button.click()
    dialog.create_button.click()  # a double click creates one room, not two
    await eventually(lambda: not dialog.isVisible())
    assert len(opened) == 1
    room = opened[0]
    await eventually(lambda: row_kind(room_row(panel, room)) == "room")
    settings = alice.store.timeline.room(room)
    assert settings is not None and (settings.name, settings.topic, settings.public) == (
        wanted,
        "Our own room",
        True,
    )
    assert alice.client.room_roles(room) == {alice.username: "owner"}


async def test_browse_finds_a_public_room_by_name_and_joins_it(
    sessions: SessionFactory, name: Callable[[str], str], qtbot: QtBot
) -> None:
    """Searching the directory lists the public room; Join puts me in and opens it."""
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"))
    wanted = name("garden")
    info = await bob.client.create_room(wanted, topic="Tomatoes", public=True)
    await bob.client.create_room(name("hidden"))  # private: never listed
    panel = shown_panel(qtbot, alice)
    opened: list[str] = []
    panel.room_requested.connect(opened.append)
    dialog = panel.rooms.browse()

    dialog.query.setText(wanted[:-1])
    dialog.search()
    await eventually(lambda: dialog.rooms.count() == 1)
    item = dialog.rooms.item(0)
    assert wanted in item.text() and "Tomatoes" in item.text() and "1 member" in item.text()
    dialog.rooms.setCurrentRow(0)
    assert dialog.join_button.text() == "Join" and not dialog.decline_button.isVisible()
    dialog.join_button.click()

    await eventually(lambda: opened == [info.id])
    assert not dialog.isVisible()
    await eventually(lambda: row_kind(room_row(panel, info.id)) == "room")
    assert alice.client.room_roles(info.id)[alice.username] == "member"


async def test_browse_offers_invitations_with_accept_and_decline(
    sessions: SessionFactory, name: Callable[[str], str], qtbot: QtBot
) -> None:
    """A pending invitation to a private room is listed first; Decline removes it."""
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"), contacts=(alice,))
    info = await bob.client.create_room(name("secret"))
    await bob.client.invite_to_room(info.id, alice.username)
    panel = shown_panel(qtbot, alice)
    await eventually(lambda: panel.invitations.get(info.id) is not None)
    dialog = panel.rooms.browse()
    await eventually(lambda: dialog.rooms.count() >= 1)

    dialog.rooms.setCurrentRow(0)
    assert f"Invited by {bob.username}" in dialog.rooms.item(0).text()
    assert dialog.join_button.text() == "Accept" and dialog.decline_button.isVisible()
    dialog.decline_button.click()
    await eventually(lambda: panel.invitations.get(info.id) is None)
    assert all(info.name not in dialog.rooms.item(r).text() for r in range(dialog.rooms.count()))
    assert await alice.client.room_invitations() == []
