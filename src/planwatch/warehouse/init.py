"""``planwatch init``: migrations, vocabularies, plan catalogs, roles, plans for old
rows, and the inbox's folders: one per agency of every plan of the catalog and one
shared per issuer (``catalog.inbox_layout``).

Run as the warehouse's owner (the URL given). Idempotent: a new, empty
database is left ready for ``planwatch ingest``; an existing warehouse is
upgraded in place, its vocabularies (dbt seeds) loaded again only if they
changed (``audit.catalog_loads``) and each plan's catalog only if its rows
changed (``audit.plan_catalog_loads``, ``warehouse.catalog_tables``).
"""

from __future__ import annotations

import hashlib
import logging

import psycopg
from psycopg.types.json import Jsonb

from planwatch.catalog import load_catalogs
from planwatch.catalog.inbox_layout import make_sender_folders
from planwatch.config import Settings
from planwatch.dbt import load_seeds, seed_headers
from planwatch.digests import sha256_of
from planwatch.warehouse.catalog_tables import load_plan_catalogs
from planwatch.warehouse.migrate import upgrade
from planwatch.warehouse.roles import create_roles
from planwatch.warehouse.submissions import assign_plans, table_columns

log = logging.getLogger(__name__)


def create_schema(url: str) -> None:
    """The tables at the newest migration."""
    before, after = upgrade(url)
    if before != after:
        log.info("warehouse migrated from %s to %s", before or "nothing", after)


def seed_digests(settings: Settings) -> dict[str, str]:
    """The SHA-256 of each file the seeds (the vocabularies) are loaded from: the
    seed folder's files and ``dbt_project.yml``, by path in the project."""
    project = settings.dbt_project_dir
    files = [project / "dbt_project.yml",
             *(p for p in settings.seeds_dir.rglob("*") if p.is_file())]
    return {p.relative_to(project).as_posix(): sha256_of(p) for p in sorted(files)}


def _digest(files: dict[str, str]) -> str:
    return hashlib.sha256("".join(f"{name}\0{sha}\n" for name, sha in sorted(files.items()))
                          .encode()).hexdigest()


def load_vocabularies(url: str, settings: Settings) -> bool:
    """Load the seeds into raw unless the ones loaded last (``audit.catalog_loads``)
    are these and every seed table is there with its columns; record a load.
    Returns whether it loaded."""
    files = seed_digests(settings)
    digest = _digest(files)
    headers = seed_headers(settings)
    with psycopg.connect(url) as conn:
        last = conn.execute("select seeds_sha256 from audit.catalog_loads"
                            " order by load_id desc limit 1").fetchone()
        present = table_columns(conn, "raw", list(headers))
    # A seed whose table has other columns than its CSV file (a release changed
    # them) is dropped and created again; the others are reloaded in place.
    recreate = [name for name, columns in headers.items()
                if name in present and present[name] != columns]
    if last == (digest,) and not recreate and set(headers) <= set(present):
        log.info("vocabularies unchanged since their last load: not loaded again")
        return False
    load_seeds(url, settings, recreate=recreate)
    with psycopg.connect(url) as conn:
        conn.execute("insert into audit.catalog_loads (seeds_sha256, files) values (%s, %s)",
                     (digest, Jsonb(files)))
    return True


def init_warehouse(url: str, settings: Settings) -> None:
    catalogs = load_catalogs(settings.catalog_dir)  # a catalog error stops init before any change
    create_schema(url)
    load_vocabularies(url, settings)
    with psycopg.connect(url) as conn:
        load_plan_catalogs(conn, catalogs)
        create_roles(conn, settings)  # after the seeds: a recreated seed table needs its grants
    with psycopg.connect(url) as conn:
        assigned = assign_plans(conn, catalogs)
    if assigned:
        log.info("%d earlier submission(s) given their plan", assigned)
    created = make_sender_folders(settings.inbox_dir, catalogs)
    if created:
        log.info("%d inbox folder(s) made under %s", len(created), settings.inbox_dir)
