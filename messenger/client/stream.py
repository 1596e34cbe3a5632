"""A consumer's view of the client's events: an async iterator over its own queue."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from messenger.client.events import Event


class EventStream:
    """Registered at creation, so no event emitted after ``subscribe()`` is missed.

    The queue is unbounded on purpose: events are small and a slow consumer
    (a busy UI) should lag, not lose messages. Iteration ends when the client
    closes or ``close()`` is called.
    """

    _END = object()

    def __init__(self, on_close: Callable[[EventStream], None]) -> None:
        self._queue: asyncio.Queue[object] = asyncio.Queue()
        self._on_close = on_close
        self._closed = False

    def put(self, event: Event) -> None:
        if not self._closed:
            self._queue.put_nowait(event)

    def end(self) -> None:
        if not self._closed:
            self._closed = True
            self._queue.put_nowait(self._END)

    def close(self) -> None:
        self.end()
        self._on_close(self)

    def __aiter__(self) -> EventStream:
        return self

    async def __anext__(self) -> Event:
        item = await self._queue.get()
        if item is self._END:
            raise StopAsyncIteration
        return item  # type: ignore[return-value]  # only put() adds other items

    async def get(self) -> Event:
        """The next event; EOFError once the stream ended."""
        item = await self._queue.get()
        if item is self._END:
            self._queue.put_nowait(self._END)  # stay ended for later calls
            raise EOFError("event stream closed")
        return item  # type: ignore[return-value]
