"""Least privilege, in use: each component connects as its own role, and each
role can do what its component needs and nothing more."""

from __future__ import annotations

from urllib.parse import urlparse, urlunparse

import psycopg
import pytest

from planwatch.cli import main
from planwatch.warehouse.mart_builds import build_marts
from planwatch.warehouse.roles import ROLES, password_store, role_url, scram_matches

pytestmark = pytest.mark.integration
DENIED = psycopg.errors.InsufficientPrivilege


@pytest.fixture(scope="module")
def warehouse(year_clone):
    """A copy of the demo year (ingested as the loader, built as the transformer)."""
    settings, url, _ = year_clone("roles")
    # A second build swaps every mart table in again.
    build_marts(role_url(settings, url, "transformer"), settings)
    return settings, url


def _as(warehouse, role: str) -> psycopg.Connection:
    settings, url = warehouse
    return psycopg.connect(role_url(settings, url, role), autocommit=True)


def _refused(conn: psycopg.Connection, statement: str) -> bool:
    try:
        conn.execute(statement)
    except DENIED:
        return True
    return False


def test_the_bi_reader_reads_the_marts_and_nothing_else(warehouse) -> None:
    with _as(warehouse, "bi_reader") as conn:
        (rows,) = conn.execute("select count(*) from marts.fct_submission").fetchone()
        assert rows > 0  # readable after two builds: grants survive the table swaps
        assert _refused(conn, "select * from raw.tasks limit 1")
        assert _refused(conn, "select * from audit.submissions limit 1")
        assert _refused(conn, "delete from marts.fct_submission")


def test_the_loader_appends_raw_rows_and_writes_the_audit_but_not_the_marts(warehouse) -> None:
    with _as(warehouse, "loader") as conn:
        assert conn.execute("select count(*) from raw.tasks").fetchone()[0] > 0
        assert _refused(conn, "select * from marts.fct_submission limit 1")
        assert _refused(conn, "create table marts.intruder (x int)")
        assert _refused(conn, "update raw.tasks set result_text = 'x'")  # append-only
        assert _refused(conn, "delete from raw.tasks")
        assert _refused(conn, "update audit.alembic_version set version_num = 'x'")
        # What ingest writes once stays as written: times, hashes, reasons, receipts.
        for statement in (
                "update audit.submissions set received_at = now()",
                "update audit.submissions set reasons = '[]'",
                "update audit.submissions set receipt_path = 'x'",
                "update audit.submissions set file_sha256 = 'x'",
                "update audit.files set archive_path = 'x'",
                "update audit.validation_results set success = true",
                "update audit.deadline_notices set agency_code = 'x'",
                "update audit.period_events set actor = 'x'",
                "update audit.evidence_packs set manifest_sha256 = 'x'"):
            assert _refused(conn, statement), statement
        # What it changes as it goes, it may.
        conn.execute("update audit.submissions set version = version where false")
        conn.execute("update audit.inbox_index set indexed_at = indexed_at where false")


def test_the_transformer_reads_raw_and_audit_but_never_changes_them(warehouse) -> None:
    with _as(warehouse, "transformer") as conn:
        assert conn.execute("select count(*) from audit.submissions").fetchone()[0] > 0
        assert _refused(conn, "update raw.tasks set result_text = 'x'")
        assert _refused(conn, "delete from audit.submissions")
        assert _refused(conn, "insert into audit.files values ('x', 'x', 0, 'x')")


def test_the_auditor_reads_audit_and_marts_and_changes_nothing(warehouse) -> None:
    with _as(warehouse, "auditor") as conn:
        assert conn.execute("select count(*) from audit.validation_results").fetchone()[0] > 0
        assert conn.execute("select count(*) from marts.dim_agency").fetchone()[0] > 0
        assert _refused(conn, "update audit.submissions set status = 'accepted'")
        assert _refused(conn, "delete from marts.dim_agency")
        assert _refused(conn, "select * from raw.tasks limit 1")


@pytest.mark.parametrize("role", ROLES)
def test_no_role_creates_roles_or_databases(warehouse, role: str) -> None:
    with _as(warehouse, role) as conn:
        assert _refused(conn, "create role planwatch_intruder")
        assert _refused(conn, "create database planwatch_intruder")
        assert not conn.execute("select rolsuper from pg_roles where rolname = current_user"
                                ).fetchone()[0]


def test_db_url_names_the_connection_a_bi_tool_uses(warehouse, monkeypatch, capsys) -> None:
    settings, url = warehouse
    monkeypatch.setenv("WAREHOUSE_URL", url)
    monkeypatch.setenv("PLANWATCH_HOME", str(settings.home))
    assert main(["db", "url", "--role", "bi_reader"]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed.startswith("postgresql://planwatch_bi_reader:") and printed.endswith(
        url.rsplit("/", 1)[1])
    with psycopg.connect(printed) as conn:
        assert conn.execute("select current_user").fetchone() == ("planwatch_bi_reader",)


def test_passwords_are_kept_private(warehouse) -> None:
    settings, _ = warehouse
    stored = password_store(settings).path
    assert stored.is_file() and stored.stat().st_mode & 0o077 == 0


def test_planwatch_report_runs_as_the_auditor(warehouse, monkeypatch, capsys) -> None:
    """The monitoring summary reads only what the auditor may read; its count of
    raw rows (from the audit records) equals the rows the raw tables hold."""
    settings, url = warehouse
    monkeypatch.setenv("WAREHOUSE_URL", url)
    monkeypatch.setenv("PLANWATCH_HOME", str(settings.home))
    assert main(["report"]) == 0
    printed = capsys.readouterr().out
    with psycopg.connect(url) as conn:
        (raw_rows,) = conn.execute(
            "select (select count(*) from raw.tasks) + (select count(*) from raw.indicators)"
            " + (select count(*) from raw.disbursement)").fetchone()
    assert raw_rows > 0 and f"raw rows loaded: {raw_rows}\n" in printed


class _Recording(psycopg.Connection):
    """A real connection that keeps the text of every statement it sends."""

    sent: list[str]

    def execute(self, query, params=None, **kwargs):  # type: ignore[no-untyped-def]
        text = query if isinstance(query, str) else query.as_string(self)
        self.sent = [*getattr(self, "sent", []), text]
        return super().execute(query, params, **kwargs)


def test_a_role_password_reaches_the_server_only_as_a_scram_verifier(warehouse) -> None:
    from planwatch.warehouse.roles import ensure_login

    _, url = warehouse
    password = "mat-khau-thu-nghiem-42"
    with _Recording.connect(url, autocommit=True) as conn:
        ensure_login(conn, "planwatch_test_scram", password)
        ensure_login(conn, "planwatch_test_scram", password)  # has it already: unchanged
        (stored,) = conn.execute("select rolpassword from pg_authid"
                                 " where rolname = 'planwatch_test_scram'").fetchone()
        try:
            assert [t for t in conn.sent if password in t] == []
            assert stored.startswith("SCRAM-SHA-256$4096:") and password not in stored
            assert scram_matches(stored, password) and not scram_matches(stored, "mat-khau")
            server = urlparse(url)
            login = urlunparse(server._replace(netloc=f"planwatch_test_scram:{password}@"
                                                     f"{server.hostname}:{server.port or 5432}"))
            with psycopg.connect(login) as logged_in:
                assert logged_in.execute("select current_user").fetchone() == (
                    "planwatch_test_scram",)
        finally:
            conn.execute("drop role planwatch_test_scram")


def test_the_database_stamps_who_recorded_an_event_or_a_pack_and_when(warehouse) -> None:
    """A client holding the loader's login cannot write another role or a past
    time into a period event or an evidence pack's record (migration 0009)."""
    settings, url = warehouse
    with psycopg.connect(role_url(settings, url, "loader")) as conn:
        actor, occurred, now = conn.execute(
            """insert into audit.period_events (plan_code, period, action, actor, occurred_at)
               values ('THU-2024', '2024-01', 'close', 'Giám đốc (db role postgres)',
                       '2020-01-01') returning actor, occurred_at, clock_timestamp()""").fetchone()
        recorded, role = conn.execute(
            """insert into audit.evidence_packs (plan_code, agency_code, period, manifest_sha256,
                   created_by, code_version, recorded_at, recorded_by_role)
               values ('THU-2024', 'SXD', '2024-01', 'thu', 'kiem.toan', 'x', '2020-01-01',
                       'postgres') returning recorded_at, recorded_by_role""").fetchone()
        conn.rollback()
    assert actor == "Giám đốc (db role postgres) (db role planwatch_loader)"
    assert abs((now - occurred).total_seconds()) < 5 and abs((now - recorded).total_seconds()) < 5
    assert role == "planwatch_loader"
