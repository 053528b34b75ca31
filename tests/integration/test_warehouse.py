"""The warehouse itself: the embedded server's life cycle and an idempotent init."""

from __future__ import annotations

import dataclasses
import os
import tempfile
import threading
import uuid
from pathlib import Path

import psycopg
import pytest
from fixtures.plans import FIXTURE_PLAN, project_with_fixture_plan

from planwatch.cli import main
from planwatch.warehouse.embedded import EmbeddedPostgres
from planwatch.warehouse.init import init_warehouse, seed_digests
from planwatch.warehouse.roles import ensure_login

pytestmark = pytest.mark.integration


@pytest.fixture()
def state_dir():
    """A state folder the server's own user can reach (pytest's tmp is root-only)."""
    with tempfile.TemporaryDirectory(prefix="planwatch-embedded-", dir="/tmp") as folder:
        os.chmod(folder, 0o755)
        yield Path(folder) / ".planwatch"


def test_embedded_server_starts_on_a_free_port_and_keeps_it(state_dir) -> None:
    server = EmbeddedPostgres(state_dir)
    assert not server.status().running
    try:
        started = server.start()
        assert started.running and started.port != 5432
        assert started.url.startswith("postgresql://postgres@127.0.0.1:")
        with psycopg.connect(started.url) as conn:
            assert conn.execute("select current_database()").fetchone() == ("planwatch",)
        assert server.start() == started  # already running: nothing changes
        assert not server.stop().running
        again = server.start()
        assert again.port == started.port  # the port is kept between runs
    finally:
        server.stop()
    assert not server.status().running


def test_init_twice_leaves_one_ready_warehouse(new_warehouse) -> None:
    settings, url = new_warehouse("init")
    init_warehouse(url, settings)
    with psycopg.connect(url) as conn:  # dbt's views over the seeds, as a build leaves them
        conn.execute("create view staging.probe_plans as select * from raw.plans")
    init_warehouse(url, settings)
    with psycopg.connect(url) as conn:
        schemas = {r[0] for r in conn.execute("select nspname from pg_namespace")}
        counts = conn.execute(
            "select (select count(*) from raw.plan_agencies), (select count(*) from"
            " raw.plan_tasks), (select count(*) from raw.plan_indicators),"
            " (select count(*) from raw.plan_projects)").fetchone()
        roles = {r[0] for r in conn.execute(
            "select rolname from pg_roles where rolname like 'planwatch_%'")}
        probe = conn.execute("select to_regclass('staging.probe_plans')::text").fetchone()
    assert {"raw", "audit", "staging", "intermediate", "marts"} <= schemas
    assert probe == ("staging.probe_plans",)  # seeds reloaded in place, views kept
    catalog_lines = [sum(1 for _ in (settings.seeds_dir / f"plan_{n}.csv").open()) - 1
                     for n in ("agencies", "tasks", "indicators", "projects")]
    assert list(counts) == catalog_lines
    assert {"planwatch_loader", "planwatch_transformer", "planwatch_bi_reader",
            "planwatch_auditor"} <= roles


def _catalog_loads(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute("select seeds_sha256, files from audit.catalog_loads"
                            " order by load_id").fetchall()


def test_init_loads_the_catalog_again_only_when_it_changed(
        initialised_warehouse, tmp_path: Path) -> None:
    settings, url = initialised_warehouse("catalog")
    (loaded,) = _catalog_loads(url)
    assert loaded[1] == seed_digests(settings)  # what was loaded, file by file
    with psycopg.connect(url) as conn:  # dbt's views over the seeds, as a build leaves them
        conn.execute("create view staging.probe_plans as select * from raw.plans")
        conn.execute("update raw.plans set issuer_name_vi = 'probe'")  # not from the catalog
    init_warehouse(url, settings)
    assert _catalog_loads(url) == [loaded]  # unchanged: not loaded again

    changed = dataclasses.replace(settings, project_dir=project_with_fixture_plan(
        tmp_path / "project"))  # a plan added to the catalog
    init_warehouse(url, changed)
    loads = _catalog_loads(url)
    assert len(loads) == 2 and loads[-1][1] == seed_digests(changed) != loaded[1]
    with psycopg.connect(url) as conn:
        plans = {p for (p,) in conn.execute("select plan_code from raw.plans")}
        issuers = {i for (i,) in conn.execute("select issuer_name_vi from raw.plans")}
        probe = conn.execute("select to_regclass('staging.probe_plans')::text").fetchone()
    assert FIXTURE_PLAN in plans and "probe" not in issuers  # loaded again, whole
    assert probe == ("staging.probe_plans",)  # in place: the views over them kept


def test_inits_starting_together_on_one_server_all_get_their_login(server_url: str) -> None:
    """Roles belong to the server: services or inits starting at once race for one."""
    name = f"pwt_login_{uuid.uuid4().hex[:8]}"
    start = threading.Barrier(4)
    failures: list[BaseException] = []

    def ensure() -> None:
        try:
            with psycopg.connect(server_url, autocommit=True) as conn:
                start.wait()
                ensure_login(conn, name, "secret")
        except BaseException as exc:  # noqa: BLE001 (told below)
            failures.append(exc)

    threads = [threading.Thread(target=ensure) for _ in range(4)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        with psycopg.connect(server_url) as conn:
            (login,) = conn.execute("select rolcanlogin and not rolsuper and not rolcreatedb"
                                    " from pg_roles where rolname = %s", (name,)).fetchone()
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'drop role if exists "{name}"')
    assert failures == [] and login


def test_cli_db_url_names_the_configured_warehouse(new_warehouse, monkeypatch, capsys) -> None:
    _, url = new_warehouse("cli")
    monkeypatch.setenv("WAREHOUSE_URL", url)
    assert main(["db", "url"]) == 0
    assert capsys.readouterr().out.strip() == url
