"""Monthly ingest of agency submissions.

Runs after each month's reporting deadline (the 20th, Asia/Ho_Chi_Minh): one
mapped task per file waiting in ``data/inbox/<YYYY-MM>/``, then a publish step
that builds the data-quality docs and updates the ``raw_submissions`` asset,
which triggers ``warehouse__build``. Logic lives in ``planwatch.orchestration``.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, get_current_context, task

from planwatch.orchestration.assets import RAW_SUBMISSIONS


@dag(
    dag_id="submissions__ingest",
    schedule="0 1 20 * *",
    start_date=pendulum.datetime(2024, 1, 1, tz="Asia/Ho_Chi_Minh"),
    catchup=False,
    max_active_runs=1,
    tags=["planwatch", "ingest"],
    doc_md=__doc__,
)
def submissions__ingest() -> None:
    @task
    def list_pending_files() -> list[str]:
        from planwatch.orchestration.tasks import pending_files, period_of

        logical_date = get_current_context()["logical_date"]
        return pending_files(period_of(logical_date))

    @task(max_active_tis_per_dagrun=4)
    def ingest_file(path: str) -> dict:
        from planwatch.orchestration.tasks import ingest_one

        return ingest_one(path)

    @task(outlets=[RAW_SUBMISSIONS])
    def publish(results: list[dict]) -> dict:
        from planwatch.orchestration.tasks import period_of
        from planwatch.orchestration.tasks import publish as publish_results

        period = period_of(get_current_context()["logical_date"])
        return publish_results(period, list(results))

    publish(ingest_file.expand(path=list_pending_files()))


submissions__ingest()
