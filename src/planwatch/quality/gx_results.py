"""Reading a GX validation of many sheets back, sheet by sheet and row by row.

A batch frame holds the rows of several sheets of one template, each row
tagged with its sheet (``sheet_key``) and its row in that sheet (``source_row``);
GX reports failing rows by both (``unexpected_index_column_names``). Here each
expectation's result becomes, per sheet, an ``ExpectationResult`` (for
audit.validation_results) and the ``Problem`` objects its clerk reads.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd

from planwatch.quality.history import EARLIER_FILE, EARLIER_PERIOD, EARLIER_SUBMISSION
from planwatch.text import number_vi
from planwatch.vocabulary.problems import Problem
from planwatch.vocabulary.statuses import TASK_STATUS_LABELS_VI, Severity
from planwatch.vocabulary.templates import (
    CODE_COLUMN,
    COLUMN_HEADERS_VI,
    MONEY_RAW_COLUMNS,
    SHEET_NAMES_VI,
)

SHEET_KEY = "sheet_key"  # which sheet of a batch a row is from
SAMPLE_SIZE = 20  # unexpected values kept per expectation in results/audit details

Row = tuple[int | None, int | None]  # (sheet_key, source_row)


class QualityCheckError(RuntimeError):
    """An expectation could not be evaluated (a system fault: the submission is not judged)."""


@dataclass
class ExpectationResult:
    """The outcome of one expectation on one sheet."""

    code: str
    expectation_type: str
    column: str | None
    severity: Severity
    success: bool
    unexpected_count: int
    element_count: int
    # Up to SAMPLE_SIZE of {"source_row": int | None, "value": str | None}.
    unexpected: list[dict[str, Any]] = field(default_factory=list)
    kwargs: dict[str, Any] = field(default_factory=dict)
    message_vi: str = ""
    fix_vi: str = ""

    def details(self) -> dict[str, Any]:
        """What goes into audit.validation_results.details (JSON-safe)."""
        return json_safe({
            "code": self.code, "kwargs": self.kwargs, "element_count": self.element_count,
            "unexpected": self.unexpected, "message_vi": self.message_vi,
            "fix_vi": self.fix_vi,
        })


@dataclass
class Cells:
    """The values a rule's problems show: as the parser produced them (Decimal,
    date) where the frame has them, else as validated (derived columns)."""

    original: pd.DataFrame
    prepared: pd.DataFrame

    def __post_init__(self) -> None:
        self.position = {(int(k), int(r)): i for i, (k, r) in enumerate(
            zip(self.prepared[SHEET_KEY], self.prepared["source_row"], strict=True))}

    def at(self, column: str | None, sheet: int, row: int | None) -> Any:
        pos = self.position.get((sheet, row)) if row is not None else None
        if column is None or pos is None:
            return None
        for frame in (self.original, self.prepared):
            if column in frame.columns:
                return frame[column].iloc[pos]
        return None


@dataclass
class RuleOutcome:
    """One expectation's GX result for one sheet: what it checked, where it failed."""

    code: str
    expectation_type: str
    severity: Severity
    column: str | None
    meta: dict[str, Any]
    kwargs: dict[str, Any]
    success: bool
    element_count: int
    sheet: int
    rows: list[int | None]  # the sheet's rows that failed, in order
    # ``kwargs`` made JSON-safe, once per expectation and shared by its sheets (read only).
    json_kwargs: dict[str, Any] | None = None

    @classmethod
    def per_sheet(cls, r: Any, row_counts: Mapping[int, int]) -> list[RuleOutcome]:
        """The result ``r`` of a batch, as one outcome per sheet (``row_counts``)."""
        raise_on_exception(r)
        config = r.expectation_config
        meta = dict(config.meta or {})
        failing = unexpected_rows(r.result or {})
        by_sheet: dict[int | None, list[int | None]] = {}
        for sheet, row in failing:
            by_sheet.setdefault(sheet, []).append(row)
        json_kwargs = json_safe(dict(config.kwargs))
        out = []
        for sheet, count in row_counts.items():
            rows = by_sheet.get(sheet, [])
            # A failure GX reports without rows concerns the whole batch: every sheet.
            success = bool(r.success) or (bool(failing) and not rows)
            out.append(cls(
                code=meta.get("code") or config.type, expectation_type=config.type,
                severity="block" if meta.get("severity") == "block" else "warn",
                column=meta.get("column") or config.kwargs.get("column"), meta=meta,
                kwargs=dict(config.kwargs), success=success, element_count=count,
                sheet=sheet, rows=rows, json_kwargs=json_kwargs))
        return out

    def value(self, cells: Cells, row: int | None) -> str | None:
        """The value found on a failing row, as the clerk should see it."""
        if row is None:
            return None
        column_list = [c for c in self.kwargs.get("column_list") or [] if c != SHEET_KEY]
        if column_list:
            return " / ".join(format_value(cells.at(c, self.sheet, row)) or ""
                              for c in column_list)
        # value_column: what the clerk wrote (a status as written), when there is one;
        # fallback_column: where the figure is when ``column`` is blank.
        for column in (self.meta.get("value_column"), self.column,
                       self.meta.get("fallback_column")):
            shown = format_value(cells.at(column, self.sheet, row)) if column else None
            if shown is not None:
                return shown
        return None

    def expected(self, cells: Cells, row: int | None) -> str | None:
        expected = self.meta.get("expected_vi")
        column = self.meta.get("expected_column")
        if expected and column:
            found = _in_vnd(format_value(cells.at(column, self.sheet, row)),
                            self.column in MONEY_RAW_COLUMNS)
            expected = expected.format(expected_value=found or "?")
        return expected

    def add_earlier(self, found: Problem, cells: Cells, row: int) -> None:
        """What the latest accepted earlier report said, and where it came from."""
        earlier = format_value(cells.at(self.meta["earlier_column"], self.sheet, row))
        found.earlier_value = TASK_STATUS_LABELS_VI.get(earlier or "", earlier)
        found.earlier_period = format_value(cells.at(EARLIER_PERIOD, self.sheet, row))
        found.earlier_file = format_value(cells.at(EARLIER_FILE, self.sheet, row))
        submission = cells.at(EARLIER_SUBMISSION, self.sheet, row)
        found.earlier_submission_id = int(submission) if blank_to_none(submission) else None

    def result(self, cells: Cells) -> ExpectationResult:
        return ExpectationResult(
            code=self.code, expectation_type=self.expectation_type, column=self.column,
            severity=self.severity, success=self.success,
            unexpected_count=0 if self.success else max(len(self.rows), 1),
            element_count=self.element_count,
            unexpected=[{"source_row": row, "value": self.value(cells, row)}
                        for row in self.rows[:SAMPLE_SIZE]],
            kwargs=self.json_kwargs if self.json_kwargs is not None else json_safe(self.kwargs),
            message_vi=self.meta.get("message_vi", ""),
            fix_vi=self.meta.get("fix_vi", ""))

    def problems(self, template: str, cells: Cells, limit: int) -> list[Problem]:
        if self.success:
            return []
        message = self.meta.get("message_vi", "")

        money = self.column in MONEY_RAW_COLUMNS

        def problem(row: int | None, text: str) -> Problem:
            found = Problem(
                code=self.code, severity=self.severity, message_vi=text,
                fix_vi=self.meta.get("fix_vi", ""), sheet=SHEET_NAMES_VI.get(template),
                row=row, column=COLUMN_HEADERS_VI[template].get(self.column or "", self.column),
                value=_in_vnd(self.value(cells, row), money),
                expected=self.expected(cells, row),
                item=format_value(cells.at(CODE_COLUMN[template], self.sheet, row)))
            if row is not None and self.meta.get("earlier_column"):
                self.add_earlier(found, cells, row)
                found.earlier_value = _in_vnd(found.earlier_value, money)
            return found

        if not self.rows:  # an expectation on the whole sheet rather than on rows
            return [problem(None, message)]
        out = [problem(row, message) for row in self.rows[:limit]]
        if len(self.rows) > limit:
            more = len(self.rows) - limit
            out.append(problem(
                None, f"{message} Còn {more} dòng khác có cùng lỗi, không liệt kê hết."))
        return out


def _in_vnd(shown: str | None, money: bool) -> str | None:
    """A money figure as a clerk reads it: ``2.908.000.000 đồng``."""
    if not money or shown is None:
        return shown
    return f"{number_vi(shown, None)} đồng"


def _int(raw: Any) -> int | None:
    try:
        return int(float(raw)) if raw is not None else None
    except (TypeError, ValueError):
        return None


def unexpected_rows(detail: Mapping[str, Any]) -> list[Row]:
    """(sheet, row) of the failing rows, in order, each once."""
    seen: set[Row] = set()
    rows: list[Row] = []
    for entry in detail.get("unexpected_index_list") or []:
        if isinstance(entry, Mapping):
            found = (_int(entry.get(SHEET_KEY, 0)), _int(entry.get("source_row")))
        else:
            found = (0, _int(entry))
        if found not in seen:
            seen.add(found)
            rows.append(found)
    return sorted(rows, key=lambda x: (x[0] is None, x[0] or 0, x[1] is None, x[1] or 0))


def blank_to_none(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str) and not value.strip():
        return None
    return value


def format_value(value: Any) -> str | None:
    value = blank_to_none(value)
    if value is None:
        return None
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def raise_on_exception(r: Any) -> None:
    info = r.exception_info or {}
    candidates = [info] if "raised_exception" in info else list(info.values())
    for item in candidates:
        if isinstance(item, Mapping) and item.get("raised_exception"):
            raise QualityCheckError(
                f"{r.expectation_config.type} on {r.expectation_config.kwargs}: "
                f"{item.get('exception_message')}"
            )


def json_safe(value: Any) -> Any:
    """Plain JSON types only (NaN -> None, Decimal/date -> str)."""
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [json_safe(v) for v in value]
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if hasattr(value, "to_json_dict"):
        return json_safe(value.to_json_dict())
    if hasattr(value, "dict") and callable(value.dict):
        return json_safe(value.dict())
    return json.loads(json.dumps(value, default=str))
