"""``planwatch run``: a demo year of a plan through Airflow, then the summary.

Each month with new files is one real ``submissions__ingest`` DAG run (its conf
names the month, as ``planwatch backfill`` does); the
marts are built once at the end by the ``warehouse__build`` DAG (scheduled on
the asset the monthly runs update; without a scheduler, it is run here). All
runs share one Airflow process. Months with nothing new are not re-run, so a
second ``make run`` only re-checks and prints.
"""

from __future__ import annotations

import dataclasses
import time
from datetime import UTC, datetime

import psycopg

from planwatch.catalog import Catalog, load_catalogs
from planwatch.config import Settings
from planwatch.dbt import generate_docs, parse_project
from planwatch.demo.cases import Calendar
from planwatch.demo.manifest import manifest_path
from planwatch.demo.year import write_demo_year
from planwatch.digests import sha256_of
from planwatch.orchestration.airflow_cli import run_dags
from planwatch.orchestration.submissions_ingest import inbox_files
from planwatch.reporting.auditor_report import write_auditor_reports
from planwatch.reporting.briefing_archive import issue_briefing
from planwatch.reporting.summary import print_summary
from planwatch.warehouse.db import shown_url, warehouse_url
from planwatch.warehouse.init import init_warehouse
from planwatch.warehouse.mart_builds import marts_up_to_date
from planwatch.warehouse.roles import role_url
from planwatch.warehouse.submissions import processed_files


class Steps:
    def __init__(self) -> None:
        self.started = time.monotonic()

    def say(self, text: str) -> None:
        print(f"[{time.monotonic() - self.started:6.1f}s] {text}", flush=True)


def deadline_of(period: str, settings: Settings) -> str:
    """The logical date of the demo's run for a period: its deadline (the end of
    its last day to send, before any grace)."""
    from planwatch.vocabulary.calendar import deadline_of

    return deadline_of(period, settings).deadline_at.isoformat()


def unprocessed_files(url: str, settings: Settings, period: str) -> int:
    """The period's files (in every agency's folder) no run has processed."""
    files = [(f.inbox_path, f.path) for f in inbox_files(settings, [period])
             if f.period_hint == period]
    with psycopg.connect(url) as conn:
        known = processed_files(conn, [rel for rel, _ in files])
    return sum((rel, sha256_of(path)) not in known for rel, path in files)


def _operator() -> str:
    from planwatch.flow.arrival import Dating

    return f"{Dating.historical().operator} (planwatch run)"


def demo_plan(settings: Settings, plan_code: str | None) -> Catalog:
    """The plan the demo runs: the one named, else the catalog's only plan."""
    return load_catalogs(settings.catalog_dir).get(plan_code)


def run_demo_year(settings: Settings, *, plan_code: str | None = None,
                  months: int = 12) -> None:
    steps = Steps()
    # The demo writes its files itself, whole, just before it reads them: none is
    # still arriving, so no quiet period is waited for.
    settings = dataclasses.replace(settings, inbox_quiet_s=0)
    catalog = demo_plan(settings, plan_code)
    url = warehouse_url(settings)
    steps.say(f"warehouse at {shown_url(url, settings)}")
    init_warehouse(url, settings)
    steps.say("schemas, roles and plan catalogs ready")
    periods = catalog.plan.periods[:months]
    if not manifest_path(settings.inbox_dir).is_file():
        manifest = write_demo_year(catalog, settings.inbox_dir,
                                   calendar=Calendar.configured(settings))
        steps.say(f"{len(manifest.files)} demo submissions for plan {catalog.plan_code} "
                  f"written to {settings.inbox_dir}")
    else:
        steps.say(f"demo submissions already in {settings.inbox_dir}")
    runs: list[tuple] = []
    for period in periods:
        pending = unprocessed_files(url, settings, period)
        if pending:
            # The demo's files carry the simulated year's times: an import of
            # old files (flow.arrival), in the name of whoever runs the demo.
            runs.append(("submissions__ingest", deadline_of(period, settings),
                         {"periods": [period], "historical_operator": _operator()}))
            steps.say(f"{period}: {pending} new file(s)")
    with psycopg.connect(url) as conn:
        build = bool(runs) or not marts_up_to_date(conn)
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
        steps.say("nothing new: no Airflow run needed, the last build is up to date")
    if build:
        generate_docs(role_url(settings, url, "transformer"), settings)
        steps.say("dbt docs generated")
    auditor = role_url(settings, url, "auditor")
    written = write_auditor_reports(settings, auditor, plan_code=catalog.plan_code,
                                    periods=periods)
    steps.say(f"auditor's report: {len(written.pages)} month(s), index {written.index}")
    issued = issue_briefing(settings, role_url(settings, url, "bi_reader"), catalog.plan_code,
                            periods[-1])
    steps.say(f"{periods[-1]}: {issued.said}")
    print()
    print_summary(auditor, settings)
    steps.say("finished")
