"""Rebuild the marts with dbt (through astronomer-cosmos) when new submissions land.

Scheduled on the ``raw_submissions`` asset. By default one task, ``dbt_build``:
Cosmos runs one ``dbt build`` of the models and their data tests as the
transformer (seeds and dbt unit tests left out), after any other dbt run on the
warehouse has finished, keeping dbt's parse between builds in
``.planwatch/dbt_parse_cache``. It rebuilds what changed: the plan-months the
ingest recorded (and announced on the asset event), those whose deadline passed
since the last build, or everything on a new release or catalog (logged, and
recorded in ``audit.mart_builds``). With ``PLANWATCH_DBT_EXECUTION_MODE=watcher``,
one task per model instead, rendered from the manifest in
``.planwatch/dbt_manifest``, and one task for all tests after them; that mode
records no build, so its models rebuild every slice. Logic lives
in ``planwatch.orchestration.warehouse_build``.
"""

from __future__ import annotations

from airflow.sdk import dag

from planwatch.orchestration.assets import RAW_SUBMISSIONS
from planwatch.orchestration.submissions_ingest import START_DATE
from planwatch.orchestration.warehouse_build import dbt_build


@dag(
    dag_id="warehouse__build",
    schedule=[RAW_SUBMISSIONS],
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    tags=["planwatch", "dbt"],
    doc_md=__doc__,
)
def warehouse__build() -> None:
    dbt_build()


warehouse__build()
