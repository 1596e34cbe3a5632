"""Delivery of frames to users' connections, wherever they are connected.

The in-process broker delivers straight to this instance's hub. A Redis broker
(for several server instances) implements the same interface by publishing and
letting every instance deliver to the connections it holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol


class Broker(Protocol):
    async def start(self) -> None: ...
    async def close(self) -> None: ...

    def publish(
        self, user_ids: Iterable[int], frame: bytes, exclude_session: int | None = None
    ) -> None:
        """Send ``frame`` to every connection of ``user_ids`` but ``exclude_session``'s."""

    def publish_to_sessions(self, session_ids: Iterable[int], frame: bytes) -> None:
        """Send ``frame`` to every connection of these sessions (one device each)."""

    def end_sessions(self, session_ids: Iterable[int], reason: str) -> None:
        """Close every connection of these sessions, wherever it is."""
