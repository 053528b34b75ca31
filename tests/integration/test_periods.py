"""Months that close: the Department closes a plan's month when it publishes and
may reopen it (with a reason); a file for a closed month is still archived,
validated and loaded, but recorded as a restatement, and its receipt says so."""

from __future__ import annotations

import json
import shutil
import threading
import time
from datetime import UTC, datetime

import psycopg
import pytest
from fixtures import HISTORICAL
from fixtures.plans import SHIPPED_PLAN

from planwatch.catalog import load_catalog
from planwatch.cli import main
from planwatch.demo.year import write_demo_year
from planwatch.flow.ingestor import Ingestor
from planwatch.ingest.files import discover_one
from planwatch.warehouse import periods
from planwatch.warehouse.roles import role_url
from planwatch.warehouse.submissions import FileWrite, SubmissionWrite, write_file

pytestmark = pytest.mark.integration
PLAN = SHIPPED_PLAN
LOADER = "planwatch_loader"


@pytest.fixture(scope="module")
def warehouse(initialised_warehouse):
    """An initialised warehouse (roles: the CLI connects as them) and two demo months."""
    settings, url = initialised_warehouse("periods")
    manifest = write_demo_year(load_catalog(settings.catalog_dir, PLAN), settings.inbox_dir,
                               months=[2, 3], progress=False)
    return settings, url, manifest


@pytest.fixture(scope="module")
def ingestor(warehouse):
    settings, url, _ = warehouse
    ingestor = Ingestor(settings, role_url(settings, url, "loader"))
    yield ingestor
    ingestor.sandbox.close()


def _loader(warehouse) -> psycopg.Connection:
    settings, url, _ = warehouse
    return psycopg.connect(role_url(settings, url, "loader"))


def _ingest(warehouse, ingestor: Ingestor, *paths: str) -> None:
    settings, _, _ = warehouse
    with psycopg.connect(ingestor.url) as conn:
        for path in paths:
            ingestor.ingest_batch(conn, [discover_one(settings.inbox_dir / path,
                                                      settings.inbox_dir)], "periods",
                                 HISTORICAL)


def _submissions(warehouse, path: str) -> list[dict]:
    _, url, _ = warehouse
    with psycopg.connect(url) as conn:
        cur = conn.execute("select submission_id, template, status, is_restatement, row_count,"
                           " version, receipt_path from audit.submissions where inbox_path = %s"
                           " order by template", (path,))
        names = [c.name for c in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _receipt(warehouse, path: str) -> tuple[dict, str]:
    settings, _, _ = warehouse
    page = settings.home / _submissions(warehouse, path)[0]["receipt_path"]
    return (json.loads(page.with_suffix(".json").read_text(encoding="utf-8")),
            page.read_text(encoding="utf-8"))


def test_a_closed_month_says_by_whom_and_since_when(warehouse) -> None:
    with _loader(warehouse) as conn:
        event = periods.close(conn, PLAN, "2024-01", actor=" Nguyễn Văn A ")
        state = periods.state(conn, PLAN, "2024-01")
        other = periods.state(conn, PLAN, "2024-09")
    assert event.action == "close" and event.reason is None
    assert event.actor == f"Nguyễn Văn A (db role {LOADER})"  # the person and the role
    assert state.closed and state.by == event.actor and state.since == event.occurred_at
    assert not other.closed and other.latest is None


def test_closing_twice_records_one_event_and_reopening_an_open_month_none(warehouse) -> None:
    with _loader(warehouse) as conn:
        first = periods.close(conn, PLAN, "2024-04", actor="A")
        with pytest.raises(periods.PeriodAlreadyClosed) as twice:
            periods.close(conn, PLAN, "2024-04", actor="B")
        with pytest.raises(periods.PeriodAlreadyOpen):
            periods.reopen(conn, PLAN, "2024-05", actor="B", reason="never closed")
        assert [e.event_id for e in periods.events(conn, PLAN, "2024-04")] == [first.event_id]
        assert periods.events(conn, PLAN, "2024-05") == []
    assert twice.value.state.latest == first
    assert "nothing recorded" in str(twice.value) and "by A (db role" in str(twice.value)


def test_reopening_needs_a_reason_and_the_history_is_kept(warehouse) -> None:
    _, url, _ = warehouse
    with _loader(warehouse) as conn:
        periods.close(conn, PLAN, "2024-06", actor="A")
        for blank in ("", "   "):
            with pytest.raises(periods.PeriodEventRefused):
                periods.reopen(conn, PLAN, "2024-06", actor="A", reason=blank)
        assert periods.state(conn, PLAN, "2024-06").closed
        periods.reopen(conn, PLAN, "2024-06", actor="A", reason="SKHDT sửa số liệu")
        assert not periods.state(conn, PLAN, "2024-06").closed
        periods.close(conn, PLAN, "2024-06", actor="A")
        history = periods.events(conn, PLAN, "2024-06")
    assert [e.action for e in history] == ["close", "reopen", "close"]
    assert history[1].reason == "SKHDT sửa số liệu"
    with psycopg.connect(url) as conn, pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("insert into audit.period_events (plan_code, period, action, actor)"
                     " values (%s, '2024-06', 'reopen', 'owner')", (PLAN,))  # the table too


def test_the_loader_appends_events_but_cannot_rewrite_them(warehouse) -> None:
    with _loader(warehouse) as conn:
        periods.close(conn, PLAN, "2024-10", actor="A")
        for statement in ("update audit.period_events set actor = 'someone else'",
                          "delete from audit.period_events"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
            conn.rollback()


def test_a_file_for_a_closed_month_is_loaded_as_a_restatement(warehouse, ingestor) -> None:
    _, url, manifest = warehouse
    march = [f for f in manifest.files if f.period == "2024-03"]
    valid = [f for f in march if f.outcome == "valid" and f.kind == "xlsx"]
    late, after_reopen = valid[0], valid[1]
    invalid = next(f for f in march if f.outcome == "invalid" and f.reason != "period_mismatch")
    with _loader(warehouse) as conn:
        closing = periods.close(conn, PLAN, "2024-03", actor="Trưởng phòng Tổng hợp")
    _ingest(warehouse, ingestor, late.path, invalid.path)

    loaded = _submissions(warehouse, late.path)
    assert loaded and all(s["is_restatement"] for s in loaded)
    assert all(s["status"].startswith("accepted") and s["row_count"] > 0 for s in loaded)
    rejected = _submissions(warehouse, invalid.path)
    assert rejected and all(s["status"] == "rejected" and s["is_restatement"] for s in rejected)
    with psycopg.connect(url) as conn:  # the rows are loaded all the same
        (rows,) = conn.execute("select count(*) from raw.tasks where submission_id = any(%s)",
                               ([s["submission_id"] for s in loaded],)).fetchone()
    assert rows == sum(s["row_count"] for s in loaded if s["template"] == "tasks")

    receipt, page = _receipt(warehouse, late.path)
    assert receipt["is_restatement"] and receipt["restatement"]["closed_by_vi"] == \
        "Sở Kế hoạch và Đầu tư"
    closed_on = closing.occurred_at.astimezone(
        datetime.fromisoformat(receipt["restatement"]["period_closed_at"]).tzinfo)
    assert f"ngày {closed_on:%d/%m/%Y}" in receipt["restatement"]["message_vi"]
    assert "số liệu điều chỉnh sau khi đã công bố" in page
    assert "không thay thế số liệu đã công bố" in page
    assert _receipt(warehouse, invalid.path)[0]["is_restatement"]

    with _loader(warehouse) as conn:
        listed = periods.restatements(conn, PLAN, "2024-03")
        periods.reopen(conn, PLAN, "2024-03", actor="A", reason="nhận bổ sung báo cáo")
    assert {r.submission_id for r in listed} == \
        {s["submission_id"] for s in loaded + rejected}
    _ingest(warehouse, ingestor, after_reopen.path)
    fresh = _submissions(warehouse, after_reopen.path)
    assert fresh and not any(s["is_restatement"] for s in fresh)
    receipt, page = _receipt(warehouse, after_reopen.path)
    assert not receipt["is_restatement"] and "điều chỉnh sau khi đã công bố" not in page


def test_a_correction_after_closing_is_a_new_version_flagged_as_a_restatement(
        warehouse, ingestor) -> None:
    settings, _, manifest = warehouse
    v2 = next(f for f in manifest.files if f.outcome == "resubmission" and f.period == "2024-02")
    _ingest(warehouse, ingestor, v2.supersedes)
    with _loader(warehouse) as conn:
        periods.close(conn, PLAN, "2024-02", actor="A")
    folder, name = v2.supersedes.rsplit("/", 1)
    resent = f"{folder}/gui-lai-{name}"  # the same bytes again, from the same agency
    shutil.copyfile(settings.inbox_dir / v2.supersedes, settings.inbox_dir / resent)
    _ingest(warehouse, ingestor, v2.path, resent)
    published, restated = _submissions(warehouse, v2.supersedes), _submissions(warehouse, v2.path)
    # Both kept: the newest version is in force, the figure as published is the
    # one that is not a restatement (what the marts' as-at-the-deadline view reads).
    assert [(s["version"], s["is_restatement"]) for s in published] == \
        [(1, False)] * len(published)
    assert [(s["version"], s["is_restatement"]) for s in restated] == \
        [(2, True)] * len(restated)
    duplicates = _submissions(warehouse, resent)
    assert duplicates and all(s["status"] == "duplicate" and s["is_restatement"]
                              and s["row_count"] == 0 for s in duplicates)
    assert _receipt(warehouse, resent)[0]["is_restatement"]


def _synthetic_file(n: int, period: str) -> FileWrite:
    sub = SubmissionWrite("tasks", "SDL", period, "rejected", plan_code=PLAN)
    return FileWrite(file_name=f"race{n}.csv", inbox_path=f"{period}/race{n}.csv",
                     file_sha256=f"{n:064x}", file_size=1, archive_path="data/archive/x",
                     received_at=datetime.now(UTC), receipt_path="r", code_version="t",
                     submissions=[sub], received_at_kind="server_clock",
                     file_modified_at=datetime.now(UTC))


def _wait_for_a_lock_wait(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for _ in range(200):
            (waiting,) = conn.execute(
                "select count(*) from pg_locks l join pg_database d on d.oid = l.database"
                " where l.locktype = 'advisory' and not l.granted"
                " and d.datname = current_database()").fetchone()
            if waiting:
                return
            time.sleep(0.05)
    raise AssertionError("nobody waited for the period's lock")


def _in_thread(target) -> threading.Thread:  # type: ignore[no-untyped-def]
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


def test_a_file_written_while_a_close_commits_waits_and_is_a_restatement(warehouse) -> None:
    _, url, _ = warehouse
    file = _synthetic_file(1, "2024-11")

    def ingest() -> None:
        with _loader(warehouse) as conn, conn.transaction():
            write_file(conn, file)

    with _loader(warehouse) as closer:
        with closer.transaction():  # the close is written, not yet committed
            periods.close(closer, PLAN, "2024-11", actor="A")
            writer = _in_thread(ingest)
            _wait_for_a_lock_wait(url)
        writer.join(timeout=30)
    assert file.submissions[0].is_restatement
    assert _submissions(warehouse, file.inbox_path)[0]["is_restatement"]


def test_a_close_waits_for_the_files_being_written_which_are_not_restatements(
        warehouse) -> None:
    _, url, _ = warehouse
    file = _synthetic_file(2, "2024-12")
    closed: list[periods.PeriodEvent] = []

    def close() -> None:
        with _loader(warehouse) as conn:
            closed.append(periods.close(conn, PLAN, "2024-12", actor="A"))

    with _loader(warehouse) as conn:
        with conn.transaction():  # the file is written, not yet committed
            write_file(conn, file)
            closer = _in_thread(close)
            _wait_for_a_lock_wait(url)
            assert not closed
        closer.join(timeout=30)
    assert closed and not file.submissions[0].is_restatement
    assert not _submissions(warehouse, file.inbox_path)[0]["is_restatement"]


def test_the_cli_closes_reopens_and_shows_a_month(warehouse, monkeypatch, capsys) -> None:
    settings, url, _ = warehouse
    monkeypatch.setenv("WAREHOUSE_URL", url)
    monkeypatch.setenv("PLANWATCH_HOME", str(settings.home))
    monkeypatch.setenv("PLANWATCH_ACTOR", "Phòng Tổng hợp")

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    code, out, _ = run("period", "close", "2024-08")
    assert code == 0 and f"{PLAN} 2024-08 closed at" in out
    assert f"by Phòng Tổng hợp (db role {LOADER})" in out
    code, out, _ = run("period", "close", "2024-08", "--by", "Người khác")
    assert code == 0 and "is closed since" in out and "nothing recorded" in out
    code, _, err = run("period", "reopen", "2024-08", "--reason", "  ")
    assert code == 2 and "needs a reason" in err and "Traceback" not in err
    code, _, err = run("period", "close", "2024-08", "--plan", "NO-SUCH-PLAN")
    assert code == 2 and "unknown plan" in err
    code, out, _ = run("period", "reopen", "2024-08", "--reason", "Sở Tài chính gửi lại",
                       "--by", "Trần Văn C", "--plan", PLAN)
    assert code == 0 and f"{PLAN} 2024-08 reopened at" in out and "Trần Văn C" in out
    code, out, _ = run("period", "reopen", "2024-08", "--reason", "lần nữa")
    assert code == 0 and "is open since" in out and "nothing recorded" in out

    code, out, _ = run("period", "status", "2024-08")
    assert code == 0
    table = out.splitlines()
    assert table[1].split()[:3] == [PLAN, "2024-08", "open"]
    assert "reopened: Sở Tài chính gửi lại" in table[1]
    assert "events" in table
    code, out, _ = run("period", "status")
    months = [line.split()[1] for line in out.splitlines()[1:]]
    assert code == 0 and months == [f"2024-{m:02d}" for m in range(1, 13)]
    assert out.splitlines()[8].split()[:3] == [PLAN, "2024-08", "open"]
    with psycopg.connect(url) as conn:
        actions = [r[0] for r in conn.execute(
            "select action from audit.period_events where period = '2024-08' order by event_id")]
    assert actions == ["close", "reopen"]
