"""Run the Great Expectations suites on parsed sheets, many at once, and say
what is wrong, sheet by sheet and row by row.

The GX File Data Context under ``expectations/`` and its three suites are loaded
once per ``Validator`` (one per process): ``import great_expectations`` alone
costs seconds. ``validate_batch`` runs each template's suite ONCE over all the
sheets of a batch of files: one in-memory pandas frame through the committed
``planwatch_frames`` datasource, each row tagged with its sheet
(``sheet_key``), and the results are mapped back to each sheet and row
(``gx_results``). Nothing is added to the context per call and nothing is
written to disk; Data Docs are built separately (``data_docs``).

A failed ``block`` expectation rejects the submission; ``warn`` only flags it.
Both become ``Problem`` objects naming the sheet row (``source_row``), column and
value found, with the Vietnamese message and fix from the expectation's meta.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from planwatch.config import Settings
from planwatch.quality.gx_results import (
    SHEET_KEY,
    Cells,
    ExpectationResult,
    QualityCheckError,
    RuleOutcome,
    blank_to_none,
)
from planwatch.quality.history import history_columns, numeric_history_columns
from planwatch.quality.rules import AVAILABLE_PLAN_COLUMN, OUTLIER_PARAMETER
from planwatch.quality.suites import (
    BATCH_DEFINITION_NAME,
    DATASOURCE_NAME,
    ensure_batch_definitions,
)
from planwatch.vocabulary.problems import Problem
from planwatch.vocabulary.templates import NUMERIC_RAW_COLUMNS, RAW_COLUMNS, TEMPLATES

__all__ = ["ExpectationResult", "FrameError", "QualityCheckError", "ValidationOutcome",
           "Validator", "frame_from_rows", "prepare_frame"]

# Columns kept as Python objects (dates).
_OBJECT_COLUMNS = frozenset({"completed_date"})

RESULT_FORMAT: dict[str, Any] = {
    "result_format": "COMPLETE",
    "unexpected_index_column_names": [SHEET_KEY, "source_row"],
    "partial_unexpected_count": 20,
    "return_unexpected_index_query": False,
}
MAX_PROBLEMS_PER_RULE = 200  # rows listed per failed rule before summarising


class FrameError(ValueError):
    """The frame handed to validation breaks the parser contract (a bug, not a clerk's error)."""


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
    # The GX ExpectationSuiteValidationResult of the batch the sheet was in.
    gx_result: Any = field(default=None, repr=False, compare=False)

    @property
    def blocking(self) -> list[Problem]:
        return [p for p in self.problems if p.is_blocking]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_blocking]



def frame_from_rows(template: str, rows: Iterable[Mapping[str, Any]],
                    sheet_key: int = 0) -> pd.DataFrame:
    """A frame of ``ParsedSheet.rows`` with ``source_row`` + ``RAW_COLUMNS[template]``,
    every row tagged with ``sheet_key``."""
    columns = ["source_row", *RAW_COLUMNS[template]]
    frame = pd.DataFrame.from_records(
        [{c: row.get(c) for c in columns} for row in rows], columns=columns
    )
    frame.insert(0, SHEET_KEY, sheet_key)
    return frame


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
    keys = frame[SHEET_KEY] if SHEET_KEY in frame.columns else pd.Series([0] * n)
    out: dict[str, Any] = {SHEET_KEY: pd.Series(keys.to_numpy()).astype("int64").to_numpy(),
                           "source_row": source_row.astype("int64").to_numpy()}
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
            out[column] = values.map(blank_to_none)
    numeric_history = numeric_history_columns(template)
    for column in history_columns(template):  # set beside the sheet by quality.history
        values = (pd.Series(frame[column].to_numpy(), dtype=object) if column in frame.columns
                  else pd.Series([None] * n, dtype=object))
        out[column] = (_to_float(values, column, out["source_row"]) if column in numeric_history
                       else values.map(blank_to_none))
    prepared = pd.DataFrame(out, index=pd.RangeIndex(n))
    if template == "disbursement":
        prepared[AVAILABLE_PLAN_COLUMN] = (
            prepared["annual_plan_vnd"] + prepared["carried_over_plan_vnd"].fillna(0)
        )
    return prepared


def _strings(value: Any) -> Iterable[str]:
    """Every string in a JSON value (a suite's kwargs: column names, values, conditions)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def _to_float(values: pd.Series, column: str, source_rows: Any) -> pd.Series:
    converted = pd.to_numeric(values.map(blank_to_none), errors="coerce").astype("float64")
    bad = values.map(blank_to_none).notna() & converted.isna()
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
        outlier_max_score: float = Settings.outlier_max_score,
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
        # The suites' parameters (``{"$PARAMETER": ...}`` in a rule's kwargs).
        self.parameters: dict[str, Any] = {OUTLIER_PARAMETER: outlier_max_score}
        self.context = gx.get_context(mode="file", project_root_dir=str(self.expectations_dir))
        if DATASOURCE_NAME not in self.context.data_sources.all():
            ensure_batch_definitions(self.context)
        datasource = self.context.data_sources.get(DATASOURCE_NAME)
        self.batch_definitions = {
            t: datasource.get_asset(t).get_batch_definition(BATCH_DEFINITION_NAME)
            for t in TEMPLATES
        }
        self.suites = {t: self.context.suites.get(t) for t in TEMPLATES}
        # The strings each suite's kwargs hold (column names, row conditions). GX is
        # handed only the columns of a prepared frame that one of them names: it filters
        # and copies the whole frame for each metric's domain, whatever the rule reads.
        # The results are the same.
        self._suite_names = {t: frozenset(_strings([e["kwargs"] for e in s.to_json_dict()[
            "expectations"]])) for t, s in self.suites.items()}
        self._lock = threading.Lock()

    def validate(
        self, template: str, frame: pd.DataFrame, *, label: str | None = None
    ) -> ValidationOutcome:
        """Validate one sheet's rows (``source_row`` + ``RAW_COLUMNS[template]``)."""
        (outcome,) = self.validate_batch(template, [frame], labels=[label])
        return outcome

    def validate_batch(
        self, template: str, frames: Sequence[pd.DataFrame],
        *, labels: Sequence[str | None] | None = None,
    ) -> list[ValidationOutcome]:
        """Validate many sheets of one template in one GX validation; one outcome per
        sheet, in order. ``labels`` name the submissions in Data Docs.

        Raises ``FrameError`` / ``QualityCheckError`` on a system fault, never for
        bad data: bad data comes back as problems.
        """
        started = time.perf_counter()
        validated_at = datetime.now(UTC)
        tagged = [f.assign(**{SHEET_KEY: i}) for i, f in enumerate(frames)]
        original = pd.concat(tagged, ignore_index=True) if tagged else pd.DataFrame()
        prepared = prepare_frame(template, original)
        suite = self.suites[template]
        named = self._suite_names[template]
        checked = prepared[[c for c in prepared.columns if c in (SHEET_KEY, "source_row")
                            or any(c in text for text in named)]]
        with self._lock:  # a GX context is not meant to be shared across threads
            batch = self.batch_definitions[template].get_batch(
                batch_parameters={"dataframe": checked}
            )
            gx_result = batch.validate(suite, result_format=RESULT_FORMAT,
                                       expectation_parameters=self.parameters)

        order = {e.id: i for i, e in enumerate(suite.expectations)}
        gx_results = sorted(
            gx_result.results, key=lambda r: order.get(r.expectation_config.id, len(order))
        )
        row_counts = {i: len(f) for i, f in enumerate(frames)}
        cells = Cells(original, prepared)
        results: dict[int, list[ExpectationResult]] = {i: [] for i in row_counts}
        problems: dict[int, list[Problem]] = {i: [] for i in row_counts}
        for r in gx_results:
            for rule in RuleOutcome.per_sheet(r, row_counts):
                results[rule.sheet].append(rule.result(cells))
                problems[rule.sheet].extend(
                    rule.problems(template, cells, self.max_problems_per_rule))

        names = list(labels or [None] * len(frames))
        names = [n or f"{template}-{validated_at:%Y%m%dT%H%M%S%f}-{i}" for i, n in enumerate(names)]
        gx_result.meta["planwatch"] = {"template": template, "labels": names}
        duration = (time.perf_counter() - started) / max(len(frames), 1)
        return [ValidationOutcome(
            template=template, suite_name=suite.name, label=names[i], row_count=row_counts[i],
            validated_at=validated_at, duration_s=duration, results=results[i],
            problems=problems[i], gx_result=gx_result) for i in row_counts]
