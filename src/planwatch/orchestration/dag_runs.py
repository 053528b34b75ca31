"""Several DAG runs in one Airflow process: ``airflow dags test`` without its start-up cost.

Run with the Airflow environment of ``airflow_cli.airflow_env``::

    python -m planwatch.orchestration.dag_runs \
        'submissions__ingest@2024-01-20T00:00:00+07:00@{"periods": ["2024-01"]}' ...

Each argument is one whole DAG run (``dag_id@logical date[@conf as JSON]``),
executed in order with ``DAG.test()`` (what
``airflow dags test`` calls), so Airflow, the DAG files and the task caches
(catalog, GX suites) load once. One line per run goes to stdout:
``planwatch-run <dag_id> <logical date> <state> <seconds>``. Stops at the first
failed run with exit code 1.
"""

from __future__ import annotations

import json
import sys
import time

PROGRESS = "planwatch-run"


def main(argv: list[str]) -> int:
    import pendulum
    from airflow.utils.cli import get_bagged_dag
    from airflow.utils.providers_configuration_loader import providers_configuration_loaded
    from airflow.utils.state import DagRunState

    dags = {}

    @providers_configuration_loaded
    def run(dag_id: str, logical_date: str, conf: dict | None) -> str:
        if dag_id not in dags:
            dags[dag_id] = get_bagged_dag(bundle_names=None, dag_id=dag_id)
        dag_run = dags[dag_id].test(logical_date=pendulum.parse(logical_date), run_conf=conf)
        return DagRunState(dag_run.state).value if dag_run else "failed"

    for spec in argv:
        dag_id, logical_date, *conf = spec.split("@", 2)
        started = time.monotonic()
        state = run(dag_id, logical_date, json.loads(conf[0]) if conf else None)
        print(f"{PROGRESS} {dag_id} {logical_date} {state} {time.monotonic() - started:.1f}",
              flush=True)
        if state != "success":
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
