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
3. February's deadline passes with an agency's file missing, and a second
   plan's catalog and first months arrive: time alone turns the shipped plan's
   February rows from "not yet due" to "missing"; that plan is rebuilt from
   February on, its January not at all, and the second plan whole.

Steps 1 and 3 change a catalog (the first build, a plan added) and rebuild the
dimensions; step 2 changes only data, and its build leaves them as they were.

Then a ``--full-refresh`` at the same as-of rebuilds every table from nothing,
and every table of ``intermediate`` and ``marts`` must hold the same rows
(a checksum per table). That nothing else was rewritten is read from
PostgreSQL itself: a row an UPDATE or INSERT wrote has a new ``xmin`` (the
transaction that wrote it), so the rows of the plan-months a step did not
touch must keep theirs.

The same warehouse then shows two plans side by side (the shipped plan and the
made-up fixture plan, ``tests/fixtures/plans/mau_2031``): compliance,
attainment and disbursement stay apart by plan.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import shutil
import subprocess
from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

import psycopg
import pytest
from fixtures import HISTORICAL
from fixtures.plans import FIXTURE, FIXTURE_PLAN, project_with_fixture_plan
from fixtures.scenarios import _restated_file

from planwatch.catalog import load_catalogs
from planwatch.cli.common import moment_arg as _moment
from planwatch.dbt import run_dbt
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


def _models_built(settings) -> set[str]:  # type: ignore[no-untyped-def]
    """The models the last build ran (its ``run_results.json``)."""
    results = json.loads(settings.dbt_build_results.read_text(encoding="utf-8"))["results"]
    return {r["unique_id"].split(".")[-1] for r in results
            if r["unique_id"].startswith("model.")}


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
def warehouse(initialised_warehouse, tmp_path_factory: pytest.TempPathFactory):
    """The sequence of the module docstring, checked as it goes; then the full
    refresh. Gives (settings, url, catalogs, checksums before, checksums after)."""
    # The shipped plan's catalog (a copy of the warehouse just after init); the
    # second plan's comes in step 3.
    base, url = initialised_warehouse("incremental")
    project = project_with_fixture_plan(tmp_path_factory.mktemp("incremental_project"))
    settings = dataclasses.replace(base, project_dir=project)
    catalogs = load_catalogs(settings.catalog_dir)
    incremental = _incremental_sequence(settings, url, catalogs)
    full = build_marts(url, settings, as_of=AFTER_FEBRUARY_DEADLINE, full_refresh=True)
    assert full.slices is None and full.full_refresh
    return settings, url, catalogs, incremental, _checksums(url)


def _incremental_sequence(settings, url, catalogs) -> dict:  # type: ignore[no-untyped-def]
    """Steps 1 to 3, each built incrementally and checked; the checksums at the end."""
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
    ingestor.ingest_inbox(inbox, progress=False, dating=HISTORICAL)
    first = build(BEFORE_FEBRUARY_DEADLINE)
    assert first.slices is None and first.reason == "first build" and first.full_refresh
    not_yet_due = {k for k, s in _statuses(url, "2024-02").items() if s == "not_yet_due"}
    assert not_yet_due  # an agency has sent nothing for February yet
    with psycopg.connect(url) as conn:  # judged at the build's as-of, recorded on each row
        assert conn.execute("select distinct status_as_of_at from marts.fct_submission"
                            ).fetchall() == [(BEFORE_FEBRUARY_DEADLINE,)]

    # 2. The late correction of January, then January closed and corrected again
    # (a restatement): the shipped plan from January on.
    shutil.move(held / "late", inbox / late.path)
    ingestor.ingest_inbox(inbox, progress=False, dating=HISTORICAL)
    with psycopg.connect(url) as conn:
        periods.close(conn, SHIPPED, "2024-01", actor="Kiểm tra viên")
    _restated_file(settings, catalogs.get(SHIPPED), manifest)
    ingestor.ingest_inbox(inbox, progress=False, dating=HISTORICAL)
    second = build(BEFORE_FEBRUARY_DEADLINE)
    assert second.slices == {"plans": {SHIPPED: 202401}, "unplaced": False}
    assert not second.catalog_changed  # the dimensions were not rebuilt
    assert "dim_agency" not in _models_built(settings)
    assert "fct_task_progress" in _models_built(settings)
    with psycopg.connect(url) as conn:
        assert conn.execute("select count(*) from marts.mart_restatements where plan_code = %s"
                            " and period = '2024-01' and is_restatement",
                            (SHIPPED,)).fetchone()[0] > 0

    # 3. February's deadline passes with no new file of the shipped plan, and the
    # second plan's first months arrive: the shipped plan from February on and
    # the second plan; the shipped plan's January untouched.
    init_warehouse(url, settings)  # the second plan's catalog
    write_demo_year(catalogs.get(FIXTURE_PLAN), inbox, months=[1, 2, 3], progress=False)
    ingestor.ingest_inbox(inbox, progress=False, dating=HISTORICAL)
    before = _written(url, SHIPPED)
    third = build(AFTER_FEBRUARY_DEADLINE)
    assert third.slices["plans"] == {SHIPPED: 202402, FIXTURE_PLAN: 0}
    assert third.catalog_changed and "dim_agency" in _models_built(settings)
    rewritten = _rewritten(before, _written(url, SHIPPED))
    assert 202402 in rewritten
    assert 202401 not in rewritten  # not one row of January rewritten
    assert _written(url, FIXTURE_PLAN)
    missing = {k for k, s in _statuses(url, "2024-02").items() if s == "missing"}
    assert missing == not_yet_due

    return _checksums(url)


def test_incremental_builds_give_what_a_full_refresh_gives(warehouse) -> None:
    _, url, _, incremental, rebuilt = warehouse
    assert rebuilt.keys() == incremental.keys()
    differ = {table: (incremental[table], rebuilt[table]) for table in rebuilt
              if rebuilt[table] != incremental[table]}
    assert differ == {}
    assert incremental["marts.fct_submission"][0] > 0
    with psycopg.connect(url) as conn:
        assert conn.execute("select count(*) from audit.changed_slices").fetchone()[0] == 0
        assert [r for (r,) in conn.execute(
            "select succeeded from audit.mart_builds order by build_id")] == [True] * 4


def test_an_as_of_needs_its_utc_offset() -> None:
    assert _moment("2024-03-21T00:00:00+07:00") == datetime(2024, 3, 21, tzinfo=HUE)
    with pytest.raises(argparse.ArgumentTypeError, match="no UTC offset"):
        _moment("2024-03-21T00:00:00")


# Two plans side by side (the warehouse at the end of the sequence): every figure
# stays with its plan.

def _query(url: str, sql: str, *params: object) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


def _owed_by_fixture_plan() -> set[tuple[str, str]]:
    """(agency, template) the fixture plan's agencies owe each month, read from its
    CSV rows here, independently of planwatch's catalog code."""
    def rows(name: str) -> list[dict[str, str]]:
        with (FIXTURE / name).open(encoding="utf-8") as fh:
            return list(csv.DictReader(fh))
    leads = {r["agency_code"] for r in rows("plan_agencies.csv") if r["role"] == "lead"}
    owed = {(r["lead_agency_code"], "tasks") for r in rows("plan_tasks.csv")}
    owed |= {(r["lead_agency_code"], "indicators") for r in rows("plan_indicators.csv")}
    owed |= {(r["lead_agency_code"], "disbursement") for r in rows("plan_projects.csv")
             if r["funding"] == "public"}
    return {o for o in owed if o[0] in leads}


def test_every_submission_reports_to_the_plan_of_its_year(warehouse) -> None:
    _, url, *_ = warehouse
    found = _query(url, "select distinct plan_code, left(period, 4) from audit.submissions"
                        " where plan_code is not null order by 1")
    assert found == [(FIXTURE_PLAN, "2031"), (SHIPPED, "2024")]


def test_both_plans_and_their_agencies_are_dimensions_of_their_own(warehouse) -> None:
    _, url, catalogs, *_ = warehouse
    plans = {code for (code,) in _query(url, "select plan_code from marts.dim_plan"
                                             " where plan_key <> -1")}
    assert plans == {SHIPPED, FIXTURE_PLAN}
    skhdt = _query(url, "select plan_code, agency_key, agency_name_vi from marts.dim_agency"
                        " where agency_code = 'SKHDT' order by plan_code")
    assert [r[0] for r in skhdt] == [FIXTURE_PLAN, SHIPPED]
    assert skhdt[0][1] != skhdt[1][1]
    assert skhdt[0][2] == catalogs.get(FIXTURE_PLAN).agency("SKHDT").name_vi


def test_every_mart_has_planner_statistics_after_a_build(warehouse) -> None:
    """A dimension of tens of rows is below autovacuum's threshold: without the
    marts' post-hook ``analyze`` the planner would guess, and scan a fact per row."""
    _, url, *_ = warehouse
    unanalysed = _query(url, """select relname from pg_stat_user_tables
                               where schemaname = 'marts' and last_analyze is null
                                 and last_autoanalyze is null""")
    assert unanalysed == []
    assert _query(url, "select count(*) from pg_stats where schemaname = 'marts'"
                       " and tablename = 'dim_plan'")[0][0] > 0


def test_compliance_is_owed_per_plan(warehouse) -> None:
    _, url, catalogs, *_ = warehouse
    rows = _query(url, "select plan_code, period, agency_code, template"
                       " from marts.fct_submission")
    by_plan: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for plan, period, agency, template in rows:
        by_plan[plan][period].add((agency, template))
    assert set(by_plan[FIXTURE_PLAN]) == {"2031-01", "2031-02", "2031-03"}
    assert all(owed == _owed_by_fixture_plan() for owed in by_plan[FIXTURE_PLAN].values())
    shipped = catalogs.get(SHIPPED)
    expected = {(a.agency_code, t) for a in shipped.reporting_agencies()
                for t in shipped.templates_of(a.agency_code)}
    assert set(by_plan[SHIPPED]) == {"2024-01", "2024-02"}
    assert all(owed == expected for owed in by_plan[SHIPPED].values())
    compliance = _query(url, "select plan_code, count(*) from marts.mart_submission_compliance"
                             " group by 1 order by 1")
    assert dict(compliance) == {FIXTURE_PLAN: 3, SHIPPED: len(shipped.reporting_agencies())}


def test_indicators_are_judged_against_their_own_plans_targets(warehouse) -> None:
    _, url, *_ = warehouse
    mixed = _query(url, """
        select f.plan_code, i.plan_code, f.indicator_code
        from marts.fct_indicator_value f join marts.dim_indicator i using (indicator_key)
        where f.plan_code <> i.plan_code or f.target_low is distinct from i.target_low""")
    assert mixed == []
    fixture = _query(url, "select indicator_code, count(*) from marts.fct_indicator_value"
                          " where plan_code = %s group by 1 order by 1", FIXTURE_PLAN)
    assert [code for code, _ in fixture] == ["CT-01", "CT-02", "CT-03"]


def test_disbursement_is_kept_apart_by_plan(warehouse) -> None:
    _, url, *_ = warehouse
    progress = _query(url, "select plan_code, period, ytd_disbursed_vnd"
                           " from marts.mart_disbursement_progress order by 1, 2")
    periods = defaultdict(list)
    for plan, period, _ in progress:
        periods[plan].append(period)
    assert periods[FIXTURE_PLAN] == ["2031-01", "2031-02", "2031-03"]
    assert periods[SHIPPED] == ["2024-01", "2024-02"]
    fixture_projects = {p for (p,) in _query(
        url, "select distinct project_code from marts.fct_disbursement where plan_code = %s",
        FIXTURE_PLAN)}
    assert fixture_projects <= {"DA-01", "DA-02"}  # DA-03 is a private investor's
    (last,) = _query(url, """
        select sum(ytd_disbursed_vnd) from marts.fct_disbursement
        where plan_code = %s and period = '2031-03'""", FIXTURE_PLAN)
    assert progress[[p for p, _, _ in progress].index(FIXTURE_PLAN) + 2][2] >= (last[0] or 0)



def test_a_builds_data_tests_read_the_slices_it_rebuilt(warehouse) -> None:
    """Last in the module (it builds once more). The data tests of a model
    rebuilt by slice read that build's slices only: a row no build rewrote was
    tested by the build that wrote it. Run whole, the same tests read every row."""
    settings, url, *_ = warehouse
    with psycopg.connect(url) as conn:
        key, status = conn.execute(
            "select submission_key, compliance_status from marts.fct_submission"
            " where plan_code = %s and month_key = 202401 limit 1", (SHIPPED,)).fetchone()
        conn.execute("update marts.fct_submission set compliance_status = 'not_a_status'"
                     " where submission_key = %s", (key,))  # outside the next build's slices
    try:
        built = build_marts(url, settings, as_of=AFTER_FEBRUARY_DEADLINE,
                            named=[(FIXTURE_PLAN, "2031-03")])
        assert built.slices == {"plans": {FIXTURE_PLAN: 203103}, "unplaced": False}
        with pytest.raises(subprocess.CalledProcessError):  # no build running: every row
            run_dbt(["test", "--quiet", "--select", "fct_submission,test_type:generic"], url,
                    settings)
    finally:
        with psycopg.connect(url) as conn:
            conn.execute("update marts.fct_submission set compliance_status = %s"
                         " where submission_key = %s", (status, key))
