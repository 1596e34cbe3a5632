"""One client WebSocket: its identity, its outgoing queue and its rate limit.

Outgoing frames go through a per-connection queue drained by one writer task, so
fan-out from anywhere (a handler, the broker) is a non-blocking append and a
slow reader never stalls the sender of a message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque

from aiohttp import WSMsgType, web

from messenger.protocol.codec import encode, encode_error, encode_result
from messenger.protocol.errors import ProtocolError
from messenger.protocol.events import ServerFrame
from signaling_server.ratelimit import TokenBucket

log = logging.getLogger(__name__)

CLOSE_AUTH_TIMEOUT = 4001
CLOSE_UNSUPPORTED_VERSION = 4002
CLOSE_SESSION_ENDED = 4003
CLOSE_POLICY = 1008
CLOSE_GOING_AWAY = 1001

# A reader this far behind is not reading; drop it rather than buffer without bound.
MAX_QUEUED_FRAMES = 10_000


class _Close:
    """Queued after the last frame to send: close once everything before it is out."""

    __slots__ = ("code", "reason")

    def __init__(self, code: int, reason: str) -> None:
        self.code = code
        self.reason = reason


class Connection:
    __slots__ = (
        "_closing",
        "_queue",
        "_wake",
        "_writer",
        "bucket",
        "greeted",
        "peer",
        "session_id",
        "user_id",
        "username",
        "violations",
        "ws",
    )

    def __init__(self, ws: web.WebSocketResponse, peer: str, bucket: TokenBucket) -> None:
        self.ws = ws
        self.peer = peer
        self.bucket = bucket
        self.greeted = False
        self.user_id: int | None = None
        self.username = ""
        self.session_id: int | None = None
        self.violations = 0
        self._queue: deque[bytes | _Close] = deque()
        self._wake = asyncio.Event()
        self._closing = False
        self._writer = asyncio.get_running_loop().create_task(self._drain())

    @property
    def authenticated(self) -> bool:
        return self.user_id is not None

    def send(self, data: bytes) -> None:
        if self._closing:
            return
        if len(self._queue) >= MAX_QUEUED_FRAMES:
            log.warning("closing slow connection", extra={"peer": self.peer})
            self.close(CLOSE_POLICY, "too slow: outgoing queue full")
            return
        self._queue.append(data)
        self._wake.set()

    def send_frame(self, frame: ServerFrame) -> None:
        self.send(encode(frame))

    def reply(self, request_id: str, result: object) -> None:
        self.send(encode_result(request_id, result))  # type: ignore[arg-type]

    def reply_error(self, err: ProtocolError) -> None:
        self.send(encode_error(err))

    def close(self, code: int, reason: str) -> None:
        """Close after the frames already queued (a reply, a revocation notice) are sent."""
        if self._closing:
            return
        self._closing = True
        self._queue.append(_Close(code, reason))
        self._wake.set()

    async def _drain(self) -> None:
        ws = self.ws
        queue = self._queue
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                while queue:
                    item = queue.popleft()
                    if isinstance(item, _Close):
                        await ws.close(code=item.code, message=item.reason.encode()[:120])
                        return
                    await ws.send_frame(item, WSMsgType.TEXT)
        except (ConnectionError, RuntimeError):
            # The peer went away mid-write; the reader loop notices and cleans up.
            queue.clear()

    async def stop(self) -> None:
        self._closing = True
        self._writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._writer
