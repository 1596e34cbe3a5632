"""One WebSocket connection: sends requests, pairs replies by id, hands on pushed events.

A channel lives exactly as long as its connection; reconnecting makes a new one.
Replies to requests still pending when it closes fail with ``ConnectionFailed``,
so no caller waits forever on a dead socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Callable

import aiohttp
import msgspec

from messenger.client.errors import ConnectionFailed, NotConnected, RequestTimeout, error_from_frame
from messenger.protocol import codec
from messenger.protocol.errors import ErrorCode, ProtocolError
from messenger.protocol.events import Error, Result, ServerFrame
from messenger.protocol.requests import Request

log = logging.getLogger(__name__)

EventHandler = Callable[[ServerFrame], None]


class Channel:
    def __init__(
        self,
        ws: aiohttp.ClientWebSocketResponse,
        on_event: EventHandler,
        *,
        request_timeout: float,
        max_frame_bytes: int,
    ) -> None:
        self._ws = ws
        self._on_event = on_event
        self.request_timeout = request_timeout
        # Our frames above the server's limit would get the connection closed
        # (1009); refusing them here keeps the connection and says why.
        self.max_frame_bytes = max_frame_bytes
        self._ids = itertools.count(1)
        self._pending: dict[str, tuple[Request, asyncio.Future[ServerFrame]]] = {}
        self._closed = asyncio.Event()
        self.close_code: int | None = None
        self._reader = asyncio.create_task(self._read(), name="messenger-channel-reader")

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    async def wait_closed(self) -> None:
        await self._closed.wait()

    async def request(self, req: Request) -> msgspec.Struct:
        """Send ``req`` and return its decoded result; raise ``ProtocolError`` for an error reply.

        An empty ``req.id`` is replaced by one unique on this connection.
        """
        if self.closed:
            raise NotConnected("not connected")
        if not req.id or req.id in self._pending:
            req = msgspec.structs.replace(req, id=f"r{next(self._ids)}")
        data = codec.encode(req)
        if len(data) > self.max_frame_bytes:
            raise ProtocolError(
                ErrorCode.TOO_LARGE,
                f"request is {len(data)} bytes; the server accepts at most {self.max_frame_bytes}",
            )
        future: asyncio.Future[ServerFrame] = asyncio.get_running_loop().create_future()
        self._pending[req.id] = (req, future)
        try:
            try:
                await self._ws.send_str(data.decode())
            except (ConnectionError, aiohttp.ClientError, RuntimeError) as exc:
                raise ConnectionFailed(f"connection lost while sending: {exc}") from exc
            try:
                async with asyncio.timeout(self.request_timeout):
                    frame = await future
            except TimeoutError:
                raise RequestTimeout(
                    f"no reply to {type(req).__name__} within {self.request_timeout}s"
                ) from None
        finally:
            self._pending.pop(req.id, None)
        if isinstance(frame, Error):
            raise error_from_frame(frame)
        assert isinstance(frame, Result)  # _dispatch resolves futures with replies only
        return codec.decode_result(req, frame)

    async def _read(self) -> None:
        try:
            async for msg in self._ws:
                if msg.type in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
                    self._dispatch(msg.data)
                elif msg.type == aiohttp.WSMsgType.ERROR:
                    log.info("websocket error: %s", self._ws.exception())
                    break
        except (ConnectionError, aiohttp.ClientError) as exc:
            log.info("connection lost: %s", exc)
        finally:
            self.close_code = self._ws.close_code
            self._closed.set()
            for _req, future in self._pending.values():
                if not future.done():
                    future.set_exception(
                        ConnectionFailed(f"connection closed (code {self.close_code})")
                    )
            with contextlib.suppress(Exception):
                await self._ws.close()

    def _dispatch(self, data: str | bytes) -> None:
        try:
            frame = codec.decode_server_frame(data)
        except ProtocolError as exc:
            # A newer server may push events we do not know yet; skip them.
            log.warning("ignoring undecodable frame: %s", exc.message)
            return
        if isinstance(frame, Result | Error):
            pending = self._pending.get(frame.id) if frame.id is not None else None
            if pending is None:
                if isinstance(frame, Error):
                    log.warning("server error without a request: %s %s", frame.code, frame.message)
                return
            if not pending[1].done():
                pending[1].set_result(frame)
            return
        try:
            self._on_event(frame)
        except Exception:  # a consumer bug must not kill the connection
            log.exception("event handler failed for %s", type(frame).__name__)

    async def close(self) -> None:
        await self._ws.close()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
