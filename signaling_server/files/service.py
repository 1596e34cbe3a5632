"""Uploads, downloads and cleanup: what may happen to a file, decided here.

Transport-free: the HTTP edge (``routes``) parses requests into calls on ``FileService``
and turns the exceptions below into status codes. Bytes are streamed to disk in constant
memory: at most two batches of about ``FLUSH_BYTES`` per upload, one being filled from the
socket while a worker thread writes and hashes the other.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import secrets
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from aiohttp import ClientPayloadError, StreamReader
from aiohttp.http_exceptions import HttpProcessingError

from signaling_server.config import FileSettings
from signaling_server.files.blobs import BlobStore
from signaling_server.storage.base import Storage
from signaling_server.storage.records import FileRow

log = logging.getLogger(__name__)

# Handed to the writer thread in buffers this big: few enough thread hops per gigabyte
# to stay cheap, small enough that two per upload are nothing next to the RSS budget.
FLUSH_BYTES = 1024 * 1024
# A PATCH waits this long for an earlier one on the same upload (a client that retried
# while the server still drains its cut connection) before giving up with "busy".
LOCK_WAIT_SECONDS = 10.0
# What reading a body raises when the client disconnects mid-way.
_BODY_CUT = (ConnectionError, ClientPayloadError, HttpProcessingError)


class FileError(Exception):
    """A refused file request; ``routes`` maps each kind to its status code."""


class NotFound(FileError):
    pass


class Forbidden(FileError):
    pass


class TooLarge(FileError):
    pass


class OffsetMismatch(FileError):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


class Busy(FileError):
    pass


class ChecksumMismatch(FileError):
    pass


class Sent(FileError):
    """The file is carried by a message, so it can no longer be withdrawn."""


class Overflow(FileError):
    """More bytes arrived than the upload's length; those that fit were kept."""


class Upload:
    """An upload's state as a client sees it (tus HEAD, and after each PATCH)."""

    __slots__ = ("offset", "row")

    def __init__(self, row: FileRow, offset: int) -> None:
        self.row = row
        self.offset = offset


def new_file_id() -> str:
    """128 random bits: unguessable, so knowing an id means it was shared. Hex, so an id
    never starts with "-" (which a command line would take for an option)."""
    return secrets.token_hex(16)


class FileService:
    def __init__(self, storage: Storage, settings: FileSettings, root: Path) -> None:
        self._storage = storage
        self.settings = settings
        self.blobs = BlobStore(root)
        # Hash state of uploads mid-way, so a PATCH continuing where the last one stopped
        # need not read the prefix again: file id -> (offset, hasher).
        self._hashers: dict[str, tuple[int, Any]] = {}
        # Per upload: its lock and how many requests hold or wait for it (dropped at 0).
        self._locks: dict[str, tuple[asyncio.Lock, list[int]]] = {}
        # Blob moves and blob deletions, serialised: a blob is never removed between a new
        # upload finding it (and dropping its own copy) and that upload being recorded.
        self._commit_lock = asyncio.Lock()
        self._sweeper: asyncio.Task[None] | None = None

    # --- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        await asyncio.to_thread(self.blobs.ensure)
        self._sweeper = asyncio.get_running_loop().create_task(self._sweep_forever())

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper

    # --- uploads -------------------------------------------------------------------------

    def _expiry(self, now: float) -> float:
        return now + self.settings.upload_expiry_seconds

    async def create(self, user_id: int, length: int, name: str, mime: str, sha256: str) -> FileRow:
        limit = self.settings.max_file_bytes
        if length > limit:
            raise TooLarge(f"files are limited to {limit} bytes, this one has {length}")
        now = time.time()
        row = FileRow(
            id=new_file_id(),
            uploader_id=user_id,
            name=name,
            mime=mime,
            size=length,
            sha256=sha256,
            created_at=now,
            completed_at=None,
            expires_at=self._expiry(now),
        )
        row = await self._storage.create_upload(
            row, self.settings.user_quota_bytes, self.settings.max_pending_uploads
        )
        if length == 0:
            # Nothing will ever be PATCHed: the empty file is complete as created.
            await asyncio.to_thread(self.blobs.partial(row.id).touch)
            await self._finish(row, hashlib.sha256())
        return row

    async def _own(self, user_id: int, file_id: str) -> FileRow:
        row = await self._storage.file(file_id)
        # Someone else's upload is reported exactly like a missing one.
        if row is None or row.uploader_id != user_id:
            raise NotFound("no such upload")
        return row

    @contextlib.asynccontextmanager
    async def _exclusive(self, file_id: str) -> AsyncIterator[None]:
        """Hold the upload's lock: one request at a time writes it or reports its offset."""
        lock, users = self._locks.setdefault(file_id, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            try:
                async with asyncio.timeout(LOCK_WAIT_SECONDS):
                    await lock.acquire()
            except TimeoutError:
                raise Busy("another request is still writing this upload; retry") from None
            try:
                yield
            finally:
                lock.release()
        finally:
            users[0] -= 1
            if not users[0]:
                del self._locks[file_id]

    async def status(self, user_id: int, file_id: str) -> Upload:
        """The upload's offset once no request is writing it: after a cut, the bytes the
        cut connection delivered are all counted before a client is told where to resume."""
        row = await self._own(user_id, file_id)
        if row.complete:
            return Upload(row, row.size)
        async with self._exclusive(file_id):
            row = await self._own(user_id, file_id)
            if row.complete:
                return Upload(row, row.size)
            # A partial that is gone (a crash between storing the bytes and recording it)
            # reads as 0: the client sends the file again and the stored copy is reused.
            # Never "finish" an upload from a blob with its hash: that would hand anyone
            # who knows a file's hash the file.
            offset = await asyncio.to_thread(self.blobs.offset, file_id)
            if offset == row.size:
                # Every byte arrived but the server stopped before checking them: do it now,
                # so "all there" always means "stored".
                await self._finish(row, await self._hasher(file_id, offset))
                row = await self._own(user_id, file_id)
            return Upload(row, offset)

    async def append(
        self,
        user_id: int,
        file_id: str,
        claimed_offset: int,
        body: StreamReader,
        content_length: int | None,
    ) -> Upload:
        """Append a PATCH body at ``claimed_offset``, which must be the upload's offset.

        Raises before reading a byte when the offset is wrong or the declared body would
        pass the upload's length. Bytes received before the client went away are kept,
        so the next HEAD tells it where to go on from.
        """
        await self._own(user_id, file_id)
        async with self._exclusive(file_id):
            # Read again under the lock: an earlier request may just have finished it.
            row = await self._own(user_id, file_id)
            if row.complete:
                raise OffsetMismatch("this upload is complete", row.size)
            offset = await asyncio.to_thread(self.blobs.offset, file_id)
            if claimed_offset != offset:
                raise OffsetMismatch(f"the upload is at offset {offset}", offset)
            remaining = row.size - offset
            if content_length is not None and content_length > remaining:
                raise TooLarge(
                    f"{content_length} bytes would pass the upload's length;"
                    f" {remaining} remain after offset {offset}"
                )
            await self._storage.touch_upload(file_id, self._expiry(time.time()))
            hasher = await self._hasher(file_id, offset)
            received, overflow = await self._receive(file_id, body, remaining, hasher)
            offset += received
            self._hashers[file_id] = (offset, hasher)
            if offset == row.size:
                await self._finish(row, hasher)
            elif received:
                await self._storage.touch_upload(file_id, self._expiry(time.time()))
            if overflow:
                raise Overflow(f"the upload's length is {row.size}; the excess was dropped")
            return Upload(row, offset)

    async def _hasher(self, file_id: str, offset: int) -> Any:
        cached = self._hashers.pop(file_id, None)
        if cached is not None and cached[0] == offset:
            return cached[1]
        if offset == 0:
            return hashlib.sha256()
        return await asyncio.to_thread(self.blobs.hash_prefix, file_id, offset)

    async def _receive(
        self, file_id: str, body: StreamReader, remaining: int, hasher: Any
    ) -> tuple[int, bool]:
        """Stream the body to disk; return the bytes kept and whether more were sent.

        Double-buffered: the loop collects chunks off the socket while a worker thread
        writes and hashes the previous batch, so reading, writing and hashing overlap; the
        chunks are handed over as they came, never copied.
        """
        sink = await asyncio.to_thread(self.blobs.open_sink, file_id, hasher)
        loop = asyncio.get_running_loop()
        kept = 0  # bytes handed to the sink
        overflow = False
        chunks: list[bytes] = []
        pending = 0
        writing: asyncio.Future[None] | None = None
        try:
            try:
                while True:
                    chunk = await body.readany()
                    if not chunk:
                        break
                    room = remaining - kept - pending
                    if len(chunk) > room:
                        chunks.append(chunk[:room])
                        pending += room
                        overflow = True
                        break
                    chunks.append(chunk)
                    pending += len(chunk)
                    if pending >= FLUSH_BYTES:
                        if writing is not None:
                            await writing
                        writing = loop.run_in_executor(None, sink.write, chunks)
                        kept += pending
                        chunks, pending = [], 0
            except _BODY_CUT as exc:
                # The client went away mid-body: keep what arrived, it resumes from there.
                log.info("upload %s: body cut short (%s)", file_id, exc)
            if writing is not None:
                await writing
            if chunks:
                await loop.run_in_executor(None, sink.write, chunks)
                kept += pending
        except BaseException:
            # Cancelled or a disk error: the bytes on disk are the truth and the hash state
            # may not match them, so the next PATCH hashes the prefix again.
            self._hashers.pop(file_id, None)
            raise
        finally:
            if writing is not None and not writing.done():
                writing.add_done_callback(lambda _: sink.close())
            else:
                sink.close()
        return kept, overflow

    async def _finish(self, row: FileRow, hasher: Any) -> None:
        self._hashers.pop(row.id, None)
        if hasher.hexdigest() != row.sha256:
            await self._withdraw(row)
            raise ChecksumMismatch(
                "the uploaded bytes do not match the declared sha256; the upload was removed,"
                " start again"
            )
        async with self._commit_lock:
            await asyncio.to_thread(self.blobs.commit, row.id, row.sha256)
            await self._storage.complete_upload(row.id, time.time())

    async def terminate(self, user_id: int, file_id: str) -> None:
        """Withdraw an upload (tus termination): allowed until a message carries it."""
        await self._own(user_id, file_id)
        # Not while a PATCH writes it: that request would finish an upload that is gone.
        async with self._exclusive(file_id):
            row = await self._own(user_id, file_id)
            if not await self._withdraw(row):
                raise Sent("this file was sent in a message; delete the message instead")

    async def _withdraw(self, row: FileRow) -> bool:
        if not await self._storage.delete_unsent_file(row.id):
            return False
        self._hashers.pop(row.id, None)
        await self._drop_bytes([row])
        return True

    async def _drop_bytes(self, rows: list[FileRow]) -> None:
        """Remove the bytes of upload rows already deleted: partials, and blobs no
        complete file has any more."""
        async with self._commit_lock:
            for row in rows:
                self._hashers.pop(row.id, None)
                await asyncio.to_thread(self.blobs.remove_partial, row.id)
                if row.complete and not await self._storage.blob_needed(row.sha256):
                    await asyncio.to_thread(self.blobs.remove_blob, row.sha256)

    # --- downloads -----------------------------------------------------------------------

    async def download(self, user_id: int, file_id: str) -> tuple[FileRow, Path]:
        """The file and where its bytes are, if ``user_id`` may have them (checked now)."""
        row = await self._storage.file(file_id)
        if row is None or not row.complete:
            raise NotFound("no such file")
        if not await self._storage.may_download(file_id, user_id):
            raise Forbidden("this file was not sent to a conversation of yours")
        return row, self.blobs.blob(row.sha256)

    # --- cleanup -------------------------------------------------------------------------

    async def sweep(self) -> int:
        """Remove abandoned uploads and their bytes; return how many."""
        now = time.time()
        # A PATCH in progress keeps its upload alive even if its expiry passes mid-way.
        busy = frozenset(self._locks)
        gone = await self._storage.sweep_files(now, now - self.settings.upload_expiry_seconds, busy)
        await self._drop_bytes(gone)
        return len(gone)

    async def reconcile(self) -> None:
        """Remove bytes no record owns: left by a crash between a record's deletion and
        its bytes' (the record always goes first, so nothing owned is ever lost)."""
        for file_id in await asyncio.to_thread(lambda: list(self.blobs.partial_ids())):
            row = await self._storage.file(file_id)
            if row is None:
                await asyncio.to_thread(self.blobs.remove_partial, file_id)
        async with self._commit_lock:
            for sha256 in await asyncio.to_thread(lambda: list(self.blobs.blob_hashes())):
                if not await self._storage.blob_needed(sha256):
                    await asyncio.to_thread(self.blobs.remove_blob, sha256)

    async def _sweep_forever(self) -> None:
        first = True
        while True:
            try:
                if first:
                    await self.reconcile()
                    first = False
                removed = await self.sweep()
                if removed:
                    log.info("removed %d abandoned uploads", removed)
            except Exception:
                log.exception("file cleanup failed")
            await asyncio.sleep(self.settings.cleanup_interval_seconds)
