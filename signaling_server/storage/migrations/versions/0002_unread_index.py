"""Index for unread counts: messages per conversation by sequence.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The conversation list counts unread messages (kind = 'message', seq > marker)
    # for every conversation; without this it walks every event of each one.
    op.create_index(
        "events_unread",
        "events",
        ["conversation_id", "seq"],
        sqlite_where=sa.text("kind = 'message' AND deleted = 0"),
        postgresql_where=sa.text("kind = 'message' AND deleted = false"),
    )


def downgrade() -> None:
    op.drop_index("events_unread", table_name="events")
