"""Call history entries: a call's summary stored beside the message it is listed as.

A call ends with a ``CallEvent`` that the history shows like a message (sender = caller,
client id = call id, empty text); ``call`` holds its summary as JSON (video, outcome,
duration) and stays NULL for every other message.

Revision ID: 0003
Revises: 0002
Create Date: 2025-01-01
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE messages ADD COLUMN call TEXT")


def downgrade() -> None:
    op.execute("ALTER TABLE messages DROP COLUMN call")
