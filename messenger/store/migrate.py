"""Bring a store file to the current schema revision.

Startup stays cheap: the stored revision is read with plain sqlite3, and
alembic (with SQLAlchemy behind it, a few hundred milliseconds of imports) is
loaded only when the file is new or behind.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# The newest revision in migrations/versions; a test checks it against alembic's
# own view of the head so the two cannot drift apart.
HEAD_REVISION = "0005"


class StoreTooNew(RuntimeError):
    """The file was written by a newer version of the client; we will not touch it."""


def stored_revision(conn: sqlite3.Connection) -> str | None:
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:  # no alembic_version table: a new file
        return None
    return None if row is None else str(row[0])


def needs_upgrade(path: Path) -> bool:
    conn = sqlite3.connect(path)
    try:
        return stored_revision(conn) != HEAD_REVISION
    finally:
        conn.close()


def upgrade(path: Path, revision: str = "head") -> None:
    """Run alembic's upgrade on ``path`` up to ``revision`` (the head by default)."""
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    current = _current(path)
    if current is not None and current not in {
        s.revision for s in ScriptDirectory.from_config(config).walk_revisions()
    }:
        raise StoreTooNew(f"{path} has schema revision {current!r}, newer than this client")
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()
    log.info("store %s migrated from %s to %s", path, current, revision)


def head_revision() -> str:
    """Alembic's view of the head revision (imports alembic; for tests and tools)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(config).get_current_head()
    if head is None:
        raise RuntimeError("no migrations found")
    return head


def _current(path: Path) -> str | None:
    conn = sqlite3.connect(path)
    try:
        return stored_revision(conn)
    finally:
        conn.close()


def ensure_current(path: Path) -> None:
    """Migrate ``path`` in place when it is new or behind; a no-op (one query) otherwise."""
    if needs_upgrade(path):
        upgrade(path)
