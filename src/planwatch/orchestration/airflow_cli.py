"""Running the DAGs with real Airflow (``DAG.test()``, what ``airflow dags test`` does).

Airflow gets its own home under ``.planwatch/airflow`` (SQLite metadata for
these in-process runs), the project's ``dags/`` folder, and the warehouse as an
Airflow connection per role (``connections``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from planwatch.config import Settings, settings_env
from planwatch.dbt import dbt_connection_env
from planwatch.orchestration.connections import connection_env
from planwatch.orchestration.dag_runs import PROGRESS
from planwatch.warehouse.roles import role_url


def airflow_env(url: str, settings: Settings) -> dict[str, str]:
    # dbt tasks get no shared target folder, and profiles.yml the transformer's
    # login: no Airflow process holds the warehouse owner's password.
    env = dbt_connection_env(role_url(settings, url, "transformer"), settings)
    home = settings.airflow_home
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(settings.dags_dir),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home / 'airflow.db'}",
        AIRFLOW__CORE__EXECUTOR="LocalExecutor",
        AIRFLOW__LOGGING__LOGGING_LEVEL="WARNING",
        AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT="120",
        NO_PROXY="*",
        # No calls home from a government warehouse (Cosmos usage metrics).
        AIRFLOW__COSMOS__ENABLE_TELEMETRY="False",
        DO_NOT_TRACK="1",
        SCARF_NO_ANALYTICS="true",
    )
    env.update(settings_env(settings))
    # Tasks reach the warehouse through a connection per role, never as its owner.
    env.pop("WAREHOUSE_URL", None)
    env.update(connection_env(settings, url))
    return env


def airflow_executable() -> str:
    candidate = Path(sys.executable).parent / "airflow"
    return str(candidate) if candidate.exists() else "airflow"


def ensure_metadata_db(url: str, settings: Settings) -> None:
    """``airflow db migrate`` once; a stamp file makes later runs skip it."""
    stamp = settings.airflow_home / ".migrated"
    if stamp.exists():
        return
    settings.airflow_home.mkdir(parents=True, exist_ok=True)
    subprocess.run([airflow_executable(), "db", "migrate"], env=airflow_env(url, settings),
                   check=True, capture_output=True)
    stamp.touch()


def run_dags(runs: list[tuple[str, str]] | list[tuple[str, str, dict]], url: str,
             settings: Settings,
             on_progress: Callable[[str, str, str, float], None] | None = None) -> Path:
    """Run whole DAG runs (dag_id, logical date[, conf]) in order, in one Airflow
    process.

    Airflow's own output goes to ``.planwatch/airflow/dag_runs.log``; raise if a
    run fails. ``on_progress(dag_id, logical_date, state, seconds)`` after each run.
    """
    ensure_metadata_db(url, settings)
    log_path = settings.airflow_home / "dag_runs.log"
    args = [sys.executable, "-m", "planwatch.orchestration.dag_runs",
            *("@".join([run[0], run[1], *(json.dumps(c) for c in run[2:])]) for run in runs)]
    with log_path.open("w", encoding="utf-8") as log, subprocess.Popen(
        args, env=airflow_env(url, settings), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, cwd=settings.airflow_home,
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            log.write(line)
            if line.startswith(PROGRESS) and on_progress:
                _, dag_id, date, state, seconds = line.split()
                on_progress(dag_id, date, state, float(seconds))
    if process.returncode != 0:
        raise RuntimeError(f"Airflow run failed (exit {process.returncode}); see {log_path}")
    return log_path
