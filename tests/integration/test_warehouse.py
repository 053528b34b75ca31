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
from fixtures.plans import FIXTURE_PLAN, SHIPPED_PLAN, project_with_fixture_plan

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
        assert started.url.startswith("postgresql://postgres@127.0.0.1:")  # shown: no password
        with psycopg.connect(server.owner_url(started.port)) as conn:
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
        conn.execute("create view staging.probe_vocab as select * from raw.vocab_templates")
    init_warehouse(url, settings)
    with psycopg.connect(url) as conn:
        schemas = {r[0] for r in conn.execute("select nspname from pg_namespace")}
        counts = conn.execute(
            "select (select count(*) from catalog.plan_agencies), (select count(*) from"
            " catalog.plan_tasks), (select count(*) from catalog.plan_indicators),"
            " (select count(*) from catalog.plan_projects)").fetchone()
        roles = {r[0] for r in conn.execute(
            "select rolname from pg_roles where rolname like 'planwatch_%'")}
        probe = conn.execute("select to_regclass('staging.probe_vocab')::text").fetchone()
        loads = conn.execute("select plan_code, action from audit.plan_catalog_loads").fetchall()
    assert {"raw", "audit", "catalog", "staging", "intermediate", "marts"} <= schemas
    assert probe == ("staging.probe_vocab",)  # seeds reloaded in place, views kept
    catalog_lines = [sum(1 for _ in (settings.catalog_dir / f"plan_{n}.csv").open()) - 1
                     for n in ("agencies", "tasks", "indicators", "projects")]
    assert list(counts) == catalog_lines
    assert loads == [(SHIPPED_PLAN, "loaded")]  # the second init loaded nothing
    assert {"planwatch_loader", "planwatch_transformer", "planwatch_bi_reader",
            "planwatch_auditor"} <= roles


def _catalog_loads(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute("select seeds_sha256, files from audit.catalog_loads"
                            " order by load_id").fetchall()


def test_init_loads_the_vocabularies_again_only_when_they_changed(
        initialised_warehouse, tmp_path: Path) -> None:
    settings, url = initialised_warehouse("vocab")
    (loaded,) = _catalog_loads(url)
    assert loaded[1] == seed_digests(settings)  # what was loaded, file by file
    with psycopg.connect(url) as conn:  # dbt's views over the seeds, as a build leaves them
        conn.execute("create view staging.probe_vocab as select * from raw.vocab_templates")
        conn.execute("update raw.vocab_templates set label_vi = 'probe'")  # not the file's
    init_warehouse(url, settings)
    assert _catalog_loads(url) == [loaded]  # unchanged: not loaded again

    project = project_with_fixture_plan(tmp_path / "project")
    vocab = project / "dbt_project" / "seeds" / "vocabulary" / "vocab_templates.csv"
    vocab.write_text(vocab.read_text(encoding="utf-8").replace("Nhiệm vụ", "Nhiệm vụ "),
                     encoding="utf-8")
    changed = dataclasses.replace(settings, project_dir=project)
    init_warehouse(url, changed)
    loads = _catalog_loads(url)
    assert len(loads) == 2 and loads[-1][1] == seed_digests(changed) != loaded[1]
    with psycopg.connect(url) as conn:
        labels = {i for (i,) in conn.execute("select label_vi from raw.vocab_templates")}
        probe = conn.execute("select to_regclass('staging.probe_vocab')::text").fetchone()
    assert "probe" not in labels  # loaded again, whole
    assert probe == ("staging.probe_vocab",)  # in place: the views over them kept


def _plan_state(url: str) -> tuple[list[tuple], dict[str, str], list[tuple]]:
    """(plan catalog loads, each plan's task rows' versions, changed slices)."""
    with psycopg.connect(url) as conn:
        loads = conn.execute("select plan_code, action from audit.plan_catalog_loads"
                             " order by load_id").fetchall()
        versions = dict(conn.execute(
            "select plan_code, string_agg(xmin::text, ',' order by task_code)"
            " from catalog.plan_tasks group by plan_code").fetchall())
        changed = conn.execute("select plan_code, period, cause from audit.changed_slices"
                               " where cause like 'plan catalog%' order by change_id").fetchall()
    return loads, versions, changed


def test_init_loads_each_plan_whose_rows_changed_and_only_those(
        initialised_warehouse, tmp_path: Path) -> None:
    settings, url = initialised_warehouse("catalog")
    loads, shipped, _ = _plan_state(url)
    assert loads == [(SHIPPED_PLAN, "loaded")]

    project = project_with_fixture_plan(tmp_path / "project")  # a plan added
    two = dataclasses.replace(settings, project_dir=project)
    init_warehouse(url, two)
    loads, versions, changed = _plan_state(url)
    assert loads[1:] == [(FIXTURE_PLAN, "loaded")]
    assert versions[SHIPPED_PLAN] == shipped[SHIPPED_PLAN]  # its rows not rewritten
    assert changed[-1] == (FIXTURE_PLAN, None, "plan catalog loaded")  # rebuilt whole, alone

    tasks = project / "catalog" / "plan_tasks.csv"  # one plan's task edited
    text = tasks.read_text(encoding="utf-8")
    line = next(row for row in text.splitlines() if row.startswith(f"{FIXTURE_PLAN},"))
    head, key = line.rsplit(",", 1)  # is_key_task, flipped
    tasks.write_text(text.replace(line, f"{head},{'false' if key == 'true' else 'true'}"),
                     encoding="utf-8")
    init_warehouse(url, two)
    loads, again, _ = _plan_state(url)
    assert loads[2:] == [(FIXTURE_PLAN, "loaded")]
    assert again[SHIPPED_PLAN] == shipped[SHIPPED_PLAN] and again[FIXTURE_PLAN] != versions[
        FIXTURE_PLAN]

    init_warehouse(url, settings)  # the fixture plan left the catalog
    loads, last, changed = _plan_state(url)
    assert loads[3:] == [(FIXTURE_PLAN, "removed")] and set(last) == {SHIPPED_PLAN}
    assert changed[-1] == (FIXTURE_PLAN, None, "plan catalog removed")


def test_the_catalog_tables_refuse_a_row_outside_its_plan(initialised_warehouse) -> None:
    """The database holds the catalog's rules, so dbt need not test them again."""
    _, url = initialised_warehouse("catalog_rules")
    refused = []
    for statement in (
            "insert into catalog.plan_tasks values (%(p)s, 'NV-X', 'NOBODY', 'I', 'x', null,"
            " false)",  # a lead agency not in the plan
            "insert into catalog.plan_indicators (plan_code, indicator_code, name_vi, unit,"
            " direction, lead_agency_code, section) values (%(p)s, 'CT-X', 'x', '%%',"
            " 'sideways', 'SKHDT', 'I')",  # a direction not in the vocabulary
            "insert into catalog.plan_agencies (plan_code, agency_code, name_vi, role, section)"
            " values ('NO-PLAN', 'A', 'x', 'lead', 'I')"):  # a plan not in the catalog
        with psycopg.connect(url) as conn:
            try:
                conn.execute(statement, {"p": SHIPPED_PLAN})
                conn.commit()
            except psycopg.errors.IntegrityError as exc:
                refused.append(type(exc).__name__)
    assert refused == ["ForeignKeyViolation", "CheckViolation", "ForeignKeyViolation"]


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
