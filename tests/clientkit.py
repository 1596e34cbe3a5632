"""Helpers for client tests: real ``messenger.client.Client`` objects on per-test stores."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from messenger.client import Client, Credentials, EventStream
from messenger.client.events import Event
from messenger.store import Store

PASSWORD = "correct horse battery"


def make_client(url: str, username: str, root: Path, **options: object) -> Client:
    """A client with its own store under ``root`` and secrets in memory only.

    Backoff is short so reconnect tests take fractions of a second, not tens.
    """
    store = Store.open(root / username / "store.sqlite3")
    settings: dict[str, object] = {"min_backoff": 0.05, "max_backoff": 0.5, "request_timeout": 5.0}
    settings.update(options)
    return Client(
        url,
        store,
        username=username,
        credentials=Credentials("test", username, use_keyring=False),
        **settings,  # type: ignore[arg-type]
    )


async def next_matching(
    stream: EventStream, predicate: Callable[[Event], bool], within: float = 10.0
) -> Event:
    """The next event on ``stream`` that satisfies ``predicate``."""
    async with asyncio.timeout(within):
        while True:
            event = await stream.get()
            if predicate(event):
                return event


async def eventually(check: Callable[[], bool], within: float = 10.0) -> None:
    """Poll ``check`` until it holds (for outcomes with no event to wait on)."""
    async with asyncio.timeout(within):
        while True:
            if check():
                return
            await asyncio.sleep(0.02)
