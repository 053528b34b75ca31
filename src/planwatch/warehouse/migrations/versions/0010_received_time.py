"""When a file arrived: the server's clock, not the file's own time.

``received_at`` was the file's modification time, which its sender sets
(``touch``, ``sftp put -p``, a zip tool): a backdated file counted as on time.
From this migration the service stamps the time planwatch first saw the
complete file (the server's clock, recorded once in ``audit.inbox_index``), and
keeps the file's own time beside it as information. An import of old files
with their recorded times stays possible, as an operator's explicit action
(``planwatch ingest --historical``), recorded in ``audit.historical_imports``
with the operator's name beside the role and time the database stamps.

* ``audit.submissions``: ``received_at_kind`` (``server_clock`` | ``file_time``),
  ``file_modified_at`` (the file's own time, as information) and
  ``historical_import_id``. Every submission received before this migration is
  labelled ``file_time``: its ``received_at`` was the file's time.
* ``audit.inbox_index``: ``received_at``, the server's clock when the poll first
  saw the complete file; kept while the file's bytes are unchanged.
* ``audit.historical_imports``: one row per import of old files; a trigger sets
  ``started_at`` (``clock_timestamp()``) and ``db_role`` (``session_user``),
  whatever the client sent.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "historical_imports",
        sa.Column("import_id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("run_label", sa.Text(), nullable=False, unique=True),
        sa.Column("operator_name", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.text("clock_timestamp()")),
        sa.Column("db_role", sa.Text(), nullable=False, server_default=sa.text("session_user")),
        sa.CheckConstraint("btrim(operator_name) <> ''", name="historical_imports_operator_check"),
        schema="audit",
    )
    op.execute("""
create function audit.stamp_historical_import() returns trigger
language plpgsql as $$
begin
    new.started_at := clock_timestamp();
    new.db_role := session_user;
    return new;
end $$;
create trigger historical_imports_stamped before insert on audit.historical_imports
    for each row execute function audit.stamp_historical_import();
""")
    op.add_column("submissions", sa.Column(
        "received_at_kind", sa.Text(), nullable=False, server_default="file_time"),
        schema="audit")
    # Existing rows are labelled file times; a new row must say which it is.
    op.alter_column("submissions", "received_at_kind", server_default=None, schema="audit")
    op.create_check_constraint(
        "submissions_received_at_kind_check", "submissions",
        "received_at_kind in ('server_clock', 'file_time')", schema="audit")
    op.add_column("submissions", sa.Column("file_modified_at", sa.DateTime(timezone=True)),
                  schema="audit")
    op.execute("update audit.submissions set file_modified_at = received_at")
    op.add_column("submissions", sa.Column(
        "historical_import_id", sa.BigInteger(),
        sa.ForeignKey("audit.historical_imports.import_id")), schema="audit")
    op.add_column("inbox_index", sa.Column("received_at", sa.DateTime(timezone=True)),
                  schema="audit")


def downgrade() -> None:
    op.drop_column("inbox_index", "received_at", schema="audit")
    op.drop_column("submissions", "historical_import_id", schema="audit")
    op.drop_column("submissions", "file_modified_at", schema="audit")
    op.drop_constraint("submissions_received_at_kind_check", "submissions", schema="audit")
    op.drop_column("submissions", "received_at_kind", schema="audit")
    op.execute("""
drop trigger historical_imports_stamped on audit.historical_imports;
drop function audit.stamp_historical_import();
""")
    op.drop_table("historical_imports", schema="audit")
