"""The HTTP edge of file transfer: tus 1.0 uploads under /files/uploads, downloads at /files/ID.

Each handler parses and authenticates, calls the ``FileService`` and maps its outcome to a
status code. Errors carry a JSON body ``{"code", "message"}`` with the protocol's error
codes, so a client handles them like WebSocket error replies.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

from messenger.protocol.errors import ErrorCode
from messenger.protocol.files import FILE_ID_RE
from signaling_server.context import ServerContext
from signaling_server.credentials import token_hash
from signaling_server.files import headers as h
from signaling_server.files import service as svc
from signaling_server.storage.errors import QuotaExceeded

log = logging.getLogger(__name__)

FILES = web.AppKey("files", svc.FileService)
_CONTEXT = web.AppKey("files_context", ServerContext)

UPLOADS_PATH = "/files/uploads"
# tus's checksum extension answers a failed checksum with 460; ours is the whole file's.
STATUS_CHECKSUM_MISMATCH = 460


class HttpFailure(Exception):
    def __init__(
        self, status: int, code: ErrorCode, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def _tus_headers() -> dict[str, str]:
    return {"Tus-Resumable": h.TUS_VERSION, "Cache-Control": "no-store"}


def _failure_response(failure: HttpFailure, tus: bool) -> web.Response:
    headers = {**(_tus_headers() if tus else {}), **failure.headers}
    response = web.json_response(
        {"code": failure.code.value, "message": failure.message},
        status=failure.status,
        headers=headers,
    )
    if failure.status == 413:
        # The client may still be sending a body we will not read: end the connection.
        response.force_close()
    return response


_MAPPED: list[tuple[type[Exception], int, ErrorCode]] = [
    (svc.NotFound, 404, ErrorCode.NOT_FOUND),
    (svc.Forbidden, 403, ErrorCode.FORBIDDEN),
    (svc.TooLarge, 413, ErrorCode.TOO_LARGE),
    (svc.Overflow, 413, ErrorCode.TOO_LARGE),
    (QuotaExceeded, 413, ErrorCode.QUOTA_EXCEEDED),
    (svc.OffsetMismatch, 409, ErrorCode.CONFLICT),
    (svc.Sent, 409, ErrorCode.CONFLICT),
    (svc.Busy, 423, ErrorCode.CONFLICT),
    (svc.ChecksumMismatch, STATUS_CHECKSUM_MISMATCH, ErrorCode.CHECKSUM_MISMATCH),
    (h.BadHeader, 400, ErrorCode.BAD_REQUEST),
]


def _as_failure(exc: Exception) -> HttpFailure | None:
    for kind, status, code in _MAPPED:
        if isinstance(exc, kind):
            extra = {}
            if isinstance(exc, svc.OffsetMismatch):
                extra["Upload-Offset"] = str(exc.offset)
            return HttpFailure(status, code, str(exc), extra)
    return None


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _handled(*, tus: bool) -> Callable[[Handler], Handler]:
    """Wrap a handler so every refusal becomes one JSON error response."""

    def wrap(handler: Handler) -> Handler:
        async def run(request: web.Request) -> web.StreamResponse:
            try:
                if tus and request.method != "OPTIONS":
                    _require_tus(request)
                return await handler(request)
            except HttpFailure as failure:
                return _failure_response(failure, tus)
            except web.HTTPException:
                raise
            except Exception as exc:
                mapped = _as_failure(exc)
                if mapped is None:
                    log.exception("file request failed: %s %s", request.method, request.path)
                    mapped = HttpFailure(
                        500, ErrorCode.INTERNAL_ERROR, "the server failed to handle this request"
                    )
                return _failure_response(mapped, tus)

        return run

    return wrap


def _require_tus(request: web.Request) -> None:
    if request.headers.get("Tus-Resumable") != h.TUS_VERSION:
        raise HttpFailure(
            412,
            ErrorCode.BAD_REQUEST,
            f"send Tus-Resumable: {h.TUS_VERSION}",
            {"Tus-Version": h.TUS_VERSION},
        )


async def _user_id(request: web.Request) -> int:
    """The signed-in user behind ``Authorization: Bearer <session token>`` (RFC 6750)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    challenge = {"WWW-Authenticate": 'Bearer realm="messenger"'}
    if scheme.lower() != "bearer" or not token or len(token) > 256:
        raise HttpFailure(
            401, ErrorCode.NOT_AUTHENTICATED, "send Authorization: Bearer <token>", challenge
        )
    session = await request.app[_CONTEXT].storage.session_by_token(token_hash(token))
    if session is None or session.expires_at <= time.time():
        raise HttpFailure(
            401,
            ErrorCode.INVALID_TOKEN,
            "this session has ended; sign in again",
            {"WWW-Authenticate": 'Bearer realm="messenger", error="invalid_token"'},
        )
    return session.user_id


def _file_id(request: web.Request) -> str:
    file_id = request.match_info["file_id"]
    if not FILE_ID_RE.fullmatch(file_id):
        raise HttpFailure(404, ErrorCode.NOT_FOUND, "no such file")
    return file_id


# --- tus ----------------------------------------------------------------------------------


async def _options(request: web.Request) -> web.Response:
    files = request.app[FILES]
    return web.Response(
        status=204,
        headers={
            "Tus-Resumable": h.TUS_VERSION,
            "Tus-Version": h.TUS_VERSION,
            "Tus-Extension": h.TUS_EXTENSIONS,
            "Tus-Max-Size": str(files.settings.max_file_bytes),
        },
    )


async def _create(request: web.Request) -> web.Response:
    if "Upload-Defer-Length" in request.headers:
        raise HttpFailure(400, ErrorCode.BAD_REQUEST, "Upload-Defer-Length is not supported")
    length = h.non_negative(request.headers.get("Upload-Length"), "Upload-Length")
    files = request.app[FILES]
    # Refused on the headers alone, before authentication or anything else is read.
    if length > files.settings.max_file_bytes:
        raise svc.TooLarge(
            f"files are limited to {files.settings.max_file_bytes} bytes, this one has {length}"
        )
    user_id = await _user_id(request)
    declared = h.Declared(h.parse_metadata(request.headers.get("Upload-Metadata")))
    row = await files.create(user_id, length, declared.name, declared.mime, declared.sha256)
    headers = {
        **_tus_headers(),
        "Location": f"{UPLOADS_PATH}/{row.id}",
        "Upload-Offset": str(row.size if length == 0 else 0),
    }
    if length:
        headers["Upload-Expires"] = h.http_date(row.expires_at)
    return web.Response(status=201, headers=headers)


def _status_headers(upload: svc.Upload) -> dict[str, str]:
    headers = {
        **_tus_headers(),
        "Upload-Offset": str(upload.offset),
        "Upload-Length": str(upload.row.size),
    }
    if not upload.row.complete and upload.offset < upload.row.size:
        headers["Upload-Expires"] = h.http_date(upload.row.expires_at)
    return headers


async def _head(request: web.Request) -> web.Response:
    upload = await request.app[FILES].status(await _user_id(request), _file_id(request))
    return web.Response(status=200, headers=_status_headers(upload))


async def _patch(request: web.Request) -> web.Response:
    if request.content_type != h.OFFSET_OCTET_STREAM:
        raise HttpFailure(
            415, ErrorCode.BAD_REQUEST, f"Content-Type must be {h.OFFSET_OCTET_STREAM}"
        )
    offset = h.non_negative(request.headers.get("Upload-Offset"), "Upload-Offset")
    user_id = await _user_id(request)
    upload = await request.app[FILES].append(
        user_id, _file_id(request), offset, request.content, request.content_length
    )
    return web.Response(status=204, headers=_status_headers(upload))


async def _terminate(request: web.Request) -> web.Response:
    await request.app[FILES].terminate(await _user_id(request), _file_id(request))
    return web.Response(status=204, headers=_tus_headers())


# --- downloads ------------------------------------------------------------------------------


async def _download(request: web.Request) -> web.StreamResponse:
    row, path = await request.app[FILES].download(await _user_id(request), _file_id(request))
    # Served as an opaque attachment whatever it is: the type a sender claims is never
    # trusted, nothing here is meant to render in a browser, and the app picks what to do
    # with a file from the message, not from this response.
    return web.FileResponse(
        path,
        headers={
            "Content-Type": "application/octet-stream",
            "Content-Disposition": h.content_disposition(row.name),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, no-store",
            "Repr-Digest": h.repr_digest(row.sha256),
        },
    )


def register(app: web.Application, ctx: ServerContext, data_dir: Path) -> None:
    """Add the file routes and the file service's start-up and cleanup to ``app``."""
    settings = ctx.settings.files
    root = Path(settings.storage_dir) if settings.storage_dir else data_dir / "files"
    files = svc.FileService(ctx.storage, settings, root)
    app[FILES] = files
    app[_CONTEXT] = ctx
    tus = _handled(tus=True)
    plain = _handled(tus=False)
    router = app.router
    router.add_route("OPTIONS", UPLOADS_PATH, tus(_options))
    router.add_post(UPLOADS_PATH, tus(_create))
    upload = f"{UPLOADS_PATH}/{{file_id}}"
    router.add_route("HEAD", upload, tus(_head))
    router.add_route("PATCH", upload, tus(_patch))
    router.add_delete(upload, tus(_terminate))
    router.add_get("/files/{file_id}", plain(_download))

    async def start(app: web.Application) -> None:
        await files.start()

    async def stop(app: web.Application) -> None:
        await files.close()

    # Started after the storage (registered later than build_app's own start-up hook),
    # stopped before it closes.
    app.on_startup.append(start)
    app.on_cleanup.insert(0, stop)
