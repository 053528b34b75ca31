"""Versioned migrations of the warehouse (``raw`` and ``audit``), with Alembic.

``upgrade`` brings any warehouse to the newest revision in one transaction:
a new, empty database gets every migration; a warehouse release 0.1.0
created (tables, no version record) is stamped at the baseline ``0001``,
which is exactly what that release created, and upgraded from there. The
revision reached is recorded in ``audit.alembic_version``. Concurrent callers
(two workers starting at once) wait for each other.

``revision`` writes a new migration by comparing a database at the newest
revision with ``warehouse.tables`` (autogenerate): the step after changing a
template spec.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url

from planwatch.warehouse import tables

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"
MANAGED_SCHEMAS = {"raw", "audit", "catalog"}


def include_name(name: str | None, type_: str, parent_names: dict) -> bool:
    """What migrations manage: the raw, audit and catalog schemas, and in raw only
    planwatch's own tables (dbt owns the seeds raw.vocab_*)."""
    if type_ == "schema":
        return name in MANAGED_SCHEMAS
    if type_ == "table":
        if name == "alembic_version":
            return False
        return f"{parent_names.get('schema_name')}.{name}" in tables.metadata.tables
    return True


def sqlalchemy_url(url: str) -> str:
    """A libpq URL (``postgresql://``) for SQLAlchemy's psycopg 3 driver."""
    return make_url(url).set(drivername="postgresql+psycopg").render_as_string(
        hide_password=False)


def _config(connection: Connection | None = None,
            migrations_dir: Path = MIGRATIONS_DIR) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.attributes["connection"] = connection
    return config


@contextmanager
def _locked(url: str) -> Iterator[Connection]:
    engine = create_engine(sqlalchemy_url(url))
    try:
        with engine.begin() as conn:
            # Serialise concurrent upgrades; released at commit.
            conn.execute(text("select pg_advisory_xact_lock(hashtext('planwatch.migrate'))"))
            yield conn
    finally:
        engine.dispose()


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(
        conn, opts={"version_table_schema": "audit"}).get_current_revision()


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def _is_unversioned_warehouse(conn: Connection) -> bool:
    return conn.execute(text("select to_regclass('audit.submissions') is not null")).scalar() \
        and current_revision(conn) is None


def upgrade(url: str) -> tuple[str | None, str]:
    """Upgrade to the newest revision; returns (revision before, revision after)."""
    with _locked(url) as conn:
        config = _config(conn)
        # The version record lives in audit: the schema must exist before any revision.
        conn.execute(text("create schema if not exists audit"))
        if _is_unversioned_warehouse(conn):
            command.stamp(config, BASELINE)
        before = current_revision(conn)
        command.upgrade(config, "head")
        return before, current_revision(conn) or ""


def revision(url: str, message: str, migrations_dir: Path = MIGRATIONS_DIR) -> list[Path]:
    """Write a migration for what ``warehouse.tables`` has and ``url``'s database
    (at the newest revision) has not; returns the files written. Review it: a
    renamed column comes out as a drop and an add."""
    with _locked(url) as conn:
        config = _config(conn, migrations_dir)
        if current_revision(conn) != head_revision():
            raise RuntimeError("upgrade the database to the newest revision first "
                               "(planwatch init)")
        scripts = command.revision(config, message=message, autogenerate=True)
    found = scripts if isinstance(scripts, list) else [scripts]
    return [Path(s.path) for s in found if s is not None]
