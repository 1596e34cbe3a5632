"""Shared fixtures: real servers on ephemeral loopback ports, raw protocol clients."""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from tests.serverproc import ServerProcess
from tests.wire import Wire

_names = itertools.count(1)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A fresh server of its own (for tests that kill, restart or reconfigure it)."""
    proc = ServerProcess(tmp_path / "server")
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture(scope="session")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One server for the many tests that only need unique usernames."""
    proc = ServerProcess(tmp_path_factory.mktemp("shared-server"))
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture
def name() -> Callable[[str], str]:
    """Unique usernames per test (the shared server keeps every account)."""
    run = os.getpid()

    def make(prefix: str = "user") -> str:
        return f"{prefix}{run % 10000}x{next(_names)}"[:32]

    return make


@pytest.fixture
async def wires() -> AsyncIterator[list[Wire]]:
    """Collects raw clients opened in a test and closes them after it."""
    opened: list[Wire] = []
    yield opened
    for wire in opened:
        await wire.close()
