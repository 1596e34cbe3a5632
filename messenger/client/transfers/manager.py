"""Uploads and downloads of one account: started, paused, resumed, cancelled, reported.

Every transfer is a row in the store before its first byte moves and a task while this
process runs it. A task waits while the client is offline and retries with backoff when
the connection drops, each time asking the server where it stands, so nothing is sent or
fetched twice; after a restart ``resume_all`` picks up every transfer left active. Each
change is emitted as a ``TransferUpdate`` on the client's event streams (progress at most
``PROGRESS_INTERVAL`` apart), which is all a progress card needs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import mimetypes
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import aiohttp
import backoff
import platformdirs

from messenger.client.errors import ClientError
from messenger.client.events import Event
from messenger.client.transfers import disk
from messenger.client.transfers.api import FileApi, HttpTarget, TransferError
from messenger.client.transfers.events import FINAL_STATES, TransferState, TransferUpdate
from messenger.client.transfers.meter import Meter
from messenger.protocol.files import FileRef, check_thumbnail, normalize_file_name, normalize_mime
from messenger.store import Store
from messenger.store.outbox import new_client_id
from messenger.store.transfers import TransferRecord

log = logging.getLogger(__name__)

PROGRESS_INTERVAL = 0.1
# Transfers moving bytes at once; the rest wait their turn ("queued").
CONCURRENCY = 3
TERMINATE_TIMEOUT = 5.0
# aiohttp's read buffer per response: room for one socket read (256 KiB) per loop turn, so
# fewer wake-ups per megabyte; also the most a cut download loses (aiohttp drops what it
# buffered when the connection breaks) and fetches again.
READ_BUFFER_BYTES = 256 * 1024


# How a stored transfer shows when this process is not running it.
_AT_REST: dict[str, TransferState] = {
    "active": "queued",
    "paused": "paused",
    "done": "done",
    "failed": "failed",
}


def default_downloads_dir() -> Path:
    return Path(platformdirs.user_downloads_dir())


class _Live:
    """What this process knows of a transfer it runs, beyond the stored row."""

    __slots__ = ("done", "error", "error_code", "last_emit", "meter", "state")

    def __init__(self, done: int) -> None:
        now = time.monotonic()
        self.state: TransferState = "queued"
        self.done = done
        self.meter = Meter(done, now)
        self.last_emit = 0.0
        self.error_code: str | None = None
        self.error: str | None = None


class Transfers:
    def __init__(
        self,
        store: Store,
        emit: Callable[[Event], None],
        *,
        target: Callable[[], HttpTarget],
        ready: Callable[[], Awaitable[None]],
        online: Callable[[], bool],
        wake_outbox: Callable[[], None],
        downloads_dir: Callable[[], Path] = default_downloads_dir,
        min_backoff: float = 0.5,
        max_backoff: float = 30.0,
    ) -> None:
        """``ready`` waits until the client is signed in (raising if it stopped for good),
        ``online`` says whether it is now; ``target`` gives the server's HTTP base, the
        current session token and the TLS policy."""
        self._store = store
        self._emit = emit
        self._target = target
        self._ready = ready
        self._online = online
        self._wake_outbox = wake_outbox
        self._downloads_dir = downloads_dir
        self._min_backoff = min_backoff
        self._max_backoff = max_backoff
        self._slots = asyncio.Semaphore(CONCURRENCY)
        self._session: aiohttp.ClientSession | None = None
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._live: dict[int, _Live] = {}
        self._stopping: dict[int, asyncio.Task[None]] = {}  # paused, still cleaning up
        self._waiters: dict[int, list[asyncio.Future[TransferUpdate]]] = {}
        self._closed = False

    # --- what a UI calls -------------------------------------------------------------------

    def send_file(
        self,
        conversation: str,
        path: Path,
        *,
        caption: str = "",
        reply_to: int | None = None,
        thumbnail: bytes | None = None,
        name: str | None = None,
        mime: str | None = None,
        resume: bool = False,
    ) -> TransferUpdate:
        """Upload ``path`` and then send it to ``conversation`` as a file message.

        Returns at once; the file is hashed, uploaded and its message queued in the
        background. ``thumbnail`` (a small PNG or JPEG the caller made) travels inline with
        the message. With ``resume``, an unfinished upload of the same unchanged file to the
        same conversation continues instead of a new one starting.
        Raises ``TransferError`` when the path is not a readable file, ``ProtocolError``
        for a thumbnail the server would refuse.
        """
        source = path.absolute()
        try:
            st = source.stat()
        except OSError as exc:
            raise disk.disk_error(exc, f"cannot read {source}") from exc
        if not source.is_file():
            raise TransferError("not_a_file", f"{source} is not a file", retryable=False)
        if thumbnail:
            check_thumbnail(thumbnail)
        earlier = self._store.transfers.find_upload(conversation, str(source)) if resume else None
        if earlier is not None:
            # Not hashed yet (no mtime recorded) or hashed as it still is: go on with it.
            if earlier.size == st.st_size and earlier.source_mtime_ns in (None, st.st_mtime_ns):
                return self.resume(earlier.id)
            self._store.transfers.update(
                earlier.id,
                state="failed",
                error_code="source_changed",
                error_message=f"{source} changed; it was sent again as a new file",
            )
        file_name = normalize_file_name(name or source.name)
        record = self._store.transfers.add(
            "upload",
            conversation=conversation,
            name=file_name,
            size=st.st_size,
            mime=normalize_mime(mime or mimetypes.guess_type(file_name)[0] or ""),
            path=str(source),
            client_id=new_client_id(),
            caption=caption,
            reply_to=reply_to,
            thumbnail=thumbnail or None,
        )
        self._start(record.id)
        return self._update(record)

    def download(
        self,
        file: FileRef,
        *,
        conversation: str = "",
        directory: Path | None = None,
        target: Path | None = None,
    ) -> TransferUpdate:
        """Download ``file`` into ``directory`` (the user's Downloads folder by default) under
        its own name, or to ``target``; never over an existing file (``name (1).ext``).

        An unfinished download of the same file to the same place resumes where it stopped.
        Raises ``TransferError`` when the destination cannot be written.
        """
        if target is None:
            folder = directory if directory is not None else self._downloads_dir()
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise disk.disk_error(exc, f"cannot create {folder}") from exc
            target = disk.destination(folder, file.name)
        target = target.absolute()
        earlier = self._store.transfers.find_download(file.file_id, str(target))
        if earlier is not None:
            return self.resume(earlier.id)
        part = disk.reserve(target.with_name(target.name + ".part"))
        record = self._store.transfers.add(
            "download",
            conversation=conversation,
            name=normalize_file_name(file.name),
            size=file.size,
            mime=normalize_mime(file.mime),
            sha256=file.sha256,
            file_id=file.file_id,
            path=str(target),
            part_path=str(part),
        )
        self._start(record.id)
        return self._update(record)

    async def describe(self, file_id: str) -> FileRef:
        """Name, size and hash of a file by id, from the server (when no message is at hand)."""
        return await self._api().describe(file_id)

    def pause(self, transfer_id: int) -> TransferUpdate:
        """Stop moving bytes until ``resume``; what arrived so far is kept."""
        record = self._record(transfer_id)
        if record.state in ("done", "failed"):
            return self._update(record)
        live = self._live.pop(transfer_id, None)
        done = {"done_bytes": live.done} if live is not None else {}
        self._store.transfers.update(transfer_id, state="paused", **done)
        task = self._tasks.pop(transfer_id, None)
        if task is not None:
            task.cancel()
            # It may still be writing its last bytes: a resume waits for it to finish.
            self._stopping[transfer_id] = task
            task.add_done_callback(lambda t: self._stopping.pop(transfer_id, None))
        return self._publish(self._record(transfer_id))

    def resume(self, transfer_id: int) -> TransferUpdate:
        """Go on with a paused or failed transfer (a no-op for one running or done)."""
        record = self._record(transfer_id)
        if record.state != "done":
            self._store.transfers.update(
                transfer_id, state="active", error_code=None, error_message=None
            )
            self._start(transfer_id)
        return self._publish(self._record(transfer_id))

    def resume_all(self) -> None:
        """Start every transfer left active (after a restart); paused ones stay paused."""
        for record in self._store.transfers.unfinished():
            if record.state == "active":
                self._start(record.id)

    async def cancel(self, transfer_id: int) -> None:
        """Stop and forget a transfer: an unfinished upload is withdrawn from the server (if
        it can be reached) and a download's partial file removed. For one that is done,
        only the record goes (the file and the message stay)."""
        task = self._tasks.pop(transfer_id, None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        record = self._store.transfers.get(transfer_id)
        if record is None:
            return
        if record.state != "done":
            if record.kind == "upload" and record.file_id is not None:
                with contextlib.suppress(TransferError, TimeoutError):
                    async with asyncio.timeout(TERMINATE_TIMEOUT):
                        await self._api().terminate(record.file_id)
            if record.kind == "download" and record.part_path:
                await asyncio.to_thread(Path(record.part_path).unlink, missing_ok=True)
        self._store.transfers.remove(transfer_id)
        self._live.pop(transfer_id, None)
        self._publish(record, "cancelled")

    def get(self, transfer_id: int) -> TransferUpdate | None:
        record = self._store.transfers.get(transfer_id)
        return None if record is None else self._update(record)

    def all(self) -> list[TransferUpdate]:
        """Every transfer the store remembers, oldest first (what a UI lists at start)."""
        return [self._update(record) for record in self._store.transfers.all()]

    async def wait(self, transfer_id: int) -> TransferUpdate:
        """The transfer's final update (done, failed or cancelled); raises the client's
        failure if it stops for good first. Bound it with ``asyncio.timeout``."""
        while True:
            current = self.get(transfer_id)
            if current is None:
                raise KeyError(f"no transfer {transfer_id}")
            if current.state in FINAL_STATES:
                return current
            future: asyncio.Future[TransferUpdate] = asyncio.get_running_loop().create_future()
            self._waiters.setdefault(transfer_id, []).append(future)
            update = await future
            if update.state in FINAL_STATES:
                return update

    async def close(self) -> None:
        """Stop every task (their rows stay, to resume next time) and the HTTP session."""
        self._closed = True
        tasks = [*self._tasks.values(), *self._stopping.values()]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None

    # --- reporting ---------------------------------------------------------------------------

    def _record(self, transfer_id: int) -> TransferRecord:
        record = self._store.transfers.get(transfer_id)
        if record is None:
            raise KeyError(f"no transfer {transfer_id}")
        return record

    def _update(self, record: TransferRecord, state: TransferState | None = None) -> TransferUpdate:
        live = self._live.get(record.id)
        if state is None:
            state = live.state if live is not None else _AT_REST[record.state]
        running = live is not None and state == "running"
        done = live.done if live is not None else record.done_bytes
        return TransferUpdate(
            id=record.id,
            kind=record.kind,
            state=state,
            conversation=record.conversation,
            name=record.name,
            size=record.size,
            done=done,
            speed=live.meter.speed if running and live is not None else 0.0,
            eta=live.meter.eta(done, record.size) if running and live is not None else None,
            mime=record.mime,
            file_id=record.file_id,
            client_id=record.client_id,
            path=record.path,
            error_code=record.error_code or (live.error_code if live else None),
            error=record.error_message or (live.error if live else None),
        )

    def _publish(
        self, record: TransferRecord, state: TransferState | None = None
    ) -> TransferUpdate:
        update = self._update(record, state)
        self._emit(update)
        for future in self._waiters.pop(record.id, []):
            if not future.done():
                future.set_result(update)
        return update

    def _set(
        self, transfer_id: int, state: TransferState, error: TransferError | None = None
    ) -> None:
        live = self._live.get(transfer_id)
        if live is not None:
            live.state = state
            live.error_code = error.code if error else None
            live.error = error.message if error else None
            if state == "running":
                live.meter.restart(live.done, time.monotonic())
            live.last_emit = time.monotonic()
        record = self._store.transfers.get(transfer_id)
        if record is not None:
            self._publish(record)

    def _running(self, transfer_id: int, done: int) -> None:
        live = self._live.get(transfer_id)
        if live is not None:
            live.done = done
        self._set(transfer_id, "running")

    def _progress(self, transfer_id: int, count: int) -> None:
        live = self._live.get(transfer_id)
        if live is None:
            return
        live.done += count
        now = time.monotonic()
        live.meter.update(live.done, now)
        if now - live.last_emit >= PROGRESS_INTERVAL:
            live.last_emit = now
            record = self._store.transfers.get(transfer_id)
            if record is not None:
                self._publish(record)

    # --- running -------------------------------------------------------------------------------

    def _start(self, transfer_id: int) -> None:
        if self._closed:
            return
        task = self._tasks.get(transfer_id)
        if task is not None and not task.done():
            return
        record = self._record(transfer_id)
        self._live[transfer_id] = _Live(record.done_bytes)
        task = asyncio.get_running_loop().create_task(
            self._run(transfer_id), name=f"transfer-{transfer_id}"
        )
        self._tasks[transfer_id] = task

        def forget(done: asyncio.Task[None]) -> None:
            if self._tasks.get(transfer_id) is done:
                del self._tasks[transfer_id]

        task.add_done_callback(forget)

    def _api(self) -> FileApi:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=10.0, sock_read=60.0),
                read_bufsize=READ_BUFFER_BYTES,
            )
        return FileApi(self._session, self._target())

    def _delays(self) -> Iterator[float]:
        delays: Iterator[float] = backoff.expo(
            factor=self._min_backoff, max_value=self._max_backoff
        )
        next(delays)  # backoff's generators yield None first
        return delays

    async def _run(self, transfer_id: int) -> None:
        stopping = self._stopping.get(transfer_id)
        if stopping is not None:
            # The task a pause stopped must be done with the files before this one starts.
            await asyncio.wait({stopping})
        delays = self._delays()
        try:
            while True:
                record = self._store.transfers.get(transfer_id)
                if record is None or record.state != "active":
                    return
                if not self._online():
                    self._set(transfer_id, "waiting")
                try:
                    await self._ready()
                except ClientError as exc:
                    # The client stopped for good; the row stays active for the next start.
                    self._abandon(transfer_id, exc)
                    return
                live = self._live.get(transfer_id)
                before = live.done if live is not None else 0
                async with self._slots:
                    try:
                        if record.kind == "upload":
                            await self._upload(record)
                        else:
                            await self._download(record)
                        return
                    except TransferError as exc:
                        if not exc.retryable:
                            self._fail(transfer_id, exc)
                            return
                        log.info("transfer %d interrupted: %s", transfer_id, exc)
                        self._set(transfer_id, "waiting", exc)
                if live is not None and live.done > before:
                    delays = self._delays()  # it was moving: try again soon
                await asyncio.sleep(backoff.full_jitter(next(delays)))
        finally:
            if self._tasks.get(transfer_id) is asyncio.current_task():
                live = self._live.pop(transfer_id, None)
                record = self._store.transfers.get(transfer_id)
                if live is not None and record is not None and record.state == "active":
                    # Shown again after a restart until the server says where it stands.
                    self._store.transfers.update(transfer_id, done_bytes=live.done)

    def _fail(self, transfer_id: int, exc: TransferError) -> None:
        log.warning("transfer %d failed: %s (%s)", transfer_id, exc.message, exc.code)
        self._store.transfers.update(
            transfer_id, state="failed", error_code=exc.code, error_message=exc.message
        )
        self._live.pop(transfer_id, None)
        self._publish(self._record(transfer_id))

    def _abandon(self, transfer_id: int, exc: ClientError) -> None:
        for future in self._waiters.pop(transfer_id, []):
            if not future.done():
                future.set_exception(exc)

    async def _upload(self, record: TransferRecord) -> None:
        source = Path(record.path)
        if record.sha256 is None:
            self._set(record.id, "preparing")
            hashed = await asyncio.to_thread(disk.hash_source, source)
            self._store.transfers.update(
                record.id,
                sha256=hashed.sha256,
                size=hashed.size,
                source_mtime_ns=hashed.mtime_ns,
            )
            record = self._record(record.id)
        else:
            await asyncio.to_thread(disk.check_source, source, record.size, record.source_mtime_ns)
        assert record.sha256 is not None
        api = self._api()
        if record.file_id is None:
            file_id = await api.create(record.size, record.name, record.mime, record.sha256)
            # Kept before a byte is sent: after a restart, the server's offset for this
            # id tells how much it already has.
            self._store.transfers.update(record.id, file_id=file_id)
            offset = record.size if record.size == 0 else 0
        else:
            file_id = record.file_id
            try:
                offset = await api.offset(file_id)
            except TransferError as exc:
                if exc.status != 404:
                    raise
                self._store.transfers.update(record.id, file_id=None, done_bytes=0)
                raise TransferError(
                    "expired",
                    "the server dropped the unfinished upload; starting again",
                    retryable=True,
                ) from exc
        self._running(record.id, offset)
        if offset < record.size:
            offset = await self._patch(api, record, file_id, offset)
        if offset < record.size:
            raise TransferError("incomplete", "the upload was cut short", retryable=True)
        self._store.transfers.finish_upload(record.id)
        self._wake_outbox()
        self._set(record.id, "done")

    async def _patch(self, api: FileApi, record: TransferRecord, file_id: str, offset: int) -> int:
        length = record.size - offset
        failed: list[TransferError] = []

        async def body() -> AsyncIterator[bytes]:
            try:
                async for chunk in disk.read_chunks(
                    Path(record.path), offset, length, lambda n: self._progress(record.id, n)
                ):
                    yield chunk
            except TransferError as exc:
                failed.append(exc)  # the HTTP client wraps what a body raises
                raise

        try:
            return await api.patch(file_id, offset, length, body())
        except TransferError as exc:
            if failed:
                raise failed[0] from exc
            if exc.code == "checksum_mismatch":
                # The server removed the upload: a retry hashes the file and starts over.
                self._store.transfers.update(record.id, file_id=None, sha256=None, done_bytes=0)
            raise

    async def _download(self, record: TransferRecord) -> None:
        assert record.part_path is not None and record.file_id is not None
        part = Path(record.part_path)
        f, have, hasher = await asyncio.to_thread(disk.open_part, part, record.size)
        try:
            self._running(record.id, have)
            if have < record.size:
                async with self._api().fetch(record.file_id, have) as (begins, stream):
                    if begins == 0 and have:
                        hasher = await asyncio.to_thread(disk.restart_part, f)
                        have = 0
                        self._running(record.id, 0)
                    have += await disk.receive(
                        stream,
                        f,
                        hasher,
                        record.size - have,
                        lambda n: self._progress(record.id, n),
                    )
        finally:
            await asyncio.to_thread(f.close)
        if have < record.size:
            raise TransferError("incomplete", "the download was cut short", retryable=True)
        if hasher.hexdigest() != record.sha256:
            await asyncio.to_thread(part.unlink, missing_ok=True)
            self._store.transfers.update(record.id, done_bytes=0)
            raise TransferError(
                "checksum_mismatch",
                "the downloaded file is not the one the message names; it was discarded",
                retryable=False,
            )
        final = await asyncio.to_thread(disk.place, part, Path(record.path))
        self._store.transfers.update(
            record.id, state="done", path=str(final), part_path=None, done_bytes=record.size
        )
        self._set(record.id, "done")
