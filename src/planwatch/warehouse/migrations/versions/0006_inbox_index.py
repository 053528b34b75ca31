"""audit.inbox_index, and an index of audit.submissions by inbox path.

A poll of the inbox hashed every file it holds to tell the processed ones from
the new, on every poll, forever (the inbox is never emptied). The index keeps
each file's SHA-256 with what stat said of it (size, mtime, ctime, inode); a
file whose stat is unchanged is not read again. ``submissions_inbox_idx``
serves the question that follows ("was this path with this digest
processed?") without reading every submission.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox_index",
        sa.Column("inbox_path", sa.Text(), primary_key=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mtime_ns", sa.BigInteger(), nullable=False),
        sa.Column("ctime_ns", sa.BigInteger(), nullable=False),
        sa.Column("inode", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("indexed_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.text("now()")),
        schema="audit",
    )
    op.create_index("submissions_inbox_idx", "submissions", ["inbox_path", "file_sha256"],
                    schema="audit")


def downgrade() -> None:
    op.drop_index("submissions_inbox_idx", table_name="submissions", schema="audit")
    op.drop_table("inbox_index", schema="audit")
