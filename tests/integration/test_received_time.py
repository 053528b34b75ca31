"""When a file arrived is the server's fact, not its sender's (``flow.arrival``).

A sender sets a file's modification time (``touch -d``, ``sftp put -p``): a file
backdated before its deadline, or dated in the future to stay "newest", must
not be believed. The service stamps the time it first saw the complete file and
keeps the file's own time beside it; only an operator's explicit import of old
files dates them by their own times, and the audit trail names that operator
with the role and time the database stamped.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
from pathlib import Path

import psycopg
import pytest
from fixtures.plans import SHIPPED_PLAN

from planwatch.catalog import load_catalog
from planwatch.cli import main
from planwatch.demo.year import write_demo_year
from planwatch.flow.arrival import Dating
from planwatch.flow.ingestor import Ingestor
from planwatch.flow.pending import pending_files
from planwatch.ingest.files import discover
from planwatch.vocabulary.statuses import RECEIVED_TIME_KIND_LABELS_VI
from planwatch.warehouse.roles import role_url

pytestmark = pytest.mark.integration
PERIOD = "2024-03"
BACKDATED = dt.datetime(2024, 3, 10, 8, tzinfo=dt.UTC)  # well before the month's deadline
FUTURE = dt.datetime(2031, 1, 1, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def received(initialised_warehouse, tmp_path_factory):
    """A warehouse just initialised, and four valid files of a demo month to send."""
    settings, url = initialised_warehouse("received")
    month = tmp_path_factory.mktemp("received_month")
    write_demo_year(load_catalog(settings.catalog_dir, SHIPPED_PLAN), month, months=[3],
                    progress=False)
    # In their agencies' folders (<issuer>/<agency>/<month>/), as the demo writes them.
    files = sorted(p for p in month.rglob("*.csv") if PERIOD in p.name)[:4]
    return settings, role_url(settings, url, "loader"), url, [
        (p, p.relative_to(month)) for p in files]


def _send(settings, file: tuple[Path, Path], stamp: dt.datetime) -> Path:
    source, where = file
    target = settings.inbox_dir / where
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    os.utime(target, (stamp.timestamp(), stamp.timestamp()))  # what a sender can do
    return target


def _inbox_path(settings, path: Path) -> str:
    return path.relative_to(settings.inbox_dir).as_posix()


def _submission(url: str, name: str) -> dict:
    with psycopg.connect(url) as conn:
        cur = conn.execute(
            "select received_at, received_at_kind, file_modified_at, historical_import_id,"
            " receipt_path from audit.submissions where file_name = %s", (name,))
        columns = [c.name for c in cur.description]
        return dict(zip(columns, cur.fetchone(), strict=True))


def test_a_backdated_or_future_dated_file_is_received_at_the_servers_time(received) -> None:
    settings, loader, _, files = received
    sent_from = dt.datetime.now(dt.UTC)
    backdated = _send(settings, files[0], BACKDATED)
    future = _send(settings, files[1], FUTURE)
    Ingestor(settings, loader).ingest_inbox(settings.inbox_dir, progress=False)
    done = dt.datetime.now(dt.UTC)

    for path, claimed in ((backdated, BACKDATED), (future, FUTURE)):
        row = _submission(loader, path.name)
        assert row["received_at_kind"] == "server_clock"
        # The file was written during the test: the server's time says so.
        assert sent_from - dt.timedelta(seconds=1) <= row["received_at"] <= done
        assert row["file_modified_at"] == claimed  # kept, as information
        assert row["historical_import_id"] is None
        receipt = settings.home / row["receipt_path"]
        said = json.loads(receipt.with_suffix(".json").read_text(encoding="utf-8"))
        assert said["received_at_kind"] == "server_clock"
        assert dt.datetime.fromisoformat(said["file_modified_at"]) == claimed
        assert RECEIVED_TIME_KIND_LABELS_VI["server_clock"] in receipt.read_text(
            encoding="utf-8")


def test_a_later_poll_never_moves_the_time_a_file_was_first_seen(received) -> None:
    settings, loader, _, files = received
    path = _send(settings, files[2], BACKDATED)
    with psycopg.connect(loader) as conn:
        assert pending_files(conn, discover(settings.inbox_dir)) != []
        (first,) = conn.execute("select received_at from audit.inbox_index"
                                " where inbox_path = %s", (_inbox_path(settings, path),)).fetchone()
        time.sleep(1.1)
        os.utime(path, (FUTURE.timestamp(), FUTURE.timestamp()))  # touched: indexed again
        assert [f.name for f in pending_files(conn, discover(settings.inbox_dir))] == [path.name]
        (again, ctime_ns) = conn.execute(
            "select received_at, ctime_ns from audit.inbox_index where inbox_path = %s",
            (_inbox_path(settings, path),)).fetchone()
    assert again == first and ctime_ns == path.stat().st_ctime_ns  # re-indexed, not moved
    Ingestor(settings, loader).ingest_inbox(settings.inbox_dir, progress=False)
    row = _submission(loader, path.name)
    assert (row["received_at"], row["received_at_kind"]) == (first, "server_clock")
    assert row["file_modified_at"] == FUTURE


def test_an_import_of_old_files_is_the_operators_recorded_act(received) -> None:
    settings, loader, owner, files = received
    path = _send(settings, files[3], BACKDATED)
    started = dt.datetime.now(dt.UTC)
    Ingestor(settings, loader).ingest_inbox(settings.inbox_dir, progress=False,
                                           run_label="old-files",
                                           dating=Dating.historical("Nguyễn Thị Lưu Trữ"))
    row = _submission(loader, path.name)
    assert (row["received_at"], row["received_at_kind"]) == (BACKDATED, "file_time")
    with psycopg.connect(owner) as conn:
        operator, role, at = conn.execute(
            "select operator_name, db_role, started_at from audit.historical_imports"
            " where import_id = %s", (row["historical_import_id"],)).fetchone()
    assert (operator, role) == ("Nguyễn Thị Lưu Trữ", "planwatch_loader")
    assert started - dt.timedelta(seconds=1) <= at <= dt.datetime.now(dt.UTC)
    receipt = settings.home / row["receipt_path"]
    assert RECEIVED_TIME_KIND_LABELS_VI["file_time"] in receipt.read_text(encoding="utf-8")


def test_no_client_can_write_an_imports_role_or_time(received) -> None:
    _, loader, _, _ = received
    with psycopg.connect(loader) as conn:
        role, at = conn.execute(
            "insert into audit.historical_imports (run_label, operator_name, started_at, db_role)"
            " values ('forged', 'x', '2000-01-01', 'planwatch_owner')"
            " returning db_role, started_at").fetchone()
        conn.rollback()
    assert role == "planwatch_loader" and at.year > 2000


def test_the_operator_option_needs_a_historical_import(received, monkeypatch, capsys) -> None:
    settings, *_ = received
    monkeypatch.setenv("PLANWATCH_HOME", str(settings.home))
    assert main(["ingest", "--inbox", str(settings.inbox_dir), "--operator", "x"]) == 2
    assert "--historical" in capsys.readouterr().err
