"""Cases for the rules across months: an agency-month whose file breaks one.

Each case changes one row of the month's true content so that exactly the
rules it names fire (``HistoryCase.fires``) and nothing else does, including
in the months after it: a case that needs the month before it to be accepted
(``needs_previous``) is only given where that month is a normal one, and a
case whose file is accepted with warnings sits where later months compare
with it safely (December, or a level indicator whose median shrugs off one
value). Cases that compare with earlier months come from the fourth month on,
so that the first three months of the year check the same whichever order
they are loaded in.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from planwatch.demo.content import AgencyYear, Sheet, month_sheets
from planwatch.demo.seeding import quantize
from planwatch.vocabulary.statuses import COMPLETED_TASK_STATUSES, TASK_STATUS_LABELS_VI
from planwatch.vocabulary.templates import Template

_COMPLETED_LABELS = {TASK_STATUS_LABELS_VI[s] for s in COMPLETED_TASK_STATUSES}
Row = dict[str, Any]


@dataclass(frozen=True)
class HistoryCase:
    template: Template
    months: tuple[int, ...]
    fires: tuple[str, ...]  # the rule codes that must fire on the file
    blocks: bool  # the file is rejected
    needs_previous: bool  # the month before must be a normal, accepted one


_LATER = tuple(range(4, 12))
HISTORY_CASES: dict[str, HistoryCase] = {
    "disbursement_outlier": HistoryCase(
        "disbursement", (12,), ("disbursement_outlier",), False, True),
    "ytd_disbursed_decreased": HistoryCase(
        "disbursement", _LATER, ("ytd_disbursed_decreased",), True, False),
    "month_disbursed_above_ytd": HistoryCase(
        "disbursement", (1,), ("month_disbursed_above_ytd",), True, False),
    "ytd_disbursed_does_not_add_up": HistoryCase(
        "disbursement", (12,), ("ytd_disbursed_does_not_add_up",), False, True),
    "ytd_disbursed_exceeds_plan": HistoryCase(
        "disbursement", (12,), ("ytd_disbursed_exceeds_plan",), False, False),
    "ytd_value_decreased": HistoryCase(
        "indicators", _LATER, ("ytd_value_decreased",), True, False),
    "month_value_above_ytd": HistoryCase(
        "indicators", (1,), ("month_value_above_ytd",), True, False),
    "ytd_value_does_not_add_up": HistoryCase(
        "indicators", (12,), ("ytd_value_does_not_add_up",), False, True),
    "indicator_value_outlier": HistoryCase(
        "indicators", tuple(range(7, 12)), ("indicator_value_outlier",), False, True),
    "completed_task_reopened": HistoryCase(
        "tasks", tuple(range(4, 13)), ("completed_task_reopened",), True, True),
    "completed_not_100_percent": HistoryCase(
        "tasks", tuple(range(1, 13)), ("completed_not_100_percent",), False, False),
}


def _data(sheet: Sheet) -> list[Row]:
    return [r for r, k in zip(sheet.rows, sheet.kinds, strict=True) if k == "data"]


def _sheet(sheets: list[Sheet], template: Template) -> Sheet | None:
    return next((s for s in sheets if s.template == template), None)


def _key(row: Mapping[str, Any]) -> tuple:
    return (row.get("project_code") or row.get("indicator_code") or row.get("task_code"),
            row.get("capital_source"))


def _rows_with(ay: AgencyYear, month: int, case: str) -> list[tuple[Row, Row | None]]:
    """(row of ``month``, the same row of the month before) the case can change."""
    spec = HISTORY_CASES[case]
    sheet = _sheet(month_sheets(ay, month), spec.template)
    if sheet is None:
        return []
    before = {_key(r): r for r in _data(s)} if month > 1 and (
        s := _sheet(month_sheets(ay, month - 1), spec.template)) else {}
    first = {_key(r): r for r in _data(s)} if (
        s := _sheet(month_sheets(ay, 1), spec.template)) else {}
    out = []
    for row in _data(sheet):
        prev = before.get(_key(row))
        if _CAN[case](row, prev, first.get(_key(row))):
            out.append((row, prev))
    return out


def _positive(*values: Any) -> bool:
    return all(v is not None and v > 0 for v in values)


def _cumulative(row: Row) -> bool:
    return row.get("month_value") is not None


_CAN: dict[str, Callable[[Row, Row | None, Row | None], bool]] = {
    "ytd_disbursed_decreased": lambda r, p, f: f is not None and _positive(f["ytd_disbursed"]),
    "month_disbursed_above_ytd": lambda r, p, f: _positive(r["ytd_disbursed"]),
    "ytd_disbursed_does_not_add_up": lambda r, p, f: p is not None and _positive(
        r["month_disbursed"], r["annual_plan"]) and r["month_disbursed"] > r["annual_plan"] / 20,
    "ytd_disbursed_exceeds_plan": lambda r, p, f: _positive(r["annual_plan"]),
    "disbursement_outlier": lambda r, p, f: p is not None and _positive(r["month_disbursed"])
        and r["month_disbursed"] >= 400,
    "ytd_value_decreased": lambda r, p, f: _cumulative(r) and f is not None and _positive(
        f["ytd_value"]) and f["ytd_value"] >= 10,
    "month_value_above_ytd": lambda r, p, f: _cumulative(r) and _positive(r["ytd_value"]),
    "ytd_value_does_not_add_up": lambda r, p, f: _cumulative(r) and p is not None and _positive(
        r["month_value"]) and r["ytd_value"] >= 100,
    "indicator_value_outlier": lambda r, p, f: not _cumulative(r) and _positive(r["ytd_value"]),
    "completed_task_reopened": lambda r, p, f: p is not None and p["status"] in _COMPLETED_LABELS
        and r["status"] in _COMPLETED_LABELS,
    "completed_not_100_percent": lambda r, p, f: r["status"] in _COMPLETED_LABELS,
}


def can_apply(case: str, ay: AgencyYear, month: int) -> bool:
    """Whether the case fits this agency-month (the template, a row it can change)."""
    spec = HISTORY_CASES[case]
    return (spec.template in ay.templates and month in spec.months
            and bool(_rows_with(ay, month, case)))


def apply_history_case(case: str, sheets: list[Sheet], ay: AgencyYear, month: int,
                       rng: random.Random) -> Template:
    """Change one row of the month's ``sheets`` as the case says; returns its template."""
    spec = HISTORY_CASES[case]
    sheet = _sheet(sheets, spec.template)
    assert sheet is not None
    candidates = {_key(r): p for r, p in _rows_with(ay, month, case)}
    first = {_key(r): r for r in _data(s)} if (
        s := _sheet(month_sheets(ay, 1), spec.template)) else {}
    rows = [r for r in _data(sheet) if _key(r) in candidates]
    # An accepted money case goes on the smallest line, so that it does not move
    # the province's totals the demo's reports lead with.
    row = (min(rows, key=lambda r: r["annual_plan"]) if spec.template == "disbursement"
           and not spec.blocks else rng.choice(rows))
    _CHANGE[case](row, candidates[_key(row)], first.get(_key(row)))
    return spec.template


def _places(value: Decimal) -> int:
    return max(0, -value.as_tuple().exponent)  # type: ignore[operator]


def _money(row: Row, ytd: Decimal, month: Decimal | None) -> None:
    row["ytd_disbursed"], row["month_disbursed"] = ytd, month
    if row.get("annual_plan"):
        row["reported_rate"] = quantize(ytd / row["annual_plan"] * 100, 2)


def _decrease_money(row: Row, prev: Row | None, first: Row | None) -> None:
    # Below every earlier month: half of January's, the month's figure left blank.
    assert first is not None
    _money(row, quantize(first["ytd_disbursed"] / 2, _places(first["ytd_disbursed"])), None)


def _month_above_money(row: Row, prev: Row | None, first: Row | None) -> None:
    row["month_disbursed"] = quantize(row["ytd_disbursed"] * Decimal("1.5"),
                                      _places(row["ytd_disbursed"]))


def _not_adding_up_money(row: Row, prev: Row | None, first: Row | None) -> None:
    # 3 % of the plan off: still above last month, far beyond rounding.
    cut = quantize(row["annual_plan"] * Decimal("0.03"), _places(row["annual_plan"]))
    _money(row, row["ytd_disbursed"] - cut, row["month_disbursed"])


def _above_plan_money(row: Row, prev: Row | None, first: Row | None) -> None:
    available = row["annual_plan"] + (row.get("carried_over_plan") or 0)
    ytd = quantize(available * Decimal("1.08"), _places(row["annual_plan"]))
    before = row["ytd_disbursed"] - row["month_disbursed"]
    _money(row, ytd, ytd - before)


def _outlier_money(row: Row, prev: Row | None, first: Row | None) -> None:
    # Hardly anything paid in a month that usually pays a lot (a fortieth), the year
    # to date moving with it so that nothing else is wrong.
    before = row["ytd_disbursed"] - row["month_disbursed"]
    month = quantize(row["month_disbursed"] / 40, _places(row["month_disbursed"]))
    _money(row, before + month, month)


def _decrease_value(row: Row, prev: Row | None, first: Row | None) -> None:
    assert first is not None
    row["ytd_value"] = quantize(first["ytd_value"] / 2, _places(first["ytd_value"]))
    row["month_value"] = None


def _month_above_value(row: Row, prev: Row | None, first: Row | None) -> None:
    row["month_value"] = quantize(row["ytd_value"] * Decimal("1.5"), _places(row["ytd_value"]))


def _not_adding_up_value(row: Row, prev: Row | None, first: Row | None) -> None:
    cut = quantize(row["ytd_value"] * Decimal("0.02"), _places(row["ytd_value"]))
    row["ytd_value"] -= max(cut, Decimal(1))


def _outlier_value(row: Row, prev: Row | None, first: Row | None) -> None:
    row["ytd_value"] = row["ytd_value"] * 10  # a slipped decimal separator


def _reopen(row: Row, prev: Row | None, first: Row | None) -> None:
    row.update(status=TASK_STATUS_LABELS_VI["in_progress"], percent_complete=Decimal(90),
               completed_date=None, issues_text=None)


def _not_100(row: Row, prev: Row | None, first: Row | None) -> None:
    row["percent_complete"] = Decimal(90)


_CHANGE: dict[str, Callable[[Row, Row | None, Row | None], None]] = {
    "ytd_disbursed_decreased": _decrease_money,
    "month_disbursed_above_ytd": _month_above_money,
    "ytd_disbursed_does_not_add_up": _not_adding_up_money,
    "ytd_disbursed_exceeds_plan": _above_plan_money,
    "disbursement_outlier": _outlier_money,
    "ytd_value_decreased": _decrease_value,
    "month_value_above_ytd": _month_above_value,
    "ytd_value_does_not_add_up": _not_adding_up_value,
    "indicator_value_outlier": _outlier_value,
    "completed_task_reopened": _reopen,
    "completed_not_100_percent": _not_100,
}
