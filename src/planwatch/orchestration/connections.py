"""How Airflow's tasks reach the warehouse: Airflow connections, one per role.

``airflow_env`` gives every Airflow process ``AIRFLOW_CONN_PLANWATCH_LOADER``,
``..._TRANSFORMER``, ``..._AUDITOR`` and ``..._BI_READER`` (the warehouse as each role connects to
it); ingest tasks connect as the loader, Cosmos builds dbt's profile from the
transformer's connection (its Postgres profile mapping), the monthly briefing reads
the marts as the BI reader. A deployment can set
these variables itself (``docker-compose.yml``).
"""

from __future__ import annotations

from planwatch.config import Settings
from planwatch.warehouse.roles import role_url

CONNECTIONS = {"loader": "planwatch_loader", "transformer": "planwatch_transformer",
               "auditor": "planwatch_auditor", "bi_reader": "planwatch_bi_reader"}


def connection_env(settings: Settings, url: str) -> dict[str, str]:
    """``AIRFLOW_CONN_*`` for the warehouse ``url`` (its owner's), one per role."""
    return {f"AIRFLOW_CONN_{conn_id.upper()}": role_url(settings, url, role)
            for role, conn_id in CONNECTIONS.items()}


def warehouse_url_as(role: str) -> str:
    """Inside an Airflow task: the warehouse URL of a role's connection."""
    from airflow.sdk import Connection

    conn = Connection.get(CONNECTIONS[role])
    return conn.get_uri().replace("postgres://", "postgresql://", 1)
