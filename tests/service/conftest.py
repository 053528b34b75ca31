"""The real service under test: ``planwatch serve`` run as users run it.

Each service gets a warehouse and home of its own (a copy of an initialised one,
``initialised_warehouse``: ``planwatch serve start`` runs init again) and its
own Airflow metadata database on the same PostgreSQL server; the CLI is run as
a child process with the environment a user would set. Demo months are written
once, away from the inbox, and copied in when a test "lands" them.

Starting a service takes half a minute: the files whose tests trigger every run
themselves (no polling) share one, ``shared_service`` (``test_celery.py``, then
``test_backfill.py``, given to one test process: ``SHARED_SERVICE_FILES`` in
``tests/conftest.py``). ``test_serve.py`` polls, so it has its own.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fixtures import BROKER
from fixtures.plans import SHIPPED_PLAN

from planwatch.catalog import load_catalog
from planwatch.config import Settings, settings_env
from planwatch.demo.manifest import DemoFile, DemoManifest
from planwatch.demo.year import write_demo_year
from planwatch.orchestration.api import AirflowApi
from planwatch.orchestration.service import broker_answers

PLANWATCH = str(Path(sys.executable).parent / "planwatch")
# The demo months services land (the shared service's tests take one or two each).
DEMO_MONTHS = [1, 2, 3, 4, 5]


@dataclass
class Service:
    settings: Settings
    url: str
    env: dict[str, str]
    demo: DemoManifest
    demo_inbox: Path
    celery: bool = False  # CeleryExecutor (else LocalExecutor)
    landed: list[DemoFile] = field(default_factory=list)  # every file landed so far

    def cli(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run([PLANWATCH, *args], env=self.env, capture_output=True,
                              text=True, timeout=timeout, cwd=self.settings.home)

    def start(self, *args: str) -> subprocess.CompletedProcess[str]:
        result = self.cli("serve", "start", *args)
        assert result.returncode == 0, result.stdout + result.stderr
        return result

    def api(self) -> AirflowApi:
        return AirflowApi.of(self.settings)

    def land(self, period: str) -> list[DemoFile]:
        """Copy a demo month into the inbox, each file into its agency's folder
        (arrival times kept as the files' mtimes)."""
        files = [f for f in self.demo.files if f.period == period]
        for f in files:
            target = self.settings.inbox_dir / f.path
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(self.demo_inbox / f.path, target)
        self.landed.extend(files)
        return files

    def wait_for_run(self, dag_id: str, *, after: dt.datetime, timeout_s: float = 420,
                     state: str = "success") -> dict[str, Any]:
        """The first run of ``dag_id`` queued after ``after`` once it has finished."""
        api = self.api()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            runs = [r for r in api.runs(dag_id)
                    if dt.datetime.fromisoformat(r["queued_at"]) >= after]
            done = [r for r in runs if r["state"] in ("success", "failed")]
            if done:
                run = min(done, key=lambda r: r["queued_at"])
                assert run["state"] == state, (run, self.task_states(dag_id, run))
                return run
            time.sleep(2)
        raise AssertionError(f"no finished {dag_id} run after {after} within {timeout_s} s")

    def task_states(self, dag_id: str, run: dict[str, Any]) -> list[tuple]:
        return [(t["task_id"], t["map_index"], t["state"], t.get("hostname"))
                for t in self.api().task_instances(dag_id, run["dag_run_id"])]

    def pids(self) -> dict[str, int | None]:
        from planwatch.orchestration.service import status

        return {c.name: c.pid for c in status(self.settings).components}


@pytest.fixture(scope="session")
def demo_months(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoManifest, Path]:
    """The demo's first months (``DEMO_MONTHS``), written once, outside any inbox."""
    from planwatch.config import load_settings

    inbox = tmp_path_factory.mktemp("demo") / "inbox"
    catalog = load_catalog(load_settings().catalog_dir, SHIPPED_PLAN)
    return write_demo_year(catalog, inbox, months=DEMO_MONTHS, progress=False), inbox


def _new_service(initialised_warehouse, demo_months, label: str,
                 env: dict[str, str] | None = None, **changes: Any) -> Service:
    settings, url = initialised_warehouse(label)
    database = url.rsplit("/", 1)[1]
    settings = replace(settings, airflow_database=f"{database}_airflow", **changes)
    full_env = {**os.environ, **settings_env(settings), "WAREHOUSE_URL": url, **(env or {})}
    return Service(settings, url, full_env, *demo_months)


def _dispose(service: Service, server_url: str) -> None:
    """Stopped, and its metadata database dropped."""
    service.cli("serve", "stop")
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{service.settings.airflow_database}"'
                     " with (force)")


@pytest.fixture(scope="module")
def make_service(initialised_warehouse, server_url: str, demo_months) -> Iterator[Any]:
    """``make_service(label, **settings)`` -> a Service not yet started; stopped,
    and its metadata database dropped, at the end of the module."""
    made: list[Service] = []

    def make(label: str, env: dict[str, str] | None = None, **changes: Any) -> Service:
        made.append(_new_service(initialised_warehouse, demo_months, label, env, **changes))
        return made[-1]

    yield make
    for service in made:
        _dispose(service, server_url)


@pytest.fixture(scope="session")
def shared_service(initialised_warehouse, server_url: str, demo_months) -> Iterator[Service]:
    """One running service that polls nothing (each run triggered as ``planwatch
    backfill`` triggers it): ``CeleryExecutor`` with two workers where a Redis
    answers on ``PLANWATCH_TEST_BROKER_URL`` (its tasks on a queue of their own,
    so that other Celery users of the same Redis see none), else the default
    LocalExecutor. Stopped at the end of the run."""
    celery = broker_answers(BROKER)
    env = {"PLANWATCH_BROKER_URL": BROKER,
           "AIRFLOW__OPERATORS__DEFAULT_QUEUE": f"planwatch-test-{uuid.uuid4().hex[:8]}",
           "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
           # A dead worker's tasks are found within half a minute, and retried
           # 5 s later (PLANWATCH_INGEST_RETRY_DELAY_S).
           "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "20",
           "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "5",
           # A batch a dead worker had taken from the broker but not started is
           # queued again after this, checked that often.
           "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT": "60",
           "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT_CHECK_INTERVAL": "10"} if celery else {}
    service = replace(_new_service(initialised_warehouse, demo_months, "shared", env,
                                   poll_minutes=0, batch_files=6, batch_retry_delay_s=5),
                      celery=celery)
    try:
        result = service.start(*(("--celery-workers", "2") if celery else ()))
        assert ("CeleryExecutor" in result.stdout) == celery, result.stdout
        yield service
    finally:
        _dispose(service, server_url)
