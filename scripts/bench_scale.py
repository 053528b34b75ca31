"""The benchmark's measures at scale (``scripts/benchmark.py --only scale``).

A national demo of ``provinces`` × ``years`` plan-years (``demo.national``,
written once into ``--demo-dir`` and reused) is ingested into throw-away
warehouses of 1, 4, … plan-years (each with a catalog of only its plans); each
is built whole. On the largest, one more month of one plan arrives and is
built (what the service does after a poll), then everything is built again
(``--all``, the anchor). Printed: ingest cost per file and full-build cost per
plan-year at each size (flat: each within 1.3× of one plan-year's), the
one-month build against the full rebuild (goal ≤ 0.3× at 16 plan-years), and
five analyst queries on the largest (``bench_queries.py``).
The ingest's outcome counts are checked against the demo's manifests, so
that speed cannot come from skipping work.
"""

from __future__ import annotations

import dataclasses
import json
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg
from bench_ingest import outcomes_expected, outcomes_found  # scripts/bench_ingest.py
from bench_queries import measure_queries  # scripts/bench_queries.py

from planwatch.catalog import load_catalogs
from planwatch.catalog.seeds import write_catalogs
from planwatch.config import Settings
from planwatch.demo.cases import Calendar
from planwatch.demo.manifest import DemoManifest
from planwatch.demo.national import write_national_demo
from planwatch.demo.year import copy_period
from planwatch.flow.ingestor import Ingestor
from planwatch.warehouse.init import init_warehouse
from planwatch.warehouse.mart_builds import build_marts

FLAT_GOAL = 1.3
ONE_MONTH_GOAL = 0.3


@dataclasses.dataclass
class Size:
    plan_years: int
    files: int
    ingest_s: float
    build_s: float
    outcomes: dict[str, int]


def _files_expected(manifests: list[Path], held_out: str | None) -> dict[str, int]:
    files = []
    for path in manifests:
        manifest = DemoManifest.read_json(path)
        files += [f for f in manifest.files
                  if held_out is None or f"{manifest.plan_code}/{f.period}" != held_out]
    return outcomes_expected(files)


def _inbox_of(demo_inbox: Path, plans: list[str], dest: Path, held_out: str | None) -> None:
    """Copy the plans' files (not the held-out plan-month) into ``dest``, times kept."""
    for plan in plans:
        issuer, year = plan.rsplit("-", 1)
        for period in sorted({m.name for m in demo_inbox.glob(f"{issuer}/*/{year}-*")}):
            if held_out != f"{plan}/{period}":
                copy_period(demo_inbox, dest, period, issuer)


def measure_scale(settings: Settings, url: str, *, provinces: int, years: int,
                  demo_dir: Path, sizes: tuple[int, ...]) -> list[str]:
    shipped = load_catalogs(settings.catalog_dir)
    started = time.perf_counter()
    demo = write_national_demo(shipped, demo_dir, plans=provinces, years=years,
                               calendar=Calendar.configured(settings), workers=2)
    print(f"national demo {provinces} x {years}: {demo.written} plan-year(s) written in "
          f"{time.perf_counter() - started:.0f} s ({demo_dir})", flush=True)
    everything = [c for c in load_catalogs(demo.catalog_dir) if c.plan_code.startswith("SYN")]
    order = sorted(everything, key=lambda c: (c.plan.year, c.plan.issuer_code))
    last_year = max(c.plan.year for c in everything)
    as_of = datetime.fromisoformat(f"{last_year + 1}-01-31T00:00:00+07:00")
    results: list[Size] = []
    one_month = full_again = 0.0
    queries: list[str] = []
    for size in sizes:
        chosen = order[:size] if size <= len(order) else order
        codes = [c.plan_code for c in chosen]
        largest = size == max(sizes)
        held_out = f"{codes[-1]}/{codes[-1].rsplit('-', 1)[1]}-12" if largest else None
        home = settings.home / f"size{size}"
        catalog_dir = home / "catalog"
        write_catalogs(chosen, catalog_dir)
        sized = dataclasses.replace(settings, home=home, catalog_path=str(catalog_dir))
        _inbox_of(demo.inbox_dir, codes, sized.inbox_dir, held_out)
        database = fresh_database(url, f"size{size}")
        init_warehouse(database, sized)
        manifests = [demo_dir / "manifests" / f"{code}.json" for code in codes]
        expected_files = _files_expected(manifests, held_out)
        started = time.perf_counter()
        report = Ingestor(sized, database).ingest_inbox(sized.inbox_dir, progress=False)
        ingest_s = time.perf_counter() - started
        found = outcomes_found(database)
        assert found == expected_files, (found, expected_files)  # every file judged as meant
        started = time.perf_counter()
        build_marts(database, sized, as_of=as_of)
        build_s = time.perf_counter() - started
        results.append(Size(len(codes), report.files, ingest_s, build_s,
                            dict(report.statuses)))
        print(f"{len(codes):3d} plan-year(s): ingest {report.files} files in {ingest_s:6.1f} s,"
              f" full build {build_s:6.1f} s  ({report.summary()})", flush=True)
        if largest and held_out:
            plan, month = held_out.split("/")
            issuer = plan.rsplit("-", 1)[0]
            copy_period(demo.inbox_dir, sized.inbox_dir, month, issuer)
            Ingestor(sized, database).ingest_inbox(sized.inbox_dir, progress=False)
            started = time.perf_counter()
            built = build_marts(database, sized, as_of=as_of)
            one_month = time.perf_counter() - started
            print(f"    one new month ({held_out}): {built.describe()} in {one_month:.1f} s",
                  flush=True)
            print(slowest_nodes(sized), flush=True)
            started = time.perf_counter()
            build_marts(database, sized, as_of=as_of + timedelta(seconds=1), whole=True)
            full_again = time.perf_counter() - started
            print(f"    full rebuild of the same warehouse: {full_again:.1f} s", flush=True)
            print(slowest_nodes(sized), flush=True)
            queries = measure_queries(database)
    base = results[0]
    lines = list(queries)
    for r in results:
        per_file = (r.ingest_s / r.files) / (base.ingest_s / base.files)
        per_plan = (r.build_s / r.plan_years) / (base.build_s / base.plan_years)
        lines.append(f"ingest per file at {r.plan_years} plan-years vs 1: {per_file:5.2f}x "
                     f"(goal <= {FLAT_GOAL}x: {'met' if per_file <= FLAT_GOAL else 'MISSED'})")
        lines.append(f"full build per plan-year at {r.plan_years} vs 1: {per_plan:5.2f}x "
                     f"(goal <= {FLAT_GOAL}x: {'met' if per_plan <= FLAT_GOAL else 'MISSED'})")
    if full_again:
        ratio = one_month / full_again
        lines.append(f"build after one new month at {results[-1].plan_years} plan-years vs full "
                     f"rebuild: {ratio:5.2f}x ({one_month:.1f} s / {full_again:.1f} s; goal <= "
                     f"{ONE_MONTH_GOAL}x: {'met' if ratio <= ONE_MONTH_GOAL else 'MISSED'})")
    return lines


def slowest_nodes(settings: Settings, count: int = 6) -> str:
    """The last build's profile: dbt's own elapsed time, models and tests summed,
    and its slowest nodes (``run_results.json``)."""
    results = json.loads(settings.dbt_build_results.read_text(encoding="utf-8"))
    nodes = results["results"]
    by_kind: dict[str, float] = {}
    for node in nodes:
        kind = node["unique_id"].split(".")[0]
        by_kind[kind] = by_kind.get(kind, 0.0) + node["execution_time"]
    top = sorted(nodes, key=lambda n: -n["execution_time"])[:count]
    slowest = ", ".join(f"{n['unique_id'].split('.')[-1]} {n['execution_time']:.1f} s"
                        for n in top)
    return (f"      dbt: {len(nodes)} nodes in {results['elapsed_time']:.1f} s; summed: "
            + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(by_kind.items()))
            + f"; slowest: {slowest}")


def fresh_database(url: str, suffix: str) -> str:
    """A database beside the benchmark's own, named after it (``throwaway_warehouse``
    drops both)."""
    parsed = urlparse(url)
    new = f"{parsed.path.lstrip('/')}_{suffix}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{new}" with (force)')
        conn.execute(f'create database "{new}"')
    return urlunparse(parsed._replace(path=f"/{new}"))
