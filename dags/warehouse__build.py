"""Rebuild the marts with dbt (through astronomer-cosmos) when new submissions land.

Scheduled on the ``raw_submissions`` asset. Cosmos renders one task per dbt
model from the manifest that ``dbt parse`` leaves in ``.planwatch/dbt_target``;
the tests run after every model. Logic lives in
``planwatch.orchestration.warehouse_build``.
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
