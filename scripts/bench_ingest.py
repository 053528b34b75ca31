"""The benchmark's ingest measures (``scripts/benchmark.py --only ingest``).

On the demo year (written to the benchmark's temporary inbox) and a throw-away
database: parsing alone (the sandboxed child process), GX validation alone
against the same rules in pandas (``bench_validate.py``), the whole
``Ingestor.ingest_inbox`` (register, parse, check, validate, load,
receipts), and its floor on the same files: python-calamine reading every
sheet (a CSV: its text split by the csv module) and one COPY per file of every
cell as text into a scratch table. Printed: each phase's files and rows per
second, and the whole ingest against the floor (goal ≥ 0.2×). The outcome
counts are checked against the demo's manifest, so that speed cannot come from
skipping work.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterable
from pathlib import Path

import psycopg
from bench_validate import measure_validation  # scripts/bench_validate.py
from python_calamine import CalamineWorkbook

from planwatch.catalog import load_catalog
from planwatch.config import Settings
from planwatch.demo.cases import Calendar
from planwatch.demo.manifest import DemoFile
from planwatch.demo.year import write_demo_year
from planwatch.flow.ingestor import Ingestor
from planwatch.ingest.files import discover
from planwatch.ingest.readers import decode_csv, sniff_delimiter
from planwatch.ingest.sandbox import ParseSandbox

FLOOR_GOAL = 0.2


def _cells(path: Path) -> list[list[str]]:
    """Every cell of every sheet of a file, as text (the floor's read)."""
    if path.suffix.lower() == ".csv":
        text, _ = decode_csv(path.read_bytes())
        return [row for row in csv.reader(io.StringIO(text), delimiter=sniff_delimiter(text))]
    book = CalamineWorkbook.from_path(str(path))
    rows: list[list[str]] = []
    for name in book.sheet_names:
        rows += [[str(v) for v in row] for row in book.get_sheet_by_name(name).to_python()]
    return rows


def outcomes_found(url: str) -> dict[str, int]:
    """Files ingested, those with a sheet rejected, and those that were duplicates."""
    with psycopg.connect(url) as conn:
        return dict(zip(("files", "invalid", "duplicate"), conn.execute("""
            select count(*), count(*) filter (where rejected), count(*) filter (where duplicate)
            from (select inbox_path, bool_or(status = 'rejected') as rejected,
                         bool_and(status = 'duplicate') as duplicate
                  from audit.submissions group by inbox_path) as files""").fetchone(),
            strict=True))


def outcomes_expected(files: Iterable[DemoFile]) -> dict[str, int]:
    files = list(files)
    return {"files": len(files), "invalid": sum(f.outcome == "invalid" for f in files),
            "duplicate": sum(f.outcome == "duplicate" for f in files)}


def measure_floor(url: str, files: list[Path]) -> tuple[float, int]:
    """Seconds to read every file and COPY its cells, one transaction per file."""
    started = time.perf_counter()
    count = 0
    with psycopg.connect(url) as conn:
        conn.execute("create temp table floor_cells (file int, cells text[])")
        conn.commit()
        for n, path in enumerate(files):
            rows = _cells(path)
            with conn.cursor().copy("copy floor_cells (file, cells) from stdin") as copy:
                for row in rows:
                    copy.write_row((n, row))
            conn.commit()
            count += len(rows)
    return time.perf_counter() - started, count


def measure_ingest(settings: Settings, url: str, *, plan: str | None, months: int) -> list[str]:
    manifest = write_demo_year(load_catalog(settings.catalog_dir, plan), settings.inbox_dir,
                               calendar=Calendar.configured(settings),
                               months=range(1, months + 1), progress=False)
    files = discover(settings.inbox_dir)
    size = sum(f.size for f in files)
    started = time.perf_counter()
    with ParseSandbox(memory_mb=settings.parse_memory_mb, timeout_s=settings.parse_timeout_s,
                      max_bytes=settings.max_file_bytes) as sandbox:
        parsed = [sandbox.parse(f.path, f.name) for f in files]
    parse_s = time.perf_counter() - started
    sheets = [s for p in parsed for s in p.sheets]
    rows = sum(len(s.rows) for s in sheets)

    validation = measure_validation(settings, sheets)
    floor_s, cells = measure_floor(url, [f.path for f in files])

    started = time.perf_counter()
    report = Ingestor(settings, url).ingest_inbox(settings.inbox_dir, progress=False)
    ingest_s = time.perf_counter() - started
    found, expected = outcomes_found(url), outcomes_expected(manifest.files)
    assert found == expected, (found, expected)  # every file read and judged as meant

    print(f"demo files: {len(files)} ({size / 2**20:.1f} MiB), sheets {len(sheets)}, "
          f"data rows {rows}")
    print(f"parse (sandboxed):   {parse_s:6.1f} s  {len(files) / parse_s:7.1f} files/s "
          f"{rows / parse_s:9.0f} rows/s")
    print(f"floor (calamine + COPY): {floor_s:6.1f} s  {len(files) / floor_s:7.1f} files/s "
          f"({cells} sheet rows)")
    print(f"whole ingest:        {ingest_s:6.1f} s  {report.files / ingest_s:7.1f} files/s "
          f"{report.rows / ingest_s:9.0f} rows/s loaded")
    print(f"  {report.summary()}", flush=True)
    ratio = floor_s / ingest_s
    return [*validation,
            f"whole ingest of the demo year vs its floor (calamine read + COPY): {ratio:5.3f}x "
            f"({len(files) / ingest_s:.1f} vs {len(files) / floor_s:.1f} files/s; goal >= "
            f"{FLOOR_GOAL}x: {'met' if ratio >= FLOOR_GOAL else 'MISSED'})"]
