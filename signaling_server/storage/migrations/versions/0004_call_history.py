"""Call history: a finished call is a conversation event of kind 'call'.

A call entry reuses the generic event columns (``client_id`` holds the call id, ``flag``
whether it was a video call) and adds only what no other event has: the outcome and the
answered duration. Both are nullable, so existing rows need no backfill.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # answered | missed | declined
    op.add_column("events", sa.Column("call_outcome", sa.Text, nullable=True))
    # Seconds from answer to hang-up; 0 for calls nobody answered.
    op.add_column("events", sa.Column("call_duration", sa.Float, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_column("call_duration")
        batch.drop_column("call_outcome")
