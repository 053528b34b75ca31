"""The plan catalogs into the warehouse's ``catalog`` tables (migration 0008).

``planwatch init`` reads the catalog files (``catalog.seeds``: one reading of
them for all of planwatch) and loads each plan whose rows differ from those it
loaded last (``audit.plan_catalog_loads``): the plan's rows deleted and copied
again in one transaction, the plan recorded as changed for the next build (its
whole year: a target or a lead agency changes every month's figures) and the
load recorded. A plan no longer in the files is removed the same way. An
unchanged catalog costs one read of the files and one query; a new plan costs
its own rows, not the nation's (``dbt seed`` reloaded every row of every plan).

The tables' columns are the migration's; each is an attribute of the catalog's
objects of the same name (``plan_code`` aside), so a column the objects lack
fails here, at init, not in the marts.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from planwatch.catalog import Catalog
from planwatch.catalog.seeds import SEED_FILES
from planwatch.warehouse.mart_builds import CATALOG_CHANGE, mark_changed
from planwatch.warehouse.submissions import table_columns

log = logging.getLogger(__name__)

SCHEMA = "catalog"
# Catalog part (``Catalog``'s attribute; "plans": the plan itself) -> its table,
# in an order that lets each table's rows find the ones they refer to.
TABLES: dict[str, str] = {kind: SEED_FILES[kind].removesuffix(".csv")
                          for kind in ("plans", "agencies", "districts", "tasks", "indicators",
                                       "projects")}


def plan_rows(catalog: Catalog, columns: dict[str, list[str]]) -> dict[str, list[tuple[Any, ...]]]:
    """Each table's rows for one plan, in the columns given (the tables')."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    for kind, table in TABLES.items():
        items: Iterable[Any] = (catalog.plan,) if kind == "plans" else getattr(catalog, kind)
        names = columns[table]
        out[table] = [tuple(catalog.plan_code if name == "plan_code" else getattr(item, name)
                            for name in names) for item in items]
    return out


def rows_digest(rows: dict[str, list[tuple[Any, ...]]]) -> str:
    """SHA-256 of a plan's rows as loaded (values as text, tables and rows in order)."""
    text = json.dumps({table: [[None if v is None else str(v) for v in row] for row in body]
                       for table, body in sorted(rows.items())}, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_plan_catalogs(conn: psycopg.Connection, catalogs: Iterable[Catalog]) -> list[str]:
    """Load the plans that changed and remove those no longer in the files, each in
    its own transaction; returns their codes."""
    columns = table_columns(conn, SCHEMA, list(TABLES.values()))
    missing = [table for table in TABLES.values() if table not in columns]
    if missing:
        raise RuntimeError(f"catalog tables missing (run the migrations): {missing}")
    last = dict(conn.execute(
        """select distinct on (plan_code) plan_code, rows_sha256 from audit.plan_catalog_loads
           order by plan_code, load_id desc""").fetchall())
    present = {code for (code,) in conn.execute("select plan_code from catalog.plans")}
    conn.commit()
    changed: list[str] = []
    wanted: set[str] = set()
    for catalog in catalogs:
        code = catalog.plan_code
        wanted.add(code)
        rows = plan_rows(catalog, columns)
        digest = rows_digest(rows)
        if last.get(code) == digest and code in present:
            continue
        with conn.transaction():
            conn.execute("delete from catalog.plans where plan_code = %s", (code,))
            for table, body in rows.items():
                names = ", ".join(columns[table])
                with conn.cursor().copy(f"copy {SCHEMA}.{table} ({names}) from stdin") as copy:
                    for row in body:
                        copy.write_row(row)
            _record(conn, code, "loaded", digest, {t: len(b) for t, b in rows.items()})
        changed.append(code)
    for code in sorted(present - wanted):
        with conn.transaction():
            conn.execute("delete from catalog.plans where plan_code = %s", (code,))
            _record(conn, code, "removed", None, {})
        changed.append(code)
    if changed:
        log.info("plan catalog(s) loaded or removed: %s", ", ".join(changed))
    return changed


def _record(conn: psycopg.Connection, code: str, action: str, digest: str | None,
            counts: dict[str, int]) -> None:
    conn.execute("""insert into audit.plan_catalog_loads (plan_code, action, rows_sha256,
                    row_counts) values (%s, %s, %s, %s)""", (code, action, digest, Jsonb(counts)))
    mark_changed(conn, [(code, None)], f"{CATALOG_CHANGE} {action}")
