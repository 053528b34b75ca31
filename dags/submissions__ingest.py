"""Ingest agency submissions as they land, on any day.

Every ``PLANWATCH_INBOX_POLL_MINUTES`` minutes: the files of ``data/inbox/``
that no run has processed yet are split into batches, each batch is ingested by
a mapped task, then a publish step builds the run's data-quality docs and, when
anything was ingested, updates the ``raw_submissions`` asset, which triggers
``warehouse__build``. A run's conf may name periods (``{"periods": ["2024-03"]}``)
to take only their files (by the month their folder or name gives), and an
operator (``{"historical_operator": "name"}``) to make the run an import of old
files dated by their own times. Logic lives in
``planwatch.orchestration.submissions_ingest``.
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import dag, get_current_context, task
from airflow.sdk.exceptions import AirflowSkipException

from planwatch.config import load_settings
from planwatch.orchestration.assets import RAW_SUBMISSIONS
from planwatch.orchestration.submissions_ingest import (
    BATCH_RETRIES,
    START_DATE,
    schedule,
)

SETTINGS = load_settings()  # the environment only: no I/O at import


def _run_label() -> str:
    from planwatch.orchestration.submissions_ingest import run_label_of

    return run_label_of(get_current_context()["run_id"])


@dag(
    dag_id="submissions__ingest",
    schedule=schedule(SETTINGS),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    tags=["planwatch", "ingest"],
    doc_md=__doc__,
)
def submissions__ingest() -> None:
    @task
    def list_pending_batches() -> list[list[str]]:
        from planwatch.orchestration.submissions_ingest import pending_batches

        periods = (get_current_context()["dag_run"].conf or {}).get("periods")
        return pending_batches(periods)

    @task(retries=BATCH_RETRIES,
          retry_delay=dt.timedelta(seconds=SETTINGS.batch_retry_delay_s))
    def ingest_batch(paths: list[str]) -> dict:
        from planwatch.orchestration.submissions_ingest import ingest_batch as ingest

        conf = get_current_context()["dag_run"].conf or {}
        return ingest(paths, _run_label(), conf.get("historical_operator"))

    @task(outlets=[RAW_SUBMISSIONS])
    def publish(results: list[dict]) -> dict:
        from planwatch.orchestration.submissions_ingest import publish as publish_run

        published = publish_run(_run_label(), list(results))
        if published is None:
            raise AirflowSkipException("no new file: the marts need no rebuild")
        # The plan-months this run changed, on the event that triggers the build.
        get_current_context()["outlet_events"][RAW_SUBMISSIONS].extra = {
            "slices": published["slices"], "files": published["files"]}
        return published

    publish(ingest_batch.expand(paths=list_pending_batches()))


submissions__ingest()
