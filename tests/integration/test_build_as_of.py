"""Compliance is judged at the build's as-of, not at each model's own now().

``planwatch build --as-of T`` pins it (``dbt build --vars {as_of: T}``); by
default it is when the dbt run started, one instant for every model. Either
way it is recorded on every row (``status_as_of_at``), so two builds at the
same as-of judge alike.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from zoneinfo import ZoneInfo

import psycopg
import pytest

from planwatch.cli import _moment
from planwatch.dbt import build_marts
from planwatch.warehouse.roles import role_url

pytestmark = pytest.mark.integration
PERIOD = "2024-02"
BEFORE_DEADLINE = datetime(2024, 2, 15, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))

STATUSES = """
select agency_code, template, compliance_status, status_as_of_at
from marts.{mart} where period = %s order by agency_code, template
"""


def _statuses(url: str, mart: str = "fct_submission") -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(STATUSES.format(mart=mart), (PERIOD,)).fetchall()


def test_a_build_as_of_a_moment_judges_due_at_that_moment(auditor_clone) -> None:
    settings, url, _ = auditor_clone("as_of")
    now_built = _statuses(url)
    assert len({row[3] for row in now_built}) == 1  # one instant for the whole build
    missing = {(a, t) for a, t, s, _ in now_built if s == "missing"}
    assert missing  # some agency sent nothing for February

    build_marts(role_url(settings, url, "transformer"), settings, as_of=BEFORE_DEADLINE)
    pinned = _statuses(url)
    assert {row[3] for row in pinned} == {BEFORE_DEADLINE}
    assert {(a, t) for a, t, s, _ in pinned if s == "not_yet_due"} == missing
    unchanged = [(a, t, s) for a, t, s, _ in now_built if (a, t) not in missing]
    assert [(a, t, s) for a, t, s, _ in pinned if (a, t) not in missing] == unchanged
    assert [r[:3] for r in _statuses(url, "mart_submission_owed")] == [r[:3] for r in pinned]


def test_an_as_of_needs_its_utc_offset() -> None:
    assert _moment("2024-03-21T00:00:00+07:00") == datetime(
        2024, 3, 21, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    with pytest.raises(argparse.ArgumentTypeError, match="no UTC offset"):
        _moment("2024-03-21T00:00:00")
