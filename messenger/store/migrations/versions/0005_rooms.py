"""Rooms: their settings, members and roles, the local mute choice, mentions and notices.

``rooms`` holds what the room's events said last (name, topic, visibility) and ``muted``, a
preference of this device only. ``room_members`` follows the membership events, seeded from
the server's conversation list (a member's history starts at its own join, so it never sees
the events that brought the earlier members in). ``messages.mentions`` lists the members a
room message mentions (JSON), ``messages.notice`` a membership or settings entry (JSON) that
the history shows among the messages.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE messages ADD COLUMN mentions TEXT NOT NULL DEFAULT '[]'")
    op.execute("ALTER TABLE messages ADD COLUMN notice TEXT")
    op.execute(
        """
        CREATE TABLE rooms (
            conversation TEXT PRIMARY KEY,
            name TEXT NOT NULL DEFAULT '',
            topic TEXT NOT NULL DEFAULT '',
            public INTEGER NOT NULL DEFAULT 0,
            muted INTEGER NOT NULL DEFAULT 0
        )
        """
    )
    op.execute(
        """
        CREATE TABLE room_members (
            conversation TEXT NOT NULL,
            username TEXT NOT NULL,
            role TEXT NOT NULL,
            PRIMARY KEY (conversation, username)
        ) WITHOUT ROWID
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE room_members")
    op.execute("DROP TABLE rooms")
    op.execute("ALTER TABLE messages DROP COLUMN notice")
    op.execute("ALTER TABLE messages DROP COLUMN mentions")
