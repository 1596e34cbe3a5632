"""Initial client store: conversations, messages, markers, reactions, outbox, meta.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_STATEMENTS = [
    # synced_seq: every event with seq <= synced_seq has been applied, so a
    # reconnecting client syncs from here.
    """
    CREATE TABLE conversations (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL DEFAULT 'direct',
        synced_seq INTEGER NOT NULL DEFAULT 0
    )
    """,
    # The materialised view of each message: edits, deletes and reactions
    # folded in. The integer rowid feeds the FTS index (revision 0002).
    # edit_seq orders edits, so an older edit never overwrites a newer one.
    """
    CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        conversation TEXT NOT NULL,
        seq INTEGER NOT NULL,
        ts REAL NOT NULL,
        sender TEXT NOT NULL,
        client_id TEXT NOT NULL,
        text TEXT NOT NULL,
        reply_to INTEGER,
        edited INTEGER NOT NULL DEFAULT 0,
        edit_seq INTEGER NOT NULL DEFAULT 0,
        deleted INTEGER NOT NULL DEFAULT 0,
        reactions TEXT NOT NULL DEFAULT '{}',
        UNIQUE (conversation, seq)
    )
    """,
    # Every sequenced event applied, so applying one twice is a no-op.
    """
    CREATE TABLE applied_events (
        conversation TEXT NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (conversation, seq)
    ) WITHOUT ROWID
    """,
    # Reactions are last-writer-wins per (message, emoji, user) by seq; the
    # messages.reactions JSON is recomputed from here.
    """
    CREATE TABLE reactions (
        conversation TEXT NOT NULL,
        target INTEGER NOT NULL,
        emoji TEXT NOT NULL,
        username TEXT NOT NULL,
        present INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (conversation, target, emoji, username)
    ) WITHOUT ROWID
    """,
    """
    CREATE TABLE markers (
        conversation TEXT NOT NULL,
        username TEXT NOT NULL,
        read_seq INTEGER NOT NULL DEFAULT 0,
        delivered_seq INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (conversation, username)
    ) WITHOUT ROWID
    """,
    # AUTOINCREMENT: ids never reused, so the send order stays the insert order
    # even after the newest entry was acknowledged and removed.
    """
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        client_id TEXT NOT NULL UNIQUE,
        conversation TEXT NOT NULL,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_at REAL NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        error_code TEXT,
        error_message TEXT
    )
    """,
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
]


def upgrade() -> None:
    for statement in _STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    for table in (
        "meta",
        "outbox",
        "markers",
        "reactions",
        "applied_events",
        "messages",
        "conversations",
    ):
        op.execute(f"DROP TABLE {table}")
