"""``planwatch init``: schemas, tables, roles and the plan catalog."""

from __future__ import annotations

import logging
from importlib import resources

import psycopg

from planwatch.config import Settings
from planwatch.dbt_runner import run_dbt

log = logging.getLogger(__name__)


def _sql(name: str) -> str:
    return resources.files("planwatch.warehouse").joinpath(name).read_text(encoding="utf-8")


def create_schema(url: str) -> None:
    with psycopg.connect(url) as conn:
        # Serialise concurrent inits (two workers starting at once).
        conn.execute("select pg_advisory_xact_lock(hashtext('planwatch.init'))")
        conn.execute(_sql("schema.sql"))
    try:
        with psycopg.connect(url) as conn:
            conn.execute(_sql("roles.sql"))
    except psycopg.errors.InsufficientPrivilege:
        log.warning("Not allowed to create roles on this server; skipped role set-up.")


def init_warehouse(url: str, settings: Settings) -> None:
    """Idempotent: leaves the database ready for ``planwatch ingest``."""
    create_schema(url)
    run_dbt(["seed", "--quiet"], url, settings)
