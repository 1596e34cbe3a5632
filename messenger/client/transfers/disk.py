"""The local side of a transfer: hashing and reading sources, writing and placing downloads.

Blocking functions, run on worker threads by the transfer runners, plus the two async
pumps that move big buffers between the event loop and those threads. Names are never
trusted: a download's name is normalised again here, and a download never overwrites
anything (a clash becomes ``name (1).ext``).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, NamedTuple

from messenger.client.transfers.api import TransferError
from messenger.protocol.files import normalize_file_name

# Buffers handed between the loop and the worker thread: big enough that the thread hop
# costs nothing per byte, small enough that two per transfer are nothing in memory.
CHUNK_BYTES = 1024 * 1024
_MAX_CLASHES = 10_000
# Extensions that belong together, so a clash reads "logs (1).tar.gz", not "logs.tar (1).gz".
_DOUBLE_EXTENSIONS = (".tar.gz", ".tar.bz2", ".tar.xz", ".tar.zst")


class Source(NamedTuple):
    """An upload's source as hashed: if it changes, the upload no longer matches it."""

    size: int
    mtime_ns: int
    sha256: str


def disk_error(exc: OSError, what: str) -> TransferError:
    return TransferError("disk", f"{what}: {exc.strerror or exc}", retryable=False)


def hash_source(path: Path) -> Source:
    """Hash a file to upload, and make sure it did not change while being hashed."""
    try:
        before = path.stat()
        hasher = hashlib.sha256()
        with path.open("rb", buffering=0) as f:
            while chunk := f.read(4 * CHUNK_BYTES):
                hasher.update(chunk)
        after = path.stat()
    except OSError as exc:
        raise disk_error(exc, f"cannot read {path}") from exc
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns):
        raise TransferError("source_changed", f"{path} changed while it was read", retryable=True)
    return Source(after.st_size, after.st_mtime_ns, hasher.hexdigest())


def check_source(path: Path, size: int, mtime_ns: int | None) -> None:
    """The source is still the file that was hashed (else its hash would lie)."""
    try:
        st = path.stat()
    except OSError as exc:
        raise disk_error(exc, f"cannot read {path}") from exc
    if st.st_size != size or (mtime_ns is not None and st.st_mtime_ns != mtime_ns):
        raise TransferError(
            "source_changed",
            f"{path} changed since it was queued; send it again",
            retryable=False,
        )


async def read_chunks(
    path: Path, offset: int, length: int, sent: Callable[[int], None]
) -> AsyncIterator[bytes]:
    """``length`` bytes of ``path`` from ``offset``, the next chunk read while one is sent."""
    try:
        f = await asyncio.to_thread(path.open, "rb", buffering=0)
    except OSError as exc:
        raise disk_error(exc, f"cannot read {path}") from exc
    reading: asyncio.Future[bytes] | None = None
    try:
        await asyncio.to_thread(f.seek, offset)
        left = length
        if left:
            reading = asyncio.ensure_future(asyncio.to_thread(f.read, min(CHUNK_BYTES, left)))
        while reading is not None:
            chunk = await reading
            reading = None
            if not chunk:
                raise TransferError(
                    "source_changed", f"{path} got shorter while it was sent", retryable=False
                )
            left -= len(chunk)
            if left > 0:
                reading = asyncio.ensure_future(asyncio.to_thread(f.read, min(CHUNK_BYTES, left)))
            yield chunk
            sent(len(chunk))
    finally:
        if reading is not None:
            with contextlib.suppress(Exception):
                await reading
        f.close()


def open_part(part: Path, size: int) -> tuple[Any, int, Any]:
    """Open a partial download to append to: (file, bytes already there, their hash).

    A part longer than the file (left by something else) starts over.
    """
    try:
        f = part.open("ab+", buffering=0)
        have = f.seek(0, os.SEEK_END)
        if have > size:
            f.truncate(0)
            have = 0
        hasher = hashlib.sha256()
        f.seek(0)
        left = have
        while left:
            chunk = f.read(min(4 * CHUNK_BYTES, left))
            if not chunk:
                break
            hasher.update(chunk)
            left -= len(chunk)
    except OSError as exc:
        raise disk_error(exc, f"cannot write {part}") from exc
    return f, have, hasher


def restart_part(f: Any) -> Any:
    """Empty a partial download (the server sent the whole file again); a fresh hash."""
    f.truncate(0)
    return hashlib.sha256()


def _write_and_hash(f: Any, hasher: Any, chunks: list[bytes]) -> None:
    for chunk in chunks:
        view = memoryview(chunk)
        while view:
            view = view[f.write(view) :]
        # hashlib lets go of the GIL for chunks this size: the loop keeps reading meanwhile.
        hasher.update(chunk)


async def receive(stream: Any, f: Any, hasher: Any, limit: int, got: Callable[[int], None]) -> int:
    """Pump ``stream`` into ``f`` (hashing as it goes) until it ends or ``limit`` bytes:
    the loop collects the next megabyte of chunks while a thread writes the previous one
    (no copying: the chunks go to the thread as they came). Returns the count."""
    loop = asyncio.get_running_loop()
    kept = 0
    chunks: list[bytes] = []
    pending = 0
    writing: asyncio.Future[None] | None = None

    async def flush() -> None:
        nonlocal writing, chunks, pending, kept
        if writing is not None:
            await writing
            writing = None
        if chunks:
            writing = loop.run_in_executor(None, _write_and_hash, f, hasher, chunks)
            kept += pending
            got(pending)
            chunks, pending = [], 0

    try:
        try:
            while kept + pending < limit:
                chunk = await stream.readany()
                if not chunk:
                    break
                room = limit - kept - pending
                if len(chunk) > room:
                    chunk = chunk[:room]
                chunks.append(chunk)
                pending += len(chunk)
                if pending >= CHUNK_BYTES:
                    await flush()
        finally:
            # Whatever arrived is kept, even when the stream broke or the transfer was
            # paused: the next attempt asks only for what comes after it.
            await flush()
            if writing is not None:
                await writing
    except OSError as exc:
        raise disk_error(exc, "cannot write the download") from exc
    return kept


def _split(name: str) -> tuple[str, str]:
    lower = name.lower()
    for ext in _DOUBLE_EXTENSIONS:
        if lower.endswith(ext) and len(name) > len(ext):
            return name[: -len(ext)], name[-len(ext) :]
    stem, dot, ext = name.rpartition(".")
    return (stem, dot + ext) if dot and stem else (name, "")


def reserve(path: Path) -> Path:
    """Create ``path``, or ``name (1).ext``, ``name (2).ext``... whichever does not exist yet,
    atomically (``O_EXCL``), and return it: nothing is ever overwritten."""
    stem, ext = _split(path.name)
    for n in range(_MAX_CLASHES):
        candidate = path if n == 0 else path.with_name(f"{stem} ({n}){ext}")
        try:
            os.close(os.open(candidate, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
        except FileExistsError:
            continue
        except OSError as exc:
            raise disk_error(exc, f"cannot create {candidate}") from exc
        return candidate
    raise TransferError("disk", f"too many files named like {path}", retryable=False)


def destination(directory: Path, name: str) -> Path:
    """Where a download named ``name`` goes in ``directory``: the name normalised, so a
    hostile one (``../x``, ``CON``, controls) cannot leave the directory or hurt it."""
    return directory / normalize_file_name(name)


def place(part: Path, target: Path) -> Path:
    """Move a verified download from its part file to ``target`` (or ``target (1)``...)."""
    final = reserve(target)
    try:
        part.replace(final)
    except OSError as exc:
        final.unlink(missing_ok=True)
        raise disk_error(exc, f"cannot move the download to {final}") from exc
    return final
