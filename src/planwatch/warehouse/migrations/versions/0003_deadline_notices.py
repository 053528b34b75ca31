"""audit.deadline_notices: what each agency owed at a deadline, and the email it got.

One row per notice the ``submissions__deadline`` DAG decided on, for a plan ×
agency × period: a reminder to the agency (``kind = 'reminder'``) or the
summary to the Department that follows the plan (``kind = 'summary'``, its
``agency_code`` the monitoring agency). ``owed`` is what the notice says (the
templates owed and their compliance status, as JSON) and ``owed_sha256`` its
digest: an agency-month is reminded again only when the digest differs from
the one of its last notice sent. A row is written before its email goes out
(``message_id`` chosen then) and ``sent_at`` is set once the SMTP server took
it; a notice that cannot go says why in ``skipped_reason``. Append-only.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deadline_notices",
        sa.Column("notice_id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("plan_code", sa.Text(), nullable=False),
        sa.Column("agency_code", sa.Text(), nullable=False),
        sa.Column("period", sa.Text(), nullable=False),
        sa.Column("owed", JSONB(), nullable=False),
        sa.Column("owed_sha256", sa.Text(), nullable=False),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("on_time_before_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recipient", sa.Text()),
        sa.Column("skipped_reason", sa.Text()),
        sa.Column("message_id", sa.Text()),
        sa.Column("dag_run_id", sa.Text()),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.text("now()")),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("kind in ('reminder', 'summary')",
                           name="deadline_notices_kind_check"),
        sa.CheckConstraint(r"period ~ '^\d{4}-\d{2}$'", name="deadline_notices_period_check"),
        sa.CheckConstraint(
            "skipped_reason is null or skipped_reason in ('no_contact_email', 'nothing_owed')",
            name="deadline_notices_skipped_reason_check"),
        # Either it is meant to go (a recipient and a message id), or it says why not.
        sa.CheckConstraint(
            "(skipped_reason is null and recipient is not null and message_id is not null)"
            " or (skipped_reason is not null and sent_at is null)",
            name="deadline_notices_sent_or_skipped_check"),
        schema="audit",
    )
    op.create_index("deadline_notices_key_idx", "deadline_notices",
                    ["plan_code", "period", "kind", "agency_code"], schema="audit")


def downgrade() -> None:
    op.drop_index("deadline_notices_key_idx", table_name="deadline_notices", schema="audit")
    op.drop_table("deadline_notices", schema="audit")
