"""``planwatch init``: migrations, the plan catalogs, roles, plans for old rows.

Run as the warehouse's owner (the URL given). Idempotent: a new, empty
database is left ready for ``planwatch ingest``; an existing warehouse is
upgraded in place.
"""

from __future__ import annotations

import logging

import psycopg

from planwatch.catalog import load_catalogs
from planwatch.config import Settings
from planwatch.dbt import load_seeds, seed_headers
from planwatch.warehouse.migrate import upgrade
from planwatch.warehouse.roles import create_roles
from planwatch.warehouse.submissions import assign_plans, table_columns

log = logging.getLogger(__name__)


def create_schema(url: str) -> None:
    """The tables at the newest migration."""
    before, after = upgrade(url)
    if before != after:
        log.info("warehouse migrated from %s to %s", before or "nothing", after)


def seeds_to_recreate(url: str, settings: Settings) -> list[str]:
    """The seeds whose table in raw has other columns than their CSV file."""
    headers = seed_headers(settings)
    with psycopg.connect(url) as conn:
        found = table_columns(conn, "raw", list(headers))
    return [name for name, columns in headers.items()
            if name in found and found[name] != columns]


def init_warehouse(url: str, settings: Settings) -> None:
    create_schema(url)
    load_seeds(url, settings, recreate=seeds_to_recreate(url, settings))
    with psycopg.connect(url) as conn:
        create_roles(conn, settings)  # after the seeds: a recreated seed table needs its grants
    catalogs = load_catalogs(settings.seeds_dir)
    with psycopg.connect(url) as conn:
        assigned = assign_plans(conn, catalogs)
    if assigned:
        log.info("%d earlier submission(s) given their plan", assigned)
