"""``planwatch serve`` as a user runs it: start the service, drop a demo month into
the inbox, touch nothing else.

The scheduler's own ingest run must take the month within the polling interval,
its Data Docs must be written, the asset it updates must rebuild the marts, and
the BI reader must read them. Then the service's hygiene: every component
healthy, secrets 0600 and never in a log, the API on loopback only, a second
start harmless, and stop leaving no process behind.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from pathlib import Path

import psycopg
import pytest
from fixtures.outcomes import assert_loaded_once, assert_outcomes

from planwatch.demo.manifest import ACCEPTED_OUTCOMES
from planwatch.orchestration.service import Paths, admin_password
from planwatch.orchestration.submissions_ingest import run_label_of
from planwatch.warehouse.roles import password_store, role_url

pytestmark = [pytest.mark.service, pytest.mark.airflow]
PERIOD = "2024-01"


@pytest.fixture(scope="module")
def served(make_service):
    service = make_service("serve", poll_minutes=1)
    started = service.start()
    landed_at = dt.datetime.now(dt.UTC)
    files = service.land(PERIOD)
    build = service.wait_for_run("warehouse__build", after=landed_at)
    return service, started, files, landed_at, build


def _ingest_runs(service, after: dt.datetime) -> list[dict]:
    """The ingest runs that ended after ``after`` (one queued just before may
    have listed the inbox after the files landed)."""
    return [r for r in service.api().runs("submissions__ingest")
            if r["end_date"] and dt.datetime.fromisoformat(r["end_date"]) >= after]


def _ingesting_run(service, after: dt.datetime) -> dict:
    """The ingest run whose publish step ran (the one that took the month)."""
    for run in _ingest_runs(service, after):
        states = {t: s for t, _, s, _ in service.task_states("submissions__ingest", run)}
        if states.get("publish") == "success":
            return run
    raise AssertionError("no ingest run published the month")


def test_the_month_is_ingested_by_the_schedule_within_five_minutes(served) -> None:
    service, _, files, landed_at, _ = served
    run = _ingesting_run(service, landed_at)
    assert run["run_type"] == "scheduled"  # nobody triggered it
    assert all(r["run_type"] == "scheduled" for r in _ingest_runs(service, landed_at))
    took = dt.datetime.fromisoformat(run["end_date"]) - landed_at
    assert took < dt.timedelta(minutes=5), took
    assert_outcomes(service.url, files)
    assert_loaded_once(service.url, service.settings, files)


def test_its_data_docs_are_written(served) -> None:
    service, _, files, landed_at, _ = served
    run = _ingesting_run(service, landed_at)
    site = service.settings.reports_dir / "data_docs" / run_label_of(run["dag_run_id"])
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "planwatch-run-summary" in index
    validated = [f for f in files if f.outcome in ACCEPTED_OUTCOMES]
    shown = re.findall(r"<tr><td>", index.split('id="planwatch-run-summary"', 1)[1])
    assert len(shown) >= len(validated) > 0


def test_the_marts_are_rebuilt_by_the_asset_and_readable_as_the_bi_reader(served) -> None:
    service, _, files, _, build = served
    assert build["run_type"] == "asset_triggered"
    reader = role_url(service.settings, service.url, "bi_reader")
    with psycopg.connect(reader) as conn:
        agencies = conn.execute(
            "select count(distinct agency_code) from marts.fct_submission where period = %s",
            (PERIOD,)).fetchone()[0]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select count(*) from raw.tasks")
    assert agencies >= len({f.agency_code for f in files}) > 0


def test_airflow_keeps_its_metadata_in_postgresql_under_its_own_login(served) -> None:
    service = served[0]
    meta = service.url.rsplit("/", 1)[0] + "/" + service.settings.airflow_database
    with psycopg.connect(meta) as conn:
        dags = {d for (d,) in conn.execute("select distinct dag_id from dag_run")}
        owner, superuser, creates = conn.execute(
            "select r.rolname, r.rolsuper, r.rolcreatedb or r.rolcreaterole from pg_database d"
            " join pg_roles r on r.oid = d.datdba where d.datname = current_database()"
        ).fetchone()
    assert {"submissions__ingest", "warehouse__build"} <= dags
    assert "submissions__deadline" not in dags  # its first run is the next deadline
    assert (owner, superuser, creates) == ("planwatch_airflow", False, False)
    assert not list(service.settings.airflow_home.glob("*.db"))  # no SQLite anywhere


def test_status_shows_every_component_healthy_and_no_secret(served) -> None:
    service, started, *_ = served
    result = service.cli("serve", "status")
    assert result.returncode == 0, result.stdout
    out = result.stdout
    assert re.search(r"running at http://127\.0\.0\.1:\d+ \(LocalExecutor\)", out), out
    for name in ("api-server", "scheduler", "dag-processor", "triggerer"):
        assert re.search(rf"{name}\s+pid\s+\d+\s+healthy", out), (name, out)
    assert str(Paths.of(service.settings).passwords) in out
    password = admin_password(Paths.of(service.settings))
    assert password not in out + started.stdout + started.stderr


def test_secrets_are_private_and_never_logged(served) -> None:
    service = served[0]
    paths = Paths.of(service.settings)
    for secret in (paths.passwords, paths.secrets, paths.state,  # the state: the broker URL
                   password_store(service.settings).path):
        assert secret.stat().st_mode & 0o777 == 0o600, secret
    password = admin_password(paths).encode()
    logs = [p for p in paths.logs.rglob("*") if p.is_file()]
    assert logs
    assert not [p for p in logs if password in p.read_bytes()]


def _listening(port: int) -> set[str]:
    """Local addresses listening on ``port`` (IPv4 and IPv6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if int(hex_port, 16) == port and state == "0A":  # LISTEN
                found.add(address)
    return found


def test_the_api_listens_on_loopback_only(served) -> None:
    service = served[0]
    port = int(service.api().url.rsplit(":", 1)[1])
    assert _listening(port) == {"0100007F"}  # 127.0.0.1, nothing on 0.0.0.0 or ::


def test_starting_twice_changes_nothing(served) -> None:
    service = served[0]
    before = service.pids()
    parsed = service.settings.dbt_manifest.stat().st_mtime_ns
    service.start()
    assert service.pids() == before and all(before.values())
    # The running service's manifest stays the one it started on (nothing re-parsed).
    assert service.settings.dbt_manifest.stat().st_mtime_ns == parsed


def test_a_stopped_scheduler_is_started_again_alone(served) -> None:
    import signal

    service = served[0]
    before = service.pids()
    os.killpg(before["scheduler"], signal.SIGKILL)
    gone = time.monotonic() + 60  # a big process group takes a moment to die
    while _running(before["scheduler"]) and time.monotonic() < gone:
        time.sleep(0.2)
    result = service.cli("serve", "status")
    assert result.returncode == 1 and re.search(r"scheduler\s+pid\s+-\s+stopped", result.stdout)
    service.start()
    after = service.pids()
    assert after["scheduler"] not in (None, before["scheduler"])
    assert {k: v for k, v in after.items() if k != "scheduler"} == \
        {k: v for k, v in before.items() if k != "scheduler"}


def _running(pid: int) -> bool:
    """Alive and not a zombie (exited, waiting for its parent to reap it)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_stop_leaves_nothing_running(served) -> None:
    service = served[0]
    pids = service.pids()
    result = service.cli("serve", "stop")
    assert result.returncode == 0
    home = str(service.settings.airflow_home)
    left = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                environ = (entry / "environ").read_bytes().split(b"\0")
            except OSError:
                continue
            if f"AIRFLOW_HOME={home}".encode() in environ and _running(int(entry.name)):
                left.append(int(entry.name))
    assert left == [], left
    assert [p for p in pids.values() if p and _running(p)] == []
    assert service.cli("serve", "status").returncode == 1
