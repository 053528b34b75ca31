"""A load interrupted half-way leaves the warehouse as it was; the next run finishes it.

Two interruptions: the database connection killed in the middle of a COPY
(deterministic), and the whole ``planwatch ingest`` process killed with SIGKILL
while it loads a month (as an operator or the OOM killer would).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psycopg
import pytest
from fixtures.plans import SHIPPED_PLAN

from planwatch.catalog import load_catalog
from planwatch.demo.year import write_demo_year
from planwatch.flow.ingestor import Ingestor
from planwatch.ingest.files import discover
from planwatch.warehouse import submissions as load

pytestmark = pytest.mark.integration

# Each submission holds exactly its own rows: all of them if loaded, none otherwise.
INCONSISTENT = """
select s.submission_id, s.status, s.row_count, count(r.submission_id) as loaded
from audit.submissions s
left join (select submission_id from raw.tasks union all
           select submission_id from raw.indicators union all
           select submission_id from raw.disbursement) r using (submission_id)
group by s.submission_id, s.status, s.row_count
having count(r.submission_id) <> case when s.status in ('rejected', 'duplicate') then 0
                                      else s.row_count end
"""


def _state(url: str) -> tuple[list, int, int]:
    with psycopg.connect(url) as conn:
        bad = conn.execute(INCONSISTENT).fetchall()
        (files,) = conn.execute("select count(distinct inbox_path) from audit.submissions"
                                ).fetchone()
        (keys,) = conn.execute(
            "select count(*) from (select inbox_path, template from audit.submissions"
            " group by 1, 2 having count(*) > 1) twice").fetchone()
    return bad, files, keys


@pytest.fixture()
def month(initialised_warehouse):
    # Tables, roles (the CLI ingests as the loader), catalogs: ``planwatch init`` done.
    settings, url = initialised_warehouse("atomic")
    write_demo_year(load_catalog(settings.catalog_dir, SHIPPED_PLAN), settings.inbox_dir,
                    months=[2], progress=False)
    return settings, url, len(discover(settings.inbox_dir))


def test_connection_killed_during_copy(month, monkeypatch) -> None:
    settings, url, file_count = month
    original = load._copy_rows
    copies = 0

    def copy_then_lose_the_connection(conn, sub):
        nonlocal copies
        copies += 1
        if copies == 5:
            rows = list(sub.rows)

            def rows_then_kill():
                yield rows[0]
                with psycopg.connect(url, autocommit=True) as admin:
                    admin.execute("select pg_terminate_backend(%s)", (conn.info.backend_pid,))
                yield from rows[1:]

            sub.rows = rows_then_kill()
        return original(conn, sub)

    monkeypatch.setattr(load, "_copy_rows", copy_then_lose_the_connection)
    with pytest.raises(psycopg.OperationalError):
        Ingestor(settings, url).ingest_inbox(settings.inbox_dir, progress=False)
    bad, files, _ = _state(url)
    assert bad == []
    assert 0 < files < file_count  # the files before the failure are in, the rest are not

    monkeypatch.setattr(load, "_copy_rows", original)
    Ingestor(settings, url).ingest_inbox(settings.inbox_dir, progress=False)
    bad, files, twice = _state(url)
    assert (bad, files, twice) == ([], file_count, 0)


def test_process_killed_during_ingest(month) -> None:
    settings, url, file_count = month
    env = {**os.environ, "PLANWATCH_HOME": str(settings.home), "WAREHOUSE_URL": url}
    command = [sys.executable, "-m", "planwatch.cli", "ingest", "--inbox",
               str(settings.inbox_dir)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            with psycopg.connect(url) as conn:
                (done,) = conn.execute("select count(*) from audit.files").fetchone()
            if done >= 3:
                break
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(30)
    finally:
        if process.poll() is None:
            process.kill()
    bad, files, _ = _state(url)
    assert bad == [] and 3 <= files < file_count

    finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0, finished.stderr
    bad, files, twice = _state(url)
    assert (bad, files, twice) == ([], file_count, 0)
