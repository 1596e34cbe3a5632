"""Rooms: group conversations with a unique name, a topic, invitations and bans.

A room is a conversation of kind 'room' (members and their ``role`` and ``joined_seq`` were
there from the start); ``rooms`` adds its name and settings. ``name_key`` is the lower-cased
name names are unique by; it is NULL once the last member left, which frees the name.

``events.detail`` holds what a room's events say beyond the common columns, as JSON: a
message's mentions, a membership change, a room's new settings. Nullable, so existing rows
need no backfill and 1:1 messages stay as they were.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("events", sa.Column("detail", sa.Text, nullable=True))
    op.create_table(
        "rooms",
        sa.Column(
            "conversation_id", sa.Integer, sa.ForeignKey("conversations.id"), primary_key=True
        ),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("name_key", sa.Text, nullable=True, unique=True),
        sa.Column("topic", sa.Text, nullable=False, server_default=""),
        sa.Column("public", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "room_invites",
        sa.Column("conversation_id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("inviter_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    # "My invitations" is per invitee.
    op.create_index("room_invites_user", "room_invites", ["user_id"])
    op.create_table(
        "room_bans",
        sa.Column("conversation_id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("created_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("room_bans")
    op.drop_table("room_invites")
    op.drop_table("rooms")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("detail")
