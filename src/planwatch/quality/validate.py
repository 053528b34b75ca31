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
import re
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from planwatch.ingest.model import RAW_COLUMNS, SHEET_NAMES_VI, TEMPLATES, Problem, Severity
from planwatch.quality.suites import (
    AVAILABLE_PLAN_COLUMN,
    BATCH_DEFINITION_NAME,
    DATASOURCE_NAME,
    ensure_batch_definitions,
)

# Columns holding numbers (Decimal or int from the parser) in each template.
NUMERIC_COLUMNS: dict[str, tuple[str, ...]] = {
    "tasks": ("percent_complete",),
    "indicators": (
        "annual_target_low", "annual_target_high", "month_value", "ytd_value",
        "same_period_last_year", "full_year_estimate",
    ),
    "disbursement": (
        "annual_plan_vnd", "carried_over_plan_vnd", "month_disbursed_vnd", "ytd_disbursed_vnd",
        "reported_rate",
    ),
}
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
        return [p for p in self.problems if p.severity == "block"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warn"]

    @property
    def success(self) -> bool:
        """True when no ``block`` expectation failed (the sheet may be loaded)."""
        return not any(r.severity == "block" and not r.success for r in self.results)

    @property
    def status(self) -> str:
        """``accepted``, ``accepted_with_warnings`` or ``rejected`` (audit.submissions.status)."""
        if not self.success:
            return "rejected"
        if any(not r.success for r in self.results):
            return "accepted_with_warnings"
        return "accepted"


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
    numeric = set(NUMERIC_COLUMNS[template])
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
        original = frame.reset_index(drop=True)
        position = {int(r): i for i, r in enumerate(prepared["source_row"])}
        results: list[ExpectationResult] = []
        problems: list[Problem] = []
        for r in gx_results:
            _raise_on_exception(r)
            result, rule_problems = self._interpret(template, r, prepared, original, position)
            results.append(result)
            problems.extend(rule_problems)

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

    def _interpret(
        self,
        template: str,
        r: Any,
        prepared: pd.DataFrame,
        original: pd.DataFrame,
        position: dict[int, int],
    ) -> tuple[ExpectationResult, list[Problem]]:
        config = r.expectation_config
        meta = dict(config.meta or {})
        kwargs = dict(config.kwargs)
        severity: Severity = "block" if meta.get("severity") == "block" else "warn"
        column = meta.get("column") or kwargs.get("column")
        detail = r.result or {}
        unexpected_count = int(detail.get("unexpected_count") or 0)
        element_count = int(detail.get("element_count") or len(prepared))
        rows = _unexpected_rows(detail)
        if not r.success and unexpected_count == 0:
            unexpected_count = len(rows)

        value_column = meta.get("value_column")
        column_list = kwargs.get("column_list")

        def value_at(pos: int | None) -> str | None:
            if pos is None:
                return None
            if column_list:
                parts = [_format_value(_cell(original, prepared, c, pos)) for c in column_list]
                return " / ".join(p or "" for p in parts)
            shown = _format_value(_cell(original, prepared, column, pos)) if column else None
            if shown is None and value_column:
                shown = _format_value(_cell(original, prepared, value_column, pos))
            return shown

        positions = [position.get(row) if row is not None else None for row in rows]
        sample = [
            {"source_row": row, "value": value_at(pos)}
            for row, pos in zip(rows[:SAMPLE_SIZE], positions[:SAMPLE_SIZE], strict=True)
        ]
        result = ExpectationResult(
            code=meta.get("code") or config.type,
            expectation_type=config.type,
            column=column,
            severity=severity,
            success=bool(r.success),
            unexpected_count=unexpected_count,
            element_count=element_count,
            unexpected=sample,
            kwargs=_json_safe(kwargs),
            message_vi=meta.get("message_vi", ""),
            fix_vi=meta.get("fix_vi", ""),
        )
        if r.success:
            return result, []

        expected_column = meta.get("expected_column")

        def expected_at(pos: int | None) -> str | None:
            expected = meta.get("expected_vi")
            if expected and expected_column:
                found = _cell(original, prepared, expected_column, pos) if pos is not None else None
                expected = expected.format(expected_value=_format_value(found) or "?")
            return expected

        def problem(
            row: int | None, value: str | None, message: str, pos: int | None = None
        ) -> Problem:
            return Problem(
                code=result.code,
                severity=severity,
                message_vi=message,
                fix_vi=result.fix_vi,
                sheet=SHEET_NAMES_VI.get(template),
                row=row,
                column=column,
                value=value,
                expected=expected_at(pos),
            )

        problems = []
        if not rows:  # an expectation on the whole sheet rather than on rows
            problems.append(problem(None, None, result.message_vi))
        for row, pos in zip(rows[: self.max_problems_per_rule],
                            positions[: self.max_problems_per_rule], strict=True):
            problems.append(problem(row, value_at(pos), result.message_vi, pos))
        if len(rows) > self.max_problems_per_rule:
            more = len(rows) - self.max_problems_per_rule
            problems.append(problem(
                None, None,
                f"{result.message_vi} Còn {more} dòng khác có cùng lỗi, không liệt kê hết.",
            ))
        return result, problems


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


def _cell(original: pd.DataFrame, prepared: pd.DataFrame, column: str, pos: int) -> Any:
    # The value as the parser produced it (Decimal, date) when available.
    if column in original.columns:
        return original[column].iloc[pos]
    if column in prepared.columns:
        return prepared[column].iloc[pos]
    return None


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


_SLUG_RE = re.compile(r"[^A-Za-z0-9._-]+")


def slug(text: str) -> str:
    """ASCII, file-name-safe form of a label (Vietnamese diacritics dropped)."""
    import unicodedata

    ascii_text = (
        unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
        .encode("ascii", "ignore")
        .decode("ascii")
    )
    return _SLUG_RE.sub("_", ascii_text).strip("._-") or "unnamed"
