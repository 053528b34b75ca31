"""A build rebuilds the plan-months that changed, and gives the rows a full
refresh would.

One warehouse with two plans goes through a sequence, built after each step
as the service builds (``warehouse.mart_builds.build_marts``: the changes the
ingest and ``planwatch period`` recorded, the deadlines passed since the last
build's as-of):

1. two months of the shipped plan arrive, but for a late correction of
   January; built as of a moment before February's deadline (the first build:
   whole);
2. the late correction arrives, then January is closed and a correction of
   it arrives (a restatement): January on is rebuilt;
3. February's deadline passes with an agency's file missing: time alone turns
   its rows from "not yet due" to "missing", and only February on is rebuilt;
4. the second plan's first months arrive: only that plan is rebuilt.

Then a ``--full-refresh`` at the same as-of rebuilds every table from nothing,
and every table of ``intermediate`` and ``marts`` must hold the same rows
(a checksum per table). That nothing else was rewritten is read from
PostgreSQL itself: a row an UPDATE or INSERT wrote has a new ``xmin`` (the
transaction that wrote it), so the rows of the plan-months a step did not
touch must keep theirs.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
from datetime import datetime
from zoneinfo import ZoneInfo

import psycopg
import pytest
from fixtures.plans import FIXTURE_PLAN, project_with_fixture_plan
from fixtures.scenarios import _restated_file

from planwatch.catalog import load_catalogs
from planwatch.cli import _moment
from planwatch.demo.year import write_demo_year
from planwatch.flow.ingestor import Ingestor
from planwatch.warehouse import periods
from planwatch.warehouse.init import init_warehouse
from planwatch.warehouse.mart_builds import build_marts

pytestmark = pytest.mark.integration
SHIPPED = "TTH-2024"
HUE = ZoneInfo("Asia/Ho_Chi_Minh")
BEFORE_FEBRUARY_DEADLINE = datetime(2024, 2, 15, 9, 0, tzinfo=HUE)
AFTER_FEBRUARY_DEADLINE = datetime(2024, 2, 21, 9, 0, tzinfo=HUE)

# Columns that say when a slice was judged, not what it holds: a slice a later
# build did not touch keeps the as-of of the build that wrote it.
WHEN_BUILT = {"status_as_of_at"}
TABLES = """
select table_schema, table_name from information_schema.tables
where table_schema in ('intermediate', 'marts') and table_type = 'BASE TABLE'
order by 1, 2
"""
COLUMNS = """
select column_name from information_schema.columns
where table_schema = %s and table_name = %s order by ordinal_position
"""
# The row versions of one plan's months of the facts: (table, month, xmin, ctid).
WRITTEN = """
select '{table}', month_key, xmin::text, ctid::text from marts.{table}
where plan_code = %(plan)s
"""
FACTS = ("fct_submission", "fct_task_progress", "fct_indicator_value", "fct_disbursement",
         "fct_data_quality", "mart_compliance_to_date", "mart_period_status")


def _checksums(url: str) -> dict[str, tuple[int, str]]:
    """Each table of intermediate and marts -> (rows, md5 of its sorted rows)."""
    out = {}
    with psycopg.connect(url) as conn:
        for schema, table in conn.execute(TABLES).fetchall():
            columns = [c for (c,) in conn.execute(COLUMNS, (schema, table)) if c not in WHEN_BUILT]
            listed = ", ".join(f'"{c}"' for c in columns)
            out[f"{schema}.{table}"] = conn.execute(
                f"select count(*), md5(coalesce(string_agg(r::text, '|' order by r::text), ''))"
                f" from (select {listed} from {schema}.{table}) r").fetchone()
    return out


def _written(url: str, plan: str) -> dict[tuple[str, int], set[tuple[str, str]]]:
    """(table, month) -> the (xmin, ctid) of its rows of ``plan``."""
    out: dict[tuple[str, int], set[tuple[str, str]]] = {}
    with psycopg.connect(url) as conn:
        for table in FACTS:
            for name, month, xmin, ctid in conn.execute(WRITTEN.format(table=table),
                                                        {"plan": plan}):
                out.setdefault((name, month), set()).add((xmin, ctid))
    return out


def _rewritten(before: dict, after: dict) -> set[int]:
    """The months of which some table's rows were written again (or added)."""
    return {month for key, rows in after.items() for month in [key[1]]
            if before.get(key) != rows}


def _statuses(url: str, period: str) -> dict[tuple[str, str], str]:
    """(agency, template) -> status in fct_submission, the same in mart_submission_owed."""
    found = []
    with psycopg.connect(url) as conn:
        for mart in ("fct_submission", "mart_submission_owed"):
            found.append({(a, t): s for a, t, s in conn.execute(
                f"select agency_code, template, compliance_status from marts.{mart}"
                " where plan_code = %s and period = %s", (SHIPPED, period))})
    assert found[0] == found[1]
    return found[0]


@pytest.fixture(scope="module")
def warehouse(new_warehouse, tmp_path_factory: pytest.TempPathFactory):
    base, url = new_warehouse("incremental")
    project = project_with_fixture_plan(tmp_path_factory.mktemp("incremental_project"))
    settings = dataclasses.replace(base, project_dir=project)
    init_warehouse(url, settings)
    return settings, url


def test_incremental_builds_give_what_a_full_refresh_gives(warehouse) -> None:
    settings, url = warehouse
    catalogs = load_catalogs(settings.seeds_dir)
    inbox, held = settings.inbox_dir, settings.home / "held"
    held.mkdir()
    manifest = write_demo_year(catalogs.get(SHIPPED), inbox, months=[1, 2], progress=False)
    late = max((f for f in manifest.files if f.outcome == "resubmission" and f.is_late
                and f.period == "2024-01"), key=lambda f: f.arrival_at)
    shutil.move(inbox / late.path, held / "late")
    ingestor = Ingestor(settings, url)

    def build(as_of: datetime):  # type: ignore[no-untyped-def]
        return build_marts(url, settings, as_of=as_of)

    # 1. January and February but for the late correction: the first build is whole.
    ingestor.ingest_inbox(inbox, progress=False)
    first = build(BEFORE_FEBRUARY_DEADLINE)
    assert first.slices is None and first.reason == "first build"
    not_yet_due = {k for k, s in _statuses(url, "2024-02").items() if s == "not_yet_due"}
    assert not_yet_due  # an agency has sent nothing for February yet
    with psycopg.connect(url) as conn:  # judged at the build's as-of, recorded on each row
        assert conn.execute("select distinct status_as_of_at from marts.fct_submission"
                            ).fetchall() == [(BEFORE_FEBRUARY_DEADLINE,)]

    # 2. The late correction of January, then January closed and corrected again
    # (a restatement): the shipped plan from January on.
    shutil.move(held / "late", inbox / late.path)
    ingestor.ingest_inbox(inbox, progress=False)
    with psycopg.connect(url) as conn:
        periods.close(conn, SHIPPED, "2024-01", actor="Kiểm tra viên")
    _restated_file(settings, catalogs.get(SHIPPED), manifest)
    ingestor.ingest_inbox(inbox, progress=False)
    second = build(BEFORE_FEBRUARY_DEADLINE)
    assert second.slices == {"plans": {SHIPPED: 202401}, "unplaced": False}
    with psycopg.connect(url) as conn:
        assert conn.execute("select count(*) from marts.mart_restatements where plan_code = %s"
                            " and period = '2024-01' and is_restatement",
                            (SHIPPED,)).fetchone()[0] > 0

    # 3. February's deadline passes with no new file: February on, and January untouched.
    before = _written(url, SHIPPED)
    third = build(AFTER_FEBRUARY_DEADLINE)
    assert third.slices == {"plans": {SHIPPED: 202402}, "unplaced": False}
    after = _written(url, SHIPPED)
    assert 202402 in _rewritten(before, after)
    assert 202401 not in _rewritten(before, after)
    missing = {k for k, s in _statuses(url, "2024-02").items() if s == "missing"}
    assert missing == not_yet_due

    # 4. The second plan's first months: that plan alone.
    write_demo_year(catalogs.get(FIXTURE_PLAN), inbox, months=[1, 2], progress=False)
    ingestor.ingest_inbox(inbox, progress=False)
    before = _written(url, SHIPPED)
    fourth = build(AFTER_FEBRUARY_DEADLINE)
    assert set(fourth.slices["plans"]) == {FIXTURE_PLAN}
    assert _written(url, SHIPPED) == before  # not one row of the shipped plan rewritten
    assert _written(url, FIXTURE_PLAN)

    incremental = _checksums(url)
    full = build_marts(url, settings, as_of=AFTER_FEBRUARY_DEADLINE, full_refresh=True)
    assert full.slices is None and full.full_refresh
    rebuilt = _checksums(url)
    assert rebuilt.keys() == incremental.keys()
    differ = {table: (incremental[table], rebuilt[table]) for table in rebuilt
              if rebuilt[table] != incremental[table]}
    assert differ == {}
    assert incremental["marts.fct_submission"][0] > 0
    with psycopg.connect(url) as conn:
        assert conn.execute("select count(*) from audit.changed_slices").fetchone()[0] == 0
        assert [r for (r,) in conn.execute(
            "select succeeded from audit.mart_builds order by build_id")] == [True] * 5


def test_an_as_of_needs_its_utc_offset() -> None:
    assert _moment("2024-03-21T00:00:00+07:00") == datetime(2024, 3, 21, tzinfo=HUE)
    with pytest.raises(argparse.ArgumentTypeError, match="no UTC offset"):
        _moment("2024-03-21T00:00:00")
