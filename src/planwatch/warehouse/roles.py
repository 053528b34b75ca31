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
roles, sets their passwords and grants; dbt's ``grants:`` config and default
privileges keep the marts readable across dbt's table swaps.

Roles belong to the server, and so do their passwords: every home, test clone
or worker on one server reads the same ones and none resets another's. A
role's password comes from ``PLANWATCH_<ROLE>_PASSWORD``, else from the
server's passwords file (``password_store``): ``PLANWATCH_PASSWORDS_FILE`` if
set, else the embedded server's own (beside its data), where it is generated
once, under a lock, mode 0600. For a server of one's own (``WAREHOUSE_URL``)
with neither, a home keeps the passwords it generated in ``.planwatch/roles.json``
as before, but then only creates roles: one that exists with another password
is left alone and ``init`` says how to give it the server's passwords.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import hmac
import json
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from planwatch.config import Settings
from planwatch.errors import UserError
from planwatch.private_files import write_private
from planwatch.warehouse.embedded import EmbeddedPostgres

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
grant update (size, mtime_ns, ctime_ns, inode, sha256, indexed_at, received_at)
    on audit.inbox_index
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


@dataclass(frozen=True)
class PasswordStore:
    """Where generated role passwords are kept. ``servers``: the server's own
    file, which every home on the server reads, so what it holds may be set on
    the server; else a home's own (a server of one's own, nothing given), whose
    passwords only create roles."""

    path: Path
    servers: bool

    @property
    def lock(self) -> Path:
        return self.path.with_name(f".{self.path.name}.lock")


def password_store(settings: Settings) -> PasswordStore:
    given = os.environ.get("PLANWATCH_PASSWORDS_FILE")
    if given:
        return PasswordStore(Path(given).resolve(), True)
    if not settings.warehouse_url:
        return PasswordStore(EmbeddedPostgres(settings.state_dir).roles_file, True)
    return PasswordStore(settings.state_dir / "roles.json", False)


def passwords_location(settings: Settings) -> str:
    """Where the roles' passwords are, said in words (for output: never a password)."""
    path = password_store(settings).path
    if all(os.environ.get(f"PLANWATCH_{role.upper()}_PASSWORD") for role in ROLES):
        return "from PLANWATCH_<ROLE>_PASSWORD"
    return f"in {path} (mode 0600)"


def _stored(store: PasswordStore, settings: Settings, role: str) -> str:
    """The stored password of ``role``, generated and stored if there is none yet:
    under an exclusive lock, read again first, so that processes starting together
    agree on one."""
    # A folder for secrets, its owner's only; another process may make it first.
    store.path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
    with os.fdopen(os.open(store.lock, os.O_RDWR | os.O_CREAT, 0o600)) as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stored = json.loads(store.path.read_text()) if store.path.exists() else {}
        legacy = settings.state_dir / "roles.json"
        if store.servers and not settings.warehouse_url and legacy.exists():
            # An embedded server's passwords from an earlier release, kept in its
            # home: they are the server's, and move beside its data.
            stored = {**json.loads(legacy.read_text()), **stored}
            write_private(store.path, json.dumps(stored))
            legacy.unlink()
        if role not in stored:
            stored[role] = secrets.token_urlsafe(18)
            write_private(store.path, json.dumps(stored))
    os.chmod(store.path, 0o600)
    return str(stored[role])


def _password(settings: Settings, role: str) -> tuple[str, bool]:
    """``role``'s password, and whether it may be set on the server (given in the
    environment, or the server's own store's)."""
    given = os.environ.get(f"PLANWATCH_{role.upper()}_PASSWORD")
    if given:
        return given, True
    store = password_store(settings)
    return _stored(store, settings, role), store.servers


def role_password(settings: Settings, role: str) -> str:
    """From ``PLANWATCH_<ROLE>_PASSWORD``, else the server's passwords file
    (``password_store``; generated once, 0600)."""
    return _password(settings, role)[0]


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


class RolePasswordConflict(Exception):
    """The role exists with another password, which is not to be reset."""


def scram_matches(verifier: str, password: str) -> bool:
    """Is ``verifier`` (``pg_authid.rolpassword``) a SCRAM-SHA-256 verifier of
    ``password``? (RFC 5802: the stored key is H(HMAC(salted password, "Client Key")).)"""
    found = re.fullmatch(r"SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)", verifier or "")
    if not found:
        return False
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(found[2]),
                                 int(found[1]))
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    return hmac.compare_digest(hashlib.sha256(client_key).digest(),
                               base64.b64decode(found[3]))


def _verifier(conn: psycopg.Connection, name: str) -> str | None:
    """The role's stored verifier, None if this login may not read it."""
    try:
        with conn.transaction():
            row = conn.execute("select rolpassword from pg_authid where rolname = %s",
                               (name,)).fetchone()
    except psycopg.errors.InsufficientPrivilege:
        return None
    return row[0] if row else None


def ensure_login(conn: psycopg.Connection, name: str, password: str,
                 *, attempts: int = 5, may_reset: bool = True) -> None:
    """A login role with no other right, and this password; created if missing.
    The server is sent the password's SCRAM-SHA-256 verifier, computed here
    (libpq's ``PQencryptPasswordConn``), never the password: a statement log or
    a view of running queries shows no secret. A role that already has this
    password is not altered. One that has another is altered only if
    ``may_reset``, else ``RolePasswordConflict`` (when its verifier is not
    readable, it is left as it is). Roles belong to the whole server: two inits
    or services starting together on one server race for the same role (a
    duplicate key, or "tuple concurrently updated"); the one that lost tries
    again and finds the role there."""
    statement = "{} role {} login nosuperuser nocreatedb nocreaterole password {}"
    verifier = conn.pgconn.encrypt_password(password.encode(), name.encode(),
                                            b"scram-sha-256").decode()
    for attempt in range(1, attempts + 1):
        try:
            with conn.transaction():
                exists = conn.execute("select 1 from pg_roles where rolname = %s",
                                      (name,)).fetchone()
                if exists:
                    current = _verifier(conn, name)
                    if current is not None and scram_matches(current, password):
                        return
                    if not may_reset:
                        if current is None:
                            return
                        raise RolePasswordConflict(name)
                conn.execute(sql.SQL(statement).format(
                    sql.SQL("alter" if exists else "create"), sql.Identifier(name),
                    sql.Literal(verifier)))
            return
        except psycopg.Error as exc:
            if attempt == attempts or not _raced(exc):
                raise
            time.sleep(0.1 * attempt)


def ensure_role(conn: psycopg.Connection, settings: Settings, role: str,
                name: str | None = None) -> None:
    """``role``'s login (``name``, default ``planwatch_<role>``) with its password
    from where this home reads it (``_password``); never resetting a password
    another home may use."""
    name = name or role_name(role)
    password, may_reset = _password(settings, role)
    try:
        ensure_login(conn, name, password, may_reset=may_reset)
    except RolePasswordConflict:
        raise UserError(
            f"the role {name} exists on this server with another password than the one "
            f"in {password_store(settings).path}; planwatch does not reset it (another "
            f"home or service on the server may use it). Give this home the server's "
            f"passwords: PLANWATCH_{role.upper()}_PASSWORD, or PLANWATCH_PASSWORDS_FILE "
            "naming the server's file (an embedded server's: .planwatch/pg/secrets/"
            "roles.json in its home)") from None


def create_roles(conn: psycopg.Connection, settings: Settings) -> None:
    """The login roles (password set), their grants, and dbt's objects given to the
    transformer. Run by the warehouse's owner; idempotent."""
    for role in ROLES:
        ensure_role(conn, settings, role)
    conn.execute(_GRANTS)
    for kind, schema, name in conn.execute(_OWNERSHIP).fetchall():
        what = {"r": "table", "v": "view", "m": "materialized view"}[kind]
        conn.execute(sql.SQL("alter {} {}.{} owner to planwatch_transformer").format(
            sql.SQL(what), sql.Identifier(schema), sql.Identifier(name)))
