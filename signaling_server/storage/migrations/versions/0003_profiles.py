"""User profiles: display name and avatar.

A table of its own rather than columns on ``users``: the users row is read on
every sign-in and lookup, and should not drag a picture of up to 32 KiB along.
A user without a row here has the empty profile, so existing databases need no
backfill.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "profiles",
        sa.Column(
            "user_id",
            sa.Integer,
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("display_name", sa.Text, nullable=False, server_default=""),
        sa.Column("avatar", sa.LargeBinary, nullable=True),
        # Stored next to the picture so contact lists carry it without reading the blob.
        sa.Column("avatar_hash", sa.Text, nullable=True),
        sa.Column("updated_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("profiles")
