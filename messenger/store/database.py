"""The sqlite3 connection under the store: pragmas and transactions.

The store is synchronous on purpose. Every call is one short transaction on a
small local file (microseconds to a millisecond), so the asyncio client calls it
directly on the event loop: a worker thread would add hand-offs, cross-thread
sqlite rules and ordering questions for no measurable gain. The one slow step,
a schema migration, runs once in ``Store.open`` before the client starts.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class Database:
    def __init__(self, path: Path) -> None:
        self.path = path
        # Autocommit mode: transactions are opened explicitly by ``transaction``,
        # never implicitly by the sqlite3 module.
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode: a commit survives a crash of this process; only a
        # power cut can lose the newest commits, and those are events the server
        # replays on sync. Outbox writes, which nobody else can replay, ask for
        # FULL (see ``transaction(durable=True)``).
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA busy_timeout=5000")

    @contextmanager
    def transaction(self, *, durable: bool = False) -> Iterator[sqlite3.Connection]:
        """One atomic unit of work; nested calls join the outer transaction."""
        if self.conn.in_transaction:
            yield self.conn
            return
        if durable:
            self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")
        finally:
            if durable:
                self.conn.execute("PRAGMA synchronous=NORMAL")

    def close(self) -> None:
        self.conn.close()
