"""The client's local SQLite store: history cache, outbox, full-text search. Qt-free."""

from __future__ import annotations

from messenger.store.outbox import OutboxEntry
from messenger.store.store import Store

__all__ = ["OutboxEntry", "Store"]
