"""Shared fixtures.

Integration tests run against a real PostgreSQL: the server of
``WAREHOUSE_URL`` when set, else planwatch's own embedded server. Either way
each test session works in a fresh database of its own, dropped at the end,
so no test depends on (or disturbs) what a server already holds.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg
import pytest

from planwatch.config import Settings, load_settings

REPO = Path(__file__).resolve().parents[1]


def _with_database(url: str, name: str) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{name}"))


@pytest.fixture(scope="session")
def server_url() -> str:
    from planwatch.warehouse.db import warehouse_url

    return warehouse_url(load_settings())


@pytest.fixture(scope="session")
def test_database(server_url: str) -> Iterator[str]:
    """A fresh, empty database for this test session (schemas not created)."""
    name = f"planwatch_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    yield _with_database(server_url, name)
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture(scope="session")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("planwatch_home")


@pytest.fixture(scope="session")
def settings(home: Path, test_database: str) -> Iterator[Settings]:
    """Settings pointing data/ at a temporary home and the warehouse at the test DB."""
    saved = {k: os.environ.get(k) for k in ("PLANWATCH_HOME", "WAREHOUSE_URL")}
    os.environ["PLANWATCH_HOME"] = str(home)
    os.environ["WAREHOUSE_URL"] = test_database
    yield load_settings()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def initialised(settings: Settings, test_database: str) -> str:
    """The test database after ``planwatch init`` (schemas, roles, catalog)."""
    from planwatch.warehouse.init import init_warehouse

    init_warehouse(test_database, settings)
    return test_database


@pytest.fixture(scope="session")
def new_warehouse(server_url: str, tmp_path_factory: pytest.TempPathFactory):
    """Factory for tests that need a warehouse and home of their own:
    ``new_warehouse("e2e")`` -> (Settings, url) of a fresh, empty database."""
    created: list[str] = []

    def make(label: str) -> tuple[Settings, str]:
        name = f"planwatch_{label}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'create database "{name}"')
        created.append(name)
        url = _with_database(server_url, name)
        home = tmp_path_factory.mktemp(label)
        return replace(load_settings(), home=home, warehouse_url=url), url

    yield make
    with psycopg.connect(server_url, autocommit=True) as conn:
        for name in created:
            conn.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture(scope="session")
def built_warehouse(new_warehouse):
    """Factory: ``built_warehouse("roles", months=[1])`` -> (settings, owner url,
    manifest) of a warehouse of its own with those demo months (default: the whole
    year) ingested as the loader and the marts built as the transformer;
    ``then(settings, url, manifest)``, if given, runs between the two (close a
    month, send more files), so that one build covers it."""
    from fixtures.plans import SHIPPED_PLAN

    from planwatch.catalog import load_catalog
    from planwatch.dbt import build_marts
    from planwatch.demo.year import write_demo_year
    from planwatch.flow.ingestor import Ingestor
    from planwatch.warehouse.init import init_warehouse
    from planwatch.warehouse.roles import role_url

    def make(label: str, months: list[int] | None = None,  # type: ignore[no-untyped-def]
             then=None):
        settings, url = new_warehouse(label)
        init_warehouse(url, settings)
        manifest = write_demo_year(load_catalog(settings.seeds_dir, SHIPPED_PLAN),
                                   settings.inbox_dir, months=months, progress=False)
        Ingestor(settings, role_url(settings, url, "loader")).ingest_inbox(
            settings.inbox_dir, progress=False)
        if then is not None:
            then(settings, url, manifest)
        build_marts(role_url(settings, url, "transformer"), settings)
        return settings, url, manifest

    return make


@pytest.fixture(scope="session")
def demo_year(built_warehouse):
    """A whole demo year (every case, across months too), loaded and built; shared
    by the tests that need a year."""
    return built_warehouse("year")
