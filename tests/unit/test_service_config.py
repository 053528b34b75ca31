"""What every Airflow component of ``planwatch serve`` is given, without starting one."""

from __future__ import annotations

import socket
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from planwatch.config import load_settings
from planwatch.orchestration.airflow_cli import airflow_env
from planwatch.orchestration.service import (
    CELERY,
    LOCAL,
    Paths,
    ServiceError,
    components,
    service_config,
)
from planwatch.warehouse.roles import role_password

OWNER_URL = "postgresql://owner:owner-secret-7f3a@127.0.0.1:5432/planwatch"


@pytest.fixture
def settings(tmp_path, monkeypatch):
    for role in ("LOADER", "TRANSFORMER", "BI_READER", "AUDITOR"):
        monkeypatch.delenv(f"PLANWATCH_{role}_PASSWORD", raising=False)
    return replace(load_settings(), home=tmp_path)


def test_no_component_gets_the_warehouse_owners_password(settings) -> None:
    env = {**airflow_env(OWNER_URL, settings),
           **service_config(settings, OWNER_URL, api_port=8080, executor=LOCAL)}
    assert not [k for k, v in env.items() if "owner-secret-7f3a" in v]
    assert "WAREHOUSE_URL" not in env
    assert env["PLANWATCH_DB_USER"] == "planwatch_transformer"
    assert env["AIRFLOW_CONN_PLANWATCH_LOADER"].startswith("postgresql://planwatch_loader:")


def test_metadata_is_postgresql_on_the_warehouse_server(settings) -> None:
    env = service_config(settings, OWNER_URL, api_port=8080, executor=LOCAL)
    password = role_password(settings, "airflow")
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == \
        f"postgresql+psycopg://planwatch_airflow:{password}@127.0.0.1:5432/airflow"
    other = replace(settings, airflow_database="planwatch_b_airflow")
    assert service_config(other, OWNER_URL, api_port=8080, executor=LOCAL)[
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].endswith("/planwatch_b_airflow")


def test_the_api_is_served_on_loopback(settings) -> None:
    env = service_config(settings, OWNER_URL, api_port=8123, executor=LOCAL)
    assert env["AIRFLOW__API__HOST"] == "127.0.0.1"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:8123/execution/"
    (api,) = [c for c in components(api_port=8123) if c.name == "api-server"]
    assert api.args == ("api-server", "--host", "127.0.0.1", "--port", "8123")


def test_celery_needs_a_broker(settings) -> None:
    with pytest.raises(ServiceError, match="PLANWATCH_BROKER_URL"):
        service_config(settings, OWNER_URL, api_port=8080, executor=CELERY)
    env = service_config(settings, OWNER_URL, api_port=8080, executor=CELERY,
                         broker_url="redis://127.0.0.1:6379/0")
    assert env["AIRFLOW__CELERY__BROKER_URL"] == "redis://127.0.0.1:6379/0"
    assert [c.name for c in components(api_port=1, celery_workers=2)][-2:] == \
        ["worker-1", "worker-2"]


def test_secrets_are_generated_once_and_private(settings) -> None:
    first = service_config(settings, OWNER_URL, api_port=8080, executor=LOCAL)
    again = service_config(settings, OWNER_URL, api_port=8080, executor=LOCAL)
    assert first["AIRFLOW__CORE__FERNET_KEY"] == again["AIRFLOW__CORE__FERNET_KEY"]
    assert Paths.of(settings).secrets.stat().st_mode & 0o777 == 0o600


def test_tasks_are_forked_from_components_that_preloaded_their_code() -> None:
    """The scheduler and the workers start through the launcher; the launcher's
    imports start no thread (a fork copies only the thread that forks)."""
    import subprocess
    import sys

    started = {c.name: c.argv() for c in components(api_port=1, celery_workers=1)}
    assert started["scheduler"][1:] == ["-m", "planwatch.orchestration.launcher", "scheduler"]
    assert started["worker-1"][1:4] == ["-m", "planwatch.orchestration.launcher", "celery"]
    assert all(argv[0].endswith("airflow") for name, argv in started.items()
               if name not in ("scheduler", "worker-1"))
    probe = ("import sys, threading; from planwatch.orchestration.launcher import preload;"
             " preload(); assert 'great_expectations' in sys.modules and 'dbt.cli.main' in"
             " sys.modules; print(threading.active_count())")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "1"  # the main thread alone


def test_dbt_writes_its_file_log_at_info_unless_asked_for_more(settings, monkeypatch) -> None:
    """At dbt's default (debug) each query of each test is formatted and written
    to dbt.log under one lock: a fifth of a build."""
    monkeypatch.delenv("DBT_LOG_LEVEL_FILE", raising=False)
    assert airflow_env(OWNER_URL, settings)["DBT_LOG_LEVEL_FILE"] == "info"
    monkeypatch.setenv("DBT_LOG_LEVEL_FILE", "debug")
    assert airflow_env(OWNER_URL, settings)["DBT_LOG_LEVEL_FILE"] == "debug"


def _one_reply_server(reply: bytes) -> tuple[int, threading.Thread]:
    """A TCP server on a free local port answering one connection with ``reply``."""
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def answer() -> None:
        with server, server.accept()[0] as conn:
            conn.recv(64)
            conn.sendall(reply)

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    return port, thread


def _closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as server:
        return server.getsockname()[1]


@pytest.mark.parametrize(("reply", "answers"), [(b"+PONG\r\n", True),
                                                (b"-NOAUTH Authentication required.\r\n", True),
                                                (b"HTTP/1.1 400 Bad Request\r\n", False)])
def test_a_broker_answers_when_redis_replies_to_ping(reply: bytes, answers: bool) -> None:
    from planwatch.orchestration.service import broker_answers

    port, thread = _one_reply_server(reply)
    assert broker_answers(f"redis://127.0.0.1:{port}/0") is answers
    thread.join(5)
    assert broker_answers(f"redis://127.0.0.1:{_closed_port()}/0") is False


def test_celery_workers_without_a_broker_are_refused_before_anything_starts(
        tmp_path: Path) -> None:
    from planwatch.orchestration.service import Paths, ServiceError, start

    settings = replace(load_settings(), home=tmp_path)
    port = _closed_port()
    with pytest.raises(ServiceError, match=f"no Celery broker answers at 127.0.0.1:{port} "):
        start(settings, "postgresql://nobody@127.0.0.1:1/none", celery_workers=1,
              broker_url=f"redis://:secret@127.0.0.1:{port}/0")
    paths = Paths.of(settings)
    assert not paths.state.exists() and not list(paths.run.glob("*"))  # nothing started


def test_a_private_file_is_never_readable_by_others_even_while_written(tmp_path: Path) -> None:
    from planwatch.private_files import write_private

    path = tmp_path / "run" / "service.json"
    path.parent.mkdir()
    path.write_text("{}")
    path.chmod(0o644)  # an earlier release's
    write_private(path, '{"broker_url": "redis://:mat-khau@127.0.0.1:6379/0"}')
    assert path.stat().st_mode & 0o777 == 0o600 and "mat-khau" in path.read_text()
    assert [p.name for p in path.parent.iterdir()] == ["service.json"]  # no partial left
