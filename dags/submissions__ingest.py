"""Monthly ingest of agency submissions.

Runs after each month's reporting deadline (``PLANWATCH_DEADLINE_DAY``, in
``PLANWATCH_TIMEZONE``): one mapped task per file waiting in
``data/inbox/<YYYY-MM>/``, then a publish step that builds the data-quality docs
and updates the ``raw_submissions`` asset, which triggers ``warehouse__build``.
Logic lives in ``planwatch.orchestration.submissions_ingest``.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, get_current_context, task

from planwatch.config import load_settings
from planwatch.orchestration.assets import RAW_SUBMISSIONS
from planwatch.orchestration.submissions_ingest import START_DATE, schedule

SETTINGS = load_settings()  # the environment only: no I/O at import


@dag(
    dag_id="submissions__ingest",
    schedule=schedule(SETTINGS),
    start_date=START_DATE.in_timezone(pendulum.timezone(SETTINGS.timezone)),
    catchup=False,
    max_active_runs=1,
    tags=["planwatch", "ingest"],
    doc_md=__doc__,
)
def submissions__ingest() -> None:
    @task
    def list_pending_files() -> list[str]:
        from planwatch.orchestration.submissions_ingest import pending_files, period_of

        logical_date = get_current_context()["logical_date"]
        return pending_files(period_of(logical_date))

    @task(max_active_tis_per_dagrun=4)
    def ingest_file(path: str) -> dict:
        from planwatch.orchestration.submissions_ingest import ingest_one

        return ingest_one(path)

    @task(outlets=[RAW_SUBMISSIONS])
    def publish(results: list[dict]) -> dict:
        from planwatch.orchestration.submissions_ingest import period_of
        from planwatch.orchestration.submissions_ingest import publish as publish_results

        period = period_of(get_current_context()["logical_date"])
        return publish_results(period, list(results))

    publish(ingest_file.expand(path=list_pending_files()))


submissions__ingest()
