"""The marts judge timeliness by the working-day calendar Python uses.

On a copy of the demo year: every month's deadline in ``marts.dim_month`` is
the one ``vocabulary.calendar`` gives (May 2024's last day moved off Sunday the
19th to Monday the 20th); then a May 2024 file received on Monday 20/05/2024 at
10:00 local time is on time in the compliance marts, and one received at 00:00:30
on Tuesday the 21st is late. A calendar or deadline setting that would move the
deadline of a closed (published) month is refused until that month is reopened."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from zoneinfo import ZoneInfo

import psycopg
import pytest
from fixtures.plans import SHIPPED_PLAN
from fixtures.scenarios import CLOSED

from planwatch.vocabulary.calendar import SEED_FILE, deadline_of
from planwatch.warehouse import periods
from planwatch.warehouse.mart_builds import (
    ClosedMonthDeadlineMoved,
    build_marts,
    finish_build,
    plan_build,
)
from planwatch.warehouse.roles import role_url

pytestmark = pytest.mark.integration
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
MAY = "2024-05"
MONDAY_MORNING = dt.datetime(2024, 5, 20, 10, tzinfo=HCM)
TUESDAY_MIDNIGHT = dt.datetime(2024, 5, 21, 0, 0, 30, tzinfo=HCM)


def test_the_marts_deadlines_are_the_calendars(demo_year) -> None:
    settings, url, _ = demo_year
    with psycopg.connect(url) as conn:
        months = conn.execute("select period, deadline_last_day, deadline_at, on_time_before_at"
                              " from marts.dim_month where month_key <> -1").fetchall()
    assert len(months) >= 12
    for period, last_day, deadline_at, on_time_before_at in months:
        expected = deadline_of(period, settings)
        assert (last_day, deadline_at, on_time_before_at) == (
            expected.last_day, expected.deadline_at, expected.on_time_before_at), period
    by_period = {row[0]: row[1] for row in months}
    assert by_period[MAY] == dt.date(2024, 5, 20)
    assert by_period["2024-10"] == dt.date(2024, 10, 21)  # 19/10/2024: a Saturday
    assert by_period["2024-03"] == dt.date(2024, 3, 19)


def _status(conn: psycopg.Connection, key: tuple[str, str, str]) -> str:
    return conn.execute("select compliance_status from marts.fct_submission where plan_code = %s"
                        " and agency_code = %s and template = %s and period = %s",
                        (*key, MAY)).fetchone()[0]


def test_a_file_received_monday_20_may_2024_is_on_time_and_tuesday_00_00_30_late(
        year_clone) -> None:
    settings, url, _ = year_clone("calendar")
    with psycopg.connect(url) as conn:
        received = conn.execute(
            "select plan_code, agency_code, template from marts.fct_submission"
            " where period = %s and compliance_status in ('on_time', 'late')"
            " order by agency_code, template limit 2", (MAY,)).fetchall()
        assert len(received) == 2
        # The two agency-templates' files arrive, in the order they came, from
        # these instants on (a minute apart).
        for key, first in zip(received, (MONDAY_MORNING, TUESDAY_MIDNIGHT), strict=True):
            conn.execute("""
                update audit.submissions as s
                set received_at = %s + (ordered.n - 1) * interval '1 minute'
                from (select submission_id,
                             row_number() over (order by received_at, submission_id) as n
                      from audit.submissions
                      where plan_code = %s and agency_code = %s and template = %s
                        and period = %s) as ordered
                where s.submission_id = ordered.submission_id""", (first, *key, MAY))
    build_marts(role_url(settings, url, "transformer"), settings, named=[(received[0][0], MAY)])
    with psycopg.connect(url) as conn:
        on_time, late = received
        assert _status(conn, on_time) == "on_time"
        assert _status(conn, late) == "late"
        first_accepted, days_late = conn.execute(
            "select first_accepted_at, days_late from marts.fct_submission where plan_code = %s"
            " and agency_code = %s and template = %s and period = %s", (*late, MAY)).fetchone()
        assert first_accepted >= TUESDAY_MIDNIGHT and days_late == 1
        # Under the calendar day alone (rule none) Monday would have been late.
        assert MONDAY_MORNING >= deadline_of(
            MAY, _with_rule(settings, "none")).on_time_before_at


def _with_rule(settings, rule: str):  # type: ignore[no-untyped-def]
    return dataclasses.replace(settings, deadline_rule=rule)


def _mart_builds(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("select count(*) from audit.mart_builds").fetchone()[0]


def test_a_build_that_would_move_a_closed_months_deadline_is_refused_until_it_is_reopened(
        auditor_clone, tmp_path) -> None:
    """January 2024 is closed (published). A day off added to the calendar on its last
    day to send (Friday 19/01), or another deadline day, would judge it anew with no
    trace: the build is refused, recording nothing, until January is reopened."""
    settings, url, _ = auditor_clone("closed_deadline")
    project = tmp_path / "project"
    shutil.copytree(settings.dbt_project_dir, project / settings.dbt_project_dir.name)
    seed = project / SEED_FILE
    text = seed.read_text(encoding="utf-8")
    seed.write_text(text.replace("2024-01-19,true,2024-01-19,",
                                 "2024-01-19,false,2024-01-22,Nghỉ bù (thử)"), encoding="utf-8")
    day_off = dataclasses.replace(settings, project_dir=project)
    assert deadline_of(CLOSED, day_off).last_day == dt.date(2024, 1, 22)
    other_day = dataclasses.replace(settings, deadline_day=25)
    transformer = role_url(settings, url, "transformer")  # who builds
    builds = _mart_builds(url)
    with psycopg.connect(transformer, autocommit=True) as conn:
        for moved in (day_off, other_day):
            with pytest.raises(ClosedMonthDeadlineMoved) as refused:
                plan_build(conn, moved)
            assert f"{SHIPPED_PLAN} {CLOSED}: on time before 2024-01-20T00:00:00+07:00" \
                in str(refused.value)
            assert "2024-02" not in str(refused.value)  # February is open
        assert _mart_builds(url) == builds  # nothing recorded
        finish_build(conn, plan_build(conn, settings), succeeded=False)  # unchanged: runs
    with psycopg.connect(role_url(settings, url, "loader")) as conn:
        periods.reopen(conn, SHIPPED_PLAN, CLOSED, actor="Kiểm tra viên",
                       reason="Bổ sung ngày nghỉ bù")
    with psycopg.connect(transformer, autocommit=True) as conn:
        plan = plan_build(conn, day_off)
        finish_build(conn, plan, succeeded=False)
    # Not refused: it rebuilds January on (the reopening recorded it changed).
    assert plan.slices == {"plans": {SHIPPED_PLAN: 202401}, "unplaced": False}
