"""audit.changed_slices and audit.mart_builds: the marts built by what changed.

The marts' facts are rebuilt plan-month by plan-month (dbt's incremental
strategy ``slices``). Whatever changes a plan-month's figures writes a row to
``changed_slices`` in its own transaction (a file recorded, a month closed or
reopened, a plan given to old submissions); a build takes the rows there,
rebuilds those plans from those months on, and deletes the rows it built.
``mart_builds`` records each build: its as-of (the moment compliance was
judged at), whole or not and why, so that the next build knows which
deadlines passed since and whether the release or the catalog changed;
``mart_build_slices`` the plans it rebuilt, each from which month (no plan:
the submissions that name none). dbt's models read both while they run
(``dbt_project/macros/build_slices.sql``), so no build changes dbt's vars and
dbt's partial parse is kept.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "changed_slices",
        sa.Column("change_id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("plan_code", sa.Text()),
        sa.Column("period", sa.Text()),
        sa.Column("cause", sa.Text(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.text("now()")),
        sa.CheckConstraint(r"period ~ '^\d{4}-\d{2}$'", name="changed_slices_period_check"),
        schema="audit",
    )
    op.create_table(
        "mart_builds",
        sa.Column("build_id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.text("now()")),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("is_whole", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("definition_sha256", sa.Text(), nullable=False),
        sa.Column("catalog_load_id", sa.BigInteger()),
        sa.Column("succeeded", sa.Boolean()),
        schema="audit",
    )
    op.create_table(
        "mart_build_slices",
        sa.Column("build_id", sa.BigInteger(), sa.ForeignKey("audit.mart_builds.build_id"),
                  nullable=False),
        sa.Column("slice_plan_code", sa.Text()),
        sa.Column("slice_from_month_key", sa.Integer(), nullable=False),
        sa.UniqueConstraint("build_id", "slice_plan_code", name="mart_build_slices_key"),
        schema="audit",
    )


def downgrade() -> None:
    op.drop_table("mart_build_slices", schema="audit")
    op.drop_table("mart_builds", schema="audit")
    op.drop_table("changed_slices", schema="audit")
