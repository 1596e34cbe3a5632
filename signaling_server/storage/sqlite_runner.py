"""Runs SQLite work off the event loop: one writer thread with group commit, one reader thread.

Why a writer thread with batching: SQLite allows one writer at a time and a
commit costs an fsync (synchronous=FULL). Folding every write that queued up
while the previous commit ran into one transaction turns N fsyncs into one,
which is what lets the server acknowledge thousands of messages per second
*after* they are durable. Operations run in the order they were submitted, so a
connection's writes commit in the order it sent them.

An operation is a plain function ``op(conn) -> T``. Expected domain failures
(``StorageError``) are raised by an operation before it writes anything, so they
fail only that operation. Any other exception rolls the batch back and each
operation is retried alone, so one bad operation never fails its neighbours.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from signaling_server.storage.errors import StorageError

log = logging.getLogger(__name__)

T = TypeVar("T")
Op = Callable[[sqlite3.Connection], Any]
_Item = tuple[Op, asyncio.Future[Any]]
_STOP = object()


def _resolve(results: list[tuple[asyncio.Future[Any], bool, Any]]) -> None:
    for fut, ok, value in results:
        if fut.done():  # the awaiting task was cancelled
            continue
        if ok:
            fut.set_result(value)
        else:
            fut.set_exception(value)


class _Worker:
    def __init__(
        self,
        name: str,
        connect: Callable[[], sqlite3.Connection],
        loop: asyncio.AbstractEventLoop,
        max_batch: int,
        transactional: bool,
        on_rollback: Callable[[], None] = lambda: None,
    ) -> None:
        self._on_rollback = on_rollback
        self._connect = connect
        self._loop = loop
        self._max_batch = max_batch
        self._transactional = transactional
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None

    def start(self) -> None:
        self._thread.start()
        self._ready.wait()
        if self._startup_error is not None:
            raise self._startup_error

    def submit(self, op: Op) -> asyncio.Future[Any]:
        fut: asyncio.Future[Any] = self._loop.create_future()
        self._queue.put((op, fut))
        return fut

    def stop(self) -> None:
        self._queue.put(_STOP)
        self._thread.join()

    def _run(self) -> None:
        try:
            conn = self._connect()
        except BaseException as exc:  # reported to start()
            self._startup_error = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            while True:
                first = self._queue.get()
                if first is _STOP:
                    return
                batch: list[_Item] = [first]
                stop = False
                while len(batch) < self._max_batch:
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if item is _STOP:
                        stop = True
                        break
                    batch.append(item)
                results = self._run_batch(conn, batch)
                self._loop.call_soon_threadsafe(_resolve, results)
                if stop:
                    return
        finally:
            conn.close()

    def _run_batch(
        self, conn: sqlite3.Connection, batch: list[_Item]
    ) -> list[tuple[asyncio.Future[Any], bool, Any]]:
        if not self._transactional:
            return [self._run_one(conn, op, fut) for op, fut in batch]
        try:
            conn.execute("BEGIN IMMEDIATE")
            results = [self._run_one(conn, op, fut, reraise=True) for op, fut in batch]
            conn.execute("COMMIT")
            return results
        except Exception:
            log.exception("write batch of %d failed; retrying one by one", len(batch))
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            self._on_rollback()
        results = []
        for op, fut in batch:
            try:
                conn.execute("BEGIN IMMEDIATE")
                result = self._run_one(conn, op, fut, reraise=True)
                conn.execute("COMMIT")
            except Exception as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                self._on_rollback()
                log.exception("storage operation failed")
                result = (fut, False, exc)
            results.append(result)
        return results

    @staticmethod
    def _run_one(
        conn: sqlite3.Connection, op: Op, fut: asyncio.Future[Any], reraise: bool = False
    ) -> tuple[asyncio.Future[Any], bool, Any]:
        try:
            return (fut, True, op(conn))
        except StorageError as exc:
            return (fut, False, exc)
        except Exception as exc:
            if reraise:
                raise
            log.exception("storage read failed")
            return (fut, False, exc)


class SqliteRunner:
    """Owns the writer and reader threads for one database file."""

    def __init__(
        self,
        path: str,
        synchronous: str,
        max_batch: int,
        on_rollback: Callable[[], None] = lambda: None,
    ) -> None:
        """``on_rollback`` runs on the writer thread whenever a transaction is rolled back."""
        self._on_rollback = on_rollback
        self._path = path
        self._synchronous = synchronous.upper()
        self._max_batch = max_batch
        self._writer: _Worker | None = None
        self._reader: _Worker | None = None

    def _open(self, readonly: bool) -> sqlite3.Connection:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, per batch.
        conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={self._synchronous}")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=10000")
        if readonly:
            conn.execute("PRAGMA query_only=ON")
        return conn

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._writer = _Worker(
            "sqlite-writer",
            lambda: self._open(False),
            loop,
            self._max_batch,
            True,
            self._on_rollback,
        )
        self._reader = _Worker("sqlite-reader", lambda: self._open(True), loop, 64, False)
        self._writer.start()
        self._reader.start()

    def write(self, op: Callable[[sqlite3.Connection], T]) -> asyncio.Future[T]:
        """Queue a write; it commits in submission order. The future resolves after COMMIT."""
        assert self._writer is not None, "storage not started"
        return self._writer.submit(op)

    def read(self, op: Callable[[sqlite3.Connection], T]) -> asyncio.Future[T]:
        assert self._reader is not None, "storage not started"
        return self._reader.submit(op)

    def stop(self) -> None:
        """Drain queued work, commit it, and close both connections."""
        for worker in (self._writer, self._reader):
            if worker is not None:
                worker.stop()
        self._writer = self._reader = None
