"""A sheet beside its own history: the columns the cross-month rules check.

Before a batch is validated, each sheet's rows are set beside the latest
accepted earlier report of the same plan, agency and template held in the
warehouse (``warehouse.history``): the row of the same item (task, indicator,
project × capital source) in the most recent earlier month, and the item's
values over its last few reports. What comes out are plain columns of the
frame GX validates (``quality.rules`` checks them), so every cross-month rule
is an expectation like the others and the receipt can name the earlier value
and the file it came from:

* ``earlier_*``: the earlier report's value, month, submission and file name;
* ``ytd_expected``: earlier year-to-date + this month, where the earlier report
  is the month just before and both are reported;
* ``ytd_gap_beyond_rounding``: how far year-to-date is from that, beyond rounding;
* ``unexplained_status_change``: ``completed→in_progress`` (say) when a
  completed task went back with nothing in its issues column;
* ``outlier_score``: how far the month's figure is from the item's own history,
  in robust units on a log scale (``robust_score``), where there are enough
  earlier reports; ``outlier_typical`` the history's median.

Pure: no database, no GX.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from planwatch.vocabulary.history import EarlierReport
from planwatch.vocabulary.periods import split_period
from planwatch.vocabulary.statuses import COMPLETED_TASK_STATUSES, UNFINISHED_TASK_STATUSES
from planwatch.vocabulary.templates import SPECS

EARLIER_PERIOD = "earlier_period"
EARLIER_FILE = "earlier_file"
EARLIER_SUBMISSION = "earlier_submission_id"
YTD_EXPECTED = "ytd_expected"
YTD_GAP = "ytd_gap_beyond_rounding"
STATUS_CHANGE = "unexplained_status_change"
OUTLIER_SCORE = "outlier_score"
OUTLIER_TYPICAL = "outlier_typical"  # the median of the item's earlier figures
INDICATOR_KIND = "indicator_kind"  # "cumulative" (its year to date sums the months) or "level"
CUMULATIVE, LEVEL = "cumulative", "level"


@dataclass(frozen=True)
class Measures:
    """Which columns of a template the history compares."""

    ytd: str | None = None  # year to date: never decreases
    month: str | None = None  # the month's figure: adds up to year to date
    outlier: str | None = None  # compared with its own history
    status: str | None = None  # follows the task state machine
    # rounding allowed when months add up: max(absolute, relative × |ytd|)
    rounding_abs: float = 0.0
    rounding_rel: float = 0.0

    @property
    def compared(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c for c in (self.ytd, self.month, self.outlier, self.status)
                                   if c))


MEASURES: dict[str, Measures] = {
    "tasks": Measures(status="status"),
    # An indicator's ytd and month rules apply where it accumulates; a level's
    # (a rate, a rank) outlier figure is its current value (``outlier_figure``).
    "indicators": Measures(ytd="ytd_value", month="month_value", outlier="month_value",
                           rounding_abs=0.05, rounding_rel=0.001),
    # Money is exact VND, reported in million VND: a million either way is rounding.
    "disbursement": Measures(ytd="ytd_disbursed_vnd", month="month_disbursed_vnd",
                             outlier="month_disbursed_vnd", rounding_abs=1_000_000,
                             rounding_rel=0.0005),
}


def earlier_column(column: str) -> str:
    return f"earlier_{column}"


def history_columns(template: str) -> tuple[str, ...]:
    """The columns ``annotate`` adds to a frame of ``template``, in order."""
    m = MEASURES[template]
    columns = [EARLIER_PERIOD, EARLIER_FILE, EARLIER_SUBMISSION,
               *(earlier_column(c) for c in m.compared)]
    if m.ytd:
        columns += [YTD_EXPECTED, YTD_GAP]
    if m.status:
        columns.append(STATUS_CHANGE)
    if m.outlier:
        columns += [OUTLIER_SCORE, OUTLIER_TYPICAL]
    if template == "indicators":
        columns.append(INDICATOR_KIND)
    return tuple(columns)


def numeric_history_columns(template: str) -> frozenset[str]:
    """The history columns that hold numbers (validated as floats)."""
    m = MEASURES[template]
    numeric = {earlier_column(c) for c in m.compared if c != m.status}
    numeric |= {YTD_EXPECTED, YTD_GAP, OUTLIER_SCORE, OUTLIER_TYPICAL}
    return frozenset(numeric) & set(history_columns(template))


@dataclass(frozen=True)
class OutlierSettings:
    min_history: int = 3  # earlier reports (with a figure above 0) needed for a score
    # The score is in orders of magnitude: |log10 x − median| / scale, with the
    # scale (1.4826 × the median absolute deviation of the earlier log10 figures)
    # at least log10(min_factor), so a steady history does not make an ordinary
    # month's swing an outlier: with the default maximum score (3) and a steady
    # history, a figure about 8× or ⅛ of its usual size is one.
    min_factor: float = 2.0


@dataclass
class _Item:
    latest: Mapping[str, Any] | None = None
    latest_report: EarlierReport | None = None
    figures: list[float] = field(default_factory=list)


def row_key(template: str, row: Mapping[str, Any]) -> tuple:
    return tuple(row.get(c) for c in SPECS[template].row_key)  # type: ignore[index]


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, str) and not value.strip():
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _months_apart(earlier: str, later: str) -> int:
    (y1, m1), (y2, m2) = split_period(earlier), split_period(later)
    return (y2 - y1) * 12 + (m2 - m1)


def outlier_figure(template: str, row: Mapping[str, Any], accumulates: bool) -> float | None:
    """The figure of a row compared with its history: the month's value, or the
    current level of an indicator that does not accumulate."""
    m = MEASURES[template]
    if template == "indicators" and not accumulates:
        return _number(row.get(m.ytd or ""))
    return _number(row.get(m.outlier or ""))


def robust_score(value: float, history: Sequence[float], settings: OutlierSettings) -> float | None:
    """How far ``value`` is from ``history`` in robust units, on a log scale
    (figures grow and shrink by factors); None for a figure at or below 0 or
    with fewer than ``min_history`` earlier figures above 0."""
    logs = [math.log10(h) for h in history if h > 0]
    if value <= 0 or len(logs) < settings.min_history:
        return None
    median = statistics.median(logs)
    mad = statistics.median(abs(h - median) for h in logs)
    scale = max(1.4826 * mad, math.log10(settings.min_factor))
    return abs(math.log10(value) - median) / scale


def typical(history: Sequence[float]) -> float | None:
    """The usual size of the figures (the median of those above 0)."""
    positive = [h for h in history if h > 0]
    return statistics.median(positive) if positive else None


def annotate(template: str, frame: pd.DataFrame, period: str,
             earlier: Sequence[EarlierReport], *, accumulating: frozenset[str] = frozenset(),
             outliers: OutlierSettings | None = None) -> pd.DataFrame:
    """``frame`` (one sheet for ``period``) with ``history_columns(template)``.

    ``earlier``: the accepted earlier reports, most recent first; ``accumulating``:
    the indicator codes whose year-to-date adds the months up.
    """
    outliers = outliers or OutlierSettings()
    m = MEASURES[template]
    items: dict[tuple, _Item] = {}
    for report in earlier:  # most recent first: the first row met is the latest
        for row in report.rows:
            item = items.setdefault(row_key(template, row), _Item())
            if item.latest is None:
                item.latest, item.latest_report = row, report
            code = row.get("indicator_code")
            figure = outlier_figure(template, row, code in accumulating)
            if figure is not None:
                item.figures.append(figure)
    out: dict[str, list[Any]] = {c: [] for c in history_columns(template)}
    for row in frame.to_dict("records"):
        item = items.get(row_key(template, row), _Item())
        accumulates = template != "indicators" or row.get("indicator_code") in accumulating
        report, latest = item.latest_report, item.latest or {}
        out[EARLIER_PERIOD].append(report.period if report else None)
        out[EARLIER_FILE].append(report.file_name if report else None)
        out[EARLIER_SUBMISSION].append(report.submission_id if report else None)
        for column in m.compared:
            value = latest.get(column) if report else None
            if column in (m.ytd, m.month) and not accumulates:
                value = None  # a level has no year-to-date sum to compare
            out[earlier_column(column)].append(
                value if column == m.status else _number(value))
        if m.ytd:
            expected, gap = _ytd_check(m, row, latest, report, period, accumulates)
            out[YTD_EXPECTED].append(expected)
            out[YTD_GAP].append(gap)
        if m.status:
            out[STATUS_CHANGE].append(_status_change(row, latest if report else {}))
        if m.outlier:
            figure = outlier_figure(template, row, accumulates)
            score = robust_score(figure, item.figures, outliers) if figure is not None else None
            out[OUTLIER_SCORE].append(score)
            out[OUTLIER_TYPICAL].append(typical(item.figures) if score is not None else None)
        if template == "indicators":
            out[INDICATOR_KIND].append(CUMULATIVE if accumulates else LEVEL)
    annotated = frame.copy()
    for column, values in out.items():
        annotated[column] = pd.Series(values, index=frame.index, dtype=object)
    return annotated


def _ytd_check(m: Measures, row: Mapping[str, Any], latest: Mapping[str, Any],
               report: EarlierReport | None, period: str, accumulates: bool
               ) -> tuple[float | None, float | None]:
    """(earlier ytd + this month, how far ytd is from it beyond rounding), where
    the earlier report is the month just before and all three are reported."""
    if report is None or not accumulates or _months_apart(report.period, period) != 1:
        return None, None
    before, month, ytd = (_number(latest.get(m.ytd or "")), _number(row.get(m.month or "")),
                          _number(row.get(m.ytd or "")))
    if before is None or month is None or ytd is None:
        return None, None
    expected = before + month
    allowed = max(m.rounding_abs, m.rounding_rel * abs(ytd))
    return expected, max(0.0, abs(ytd - expected) - allowed)


def _status_change(row: Mapping[str, Any], latest: Mapping[str, Any]) -> str | None:
    """``earlier→now`` when a completed task went back without an explanation."""
    before, now = latest.get("status"), row.get("status")
    issues = row.get("issues_text")
    explained = isinstance(issues, str) and bool(issues.strip())
    if before in COMPLETED_TASK_STATUSES and now in UNFINISHED_TASK_STATUSES and not explained:
        return f"{before}→{now}"
    return None


def forbidden_status_changes() -> list[str]:
    """Every ``completed→unfinished`` change (the values ``STATUS_CHANGE`` may hold)."""
    return [f"{a}→{b}" for a in COMPLETED_TASK_STATUSES for b in UNFINISHED_TASK_STATUSES]
