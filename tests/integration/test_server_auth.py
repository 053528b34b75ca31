"""The embedded server trusts nobody: every connection authenticates with a SCRAM
password, its socket is private, its passwords are its own (beside its data),
a server an earlier release created with ``trust`` is upgraded when it starts,
and a second home on a server reads its passwords and resets none."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import stat
import tempfile
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlparse

import psycopg
import pytest

from planwatch.cli import main
from planwatch.config import load_settings
from planwatch.errors import UserError
from planwatch.private_files import write_private
from planwatch.warehouse.embedded import SUPERUSER, EmbeddedPostgres
from planwatch.warehouse.roles import ROLES, role_name, role_password, role_url, scram_matches

pytestmark = pytest.mark.integration
OLD_LOADER_PASSWORD = "mat-khau-cua-ban-cu"


def _refusal(**params: object) -> str:
    """Why the server refused a connection with these parameters ('' if it let it in)."""
    try:
        with psycopg.connect(connect_timeout=10, **params):  # type: ignore[arg-type]
            return ""
    except psycopg.OperationalError as exc:
        return str(exc)


class _EarlierRelease(EmbeddedPostgres):
    """An embedded server as releases before this one made it: trust for every
    local connection, no password."""

    def _initdb(self, password: str, owner: dict[str, int]) -> None:
        self._pg("initdb", "-D", str(self.data_dir), "-U", SUPERUSER, "-A", "trust",
                 "-E", "UTF8", "--no-locale")

    def _upgrade_trust(self, port: int, password: str) -> tuple[str, ...]:
        return ()


@pytest.fixture(scope="module")
def upgraded():
    """A trust server of an earlier release, with its loader's password in its home
    (``.planwatch/roles.json``), then ``planwatch db start`` twice."""
    folder = Path(tempfile.mkdtemp(prefix="planwatch-auth-", dir="/tmp"))
    os.chmod(folder, 0o755)  # the server's own user reaches it (tests run as root here)
    home = folder / "home"
    state = home / ".planwatch"
    old = _EarlierRelease(state)
    port = old.start().port
    with psycopg.connect(host="127.0.0.1", port=port, user=SUPERUSER, dbname="postgres",
                         autocommit=True) as conn:  # trusted: no password asked
        conn.execute(f"create role {role_name('loader')} login password "
                     f"'{OLD_LOADER_PASSWORD}'")
    old.stop()
    shutil.rmtree(old.secrets_dir)  # an earlier release had no password at all
    write_private(state / "roles.json", json.dumps({"loader": OLD_LOADER_PASSWORD}))
    server = EmbeddedPostgres(state)
    outputs = []
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PLANWATCH_HOME", str(home))
        env.delenv("WAREHOUSE_URL", raising=False)
        env.delenv("PLANWATCH_PASSWORDS_FILE", raising=False)
        for _ in range(2):
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                assert main(["db", "start"]) == 0
            outputs.append(printed.getvalue())
        settings = load_settings()
    try:
        yield SimpleNamespace(server=server, port=server.status().port, outputs=outputs,
                              settings=settings, legacy=state / "roles.json")
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def its_passwords(monkeypatch) -> None:
    """Role passwords read as that server's home reads them (not the suite's file)."""
    monkeypatch.delenv("PLANWATCH_PASSWORDS_FILE", raising=False)


def test_a_trust_server_is_upgraded_on_start_once_and_says_so(upgraded) -> None:
    first, second = upgraded.outputs
    assert "upgraded: trust authentication replaced by scram-sha-256" in first
    assert str(upgraded.server.password_file) in first
    assert "upgraded" not in second and "running" in second  # the second start: nothing to do
    hba = (upgraded.server.data_dir / "pg_hba.conf").read_text().splitlines()
    methods = {line.split()[-1] for line in hba if line.strip() and not line.startswith("#")}
    assert methods == {"scram-sha-256"}
    password = upgraded.server.superuser_password()
    for shown in upgraded.outputs:
        assert password not in shown


def test_no_connection_gets_in_without_the_right_password(upgraded) -> None:
    port, server = upgraded.port, upgraded.server
    for user in (SUPERUSER, role_name("loader")):
        tcp = dict(host="127.0.0.1", port=port, user=user, dbname="planwatch")
        assert "no password supplied" in _refusal(**tcp), user
        assert "password authentication failed" in _refusal(**tcp, password="postgres"), user
        sock = dict(tcp, host=str(server.socket_dir))
        assert "no password supplied" in _refusal(**sock), user  # the socket asks too
    right = _refusal(host=str(server.socket_dir), port=port, user=SUPERUSER,
                     dbname="planwatch", password=server.superuser_password())
    assert right == ""
    with psycopg.connect(server.owner_url(port)) as conn:
        (stored,) = conn.execute("select rolpassword from pg_authid where rolname = %s",
                                 (SUPERUSER,)).fetchone()
    assert scram_matches(stored, server.superuser_password())  # sent as a verifier


def test_the_servers_secrets_and_socket_are_private(upgraded, its_passwords) -> None:
    server = upgraded.server
    role_password(upgraded.settings, "bi_reader")  # the roles' file, written if not yet
    assert stat.S_IMODE(server.secrets_dir.stat().st_mode) == 0o700
    for secret in (server.password_file, server.roles_file):
        assert stat.S_IMODE(secret.stat().st_mode) == 0o600, secret
    assert stat.S_IMODE(server.socket_dir.stat().st_mode) == 0o700
    assert list(server.socket_dir.glob(".s.PGSQL.*"))  # the server listens there
    assert server.password_file.parent != upgraded.settings.state_dir  # beside its data


def test_an_earlier_homes_role_passwords_become_the_servers(upgraded, its_passwords) -> None:
    """The loader's password the earlier release kept in its home moved beside the
    server's data, unchanged: the role still logs in with it."""
    assert role_password(upgraded.settings, "loader") == OLD_LOADER_PASSWORD
    assert not upgraded.legacy.exists()
    stored = json.loads(upgraded.server.roles_file.read_text())
    assert stored["loader"] == OLD_LOADER_PASSWORD
    url = role_url(upgraded.settings, upgraded.server.owner_url(upgraded.port), "loader")
    with psycopg.connect(url) as conn:
        assert conn.execute("select current_user").fetchone() == (role_name("loader"),)


def test_a_server_left_running_by_an_earlier_release_is_upgraded_in_place(upgraded) -> None:
    server = upgraded.server
    hba = server.data_dir / "pg_hba.conf"
    hba.write_text("host all all 127.0.0.1/32 trust\n")
    with psycopg.connect(server.owner_url(upgraded.port), autocommit=True) as conn:
        conn.execute("select pg_reload_conf()")
    tcp = dict(host="127.0.0.1", port=upgraded.port, user=SUPERUSER, dbname="planwatch")
    assert _refusal(**tcp) == ""  # trusted, as it was
    started = server.start()
    assert started.running and started.changes
    assert "no password supplied" in _refusal(**tcp)


def test_no_process_shows_a_password_in_its_command_line(upgraded) -> None:
    """``ps`` shows no password: not the server's processes, not this one."""
    secrets = [upgraded.server.superuser_password(),
               *json.loads(upgraded.server.roles_file.read_text()).values()]
    lines = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            lines.append(cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace"))
    assert any(str(upgraded.server.data_dir) in line for line in lines)  # the server's seen
    assert [line for line in lines if any(s in line for s in secrets)] == []


def test_a_password_file_that_no_longer_fits_is_said_plainly(upgraded) -> None:
    server = upgraded.server
    kept = server.password_file.read_text()
    server.stop()
    try:
        write_private(server.password_file, "khong-dung\n")
        with pytest.raises(UserError, match="refuses the superuser's password in"):
            server.start()
    finally:
        write_private(server.password_file, kept)
    assert server.start().running
    with psycopg.connect(server.owner_url(upgraded.port)) as conn:
        assert conn.execute("select current_user").fetchone() == (SUPERUSER,)


def _suite_server(url: str) -> EmbeddedPostgres:
    """The embedded server the suite runs on (skip on a server of one's own)."""
    with psycopg.connect(url) as conn:
        (data,) = conn.execute("show data_directory").fetchone()
    data = Path(data)
    if (data.parent.name, data.name) != ("pg", "data"):
        pytest.skip("the suite runs on a server of its own (WAREHOUSE_URL), not the embedded one")
    return EmbeddedPostgres(data.parent.parent)


def test_every_role_on_the_suites_server_needs_its_password(initialised_warehouse) -> None:
    settings, url = initialised_warehouse("auth")
    _suite_server(url)
    server = urlparse(url)
    for role in ROLES:
        login = dict(host=server.hostname, port=server.port, user=role_name(role),
                     dbname=server.path.lstrip("/"))
        assert "no password supplied" in _refusal(**login), role
        assert "password authentication failed" in _refusal(**login, password="x"), role
        assert _refusal(conninfo=role_url(settings, url, role)) == "", role


def _verifiers(url: str) -> dict[str, str]:
    with psycopg.connect(url) as conn:
        return dict(conn.execute("select rolname, rolpassword from pg_authid where rolname"
                                 " = any(%s)", ([role_name(r) for r in ROLES],)).fetchall())


def test_a_second_home_on_the_server_reads_its_passwords_and_resets_none(
        initialised_warehouse, tmp_path, monkeypatch, capsys) -> None:
    settings, url = initialised_warehouse("first_home")
    server = _suite_server(url)
    loader = role_url(settings, url, "loader")
    before = _verifiers(url)
    monkeypatch.setenv("WAREHOUSE_URL", url)
    # Told where the server's passwords are (as every test process of the suite
    # is): init runs, and alters no role.
    monkeypatch.setenv("PLANWATCH_PASSWORDS_FILE", str(server.roles_file))
    monkeypatch.setenv("PLANWATCH_HOME", str(tmp_path / "second"))
    assert main(["init"]) == 0
    assert _verifiers(url) == before
    # Told nothing: the home's own generated passwords create no role and reset none.
    monkeypatch.delenv("PLANWATCH_PASSWORDS_FILE")
    monkeypatch.setenv("PLANWATCH_HOME", str(tmp_path / "third"))
    assert main(["init"]) == 2
    said = capsys.readouterr().err
    assert "planwatch_loader exists on this server with another password" in said
    assert "PLANWATCH_PASSWORDS_FILE" in said
    assert _verifiers(url) == before
    with psycopg.connect(loader) as conn:  # the first home's loader still logs in
        assert conn.execute("select current_user").fetchone() == (role_name("loader"),)
