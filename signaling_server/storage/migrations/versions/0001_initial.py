"""Initial schema: accounts, sessions, contacts, blocks, conversations, events.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.Text, nullable=False, unique=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("who_may_message", sa.Text, nullable=False, server_default="everyone"),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("last_seen", sa.Float, nullable=True),
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("token_hash", sa.Text, nullable=False, unique=True),
        sa.Column("device", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("last_active", sa.Float, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
    )
    op.create_index("sessions_user", "sessions", ["user_id"])
    op.create_table(
        "contacts",
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("peer_id", sa.Integer, sa.ForeignKey("users.id"), primary_key=True),
        # incoming | outgoing | accepted
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_table(
        "blocks",
        sa.Column("blocker_id", sa.Integer, sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("blocked_id", sa.Integer, sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.Text, nullable=False, unique=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("last_seq", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "members",
        sa.Column(
            "conversation_id", sa.Integer, sa.ForeignKey("conversations.id"), primary_key=True
        ),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("role", sa.Text, nullable=False, server_default="member"),
        sa.Column("read_seq", sa.Integer, nullable=False, server_default="0"),
        sa.Column("delivered_seq", sa.Integer, nullable=False, server_default="0"),
        sa.Column("joined_seq", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("members_user", "members", ["user_id"])
    op.create_table(
        "events",
        sa.Column("conversation_id", sa.Integer, primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("ts", sa.Float, nullable=False),
        sa.Column("sender_id", sa.Integer, nullable=False),
        # message | edit | delete | reaction | read
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("client_id", sa.Text, nullable=True),
        sa.Column("text", sa.Text, nullable=True),
        # edit/delete/reaction: the message seq; read: the up-to seq
        sa.Column("target", sa.Integer, nullable=True),
        sa.Column("emoji", sa.Text, nullable=True),
        sa.Column("flag", sa.Boolean, nullable=True),
        sa.Column("reply_to", sa.Integer, nullable=True),
        sa.Column("edited", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
        # A blocked sender's events are kept for the sender but hidden from the blocker.
        sa.Column("hidden_from", sa.Integer, nullable=True),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "events_client_id",
        "events",
        ["sender_id", "client_id"],
        unique=True,
        sqlite_where=sa.text("client_id IS NOT NULL"),
        postgresql_where=sa.text("client_id IS NOT NULL"),
    )
    op.create_index(
        "events_target",
        "events",
        ["conversation_id", "target"],
        sqlite_where=sa.text("kind = 'edit'"),
        postgresql_where=sa.text("kind = 'edit'"),
    )
    op.create_table(
        "reactions",
        sa.Column("conversation_id", sa.Integer, primary_key=True),
        sa.Column("target_seq", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, primary_key=True),
        sa.Column("emoji", sa.Text, primary_key=True),
    )


def downgrade() -> None:
    for table in (
        "reactions",
        "events",
        "members",
        "conversations",
        "blocks",
        "contacts",
        "sessions",
        "users",
    ):
        op.drop_table(table)
