"""What the GX suites run on, and how their results become a clerk's problems."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from planwatch.config import load_settings
from planwatch.quality.validate import FrameError, Validator, frame_from_rows, prepare_frame


def test_the_frame_has_the_specs_columns_with_numbers_as_floats() -> None:
    rows = [{"source_row": 7, "project_code": "DA-01", "capital_source": "NSTW",
             "annual_plan_vnd": 10**12, "carried_over_plan_vnd": None,
             "ytd_disbursed_vnd": 5 * 10**11, "reported_rate": Decimal("50.5")}]
    frame = prepare_frame("disbursement", frame_from_rows("disbursement", rows))
    assert frame.loc[0, "annual_plan_vnd"] == 1e12 and frame.loc[0, "reported_rate"] == 50.5
    assert frame.loc[0, "available_plan_vnd"] == 1e12  # carried-over blank counts as 0
    assert frame.loc[0, "capital_source_code"] is None  # a spec column the rows lack


def test_a_frame_breaking_the_parser_contract_is_a_fault_not_a_clerks_error() -> None:
    with pytest.raises(FrameError):
        prepare_frame("tasks", pd.DataFrame({"task_code": ["NV-1-01"]}))
    with pytest.raises(FrameError, match="percent_complete"):
        prepare_frame("tasks", pd.DataFrame({"source_row": [3], "percent_complete": ["nhiều"]}))


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator(load_settings().expectations_dir)


def test_each_failing_row_is_a_problem_naming_row_column_value_and_fix(
        validator: Validator) -> None:
    rows = [
        {"source_row": 5, "task_code": "NV-1-01", "status": "in_progress",
         "status_text": "Đang thực hiện", "percent_complete": Decimal(40)},
        {"source_row": 6, "task_code": "NV-1-02", "status": None, "status_text": "Đã xong",
         "percent_complete": Decimal(140)},
        {"source_row": 7, "task_code": "NV-1-03", "status": "completed",
         "status_text": "Hoàn thành", "percent_complete": Decimal(100)},
    ]
    outcome = validator.validate("tasks", frame_from_rows("tasks", rows), label="t")
    found = {(p.code, p.row, p.value, p.severity) for p in outcome.problems}
    assert ("missing_status", 6, "Đã xong", "block") in found  # the text as written is shown
    assert ("percent_out_of_range", 6, "140", "block") in found
    assert ("missing_completed_date", 7, None, "warn") in found
    assert all(p.fix_vi and p.sheet == "Nhiệm vụ" for p in outcome.problems)
    assert {r.code for r in outcome.results if not r.success} == {
        "missing_status", "percent_out_of_range", "missing_completed_date"}
    assert outcome.row_count == 3


def test_a_clean_sheet_has_no_problem(validator: Validator) -> None:
    rows = [{"source_row": 5, "indicator_code": "CT-01", "unit": "%", "ytd_value": Decimal(12),
             "month_value": Decimal(1), "data_status": "official"}]
    outcome = validator.validate("indicators", frame_from_rows("indicators", rows))
    assert outcome.problems == [] and all(r.success for r in outcome.results)


def test_a_batch_of_sheets_is_one_validation_mapped_back_to_each_sheet(
        validator: Validator) -> None:
    """Two agencies' task sheets in one GX run: each sheet gets its own problems and
    results, and a code repeated in one sheet is a duplicate there only."""
    first = [{"source_row": 5, "task_code": "NV-1-01", "status": "in_progress"},
             {"source_row": 6, "task_code": "NV-1-01", "status": None, "status_text": "Xong"}]
    second = [{"source_row": 5, "task_code": "NV-1-01", "status": "in_progress"}]
    outcomes = validator.validate_batch(
        "tasks", [frame_from_rows("tasks", first), frame_from_rows("tasks", second)],
        labels=["A", "B"])
    assert [o.label for o in outcomes] == ["A", "B"]
    assert {(p.code, p.row) for p in outcomes[0].problems} == {
        ("missing_status", 6), ("duplicate_task_code", 5), ("duplicate_task_code", 6)}
    assert outcomes[1].problems == []
    duplicate = next(r for r in outcomes[0].results if r.code == "duplicate_task_code")
    assert not duplicate.success and duplicate.element_count == 2
    assert [u["value"] for u in duplicate.unexpected] == ["NV-1-01", "NV-1-01"]
    assert all(r.success for r in outcomes[1].results)
    assert outcomes[0].gx_result is outcomes[1].gx_result  # one GX validation
