"""The tables planwatch itself writes, as SQLAlchemy metadata.

``audit.*`` is written here, column by column; ``raw.<template>`` is derived
from the template specs (``vocabulary.templates``). The migrations under
``warehouse/migrations/versions/`` are what creates and changes the tables in a
database; ``tests/integration/test_migrations.py`` checks that a warehouse at
the newest migration has exactly these tables (Alembic's ``compare_metadata``),
so a spec change without its migration fails the tests, and
``planwatch db revision -m "..."`` writes the migration a change needs.

``catalog.*`` holds the plan catalogs ``planwatch init`` loads. staging /
intermediate / marts belong to dbt; raw.vocab_* are dbt seeds.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeEngine

from planwatch.vocabulary.statuses import (
    RECEIVED_TIME_KIND_CODES,
    SUBMISSION_CHANNEL_CODES,
    SUBMISSION_STATUS_CODES,
)
from planwatch.vocabulary.templates import (
    EXTRA_COLUMN,
    RAW_KEY_COLUMNS,
    SPECS,
    TEMPLATES,
    RawColumn,
)

metadata = MetaData()
SCHEMAS = ("raw", "audit", "staging", "intermediate", "marts")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} in ({', '.join(repr(v) for v in values)})"


files = Table(
    "files", metadata,
    Column("file_sha256", Text, primary_key=True),
    Column("file_name", Text, nullable=False),
    Column("file_size", BigInteger, nullable=False),
    Column("archive_path", Text, nullable=False),
    Column("first_seen_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    schema="audit",
)

submissions = Table(
    "submissions", metadata,
    Column("submission_id", BigInteger, primary_key=True, autoincrement=True),
    Column("file_name", Text, nullable=False),
    Column("inbox_path", Text, nullable=False),
    Column("file_sha256", Text, nullable=False),
    Column("agency_code", Text),
    Column("period", Text),
    Column("template", Text),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("processed_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("status", Text, nullable=False),
    Column("version", Integer),
    Column("row_count", Integer, nullable=False, server_default=text("0")),
    Column("reasons", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("sheet_name", Text),
    Column("receipt_path", Text),
    Column("duplicate_of", BigInteger, ForeignKey("audit.submissions.submission_id")),
    Column("superseded_by", BigInteger, ForeignKey("audit.submissions.submission_id")),
    Column("code_version", Text),
    Column("plan_code", Text),
    # Arrived while its month was closed (migration 0004).
    Column("is_restatement", Boolean, nullable=False, server_default=text("false")),
    # What received_at is, and the file's own time beside it (migration 0010).
    Column("received_at_kind", Text, nullable=False),
    Column("file_modified_at", DateTime(timezone=True)),
    Column("historical_import_id", BigInteger,
           ForeignKey("audit.historical_imports.import_id")),
    CheckConstraint(_in("received_at_kind", RECEIVED_TIME_KIND_CODES),
                    name="submissions_received_at_kind_check"),
    # Which folder it came through: its agency's, the issuer's shared one (the
    # Department's import), or neither (migration 0013; catalog.inbox_layout).
    Column("submitted_via", Text),
    CheckConstraint(r"period ~ '^\d{4}-\d{2}$'", name="submissions_period_check"),
    CheckConstraint(_in("template", TEMPLATES), name="submissions_template_check"),
    CheckConstraint(_in("status", SUBMISSION_STATUS_CODES), name="submissions_status_check"),
    CheckConstraint(_in("submitted_via", SUBMISSION_CHANNEL_CODES),
                    name="submissions_submitted_via_check"),
    Index("submissions_key_idx", "plan_code", "agency_code", "period", "template"),
    Index("submissions_sha_idx", "file_sha256"),
    # Which inbox files were processed (the poll, migration 0006).
    Index("submissions_inbox_idx", "inbox_path", "file_sha256"),
    schema="audit",
)

validation_results = Table(
    "validation_results", metadata,
    Column("submission_id", BigInteger, ForeignKey("audit.submissions.submission_id"),
           nullable=False),
    Column("suite_name", Text, nullable=False),
    Column("expectation", Text, nullable=False),
    Column("column_name", Text),
    Column("severity", Text, nullable=False),
    Column("success", Boolean, nullable=False),
    Column("unexpected_count", Integer, nullable=False, server_default=text("0")),
    Column("details", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("validated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    CheckConstraint("severity in ('block', 'warn')", name="validation_results_severity_check"),
    Index("validation_results_sub_idx", "submission_id"),
    schema="audit",
)

# What each agency owed at a deadline and the notice it got (migration 0003;
# written by warehouse.deadlines for the submissions__deadline DAG).
NOTICE_KINDS = ("reminder", "summary")
NOTICE_SKIPPED_REASONS = ("no_contact_email", "nothing_owed")

deadline_notices = Table(
    "deadline_notices", metadata,
    Column("notice_id", BigInteger, primary_key=True, autoincrement=True),
    Column("kind", Text, nullable=False),
    Column("plan_code", Text, nullable=False),
    Column("agency_code", Text, nullable=False),
    Column("period", Text, nullable=False),
    Column("owed", JSONB, nullable=False),
    Column("owed_sha256", Text, nullable=False),
    Column("deadline_at", DateTime(timezone=True), nullable=False),
    Column("on_time_before_at", DateTime(timezone=True), nullable=False),
    Column("recipient", Text),
    Column("skipped_reason", Text),
    Column("message_id", Text),
    Column("dag_run_id", Text),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("sent_at", DateTime(timezone=True)),
    CheckConstraint(_in("kind", NOTICE_KINDS), name="deadline_notices_kind_check"),
    CheckConstraint(r"period ~ '^\d{4}-\d{2}$'", name="deadline_notices_period_check"),
    CheckConstraint(f"skipped_reason is null or {_in('skipped_reason', NOTICE_SKIPPED_REASONS)}",
                    name="deadline_notices_skipped_reason_check"),
    CheckConstraint("(skipped_reason is null and recipient is not null and message_id is not null)"
                    " or (skipped_reason is not null and sent_at is null)",
                    name="deadline_notices_sent_or_skipped_check"),
    Index("deadline_notices_key_idx", "plan_code", "period", "kind", "agency_code"),
    schema="audit",
)

# The Department closing and reopening a month (migration 0004; written by
# warehouse.periods); a period's state is its latest event.
PERIOD_ACTIONS = ("close", "reopen")

period_events = Table(
    "period_events", metadata,
    Column("event_id", BigInteger, primary_key=True, autoincrement=True),
    Column("plan_code", Text, nullable=False),
    Column("period", Text, nullable=False),
    Column("action", Text, nullable=False),
    # The name given, then " (db role <session_user>)"; with occurred_at, set by
    # the database on insert (migration 0009's trigger), whatever the client sent.
    Column("actor", Text, nullable=False),
    Column("reason", Text),
    Column("occurred_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    CheckConstraint(_in("action", PERIOD_ACTIONS), name="period_events_action_check"),
    CheckConstraint(r"period ~ '^\d{4}-\d{2}$'", name="period_events_period_check"),
    CheckConstraint("action = 'close' or coalesce(btrim(reason), '') <> ''",
                    name="period_events_reopen_reason_check"),
    Index("period_events_key_idx", "plan_code", "period"),
    schema="audit",
)

# The plan catalogs (dbt seeds) loaded into raw by ``planwatch init`` (migration
# 0005; written by warehouse.init): what was loaded when, by the digest of the
# seed files. Init loads them again only when the digest changed. Append-only.
catalog_loads = Table(
    "catalog_loads", metadata,
    Column("load_id", BigInteger, primary_key=True, autoincrement=True),
    Column("seeds_sha256", Text, nullable=False),
    Column("files", JSONB, nullable=False),  # each seed file -> its SHA-256
    Column("loaded_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    schema="audit",
)

# What the poll knows of each inbox file (migration 0006; warehouse.inbox_index):
# its SHA-256 while what stat says of it is unchanged. A cache, never evidence:
# what was received is audit.files and audit.submissions.
inbox_index = Table(
    "inbox_index", metadata,
    Column("inbox_path", Text, primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("mtime_ns", BigInteger, nullable=False),
    Column("ctime_ns", BigInteger, nullable=False),
    Column("inode", BigInteger, nullable=False),
    Column("sha256", Text, nullable=False),
    Column("indexed_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    # The server's clock when the poll first saw the complete file (migration 0010).
    Column("received_at", DateTime(timezone=True)),
    schema="audit",
)

# Files refused before they were read: above the size limit (migration 0011;
# warehouse.refusals). The stat key lets a poll skip them without reading.
refused_files = Table(
    "refused_files", metadata,
    Column("refusal_id", BigInteger, primary_key=True, autoincrement=True),
    Column("inbox_path", Text, nullable=False),
    Column("file_name", Text, nullable=False),
    Column("file_size", BigInteger, nullable=False),
    Column("mtime_ns", BigInteger, nullable=False),
    Column("ctime_ns", BigInteger, nullable=False),
    Column("inode", BigInteger, nullable=False),
    Column("agency_code", Text),
    Column("period", Text),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("file_modified_at", DateTime(timezone=True), nullable=False),
    Column("reasons", JSONB, nullable=False),
    Column("receipt_path", Text),
    Column("refused_at", DateTime(timezone=True), nullable=False,
           server_default=text("clock_timestamp()")),
    CheckConstraint(r"period ~ '^\d{4}-\d{2}$'", name="refused_files_period_check"),
    UniqueConstraint("inbox_path", "file_size", "mtime_ns", "ctime_ns", "inode",
                     name="refused_files_stat_key"),
    schema="audit",
)

# Imports of old files with their own times, each an operator's explicit action
# (migration 0010; ``planwatch ingest --historical``). The database stamps
# started_at and db_role on insert, whatever the client sent.
historical_imports = Table(
    "historical_imports", metadata,
    Column("import_id", BigInteger, primary_key=True, autoincrement=True),
    Column("run_label", Text, nullable=False, unique=True),
    Column("operator_name", Text, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False,
           server_default=text("clock_timestamp()")),
    Column("db_role", Text, nullable=False, server_default=text("session_user")),
    CheckConstraint("btrim(operator_name) <> ''", name="historical_imports_operator_check"),
    schema="audit",
)

# Files ``planwatch inbox migrate`` moved after they were processed (migration
# 0013): at its new path, with those bytes, a file is processed already.
inbox_moves = Table(
    "inbox_moves", metadata,
    Column("move_id", BigInteger, primary_key=True, autoincrement=True),
    Column("from_path", Text, nullable=False),
    Column("to_path", Text, nullable=False),
    Column("file_sha256", Text, nullable=False),
    Column("moved_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Index("inbox_moves_to_idx", "to_path", "file_sha256"),
    schema="audit",
)

# Plan-months whose marts are out of date (migration 0007; warehouse.mart_builds):
# written in the transaction that changes them, deleted by the build that
# rebuilt them. No plan or no period: a submission that cannot be placed.
changed_slices = Table(
    "changed_slices", metadata,
    Column("change_id", BigInteger, primary_key=True, autoincrement=True),
    Column("plan_code", Text),
    Column("period", Text),
    Column("cause", Text, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    CheckConstraint(r"period ~ '^\d{4}-\d{2}$'", name="changed_slices_period_check"),
    schema="audit",
)

# Each build of the marts (migration 0007; warehouse.mart_builds): its as-of,
# whether it rebuilt everything, and why.
mart_builds = Table(
    "mart_builds", metadata,
    Column("build_id", BigInteger, primary_key=True, autoincrement=True),
    Column("started_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("finished_at", DateTime(timezone=True)),
    Column("as_of", DateTime(timezone=True), nullable=False),
    Column("is_whole", Boolean, nullable=False),
    Column("reason", Text, nullable=False),
    Column("definition_sha256", Text, nullable=False),
    Column("catalog_load_id", BigInteger),
    Column("succeeded", Boolean),
    schema="audit",
)

# The plans a build rebuilt, each from a month on (migration 0007); no plan: the
# submissions that name none. Read by dbt's models while the build runs.
mart_build_slices = Table(
    "mart_build_slices", metadata,
    Column("build_id", BigInteger, ForeignKey("audit.mart_builds.build_id"), nullable=False),
    Column("slice_plan_code", Text),
    Column("slice_from_month_key", Integer, nullable=False),
    UniqueConstraint("build_id", "slice_plan_code", name="mart_build_slices_key"),
    schema="audit",
)

# Each plan catalog init loaded or removed (migration 0008; warehouse.catalog_tables).
plan_catalog_loads = Table(
    "plan_catalog_loads", metadata,
    Column("load_id", BigInteger, primary_key=True, autoincrement=True),
    Column("plan_code", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("rows_sha256", Text),
    Column("row_counts", JSONB, nullable=False),  # rows per catalog table
    Column("loaded_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    CheckConstraint("action in ('loaded', 'removed')", name="plan_catalog_loads_action"),
    Index("plan_catalog_loads_plan", "plan_code", "load_id"),
    schema="audit",
)


# The plan catalogs (migration 0008; warehouse.catalog_tables loads them, dbt reads
# them as sources). The database holds the catalog's rules: a row's plan, lead
# agency, district or monitoring department is in its plan (deferred: a plan's
# rows arrive together), values come from their vocabularies.
def _t(name: str, nullable: bool = True) -> Column:
    return Column(name, Text, nullable=nullable)


def _of_plan() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["plan_code"], ["catalog.plans.plan_code"], ondelete="CASCADE",
                                deferrable=True, initially="DEFERRED")


def _in_plan(column: str, table: str, referred: str, name: str) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["plan_code", column], [f"catalog.{table}.plan_code",
                                                        f"catalog.{table}.{referred}"],
                                name=name, deferrable=True, initially="DEFERRED", use_alter=True)


catalog_tables: dict[str, Table] = {table.name: table for table in (
    Table("plans", metadata,
          _t("plan_code", False), _t("issuer_code", False), _t("issuer_name_vi", False),
          _t("issuer_kind", False), Column("year", Integer, nullable=False),
          _t("decision_number"), Column("decision_date", Date), _t("title_vi", False),
          _t("basis_vi"), _t("monitoring_agency_code", False), _t("source_document"),
          PrimaryKeyConstraint("plan_code", name="plans_pkey"),
          CheckConstraint("issuer_kind in ('province', 'ministry')", name="plans_issuer_kind"),
          _in_plan("monitoring_agency_code", "plan_agencies", "agency_code",
                   "plans_monitoring_agency_in_plan"),
          schema="catalog"),
    Table("plan_agencies", metadata,
          _t("plan_code", False), _t("agency_code", False), _t("name_vi", False),
          _t("short_name_vi"), _t("kind"), _t("role", False), _t("section", False),
          _t("district_code"), _t("contact_name"), _t("contact_email"), _t("contact_phone"),
          PrimaryKeyConstraint("plan_code", "agency_code", name="plan_agencies_pkey"),
          CheckConstraint("role in ('lead', 'coordinator', 'receiver')",
                          name="plan_agencies_role"),
          _of_plan(),
          _in_plan("district_code", "plan_districts", "district_code",
                   "plan_agencies_district_in_plan"),
          schema="catalog"),
    Table("plan_districts", metadata,
          _t("plan_code", False), _t("district_code", False), _t("name_vi", False),
          _t("kind"), _t("agency_code"), _t("section", False),
          PrimaryKeyConstraint("plan_code", "district_code", name="plan_districts_pkey"),
          _of_plan(),
          _in_plan("agency_code", "plan_agencies", "agency_code",
                   "plan_districts_agency_in_plan"),
          schema="catalog"),
    Table("plan_tasks", metadata,
          _t("plan_code", False), _t("task_code", False), _t("lead_agency_code", False),
          _t("section", False), _t("description_vi", False), _t("deadline_text"),
          Column("is_key_task", Boolean, nullable=False),
          PrimaryKeyConstraint("plan_code", "task_code", name="plan_tasks_pkey"),
          _of_plan(),
          _in_plan("lead_agency_code", "plan_agencies", "agency_code",
                   "plan_tasks_lead_in_plan"),
          schema="catalog"),
    Table("plan_indicators", metadata,
          _t("plan_code", False), _t("indicator_code", False), _t("name_vi", False),
          _t("unit", False), Column("target_low", Numeric), Column("target_high", Numeric),
          Column("target_tolerance", Numeric), _t("direction", False),
          _t("lead_agency_code", False), _t("section", False), _t("target_text"),
          PrimaryKeyConstraint("plan_code", "indicator_code", name="plan_indicators_pkey"),
          CheckConstraint("direction in ('higher_is_better', 'lower_is_better',"
                          " 'within_range')", name="plan_indicators_direction"),
          _of_plan(),
          _in_plan("lead_agency_code", "plan_agencies", "agency_code",
                   "plan_indicators_lead_in_plan"),
          schema="catalog"),
    Table("plan_projects", metadata,
          _t("plan_code", False), _t("project_code", False), _t("name_vi", False),
          _t("lead_agency_code", False), Column("is_key_project", Boolean, nullable=False),
          _t("funding", False), _t("section", False), _t("district_code"),
          PrimaryKeyConstraint("plan_code", "project_code", name="plan_projects_pkey"),
          CheckConstraint("funding in ('public', 'private')", name="plan_projects_funding"),
          _of_plan(),
          _in_plan("lead_agency_code", "plan_agencies", "agency_code",
                   "plan_projects_lead_in_plan"),
          _in_plan("district_code", "plan_districts", "district_code",
                   "plan_projects_district_in_plan"),
          schema="catalog"),
)}

# Evidence packs written, chained per agency (migration 0004).
evidence_packs = Table(
    "evidence_packs", metadata,
    Column("pack_id", BigInteger, primary_key=True, autoincrement=True),
    Column("plan_code", Text, nullable=False),
    Column("agency_code", Text, nullable=False),
    Column("period", Text, nullable=False),
    Column("manifest_sha256", Text, nullable=False, unique=True),
    Column("previous_manifest_sha256", Text),
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("code_version", Text, nullable=False),
    # Stamped by the database on insert (migration 0009's trigger), whatever the
    # client sent; NULL for packs recorded before it.
    Column("recorded_at", DateTime(timezone=True)),
    Column("recorded_by_role", Text),
    # The minisign key that signed the pack (migration 0012); NULL: unsigned.
    Column("signing_key_id", Text),
    CheckConstraint(r"period ~ '^\d{4}-\d{2}$'", name="evidence_packs_period_check"),
    CheckConstraint("signing_key_id ~ '^[0-9A-F]{16}$'",
                    name="evidence_packs_signing_key_id_check"),
    Index("evidence_packs_agency_idx", "plan_code", "agency_code", "created_at"),
    schema="audit",
)

_SQL_TYPES: dict[str, type[TypeEngine] | TypeEngine] = {
    "text": Text, "numeric": Numeric, "bigint": BigInteger, "integer": Integer, "date": Date,
    "jsonb": JSONB,
}


def _raw_column(column: RawColumn) -> Column:
    kwargs = {}
    if column.name == "extra":
        kwargs["server_default"] = text("'{}'::jsonb")
    return Column(column.name, _SQL_TYPES[column.sql_type], nullable=column.nullable, **kwargs)


def _raw_table(template: str) -> Table:
    spec = SPECS[template]  # type: ignore[index]
    key = [Column("submission_id", BigInteger, ForeignKey("audit.submissions.submission_id"),
                  primary_key=True),
           Column("source_row", Integer, primary_key=True)]
    assert [c.name for c in key] == [c.name for c in RAW_KEY_COLUMNS]
    return Table(template, metadata, *key, *(_raw_column(c) for c in spec.raw_columns),
                 _raw_column(EXTRA_COLUMN), schema="raw")


raw_tables: dict[str, Table] = {t: _raw_table(t) for t in TEMPLATES}
