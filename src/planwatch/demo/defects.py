"""Defects the demo puts into some files, each one a case the pipeline must catch.

``apply_defect`` breaks one thing of a month's content (an unknown task code,
a status not in the list, a unit that disagrees with the catalog, a required
column dropped); ``apply_correction`` makes a first version with one wrong
value, which a resubmission corrects.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from planwatch.catalog.model import Catalog
from planwatch.demo.content import ZERO, Sheet
from planwatch.demo.seeding import fold_lower, quantize
from planwatch.vocabulary.templates import Template

_REQUIRED_TO_DROP: dict[Template, str] = {
    "indicators": "ytd_value", "tasks": "status", "disbursement": "ytd_disbursed",
}



def _unknown_code(code: str, known: set[str]) -> str:
    for suffix in ("9", "99", "X", "0"):
        candidate = code + suffix
        if candidate not in known:
            return candidate
    return "ZZ" + code


def _wrong_unit(unit: str) -> str:
    folded = fold_lower(unit)
    if "%" in unit:
        return unit.replace("%", "‰")
    if "trieu" in folded:
        return unit.replace("triệu", "nghìn")
    if "ty" in folded.split():
        return unit.replace("tỷ", "triệu")
    if folded == "ha":
        return "m²"
    return "nghìn " + unit


def apply_defect(reason: str, sheets: list[Sheet], catalog: Catalog,
                  rng: random.Random) -> Template | None:
    """Break one thing in the month's content; returns the template it hit."""
    by_t = {s.template: s for s in sheets}

    def data_rows(s: Sheet) -> list[dict[str, Any]]:
        return [r for r, k in zip(s.rows, s.kinds, strict=True) if k == "data"]

    if reason == "unknown_task_code":
        row = rng.choice(data_rows(by_t["tasks"]))
        row["task_code"] = _unknown_code(row["task_code"], set(catalog.task_by_code))
        return "tasks"
    if reason == "invalid_status":
        row = rng.choice(data_rows(by_t["tasks"]))
        row["status"] = rng.choice(("Đang triển khai", "Đã xong", "Hoàn thành 80%"))
        return "tasks"
    if reason == "unit_mismatch":
        row = rng.choice(data_rows(by_t["indicators"]))
        row["unit"] = _wrong_unit(row["unit"])
        return "indicators"
    if reason == "missing_required_column":
        sheet = rng.choice(sheets)
        idx = sheet.fields.index(_REQUIRED_TO_DROP[sheet.template])
        del sheet.fields[idx]
        del sheet.headers[idx]
        return sheet.template
    return None  # period_mismatch is written into the Thông tin sheet


def apply_correction(sheets: list[Sheet], prev_sheets: list[Sheet] | None,
                             rng: random.Random) -> str:
    """Turn the month's true content into a first version with one wrong value.

    The wrong value lies between last month's and this month's true values, so
    year-to-date figures stay non-decreasing whichever version is read.
    Returns a short description for the manifest.
    """
    prev_by_t = {s.template: s for s in prev_sheets or []}
    for template, code_field, value_field in (
        ("disbursement", "project_code", "ytd_disbursed"),
        ("indicators", "indicator_code", "ytd_value"),
        ("tasks", "task_code", "percent_complete"),
    ):
        sheet = next((s for s in sheets if s.template == template), None)
        if sheet is None:
            continue
        prev_sheet = prev_by_t.get(template)
        candidates = []
        for row, kind in zip(sheet.rows, sheet.kinds, strict=True):
            if kind != "data" or row.get(value_field) is None:
                continue
            if template == "indicators" and row.get("month_value") is None:
                continue  # levels are not cumulative
            prev_value = ZERO
            if prev_sheet is not None:
                for pr, pk in zip(prev_sheet.rows, prev_sheet.kinds, strict=True):
                    if (pk == "data" and pr.get(code_field) == row[code_field]
                            and pr.get("capital_source") == row.get("capital_source")):
                        prev_value = pr.get(value_field) or ZERO
            if row[value_field] > prev_value:
                candidates.append((row, prev_value))
        if not candidates:
            continue
        row, prev_value = rng.choice(candidates)
        true = row[value_field]
        places = max(0, -true.as_tuple().exponent)
        wrong = quantize(prev_value + (true - prev_value) * Decimal("0.6"), places)
        if wrong == true:
            continue
        row[value_field] = wrong
        if template == "disbursement":
            row["month_disbursed"] = wrong - prev_value
            row["reported_rate"] = quantize(wrong / row["annual_plan"] * 100, 2)
        elif template == "indicators":
            row["month_value"] = wrong - prev_value
        return f"{template}:{row[code_field]}:{value_field}"
    # Nothing numeric can move: the correction is a text change.
    sheet = sheets[0]
    text_field = {"tasks": "result_text", "indicators": "note",
                  "disbursement": "issues_text"}[sheet.template]
    for row, kind in zip(sheet.rows, sheet.kinds, strict=True):
        if kind == "data":
            row[text_field] = "Số liệu đang cập nhật"
            return f"{sheet.template}:{text_field}"
    return "none"
