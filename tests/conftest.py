"""Shared fixtures: where a test's warehouse comes from.

Integration tests run against a real PostgreSQL: the server of ``WAREHOUSE_URL``
when set, else planwatch's own embedded server (started once, before any test
process). Each test works in databases of its own, named ``pwt_<run>_…`` and
dropped when the run ends, so no test depends on (or disturbs) what a server
already holds.

Expensive warehouses are built once per run as templates
(``fixtures/databases.py``; what each holds is in ``fixtures/scenarios.py``);
a test takes a copy. Which fixture to use:

* ``demo_year`` — *read only*: the whole demo year ingested as the loader and
  built as the transformer, with the year's latest late correction sent while its
  month was closed (a restatement). One shared copy per test process: never
  change it.
* ``year_clone(label)`` — the same year, as a database and data folder of the
  test's own: change anything (build again, close a month, send files).
* ``auditor_months`` — *read only*: two demo months, January closed by an
  auditor before a correction of it arrived, a hostile file for February; built.
  ``auditor_clone(label)`` for a copy of one's own.
* ``initialised_warehouse(label)`` — a copy of a warehouse just after
  ``planwatch init`` (schemas, roles, catalogs), nothing ingested.
* ``new_warehouse(label)`` — a fresh, empty database (for what ``init`` itself
  does: migrations, upgrades).
* ``settings`` / ``initialised`` — one initialised warehouse for the session,
  with ``PLANWATCH_HOME`` and ``WAREHOUSE_URL`` pointing at it.

Each returns (or its factory returns) the settings, the owner's URL and, where
there is one, the demo manifest (``Built``: ``settings, url, manifest = built``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures import scenarios
from fixtures.databases import (
    RUN_VARIABLE,
    SHARED_VARIABLE,
    Built,
    Template,
    Warehouses,
    drop_run_databases,
)

from planwatch.config import Settings, load_settings

REPO = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent
# Tests land files and read them at once: no quiet period (its own tests,
# tests/integration/test_inbox_poll.py, set one); child processes inherit it.
os.environ.setdefault("PLANWATCH_INBOX_QUIET_S", "0")
# The files that take longest, first. pytest-xdist gives each worker whole files
# (``--dist loadfile``) in collection order: the long ones start at once, the
# rest fill in around them. ``make test`` prints the slowest tests: keep this
# list in step with them. The first file to use the demo year builds its
# template (about 40 s) while the other process runs a service: a file that
# needs it later then finds it built instead of waiting for it.
SLOWEST_FIRST = (
    "service/test_celery.py",
    "service/test_backfill.py",
    "integration/test_incremental_build.py",
    "service/test_serve.py",
    "integration/test_audit_trail.py",
    "integration/test_deadline.py",
    "e2e/test_month_through_airflow.py",
    "integration/test_auditor_report.py",
    "integration/test_briefing.py",
    "integration/test_roles.py",
)


# Files whose tests share one running service (``shared_service``,
# tests/service/conftest.py): one scope for xdist, so one test process runs
# them, in the order above.
SHARED_SERVICE_FILES = ("service/test_celery.py", "service/test_backfill.py")


def pytest_xdist_make_scheduler(config: pytest.Config, log):  # type: ignore[no-untyped-def]
    """``--dist loadfile``, but for ``SHARED_SERVICE_FILES``, which go together."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    shared = {f"tests/{name}" for name in SHARED_SERVICE_FILES}

    class SharedServiceScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            scope = super()._split_scope(nodeid)
            return "tests/service: shared_service" if scope in shared else scope

    return SharedServiceScheduling(config, log)


_OWNS_RUN = pytest.StashKey[bool]()


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    """The process that starts the run names it and makes the folder its test
    processes share (xdist's workers inherit both). Every home a test makes on
    the embedded server reads the roles' passwords from that server's file, as a
    second home on it would be told to: none resets another's."""
    if not os.environ.get("WAREHOUSE_URL"):
        from planwatch.warehouse.embedded import EmbeddedPostgres

        os.environ.setdefault("PLANWATCH_PASSWORDS_FILE",
                              str(EmbeddedPostgres(load_settings().state_dir).roles_file))
    if _is_worker(config) or RUN_VARIABLE in os.environ:
        return
    run = uuid.uuid4().hex[:8]
    os.environ[RUN_VARIABLE] = run
    os.environ[SHARED_VARIABLE] = tempfile.mkdtemp(prefix=f"planwatch-tests-{run}-")
    config.stash[_OWNS_RUN] = True


def _server_url() -> str:
    from planwatch.warehouse.db import warehouse_url

    return warehouse_url(load_settings())


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """``tests/bi`` (Superset: minutes to install) runs as ``make test-bi`` only:
    collected when named on the command line, never by ``make test`` or ``quick``."""
    if collection_path == TESTS / "bi":
        named = [Path(a.split("::")[0]).resolve() for a in config.args]
        return not any(p == collection_path or collection_path in p.parents for p in named)
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: n for n, name in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.relative_to(TESTS).as_posix(), len(rank)))


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Every database of the run dropped, the shared folder removed."""
    if not session.config.stash.get(_OWNS_RUN, False):
        return
    from planwatch.warehouse.db import running_warehouse_url

    url = running_warehouse_url(load_settings())
    if url:
        drop_run_databases(url)
    shutil.rmtree(os.environ[SHARED_VARIABLE], ignore_errors=True)
    os.environ.pop(RUN_VARIABLE, None)
    os.environ.pop(SHARED_VARIABLE, None)


@pytest.fixture(scope="session")
def server_url() -> str:
    return _server_url()


@pytest.fixture(scope="session")
def warehouses(server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Warehouses:
    return Warehouses(server_url, lambda label: tmp_path_factory.mktemp(label))


@pytest.fixture(scope="session")
def new_warehouse(warehouses: Warehouses):
    """Factory: ``new_warehouse("e2e")`` -> (Settings, url) of a fresh, empty database
    and home of its own."""
    return warehouses.create


@pytest.fixture(scope="session")
def initialised_template(warehouses: Warehouses) -> Template:
    return warehouses.template("initialised", scenarios.initialised)


@pytest.fixture(scope="session")
def initialised_warehouse(warehouses: Warehouses, initialised_template: Template):
    """Factory: ``initialised_warehouse("atomic")`` -> (Settings, url) of a warehouse of
    its own just after ``planwatch init``."""
    def make(label: str) -> tuple[Settings, str]:
        built = warehouses.clone(initialised_template, label)
        return built.settings, built.url

    return make


@pytest.fixture(scope="session")
def year_template(warehouses: Warehouses, initialised_template: Template) -> Template:
    return warehouses.template("year", scenarios.audited_year, base=initialised_template)


@pytest.fixture(scope="session")
def demo_year(warehouses: Warehouses, year_template: Template) -> Built:
    """The shared copy of the demo year (read only)."""
    return warehouses.clone(year_template, "year")


@pytest.fixture(scope="session")
def year_clone(warehouses: Warehouses, year_template: Template):
    """Factory: ``year_clone("roles")`` -> a copy of the demo year of the test's own."""
    return lambda label: warehouses.clone(year_template, label)


@pytest.fixture(scope="session")
def auditor_template(warehouses: Warehouses, initialised_template: Template) -> Template:
    return warehouses.template("auditor", scenarios.auditor_months, base=initialised_template)


@pytest.fixture(scope="session")
def auditor_months(warehouses: Warehouses, auditor_template: Template) -> Built:
    """The shared copy of the auditor's two months (read only)."""
    return warehouses.clone(auditor_template, "auditor")


@pytest.fixture(scope="session")
def auditor_clone(warehouses: Warehouses, auditor_template: Template):
    """Factory: ``auditor_clone("evidence")`` -> a copy of the auditor's months of the
    test's own."""
    return lambda label: warehouses.clone(auditor_template, label)


@pytest.fixture(scope="session")
def session_warehouse(warehouses: Warehouses, initialised_template: Template) -> Built:
    return warehouses.clone(initialised_template, "session")


@pytest.fixture(scope="session")
def settings(session_warehouse: Built) -> Iterator[Settings]:
    """Settings of the session's initialised warehouse; ``PLANWATCH_HOME`` and
    ``WAREHOUSE_URL`` point at it for the rest of the session."""
    saved = {k: os.environ.get(k) for k in ("PLANWATCH_HOME", "WAREHOUSE_URL")}
    os.environ["PLANWATCH_HOME"] = str(session_warehouse.settings.home)
    os.environ["WAREHOUSE_URL"] = session_warehouse.url
    yield load_settings()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def initialised(settings: Settings, session_warehouse: Built) -> str:
    """The session warehouse's URL (``planwatch init`` done: schemas, roles, catalog)."""
    return session_warehouse.url
