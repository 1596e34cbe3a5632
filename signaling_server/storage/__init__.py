"""Server persistence behind one interface (``Storage``)."""

from __future__ import annotations

from pathlib import Path

from signaling_server.config import Settings
from signaling_server.storage.base import Storage


class UnsupportedDatabase(Exception):
    pass


def open_storage(settings: Settings, data_dir: Path) -> Storage:
    """The storage the settings name: SQLite in the data directory unless a URL is given."""
    from signaling_server.storage.sqlite import SqliteStorage

    url = settings.database.url
    if not url:
        return SqliteStorage(
            data_dir / "messenger.sqlite3",
            settings.database.sqlite_synchronous,
            settings.database.max_batch,
        )
    if url.startswith("sqlite:///"):
        return SqliteStorage(
            Path(url.removeprefix("sqlite:///")),
            settings.database.sqlite_synchronous,
            settings.database.max_batch,
        )
    raise UnsupportedDatabase(
        f"database url {url.split(':', 1)[0]}:… is not supported by this server version;"
        " use sqlite:///PATH or leave it empty for SQLite in the data directory"
    )
