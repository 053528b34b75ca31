"""Pre-filled templates and the demo year: what agencies get, and what the demo sends."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from fixtures.plans import SHIPPED_PLAN

from planwatch.catalog import load_catalog
from planwatch.demo.manifest import manifest_path
from planwatch.demo.year import write_demo_year
from planwatch.ingest.parse import parse_file
from planwatch.vocabulary.statuses import TASK_STATUSES
from planwatch.workbooks.templates import write_templates

SEEDS = Path(__file__).resolve().parents[2] / "catalog"
CODE = {"tasks": "task_code", "indicators": "indicator_code", "disbursement": "project_code"}


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(SEEDS, SHIPPED_PLAN)


def test_one_template_per_reporting_agency_prefilled_with_its_own_items(catalog, tmp_path):
    paths = write_templates(catalog, "2024-03", tmp_path)
    assert sorted(p.name for p in paths) == sorted(
        f"{a.agency_code}_2024-03.xlsx" for a in catalog.reporting_agencies())
    for path in paths:
        agency = path.name.removesuffix("_2024-03.xlsx")
        parsed = parse_file(path, path.name, max_bytes=2**26)
        assert (parsed.agency_code, parsed.period, parsed.problems) == (agency, "2024-03", [])
        owed = {"tasks": [t.task_code for t in catalog.tasks_of(agency)],
                "indicators": [i.indicator_code for i in catalog.indicators_of(agency)],
                "disbursement": [p.project_code for p in catalog.projects_of(agency)]}
        assert [s.template for s in parsed.sheets] == list(catalog.templates_of(agency))
        for sheet in parsed.sheets:
            assert [r[CODE[sheet.template]] for r in sheet.rows] == owed[sheet.template]


def test_status_dropdown_offers_exactly_the_statuses(catalog, tmp_path):
    path = write_templates(catalog, "2024-03", tmp_path)[0]
    book = openpyxl.load_workbook(path)
    lists = book["Danh mục"]
    assert lists.sheet_state == "hidden"
    validation = book["Nhiệm vụ"].data_validations.dataValidation[0]
    assert validation.type == "list"
    first, last = validation.formula1.split("!")[1].replace("$", "").split(":")
    offered = [c.value for row in lists[first:last] for c in row]
    assert offered == [s.label_vi for s in TASK_STATUSES]


def test_demo_year_is_deterministic_and_has_every_case(catalog, tmp_path):
    first = write_demo_year(catalog, tmp_path / "a", months=[1, 2, 3, 4, 5, 6],
                            progress=False)
    second = write_demo_year(catalog, tmp_path / "b", months=[1, 2, 3, 4, 5, 6],
                             progress=False)
    assert [(f.path, f.sha256) for f in first.files] == [(f.path, f.sha256) for f in second.files]
    for f in first.files:
        assert (tmp_path / "a" / f.path).read_bytes() == (tmp_path / "b" / f.path).read_bytes()
    counts = first.counts()
    assert counts["xlsx"] > counts["csv"] > 0
    for case in ("late", "missing_agency_months", "invalid", "duplicate", "resubmission"):
        assert counts[case] > 0, case
    mess = {tag for f in first.files for tag in f.mess}
    assert {"vn_number_text", "nfd_text", "title_rows", "subtotal_rows", "money_ty_dong",
            "percent_fraction", "formulas_cached", "hidden_sheet"} <= mess
    encodings = {f.encoding for f in first.files if f.kind == "csv"}
    assert {"utf-8-sig", "cp1258"} <= encodings
    manifest = json.loads(manifest_path(tmp_path / "a").read_text(encoding="utf-8"))
    assert manifest["counts"] == counts
