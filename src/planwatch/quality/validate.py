"""Run the Great Expectations suites on a parsed sheet and say what is wrong, row by row.

The GX File Data Context under ``expectations/`` and its three suites are loaded
once per ``Validator`` (the ingestor keeps one per process): ``import
great_expectations`` alone costs seconds. Each sheet is validated as an
in-memory pandas frame through the committed ``planwatch_frames`` datasource
(one dataframe asset per template, whole-frame batch definition), so nothing is
added to the context per call and nothing is written to disk: Data Docs are
built separately, once per run (``data_docs.build_data_docs``).

A failed ``block`` expectation rejects the submission; ``warn`` only flags it.
Both become ``Problem`` objects naming the sheet row (``source_row``), column and
value found, with the Vietnamese message and fix from the expectation's meta.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from planwatch.quality.suites import (
    AVAILABLE_PLAN_COLUMN,
    BATCH_DEFINITION_NAME,
    DATASOURCE_NAME,
    ensure_batch_definitions,
)
from planwatch.vocabulary.problems import Problem
from planwatch.vocabulary.statuses import Severity
from planwatch.vocabulary.templates import (
    NUMERIC_RAW_COLUMNS,
    RAW_COLUMNS,
    SHEET_NAMES_VI,
    TEMPLATES,
)

# Columns kept as Python objects (dates).
_OBJECT_COLUMNS = frozenset({"completed_date"})

RESULT_FORMAT: dict[str, Any] = {
    "result_format": "COMPLETE",
    "unexpected_index_column_names": ["source_row"],
    "partial_unexpected_count": 20,
    "return_unexpected_index_query": False,
}
SAMPLE_SIZE = 20  # unexpected values kept per expectation in results/audit details
MAX_PROBLEMS_PER_RULE = 200  # rows listed per failed rule before summarising


class FrameError(ValueError):
    """The frame handed to validation breaks the parser contract (a bug, not a clerk's error)."""


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
        return _json_safe({
            "code": self.code,
            "kwargs": self.kwargs,
            "element_count": self.element_count,
            "unexpected": self.unexpected,
            "message_vi": self.message_vi,
            "fix_vi": self.fix_vi,
        })


@dataclass
class ValidationOutcome:
    template: str
    suite_name: str
    label: str
    row_count: int
    validated_at: datetime
    duration_s: float
    results: list[ExpectationResult]
    problems: list[Problem]
    # The GX ExpectationSuiteValidationResult, for Data Docs.
    gx_result: Any = field(default=None, repr=False, compare=False)

    @property
    def blocking(self) -> list[Problem]:
        return [p for p in self.problems if p.is_blocking]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_blocking]



def frame_from_rows(template: str, rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """A frame of ``ParsedSheet.rows`` with ``source_row`` + ``RAW_COLUMNS[template]``."""
    columns = ["source_row", *RAW_COLUMNS[template]]
    return pd.DataFrame.from_records(
        [{c: row.get(c) for c in columns} for row in rows], columns=columns
    )


def prepare_frame(template: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame the suite runs on: known columns only, numbers as float, derived columns.

    Missing template columns are added empty; blank strings count as missing;
    the disbursement frame gets ``available_plan_vnd`` = annual plan + carried-over
    plan (carried-over blank counts as 0). The caller's frame is not modified.
    """
    if template not in RAW_COLUMNS:
        raise ValueError(f"unknown template {template!r}; expected one of {TEMPLATES}")
    if "source_row" not in frame.columns:
        raise FrameError("frame has no source_row column")
    n = len(frame)
    source_row = pd.to_numeric(pd.Series(frame["source_row"].to_numpy(), dtype=object),
                               errors="coerce")
    if source_row.isna().any():
        raise FrameError("source_row must be a row number on every row")
    out: dict[str, Any] = {"source_row": source_row.astype("int64").to_numpy()}
    numeric = set(NUMERIC_RAW_COLUMNS[template])
    for column in RAW_COLUMNS[template]:
        if column not in frame.columns:
            values = pd.Series([None] * n, dtype=object)
        else:
            values = pd.Series(frame[column].to_numpy(), dtype=object)
        if column in numeric:
            out[column] = _to_float(values, column, out["source_row"])
        elif column in _OBJECT_COLUMNS:
            out[column] = values.where(values.notna(), None)
        else:
            out[column] = values.map(_blank_to_none)
    prepared = pd.DataFrame(out, index=pd.RangeIndex(n))
    if template == "disbursement":
        prepared[AVAILABLE_PLAN_COLUMN] = (
            prepared["annual_plan_vnd"] + prepared["carried_over_plan_vnd"].fillna(0)
        )
    return prepared


def _blank_to_none(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _to_float(values: pd.Series, column: str, source_rows: Any) -> pd.Series:
    converted = pd.to_numeric(values.map(_blank_to_none), errors="coerce").astype("float64")
    bad = values.map(_blank_to_none).notna() & converted.isna()
    if bad.any():
        rows = [int(source_rows[i]) for i in bad[bad].index[:5]]
        raise FrameError(f"column {column} holds values that are not numbers (rows {rows})")
    return converted


class Validator:
    """Loads the File Data Context and the three suites once; validates frames."""

    def __init__(
        self,
        expectations_dir: Path | str | None = None,
        *,
        max_problems_per_rule: int = MAX_PROBLEMS_PER_RULE,
    ) -> None:
        import great_expectations as gx

        if expectations_dir is None:
            from planwatch.config import load_settings

            expectations_dir = load_settings().expectations_dir
        self.expectations_dir = Path(expectations_dir).resolve()
        config_file = self.expectations_dir / "gx" / "great_expectations.yml"
        if not config_file.is_file():
            # gx.get_context(mode="file") would silently create an empty context.
            raise FileNotFoundError(
                f"no GX File Data Context at {config_file}; "
                "run `python -m planwatch.quality.suites` to create it"
            )
        self.max_problems_per_rule = max_problems_per_rule
        self.context = gx.get_context(mode="file", project_root_dir=str(self.expectations_dir))
        if DATASOURCE_NAME not in self.context.data_sources.all():
            ensure_batch_definitions(self.context)
        datasource = self.context.data_sources.get(DATASOURCE_NAME)
        self.batch_definitions = {
            t: datasource.get_asset(t).get_batch_definition(BATCH_DEFINITION_NAME)
            for t in TEMPLATES
        }
        self.suites = {t: self.context.suites.get(t) for t in TEMPLATES}
        self._lock = threading.Lock()

    def validate(
        self, template: str, frame: pd.DataFrame, *, label: str | None = None
    ) -> ValidationOutcome:
        """Validate one sheet's rows (``source_row`` + ``RAW_COLUMNS[template]``).

        ``label`` names the submission in Data Docs (e.g. ``"42 DEMO 2024-05 tasks"``).
        Raises ``FrameError`` / ``QualityCheckError`` on a system fault, never for
        bad data: bad data comes back as problems.
        """
        started = time.perf_counter()
        validated_at = datetime.now(UTC)
        prepared = prepare_frame(template, frame)
        suite = self.suites[template]
        with self._lock:  # a GX context is not meant to be shared across threads
            batch = self.batch_definitions[template].get_batch(
                batch_parameters={"dataframe": prepared}
            )
            gx_result = batch.validate(suite, result_format=RESULT_FORMAT)

        order = {e.id: i for i, e in enumerate(suite.expectations)}
        gx_results = sorted(
            gx_result.results, key=lambda r: order.get(r.expectation_config.id, len(order))
        )
        cells = _Cells(frame.reset_index(drop=True), prepared)
        results: list[ExpectationResult] = []
        problems: list[Problem] = []
        for r in gx_results:
            _raise_on_exception(r)
            rule = _RuleOutcome.of(r, len(prepared))
            results.append(rule.result(cells))
            if not r.success:
                problems.extend(rule.problems(template, cells, self.max_problems_per_rule))

        label = label or f"{template}-{validated_at:%Y%m%dT%H%M%S%f}"
        gx_result.meta["planwatch"] = {"template": template, "label": label}
        return ValidationOutcome(
            template=template,
            suite_name=suite.name,
            label=label,
            row_count=len(prepared),
            validated_at=validated_at,
            duration_s=time.perf_counter() - started,
            results=results,
            problems=problems,
            gx_result=gx_result,
        )


@dataclass
class _Cells:
    """The values a rule's problems show: as the parser produced them (Decimal,
    date) where the frame has them, else as validated (derived columns)."""

    original: pd.DataFrame
    prepared: pd.DataFrame

    def __post_init__(self) -> None:
        self.position = {int(r): i for i, r in enumerate(self.prepared["source_row"])}

    def at(self, column: str | None, row: int | None) -> Any:
        pos = self.position.get(row) if row is not None else None
        if column is None or pos is None:
            return None
        for frame in (self.original, self.prepared):
            if column in frame.columns:
                return frame[column].iloc[pos]
        return None


@dataclass
class _RuleOutcome:
    """One expectation's GX result, read: what it checked, where it failed."""

    code: str
    expectation_type: str
    severity: Severity
    column: str | None
    meta: dict[str, Any]
    kwargs: dict[str, Any]
    success: bool
    unexpected_count: int
    element_count: int
    rows: list[int | None]  # sheet rows that failed, in order

    @classmethod
    def of(cls, r: Any, row_count: int) -> _RuleOutcome:
        config = r.expectation_config
        meta = dict(config.meta or {})
        kwargs = dict(config.kwargs)
        detail = r.result or {}
        rows = _unexpected_rows(detail)
        unexpected = int(detail.get("unexpected_count") or 0)
        if not r.success and unexpected == 0:
            unexpected = len(rows)
        return cls(
            code=meta.get("code") or config.type, expectation_type=config.type,
            severity="block" if meta.get("severity") == "block" else "warn",
            column=meta.get("column") or kwargs.get("column"), meta=meta, kwargs=kwargs,
            success=bool(r.success), unexpected_count=unexpected,
            element_count=int(detail.get("element_count") or row_count), rows=rows)

    def value(self, cells: _Cells, row: int | None) -> str | None:
        """The value found on a failing row, as the clerk should see it."""
        if row is None:
            return None
        column_list = self.kwargs.get("column_list")
        if column_list:
            return " / ".join(_format_value(cells.at(c, row)) or "" for c in column_list)
        shown = _format_value(cells.at(self.column, row))
        if shown is None and self.meta.get("value_column"):
            shown = _format_value(cells.at(self.meta["value_column"], row))
        return shown

    def expected(self, cells: _Cells, row: int | None) -> str | None:
        expected = self.meta.get("expected_vi")
        column = self.meta.get("expected_column")
        if expected and column:
            expected = expected.format(expected_value=_format_value(cells.at(column, row)) or "?")
        return expected

    def result(self, cells: _Cells) -> ExpectationResult:
        return ExpectationResult(
            code=self.code, expectation_type=self.expectation_type, column=self.column,
            severity=self.severity, success=self.success,
            unexpected_count=self.unexpected_count, element_count=self.element_count,
            unexpected=[{"source_row": row, "value": self.value(cells, row)}
                        for row in self.rows[:SAMPLE_SIZE]],
            kwargs=_json_safe(self.kwargs), message_vi=self.meta.get("message_vi", ""),
            fix_vi=self.meta.get("fix_vi", ""))

    def problems(self, template: str, cells: _Cells, limit: int) -> list[Problem]:
        message = self.meta.get("message_vi", "")

        def problem(row: int | None, text: str) -> Problem:
            return Problem(
                code=self.code, severity=self.severity, message_vi=text,
                fix_vi=self.meta.get("fix_vi", ""), sheet=SHEET_NAMES_VI.get(template),
                row=row, column=self.column, value=self.value(cells, row),
                expected=self.expected(cells, row))

        if not self.rows:  # an expectation on the whole sheet rather than on rows
            return [problem(None, message)]
        out = [problem(row, message) for row in self.rows[:limit]]
        if len(self.rows) > limit:
            more = len(self.rows) - limit
            out.append(problem(
                None, f"{message} Còn {more} dòng khác có cùng lỗi, không liệt kê hết."))
        return out


def _unexpected_rows(detail: Mapping[str, Any]) -> list[int | None]:
    """Sheet row numbers of the failing rows, in order, each once."""
    seen: set[int | None] = set()
    rows: list[int | None] = []
    for entry in detail.get("unexpected_index_list") or []:
        raw = entry.get("source_row") if isinstance(entry, Mapping) else entry
        try:
            row = int(float(raw)) if raw is not None else None
        except (TypeError, ValueError):
            row = None
        if row not in seen:
            seen.add(row)
            rows.append(row)
    return sorted(rows, key=lambda x: (x is None, x or 0))


def _format_value(value: Any) -> str | None:
    value = _blank_to_none(value)
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


def _raise_on_exception(r: Any) -> None:
    info = r.exception_info or {}
    candidates = [info] if "raised_exception" in info else list(info.values())
    for item in candidates:
        if isinstance(item, Mapping) and item.get("raised_exception"):
            raise QualityCheckError(
                f"{r.expectation_config.type} on {r.expectation_config.kwargs}: "
                f"{item.get('exception_message')}"
            )


def _json_safe(value: Any) -> Any:
    """Plain JSON types only (NaN -> None, Decimal/date -> str)."""
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_json_safe(v) for v in value]
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if hasattr(value, "to_json_dict"):
        return _json_safe(value.to_json_dict())
    if hasattr(value, "dict") and callable(value.dict):
        return _json_safe(value.dict())
    return json.loads(json.dumps(value, default=str))
