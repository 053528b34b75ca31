"""Warehouse migrations: a new warehouse and one that release 0.1.0 created and
loaded both reach the newest revision, with every row intact."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, MetaData, Text, create_engine

from planwatch.vocabulary.statuses import (
    CAPITAL_SOURCE_CHOICES,
    SUBMISSION_STATUS_CODES,
    capital_source_code,
)
from planwatch.vocabulary.templates import TEMPLATES
from planwatch.warehouse import migrate, tables
from planwatch.warehouse.init import init_warehouse

pytestmark = pytest.mark.integration

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "warehouses" / "v0_1_0.sql"
V0_TABLES = ("audit.files", "audit.submissions", "audit.validation_results", "raw.tasks",
             "raw.indicators", "raw.disbursement")


def _diff(url: str) -> list:
    engine = create_engine(migrate.sqlalchemy_url(url))
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={
                "include_schemas": True, "include_name": migrate.include_name})
            return compare_metadata(context, tables.metadata)
    finally:
        engine.dispose()


def _columns(url: str) -> dict[str, list[str]]:
    with psycopg.connect(url) as conn:
        return {table: [r[0] for r in conn.execute(
            "select column_name from information_schema.columns"
            " where table_schema || '.' || table_name = %s order by ordinal_position",
            (table,))] for table in V0_TABLES}


def _rows(url: str, columns: dict[str, list[str]]) -> dict[str, set[str]]:
    """md5 of every row of the v0 tables, over the columns they had in v0."""
    out = {}
    with psycopg.connect(url) as conn:
        for table, names in columns.items():
            row = ", ".join(f"'{n}', t.{n}" for n in names)
            out[table] = {r[0] for r in conn.execute(
                f"select md5(jsonb_build_object({row})::text) from {table} t")}
    return out


def test_a_new_warehouse_is_created_by_the_migrations_exactly_as_the_tables_say(
        new_warehouse) -> None:
    settings, url = new_warehouse("migrate_new")
    before, after = migrate.upgrade(url)
    assert (before, after) == (None, migrate.head_revision())
    assert _diff(url) == []
    assert migrate.upgrade(url) == (after, after)  # idempotent


def test_a_warehouse_of_release_0_1_0_is_upgraded_in_place(new_warehouse) -> None:
    settings, url = new_warehouse("migrate_v0")
    with psycopg.connect(url) as conn:
        conn.execute(FIXTURE.read_text(encoding="utf-8"))
    v0_columns = _columns(url)
    before = _rows(url, v0_columns)
    assert sum(map(len, before.values())) > 100 and all(before.values())

    init_warehouse(url, settings)

    assert _rows(url, v0_columns) == before  # every row intact
    assert _diff(url) == []
    with psycopg.connect(url) as conn:
        (version,) = conn.execute("select version_num from audit.alembic_version").fetchone()
        (events,) = conn.execute("select to_regclass('audit.events')").fetchone()
        plans = conn.execute("select plan_code, count(*) from audit.submissions"
                             " where agency_code is not null group by 1").fetchall()
        (unplanned,) = conn.execute("select count(*) from audit.submissions where plan_code"
                                    " is null and agency_code is not null").fetchone()
        codes = dict(conn.execute("select capital_source, capital_source_code"
                                  " from raw.disbursement").fetchall())
        # Migration 0010: what was received before it was dated by the file's own time.
        kinds = conn.execute("select received_at_kind, count(*),"
                             " count(*) filter (where file_modified_at = received_at)"
                             " from audit.submissions group by 1").fetchall()
    assert version == migrate.head_revision() and events is None
    assert [plan for plan, _ in plans] == ["TTH-2024"] and unplanned == 0
    assert codes and all(capital_source_code(text) == code for text, code in codes.items())
    assert len(kinds) == 1 and kinds[0][0] == "file_time" and kinds[0][1] == kinds[0][2] > 0

    init_warehouse(url, settings)  # again: nothing changes
    assert _rows(url, v0_columns) == before


def test_check_constraints_list_the_vocabularies(initialised: str) -> None:
    with psycopg.connect(initialised) as conn:
        checks = dict(conn.execute(
            "select conname, pg_get_constraintdef(oid) from pg_constraint"
            " where conrelid = 'audit.submissions'::regclass and contype = 'c'").fetchall())
    status, template = checks["submissions_status_check"], checks["submissions_template_check"]
    assert all(f"'{s}'" in status for s in SUBMISSION_STATUS_CODES)
    assert status.count("'") == 2 * len(SUBMISSION_STATUS_CODES)
    assert all(f"'{t}'" in template for t in TEMPLATES)
    assert template.count("'") == 2 * len(TEMPLATES)


def test_the_frozen_capital_source_rule_agrees_with_the_vocabulary() -> None:
    path = next((migrate.MIGRATIONS_DIR / "versions").glob("0002_*.py"))
    spec = importlib.util.spec_from_file_location("migration_0002", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    samples = [*CAPITAL_SOURCE_CHOICES, "Vốn NSTW", "ngân sách tỉnh", "vay ODA",
               "NSĐP (xổ số kiến thiết)", "Nguồn khác"]
    assert {s: module._code(s) for s in samples} == {s: capital_source_code(s) for s in samples}


def test_a_new_column_in_the_tables_becomes_a_written_migration(
        new_warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Adding a template column: edit the spec (here: the tables it derives), write
    the migration with ``planwatch db revision``, and it adds exactly that column."""
    _, url = new_warehouse("migrate_rev")
    migrate.upgrade(url)
    migrations = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, migrations,
                    ignore=shutil.ignore_patterns("__pycache__"))
    changed = MetaData()
    for table in tables.metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["raw.tasks"].append_column(Column("column_added_by_the_test", Text))
    monkeypatch.setattr(tables, "metadata", changed)
    (written,) = migrate.revision(url, "tasks gain the responsible person", migrations)
    text = written.read_text(encoding="utf-8")
    assert "op.add_column('tasks', sa.Column('column_added_by_the_test'" in text
    assert "schema='raw'" in text and "drop" not in text.split("def downgrade")[0].lower()
    assert f"down_revision = '{migrate.head_revision()}'" in text
