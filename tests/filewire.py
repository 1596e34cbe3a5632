"""Raw HTTP for the server's file routes: exact requests, exact statuses and headers.

Like ``tests.wire``, independent of ``messenger.client``, so the server is tested against
the documented protocol (tus 1.0 plus the download rules), not our own client's habits.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from typing import Any

import aiohttp
from multidict import CIMultiDictProxy

TUS = {"Tus-Resumable": "1.0.0"}


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Reply:
    def __init__(self, status: int, headers: CIMultiDictProxy[str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body)


class FileWire:
    def __init__(self, http_url: str) -> None:
        self.base = http_url
        self.session = aiohttp.ClientSession()

    async def close(self) -> None:
        await self.session.close()

    async def call(
        self,
        method: str,
        path: str,
        token: str | None,
        headers: dict[str, str] | None = None,
        data: Any = None,
    ) -> Reply:
        all_headers = dict(headers or {})
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        async with self.session.request(
            method, self.base + path, headers=all_headers, data=data
        ) as resp:
            return Reply(resp.status, resp.headers, await resp.read())

    async def create(
        self,
        token: str | None,
        size: int,
        digest: str,
        name: str = "file.bin",
        mime: str = "application/octet-stream",
    ) -> Reply:
        metadata = f"filename {b64(name)},filetype {b64(mime)},sha256 {b64(digest)}"
        headers = {**TUS, "Upload-Length": str(size), "Upload-Metadata": metadata}
        return await self.call("POST", "/files/uploads", token, headers)

    async def offset(self, token: str, file_id: str) -> Reply:
        return await self.call("HEAD", f"/files/uploads/{file_id}", token, dict(TUS))

    async def patch(self, token: str, file_id: str, offset: int, data: Any) -> Reply:
        headers = {
            **TUS,
            "Upload-Offset": str(offset),
            "Content-Type": "application/offset+octet-stream",
        }
        return await self.call("PATCH", f"/files/uploads/{file_id}", token, headers, data)

    async def upload(self, token: str, data: bytes, name: str = "file.bin") -> str:
        """Create and complete an upload; return its file id."""
        created = await self.create(token, len(data), sha256(data), name)
        assert created.status == 201, created.body
        file_id = created.headers["Location"].rsplit("/", 1)[1]
        if data:
            done = await self.patch(token, file_id, 0, data)
            assert done.status == 204, done.body
        return file_id

    async def get(self, token: str | None, file_id: str, range_: str | None = None) -> Reply:
        headers = {"Range": range_} if range_ else {}
        return await self.call("GET", f"/files/{file_id}", token, headers)


def file_ref(file_id: str, data: bytes, name: str = "file.bin", **extra: Any) -> dict[str, Any]:
    """A ``file`` field for a ``send`` request."""
    return {"file_id": file_id, "name": name, "size": len(data), "sha256": sha256(data), **extra}


async def cut_patch(
    host: str, port: int, token: str, file_id: str, offset: int, total: int, part: bytes
) -> None:
    """A PATCH that announces ``total`` bytes, sends ``part`` and drops the connection."""
    _reader, writer = await asyncio.open_connection(host, port)
    head = (
        f"PATCH /files/uploads/{file_id} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Authorization: Bearer {token}\r\nTus-Resumable: 1.0.0\r\n"
        f"Upload-Offset: {offset}\r\nContent-Type: application/offset+octet-stream\r\n"
        f"Content-Length: {total}\r\n\r\n"
    )
    writer.write(head.encode() + part)
    await writer.drain()
    writer.close()
    await writer.wait_closed()
