"""Least privilege: one login role per component, each with only what it needs.

* ``planwatch_loader`` — ingest (CLI, Airflow's ingest tasks) and ``planwatch
  period``: read and append ``raw.*`` rows, read and write ``audit.*`` (append
  only to ``audit.period_events``);
* ``planwatch_transformer`` — dbt: read ``raw``, ``audit`` and ``catalog`` (and take the
  changes it rebuilds from ``audit.changed_slices``, record ``audit.mart_builds``); own and build
  ``staging``, ``intermediate``, ``marts``;
* ``planwatch_bi_reader`` — BI tools: read ``marts``;
* ``planwatch_auditor`` — auditors: read ``audit``, ``catalog`` and ``marts``.

None can create roles or databases. (``planwatch serve`` adds
``planwatch_airflow``, owner of Airflow's metadata database and nothing else.)
``planwatch init`` (as the warehouse's owner, the URL it is given) creates the
roles, sets their passwords — from
``PLANWATCH_<ROLE>_PASSWORD``, else generated once and kept in
``.planwatch/roles.json`` (mode 0600) — and grants; dbt's ``grants:`` config
and default privileges keep the marts readable across dbt's table swaps.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from planwatch.config import Settings
from planwatch.private_files import write_private

ROLES = ("loader", "transformer", "bi_reader", "auditor")
_GRANTS = """
grant usage on schema raw, audit to planwatch_loader;
grant select, insert on raw.tasks, raw.indicators, raw.disbursement to planwatch_loader;
grant select, insert on all tables in schema audit to planwatch_loader;
grant usage on all sequences in schema audit to planwatch_loader;
revoke insert on audit.alembic_version from planwatch_loader;
revoke insert on audit.catalog_loads, audit.plan_catalog_loads
    from planwatch_loader;  -- init (the owner) writes them
revoke insert on audit.inbox_moves from planwatch_loader;  -- `inbox migrate` (the owner)
-- What ingest changes once written, column by column, and nothing else: a file's
-- received time, hash, reasons or receipt, a validation result, an evidence pack
-- or a period event is never rewritten by the loader.
revoke update on all tables in schema audit from planwatch_loader;
grant update (version, status, superseded_by, plan_code) on audit.submissions
    to planwatch_loader;  -- versions by arrival, superseded, a plan assigned
grant update (size, mtime_ns, ctime_ns, inode, sha256, indexed_at) on audit.inbox_index
    to planwatch_loader;  -- the poll's index of what it has read
grant update (sent_at) on audit.deadline_notices to planwatch_loader;

grant usage on schema raw, audit, catalog to planwatch_transformer;
grant select on all tables in schema raw, audit, catalog to planwatch_transformer;
grant usage, create on schema staging, intermediate, marts to planwatch_transformer;
-- The build takes the changes it rebuilds and records itself (warehouse.mart_builds).
grant delete on audit.changed_slices to planwatch_transformer;
grant insert, update on audit.mart_builds to planwatch_transformer;
grant insert on audit.mart_build_slices to planwatch_transformer;
grant usage on sequence audit.mart_builds_build_id_seq to planwatch_transformer;
revoke insert, update on audit.mart_builds, audit.mart_build_slices from planwatch_loader;

grant usage on schema marts to planwatch_bi_reader;
grant select on all tables in schema marts to planwatch_bi_reader;

grant usage on schema audit, catalog, marts to planwatch_auditor;
grant select on all tables in schema audit, catalog, marts to planwatch_auditor;

alter default privileges for role planwatch_transformer in schema marts
    grant select on tables to planwatch_bi_reader, planwatch_auditor;
"""
# dbt's objects belong to the transformer (a warehouse built before the roles
# were in use has them owned by its owner): it replaces them on every build.
_OWNERSHIP = """
select c.relkind, n.nspname, c.relname
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where n.nspname in ('staging', 'intermediate', 'marts') and c.relkind in ('r', 'v', 'm')
  and pg_get_userbyid(c.relowner) <> 'planwatch_transformer'
"""


def role_name(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    return f"planwatch_{role}"


def _passwords_file(settings: Settings) -> Path:
    return settings.state_dir / "roles.json"


def role_password(settings: Settings, role: str) -> str:
    """From ``PLANWATCH_<ROLE>_PASSWORD``, else generated once (0600 file)."""
    given = os.environ.get(f"PLANWATCH_{role.upper()}_PASSWORD")
    if given:
        return given
    path = _passwords_file(settings)
    stored = json.loads(path.read_text()) if path.exists() else {}
    if role not in stored:
        stored[role] = secrets.token_urlsafe(18)
        write_private(path, json.dumps(stored))
    os.chmod(path, 0o600)
    return stored[role]


def role_url(settings: Settings, url: str, role: str) -> str:
    """``url`` (the warehouse) as ``role`` connects to it."""
    parsed = make_url(url)
    name, password = role_name(role), quote(role_password(settings, role), safe="")
    host = parsed.host or "127.0.0.1"
    port = f":{parsed.port}" if parsed.port else ""
    query = f"?{'&'.join(f'{k}={v}' for k, v in parsed.query.items())}" if parsed.query else ""
    return f"postgresql://{name}:{password}@{host}{port}/{parsed.database}{query}"


def _raced(exc: psycopg.Error) -> bool:
    """Another session created or changed the same role at the same moment."""
    return isinstance(exc, psycopg.errors.UniqueViolation | psycopg.errors.DuplicateObject) \
        or (exc.sqlstate == "XX000" and "concurrently updated" in str(exc))


def ensure_login(conn: psycopg.Connection, name: str, password: str,
                 *, attempts: int = 5) -> None:
    """A login role with no other right, and this password; created if missing.
    The server is sent the password's SCRAM-SHA-256 verifier, computed here
    (libpq's ``PQencryptPasswordConn``), never the password: a statement log or
    a view of running queries shows no secret. Roles belong to the whole server:
    two inits or services starting together on one server race for the same role
    (a duplicate key, or "tuple concurrently updated"); the one that lost tries
    again and finds the role there."""
    statement = "{} role {} login nosuperuser nocreatedb nocreaterole password {}"
    verifier = conn.pgconn.encrypt_password(password.encode(), name.encode(),
                                            b"scram-sha-256").decode()
    for attempt in range(1, attempts + 1):
        try:
            with conn.transaction():
                exists = conn.execute("select 1 from pg_roles where rolname = %s",
                                      (name,)).fetchone()
                conn.execute(sql.SQL(statement).format(
                    sql.SQL("alter" if exists else "create"), sql.Identifier(name),
                    sql.Literal(verifier)))
            return
        except psycopg.Error as exc:
            if attempt == attempts or not _raced(exc):
                raise
            time.sleep(0.1 * attempt)


def create_roles(conn: psycopg.Connection, settings: Settings) -> None:
    """The login roles (password set), their grants, and dbt's objects given to the
    transformer. Run by the warehouse's owner; idempotent."""
    for role in ROLES:
        ensure_login(conn, role_name(role), role_password(settings, role))
    conn.execute(_GRANTS)
    for kind, schema, name in conn.execute(_OWNERSHIP).fetchall():
        what = {"r": "table", "v": "view", "m": "materialized view"}[kind]
        conn.execute(sql.SQL("alter {} {}.{} owner to planwatch_transformer").format(
            sql.SQL(what), sql.Identifier(schema), sql.Identifier(name)))
