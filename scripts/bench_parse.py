"""The benchmark's parse measure: one large sheet read by planwatch and by its anchor.

Writes, in the run's temporary home, one agency's monthly workbook in the
submission format (the demo's own rendering: ``Thông tin`` sheet, title rows,
the money unit note, the hidden lists sheet) whose ``Giải ngân`` sheet has
``rows`` project lines, real Excel numbers as most agencies send them. The
parse must find every one of those rows and no problem, so that speed cannot
come from skipping work. Then, best of three each: planwatch's parse exactly
as ingest runs it (the sandboxed child process, ``ParseSandbox.parse``) and
the in-process function that child calls (``parse_file``: zip/XML/extent
checks, calamine, header matching, every cell normalised); the anchor is
fastexcel reading the same sheet into an Arrow table (``load_sheet`` →
``to_arrow``). Printed: rows per second of each, and the sandboxed parse
against the anchor (goal ≥ 0.5×).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import fastexcel

from planwatch.catalog import load_catalogs
from planwatch.config import Settings
from planwatch.demo.content import AgencyYear, month_sheets
from planwatch.demo.mess import Profile, email_of
from planwatch.demo.rendering import render_xlsx
from planwatch.demo.seeding import seeded
from planwatch.demo.simulation import project_lines
from planwatch.ingest.parse import parse_file
from planwatch.ingest.sandbox import ParseSandbox
from planwatch.vocabulary.parsed import ParsedFile
from planwatch.vocabulary.periods import period_of
from planwatch.vocabulary.templates import spec
from planwatch.workbooks.layout import sheet_titles

PARSE_GOAL = 0.5
TEMPLATE = "disbursement"
MONTH = 6
TRIES = 3


def write_large_sheet(settings: Settings, rows: int) -> tuple[Path, str, int]:
    """(path, data sheet name, its 0-based header row) of a workbook whose
    disbursement sheet has ``rows`` data rows: the catalog agency that leads
    the most projects, its lines repeated under codes and names of their own
    (investors, capital sources and issues repeat, as in a real sheet)."""
    catalog = load_catalogs(settings.catalog_dir).catalogs[0]
    agency = max((a for a in catalog.reporting_agencies() if catalog.projects_of(a.agency_code)),
                 key=lambda a: len(catalog.projects_of(a.agency_code)))
    seed = catalog.plan.year
    base = [line for p in catalog.projects_of(agency.agency_code)
            for line in project_lines(p, agency, 0, seed)]
    lines = [dataclasses.replace(line, project=dataclasses.replace(
                 line.project, project_code=f"{line.project.project_code}-{n:06d}",
                 name_vi=f"{line.project.name_vi} - hạng mục {n}"))  # no two names alike
             for n, line in zip(range(1, rows + 1), itertools.cycle(base))]
    profile = Profile(kind="xlsx", preparer="Nguyễn Văn An", phone="0234.3822.123",
                      email=email_of(catalog, agency))
    ay = AgencyYear(plan=catalog.plan, agency=agency, profile=profile,
                    templates=(TEMPLATE,), tasks=[], indicators=[], lines=lines, seed=seed)
    period = period_of(catalog.plan.year, MONTH)
    data = render_xlsx(ay, month_sheets(ay, MONTH), period,
                       dt.datetime(catalog.plan.year, MONTH + 1, 5, 9), seeded(seed, "bench"))
    path = settings.home / f"{agency.agency_code}_{period}.xlsx"
    path.write_bytes(data)
    header_row = len(sheet_titles(TEMPLATE, agency, period)) + 1  # titles, unit note
    return path, spec(TEMPLATE).sheet_name_vi, header_row


def check_parsed(parsed: ParsedFile, rows: int) -> None:
    """Every data row found, and not one problem (the file is a clean submission)."""
    problems = parsed.problems + [p for s in parsed.sheets for p in s.problems]
    assert not problems, problems[:5]
    assert [s.template for s in parsed.sheets] == [TEMPLATE], parsed.sheets
    assert len(parsed.sheets[0].rows) == rows, (len(parsed.sheets[0].rows), rows)


def best_of(run: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(TRIES):
        started = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - started)
    return best, result


def measure_parse(settings: Settings, rows: int = 20_000) -> list[str]:
    started = time.perf_counter()
    path, sheet_name, header_row = write_large_sheet(settings, rows)
    print(f"parse: {path.name} ({path.stat().st_size / 2**20:.1f} MiB), sheet {sheet_name!r}, "
          f"{rows} data rows, written in {time.perf_counter() - started:.1f} s", flush=True)
    max_bytes = settings.max_file_bytes

    inproc_s, parsed = best_of(lambda: parse_file(path, path.name, max_bytes=max_bytes))
    check_parsed(parsed, rows)
    with ParseSandbox(memory_mb=settings.parse_memory_mb, timeout_s=settings.parse_timeout_s,
                      max_bytes=max_bytes) as sandbox:
        check_parsed(sandbox.parse(path, path.name), rows)  # starts the child, as ingest has
        sandbox_s, parsed = best_of(lambda: sandbox.parse(path, path.name))
    check_parsed(parsed, rows)

    def anchor() -> Any:
        return fastexcel.read_excel(path).load_sheet(sheet_name, header_row=header_row).to_arrow()

    anchor_s, table = best_of(anchor)
    assert table.num_rows == rows, (table.num_rows, rows)

    ratio = anchor_s / sandbox_s
    print(f"planwatch parse (sandboxed):  {sandbox_s:6.3f} s {rows / sandbox_s:9.0f} rows/s")
    print(f"planwatch parse_file (in-process): {inproc_s:6.3f} s "
          f"{rows / inproc_s:9.0f} rows/s")
    print(f"fastexcel -> Arrow (anchor):  {anchor_s:6.3f} s {rows / anchor_s:9.0f} rows/s",
          flush=True)
    return [f"parse of a {rows}-row sheet (sandboxed) vs fastexcel -> Arrow: {ratio:5.3f}x "
            f"({rows / sandbox_s:.0f} vs {rows / anchor_s:.0f} rows/s; in-process "
            f"{rows / inproc_s:.0f} rows/s; goal >= {PARSE_GOAL}x: "
            f"{'met' if ratio >= PARSE_GOAL else 'MISSED'})"]


if __name__ == "__main__":  # alone: .venv/bin/python scripts/bench_parse.py [rows]
    import sys
    import tempfile

    from planwatch.config import load_settings

    with tempfile.TemporaryDirectory() as home:
        lines = measure_parse(dataclasses.replace(load_settings(), home=Path(home)),
                              *(int(a) for a in sys.argv[1:2]))
    print("\n".join(lines))
