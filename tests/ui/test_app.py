"""Two app instances against a real server, driven through their windows as a person would."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from messenger.account.preferences import Preferences
from messenger.client import ConnectionState, Credentials
from messenger.ui.account_ui import AccountUi, Services
from messenger.ui.contacts.model import Role
from messenger.ui.idle import IdleMonitor
from messenger.ui.session import AccountSession
from messenger.ui.sign_in import Account, build_client, sign_in
from messenger.ui.tray import TrayController
from tests.clientkit import PASSWORD, eventually
from tests.serverproc import ServerProcess

pytestmark = pytest.mark.timeout(90)


class App:
    """One running app: its services, and the account window once signed in."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.prefs = Preferences()
        self.tray = TrayController(available=False)
        self.idle = IdleMonitor(desktop=False)
        self.services = Services(
            prefs=lambda: self.prefs,
            save_prefs=self.save,
            tray=self.tray,
            idle=self.idle,
            data_dir=data_dir,
        )
        self.ui: AccountUi | None = None
        self.credentials: Credentials | None = None

    def save(self, prefs: Preferences) -> None:
        self.prefs = prefs

    async def sign_up(self, url: str, username: str) -> AccountUi:
        client = await sign_in(
            self.data_dir, Account(url, username, remember=False), PASSWORD, create=True
        )
        self.credentials = client.credentials
        return self.open(AccountSession(client))

    def open(self, session: AccountSession) -> AccountUi:
        self.ui = AccountUi(session, self.services)
        session.start()
        self.ui.window.show()
        return self.ui

    async def restart(self, url: str) -> AccountUi:
        """Quit and start again: the same data directory, the session's stored secret."""
        assert self.ui is not None and self.credentials is not None
        username = self.ui.session.username
        await self.ui.close()
        account = Account(url, username, remember=False)
        return self.open(AccountSession(build_client(self.data_dir, account, self.credentials)))

    async def close(self) -> None:
        if self.ui is not None:
            await self.ui.close()
        self.tray.hide()


@pytest.fixture
async def apps(tmp_path: Path) -> AsyncIterator[Callable[[str], App]]:
    made: list[App] = []

    def make(label: str) -> App:
        app = App(tmp_path / label)
        made.append(app)
        return app

    yield make
    for app in made:
        await app.close()


def contact_row(ui: AccountUi, username: str) -> dict[str, Any]:
    """What alice's contact list shows on the row of ``username`` (empty if no row)."""
    model = ui.window.contacts.model
    for row in range(model.rowCount()):
        index = model.index(row, 0)
        if index.data(Role.USERNAME) == username:
            return {
                "status": index.data(Role.STATUS),
                "status_text": index.data(Role.STATUS_TEXT),
                "unread": index.data(Role.UNREAD),
                "kind": index.data(Role.KIND),
            }
    return {}


def chat_texts(ui: AccountUi) -> list[str]:
    model = ui.window.chat.model
    if model is None:
        return []
    return [m.text for m in model.messages()]


def own_state(ui: AccountUi, text: str) -> str:
    model = ui.window.chat.model
    assert model is not None
    for row in range(model.rowCount()):
        index = model.index(row, 0)
        if index.data(Qt.ItemDataRole.DisplayRole) == text:
            return str(index.data(model.StateRole))
    return ""


async def type_and_send(qtbot: Any, ui: AccountUi, text: str) -> None:
    editor = ui.window.chat.composer.editor
    editor.setFocus()
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)


async def befriend_through_the_ui(qtbot: Any, alice: AccountUi, bob: AccountUi) -> None:
    dialog = alice.window.contacts.open_add_dialog()
    qtbot.keyClicks(dialog.username, bob.session.username)
    qtbot.keyClick(dialog.username, Qt.Key.Key_Return)
    await eventually(lambda: contact_row(bob, alice.session.username).get("kind") is not None)
    bob.window.contacts.request_action("accept", alice.session.username)
    await eventually(lambda: contact_row(alice, bob.session.username).get("status") == "available")
    await eventually(lambda: contact_row(bob, alice.session.username).get("status") == "available")


async def test_two_people_meet_and_chat(
    qtbot: Any,
    apps: Callable[[str], App],
    shared_server: ServerProcess,
    name: Callable[[str], str],
) -> None:
    """Sign up, add, accept, presence both ways, messages both ways, badges, tray, notifications."""
    alice_app, bob_app = apps("alice"), apps("bob")
    alice = await alice_app.sign_up(shared_server.url, name("alice"))
    bob = await bob_app.sign_up(shared_server.url, name("bob"))
    await befriend_through_the_ui(qtbot, alice, bob)

    # Presence: bob goes busy with a note; alice's list shows it.
    bob.choose_status("busy")
    bob.session.set_presence("busy", "in a meeting")
    await eventually(lambda: contact_row(alice, bob.session.username).get("status") == "busy")
    assert contact_row(alice, bob.session.username)["status_text"] == "in a meeting"
    bob.choose_status("available")

    # Bob writes while alice has no chat open: badge, tray count and a notification.
    conversation = bob.session.conversation_with(alice.session.username)
    bob.window.open_chat(conversation, alice.session.username)
    await type_and_send(qtbot, bob, "hi alice :)")
    await eventually(lambda: contact_row(alice, bob.session.username).get("unread") == 1)
    await eventually(lambda: alice_app.tray.unread == 1)
    await eventually(lambda: len(alice.notifier.raised) == 1)
    assert alice.notifier.raised[0].title == bob.session.username
    assert "hi alice 🙂" in alice.notifier.raised[0].body

    # Alice opens the chat and answers; bob sees it, and his message turns "read".
    alice.window.open_chat(conversation, bob.session.username)
    alice.window.chat.set_window_active(True)
    await eventually(lambda: "hi alice 🙂" in chat_texts(alice))
    await eventually(lambda: contact_row(alice, bob.session.username).get("unread") == 0)
    await eventually(lambda: alice_app.tray.unread == 0)
    await type_and_send(qtbot, alice, "hello bob")
    await eventually(lambda: "hello bob" in chat_texts(bob))
    await eventually(lambda: own_state(bob, "hi alice 🙂") == "read")

    # Busy means do not disturb: a message for a background chat raises nothing.
    alice.window.chat.set_window_active(False)
    alice.choose_status("busy")
    before = len(alice.notifier.raised)
    await type_and_send(qtbot, bob, "are you there?")
    await eventually(lambda: "are you there?" in chat_texts(alice))
    assert len(alice.notifier.raised) == before


async def test_history_survives_a_restart(
    qtbot: Any,
    apps: Callable[[str], App],
    shared_server: ServerProcess,
    name: Callable[[str], str],
) -> None:
    """After quitting and starting again, the chat shows the earlier messages."""
    alice_app, bob_app = apps("alice"), apps("bob")
    alice = await alice_app.sign_up(shared_server.url, name("alice"))
    bob = await bob_app.sign_up(shared_server.url, name("bob"))
    await befriend_through_the_ui(qtbot, alice, bob)
    conversation = alice.session.conversation_with(bob.session.username)
    alice.window.open_chat(conversation, bob.session.username)
    for text in ("one", "two", "three"):
        await type_and_send(qtbot, alice, text)
    await eventually(lambda: own_state(alice, "three") in ("sent", "delivered", "read"))

    alice = await alice_app.restart(shared_server.url)
    alice.window.open_chat(conversation, bob.session.username)
    assert chat_texts(alice) == ["one", "two", "three"]
    await eventually(lambda: alice.session.state == ConnectionState.AUTHENTICATED)


async def test_messages_typed_while_the_server_is_down_arrive_after_it_returns(
    qtbot: Any, apps: Callable[[str], App], server: ServerProcess
) -> None:
    """Offline, a message waits as "sending"; when the server is back it is delivered."""
    alice_app, bob_app = apps("alice"), apps("bob")
    alice = await alice_app.sign_up(server.url, "alice")
    bob = await bob_app.sign_up(server.url, "bob")
    await befriend_through_the_ui(qtbot, alice, bob)
    for ui in (alice, bob):
        ui.session.client._min_backoff = ui.session.client._max_backoff = 0.2
    conversation = alice.session.conversation_with("bob")
    alice.window.open_chat(conversation, "bob")

    server.kill()
    await eventually(lambda: alice.session.state == ConnectionState.DISCONNECTED)
    assert "Offline" in alice.window.connection.text
    await type_and_send(qtbot, alice, "written offline")
    await eventually(lambda: own_state(alice, "written offline") == "sending")

    server.restart()
    await eventually(lambda: alice.session.state == ConnectionState.AUTHENTICATED, within=20)
    await eventually(lambda: own_state(alice, "written offline") in ("sent", "delivered"), 20)
    bob.window.open_chat(conversation, "alice")
    await eventually(lambda: "written offline" in chat_texts(bob), within=20)
