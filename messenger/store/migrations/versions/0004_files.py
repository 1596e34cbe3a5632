"""File messages and file transfers.

``messages.file`` holds a file message's reference as JSON (NULL for every other message)
and ``messages.file_name`` its name, indexed for search next to the text: the full-text
table is rebuilt with that second column and its triggers follow both.

``transfers`` keeps every upload and download until it is done, so one cut off by a
network drop or an app restart resumes where it stopped instead of starting over.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_FTS_TRIGGERS = ("messages_fts_insert", "messages_fts_delete", "messages_fts_update")


def _create_fts(columns: str, old_values: str, new_values: str, watched: str) -> None:
    op.execute(
        f"CREATE VIRTUAL TABLE messages_fts USING fts5({columns}, content='messages',"
        " content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
    )
    op.execute(
        f"""
        CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
            INSERT INTO messages_fts(rowid, {columns}) VALUES (new.id, {new_values});
        END
        """
    )
    op.execute(
        f"""
        CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
            INSERT INTO messages_fts(messages_fts, rowid, {columns})
            VALUES ('delete', old.id, {old_values});
        END
        """
    )
    op.execute(
        f"""
        CREATE TRIGGER messages_fts_update AFTER UPDATE OF {watched} ON messages BEGIN
            INSERT INTO messages_fts(messages_fts, rowid, {columns})
            VALUES ('delete', old.id, {old_values});
            INSERT INTO messages_fts(rowid, {columns}) VALUES (new.id, {new_values});
        END
        """
    )
    op.execute("INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')")


def _drop_fts() -> None:
    for trigger in _FTS_TRIGGERS:
        op.execute(f"DROP TRIGGER {trigger}")
    op.execute("DROP TABLE messages_fts")


def upgrade() -> None:
    op.execute("ALTER TABLE messages ADD COLUMN file TEXT")
    op.execute("ALTER TABLE messages ADD COLUMN file_name TEXT NOT NULL DEFAULT ''")
    _drop_fts()
    _create_fts(
        "text, file_name",
        "old.text, old.file_name",
        "new.text, new.file_name",
        "text, file_name",
    )
    # AUTOINCREMENT: ids are never reused, so a UI holding one never meets another transfer.
    op.execute(
        """
        CREATE TABLE transfers (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            state TEXT NOT NULL,
            conversation TEXT NOT NULL,
            name TEXT NOT NULL,
            size INTEGER NOT NULL,
            mime TEXT NOT NULL,
            sha256 TEXT,
            file_id TEXT,
            path TEXT NOT NULL,
            part_path TEXT,
            source_mtime_ns INTEGER,
            client_id TEXT,
            caption TEXT NOT NULL DEFAULT '',
            reply_to INTEGER,
            thumbnail BLOB,
            done_bytes INTEGER NOT NULL DEFAULT 0,
            error_code TEXT,
            error_message TEXT,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE transfers")
    _drop_fts()
    op.execute("ALTER TABLE messages DROP COLUMN file_name")
    op.execute("ALTER TABLE messages DROP COLUMN file")
    _create_fts("text", "old.text", "new.text", "text")
