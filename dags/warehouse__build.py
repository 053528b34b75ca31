"""Rebuild the marts with dbt (through astronomer-cosmos) when new submissions land.

Scheduled on the ``raw_submissions`` asset. Cosmos renders one task per dbt
model from the manifest that ``planwatch build --parse-only`` (or any dbt parse)
leaves in ``.planwatch/dbt_target``; tests run after each model.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag

from planwatch.orchestration.assets import RAW_SUBMISSIONS
from planwatch.orchestration.dbt_group import dbt_build_group


@dag(
    dag_id="warehouse__build",
    schedule=[RAW_SUBMISSIONS],
    start_date=pendulum.datetime(2024, 1, 1, tz="Asia/Ho_Chi_Minh"),
    catchup=False,
    max_active_runs=1,
    tags=["planwatch", "dbt"],
    doc_md=__doc__,
)
def warehouse__build() -> None:
    dbt_build_group()


warehouse__build()
