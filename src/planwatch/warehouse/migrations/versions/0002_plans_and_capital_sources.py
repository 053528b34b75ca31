"""Submissions belong to a plan; capital sources get a code; audit.events goes.

* ``audit.submissions.plan_code``: the plan a submission reports to (several
  plans side by side). Versions are ordered per plan, agency, period and
  template, so the key index leads with it. Rows received before this revision
  get their plan from the catalog when ``planwatch init`` has loaded it (the
  only plan of the period's year listing the agency).
* ``raw.disbursement.capital_source_code``: the capital source as a code of
  ``vocab_capital_sources``, back-filled for the rows already loaded.
* ``audit.events``: nothing ever wrote it.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# The capital-source rule as this revision shipped it (frozen; the live rule is
# vocabulary.statuses.capital_source_code): the first source one of whose
# folded words appears in the text, most specific first.
_SOURCES = (
    ("CTMTQG", ("ctmtqg", "chuong trinh muc tieu quoc gia", "muc tieu quoc gia")),
    ("TSDD", ("su dung dat", "tsdd")),
    ("XSKT", ("xo so", "xskt")),
    ("NSTW", ("nstw", "ngan sach trung uong", "ns trung uong")),
    ("NSDP", ("nsdp", "ngan sach dia phuong", "ngan sach tinh", "ns dia phuong")),
    ("ODA", ("oda", "vay uu dai")),
)


def _code(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    folded = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    words = " " + " ".join("".join(c if c.isalnum() else " " for c in folded).split()) + " "
    for code, keys in _SOURCES:
        if any(f" {key} " in words for key in keys):
            return code
    return "KHAC"


def upgrade() -> None:
    op.add_column("submissions", sa.Column("plan_code", sa.Text()), schema="audit")
    op.drop_index("submissions_key_idx", table_name="submissions", schema="audit")
    op.create_index("submissions_key_idx", "submissions",
                    ["plan_code", "agency_code", "period", "template"], schema="audit")

    op.add_column("disbursement", sa.Column("capital_source_code", sa.Text()), schema="raw")
    bind = op.get_bind()
    sources = [row[0] for row in bind.execute(
        sa.text("select distinct capital_source from raw.disbursement"))]
    for source in sources:
        bind.execute(sa.text("update raw.disbursement set capital_source_code = :code "
                             "where capital_source = :source"),
                     {"code": _code(source), "source": source})

    op.drop_table("events", schema="audit")


def downgrade() -> None:
    op.create_table(
        "events",
        sa.Column("event_id", sa.BigInteger(), primary_key=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.text("now()")),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("detail", sa.dialects.postgresql.JSONB(), nullable=False,
                  server_default=sa.text("'{}'::jsonb")),
        schema="audit")
    op.drop_column("disbursement", "capital_source_code", schema="raw")
    op.drop_index("submissions_key_idx", table_name="submissions", schema="audit")
    op.create_index("submissions_key_idx", "submissions",
                    ["agency_code", "period", "template"], schema="audit")
    op.drop_column("submissions", "plan_code", schema="audit")
