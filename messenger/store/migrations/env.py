"""Alembic environment for the client store.

The application hands in an open SQLAlchemy connection through
``config.attributes["connection"]`` (see ``messenger.store.migrate``); the
developer CLI falls back to ``sqlalchemy.url`` from alembic.ini. Migrations are
plain SQL (``op.execute``): the store is written with sqlite3, not an ORM, so
there is no metadata to autogenerate from.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if isinstance(connection, Connection):
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no connection given and no sqlalchemy.url configured")
    engine = create_engine(url)
    with engine.connect() as conn:
        _run(conn)


run_migrations_online()
