"""planwatch's benchmark: each measure beside its anchor or goal, in one run.

    make bench ARGS="[--only poll|parse|ingest|scale|service|workers] [--poll-files 50000]
        [--provinces 4 --years 4 --sizes 1,4,16 --demo-dir DIR] [--keep]"

Runs on throw-away databases on the warehouse server (WAREHOUSE_URL, or the
embedded one) and a temporary folder, all removed afterwards, and prints each
figure beside its anchor or goal, then every ratio together. Measures:

* ``poll``: a poll of an inbox of ``--poll-files`` processed files
  (``flow.pending.pending_files``, what the service's ingest runs first), once
  with no index (every file read), then unchanged (goal: under 2 s).
* ``parse`` (``bench_parse.py``): a 20,000-row sheet parsed as ingest parses
  it (sandboxed) against fastexcel → Arrow (goal ≥ 0.5×).
* ``ingest`` (``bench_ingest.py``): the demo year's parse, GX validation
  against the same suites in pandas (``bench_validate.py``; goal ≤ 3×) and
  whole ingest, and the whole ingest against its floor on the same files
  (calamine read + one COPY per file; goal ≥ 0.2×).
* ``scale`` (``bench_scale.py``): a national demo of ``--provinces`` ×
  ``--years`` plan-years ingested into warehouses of ``--sizes`` plan-years:
  ingest cost per file and full-build cost per plan-year against one
  plan-year's (flat: ≤ 1.3×), and on the largest the build after one new month
  against a full rebuild (≤ 0.3× at 16 plan-years), and five analyst queries
  on its marts against the same answers from raw and audit (``bench_queries.py``;
  p95 < 1 s, ≥ 20× faster). The demo is written once into ``--demo-dir``
  (default ``data/benchmark/national``) and reused.
* ``service`` (``bench_service.py``): a demo month through the DAGs in one
  process, through ``planwatch serve`` (LocalExecutor), and ``planwatch build``:
  seconds side by side (``PLANWATCH_DBT_EXECUTION_MODE`` as set).
* ``workers`` (``bench_service.py``): the demo's first months ingested by the
  service with one Celery worker, then two (goal ≥ 1.3× on two cores); needs
  a Redis broker (``PLANWATCH_BROKER_URL``).

At the end: the peak memory of the run's own process and of its largest child
(a parse sandbox, a dbt build; goal ≤ 1 GB per process).
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg
from bench_ingest import measure_ingest  # scripts/bench_ingest.py
from bench_parse import measure_parse  # scripts/bench_parse.py
from bench_scale import measure_scale  # scripts/bench_scale.py
from bench_service import measure_service, measure_workers  # scripts/bench_service.py

from planwatch.config import Settings, load_settings
from planwatch.digests import sha256_of
from planwatch.flow.pending import pending_files
from planwatch.ingest.files import discover
from planwatch.warehouse.db import warehouse_url
from planwatch.warehouse.init import create_schema

MEASURES = ("poll", "parse", "ingest", "scale", "service", "workers")
POLL_GOAL_S = 2.0
MEMORY_GOAL_MB = 1024


@contextmanager
def throwaway_warehouse(keep: bool = False) -> Iterator[tuple[Settings, str]]:
    """A new database with planwatch's tables, and a temporary home; both removed
    unless ``keep`` (then their names are printed, to look at what was built)."""
    base = load_settings()
    server = warehouse_url(base)
    name = f"planwatch_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    url = urlunparse(urlparse(server)._replace(path=f"/{name}"))
    if keep:
        home = tempfile.mkdtemp(prefix="planwatch-bench-")
        create_schema(url)
        print(f"kept: databases {name}*, home {home}", flush=True)
        yield _benchmarked(base, home, url), url
        return
    try:
        with tempfile.TemporaryDirectory() as home:
            create_schema(url)
            yield _benchmarked(base, home, url), url
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            beside = [d for (d,) in conn.execute(  # the measures' own, named after it
                "select datname from pg_database where datname like %s", (f"{name}%",))]
            for database in beside:
                conn.execute(f'drop database if exists "{database}" with (force)')


def _benchmarked(base: Settings, home: str, url: str) -> Settings:
    """The settings of a measure: its home and database; no quiet period (the
    benchmark writes whole files and reads them at once)."""
    return dataclasses.replace(base, home=Path(home), warehouse_url=url, inbox_quiet_s=0)


def measure_poll(settings: Settings, url: str, count: int) -> list[str]:
    """``count`` small files over fifty agencies' folders, by month below them,
    recorded as processed."""
    for n in range(count):
        path = (settings.inbox_dir / "TTH" / f"AG{n % 50:02d}" / f"2024-{n % 12 + 1:02d}"
                / f"AG{n % 50:02d}_{n:06d}.csv")
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
    line = (f"poll, {count} processed files: first (reads every file) {first_s:6.2f} s; "
            f"unchanged {again_s:6.2f} s (goal < {POLL_GOAL_S:.0f} s: {verdict})")
    print(line, flush=True)
    return [line]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=MEASURES, action="append")
    parser.add_argument("--poll-files", type=int, default=50_000)
    parser.add_argument("--plan", help="ingest: the demo's plan (default: the only one)")
    parser.add_argument("--months", type=int, default=12, help="ingest: demo months")
    parser.add_argument("--month", type=int, default=1, help="service: the demo's month")
    parser.add_argument("--worker-months", type=int, default=6,
                        help="workers: the demo's first months ingested")
    parser.add_argument("--provinces", type=int, default=4)
    parser.add_argument("--years", type=int, default=4)
    parser.add_argument("--sizes", default="1,4,16", help="plan-years per warehouse")
    parser.add_argument("--demo-dir", type=Path)
    parser.add_argument("--keep", action="store_true",
                        help="keep the databases and homes (their names are printed)")
    args = parser.parse_args()
    summary: list[str] = []
    started = time.perf_counter()
    for measure in args.only or MEASURES:
        with throwaway_warehouse(args.keep) as (settings, url):
            if measure == "poll":
                summary += measure_poll(settings, url, args.poll_files)
            elif measure == "parse":
                summary += measure_parse(settings)
            elif measure == "ingest":
                summary += measure_ingest(settings, url, plan=args.plan, months=args.months)
            elif measure == "scale":
                demo_dir = args.demo_dir or load_settings().data_dir / "benchmark" / "national"
                summary += measure_scale(
                    settings, url, provinces=args.provinces, years=args.years,
                    demo_dir=demo_dir, sizes=tuple(int(s) for s in args.sizes.split(",")))
            elif measure == "service":
                summary += measure_service(settings, url, month=args.month)
            elif measure == "workers":
                summary += measure_workers(settings, url, months=args.worker_months)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    worst = max(own, children)
    summary.append(f"peak memory: this process {own:.0f} MB, its largest child (parse sandbox, "
                   f"dbt) {children:.0f} MB (goal <= {MEMORY_GOAL_MB} MB per process: "
                   f"{'met' if worst <= MEMORY_GOAL_MB else 'MISSED'}; PostgreSQL's own not "
                   "counted)")
    print(f"\n== ratios ({time.perf_counter() - started:.0f} s in all) ==")
    print("\n".join(summary))


if __name__ == "__main__":
    main()
