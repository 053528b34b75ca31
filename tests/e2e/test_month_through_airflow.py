"""A month of demo submissions through real Airflow runs, checked in the marts.

``submissions__ingest`` (one mapped task per file) and ``warehouse__build``
(dbt through Cosmos) run with ``DAG.test()`` in one Airflow process, as
``make run`` does. The expected figures are computed here, independently of
planwatch's parser: compliance from the demo manifest and the catalog, money
and indicator values read straight from the workbooks with openpyxl.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from decimal import Decimal
from pathlib import Path

import openpyxl
import psycopg
import pytest
from fixtures import HISTORICAL
from fixtures.plans import SHIPPED_PLAN

from planwatch.catalog import load_catalog
from planwatch.dbt import parse_project
from planwatch.demo.manifest import ACCEPTED_OUTCOMES
from planwatch.demo.year import write_demo_year
from planwatch.orchestration.airflow_cli import run_dags

pytestmark = [pytest.mark.e2e, pytest.mark.airflow]
PERIOD = "2024-01"
MONEY_UNITS = {"triệu đồng": 10**6, "tỷ đồng": 10**9, "đồng": 1}


@pytest.fixture(scope="module")
def january(initialised_warehouse):
    settings, url = initialised_warehouse("e2e")
    catalog = load_catalog(settings.catalog_dir, SHIPPED_PLAN)
    manifest = write_demo_year(catalog, settings.inbox_dir, months=[1], progress=False)
    parse_project(url, settings)
    states = []
    # The demo's files carry the simulated month's times: an import of old files.
    run_dags([("submissions__ingest", f"{PERIOD}-20T01:00:00+07:00",
               {"historical_operator": HISTORICAL.operator}),
              ("warehouse__build", dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))],
             url, settings, on_progress=lambda dag_id, _d, state, _s: states.append(
                 (dag_id, state)))
    assert states == [("submissions__ingest", "success"), ("warehouse__build", "success")]
    return settings, url, catalog, manifest


def _query(url: str, sql: str, *params) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


def test_compliance_matches_the_manifest(january) -> None:
    _, url, catalog, manifest = january
    files = [f for f in manifest.files if f.period == PERIOD]
    expected = {}
    for agency in catalog.reporting_agencies():
        for template in catalog.templates_of(agency.agency_code):
            sent = [f for f in files if f.agency_code == agency.agency_code
                    and template in f.templates and f.outcome != "duplicate"]
            accepted = sorted((f for f in sent if f.outcome in ACCEPTED_OUTCOMES),
                              key=lambda f: f.arrival_at)
            if accepted:
                status = "late" if accepted[0].is_late else "on_time"
            else:
                status = "rejected" if sent else "missing"
            expected[(agency.agency_code, template)] = status
    found = dict(((a, t), s) for a, t, s in _query(
        url, "select agency_code, template, compliance_status from marts.fct_submission"
             " where period = %s", PERIOD))
    assert found == expected
    assert {"on_time", "late", "missing"} <= set(found.values())


def _fold(text: object) -> str:
    text = unicodedata.normalize("NFD", str(text or "").replace("đ", "d").replace("Đ", "D"))
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).lower().split())


def _text(value: object) -> str:
    """A cell as a person reads it: NFC, any kind of space as one space."""
    return " ".join(unicodedata.normalize("NFC", str(value or "")).split())


def _sheet(path: Path, name: str):
    book = openpyxl.load_workbook(path, data_only=True)
    return next(ws for ws in book.worksheets
                if _fold(ws.title).replace(" ", "") == _fold(name).replace(" ", ""))


def _table(ws, code_header: str) -> tuple[dict[str, int], list[tuple]]:
    """Header texts (NFC) -> column index, and the rows below the header."""
    rows = list(ws.iter_rows())
    for i, row in enumerate(rows):
        texts = [_text(c.value) for c in row]
        if code_header in texts:
            return {t: j for j, t in enumerate(texts) if t}, rows[i + 1:]
    raise AssertionError(f"no header {code_header} in {ws.title}")


def _accepted_xlsx(manifest, template: str) -> list:
    """Native-number workbooks (no number text) whose content the marts must show."""
    return [f for f in manifest.files if f.period == PERIOD and f.kind == "xlsx"
            and template in f.templates and "vn_number_text" not in f.mess
            and f.outcome in ACCEPTED_OUTCOMES and not f.superseded_by]


def test_disbursement_in_exact_vnd_as_the_workbooks_say(january) -> None:
    settings, url, _, manifest = january
    checked = 0
    for f in _accepted_xlsx(manifest, "disbursement"):
        headers, rows = _table(_sheet(settings.inbox_dir / f.path, "Giải ngân"), "Mã dự án")
        ytd_header = next(h for h in headers if h.startswith("Lũy kế giải ngân"))
        unit = MONEY_UNITS[ytd_header[ytd_header.index("(") + 1:-1]]
        marts = dict(((p, s), v) for p, s, v in _query(
            url, "select project_code, capital_source, ytd_disbursed_vnd from"
                 " marts.fct_disbursement where period = %s and reporting_agency_code = %s",
            PERIOD, f.agency_code))
        for row in rows:
            code = row[headers["Mã dự án"]].value
            if not code:
                continue  # subtotal and heading rows
            source = _text(row[headers["Nguồn vốn"]].value)
            ytd = Decimal(str(row[headers[ytd_header]].value)) * unit
            assert marts[(_text(code), source)] == ytd, (f.path, code, source)
            checked += 1
    assert checked >= 5


def test_indicator_values_as_the_workbooks_say(january) -> None:
    settings, url, _, manifest = january
    checked = 0
    for f in _accepted_xlsx(manifest, "indicators"):
        headers, rows = _table(_sheet(settings.inbox_dir / f.path, "Chỉ tiêu"), "Mã chỉ tiêu")
        marts = dict(_query(
            url, "select indicator_code, ytd_value from marts.fct_indicator_value"
                 " where period = %s and reporting_agency_code = %s", PERIOD, f.agency_code))
        for row in rows:
            code, cell = row[headers["Mã chỉ tiêu"]].value, row[headers["Lũy kế từ đầu năm"]]
            if not code or cell.value is None:
                continue
            value = Decimal(str(cell.value)) * (100 if "%" in cell.number_format else 1)
            assert marts[_text(code)] == value, (f.path, code)
            checked += 1
    assert checked >= 3


def test_every_task_reported_in_a_workbook_has_its_month(january) -> None:
    settings, url, _, manifest = january
    reported = set()
    for f in _accepted_xlsx(manifest, "tasks"):
        headers, rows = _table(_sheet(settings.inbox_dir / f.path, "Nhiệm vụ"), "Mã nhiệm vụ")
        reported |= {_text(r[headers["Mã nhiệm vụ"]].value) for r in rows
                     if r[headers["Mã nhiệm vụ"]].value}
    in_marts = {code for (code,) in _query(
        url, "select task_code from marts.fct_task_progress where period = %s", PERIOD)}
    assert reported and reported <= in_marts


def test_receipts_and_docs_were_published(january) -> None:
    settings, _, _, manifest = january
    files = [f for f in manifest.files if f.period == PERIOD]
    assert len(list(settings.receipts_dir.glob("*.html"))) == len(files)
    sites = [p for p in (settings.reports_dir / "data_docs").glob("*/index.html")]
    assert len(sites) == 1  # the run's, built by its publish task from the records
    assert "planwatch-run-summary" in sites[0].read_text(encoding="utf-8")
