"""Server persistence behind one interface (``Storage``)."""

from __future__ import annotations

from pathlib import Path

from signaling_server.config import Settings
from signaling_server.storage.base import Storage


class UnsupportedDatabase(Exception):
    pass


def open_storage(settings: Settings, data_dir: Path) -> Storage:
    """The storage the settings name: SQLite in the data directory unless a URL is given."""
    # Imported here: the SQLite modules import this package's submodules, so a
    # top-level import would be circular.
    from signaling_server.storage.sqlite import SqliteStorage

    url = settings.database.url
    if url and not url.startswith("sqlite:///"):
        raise UnsupportedDatabase(
            f"database url {url.split(':', 1)[0]}:… is not supported by this server version;"
            " use sqlite:///PATH or leave it empty for SQLite in the data directory"
        )
    path = Path(url.removeprefix("sqlite:///")) if url else data_dir / "messenger.sqlite3"
    return SqliteStorage(path, settings.database.sqlite_synchronous, settings.database.max_batch)
