"""The whole app as started from the command line."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import msgspec
from PySide6.QtWidgets import QApplication

from messenger.client import ConnectionState
from messenger.localserver.demo import GREETING
from messenger.ui.shell import Shell
from messenger.ui.sign_in import EmbeddedServer
from tests.clientkit import PASSWORD, eventually
from tests.serverproc import ServerProcess


async def test_demo_opens_two_signed_in_contacts_with_a_chat(
    qapp: QApplication, tmp_path: Path
) -> None:
    """`messenger --demo`: two windows, signed in, contacts of each other, the greeting shown."""
    shell = Shell(qapp, tmp_path, demo=True)
    running = asyncio.ensure_future(shell.run())
    await eventually(lambda: len(shell.accounts) == 2, within=30)
    for account in shell.accounts:
        session = account.session
        await eventually(lambda s=session: s.state == ConnectionState.AUTHENTICATED, within=15)
        await eventually(lambda s=session: len(s.roster) == 1)
        assert account.window.isVisible()
        model = account.window.chat.model
        await eventually(
            lambda m=model: m is not None and GREETING in [v.text for v in m.messages()]
        )
    alice, bob = (a.session for a in shell.accounts)
    contact = alice.roster.get(bob.username)
    assert contact is not None and contact.state == "accepted"

    sessions = [a.session for a in shell.accounts]
    server = shell._demo_server
    assert server is not None and server.running
    shell.quit()
    assert await asyncio.wait_for(running, 20) == 0
    assert all(s.state == ConnectionState.CLOSED for s in sessions)
    assert not server.running


async def test_first_run_creates_an_account_from_the_welcome_screen(
    qtbot: Any, qapp: QApplication, tmp_path: Path, shared_server: ServerProcess
) -> None:
    """A newcomer fills in the welcome screen and lands in the main window, remembered next time."""
    username = f"newcomer{os.getpid() % 10000}"
    shell = Shell(qapp, tmp_path)
    running = asyncio.ensure_future(shell.run())
    await eventually(lambda: shell.welcome is not None and shell.welcome.isVisible())
    welcome = shell.welcome
    assert welcome is not None
    welcome.remote.click()
    qtbot.keyClicks(welcome.url, shared_server.url)
    welcome.set_create(True)
    qtbot.keyClicks(welcome.username, username)
    qtbot.keyClicks(welcome.password.edit, PASSWORD)
    qtbot.keyClicks(welcome.repeat.edit, PASSWORD)
    welcome.submit.click()

    await eventually(lambda: len(shell.accounts) == 1, within=15)
    window = shell.accounts[0].window
    assert window.isVisible() and username in window.windowTitle()
    await eventually(lambda: window.connection.text == "Online")
    saved = msgspec.json.decode((tmp_path / "settings.json").read_bytes())
    assert saved["last_username"] == username and saved["server_url"] == shared_server.url

    shell.quit()
    assert await asyncio.wait_for(running, 20) == 0


async def test_a_refused_sign_in_stays_on_the_welcome_screen_with_the_reason(
    qtbot: Any, qapp: QApplication, tmp_path: Path, shared_server: ServerProcess
) -> None:
    """A wrong password is said in the welcome screen; no window opens."""
    shell = Shell(qapp, tmp_path)
    running = asyncio.ensure_future(shell.run())
    await eventually(lambda: shell.welcome is not None and shell.welcome.isVisible())
    welcome = shell.welcome
    assert welcome is not None
    welcome.remote.click()
    qtbot.keyClicks(welcome.url, shared_server.url)
    welcome.set_create(False)
    qtbot.keyClicks(welcome.username, "nobody-here")
    qtbot.keyClicks(welcome.password.edit, "wrong password")
    welcome.submit.click()

    await eventually(lambda: "password" in welcome.error.text().lower(), within=15)
    assert shell.accounts == [] and welcome.isVisible()
    shell.quit()
    assert await asyncio.wait_for(running, 20) == 0


async def test_the_embedded_server_is_the_default_and_can_be_shared(
    qtbot: Any, qapp: QApplication, tmp_path: Path
) -> None:
    """With nothing configured, signing up runs a TLS server here; the invitation names its pin."""
    shell = Shell(qapp, tmp_path)
    # The app binds every interface for the LAN; tests listen on loopback only.
    shell.embedded = EmbeddedServer(tmp_path, 0, host="127.0.0.1")
    running = asyncio.ensure_future(shell.run())
    await eventually(lambda: shell.welcome is not None and shell.welcome.isVisible())
    welcome = shell.welcome
    assert welcome is not None and welcome.embedded.isChecked()
    welcome.set_create(True)
    qtbot.keyClicks(welcome.username, "alice")
    qtbot.keyClicks(welcome.password.edit, PASSWORD)
    qtbot.keyClicks(welcome.repeat.edit, PASSWORD)
    welcome.submit.click()

    await eventually(lambda: len(shell.accounts) == 1, within=30)
    session = shell.accounts[0].session
    assert session.client.url.startswith("wss://127.0.0.1:")
    await eventually(lambda: session.state == ConnectionState.AUTHENTICATED)
    fingerprint = shell.embedded.fingerprint
    assert fingerprint is not None and fingerprint in shell.invitation_text()
    menu = shell.accounts[0].window.account_menu
    assert any("Invite" in action.text() for action in menu.actions())

    shell.quit()
    assert await asyncio.wait_for(running, 20) == 0
    assert not shell.embedded.running
