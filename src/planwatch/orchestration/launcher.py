"""``airflow <command>`` with the tasks' code imported first.

Airflow forks each task process from a long-lived one: the LocalExecutor's
workers are forked from the scheduler, and Celery's pool from the worker's main
process; the fork runs the task without starting Python again. Forked from a
process that has already imported Great Expectations, pandas, dbt, Cosmos and
planwatch's ingest, a task starts with them loaded instead of importing them
itself: an ingest batch, the run's Data Docs and each dbt build start seconds
sooner, and the machine spends that CPU once per component instead of once per
task. ``planwatch serve`` and ``docker-compose.yml`` start the scheduler and the
Celery workers through this module (``service.components``); the other
components, which fork no task, are plain ``airflow``.

Nothing here opens a connection or starts a thread: only imports, before the
command runs (a fork copies neither).
"""

from __future__ import annotations

import importlib
import sys

# What the DAGs' tasks import when they run: Great Expectations (imported by the
# Validator when it starts; first, because imported after Airflow has set up its
# logging it logs its whole registry), pandas and the readers, the loader, the
# run's Data Docs, the deadline's notices, and dbt run by Cosmos in the task.
TASK_MODULES = (
    "great_expectations",
    "planwatch.flow.ingestor",
    "planwatch.quality.data_docs",
    "planwatch.reporting.data_docs_pages",
    "planwatch.reporting.reminders",
    "dbt.cli.main",
    "cosmos.operators.local",
)


def preload() -> None:
    for name in TASK_MODULES:
        importlib.import_module(name)


def main() -> int:
    preload()
    from airflow.__main__ import main as airflow

    airflow()
    return 0


if __name__ == "__main__":
    sys.exit(main())
