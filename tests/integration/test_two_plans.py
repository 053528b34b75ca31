"""Two plans in one warehouse: the shipped plan and the made-up fixture plan
(``tests/fixtures/plans/mau_2031``) go through ingest and the dbt build side by
side, and compliance, attainment and disbursement stay apart by plan."""

from __future__ import annotations

import csv
import dataclasses
from collections import defaultdict

import psycopg
import pytest
from fixtures.plans import FIXTURE, FIXTURE_PLAN, project_with_fixture_plan

from planwatch.catalog import load_catalogs
from planwatch.demo.year import write_demo_year
from planwatch.flow.ingestor import Ingestor
from planwatch.warehouse.init import init_warehouse
from planwatch.warehouse.mart_builds import build_marts

pytestmark = pytest.mark.integration
SHIPPED = "TTH-2024"


@pytest.fixture(scope="module")
def warehouse(new_warehouse, tmp_path_factory: pytest.TempPathFactory):
    base, url = new_warehouse("two_plans")
    project = project_with_fixture_plan(tmp_path_factory.mktemp("two_plans_project"))
    settings = dataclasses.replace(base, project_dir=project)
    init_warehouse(url, settings)
    catalogs = load_catalogs(settings.seeds_dir)
    write_demo_year(catalogs.get(SHIPPED), settings.inbox_dir, months=[1, 2], progress=False)
    write_demo_year(catalogs.get(FIXTURE_PLAN), settings.inbox_dir, months=[1, 2, 3],
                    progress=False)
    Ingestor(settings, url).ingest_inbox(settings.inbox_dir, progress=False)
    build_marts(url, settings)
    return settings, url, catalogs


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
    _, url, _ = warehouse
    found = _query(url, "select distinct plan_code, left(period, 4) from audit.submissions"
                        " where plan_code is not null order by 1")
    assert found == [(FIXTURE_PLAN, "2031"), (SHIPPED, "2024")]


def test_both_plans_and_their_agencies_are_dimensions_of_their_own(warehouse) -> None:
    _, url, catalogs = warehouse
    plans = {code for (code,) in _query(url, "select plan_code from marts.dim_plan"
                                             " where plan_key <> -1")}
    assert plans == {SHIPPED, FIXTURE_PLAN}
    skhdt = _query(url, "select plan_code, agency_key, agency_name_vi from marts.dim_agency"
                        " where agency_code = 'SKHDT' order by plan_code")
    assert [r[0] for r in skhdt] == [FIXTURE_PLAN, SHIPPED]
    assert skhdt[0][1] != skhdt[1][1]
    assert skhdt[0][2] == catalogs.get(FIXTURE_PLAN).agency("SKHDT").name_vi


def test_compliance_is_owed_per_plan(warehouse) -> None:
    _, url, catalogs = warehouse
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
    _, url, _ = warehouse
    mixed = _query(url, """
        select f.plan_code, i.plan_code, f.indicator_code
        from marts.fct_indicator_value f join marts.dim_indicator i using (indicator_key)
        where f.plan_code <> i.plan_code or f.target_low is distinct from i.target_low""")
    assert mixed == []
    fixture = _query(url, "select indicator_code, count(*) from marts.fct_indicator_value"
                          " where plan_code = %s group by 1 order by 1", FIXTURE_PLAN)
    assert [code for code, _ in fixture] == ["CT-01", "CT-02", "CT-03"]


def test_disbursement_is_kept_apart_by_plan(warehouse) -> None:
    _, url, _ = warehouse
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

