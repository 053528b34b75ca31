"""``planwatch run``: a whole demo year through Airflow, then the summary.

Each month with new files is one real ``submissions__ingest`` DAG run; the
marts are built once at the end by the ``warehouse__build`` DAG (scheduled on
the asset the monthly runs update; without a scheduler, it is run here). All
runs share one Airflow process. Months with nothing new are not re-run, so a
second ``make run`` only re-checks and prints.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import psycopg

from planwatch.build import generate_docs, parse_project
from planwatch.catalog.seeds import load_catalog
from planwatch.config import Settings
from planwatch.demo_data import write_demo_year
from planwatch.ingest.files import discover, sha256_of
from planwatch.orchestration.airflow_cli import run_dags
from planwatch.reporting.summary import print_summary
from planwatch.warehouse.db import warehouse_url
from planwatch.warehouse.init import init_warehouse


class Steps:
    def __init__(self) -> None:
        self.started = time.monotonic()

    def say(self, text: str) -> None:
        print(f"[{time.monotonic() - self.started:6.1f}s] {text}", flush=True)


def unprocessed_files(url: str, settings: Settings, period: str) -> int:
    folder = settings.inbox_dir / period
    if not folder.is_dir():
        return 0
    files = discover(folder)
    with psycopg.connect(url) as conn:
        known = {(r[0], r[1]) for r in conn.execute(
            "select inbox_path, file_sha256 from audit.submissions where period = %s or "
            "inbox_path like %s", (period, f"{period}/%"))}
    root = settings.inbox_dir.resolve()
    return sum((f.path.relative_to(root).as_posix(), sha256_of(f.path)) not in known
               for f in files)


def marts_exist(url: str) -> bool:
    with psycopg.connect(url) as conn:
        return conn.execute("select to_regclass('marts.fct_submission')").fetchone()[0] is not None


def run_demo_year(settings: Settings, *, year: int = 2024, months: int = 12) -> None:
    steps = Steps()
    url = warehouse_url(settings)
    steps.say(f"warehouse at {url}")
    init_warehouse(url, settings)
    steps.say("schemas, roles and plan catalog ready")
    if not (settings.inbox_dir / f"{year}-01").is_dir():
        manifest = write_demo_year(load_catalog(settings.seeds_dir), year, settings.inbox_dir)
        steps.say(f"{len(manifest.files)} demo submissions written to {settings.inbox_dir}")
    else:
        steps.say(f"demo submissions already in {settings.inbox_dir}")
    runs = []
    for month in range(1, months + 1):
        period = f"{year}-{month:02d}"
        pending = unprocessed_files(url, settings, period)
        if pending:
            runs.append(("submissions__ingest", f"{period}-20T01:00:00+07:00"))
            steps.say(f"{period}: {pending} new file(s)")
    build = bool(runs) or not marts_exist(url)
    if build:
        parse_project(url, settings)
        steps.say("dbt project parsed (the manifest Cosmos renders the build DAG from)")
        runs.append(("warehouse__build", datetime.now(UTC).isoformat(timespec="seconds")))
    if runs:
        steps.say(f"Airflow: {len(runs)} DAG run(s), log in {settings.airflow_home}")

        def progress(dag_id: str, date: str, state: str, seconds: float) -> None:
            steps.say(f"{dag_id} {date[:10]}: {state} in {seconds:.0f} s")

        run_dags(runs, url, settings, on_progress=progress)
    else:
        steps.say("nothing new: no Airflow run needed, marts up to date")
    if build:
        generate_docs(url, settings)
        steps.say("dbt docs generated")
    print()
    print_summary(url, settings)
    steps.say("finished")
