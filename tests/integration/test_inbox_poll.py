"""A poll of the inbox reads only files it does not know (``flow.pending``).

Files stay where agencies put them, so the inbox only grows; a poll that hashed
every file would grow with it. What the poll learnt of a file (its SHA-256 with
what stat said of it) is kept in ``audit.inbox_index``: an unchanged file is not
read again, a changed one is, whatever its sender did to its times.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import time
from pathlib import Path

import psycopg
import pytest
from fixtures.inbox import agency_path
from fixtures.plans import SHIPPED_PLAN

import planwatch.flow.pending as pending_module
from planwatch.catalog import load_catalog
from planwatch.demo.year import write_demo_year
from planwatch.flow.ingestor import Ingestor
from planwatch.flow.pending import pending_files
from planwatch.ingest.files import discover

pytestmark = pytest.mark.integration
PERIOD = "2024-02"
MONTH_FILES = f"*/*/{PERIOD}/*"  # the month's files, in every agency's folder


def _in_agency_folder(settings, name: str):
    """A new file of the month in the folder of the agency its name gives."""
    return agency_path(settings.inbox_dir, "TTH", name.split("_")[0], PERIOD, name)


@pytest.fixture(scope="module")
def polled(initialised_warehouse, tmp_path_factory):
    """Four files of a demo month, ingested by ``planwatch ingest``'s path."""
    settings, url = initialised_warehouse("poll")
    month = tmp_path_factory.mktemp("poll_month")
    write_demo_year(load_catalog(settings.catalog_dir, SHIPPED_PLAN), month, months=[2],
                    progress=False)
    for path in sorted(month.glob(MONTH_FILES))[:4]:
        target = settings.inbox_dir / path.relative_to(month)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    report = Ingestor(settings, url).ingest_inbox(settings.inbox_dir, progress=False)
    assert (report.files, report.skipped) == (4, 0)
    return settings, url


@pytest.fixture
def hashed(monkeypatch) -> list[str]:
    """The files the poll reads (the real hash, recorded)."""
    read: list[str] = []
    real = pending_module.sha256_of_stream

    def recording(handle):
        read.append(Path(os.readlink(f"/proc/self/fd/{handle.fileno()}")).name)
        return real(handle)

    monkeypatch.setattr(pending_module, "sha256_of_stream", recording)
    return read


def _poll(settings, url) -> list[str]:
    with psycopg.connect(url) as conn:
        return [f.name for f in pending_files(conn, discover(settings.inbox_dir))]


def test_a_poll_of_processed_files_reads_none_of_them(polled, hashed) -> None:
    settings, url = polled
    assert _poll(settings, url) == []
    assert _poll(settings, url) == []
    assert hashed == []  # ingest indexed what it took; nothing read since
    again = Ingestor(settings, url).ingest_inbox(settings.inbox_dir, progress=False)
    assert (again.files, again.skipped) == (0, 4)


def test_a_new_file_is_read_once_and_pending_until_processed(polled, hashed) -> None:
    settings, url = polled
    new = _in_agency_folder(settings, "SXD_2024-02_bo_sung.csv")
    new.write_bytes(next(settings.inbox_dir.glob(f"{MONTH_FILES}.csv")).read_bytes() + b"\n")
    try:
        assert _poll(settings, url) == [new.name]
        assert _poll(settings, url) == [new.name]
        assert hashed == [new.name]
    finally:
        new.unlink()


def test_a_file_rewritten_is_read_again_even_with_its_old_size_and_mtime(
        polled, hashed) -> None:
    """A sender can set a file's mtime back; the kernel's ctime still moves."""
    settings, url = polled
    path = sorted(settings.inbox_dir.glob(f"{MONTH_FILES}.csv"))[0]
    original, stat = path.read_bytes(), path.stat()
    changed = bytes([original[0] ^ 1]) + original[1:]  # other bytes, the same size
    assert changed != original and len(changed) == len(original)
    try:
        path.write_bytes(changed)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        assert path.stat().st_mtime_ns == stat.st_mtime_ns
        assert _poll(settings, url) == [path.name]
        assert hashed == [path.name]
    finally:
        path.write_bytes(original)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert _poll(settings, url) == []  # the processed bytes again: read, and known
    assert hashed == [path.name, path.name]


def test_a_file_touched_is_read_again_and_still_known(polled, hashed) -> None:
    settings, url = polled
    path = sorted(settings.inbox_dir.glob(MONTH_FILES))[-1]
    os.utime(path)
    assert _poll(settings, url) == []
    assert hashed == [path.name]
    assert _poll(settings, url) == []
    assert hashed == [path.name]  # indexed with its new times


def test_a_file_still_being_written_waits_for_its_quiet_period(polled, hashed) -> None:
    """A CSV written in two halves with a pause between: no poll reads it until
    nothing has written to it for the quiet period, and then it is whole."""
    settings, url = polled
    whole = next(settings.inbox_dir.glob(f"{MONTH_FILES}.csv")).read_bytes() + b"\n"
    path = _in_agency_folder(settings, "SKHDT_2024-02_dang_tai.csv")
    quiet = 3.0

    def poll() -> list[str]:
        with psycopg.connect(url) as conn:
            return [f.name for f in pending_files(conn, discover(settings.inbox_dir), quiet)]

    try:
        path.write_bytes(whole[: len(whole) // 2])
        assert poll() == []
        time.sleep(quiet * 0.75)
        with path.open("ab") as rest:  # the upload goes on: its quiet period starts again
            rest.write(whole[len(whole) // 2:])
        time.sleep(quiet * 0.75)
        assert poll() == []  # long after the first half, but not quiet for long enough
        assert hashed == []  # not read while arriving
        report = Ingestor(dataclasses.replace(settings, inbox_quiet_s=quiet), url).ingest_inbox(
            settings.inbox_dir, progress=False)
        assert (report.files, report.arriving) == (0, 1) and "still arriving" in report.summary()
        time.sleep(quiet * 0.5)
        assert poll() == [path.name]
        assert hashed == [path.name]
        with psycopg.connect(url) as conn:
            (indexed,) = conn.execute("select sha256 from audit.inbox_index"
                                      " where inbox_path = %s",
                                      (path.relative_to(settings.inbox_dir).as_posix(),)
                                      ).fetchone()
        assert indexed == hashlib.sha256(whole).hexdigest()  # read whole
    finally:
        path.unlink()
