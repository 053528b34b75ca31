"""``planwatch serve``: Airflow's real components over the warehouse.

The api-server (on 127.0.0.1), the scheduler, the dag-processor and the
triggerer, and with ``--celery-workers N`` N Celery workers, run as background
processes against a PostgreSQL metadata database: ``airflow`` on the
warehouse server (the embedded one by default), never SQLite. What each
component runs and with which configuration is written once, here
(``components`` and ``service_config``); ``docker-compose.yml`` runs the same
and a test checks it.

State lives under ``.planwatch/airflow``: ``run/<component>.pid``,
``logs/<component>.log`` (task logs under ``logs/tasks``), and ``secrets.json``
and ``passwords.json`` (mode 0600: the Fernet key, the API's JWT secret, the
admin's generated password; never printed).
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from cryptography.fernet import Fernet

from planwatch.config import Settings
from planwatch.errors import UserError
from planwatch.orchestration.airflow_cli import airflow_env, airflow_executable
from planwatch.private_files import write_private
from planwatch.processes import alive, free_port, terminate
from planwatch.warehouse.roles import ensure_role, role_password

LOCAL, CELERY = "LocalExecutor", "CeleryExecutor"
API_HOST = "127.0.0.1"
ADMIN = "admin"
METADATA_ROLE = "planwatch_airflow"  # owns Airflow's metadata database, nothing else


AIRFLOW = ("airflow",)
# The components Airflow forks task processes from (the scheduler, whose
# LocalExecutor workers run tasks, and the Celery workers) start through
# planwatch's launcher: the tasks' code is imported there once, not in each task.
LAUNCHER = ("python", "-m", "planwatch.orchestration.launcher")


@dataclass(frozen=True)
class Component:
    name: str
    args: tuple[str, ...]  # after ``program``
    program: tuple[str, ...] = AIRFLOW  # ``airflow``, or ``LAUNCHER`` (airflow's CLI too)

    def argv(self) -> list[str]:
        """The command line in this environment (its ``airflow`` or ``python``)."""
        first = airflow_executable() if self.program == AIRFLOW else sys.executable
        return [first, *self.program[1:], *self.args]


def components(*, api_port: int, celery_workers: int = 0) -> list[Component]:
    """The Airflow components of the service, in start order."""
    out = [
        Component("api-server", ("api-server", "--host", API_HOST, "--port", str(api_port))),
        Component("scheduler", ("scheduler",), LAUNCHER),
        Component("dag-processor", ("dag-processor",)),
        Component("triggerer", ("triggerer",)),
    ]
    # Workers share this machine's log folder, which the api-server reads: no log
    # server of their own (they would all want its port).
    out += [Component(f"worker-{n}", ("celery", "worker", "--celery-hostname",
                                      f"worker-{n}@%h", "--skip-serve-logs"), LAUNCHER)
            for n in range(1, celery_workers + 1)]
    return out


class ServiceError(UserError):
    """The service cannot start as asked (a missing setting, a component that dies)."""


@dataclass(frozen=True)
class Paths:
    home: Path

    @classmethod
    def of(cls, settings: Settings) -> Paths:
        return cls(settings.airflow_home)

    @property
    def run(self) -> Path:
        return self.home / "run"

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    @property
    def secrets(self) -> Path:
        return self.home / "secrets.json"

    @property
    def passwords(self) -> Path:
        return self.home / "passwords.json"

    @property
    def state(self) -> Path:
        return self.run / "service.json"

    def pid_file(self, name: str) -> Path:
        return self.run / f"{name}.pid"


def _private_json(path: Path, make: Any) -> dict[str, str]:
    """A JSON file only its owner reads, created once."""
    if not path.exists():
        write_private(path, json.dumps(make()))
    os.chmod(path, 0o600)
    return json.loads(path.read_text())


def service_secrets(paths: Paths) -> dict[str, str]:
    return _private_json(paths.secrets, lambda: {
        "fernet_key": Fernet.generate_key().decode(),
        "jwt_secret": secrets.token_urlsafe(32),
        "api_secret_key": secrets.token_urlsafe(32),
    })


def admin_password(paths: Paths) -> str:
    """The generated password of the UI's admin (simple auth manager's file)."""
    return _private_json(paths.passwords, lambda: {ADMIN: secrets.token_urlsafe(16)})[ADMIN]


def metadata_url(url: str, settings: Settings) -> str:
    """Airflow's metadata database: ``airflow`` on the warehouse's server
    (``PLANWATCH_AIRFLOW_DATABASE`` names another, for services side by side), as
    its own login ``planwatch_airflow``: no component holds the owner's password."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql+psycopg", username=METADATA_ROLE,
                             password=role_password(settings, "airflow"),
                             database=settings.airflow_database) \
        .render_as_string(hide_password=False)


def ensure_metadata_database(url: str, settings: Settings) -> None:
    """The metadata database and its owner, a login with no other right (run as
    the warehouse's owner; idempotent)."""
    import psycopg
    from psycopg import sql

    name = settings.airflow_database
    role = sql.Identifier(METADATA_ROLE)
    with psycopg.connect(url, autocommit=True) as conn:
        ensure_role(conn, settings, "airflow", METADATA_ROLE)
        owner = conn.execute("select pg_get_userbyid(datdba) from pg_database where datname = %s",
                             (name,)).fetchone()
        if owner is None:
            conn.execute(sql.SQL("create database {} owner {}").format(
                sql.Identifier(name), role))
        elif owner[0] != METADATA_ROLE:
            raise ServiceError(
                f"the database {name!r} belongs to {owner[0]!r}, not {METADATA_ROLE!r}: "
                "name another with PLANWATCH_AIRFLOW_DATABASE, or drop it")


def service_config(settings: Settings, url: str, *, api_port: int, executor: str,
                   broker_url: str | None = None) -> dict[str, str]:
    """The environment every component runs with (on top of ``airflow_env``)."""
    paths = Paths.of(settings)
    keys = service_secrets(paths)
    meta = metadata_url(url, settings)
    base = f"http://{API_HOST}:{api_port}"
    env = {
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": meta,
        # psycopg 3 serves Airflow's async sessions too (no asyncpg needed).
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": meta,
        "AIRFLOW__CORE__EXECUTOR": executor,
        "AIRFLOW__CORE__FERNET_KEY": keys["fernet_key"],
        "AIRFLOW__API_AUTH__JWT_SECRET": keys["jwt_secret"],
        "AIRFLOW__API__SECRET_KEY": keys["api_secret_key"],
        "AIRFLOW__API__BASE_URL": base,
        "AIRFLOW__API__HOST": API_HOST,
        "AIRFLOW__API__PORT": str(api_port),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{base}/execution/",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(paths.passwords),
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(paths.logs / "tasks"),
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
        "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "True",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
    }
    if executor == CELERY:
        if not broker_url:
            raise ServiceError("CeleryExecutor needs a broker: set PLANWATCH_BROKER_URL "
                               "(e.g. redis://127.0.0.1:6379/0)")
        env["AIRFLOW__CELERY__BROKER_URL"] = broker_url
        env["AIRFLOW__CELERY__RESULT_BACKEND"] = "db+" + meta
        # Task processes per worker (each loads GX once per batch of files).
        env["AIRFLOW__CELERY__WORKER_CONCURRENCY"] = os.environ.get(
            "AIRFLOW__CELERY__WORKER_CONCURRENCY", "4")
    return env


def _pid(paths: Paths, name: str) -> int | None:
    try:
        pid = int(paths.pid_file(name).read_text())
    except (OSError, ValueError):
        return None
    return pid if alive(pid) else None


@dataclass(frozen=True)
class ComponentStatus:
    name: str
    pid: int | None
    health: str  # healthy, unhealthy, unknown, stopped


@dataclass(frozen=True)
class ServiceStatus:
    running: bool
    url: str | None
    executor: str | None
    credentials: Path
    components: list[ComponentStatus]


def _api_health(url: str) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(f"{url}/api/v2/monitor/health", timeout=3) as response:
            return json.loads(response.read())
    except (OSError, ValueError):
        return None


def status(settings: Settings) -> ServiceStatus:
    paths = Paths.of(settings)
    state = json.loads(paths.state.read_text()) if paths.state.exists() else {}
    names = state.get("components", [])
    url = state.get("url")
    health = _api_health(url) if url else None
    checks = {"scheduler": "scheduler", "dag-processor": "dag_processor",
              "triggerer": "triggerer"}
    found = []
    for name in names:
        pid = _pid(paths, name)
        if pid is None:
            verdict = "stopped"
        elif name == "api-server":
            verdict = "healthy" if health else "unhealthy"
        elif name in checks and health:
            verdict = (health.get(checks[name]) or {}).get("status", "unknown")
        else:
            verdict = "running"
        found.append(ComponentStatus(name, pid, verdict))
    running = bool(found) and all(c.pid for c in found)
    return ServiceStatus(running, url, state.get("executor"), paths.passwords, found)


def _migrate(env: dict[str, str], paths: Paths) -> None:
    result = subprocess.run([airflow_executable(), "db", "migrate"], env=env,
                            capture_output=True, text=True)
    (paths.logs / "db-migrate.log").write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        raise ServiceError(f"airflow db migrate failed; see {paths.logs / 'db-migrate.log'}")


def broker_answers(url: str, timeout_s: float = 2) -> bool:
    """Whether the Celery broker at ``url`` answers: a Redis PING gets PONG (or
    asks for the password it holds); another broker accepts a connection."""
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "localhost",
                                       parsed.port or 6379), timeout=timeout_s) as sock:
            if not parsed.scheme.startswith("redis"):
                return True
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith((b"+PONG", b"-NOAUTH"))
    except OSError:
        return False


def start(settings: Settings, url: str, *, celery_workers: int | None = None,
          broker_url: str | None = None, api_port: int | None = None,
          prepare: Callable[[], None] | None = None, timeout_s: float = 120) -> ServiceStatus:
    """Start what is not running yet, and wait until the API answers.

    Twice is safe: a running service is left alone. When some components have
    stopped (a killed scheduler), those are started again with the service's
    configuration; ``celery_workers`` (None: as before, else N) and the port
    stay what the service was started with unless given. ``prepare()`` (the
    warehouse upgraded, the manifest parsed) runs only when the whole service
    starts: components still running were started on what it prepared then.
    """
    paths = Paths.of(settings)
    before = json.loads(paths.state.read_text()) if paths.state.exists() else {}
    workers = before.get("celery_workers", 0) if celery_workers is None else celery_workers
    port = api_port or before.get("port") or free_port()
    shape = {"port": port, "celery_workers": workers}
    if any(before.get(key, value) != value for key, value in shape.items()):
        stop(settings)  # another shape of service: start it whole
    elif status(settings).running:
        return status(settings)
    for folder in (paths.run, paths.logs):
        folder.mkdir(parents=True, exist_ok=True)
    executor = CELERY if workers else LOCAL
    broker = broker_url or before.get("broker_url")
    if workers and broker and not broker_answers(broker):
        parsed = urlparse(broker)
        raise ServiceError(f"no Celery broker answers at {parsed.hostname}:{parsed.port or 6379}"
                           " (PLANWATCH_BROKER_URL): start it, or run without --celery-workers")
    ensure_metadata_database(url, settings)
    env = {**airflow_env(url, settings),
           **service_config(settings, url, api_port=port, executor=executor,
                            broker_url=broker_url or before.get("broker_url"))}
    admin_password(paths)
    wanted = components(api_port=port, celery_workers=workers)
    missing = [c for c in wanted if _pid(paths, c.name) is None]
    if len(missing) == len(wanted):
        if prepare is not None:
            prepare()
        _migrate(env, paths)
    write_private(paths.state, json.dumps({  # the broker's URL may hold its password
        "url": f"http://{API_HOST}:{port}", "port": port, "executor": executor,
        "celery_workers": workers, "broker_url": broker_url or before.get("broker_url"),
        "components": [c.name for c in wanted]}))
    for component in missing:
        log = (paths.logs / f"{component.name}.log").open("ab")
        process = subprocess.Popen(component.argv(), env=env,
                                   stdout=log, stderr=subprocess.STDOUT, cwd=paths.home,
                                   start_new_session=True)
        paths.pid_file(component.name).write_text(str(process.pid))
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        now = status(settings)
        dead = [c.name for c in now.components if c.pid is None]
        if dead:
            stop(settings)
            raise ServiceError(f"{', '.join(dead)} stopped at start; see {paths.logs}")
        if _api_health(now.url or ""):
            return status(settings)
        time.sleep(1)
    stop(settings)
    raise ServiceError(f"the API server did not answer within {timeout_s:.0f} s; see "
                       f"{paths.logs}")


def stop(settings: Settings, *, timeout_s: float = 30) -> ServiceStatus:
    """Stop every component and its children; nothing is left running.

    The API server goes last: a task still finishing while the scheduler or a
    worker stops reports its state through the API (without it, the task would
    wait for it until killed). Each group gets ``timeout_s`` to exit, then SIGKILL.
    """
    paths = Paths.of(settings)
    pids = {}
    for pid_file in paths.run.glob("*.pid") if paths.run.is_dir() else []:
        pid = _pid(paths, pid_file.stem)
        if pid:
            pids[pid_file.stem] = pid
    api = pids.pop("api-server", None)
    terminate(list(pids.values()), timeout_s)
    terminate([api] if api else [], timeout_s)
    for pid_file in paths.run.glob("*.pid") if paths.run.is_dir() else []:
        pid_file.unlink()
    return status(settings)


