"""Issue 6's test: three clients in one room through the real server — the app signed in as
one user, two headless clients as the others — see the same messages in the same order, and
a mention of the app's user is highlighted in its chat and notified though the room is muted.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from messenger.account.preferences import Preferences
from messenger.client import Client
from messenger.ui.account_ui import AccountUi, Services
from messenger.ui.idle import IdleMonitor
from messenger.ui.notifier import STARTING
from messenger.ui.session import AccountSession
from messenger.ui.sign_in import Account, sign_in
from messenger.ui.tray import TrayController
from tests.clientkit import PASSWORD, eventually, make_client
from tests.serverproc import ServerProcess
from tests.ui.roomchatkit import info_of, mention_bar_color, mention_color, room_of, texts

pytestmark = pytest.mark.timeout(90)


def room_texts(client: Client, room: str) -> list[str]:
    """A headless member's copy of the room's messages, in the room's order (no notices)."""
    views = client.store.timeline.messages(room, limit=500)
    return [v.text for v in views if v.member is None and v.room is None]


async def test_three_clients_share_one_room_and_a_mention_notifies_through_mute(
    shared_server: ServerProcess, name: Callable[[str], str], qtbot: QtBot, tmp_path: Path
) -> None:
    """Messages typed in the app and sent by two headless members, some at the same moment,
    reach all three in one order; the app's user, with the room muted, is notified of a
    mention (and of nothing else), and the mentioning message is highlighted in the chat."""
    url = shared_server.url
    client = await sign_in(
        tmp_path / "app", Account(url, name("alice"), remember=False), PASSWORD, create=True
    )
    session = AccountSession(client)
    services = Services(
        prefs=Preferences,
        save_prefs=lambda _p: None,
        tray=TrayController(available=False),
        idle=IdleMonitor(desktop=False),
        data_dir=tmp_path / "app",
    )
    ui = AccountUi(session, services)
    session.start()
    ui.window.show()
    async with (
        make_client(url, name("bob"), tmp_path) as bob,
        make_client(url, name("carol"), tmp_path) as carol,
    ):
        try:
            for member in (bob, carol):
                await member.register(PASSWORD)
                await member.wait_synced()
            await client.wait_synced()
            room_name = name("Team")
            room = await room_of(client, room_name, bob, carol)
            ui.window.chat.open_conversation(room)
            chat = ui.window.chat
            client.set_room_muted(room, True)
            await eventually(lambda: ui.notifier.backend != STARTING)

            # One message typed in the app, then all three at once.
            editor = chat.composer.editor
            editor.setFocus()
            qtbot.keyClicks(editor, "hello from the app")
            qtbot.keyClick(editor, Qt.Key.Key_Return)
            await eventually(lambda: "hello from the app" in room_texts(bob, room))
            qtbot.keyClicks(editor, "app again")
            qtbot.keyClick(editor, Qt.Key.Key_Return)
            await asyncio.gather(
                bob.send_message(room, "bob here"),
                carol.send_message(room, "carol here"),
                bob.send_message(room, "bob again"),
            )
            sent = {"hello from the app", "app again", "bob here", "carol here", "bob again"}
            for member in (bob, carol):
                await eventually(lambda m=member: set(room_texts(m, room)) == sent)
            await eventually(lambda: set(texts(chat)) == sent)
            order = room_texts(bob, room)
            assert room_texts(carol, room) == order
            assert texts(chat) == order
            assert ui.notifier.raised == []  # muted: the others' messages raised nothing

            # Alice looks elsewhere; carol mentions her.
            ui.window.hide()
            mention = f"@{client.username} can you review?"
            await carol.send_message(room, mention)
            await eventually(lambda: len(ui.notifier.raised) == 1)
            note = ui.notifier.raised[0]
            assert (note.title, note.body, note.conversation) == (
                f"Mention in {room_name}",
                f"{carol.username}: {mention}",
                room,
            )

            ui.notifier.activated.emit(room)  # she clicks it: the room is in front
            assert ui.window.isVisible() and chat.current_conversation == room
            await eventually(lambda: mention in texts(chat))
            assert info_of(chat, mention).mentions_me
            assert mention_bar_color(chat, mention) == mention_color(chat)
            assert texts(chat) == room_texts(bob, room) == room_texts(carol, room)
        finally:
            await ui.close()
