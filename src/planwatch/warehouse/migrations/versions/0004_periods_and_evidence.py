"""Periods that close, restatements, and the evidence packs' chain.

* ``audit.period_events``: the Department closing a month when it publishes
  (``action = 'close'``) and reopening it (``'reopen'``, with a reason), per
  plan, with who and when. Append-only: a period's state is its latest event.
* ``audit.submissions.is_restatement``: the submission arrived while its month
  was closed; it is loaded like any other but never silently replaces a
  published figure (the marts' "as known at the deadline" view keeps it out).
* ``audit.evidence_packs``: one row per evidence pack written, with the
  SHA-256 of its manifest and of the previous pack's for the same agency (the
  chain ``planwatch evidence --verify`` checks). Append-only.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "period_events",
        sa.Column("event_id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("plan_code", sa.Text(), nullable=False),
        sa.Column("period", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text()),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.text("now()")),
        sa.CheckConstraint("action in ('close', 'reopen')", name="period_events_action_check"),
        sa.CheckConstraint(r"period ~ '^\d{4}-\d{2}$'", name="period_events_period_check"),
        sa.CheckConstraint("action = 'close' or coalesce(btrim(reason), '') <> ''",
                           name="period_events_reopen_reason_check"),
        schema="audit",
    )
    op.create_index("period_events_key_idx", "period_events", ["plan_code", "period"],
                    schema="audit")
    op.add_column("submissions", sa.Column("is_restatement", sa.Boolean(), nullable=False,
                                           server_default=sa.text("false")), schema="audit")
    op.create_table(
        "evidence_packs",
        sa.Column("pack_id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("plan_code", sa.Text(), nullable=False),
        sa.Column("agency_code", sa.Text(), nullable=False),
        sa.Column("period", sa.Text(), nullable=False),
        sa.Column("manifest_sha256", sa.Text(), nullable=False, unique=True),
        sa.Column("previous_manifest_sha256", sa.Text()),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.text("now()")),
        sa.Column("code_version", sa.Text(), nullable=False),
        sa.CheckConstraint(r"period ~ '^\d{4}-\d{2}$'", name="evidence_packs_period_check"),
        schema="audit",
    )
    op.create_index("evidence_packs_agency_idx", "evidence_packs",
                    ["plan_code", "agency_code", "created_at"], schema="audit")


def downgrade() -> None:
    op.drop_index("evidence_packs_agency_idx", table_name="evidence_packs", schema="audit")
    op.drop_table("evidence_packs", schema="audit")
    op.drop_column("submissions", "is_restatement", schema="audit")
    op.drop_index("period_events_key_idx", table_name="period_events", schema="audit")
    op.drop_table("period_events", schema="audit")
