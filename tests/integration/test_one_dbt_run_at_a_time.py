"""One dbt run of a warehouse at a time (``planwatch.dbt.one_dbt_run``).

The build DAG, the deadline DAG's build, ``planwatch build`` and init's seeds all
swap tables: two at once fail ("relation already exists") or deadlock. While one
session holds the warehouse's dbt lock, a dbt run waits for it before it touches
anything, goes on when it is released, and holds it itself until it has finished.
"""

from __future__ import annotations

import threading
import time

import psycopg
import pytest

from planwatch.dbt import DBT_LOCK, run_dbt
from planwatch.warehouse.roles import role_url

pytestmark = pytest.mark.integration
LOCK = f"hashtext('{DBT_LOCK}')"


def test_a_dbt_run_waits_for_the_one_running(year_clone) -> None:
    settings, url, _ = year_clone("dbt_lock")
    outcome: list[BaseException | None] = []

    def second_run() -> None:
        try:
            run_dbt(["run", "--select", "dim_month"], role_url(settings, url, "transformer"),
                    settings)
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 (told below)
            outcome.append(exc)

    with psycopg.connect(url, autocommit=True) as first:
        first.execute(f"select pg_advisory_lock({LOCK})")
        run = threading.Thread(target=second_run)
        run.start()
        waiting = []
        deadline = time.monotonic() + 120
        while not waiting and run.is_alive() and time.monotonic() < deadline:
            waiting = first.execute(
                "select query from pg_stat_activity where datname = current_database()"
                " and wait_event_type = 'Lock' and wait_event = 'advisory'"
                " and usename = 'planwatch_transformer'").fetchall()
            time.sleep(0.2)
        built_before = first.execute(
            "select count(*) from marts.dim_month").fetchone()  # still readable: untouched
        assert waiting and "pg_advisory_lock" in waiting[0][0] and run.is_alive()
        assert built_before[0] > 0
        first.execute(f"select pg_advisory_unlock({LOCK})")
        dbt_working = []
        while not dbt_working and run.is_alive() and time.monotonic() < deadline:
            dbt_working = first.execute(
                "select 1 from pg_stat_activity where datname = current_database()"
                " and application_name = 'dbt' and query ilike '%dim_month%'").fetchall()
            time.sleep(0.05)
        taken = first.execute(f"select pg_try_advisory_lock({LOCK})").fetchone()[0]
        assert dbt_working and not taken, "the lock is held while dbt builds, not only at its start"
        run.join(timeout=300)
    assert outcome == [None]
    with psycopg.connect(url) as conn:
        assert conn.execute("select count(*) from pg_locks where locktype = 'advisory'"
                            " and database = (select oid from pg_database"
                            " where datname = current_database())").fetchone() == (0,)
