"""GUI test fixtures: offscreen Qt, the qasync loop, and signed-in accounts on a real server.

Every async GUI test runs on a qasync loop driven by Qt's event loop, exactly as
the app does, so widgets repaint and signals flow while a test awaits.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
import qasync
from PySide6.QtWidgets import QApplication

from messenger.protocol import requests as rq
from messenger.ui.session import AccountSession
from tests.clientkit import PASSWORD, eventually, make_client
from tests.serverproc import ServerProcess


def _application() -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(["messenger-tests"])
    assert isinstance(app, QApplication)
    return app


def _qt_loop() -> asyncio.AbstractEventLoop:
    return qasync.QEventLoop(_application())


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> dict[str, Callable[[], asyncio.AbstractEventLoop]]:
    """GUI tests run on the qasync loop, as the app does."""
    return {"qt": _qt_loop}


@pytest.fixture(scope="session")
def qapp() -> QApplication:
    """pytest-qt's application fixture, shared with the qasync loop."""
    return _application()


SessionFactory = Callable[..., Awaitable[AccountSession]]


@pytest.fixture
async def sessions(
    shared_server: ServerProcess, tmp_path: Path
) -> AsyncIterator[SessionFactory]:
    """``await sessions("alice")``: a new account, registered and signed in, as the UI holds it.

    ``contacts=[other_session]`` makes the new account an accepted contact of each.
    """
    opened: list[AccountSession] = []

    async def make(username: str, *, contacts: tuple[AccountSession, ...] = ()) -> AccountSession:
        client = make_client(shared_server.url, username, tmp_path)
        await client.register(PASSWORD)
        session = AccountSession(client)
        opened.append(session)
        session.start()
        await client.wait_synced()
        for other in contacts:
            await session.contact_action("request", other.username)
            await other.contact_action("accept", session.username)
            await eventually(lambda o=other: session.roster.get(o.username) is not None)
        return session

    yield make
    for session in opened:
        await session.close()


__all__ = ["PASSWORD", "SessionFactory", "eventually", "rq"]
