"""The key that signed each evidence pack.

Evidence packs are signed with the Department's minisign key (``planwatch
evidence``; ``reporting.evidence_keys``). ``audit.evidence_packs`` gains
``signing_key_id``: the key's id as minisign writes it (16 upper-case hex
digits), NULL for a pack written unsigned or before packs were signed. With it a
leaked key's packs are one query (``where signing_key_id = …``), and ``--verify``
holds a pack to the key recorded for it.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("evidence_packs", sa.Column("signing_key_id", sa.Text()), schema="audit")
    op.create_check_constraint("evidence_packs_signing_key_id_check", "evidence_packs",
                               "signing_key_id ~ '^[0-9A-F]{16}$'", schema="audit")


def downgrade() -> None:
    op.drop_constraint("evidence_packs_signing_key_id_check", "evidence_packs",
                       schema="audit", type_="check")
    op.drop_column("evidence_packs", "signing_key_id", schema="audit")
