"""GUI test fixtures: offscreen Qt, the qasync loop, and signed-in accounts on a real server.

Every async GUI test runs on a qasync loop driven by Qt's event loop, exactly as
the app does, so widgets repaint and signals flow while a test awaits.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
import pytestqt.plugin
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
    # As in the app: closing a window must not end the (qasync) loop under the tests.
    app.setQuitOnLastWindowClosed(False)
    return app


class _QtTestLoop(qasync.QEventLoop):  # type: ignore[misc]
    """qasync's loop, made safe for the Qt events processed around each test.

    qasync processes pending Qt events once more after its loop stops, and
    pytest-qt does so between a test and its teardown. Asyncio callbacks that
    run then (a task woken by a reply) must find this loop running, or the task
    they wake dies ("bound to a different event loop") or never resumes.
    """

    def run_forever(self) -> Any:
        try:
            return super().run_forever()
        finally:
            asyncio.events._set_running_loop(self)

    def run_until_complete(self, future: Any) -> Any:
        try:
            return super().run_until_complete(future)
        finally:
            asyncio.events._set_running_loop(None)


_current: list[_QtTestLoop] = []


def _qt_loop() -> asyncio.AbstractEventLoop:
    loop = _QtTestLoop(_application())
    _current[:] = [loop]
    return loop


_pytestqt_process_events = pytestqt.plugin._process_events


def _process_events_in_loop() -> None:
    loop = _current[0] if _current else None
    if loop is None or loop.is_closed() or asyncio.events._get_running_loop() is not None:
        _pytestqt_process_events()
        return
    asyncio.events._set_running_loop(loop)
    try:
        _pytestqt_process_events()
    finally:
        asyncio.events._set_running_loop(None)


pytestqt.plugin._process_events = _process_events_in_loop


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
async def sessions(shared_server: ServerProcess, tmp_path: Path) -> AsyncIterator[SessionFactory]:
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
