"""The in-process broker: one server instance, delivery straight to its hub."""

from __future__ import annotations

from collections.abc import Iterable

from signaling_server.hub import Hub


class LocalBroker:
    def __init__(self, hub: Hub) -> None:
        self._hub = hub

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    def publish(
        self, user_ids: Iterable[int], frame: bytes, exclude_session: int | None = None
    ) -> None:
        self._hub.deliver(user_ids, frame, exclude_session)

    def publish_to_sessions(self, session_ids: Iterable[int], frame: bytes) -> None:
        self._hub.deliver_to_sessions(session_ids, frame)

    def end_sessions(self, session_ids: Iterable[int], reason: str) -> None:
        self._hub.end_sessions(session_ids, reason)
