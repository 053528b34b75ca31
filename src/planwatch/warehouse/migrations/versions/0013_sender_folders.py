"""Who sent a file: ``audit.submissions.submitted_via`` and ``audit.inbox_moves``.

Each reporting unit has its own inbox folder (``inbox/<issuer>/<agency>/``,
``catalog.inbox_layout``), and each issuer a shared one for the Department's
own imports. A submission records which it came through: ``agency_folder``
(the agency sent it), ``shared_folder`` (the Department imported it) or
``outside_folders`` (neither: rejected). Submissions written before this
migration have none (NULL: not known).

``planwatch inbox migrate`` moves an inbox of month folders into the agencies'
folders; a file already processed keeps its identity: its move is recorded
(from path, to path, SHA-256), and a file at the new path with those bytes is
processed already (``warehouse.submissions.processed_files``).

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

CHANNELS = ("agency_folder", "shared_folder", "outside_folders")


def upgrade() -> None:
    op.add_column("submissions", sa.Column("submitted_via", sa.Text()), schema="audit")
    op.create_check_constraint(
        "submissions_submitted_via_check", "submissions",
        f"submitted_via in ({', '.join(repr(c) for c in CHANNELS)})", schema="audit")
    op.create_table(
        "inbox_moves",
        sa.Column("move_id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("from_path", sa.Text(), nullable=False),
        sa.Column("to_path", sa.Text(), nullable=False),
        sa.Column("file_sha256", sa.Text(), nullable=False),
        sa.Column("moved_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.text("now()")),
        schema="audit",
    )
    op.create_index("inbox_moves_to_idx", "inbox_moves", ["to_path", "file_sha256"],
                    schema="audit")


def downgrade() -> None:
    op.drop_index("inbox_moves_to_idx", table_name="inbox_moves", schema="audit")
    op.drop_table("inbox_moves", schema="audit")
    op.drop_constraint("submissions_submitted_via_check", "submissions", schema="audit")
    op.drop_column("submissions", "submitted_via", schema="audit")
