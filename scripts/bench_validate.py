"""The benchmark's validation measure (called from ``bench_ingest.measure_ingest``).

GX validation of the demo year's sheets the way ingest runs it for a batch
(``flow.ingestor._validate``): each template's sheets in one frame, one
``Validator.validate_batch`` per template (concatenation, ``prepare_frame``, the
GX run, the results mapped back to each sheet and row), best of 3.

Its anchor, in the same run: the same suites, read from their files in the GX
File Data Context (``expectations/``, where the context's expectations store
keeps them), every expectation evaluated with vectorised pandas on the same
batch frames, built inside its timing by the same concatenation and
``prepare_frame``, the failing rows grouped per sheet. Only the expectation
types and arguments the suites use are understood; any other fails loudly, so
that no rule is silently skipped. Both must find the same failures
(expectation, column, failing rows by ``sheet_key`` and ``source_row``) before
the times are printed: GX against pandas, goal ≤ 3×. As in the sheet-by-sheet
measure, the sheets are not set beside any history (no warehouse here): the
rules across months run on empty columns.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from planwatch.config import Settings
from planwatch.quality.gx_results import SHEET_KEY, unexpected_rows
from planwatch.quality.validate import Validator, frame_from_rows, prepare_frame

GX_GOAL = 3.0  # GX seconds / pandas seconds
RUNS = 3

# (expectation id, column or columns) -> failing (sheet_key, source_row), sorted
Failures = dict[tuple[str, str], list[tuple[int, int]]]

# The arguments each understood expectation type may carry (anything else fails).
_KWARGS: dict[str, frozenset[str]] = {
    "expect_column_values_to_not_be_null": frozenset({"column", "row_condition"}),
    "expect_column_values_to_be_in_set": frozenset({"column", "value_set", "row_condition"}),
    "expect_column_values_to_not_be_in_set": frozenset({"column", "value_set", "row_condition"}),
    "expect_column_values_to_be_between": frozenset(
        {"column", "min_value", "max_value", "row_condition"}),
    "expect_column_pair_values_a_to_be_greater_than_b": frozenset(
        {"column_A", "column_B", "or_equal", "ignore_row_if", "row_condition"}),
    "expect_compound_columns_to_be_unique": frozenset({"column_list", "row_condition"}),
}


# -- the anchor: the suites' files, evaluated in pandas ---------------------------------
def suite_files(expectations_dir: Path) -> Path:
    """Where the File Data Context keeps its suites (its expectations store)."""
    root = expectations_dir / "gx"
    config = yaml.safe_load((root / "great_expectations.yml").read_text(encoding="utf-8"))
    store = config["stores"][config["expectations_store_name"]]["store_backend"]
    if store.get("class_name") != "TupleFilesystemStoreBackend":
        raise ValueError(f"expectations store {store} is not a folder of JSON files")
    return root / store["base_directory"]


def read_suites(expectations_dir: Path, templates: Sequence[str]) -> dict[str, list[dict]]:
    folder = suite_files(expectations_dir)
    return {t: json.loads((folder / f"{t}.json").read_text(encoding="utf-8"))["expectations"]
            for t in templates}


def _resolve(value: Any, parameters: Mapping[str, Any]) -> Any:
    if isinstance(value, Mapping) and set(value) == {"$PARAMETER"}:
        return parameters[value["$PARAMETER"]]
    return value


def _domain(frame: pd.DataFrame, condition: Mapping[str, Any] | None) -> np.ndarray:
    """The rows a ``row_condition`` keeps (all rows without one)."""
    if condition is None:
        return np.ones(len(frame), dtype=bool)
    if (condition.get("type"), condition.get("operator")) != ("comparison", "IN"):
        raise NotImplementedError(f"row_condition {condition} is not understood by the anchor")
    return frame[condition["column"]["name"]].isin(condition["parameter"]).to_numpy()


def failing_mask(frame: pd.DataFrame, expectation: Mapping[str, Any],
                 parameters: Mapping[str, Any]) -> np.ndarray:
    """The rows of ``frame`` that break ``expectation`` (GX's semantics for pandas:
    a row condition first, then missing values left out except by not-null)."""
    kind = expectation["type"]
    kwargs = {k: _resolve(v, parameters) for k, v in expectation["kwargs"].items()}
    if kind not in _KWARGS or not set(kwargs) <= _KWARGS[kind]:
        raise NotImplementedError(f"{kind} with {sorted(kwargs)} is not understood by the anchor")
    keep = _domain(frame, kwargs.get("row_condition"))
    if kind == "expect_compound_columns_to_be_unique":
        columns = frame[kwargs["column_list"]]
        keep = keep & columns.notna().any(axis=1).to_numpy()  # ignore_row_if all_values_are_missing
        bad = np.zeros(len(frame), dtype=bool)
        bad[keep] = columns[keep].duplicated(keep=False).to_numpy()
        return bad
    if kind == "expect_column_pair_values_a_to_be_greater_than_b":
        a, b = frame[kwargs["column_A"]], frame[kwargs["column_B"]]
        ignore = kwargs.get("ignore_row_if", "both_values_are_missing")
        missing = {"either_value_is_missing": a.isna() | b.isna(),
                   "both_values_are_missing": a.isna() & b.isna(),
                   "neither": pd.Series(False, index=frame.index)}[ignore]
        keep = keep & ~missing.to_numpy()
        ok = a >= b if kwargs.get("or_equal") else a > b
        return keep & ~ok.to_numpy(dtype=bool, na_value=False)
    column = frame[kwargs["column"]]
    if kind == "expect_column_values_to_not_be_null":
        return keep & column.isna().to_numpy()
    keep = keep & column.notna().to_numpy()
    if kind == "expect_column_values_to_be_in_set":
        ok = column.isin(kwargs["value_set"])
    elif kind == "expect_column_values_to_not_be_in_set":
        ok = ~column.isin(kwargs["value_set"])
    else:  # expect_column_values_to_be_between, bounds inclusive
        low, high = kwargs.get("min_value"), kwargs.get("max_value")
        if low is None and high is None:
            raise ValueError(f"{kind} without bounds: {kwargs}")
        ok = pd.Series(True, index=frame.index)
        if low is not None:
            ok &= column >= low
        if high is not None:
            ok &= column <= high
    return keep & ~ok.to_numpy(dtype=bool, na_value=False)


def _target(expectation: Mapping[str, Any]) -> str:
    kwargs = expectation["kwargs"]
    if "column_list" in kwargs:
        return ",".join(kwargs["column_list"])
    if "column_A" in kwargs:
        return f"{kwargs['column_A']},{kwargs['column_B']}"
    return kwargs["column"]


def batch_frame(template: str, frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """The template's sheets as one prepared frame, as ``Validator.validate_batch`` builds it."""
    return prepare_frame(template, pd.concat(
        [f.assign(**{SHEET_KEY: i}) for i, f in enumerate(frames)], ignore_index=True))


def pandas_batch(frame: pd.DataFrame, suite: list[dict], parameters: Mapping[str, Any]
                 ) -> tuple[Failures, dict[int, dict[str, np.ndarray]]]:
    """The suite on a template's batch frame: every failure of the frame, and per
    sheet the failing source rows of each expectation."""
    keys, rows = frame[SHEET_KEY].to_numpy(), frame["source_row"].to_numpy()
    failures: Failures = {}
    per_sheet: dict[int, dict[str, np.ndarray]] = {}
    for expectation in suite:
        at = np.flatnonzero(failing_mask(frame, expectation, parameters))
        failures[(expectation["id"], _target(expectation))] = sorted(
            zip(keys[at].tolist(), rows[at].tolist(), strict=True))
        for sheet in np.unique(keys[at]).tolist():
            per_sheet.setdefault(sheet, {})[expectation["id"]] = rows[at][keys[at] == sheet]
    return failures, per_sheet


def pandas_run(batches: Mapping[str, Sequence[pd.DataFrame]], suites: Mapping[str, list[dict]],
               parameters: Mapping[str, Any]) -> tuple[dict[str, Failures], float]:
    """Every template's failures, and the seconds spent building the batch frames."""
    failures, frames_s = {}, 0.0
    for template, frames in batches.items():
        started = time.perf_counter()
        frame = batch_frame(template, frames)
        frames_s += time.perf_counter() - started
        failures[template], _ = pandas_batch(frame, suites[template], parameters)
    return failures, frames_s


# -- GX, the way ingest runs it ----------------------------------------------------------
def gx_failures(outcomes: Sequence[Any]) -> Failures:
    """Every failure of a batch's GX run, from the validation result the outcomes share."""
    (result,) = {id(o.gx_result): o.gx_result for o in outcomes}.values()
    failures: Failures = {}
    for r in result.results:
        config = r.expectation_config
        rows = unexpected_rows(r.result or {})
        if not r.success and not rows:
            raise AssertionError(f"{config.type} failed without rows: {r.result}")
        failures[(config.id, _target({"kwargs": config.kwargs}))] = sorted(
            (int(k), int(s)) for k, s in rows)  # type: ignore[arg-type]
    return failures


def _best_of(runs: int, **work: Callable[[], Any]) -> dict[str, tuple[float, Any]]:
    """Each piece of work's best time and its output, the pieces taking turns (so that
    a busy spell of the machine does not fall on one side only)."""
    best: dict[str, tuple[float, Any]] = {}
    for _ in range(runs):
        for name, job in work.items():
            started = time.perf_counter()
            out = job()
            took = time.perf_counter() - started
            if name not in best or took < best[name][0]:
                best[name] = (took, out)
    return best


def measure_validation(settings: Settings, sheets: list) -> list[str]:
    """GX validation of ``sheets`` (parsed sheets with ``.template`` and ``.rows``)
    against the same suites in vectorised pandas; the summary line."""
    validator = Validator(settings.expectations_dir, outlier_max_score=settings.outlier_max_score)
    batches: dict[str, list[pd.DataFrame]] = {}
    for sheet in sheets:
        batches.setdefault(sheet.template, []).append(frame_from_rows(sheet.template, sheet.rows))
    suites = read_suites(settings.expectations_dir, list(batches))
    rows = sum(len(s.rows) for s in sheets)

    timed = _best_of(
        RUNS,
        gx=lambda: {t: validator.validate_batch(t, frames) for t, frames in batches.items()},
        pandas=lambda: pandas_run(batches, suites, validator.parameters))
    (gx_s, gx_out), (pd_s, (pd_out, frames_s)) = timed["gx"], timed["pandas"]
    failing = 0
    for template in batches:
        found_gx, found_pd = gx_failures(gx_out[template]), pd_out[template]
        assert found_gx == found_pd, (template, [
            (k, "GX only", sorted(set(found_gx.get(k, [])) - set(found_pd.get(k, [])))[:5],
             "pandas only", sorted(set(found_pd.get(k, [])) - set(found_gx.get(k, [])))[:5])
            for k in found_gx.keys() | found_pd.keys() if found_gx.get(k) != found_pd.get(k)])
        failing += sum(len(v) for v in found_gx.values())

    rules = sum(len(s) for s in suites.values())
    print(f"validation: sheets {len(sheets)} in {len(batches)} template frames, data rows {rows},"
          f" {rules} expectations, {failing} failing (expectation, row) pairs found by both")
    print(f"GX validate_batch:   {gx_s:6.3f} s  {len(sheets) / gx_s:7.1f} sheets/s "
          f"{rows / gx_s:9.0f} rows/s")
    print(f"pandas, same rules:  {pd_s:6.3f} s  {len(sheets) / pd_s:7.1f} sheets/s "
          f"{rows / pd_s:9.0f} rows/s")
    print(f"  of which building the batch frames (concat + prepare_frame, the same code on "
          f"both sides): {frames_s:.3f} s in pandas' run; the rest: GX ~{gx_s - frames_s:.3f} s, "
          f"pandas {pd_s - frames_s:.3f} s", flush=True)
    ratio = gx_s / pd_s
    return [f"GX validation of the demo sheets vs the same rules in pandas: {ratio:5.1f}x "
            f"({rows / gx_s:.0f} vs {rows / pd_s:.0f} rows/s; goal <= "
            f"{GX_GOAL:g}x: {'met' if ratio <= GX_GOAL else 'MISSED'})"]
