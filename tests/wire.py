"""A raw protocol client for server tests: exact frames in, exact frames out.

Deliberately independent of ``messenger.client`` so the server is tested
against the protocol document, not against our own client's habits.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import uuid
from typing import Any

import aiohttp

_ids = itertools.count(1)


class WireError(Exception):
    def __init__(self, frame: dict[str, Any]) -> None:
        super().__init__(f"{frame.get('code')}: {frame.get('message')}")
        self.code = frame.get("code")
        self.frame = frame


class Wire:
    def __init__(self, session: aiohttp.ClientSession, ws: aiohttp.ClientWebSocketResponse):
        self.session = session
        self.ws = ws
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.replies: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.username = ""
        self.token = ""
        self.session_id = 0
        self.close_code: int | None = None
        self.closed = asyncio.Event()
        self._reader = asyncio.get_running_loop().create_task(self._read())

    @classmethod
    async def connect(cls, url: str, hello: bool = True) -> Wire:
        session = aiohttp.ClientSession()
        ws = await session.ws_connect(url, max_msg_size=0)
        wire = cls(session, ws)
        if hello:
            await wire.call("hello", protocol=1, client="tests")
        return wire

    @classmethod
    async def user(cls, url: str, name: str, password: str = "correct horse") -> Wire:
        """Connect, register (or log in if taken) and drain nothing."""
        wire = await cls.connect(url)
        try:
            res = await wire.call("register", username=name, password=password, device="test")
        except WireError as exc:
            if exc.code != "username_taken":
                raise
            res = await wire.call("login", username=name, password=password, device="test")
        wire.username = res["username"]
        wire.token = res.get("token") or ""
        wire.session_id = res["session_id"]
        return wire

    async def _read(self) -> None:
        try:
            async for msg in self.ws:
                if msg.type is not aiohttp.WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                rid = frame.get("id")
                if frame.get("type") in ("result", "error") and rid in self.replies:
                    self.replies.pop(rid).set_result(frame)
                else:
                    # Pushed events, and replies no request waits for (tests look at those).
                    await self.events.put(frame)
        finally:
            self.close_code = self.ws.close_code
            self.closed.set()
            for fut in self.replies.values():
                if not fut.done():
                    fut.set_exception(ConnectionError("connection closed"))

    async def send_raw(self, data: str | bytes) -> None:
        if isinstance(data, bytes):
            await self.ws.send_bytes(data)
        else:
            await self.ws.send_str(data)

    async def request(self, type_: str, timeout: float = 10.0, **fields: Any) -> dict[str, Any]:
        """Send a request; return its reply frame (result or error)."""
        rid = str(next(_ids))
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.replies[rid] = fut
        await self.ws.send_str(json.dumps({"type": type_, "id": rid, **fields}))
        return await asyncio.wait_for(fut, timeout)

    async def call(self, type_: str, timeout: float = 10.0, **fields: Any) -> dict[str, Any]:
        """Send a request; return its result payload or raise WireError."""
        frame = await self.request(type_, timeout, **fields)
        if frame["type"] == "error":
            raise WireError(frame)
        result: dict[str, Any] = frame["result"]
        return result

    async def send_text(self, peer: str, text: str, **extra: Any) -> dict[str, Any]:
        a, b = sorted((self.username, peer))
        return await self.call(
            "send", conversation=f"dm:{a}:{b}", client_id=uuid.uuid4().hex, text=text, **extra
        )

    async def next_event(self, type_: str | None = None, timeout: float = 5.0) -> dict[str, Any]:
        """The next pushed event (of ``type_`` if given; others before it are dropped)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"no {type_ or 'event'} within {timeout}s")
            frame = await asyncio.wait_for(self.events.get(), remaining)
            if type_ is None or frame.get("type") == type_:
                return frame

    async def no_event(self, type_: str | None = None, wait: float = 0.5) -> None:
        """Assert that no event (of ``type_``) arrives within ``wait`` seconds."""
        try:
            frame = await self.next_event(type_, timeout=wait)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected event {frame}")

    async def close(self) -> None:
        await self.ws.close()
        self._reader.cancel()
        await self.session.close()


def dm(a: str, b: str) -> str:
    x, y = sorted((a, b))
    return f"dm:{x}:{y}"


async def befriend(a: Wire, b: Wire) -> None:
    await a.call("contact", action="request", username=b.username)
    await b.call("contact", action="accept", username=a.username)
