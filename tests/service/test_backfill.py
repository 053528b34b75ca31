"""``planwatch backfill`` re-runs past months through the service's scheduler.

The service here does not poll the inbox (``PLANWATCH_INBOX_POLL_MINUTES=0``),
so what is ingested is what the backfill's runs took. Two months land, the
backfill ingests them month by month and rebuilds the marts; a second backfill
of the same months finds nothing new, changes nothing, and still rebuilds. The
service is the one ``test_celery.py`` used before (``shared_service``), with
what it landed: these months are the next two (May holds a file sent twice, the
same bytes, at once).
"""

from __future__ import annotations

import re

import psycopg
import pytest
from fixtures.outcomes import assert_loaded_once, assert_outcomes, submissions

pytestmark = [pytest.mark.service, pytest.mark.airflow]
MONTHS = ("2024-04", "2024-05")


@pytest.fixture(scope="module")
def backfilled(shared_service):
    service = shared_service
    service.api().pause("warehouse__build", False)  # the Celery fault tests paused it
    files = [f for period in MONTHS for f in service.land(period)]
    first = service.cli("backfill", "--from", MONTHS[0], "--to", MONTHS[-1], timeout=900)
    return service, files, first


def _lines(output: str) -> list[list[str]]:
    return [line.split() for line in output.splitlines() if line.startswith("  ")]


def test_each_month_is_ingested_by_a_run_of_its_own_then_the_marts_built(backfilled) -> None:
    service, files, first = backfilled
    assert first.returncode == 0, first.stdout + first.stderr
    lines = _lines(first.stdout)
    assert [(w[0], w[1], w[2]) for w in lines] == [
        *(("submissions__ingest", month, "success") for month in MONTHS),
        ("warehouse__build", "marts", "success")]
    for period, line in zip(MONTHS, lines, strict=False):
        count = sum(1 for f in files if f.period == period)
        assert re.search(rf", {count} new file\(s\)", " ".join(line)), line
    runs = [r for r in service.api().runs("submissions__ingest")
            if set(r["conf"].get("periods", ())) & set(MONTHS)]
    assert sorted(r["conf"]["periods"] for r in runs) == [[m] for m in MONTHS]
    assert {r["run_type"] for r in runs} == {"manual"}
    assert_outcomes(service.url, service.landed)  # these and what came before
    assert_loaded_once(service.url, service.settings, service.landed)
    with psycopg.connect(service.url) as conn:
        periods = {p for (p,) in conn.execute(
            "select distinct period from marts.fct_submission")}
    assert set(MONTHS) <= periods


def test_a_second_backfill_finds_nothing_new_and_changes_nothing(backfilled) -> None:
    service, _, _ = backfilled
    before = submissions(service.url)
    again = service.cli("backfill", "--from", MONTHS[0], "--to", MONTHS[-1], timeout=900)
    assert again.returncode == 0, again.stdout + again.stderr
    lines = _lines(again.stdout)
    assert [w[2] for w in lines] == ["success"] * 3
    assert all("nothing new" in " ".join(w) for w in lines[:2])
    assert submissions(service.url) == before
    assert_loaded_once(service.url, service.settings, service.landed)
    # This build read the project as the first left it parsed: only what changed is
    # parsed again (Settings.dbt_parse_cache), not the whole project.
    logs = sorted((service.settings.airflow_home / "logs" / "tasks"
                   / "dag_id=warehouse__build").rglob("*.log"), key=lambda p: p.stat().st_mtime)
    assert len(logs) >= 2
    last = logs[-1].read_text(encoding="utf-8", errors="replace")
    assert str(service.settings.dbt_parse_cache) in last and "Starting full parse" not in last
