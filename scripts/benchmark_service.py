"""A demo month through the real service, against the in-process demo and
``planwatch build``: seconds per run.

    .venv/bin/python scripts/benchmark_service.py [--month 1] [--mode build|watcher]

On throw-away warehouses of the warehouse server (WAREHOUSE_URL, or the
embedded one) and temporary homes, it measures:

1. the month's ``submissions__ingest`` run in one process (``DAG.test()``, as
   ``make run`` does), and then ``warehouse__build`` the same way;
2. ``planwatch serve start`` (LocalExecutor, no polling), the month copied in,
   the ingest run triggered through the REST API: its duration as the scheduler
   records it (start to end), then the ``warehouse__build`` run its asset
   triggered;
3. ``planwatch build`` on that warehouse (the dbt build alone, without docs).

Everything is removed afterwards (the service stopped, databases dropped).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg

from planwatch.catalog import load_catalog
from planwatch.config import load_settings, settings_env
from planwatch.dbt import parse_project
from planwatch.demo.year import write_demo_year
from planwatch.orchestration.airflow_cli import run_dags
from planwatch.orchestration.api import AirflowApi
from planwatch.warehouse.db import warehouse_url
from planwatch.warehouse.init import init_warehouse
from planwatch.warehouse.mart_builds import build_marts
from planwatch.warehouse.roles import role_url

PLANWATCH = str(Path(sys.executable).parent / "planwatch")


def _seconds(run: dict) -> float:
    return (dt.datetime.fromisoformat(run["end_date"])
            - dt.datetime.fromisoformat(run["start_date"])).total_seconds()


def in_process(settings, url: str, period: str) -> dict[str, float]:
    init_warehouse(url, settings)
    parse_project(url, settings)
    took: dict[str, float] = {}
    run_dags([("submissions__ingest", f"{period}-28T01:00:00+07:00", {"periods": [period]}),
              ("warehouse__build", dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))],
             url, settings, on_progress=lambda dag_id, _d, _s, seconds: took.update(
                 {dag_id: seconds}))
    return took


def served(settings, url: str, period: str, demo_inbox: Path, mode: str) -> dict[str, float]:
    env = {**os.environ, **settings_env(settings), "WAREHOUSE_URL": url,
           "PLANWATCH_DBT_EXECUTION_MODE": mode}
    subprocess.run([PLANWATCH, "serve", "start"], env=env, check=True, capture_output=True)
    try:
        shutil.copytree(demo_inbox / period, settings.inbox_dir / period,
                        copy_function=shutil.copy2)
        api = AirflowApi.of(settings)
        triggered = dt.datetime.now(dt.UTC)
        ingest = api.wait("submissions__ingest",
                          api.trigger("submissions__ingest", {"periods": [period]}))
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
        return {"submissions__ingest": _seconds(ingest), "warehouse__build": _seconds(build)}
    finally:
        subprocess.run([PLANWATCH, "serve", "stop"], env=env, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--month", type=int, default=1)
    parser.add_argument("--mode", choices=["build", "watcher"], default="build",
                        help="PLANWATCH_DBT_EXECUTION_MODE of the service's build DAG")
    args = parser.parse_args()
    base = load_settings()
    server = warehouse_url(base)
    tag = uuid.uuid4().hex[:8]
    names = [f"planwatch_bench_{tag}_{n}" for n in ("inproc", "served")]
    airflow_db = f"planwatch_bench_{tag}_airflow"
    with psycopg.connect(server, autocommit=True) as conn:
        for name in names:
            conn.execute(f'create database "{name}"')
    urls = [urlunparse(urlparse(server)._replace(path=f"/{n}")) for n in names]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            for home in ("demo", "inproc", "served"):
                (root / home).mkdir()
                (root / home).chmod(0o755)  # the embedded server's user reads the homes
            catalog = load_catalog(base.catalog_dir, None)
            period = f"{catalog.plan.year}-{args.month:02d}"
            manifest = write_demo_year(catalog, root / "demo" / "inbox", months=[args.month],
                                       progress=False)
            files = sum(1 for f in manifest.files if f.period == period)
            print(f"{period}: {files} files")
            one = dataclasses.replace(base, home=root / "inproc", warehouse_url=urls[0])
            shutil.copytree(root / "demo" / "inbox" / period, one.inbox_dir / period,
                            copy_function=shutil.copy2)
            took = in_process(one, urls[0], period)
            two = dataclasses.replace(base, home=root / "served", warehouse_url=urls[1],
                                      poll_minutes=0, airflow_database=airflow_db)
            init_warehouse(urls[1], two)
            service = served(two, urls[1], period, root / "demo" / "inbox", args.mode)
            started = time.perf_counter()
            build_marts(role_url(two, urls[1], "transformer"), two)  # as planwatch build
            build_s = time.perf_counter() - started
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            for name in [*names, airflow_db]:
                conn.execute(f'drop database if exists "{name}" with (force)')
    print(f"{'':22}{'in one process':>16}{'served (Local)':>16}")
    for dag_id in ("submissions__ingest", "warehouse__build"):
        print(f"{dag_id:22}{took[dag_id]:>14.1f} s{service[dag_id]:>14.1f} s")
    print(f"{'planwatch build':22}{'':>16}{build_s:>14.1f} s")
    ingest = service["submissions__ingest"] / took["submissions__ingest"]
    print(f"served / in one process, ingest: {ingest:.2f}x;"
          f" served build / planwatch build: {service['warehouse__build'] / build_s:.2f}x")


if __name__ == "__main__":
    main()
