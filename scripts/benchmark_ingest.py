"""Ingest throughput on a demo year: files and rows per second, by phase.

    .venv/bin/python scripts/benchmark_ingest.py [--months 12] [--plan CODE]

Writes the demo year to a temporary folder, creates a throw-away database on
the warehouse server (WAREHOUSE_URL, or the embedded one), and measures:
parsing alone (sandboxed child process), GX validation alone, and the whole
``Ingestor.ingest_inbox`` (register, parse, check, validate, load, receipts).
The database and folder are removed afterwards.
"""

from __future__ import annotations

import argparse
import time

from benchmark import throwaway_warehouse  # scripts/benchmark.py

from planwatch.catalog import load_catalog
from planwatch.demo.cases import Calendar
from planwatch.demo.year import write_demo_year
from planwatch.flow.ingestor import Ingestor
from planwatch.ingest.files import discover
from planwatch.ingest.sandbox import ParseSandbox
from planwatch.quality.validate import Validator, frame_from_rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--plan", help="plan code (default: the catalog's only plan)")
    args = parser.parse_args()
    with throwaway_warehouse() as (settings, url):
        write_demo_year(load_catalog(settings.catalog_dir, args.plan), settings.inbox_dir,
                        calendar=Calendar.configured(settings),
                        months=range(1, args.months + 1), progress=False)
        measure(settings, url)


def measure(settings, url: str) -> None:
    files = discover(settings.inbox_dir)
    size = sum(f.size for f in files)
    started = time.perf_counter()
    with ParseSandbox(memory_mb=settings.parse_memory_mb, timeout_s=settings.parse_timeout_s,
                      max_bytes=settings.max_file_mb * 2**20) as sandbox:
        parsed = [sandbox.parse(f.path, f.name) for f in files]
    parse_s = time.perf_counter() - started
    sheets = [s for p in parsed for s in p.sheets]
    rows = sum(len(s.rows) for s in sheets)

    validator = Validator(settings.expectations_dir)
    started = time.perf_counter()
    for sheet in sheets:
        validator.validate(sheet.template, frame_from_rows(sheet.template, sheet.rows))
    validate_s = time.perf_counter() - started

    ingestor = Ingestor(settings, url)
    started = time.perf_counter()
    report = ingestor.ingest_inbox(settings.inbox_dir, progress=False)
    ingest_s = time.perf_counter() - started

    print(f"demo files: {len(files)} ({size / 2**20:.1f} MiB), sheets {len(sheets)}, "
          f"data rows {rows}")
    print(f"parse (sandboxed):   {parse_s:6.1f} s  {len(files) / parse_s:7.1f} files/s "
          f"{rows / parse_s:9.0f} rows/s")
    print(f"GX validation:       {validate_s:6.1f} s  {len(sheets) / validate_s:7.1f} sheets/s "
          f"{rows / validate_s:9.0f} rows/s")
    print(f"whole ingest:        {ingest_s:6.1f} s  {report.files / ingest_s:7.1f} files/s "
          f"{report.rows / ingest_s:9.0f} rows/s loaded")
    print(f"  {report.summary()}")


if __name__ == "__main__":
    main()
