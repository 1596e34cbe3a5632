"""The server's file routes over HTTP: tus 1.0 uploads and ranged downloads.

Every failure becomes a ``TransferError`` that says whether trying again can help, so the
transfer manager only decides between "retry later" and "tell the user".
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import re
import ssl
from collections.abc import AsyncIterator
from typing import NamedTuple
from urllib.parse import unquote, urlsplit, urlunsplit

import aiohttp
import msgspec

from messenger.protocol.files import FILE_ID_RE, FileRef, normalize_file_name

TUS_VERSION = "1.0.0"
UPLOADS_PATH = "/files/uploads"

# Statuses after which the same request can succeed later: the server is busy or failing,
# an earlier request on this upload is still draining (423), or the session must be
# renewed (401, after the client signs in again).
_RETRYABLE_STATUS = {401, 408, 423, 425, 429, 500, 502, 503, 504}


class HttpTarget(NamedTuple):
    """Where and as whom: the server's HTTP base URL, the session token, the TLS policy."""

    base: str
    token: str | None
    ssl: ssl.SSLContext | aiohttp.Fingerprint | bool


def http_base(ws_url: str) -> str:
    """``ws://h:p/ws`` -> ``http://h:p`` (``wss`` -> ``https``), keeping any path prefix."""
    parts = urlsplit(ws_url)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme)
    if scheme is None:
        raise ValueError(f"not a ws:// or wss:// URL: {ws_url!r}")
    path = parts.path.removesuffix("/").removesuffix("/ws")
    return urlunsplit((scheme, parts.netloc, path, "", ""))


class TransferError(Exception):
    """A transfer step that failed; ``retryable`` says whether the same step may work later.

    ``code`` is the server's error code when it gave one (``quota_exceeded``,
    ``forbidden``...) or the client's own (``unreachable``, ``source_changed``,
    ``checksum_mismatch``, ``disk``...).
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        retryable: bool,
        status: int | None = None,
        offset: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retryable = retryable
        self.status = status
        self.offset = offset


class _ErrorBody(msgspec.Struct):
    code: str = "internal_error"
    message: str = ""


# The code for a refusal without a JSON body (a HEAD request's, or a proxy's).
_STATUS_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    413: "too_large",
    460: "checksum_mismatch",
}


async def _refusal(resp: aiohttp.ClientResponse) -> TransferError:
    body = _ErrorBody(
        code=_STATUS_CODES.get(resp.status, "internal_error"),
        message=resp.reason or f"HTTP {resp.status}",
    )
    with contextlib.suppress(Exception):
        body = msgspec.json.decode(await resp.read(), type=_ErrorBody)
    offset = resp.headers.get("Upload-Offset")
    return TransferError(
        body.code,
        body.message or f"HTTP {resp.status}",
        retryable=resp.status in _RETRYABLE_STATUS or resp.status == 409,
        status=resp.status,
        offset=int(offset) if offset and offset.isdigit() else None,
    )


def unreachable(exc: BaseException) -> TransferError:
    return TransferError(
        "unreachable", f"lost the server: {exc or type(exc).__name__}", retryable=True
    )


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


_FILENAME_STAR = re.compile(r"filename\*\s*=\s*UTF-8''([^;\s]+)", re.IGNORECASE)
_DIGEST = re.compile(r"sha-256=:([A-Za-z0-9+/=]+):")


class FileApi:
    """One server's file routes, through a shared session; requests carry the current token."""

    def __init__(self, session: aiohttp.ClientSession, target: HttpTarget) -> None:
        self._session = session
        self._target = target

    def _headers(self, tus: bool = True) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self._target.token or ''}"}
        if tus:
            headers["Tus-Resumable"] = TUS_VERSION
        return headers

    def _upload_url(self, file_id: str) -> str:
        return f"{self._target.base}{UPLOADS_PATH}/{file_id}"

    async def create(self, size: int, name: str, mime: str, sha256: str) -> str:
        """Create an upload; return its file id (the last segment of ``Location``)."""
        metadata = f"filename {_b64(name)},filetype {_b64(mime)},sha256 {_b64(sha256)}"
        headers = {**self._headers(), "Upload-Length": str(size), "Upload-Metadata": metadata}
        try:
            async with self._session.post(
                self._target.base + UPLOADS_PATH, headers=headers, ssl=self._target.ssl
            ) as resp:
                if resp.status != 201:
                    raise await _refusal(resp)
                file_id = resp.headers.get("Location", "").rsplit("/", 1)[-1]
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise unreachable(exc) from exc
        if not FILE_ID_RE.fullmatch(file_id):
            raise TransferError("bad_reply", "the server named no upload", retryable=False)
        return file_id

    async def offset(self, file_id: str) -> int:
        """How many bytes of the upload the server has (tus HEAD)."""
        try:
            async with self._session.head(
                self._upload_url(file_id), headers=self._headers(), ssl=self._target.ssl
            ) as resp:
                if resp.status != 200:
                    raise await _refusal(resp)
                value = resp.headers.get("Upload-Offset", "")
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise unreachable(exc) from exc
        if not value.isdigit():
            raise TransferError("bad_reply", "the server sent no Upload-Offset", retryable=True)
        return int(value)

    async def patch(
        self, file_id: str, offset: int, length: int, body: AsyncIterator[bytes]
    ) -> int:
        """Send ``length`` bytes from ``offset``; return the server's new offset."""
        headers = {
            **self._headers(),
            "Upload-Offset": str(offset),
            "Content-Type": "application/offset+octet-stream",
            "Content-Length": str(length),
        }
        try:
            async with self._session.patch(
                self._upload_url(file_id), headers=headers, data=body, ssl=self._target.ssl
            ) as resp:
                if resp.status != 204:
                    raise await _refusal(resp)
                value = resp.headers.get("Upload-Offset", "")
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise unreachable(exc) from exc
        return int(value) if value.isdigit() else offset + length

    async def terminate(self, file_id: str) -> None:
        try:
            async with self._session.delete(
                self._upload_url(file_id), headers=self._headers(), ssl=self._target.ssl
            ) as resp:
                if resp.status not in (204, 404):
                    raise await _refusal(resp)
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise unreachable(exc) from exc

    async def describe(self, file_id: str) -> FileRef:
        """What the server says about a file I may download: name, size and SHA-256."""
        try:
            async with self._session.head(
                f"{self._target.base}/files/{file_id}",
                headers=self._headers(tus=False),
                ssl=self._target.ssl,
            ) as resp:
                if resp.status != 200:
                    raise await _refusal(resp)
                headers = resp.headers
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise unreachable(exc) from exc
        name = _FILENAME_STAR.search(headers.get("Content-Disposition", ""))
        digest = _DIGEST.search(headers.get("Repr-Digest", ""))
        length = headers.get("Content-Length", "")
        if digest is None or not length.isdigit():
            raise TransferError(
                "bad_reply", "the server did not describe the file", retryable=False
            )
        try:
            sha256 = base64.b64decode(digest.group(1), validate=True).hex()
        except binascii.Error:
            raise TransferError("bad_reply", "malformed Repr-Digest", retryable=False) from None
        return FileRef(
            file_id=file_id,
            name=normalize_file_name(unquote(name.group(1)) if name else file_id),
            size=int(length),
            sha256=sha256,
        )

    @contextlib.asynccontextmanager
    async def fetch(
        self, file_id: str, start: int
    ) -> AsyncIterator[tuple[int, aiohttp.StreamReader]]:
        """The file's bytes from ``start`` (or from 0 when the server ignores the range):
        yields where the stream begins and the stream."""
        headers = self._headers(tus=False)
        if start:
            headers["Range"] = f"bytes={start}-"
        try:
            async with self._session.get(
                f"{self._target.base}/files/{file_id}", headers=headers, ssl=self._target.ssl
            ) as resp:
                if resp.status == 206:
                    begins = _range_start(resp.headers.get("Content-Range", ""))
                    if begins != start:
                        raise TransferError(
                            "bad_reply", "the server sent another range", retryable=True
                        )
                elif resp.status == 200:
                    begins = 0
                else:
                    raise await _refusal(resp)
                yield begins, resp.content
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise unreachable(exc) from exc


def _range_start(content_range: str) -> int | None:
    match = re.fullmatch(r"bytes (\d+)-\d+/\d+", content_range.strip())
    return int(match.group(1)) if match else None
