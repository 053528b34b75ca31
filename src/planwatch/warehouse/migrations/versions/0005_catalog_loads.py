"""audit.catalog_loads: the plan catalogs ``planwatch init`` loaded, and when.

One row each time init loads the dbt seeds (plans, their agencies, tasks,
indicators, projects, and the vocabularies) into ``raw``: the SHA-256 of every
seed file and of them together. Init loads the seeds again only when that
digest differs from the latest row's (or a seed table is missing or has other
columns), so an auditor sees which catalog was in force from when. Append-only.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalog_loads",
        sa.Column("load_id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("seeds_sha256", sa.Text(), nullable=False),
        sa.Column("files", JSONB(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.text("now()")),
        schema="audit",
    )


def downgrade() -> None:
    op.drop_table("catalog_loads", schema="audit")
