"""The client's local store: one SQLite file per (server, account)."""

from __future__ import annotations

from pathlib import Path

from messenger.protocol.results import MessageView
from messenger.store import migrate, paths
from messenger.store.database import Database
from messenger.store.meta import Meta
from messenger.store.outbox import Outbox
from messenger.store.search import search_messages
from messenger.store.timeline import Timeline
from messenger.store.transfers import TransferStore


class Store:
    """History cache, outbox and settings of one account on one server.

    ``timeline`` holds the materialised conversations, ``outbox`` the requests
    awaiting acknowledgement, ``transfers`` the uploads and downloads in progress,
    ``meta`` small settings. Open with ``Store.open``
    (migrates the file) and close when done.
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self.path = db.path
        self.meta = Meta(db)
        self.timeline = Timeline(db)
        self.outbox = Outbox(db, self.timeline)
        self.transfers = TransferStore(db, self.outbox)

    @classmethod
    def open(cls, path: Path) -> Store:
        path.parent.mkdir(parents=True, exist_ok=True)
        migrate.ensure_current(path)
        return cls(Database(path))

    @classmethod
    def open_profile(cls, url: str, username: str, root: Path | None = None) -> Store:
        """The store of ``username`` on the server at ``url``, under the data dir."""
        return cls.open(paths.store_path(url, username, root))

    def search(
        self, text: str, *, conversation: str | None = None, limit: int = 50
    ) -> list[MessageView]:
        return search_messages(self._db, text, conversation=conversation, limit=limit)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
