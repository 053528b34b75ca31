"""Running dbt against the warehouse: ``planwatch build`` and the seeds of ``init``.

Connection settings reach dbt as the environment variables that
``dbt_project/profiles.yml`` reads, so nothing secret is written down. The
reporting calendar (deadline, grace, cut-off) goes in the same way, so dbt and
Python read one setting.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlparse

import psycopg

from planwatch.config import Settings, settings_env
from planwatch.vocabulary.periods import CUTOFF_DAY

# What a build of the marts leaves out: the seeds (``planwatch init`` loads them)
# and the unit tests, which check the models' logic on fixed rows, not the data:
# they belong to development and CI (dbt's own advice), where ``make test`` runs
# them (``tests/integration/test_dbt_unit_tests.py``). The data tests and the
# contracts still gate every build.
BUILD_EXCLUDE = ("resource_type:seed", "resource_type:unit_test")

# What a build selects when no plan's catalog changed: the models downstream of
# what ingest writes (raw.*, audit.*), with their tests. The others (the plan
# catalogs' staging views, the dimensions, the months and reports each plan
# expects) read only the catalogs and the vocabularies, which did not change;
# a new definition of any model makes the build whole (mart_builds).
DATA_MODELS = ("source:raw+", "source:audit+")

# The dbt commands that create or replace tables: one of them at a time per warehouse.
WRITING_COMMANDS = ("build", "run", "seed", "snapshot")
DBT_LOCK = "planwatch.dbt_run"


@contextmanager
def one_dbt_run(url: str) -> Iterator[None]:
    """Hold the warehouse's dbt lock while the body runs: the build DAG, the
    deadline DAG's build, ``planwatch build`` and init's seeds each swap tables
    the others read or build ("relation already exists", or a deadlock, when two
    overlap), so each waits for the one running. A session advisory lock on a
    connection of its own, held for the whole run (dbt's ``on-run-start`` hooks
    run on a connection dbt closes before the models start) and released by
    PostgreSQL if the process dies."""
    with psycopg.connect(url, autocommit=True, application_name="planwatch dbt lock") as conn:
        conn.execute("select pg_advisory_lock(hashtext(%s))", (DBT_LOCK,))
        try:
            yield
        finally:
            if not conn.closed:
                conn.execute("select pg_advisory_unlock(hashtext(%s))", (DBT_LOCK,))


def dbt_connection_env(url: str, settings: Settings) -> dict[str, str]:
    """What ``profiles.yml`` and the project's vars read, for any dbt process
    (Cosmos' tasks included)."""
    parsed = urlparse(url)
    env = dict(os.environ)
    env.update(settings_env(settings))  # the deadline and time zone, among others
    env.update(
        PLANWATCH_DB_HOST=parsed.hostname or "127.0.0.1",
        PLANWATCH_DB_PORT=str(parsed.port or 5432),
        PLANWATCH_DB_USER=unquote(parsed.username or "postgres"),
        PLANWATCH_DB_PASSWORD=unquote(parsed.password or ""),
        PLANWATCH_DB_NAME=parsed.path.lstrip("/") or "postgres",
        PLANWATCH_CUTOFF_DAY=str(CUTOFF_DAY),
        DBT_PROFILES_DIR=str(settings.dbt_project_dir),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        # dbt's file log (dbt.log) at info unless the operator asks for more:
        # at dbt's default (debug) every query of every test is formatted and
        # written under one lock, a fifth of a build's time on the demo year.
        # ``DBT_LOG_LEVEL_FILE=debug`` brings the SQL back when it is needed.
        DBT_LOG_LEVEL_FILE=os.environ.get("DBT_LOG_LEVEL_FILE", "info"),
    )
    return env


def dbt_env(url: str, settings: Settings) -> dict[str, str]:
    """The environment of planwatch's own dbt runs: one target folder."""
    env = dbt_connection_env(url, settings)
    env.update(
        DBT_PROJECT_DIR=str(settings.dbt_project_dir),
        DBT_TARGET_PATH=str(settings.dbt_target_dir),
        DBT_LOG_PATH=str(settings.state_dir / "dbt_logs"),
    )
    return env


def dbt_executable() -> str:
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


def run_dbt(args: list[str], url: str, settings: Settings) -> None:
    """Run one dbt command; its own progress output goes to the terminal. One that
    writes tables waits for any other running on the warehouse (``one_dbt_run``)."""
    def run() -> None:
        subprocess.run([dbt_executable(), *args], env=dbt_env(url, settings),
                       cwd=settings.dbt_project_dir, check=True)

    if args and args[0] in WRITING_COMMANDS:
        with one_dbt_run(url):
            run()
    else:
        run()


def seed_headers(settings: Settings) -> dict[str, list[str]]:
    """Each seed of the project (its table name in raw) -> its CSV header."""
    out = {}
    for path in sorted(settings.seeds_dir.rglob("*.csv")):
        with path.open(encoding="utf-8-sig") as fh:
            out[path.stem] = [h.strip() for h in fh.readline().rstrip("\r\n").split(",")]
    return out


def load_seeds(url: str, settings: Settings, *, recreate: list[str] = ()) -> None:
    """The plan catalogs and vocabularies into raw.*. Seeds named in ``recreate``
    (their columns changed with a release) are dropped and created again, which
    drops dbt's views over them until the next build; the others are reloaded in
    place."""
    if recreate:
        run_dbt(["seed", "--full-refresh", "--quiet", "--select", *recreate], url, settings)
    run_dbt(["seed", "--quiet"], url, settings)


def parse_project(url: str, settings: Settings) -> Path:
    """Write the manifest Cosmos renders the build DAG from (``Settings.dbt_manifest``),
    replaced whole so that a reader never sees half of it."""
    run_dbt(["parse", "--quiet"], url, settings)
    target = settings.dbt_manifest
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".json.part")
    shutil.copyfile(settings.dbt_target_dir / "manifest.json", partial)
    partial.replace(target)
    return target


def run_build(url: str, settings: Settings, *, full_refresh: bool = False,
              select: tuple[str, ...] = ()) -> None:
    """``dbt build`` of the marts (``select``: those nodes only), the caller
    holding ``one_dbt_run`` (what it rebuilds, and as of when, the models read
    from the build ``warehouse.mart_builds`` recorded)."""
    results = settings.dbt_target_dir / "run_results.json"
    results.unlink(missing_ok=True)  # what is kept below is this build's, or nothing
    args = ["build", *(["--select", *select] if select else []), "--exclude", *BUILD_EXCLUDE]
    try:
        subprocess.run([dbt_executable(), *args, *(["--full-refresh"] if full_refresh else [])],
                       env=dbt_env(url, settings), cwd=settings.dbt_project_dir, check=True)
    finally:
        keep_build_results(settings.dbt_target_dir, settings)


def keep_build_results(target_dir: Path, settings: Settings) -> Path | None:
    """Keep a build's ``run_results.json`` (from its target folder) as the last
    build's (``Settings.dbt_build_results``), replaced whole; None if it wrote none."""
    source = target_dir / "run_results.json"
    if not source.is_file():
        return None
    target = settings.dbt_build_results
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.part")
    shutil.copyfile(source, partial)
    partial.replace(target)
    return target


def generate_docs(url: str, settings: Settings) -> Path:
    """dbt docs as one self-contained HTML page under ``data/reports/dbt_docs``."""
    run_dbt(["docs", "generate", "--static", "--quiet"], url, settings)
    out = settings.reports_dir / "dbt_docs"
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(settings.dbt_target_dir / "static_index.html", out / "index.html")
    return out / "index.html"


def lint(url: str, settings: Settings, *, min_score: float = 9.0) -> None:
    """The dbt project's lint: sqlfluff (dbt templater, postgres dialect; the
    project's ``.sqlfluff``) on models, macros and tests, then dbt-score on the
    manifest, failing under ``min_score``. Raises on the first failure."""
    env = dbt_env(url, settings)
    project = settings.dbt_project_dir
    tools = Path(sys.executable).parent
    subprocess.run([str(tools / "sqlfluff"), "lint", "--processes", "2",
                    *(str(project / part) for part in ("models", "macros", "tests"))],
                   env=env, cwd=settings.project_dir, check=True)
    run_dbt(["parse", "--quiet"], url, settings)
    subprocess.run([str(tools / "dbt-score"), "lint", "--manifest",
                    str(settings.dbt_target_dir / "manifest.json"),
                    "--fail-project-under", str(min_score)],
                   env=env, cwd=project, check=True)
