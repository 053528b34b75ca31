"""Where the roles' passwords are kept and read (no database): the server's file,
shared by every process and home on it; what is shown never holds a password."""

from __future__ import annotations

import json
import multiprocessing
import stat
from dataclasses import replace
from pathlib import Path

import pytest

from planwatch.cli import main
from planwatch.config import load_settings
from planwatch.private_files import write_private
from planwatch.reporting.summary import summary_text
from planwatch.warehouse.db import shown_url
from planwatch.warehouse.embedded import EmbeddedPostgres
from planwatch.warehouse.roles import ROLES, password_store, passwords_location, role_password
from planwatch.warehouse.summary import Summary

EXTERNAL = "postgresql://owner:chu-so-huu-9c1@db.example:5432/planwatch"


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    for name in ("WAREHOUSE_URL", "PLANWATCH_PASSWORDS_FILE",
                 *(f"PLANWATCH_{role.upper()}_PASSWORD" for role in ROLES)):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PLANWATCH_HOME", str(tmp_path))
    return tmp_path


def test_the_embedded_servers_passwords_are_beside_its_data_not_in_the_home(home) -> None:
    settings = load_settings()
    store = password_store(settings)
    server = EmbeddedPostgres(settings.state_dir)
    assert store.servers and store.path == server.roles_file
    assert store.path.parent == server.data_dir.parent / "secrets"
    password = role_password(settings, "loader")
    assert role_password(settings, "loader") == password  # generated once
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700
    assert not (settings.state_dir / "roles.json").exists()


def test_an_earlier_homes_passwords_move_to_the_server(home) -> None:
    settings = load_settings()
    write_private(settings.state_dir / "roles.json", json.dumps({"loader": "cu-1"}))
    assert role_password(settings, "loader") == "cu-1"
    assert not (settings.state_dir / "roles.json").exists()
    assert json.loads(password_store(settings).path.read_text())["loader"] == "cu-1"


def test_a_server_of_ones_own_reads_the_environment_or_the_file_named(home, monkeypatch) -> None:
    settings = replace(load_settings(), warehouse_url=EXTERNAL)
    fallback = password_store(settings)
    assert fallback.path == settings.state_dir / "roles.json" and not fallback.servers
    monkeypatch.setenv("PLANWATCH_LOADER_PASSWORD", "tu-moi-truong")
    assert role_password(settings, "loader") == "tu-moi-truong"  # as docker-compose gives it
    shared = home / "server" / "roles.json"
    monkeypatch.setenv("PLANWATCH_PASSWORDS_FILE", str(shared))
    assert password_store(settings).path == shared and password_store(settings).servers
    other_home = replace(settings, home=home / "other")
    assert role_password(settings, "auditor") == role_password(other_home, "auditor")


def _ask(path: str, start, answers) -> None:  # type: ignore[no-untyped-def]
    import os

    os.environ["PLANWATCH_PASSWORDS_FILE"] = path
    settings = replace(load_settings(), warehouse_url=EXTERNAL)
    start.wait()
    answers.put({role: role_password(settings, role) for role in ROLES})


def test_processes_starting_together_agree_on_one_password_each(home) -> None:
    """pytest-xdist's workers (or two inits) asking at once for passwords none has
    yet: one generates each, the others read it; nobody gets a password the file
    does not hold (which init would then set, breaking the others)."""
    # Spawned, not forked: a fork of a test process that runs threads may hang.
    context = multiprocessing.get_context("spawn")
    start, answers = context.Barrier(6), context.Queue()
    path = home / "server" / "roles.json"
    workers = [context.Process(target=_ask, args=(str(path), start, answers))
               for _ in range(6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert [worker.exitcode for worker in workers] == [0] * 6  # none raised
    got = [answers.get(timeout=5) for _ in workers]
    assert all(answer == got[0] for answer in got)
    assert json.loads(path.read_text()) == got[0]


def test_what_is_shown_holds_no_password_and_says_where_it_is(home, capsys) -> None:
    settings = load_settings()
    password = role_password(settings, "bi_reader")
    shown = shown_url("postgresql://postgres:bi-mat-42@127.0.0.1:5999/planwatch", settings)
    assert "bi-mat-42" not in shown and "postgres@127.0.0.1:5999/planwatch" in shown
    assert str(EmbeddedPostgres(settings.state_dir).password_file) in shown
    assert f"in {password_store(settings).path}" in passwords_location(settings)
    text = summary_text(Summary(months=[], statuses=[], raw_rows=0, disbursement=[]), settings)
    assert password not in text and str(password_store(settings).path) in text
    assert main(["db", "status"]) == 0
    out = capsys.readouterr().out
    assert "stopped" in out and str(EmbeddedPostgres(settings.state_dir).password_file) in out
    assert password not in out
