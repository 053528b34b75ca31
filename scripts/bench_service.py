"""The benchmark's service measures (``scripts/benchmark.py --only service|workers``).

On throw-away warehouses and homes beside the benchmark's own:

* ``service``: one demo month through the DAGs in one process (``DAG.test()``,
  as ``make run`` does), then through ``planwatch serve start`` (LocalExecutor,
  no polling; the month copied in, the ingest run triggered through the REST
  API, its duration as the scheduler records it, then the ``warehouse__build``
  run its asset triggered), and ``planwatch build`` on that warehouse. Printed:
  seconds per run side by side.
* ``workers``: the demo's first ``months`` through ``planwatch serve start
  --celery-workers 1``, then the same files into a new warehouse with
  ``--celery-workers 2`` (one task process per worker, the service's batches,
  a queue of the run's own on the broker). Printed: the ingest
  run's duration for each and their ratio (goal ≥ 1.3× on two cores). Needs a
  Redis broker (``PLANWATCH_BROKER_URL``, default ``redis://127.0.0.1:6379/0``);
  says so and measures nothing where none answers.

The outcome counts of each served ingest are checked against the demo's
manifest, so that speed cannot come from skipping work.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

from bench_ingest import outcomes_expected, outcomes_found  # scripts/bench_ingest.py
from bench_scale import fresh_database  # scripts/bench_scale.py

from planwatch.catalog import load_catalog
from planwatch.config import Settings, settings_env
from planwatch.dbt import parse_project
from planwatch.demo.manifest import DemoFile
from planwatch.demo.year import copy_period, write_demo_year
from planwatch.orchestration.airflow_cli import run_dags
from planwatch.orchestration.api import AirflowApi
from planwatch.orchestration.service import broker_answers
from planwatch.warehouse.init import init_warehouse
from planwatch.warehouse.mart_builds import build_marts
from planwatch.warehouse.roles import role_url

PLANWATCH = str(Path(sys.executable).parent / "planwatch")
WORKERS_GOAL = 1.3
BROKER = os.environ.get("PLANWATCH_BROKER_URL", "redis://127.0.0.1:6379/0")


def _seconds(run: dict) -> float:
    return (dt.datetime.fromisoformat(run["end_date"])
            - dt.datetime.fromisoformat(run["start_date"])).total_seconds()


def _home(settings: Settings, name: str) -> Path:
    home = settings.home / name
    home.mkdir(parents=True, exist_ok=True)
    home.chmod(0o755)  # the embedded server's user reads the homes
    return home


def _demo(settings: Settings, months: list[int]) -> tuple[list[DemoFile], Path, list[str]]:
    catalog = load_catalog(settings.catalog_dir, None)
    inbox = _home(settings, "demo") / "inbox"
    manifest = write_demo_year(catalog, inbox, months=months, progress=False)
    periods = [f"{catalog.plan.year}-{m:02d}" for m in months]
    return [f for f in manifest.files if f.period in periods], inbox, periods


def _served(settings: Settings, url: str, demo_inbox: Path, periods: list[str], *,
            args: tuple[str, ...] = (), env: dict[str, str] | None = None,
            expected: list[DemoFile]) -> dict[str, float]:
    """Start the service, land ``periods``, trigger their ingest; the ingest run's
    and the build run's durations as the scheduler recorded them."""
    env = {**os.environ, **settings_env(settings), "WAREHOUSE_URL": url, **(env or {})}
    subprocess.run([PLANWATCH, "serve", "start", *args], env=env, check=True,
                   capture_output=True)
    try:
        for period in periods:
            copy_period(demo_inbox, settings.inbox_dir, period)
        api = AirflowApi.of(settings)
        triggered = dt.datetime.now(dt.UTC)
        ingest = api.wait("submissions__ingest",
                          api.trigger("submissions__ingest", {"periods": periods}),
                          timeout_s=1800)
        deadline = time.monotonic() + 900
        build = None
        while build is None and time.monotonic() < deadline:
            done = [r for r in api.runs("warehouse__build")
                    if dt.datetime.fromisoformat(r["queued_at"]) >= triggered
                    and r["state"] in ("success", "failed")]
            build = done[0] if done else None
            time.sleep(1)
        if ingest["state"] != "success" or build is None or build["state"] != "success":
            raise SystemExit(f"a run failed: ingest {ingest['state']}, build "
                             f"{build and build['state']}; see {settings.airflow_home / 'logs'}")
        found, wanted = outcomes_found(url), outcomes_expected(expected)
        assert found == wanted, (found, wanted)  # every file judged as meant
        print("    " + _profile(api.task_instances("submissions__ingest", ingest["dag_run_id"])),
              flush=True)
        return {"submissions__ingest": _seconds(ingest), "warehouse__build": _seconds(build)}
    finally:
        subprocess.run([PLANWATCH, "serve", "stop"], env=env, capture_output=True)


def _profile(tasks: list[dict]) -> str:
    """Where an ingest run's time went: its batches' own durations, how many ran
    at once at most, and on which hosts (Celery workers name themselves)."""
    batches = [t for t in tasks if t["task_id"] == "ingest_batch" and t.get("start_date")]
    spans = [(dt.datetime.fromisoformat(t["start_date"]), dt.datetime.fromisoformat(t["end_date"]))
             for t in batches]
    most = max((sum(a <= start < b for a, b in spans) for start, _ in spans), default=0)
    hosts = sorted({t.get("hostname") or "?" for t in batches})
    busy = sum((b - a).total_seconds() for a, b in spans)
    return (f"{len(batches)} batch task(s), {busy:.1f} s in them, at most {most} at once, "
            f"on {', '.join(hosts)}")


def measure_service(settings: Settings, url: str, *, month: int = 1) -> list[str]:
    files, demo_inbox, (period,) = _demo(settings, [month])
    print(f"{period}: {len(files)} files", flush=True)
    one = dataclasses.replace(settings, home=_home(settings, "inproc"))
    copy_period(demo_inbox, one.inbox_dir, period)
    init_warehouse(url, one)
    parse_project(url, one)
    took: dict[str, float] = {}
    run_dags([("submissions__ingest", f"{period}-28T01:00:00+07:00", {"periods": [period]}),
              ("warehouse__build", dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))],
             url, one, on_progress=lambda dag_id, _d, _s, seconds: took.update(
                 {dag_id: seconds}))
    served_url = fresh_database(url, "served")
    two = dataclasses.replace(settings, home=_home(settings, "served"), poll_minutes=0,
                              airflow_database=f"{urlparse(served_url).path[1:]}_airflow")
    init_warehouse(served_url, two)
    service = _served(two, served_url, demo_inbox, [period], expected=files)
    started = time.perf_counter()
    build_marts(role_url(two, served_url, "transformer"), two)  # as planwatch build
    build_s = time.perf_counter() - started
    print(f"{'':22}{'in one process':>16}{'served (Local)':>16}")
    for dag_id in ("submissions__ingest", "warehouse__build"):
        print(f"{dag_id:22}{took[dag_id]:>14.1f} s{service[dag_id]:>14.1f} s")
    print(f"{'planwatch build':22}{'':>16}{build_s:>14.1f} s", flush=True)
    ingest = service["submissions__ingest"] / took["submissions__ingest"]
    return [f"served / in one process, a month's ingest: {ingest:.2f}x; served build / "
            f"planwatch build: {service['warehouse__build'] / build_s:.2f}x (no goal)"]


def measure_workers(settings: Settings, url: str, *, months: int = 6,
                    batch_files: int | None = None) -> list[str]:
    if not broker_answers(BROKER):
        line = f"ingest with 2 Celery workers vs 1: not measured (no Redis at {BROKER})"
        print(line, flush=True)
        return [line]
    files, demo_inbox, periods = _demo(settings, list(range(1, months + 1)))
    batch_files = batch_files or settings.batch_files
    took = {}
    for workers in (1, 2):
        database = fresh_database(url, f"workers{workers}")
        served = dataclasses.replace(
            settings, home=_home(settings, f"workers{workers}"), poll_minutes=0,
            batch_files=batch_files,
            airflow_database=f"{urlparse(database).path[1:]}_airflow")
        init_warehouse(database, served)
        env = {"PLANWATCH_BROKER_URL": BROKER, "AIRFLOW__CELERY__WORKER_CONCURRENCY": "1",
               "AIRFLOW__OPERATORS__DEFAULT_QUEUE": f"planwatch-bench-{uuid.uuid4().hex[:8]}"}
        took[workers] = _served(served, database, demo_inbox, periods, expected=files,
                                args=("--celery-workers", str(workers)), env=env)
        print(f"{workers} Celery worker(s), one task each: {len(files)} files of {months} "
              f"month(s) ingested in {took[workers]['submissions__ingest']:.1f} s",
              flush=True)
    ratio = took[1]["submissions__ingest"] / took[2]["submissions__ingest"]
    return [f"ingest with 2 Celery workers vs 1 (one task each, {len(files)} files in batches "
            f"of {batch_files}): {ratio:4.2f}x (goal >= {WORKERS_GOAL}x: "
            f"{'met' if ratio >= WORKERS_GOAL else 'MISSED'})"]
