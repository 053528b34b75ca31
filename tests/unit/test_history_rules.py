"""The rules across months: a sheet set beside its earlier reports
(quality.history) and checked by the GX suites (quality.rules)."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from planwatch.config import load_settings
from planwatch.quality.history import (
    OUTLIER_SCORE,
    STATUS_CHANGE,
    YTD_GAP,
    OutlierSettings,
    annotate,
    robust_score,
)
from planwatch.quality.validate import Validator, frame_from_rows
from planwatch.vocabulary.history import EarlierReport

STEADY = OutlierSettings()


def _money(project: str, ytd: float, month: float | None, plan: float = 1e12) -> dict:
    return {"project_code": project, "capital_source": "NSĐP", "annual_plan_vnd": plan,
            "ytd_disbursed_vnd": ytd, "month_disbursed_vnd": month}


def _report(period: str, sid: int, rows: list[dict]) -> EarlierReport:
    return EarlierReport(period, sid, f"SGTVT_{period}.xlsx", rows)


def _frame(template: str, rows: list[dict]) -> pd.DataFrame:
    return frame_from_rows(template, [{"source_row": 8 + n, **r} for n, r in enumerate(rows)])


def test_a_steady_history_makes_ten_times_an_outlier_and_twice_not() -> None:
    history = [100.0, 120.0, 90.0, 110.0, 105.0]
    assert robust_score(1000.0, history, STEADY) > 3
    assert robust_score(10.0, history, STEADY) > 3
    assert robust_score(200.0, history, STEADY) < 3
    assert robust_score(0.0, history, STEADY) is None  # nothing this month: no score
    assert robust_score(1000.0, history[:2], STEADY) is None  # too little history
    # A noisy history widens the scale: the same jump counts for less.
    assert robust_score(1000.0, [10.0, 300.0, 40.0, 900.0, 100.0], STEADY) < 3


def test_year_to_date_is_compared_with_the_latest_earlier_report_of_the_same_line() -> None:
    earlier = [_report("2024-05", 52, [_money("DA-1", 500e6, 100e6), _money("DA-2", 80e6, 10e6)]),
               _report("2024-04", 41, [_money("DA-1", 400e6, 100e6)])]
    frame = _frame("disbursement", [_money("DA-1", 450e6, None), _money("DA-2", 95e6, 15e6),
                                    _money("DA-3", 5e6, 5e6)])
    out = annotate("disbursement", frame, "2024-06", earlier)
    assert out["earlier_ytd_disbursed_vnd"].tolist()[:2] == [500e6, 80e6]
    assert out["earlier_period"].tolist() == ["2024-05", "2024-05", None]
    assert out["earlier_file"].tolist()[0] == "SGTVT_2024-05.xlsx"
    assert out["earlier_submission_id"].tolist()[:2] == [52, 52]
    # DA-2 adds up (80 + 15 = 95); DA-1 has no month figure; DA-3 is new.
    assert out[YTD_GAP].tolist()[1] == 0.0
    assert out[YTD_GAP].tolist()[0] is None and out[YTD_GAP].tolist()[2] is None


def test_months_add_up_only_when_the_earlier_report_is_the_month_before() -> None:
    earlier = [_report("2024-04", 41, [_money("DA-1", 400e6, 100e6)])]
    frame = _frame("disbursement", [_money("DA-1", 600e6, 50e6)])
    out = annotate("disbursement", frame, "2024-06", earlier)  # May is missing
    assert out[YTD_GAP].tolist() == [None]
    out = annotate("disbursement", frame, "2024-05", earlier)
    assert out[YTD_GAP].tolist()[0] == pytest.approx(150e6 - 1e6)  # beyond a million of rounding


def _indicator(code: str, ytd: float, month: float | None) -> dict:
    return {"indicator_code": code, "unit": "ha", "ytd_value": ytd, "month_value": month}


def test_an_indicator_that_is_a_level_has_no_year_to_date_to_compare() -> None:
    earlier = [_report("2024-05", 7, [_indicator("CT-11", 1.9, None),
                                      _indicator("CT-03", 900, 100)])]
    frame = _frame("indicators", [_indicator("CT-11", 1.8, None), _indicator("CT-03", 850, 50)])
    out = annotate("indicators", frame, "2024-06", earlier, accumulating=frozenset({"CT-03"}))
    assert out["indicator_kind"].tolist() == ["level", "cumulative"]
    assert pd.isna(out["earlier_ytd_value"].tolist()[0])
    assert out["earlier_ytd_value"].tolist()[1] == 900


def test_a_completed_task_going_back_needs_an_explanation() -> None:
    earlier = [_report("2024-05", 3, [
        {"task_code": code, "status": "completed"} for code in ("NV-1", "NV-2", "NV-3")])]
    frame = _frame("tasks", [
        {"task_code": "NV-1", "status": "in_progress", "issues_text": float("nan")},
        {"task_code": "NV-2", "status": "delayed", "issues_text": "Phải làm lại hồ sơ"},
        {"task_code": "NV-3", "status": "completed"}])
    out = annotate("tasks", frame, "2024-06", earlier)
    assert out[STATUS_CHANGE].tolist() == ["completed→in_progress", None, None]


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator(load_settings().expectations_dir)


def test_each_rule_across_months_fires_with_the_earlier_value_and_its_file(
        validator: Validator) -> None:
    steady = [_report(f"2024-0{m}", 10 + m, [_money("DA-1", 100e6 * m, 100e6)])
              for m in (5, 4, 3, 2, 1)]
    frame = _frame("disbursement", [
        {**_money("DA-1", 450e6, None), "source_row": 8}])  # below May's 500
    out = annotate("disbursement", frame, "2024-06", steady)
    problems = validator.validate("disbursement", out).problems
    (decrease,) = [p for p in problems if p.code == "ytd_disbursed_decreased"]
    assert decrease.severity == "block" and decrease.row == 8 and decrease.item == "DA-1"
    assert decrease.value == "450.000.000 đồng" and decrease.earlier_value == "500.000.000 đồng"
    assert decrease.column == "Lũy kế giải ngân"
    assert decrease.earlier_period == "2024-05" and decrease.earlier_file == "SGTVT_2024-05.xlsx"
    assert decrease.earlier_submission_id == 15

    frame = _frame("disbursement", [_money("DA-1", 1500e6, 1000e6)])  # ten times the usual month
    out = annotate("disbursement", frame, "2024-06", steady)
    codes = {p.code: p for p in validator.validate("disbursement", out).problems}
    assert set(codes) == {"disbursement_outlier"}, codes
    assert codes["disbursement_outlier"].severity == "warn"
    assert out[OUTLIER_SCORE].tolist()[0] > 3

    frame = _frame("disbursement", [_money("DA-1", 590e6, 200e6)])  # 500 + 200 is not 590
    out = annotate("disbursement", frame, "2024-06", steady)
    codes = {p.code for p in validator.validate("disbursement", out).problems}
    assert codes == {"ytd_disbursed_does_not_add_up"}


def test_a_higher_outlier_threshold_lets_the_same_month_pass() -> None:
    steady = [_report(f"2024-0{m}", m, [_money("DA-1", 100e6 * m, 100e6)]) for m in (5, 4, 3)]
    frame = annotate("disbursement", _frame("disbursement", [_money("DA-1", 1500e6, 1000e6)]),
                     "2024-06", steady)
    lenient = Validator(load_settings().expectations_dir, outlier_max_score=10)
    assert not lenient.validate("disbursement", frame).problems


def test_month_within_year_to_date_and_completed_means_100(validator: Validator) -> None:
    frame = _frame("indicators", [_indicator("CT-03", 100, 150), _indicator("CT-11", 1.5, 3)])
    out = annotate("indicators", frame, "2024-01", [], accumulating=frozenset({"CT-03"}))
    codes = [(p.code, p.item) for p in validator.validate("indicators", out).problems]
    assert codes == [("month_value_above_ytd", "CT-03")]  # a level's month is not checked
    frame = _frame("tasks", [{"task_code": "NV-1", "status": "completed",
                              "percent_complete": Decimal(90), "completed_date": None}])
    codes = {p.code for p in validator.validate("tasks", annotate(
        "tasks", frame, "2024-01", [])).problems}
    assert "completed_not_100_percent" in codes
