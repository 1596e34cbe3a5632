"""A room conversation in the chat panel, against the real server: senders named and grouped,
notices of membership and settings, "seen by", mentions styled, highlighted and completed,
notifications of a muted room, and files sent to a room."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from messenger.account.preferences import Preferences
from messenger.ui.account_ui import AccountUi, Services
from messenger.ui.idle import IdleMonitor
from messenger.ui.notifier import STARTING
from messenger.ui.session import READ, SENT, AccountSession
from messenger.ui.tray import TrayController
from tests.clientkit import PASSWORD, eventually, make_client
from tests.ui.conftest import SessionFactory
from tests.ui.fileskit import action_point, card_row, cards, drop, file_urls, sha256
from tests.ui.roomchatkit import (
    befriend,
    info_of,
    infos,
    mention_bar_color,
    mention_color,
    notices,
    open_room,
    room_of,
    texts,
)

pytestmark = pytest.mark.timeout(90)

Name = Callable[[str], str]


async def test_room_bubbles_name_and_group_senders_and_show_notices(
    sessions: SessionFactory, name: Name, qtbot: QtBot
) -> None:
    """Others' messages carry their sender's name (a member who is no contact by the name the
    room lists), once per run; membership and settings changes show as centred notices; the
    typing notice names who types; a removed member keeps the history but cannot write."""
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"))
    carol = await sessions(name("carol"))
    await carol.set_profile(display_name="Carol Jones")
    room_name = name("Team")
    room = await room_of(alice.client, room_name, bob.client, carol.client)
    panel = open_room(qtbot, bob, room)  # carol is in bob's room but not among his contacts

    await carol.client.send_message(room, "first")
    await carol.client.send_message(room, "second")
    await alice.client.send_message(room, "third")
    await eventually(lambda: texts(panel) == ["first", "second", "third"])
    await eventually(lambda: info_of(panel, "first").sender_name == "Carol Jones")
    first, second, third = (info_of(panel, t) for t in ("first", "second", "third"))
    assert first.room_sender == carol.username and not first.continues
    assert second.continues  # the name goes on the first bubble of the run only
    assert third.room_sender == alice.username and not third.continues
    layout = panel.view.delegate.layout_for
    assert layout(first).name is not None and layout(first).avatar is not None
    assert layout(second).name is None and layout(second).avatar is None

    own = open_room(qtbot, alice, room)  # the owner's history starts at the room's creation
    await alice.client.update_room(room, topic="release on Friday")
    await alice.client.remove_from_room(room, carol.username)
    await eventually(
        lambda: (
            notices(own)[-2:]
            == [
                "You changed the topic to “release on Friday”",
                "You removed Carol Jones",
            ]
        )
    )
    assert notices(own)[:2] == [f"You created the room “{room_name}”", "You joined"]
    # Bob's starts at his joining: the change is told as what the room now is.
    await eventually(
        lambda: (
            notices(panel)
            == [
                "You joined",
                f"{alice.username} invited Carol Jones",
                "Carol Jones joined",
                f"{alice.username} updated the room: “{room_name}” — release on Friday",
                f"{alice.username} removed Carol Jones",
            ]
        )
    )

    alice.set_typing(room, True)
    await eventually(lambda: panel.typing_label.text() == f"{alice.username} is typing…")

    gone = open_room(qtbot, carol, room)  # removed: her history stays, read-only
    await eventually(lambda: gone.composer.editor.isReadOnly())
    assert gone.composer.editor.placeholderText() == "You are no longer in this room"
    assert texts(gone) == ["first", "second", "third"]
    assert not panel.composer.editor.isReadOnly()


async def test_own_message_shows_who_has_seen_it(
    sessions: SessionFactory, name: Name, qtbot: QtBot
) -> None:
    """One's message in a room is "seen by" each member who read it, and read when all have."""
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"))
    carol = await sessions(name("carol"))
    room = await room_of(alice.client, name("Team"), bob.client, carol.client)
    panel = open_room(qtbot, alice, room)

    panel.composer.editor.setPlainText("lunch?")
    panel.composer.submit()
    await eventually(lambda: info_of(panel, "lunch?").state == SENT)
    assert info_of(panel, "lunch?").seen_by == ()
    await eventually(lambda: info_seq(bob, room, "lunch?") > 0)
    seq = info_seq(bob, room, "lunch?")
    await eventually(lambda: info_seq(carol, room, "lunch?") == seq)
    await bob.client.mark_read(room, seq)
    await eventually(lambda: info_of(panel, "lunch?").seen_by == (bob.username,))
    assert info_of(panel, "lunch?").state == SENT
    await carol.client.mark_read(room, seq)
    await eventually(lambda: info_of(panel, "lunch?").state == READ)
    assert info_of(panel, "lunch?").seen_by == tuple(sorted((bob.username, carol.username)))


async def test_mentions_are_styled_highlighted_and_completed(
    sessions: SessionFactory, name: Name, qtbot: QtBot
) -> None:
    """A message mentioning me is marked beside its bubble and its @name styled; typing "@"
    offers the room's members by username or name, and picking one sends a real mention."""
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"))
    carol = await sessions(name("carol"))
    await carol.set_profile(display_name="Carol Jones")
    room = await room_of(alice.client, name("Team"), bob.client, carol.client)
    panel = open_room(qtbot, bob, room)

    await alice.client.send_message(room, f"@{bob.username} can you look?")
    await alice.client.send_message(room, f"@{carol.username} too")
    text = f"@{bob.username} can you look?"
    await eventually(lambda: text in texts(panel) and f"@{carol.username} too" in texts(panel))
    mine = info_of(panel, text)
    assert mine.mentions_me and mine.mentions == frozenset({bob.username})
    other = info_of(panel, f"@{carol.username} too")
    assert not other.mentions_me and other.mentions == frozenset({carol.username})
    assert mention_bar_color(panel, text) == mention_color(panel)
    assert mention_bar_color(panel, f"@{carol.username} too") != mention_color(panel)
    doc = panel.view.delegate.layout_for(mine).doc
    assert doc is not None
    styled = doc.find(f"@{bob.username}")
    assert styled.charFormat().foreground().color() == mention_color(panel)

    editor = panel.composer.editor
    editor.setFocus()
    qtbot.keyClicks(editor, "ping @")
    completer = editor.mentions
    await eventually(lambda: set(completer.offered()) == {alice.username, carol.username})
    qtbot.keyClicks(editor, "Jo")  # a word of Carol's display name
    await eventually(lambda: completer.offered() == [carol.username])
    qtbot.keyClick(completer.popup, Qt.Key.Key_Return)
    assert editor.toPlainText() == f"ping @{carol.username} "
    assert not completer.visible
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # now Enter sends
    await eventually(
        lambda: (
            (m := carol.store.timeline.last_message(room)) is not None
            and m.text == f"ping @{carol.username}"
            and m.mentions == [carol.username]
        )
    )

    dm = open_room(qtbot, bob, bob.conversation_with(alice.username))  # no members to offer
    qtbot.keyClicks(dm.composer.editor, "@")
    assert dm.composer.editor.mentions.offered() == []


async def test_muted_room_notifies_only_mentions_and_never_own_messages(
    sessions: SessionFactory, name: Name, qtbot: QtBot, tmp_path: Path
) -> None:
    """A room message notifies titled with the room and "sender: text"; once the room is
    muted nothing is raised (so no sound) except a message mentioning me, marked as a
    mention; my own message from another device never notifies."""
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"))
    room_name = name("Team")
    room = await room_of(alice.client, room_name, bob.client)
    tray = TrayController(available=False)
    services = Services(
        prefs=Preferences,
        save_prefs=lambda _p: None,
        tray=tray,
        idle=IdleMonitor(desktop=False),
        data_dir=tmp_path / "app",
    )
    ui = AccountUi(bob, services)
    await eventually(lambda: ui.notifier.backend != STARTING)
    raised = ui.notifier.raised
    try:
        await alice.client.send_message(room, "standup in 5")
        await eventually(lambda: len(raised) == 1)
        assert (raised[0].title, raised[0].body) == (room_name, f"{alice.username}: standup in 5")
        assert raised[0].conversation == room and raised[0].sound

        bob.client.set_room_muted(room, True)
        await alice.client.send_message(room, "quiet chatter")
        other_device = make_client(alice.client.url, bob.username, tmp_path / "second")
        async with other_device:
            other_device.start(PASSWORD)
            await other_device.wait_synced()
            await other_device.send_message(room, "sent from my phone")
        await alice.client.send_message(room, f"@{bob.username} need you")
        await eventually(lambda: len(raised) == 2)
        mention = raised[1]
        assert (mention.title, mention.body) == (
            f"Mention in {room_name}",
            f"{alice.username}: @{bob.username} need you",
        )
        assert mention.sound
        texts_seen = [m.text for m in bob.store.timeline.messages(room, limit=20)]
        assert "quiet chatter" in texts_seen and "sent from my phone" in texts_seen
        assert len(raised) == 2  # the muted and the own message raised nothing
    finally:
        await ui.close()


def info_seq(session: AccountSession, room: str, text: str) -> int:
    """The seq of the message ``text`` in ``session``'s copy of the room (0 if not there)."""
    found = [m.seq for m in session.store.timeline.messages(room, limit=50) if m.text == text]
    return found[0] if found else 0


@pytest.fixture
def downloads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's Downloads folder, as the desktop names it (XDG user dirs), in a temp dir."""
    folder = tmp_path / "Downloads"
    folder.mkdir()
    config = tmp_path / "xdg-config"
    config.mkdir()
    (config / "user-dirs.dirs").write_text(f'XDG_DOWNLOAD_DIR="{folder}"\n')
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    return folder


async def test_file_dropped_on_a_room_reaches_every_member(
    sessions: SessionFactory, name: Name, qtbot: QtBot, tmp_path: Path, downloads: Path
) -> None:
    """A file dropped on a room's chat shows as a card to every member, each of whom can
    download the same bytes."""
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"))
    carol = await sessions(name("carol"))
    room = await room_of(alice.client, name("Team"), bob.client, carol.client)
    a = open_room(qtbot, alice, room)
    members = [open_room(qtbot, bob, room), open_room(qtbot, carol, room)]
    source = tmp_path / "plan.pdf"
    source.write_bytes(os.urandom(200_000))

    assert drop(a.view.viewport(), file_urls(source))

    for panel in members:
        await eventually(lambda p=panel: [c.name for c in cards(p)] == ["plan.pdf"], within=20)
        row = card_row(panel, "plan.pdf")
        qtbot.mouseClick(
            panel.view.viewport(),
            Qt.MouseButton.LeftButton,
            pos=action_point(panel, row, "download"),
        )
        await eventually(lambda p=panel: cards(p)[0].actions == ("open", "folder"), within=20)
        assert sha256(Path(cards(panel)[0].path)) == sha256(source)
    assert [i.room_sender for i in infos(members[0]) if i.file is not None] == [alice.username]


async def test_direct_chat_is_unchanged_by_room_features(
    sessions: SessionFactory, name: Name, qtbot: QtBot
) -> None:
    """A 1:1 chat shows no avatars or sender colours and styles no @names."""
    alice = await sessions(name("alice"))
    bob = await sessions(name("bob"))
    await befriend(alice.client, bob.client)
    panel = open_room(qtbot, bob, bob.conversation_with(alice.username))
    await alice.client.send_message(alice.conversation_with(bob.username), f"@{bob.username} hi")
    await eventually(lambda: texts(panel) == [f"@{bob.username} hi"])
    info = info_of(panel, f"@{bob.username} hi")
    assert info.room_sender == "" and not info.mentions_me and info.mentions == frozenset()
