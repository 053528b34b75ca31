"""``planwatch serve --celery-workers 2`` with Redis, and faults under it.

One service for the module, a demo month per test, each run triggered as
``planwatch backfill`` triggers it (conf ``periods``, so no scheduled run
competes). Both workers must take tasks; a worker SIGKILLed in the middle of a
month, or the scheduler killed and started again, must still leave every file
processed exactly once and nothing half-loaded. The first month's build runs on
the workers too; during the fault tests the build is paused (they are about the
files, and a build would only lengthen them).

These need a broker: they skip, saying so, where no Redis answers on
``PLANWATCH_TEST_BROKER_URL`` (default ``redis://127.0.0.1:6379/0``). The
service is the one ``test_backfill.py`` then uses (``shared_service``): its
tasks go to a queue of their own, so that other Celery users of the same Redis
see none of them.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import time

import psycopg
import pytest
from fixtures import BROKER
from fixtures.outcomes import assert_loaded_once, assert_outcomes

pytestmark = [pytest.mark.service, pytest.mark.airflow, pytest.mark.celery]


@pytest.fixture(scope="module")
def celery(shared_service):
    """The shared service (tests/service/conftest.py), Celery's where a broker answers."""
    if not shared_service.celery:
        pytest.skip(f"no Redis answers at {BROKER}: the Celery tests need a broker "
                    "(set PLANWATCH_TEST_BROKER_URL)")
    return shared_service


def _run_month(service, period: str, during=None, build: bool = True) -> tuple[dict, list]:
    """Land a month, trigger its ingest, optionally do ``during(run_id)`` while it
    runs, and wait for the marts' build it triggers (``build``; else the build is
    paused: a fault test is about the files); returns the finished ingest run and
    the month's files."""
    service.api().pause("warehouse__build", not build)
    files = service.land(period)
    started = dt.datetime.now(dt.UTC)
    api = service.api()
    run_id = api.trigger("submissions__ingest", {"periods": [period]})
    if during:
        during(run_id)
    run = api.wait("submissions__ingest", run_id, timeout_s=600)
    assert run["state"] == "success", service.task_states("submissions__ingest", run)
    if build:
        service.wait_for_run("warehouse__build", after=started, timeout_s=600)
    return run, files


def _workers_of(service, run: dict) -> dict[str, set[str]]:
    """Which worker ran which task instance, from the workers' own logs."""
    ids = {t["id"] for t in service.api().task_instances("submissions__ingest",
                                                          run["dag_run_id"])}
    logs = service.settings.airflow_home / "logs"
    found = {}
    for log in sorted(logs.glob("worker-*.log")):
        text = log.read_text(encoding="utf-8", errors="replace")
        found[log.stem] = {i for i in ids if i in text}
    return found


def _landed(service, *periods: str) -> list:
    return [f for f in service.demo.files if f.period in periods]


def test_both_workers_run_tasks(celery) -> None:
    run, files = _run_month(celery, "2024-01")
    ran = _workers_of(celery, run)
    assert set(ran) == {"worker-1", "worker-2"}
    assert all(ran.values()), ran
    assert_outcomes(celery.url, files)
    assert_loaded_once(celery.url, celery.settings, files)


def _when_a_batch_runs(service, run_id: str, timeout_s: float = 180) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        running = [t for t in service.api().task_instances("submissions__ingest", run_id)
                   if t["task_id"] == "ingest_batch" and t["state"] == "running"]
        if running:
            return running[0]
        time.sleep(0.5)
    raise AssertionError("no ingest_batch task started")


def _month_writes_began(service, period: str, timeout_s: float = 180) -> None:
    """Wait until the first file of ``period`` is committed: some batch is
    writing, the month is neither untouched nor done."""
    deadline = time.monotonic() + timeout_s
    with psycopg.connect(service.url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            if conn.execute("select 1 from audit.submissions where period = %s limit 1",
                            (period,)).fetchone():
                return
            time.sleep(0.1)
    raise AssertionError(f"no file of {period} was written within {timeout_s} s")


def test_a_worker_killed_mid_month_loses_no_file_and_loads_none_twice(celery) -> None:
    killed: dict[str, list[int]] = {}

    def kill_a_busy_worker(run_id: str) -> None:
        _when_a_batch_runs(celery, run_id)
        _month_writes_began(celery, "2024-02")
        logs = celery.settings.airflow_home / "logs"
        running = [t for t in celery.api().task_instances("submissions__ingest", run_id)
                   if t["task_id"] == "ingest_batch" and t["state"] == "running"]
        for name, pid in celery.pids().items():
            if not name.startswith("worker-") or pid is None:
                continue
            log = (logs / f"{name}.log").read_text(errors="replace")
            mine = [t["map_index"] for t in running if t["id"] in log]
            if mine:  # killed right after being seen running: its batches are in flight
                os.killpg(pid, signal.SIGKILL)
                killed[name] = mine
                return
        raise AssertionError(f"no worker log names a running batch: {running}")

    try:
        run, _ = _run_month(celery, "2024-02", during=kill_a_busy_worker, build=False)
    finally:
        celery.start()  # the dead worker comes back, alone
    assert all(celery.pids().values())
    assert killed
    (batches,) = killed.values()
    tries = {t["map_index"]: t["try_number"] for t in celery.api().task_instances(
        "submissions__ingest", run["dag_run_id"]) if t["task_id"] == "ingest_batch"}
    assert all(tries[i] >= 2 for i in batches), (batches, tries)  # each ran again
    files = _landed(celery, "2024-01", "2024-02")
    assert_outcomes(celery.url, files)
    assert_loaded_once(celery.url, celery.settings, files)


def test_the_scheduler_killed_and_restarted_mid_month_loses_nothing(celery) -> None:
    def restart_the_scheduler(run_id: str) -> None:
        _when_a_batch_runs(celery, run_id)
        before = celery.pids()
        os.killpg(before["scheduler"], signal.SIGKILL)
        time.sleep(5)
        celery.start()
        after = celery.pids()
        assert after["scheduler"] != before["scheduler"]
        assert {k: v for k, v in after.items() if k != "scheduler"} == \
            {k: v for k, v in before.items() if k != "scheduler"}

    _run_month(celery, "2024-03", during=restart_the_scheduler, build=False)
    files = _landed(celery, "2024-01", "2024-02", "2024-03")
    assert_outcomes(celery.url, files)
    assert_loaded_once(celery.url, celery.settings, files)
