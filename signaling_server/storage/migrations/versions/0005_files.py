"""Files: uploads and their content, and the files messages carry.

``files`` holds one row per upload (complete or not); the bytes live on disk under the
files directory, by upload id while incomplete and by SHA-256 once complete, so the same
content sent twice is stored once. ``message_files`` attaches a file to a message; a table
of its own rather than columns on ``events``, which every message of the hot path writes and
which would otherwise carry a thumbnail blob along in every sync.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "files",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column(
            "uploader_id",
            sa.Integer,
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("mime", sa.Text, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        # Declared at creation, checked against the bytes when the last one arrives.
        sa.Column("sha256", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        # NULL while the upload is incomplete.
        sa.Column("completed_at", sa.Float, nullable=True),
        # An incomplete upload untouched past this is abandoned and removed.
        sa.Column("expires_at", sa.Float, nullable=False),
    )
    # Quota sums and the pending-upload count are per uploader.
    op.create_index("files_uploader", "files", ["uploader_id"])
    # Whether any file still needs a blob, when the cleanup considers deleting it.
    op.create_index("files_sha256", "files", ["sha256"])
    op.create_table(
        "message_files",
        sa.Column("conversation_id", sa.Integer, primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("file_id", sa.Text, sa.ForeignKey("files.id"), nullable=False),
        # The message's own name and type for the file (the sender may rename), normalised.
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("mime", sa.Text, nullable=False),
        sa.Column("thumbnail", sa.LargeBinary, nullable=True),
        sqlite_with_rowid=False,
    )
    # Download authorisation: the conversations a file was sent to.
    op.create_index("message_files_file", "message_files", ["file_id"])


def downgrade() -> None:
    op.drop_table("message_files")
    op.drop_table("files")
