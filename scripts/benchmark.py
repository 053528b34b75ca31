"""planwatch's benchmark: each measure beside its anchor or goal, in one run.

    .venv/bin/python scripts/benchmark.py [--only poll] [--poll-files 50000]

Runs on a throw-away database on the warehouse server (WAREHOUSE_URL, or the
embedded one) and a temporary folder, both removed afterwards. Measures:

* ``poll``: a poll of an inbox of ``--poll-files`` processed files
  (``flow.pending.pending_files``, what the service's ingest runs first), once
  with no index (every file read), then unchanged (goal: under 2 s).

The ingest's and the service's figures are still ``benchmark_ingest.py`` and
``benchmark_service.py``.
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg

from planwatch.config import Settings, load_settings
from planwatch.digests import sha256_of
from planwatch.flow.pending import pending_files
from planwatch.ingest.files import discover
from planwatch.warehouse.db import warehouse_url
from planwatch.warehouse.init import create_schema

MEASURES = ("poll",)
POLL_GOAL_S = 2.0


@contextmanager
def throwaway_warehouse() -> Iterator[tuple[Settings, str]]:
    """A new database with planwatch's tables, and a temporary home; both removed."""
    base = load_settings()
    server = warehouse_url(base)
    name = f"planwatch_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    url = urlunparse(urlparse(server)._replace(path=f"/{name}"))
    try:
        with tempfile.TemporaryDirectory() as home:
            create_schema(url)
            yield dataclasses.replace(base, home=Path(home), warehouse_url=url), url
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')


def measure_poll(settings: Settings, url: str, count: int) -> None:
    """``count`` small files over twelve month folders, recorded as processed."""
    for n in range(count):
        path = settings.inbox_dir / f"2024-{n % 12 + 1:02d}" / f"AG{n % 50:02d}_{n:06d}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"STT,Mã\n{n},{n}\n", encoding="utf-8")
    files = discover(settings.inbox_dir)
    now = datetime.now(UTC)
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        with cur.copy("copy audit.submissions (file_name, inbox_path, file_sha256, received_at,"
                      " status) from stdin") as copy:
            for f in files:
                copy.write_row((f.name, f.inbox_path, sha256_of(f.path), now, "rejected"))
    with psycopg.connect(url) as conn:
        started = time.perf_counter()
        first = pending_files(conn, discover(settings.inbox_dir))
        first_s = time.perf_counter() - started
        started = time.perf_counter()
        again = pending_files(conn, discover(settings.inbox_dir))
        again_s = time.perf_counter() - started
    assert first == again == [], "every file was recorded as processed"
    verdict = "met" if again_s < POLL_GOAL_S else "MISSED"
    print(f"poll, {count} processed files: first (reads every file) {first_s:6.2f} s; "
          f"unchanged {again_s:6.2f} s (goal < {POLL_GOAL_S:.0f} s: {verdict})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=MEASURES, action="append")
    parser.add_argument("--poll-files", type=int, default=50_000)
    args = parser.parse_args()
    for measure in args.only or MEASURES:
        with throwaway_warehouse() as (settings, url):
            if measure == "poll":
                measure_poll(settings, url, args.poll_files)


if __name__ == "__main__":
    main()
