"""Files refused at the door: too large to read at all.

A file above the size limit was hashed, copied to the archive and quarantine,
and only then rejected; an inbox could be filled with a few large files, each
read in full. Now such a file is refused from what ``stat`` says of it, before
it is opened: nothing is hashed or copied. ``audit.refused_files`` records each
refusal (the file's inbox path and stat, the server's time it was seen, the
reason, the receipt written), so that the next poll skips it without reading
it and an auditor sees what was refused; a file changed since is looked at anew.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "refused_files",
        sa.Column("refusal_id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("inbox_path", sa.Text(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("file_size", sa.BigInteger(), nullable=False),
        sa.Column("mtime_ns", sa.BigInteger(), nullable=False),
        sa.Column("ctime_ns", sa.BigInteger(), nullable=False),
        sa.Column("inode", sa.BigInteger(), nullable=False),
        sa.Column("agency_code", sa.Text()),
        sa.Column("period", sa.Text()),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("file_modified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reasons", JSONB(), nullable=False),
        sa.Column("receipt_path", sa.Text()),
        sa.Column("refused_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.text("clock_timestamp()")),
        sa.CheckConstraint(r"period ~ '^\d{4}-\d{2}$'", name="refused_files_period_check"),
        sa.UniqueConstraint("inbox_path", "file_size", "mtime_ns", "ctime_ns", "inode",
                            name="refused_files_stat_key"),
        schema="audit",
    )


def downgrade() -> None:
    op.drop_table("refused_files", schema="audit")
