"""The whole app as started from the command line."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtWidgets import QApplication

from messenger.client import ConnectionState
from messenger.localserver.demo import GREETING
from messenger.ui.shell import Shell
from tests.clientkit import eventually


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
