"""Every rule a submission is checked against, as readable Python: what it
checks, how serious it is (``block`` rejects the submission, ``warn`` only
flags it) and what the clerk is told.

* ``column_rules``: what a template's spec implies (required fields, statuses);
* ``VALUE_RULES``: ranges, consistency and uniqueness within one sheet;
* ``HISTORY_RULES``: a sheet against the latest accepted earlier report in the
  warehouse (year to date never falls, months add up, the task state machine,
  outliers), on the columns ``quality.history`` sets beside each row.

All run as Great Expectations expectations (``quality.suites`` writes the
suites); the catalog rules (codes, units, which plan) are in
``quality.catalog_rules`` and the parser's in ``ingest.messages``. A rule's
``meta`` names the column the clerk should fix, the column whose value is
shown, the expected value and, for history rules, the earlier value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from planwatch.quality.gx_results import SHEET_KEY
from planwatch.quality.history import (
    CUMULATIVE,
    INDICATOR_KIND,
    OUTLIER_SCORE,
    OUTLIER_TYPICAL,
    STATUS_CHANGE,
    YTD_EXPECTED,
    YTD_GAP,
    earlier_column,
    forbidden_status_changes,
)
from planwatch.vocabulary.statuses import (
    COMPLETED_TASK_STATUSES,
    DATA_STATUS_CODES,
    DATA_STATUSES,
    TASK_STATUS_CODES,
    TASK_STATUSES,
    Severity,
    capital_source_examples_vi,
)
from planwatch.vocabulary.templates import TEMPLATES, Template, spec

# Derived column added to the disbursement frame before validation.
AVAILABLE_PLAN_COLUMN = "available_plan_vnd"
# A suite parameter: the robust score above which a value is an outlier
# (``Settings.outlier_max_score``), given at validation time.
OUTLIER_PARAMETER = "outlier_max_score"


@dataclass(frozen=True)
class Rule:
    """One expectation with what a clerk is told when it fails."""

    code: str
    expectation: str  # GX expectation class name, e.g. ExpectColumnValuesToNotBeNull
    kwargs: dict[str, Any]
    severity: Severity
    column: str  # column named in the Problem (the one the clerk should fix)
    message_vi: str
    fix_vi: str
    expected_vi: str | None = None
    # Column whose value is shown as "value found" when it says more than
    # ``column`` (e.g. the status text as written when the status is missing).
    value_column: str | None = None
    extra_meta: dict[str, Any] = field(default_factory=dict)

    @property
    def meta(self) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "code": self.code,
            "severity": self.severity,
            "column": self.column,
            "message_vi": self.message_vi,
            "fix_vi": self.fix_vi,
        }
        if self.expected_vi:
            meta["expected_vi"] = self.expected_vi
        if self.value_column:
            meta["value_column"] = self.value_column
        meta.update(self.extra_meta)
        return meta


def _at_least_zero(code: str, column: str, severity: Severity, message_vi: str,
                   fix_vi: str) -> Rule:
    return Rule(code, "ExpectColumnValuesToBeBetween", {"column": column, "min_value": 0},
                severity, column, message_vi, fix_vi, expected_vi="≥ 0")


_STATUS_CHOICES_VI = "; ".join(s.label_vi for s in TASK_STATUSES)
_DATA_STATUS_CHOICES_VI = "; ".join(s.label_vi for s in DATA_STATUSES)


def column_rules(template: Template) -> tuple[Rule, ...]:
    """The rules a template's spec implies: every required field is filled, every
    status is one of its vocabulary (vocabulary.templates, vocabulary.statuses)."""
    rules: list[Rule] = []
    for f in spec(template).fields:
        column = f.raw_columns[0].name
        header = f"“{f.header_vi}”"
        if f.kind == "status":
            fix = f"Ghi ở cột {header} một trong các tình trạng: {_STATUS_CHOICES_VI}."
            status = {"fix_vi": fix, "expected_vi": _STATUS_CHOICES_VI,
                      "value_column": f"{f.name}_text"}
            rules.append(Rule(
                f"missing_{f.name}", "ExpectColumnValuesToNotBeNull", {"column": column},
                "block", column,
                "Chưa ghi tình trạng thực hiện, hoặc ghi không đúng các tình trạng quy định.",
                **status))
            rules.append(Rule(
                f"invalid_{f.name}", "ExpectColumnValuesToBeInSet",
                {"column": column, "value_set": list(TASK_STATUS_CODES)}, "block", column,
                "Tình trạng thực hiện không thuộc các tình trạng quy định.", **status))
        elif f.required:
            rules.append(Rule(
                f"missing_{f.name}", "ExpectColumnValuesToNotBeNull", {"column": column},
                "block", column, f"Thiếu {f.header_vi[0].lower()}{f.header_vi[1:]}.",
                f.missing_fix_vi.format(capital_sources=capital_source_examples_vi())))
        if f.kind == "data_status":
            rules.append(Rule(
                f"invalid_{f.name}", "ExpectColumnValuesToBeInSet",
                {"column": column, "value_set": list(DATA_STATUS_CODES)}, "warn", column,
                "Tính chất số liệu không thuộc các loại quy định.",
                f"Ghi ở cột {header} một trong: {_DATA_STATUS_CHOICES_VI} (hoặc để trống).",
                expected_vi=_DATA_STATUS_CHOICES_VI))
    return tuple(rules)


def _duplicate(code: str, template: Template, message_vi: str, fix_vi: str) -> Rule:
    """Each row key (spec.row_key) once per sheet: a batch holds many sheets."""
    key = list(spec(template).row_key)
    return Rule(code, "ExpectCompoundColumnsToBeUnique", {"column_list": [SHEET_KEY, *key]},
                "warn", key[0], message_vi, fix_vi)


# Rules beyond what the spec implies: ranges, consistency, uniqueness.
VALUE_RULES: dict[str, tuple[Rule, ...]] = {
    "tasks": (
        Rule(
            "percent_out_of_range", "ExpectColumnValuesToBeBetween",
            {"column": "percent_complete", "min_value": 0, "max_value": 100}, "block",
            "percent_complete",
            "Tỷ lệ hoàn thành phải từ 0 đến 100 (%).",
            "Ghi tỷ lệ hoàn thành là một số từ 0 đến 100, ví dụ 75 hoặc 75%.",
            expected_vi="0 – 100",
        ),
        Rule(
            "missing_completed_date", "ExpectColumnValuesToNotBeNull",
            {
                "column": "completed_date",
                # Only rows whose status says the task is done.
                "row_condition": ("status", "in", list(COMPLETED_TASK_STATUSES)),
            },
            "warn", "completed_date",
            "Nhiệm vụ đã hoàn thành nhưng chưa ghi ngày hoàn thành.",
            "Ghi ngày hoàn thành ở cột “Ngày hoàn thành” theo dạng ngày/tháng/năm (dd/mm/yyyy).",
        ),
        Rule(
            "completed_not_100_percent", "ExpectColumnValuesToBeBetween",
            {
                "column": "percent_complete", "min_value": 100, "max_value": 100,
                "row_condition": ("status", "in", list(COMPLETED_TASK_STATUSES)),
            },
            "warn", "percent_complete",
            "Nhiệm vụ ghi đã hoàn thành nhưng tỷ lệ hoàn thành chưa phải 100%.",
            "Nếu nhiệm vụ đã hoàn thành, ghi tỷ lệ 100%; nếu chưa, sửa cột “Tình trạng” "
            "cho đúng.",
            expected_vi="100",
        ),
        _duplicate(
            "duplicate_task_code", "tasks",
            "Mã nhiệm vụ xuất hiện nhiều lần trong sheet.",
            "Mỗi nhiệm vụ chỉ báo cáo trên một dòng: gộp hoặc xoá các dòng trùng mã.",
        ),
    ),
    "indicators": (
        _at_least_zero(
            "negative_month_value", "month_value", "warn",
            "Số thực hiện trong tháng là số âm.",
            "Kiểm tra lại cột “Thực hiện tháng”; nếu số âm là đúng, giải thích ở cột “Ghi chú”.",
        ),
        _duplicate(
            "duplicate_indicator_code", "indicators",
            "Mã chỉ tiêu xuất hiện nhiều lần trong sheet.",
            "Mỗi chỉ tiêu chỉ báo cáo trên một dòng: gộp hoặc xoá các dòng trùng mã.",
        ),
    ),
    "disbursement": (
        _at_least_zero(
            "negative_annual_plan", "annual_plan_vnd", "block",
            "Kế hoạch vốn năm là số âm.",
            "Ghi kế hoạch vốn năm là số không âm (đơn vị: triệu đồng).",
        ),
        _at_least_zero(
            "negative_ytd_disbursed", "ytd_disbursed_vnd", "block",
            "Lũy kế giải ngân là số âm.",
            "Ghi lũy kế giải ngân là số không âm (đơn vị: triệu đồng).",
        ),
        _at_least_zero(
            "negative_month_disbursed", "month_disbursed_vnd", "warn",
            "Số giải ngân trong tháng là số âm.",
            "Kiểm tra lại cột “Giải ngân trong tháng”; nếu là điều chỉnh giảm, "
            "giải thích ở cột “Khó khăn, vướng mắc”.",
        ),
        Rule(
            "ytd_disbursed_exceeds_plan", "ExpectColumnPairValuesAToBeGreaterThanB",
            {
                "column_A": AVAILABLE_PLAN_COLUMN,
                "column_B": "ytd_disbursed_vnd",
                "or_equal": True,
                "ignore_row_if": "either_value_is_missing",
            },
            "warn", "ytd_disbursed_vnd",
            "Lũy kế giải ngân lớn hơn tổng kế hoạch vốn (kế hoạch năm + kế hoạch kéo dài).",
            "Kiểm tra lại số lũy kế giải ngân, kế hoạch vốn năm và kế hoạch vốn kéo dài; "
            "lưu ý đơn vị tính (triệu đồng, tỷ đồng hay đồng).",
            expected_vi="≤ {expected_value} (kế hoạch vốn năm + kế hoạch vốn kéo dài)",
            extra_meta={"expected_column": AVAILABLE_PLAN_COLUMN},
        ),
        _duplicate(
            "duplicate_project_capital_source", "disbursement",
            "Một dự án có nhiều dòng cùng nguồn vốn.",
            "Mỗi dự án chỉ ghi một dòng cho mỗi nguồn vốn: gộp hoặc xoá các dòng trùng.",
        ),
    ),
}



def _never_decreases(code: str, column: str, message_vi: str, fix_vi: str) -> Rule:
    return Rule(
        code, "ExpectColumnPairValuesAToBeGreaterThanB",
        {"column_A": column, "column_B": earlier_column(column), "or_equal": True,
         "ignore_row_if": "either_value_is_missing"},
        "block", column, message_vi, fix_vi,
        expected_vi="≥ {expected_value} (lũy kế kỳ trước)",
        extra_meta={"expected_column": earlier_column(column),
                    "earlier_column": earlier_column(column)})


def _month_within_ytd(code: str, month: str, ytd: str, message_vi: str, fix_vi: str,
                      **condition: Any) -> Rule:
    return Rule(
        code, "ExpectColumnPairValuesAToBeGreaterThanB",
        {"column_A": ytd, "column_B": month, "or_equal": True,
         "ignore_row_if": "either_value_is_missing", **condition},
        "block", month, message_vi, fix_vi,
        expected_vi="≤ {expected_value} (lũy kế từ đầu năm)", extra_meta={"expected_column": ytd})


def _adds_up(code: str, ytd: str, month_header: str) -> Rule:
    return Rule(
        code, "ExpectColumnValuesToBeBetween", {"column": YTD_GAP, "max_value": 0},
        "warn", ytd,
        f"Lũy kế từ đầu năm không bằng lũy kế tháng trước cộng số “{month_header}”.",
        f"Kiểm tra lại lũy kế và số “{month_header}”; nếu số tháng trước sai, gửi lại "
        "báo cáo tháng trước đã sửa.",
        expected_vi="≈ {expected_value} (lũy kế tháng trước + số trong tháng)",
        extra_meta={"expected_column": YTD_EXPECTED, "earlier_column": earlier_column(ytd)})


def _outlier(code: str, column: str, what_vi: str, fallback: str | None = None) -> Rule:
    meta: dict[str, Any] = {"expected_column": OUTLIER_TYPICAL, "earlier_column": OUTLIER_TYPICAL}
    if fallback:
        meta["fallback_column"] = fallback
    return Rule(
        code, "ExpectColumnValuesToBeBetween",
        {"column": OUTLIER_SCORE, "max_value": {"$PARAMETER": OUTLIER_PARAMETER}},
        "warn", column,
        f"{what_vi} khác thường so với các kỳ báo cáo trước.",
        "Kiểm tra lại số liệu và đơn vị tính; nếu số liệu đúng, giải thích ở cột ghi chú "
        "hoặc khó khăn, vướng mắc.",
        expected_vi="thường khoảng {expected_value} (trung vị các kỳ trước)", extra_meta=meta)


# Rules against the latest accepted earlier report (quality.history).
HISTORY_RULES: dict[str, tuple[Rule, ...]] = {
    "tasks": (
        Rule(
            "completed_task_reopened", "ExpectColumnValuesToNotBeInSet",
            {"column": STATUS_CHANGE, "value_set": forbidden_status_changes()}, "block",
            "status",
            "Nhiệm vụ đã báo cáo hoàn thành ở kỳ trước nay chuyển lại chưa hoàn thành "
            "mà không giải thích.",
            "Nếu nhiệm vụ thực sự phải làm tiếp, ghi lý do ở cột “Khó khăn, vướng mắc”; "
            "nếu không, giữ tình trạng hoàn thành.",
            value_column="status_text", extra_meta={"earlier_column": earlier_column("status")},
        ),
    ),
    "indicators": (
        _never_decreases(
            "ytd_value_decreased", "ytd_value",
            "Lũy kế từ đầu năm thấp hơn lũy kế đã báo cáo kỳ trước.",
            "Kiểm tra lại số lũy kế; nếu số kỳ trước sai, gửi lại báo cáo kỳ trước đã sửa."),
        _month_within_ytd(
            "month_value_above_ytd", "month_value", "ytd_value",
            "Số thực hiện trong tháng lớn hơn lũy kế từ đầu năm.",
            "Kiểm tra lại cột “Thực hiện tháng” và “Lũy kế từ đầu năm”.",
            row_condition=(INDICATOR_KIND, "in", [CUMULATIVE])),
        _adds_up("ytd_value_does_not_add_up", "ytd_value", "Thực hiện tháng"),
        _outlier("indicator_value_outlier", "month_value", "Số liệu chỉ tiêu",
                 fallback="ytd_value"),
    ),
    "disbursement": (
        _never_decreases(
            "ytd_disbursed_decreased", "ytd_disbursed_vnd",
            "Lũy kế giải ngân thấp hơn lũy kế đã báo cáo kỳ trước (cùng dự án, nguồn vốn).",
            "Kiểm tra lại số lũy kế giải ngân và đơn vị tính; nếu số kỳ trước sai, gửi lại "
            "báo cáo kỳ trước đã sửa."),
        _month_within_ytd(
            "month_disbursed_above_ytd", "month_disbursed_vnd", "ytd_disbursed_vnd",
            "Số giải ngân trong tháng lớn hơn lũy kế giải ngân từ đầu năm.",
            "Kiểm tra lại cột “Giải ngân trong tháng” và “Lũy kế giải ngân”."),
        _adds_up("ytd_disbursed_does_not_add_up", "ytd_disbursed_vnd", "Giải ngân trong tháng"),
        _outlier("disbursement_outlier", "month_disbursed_vnd", "Số giải ngân trong tháng"),
    ),
}


RULES: dict[str, tuple[Rule, ...]] = {
    t: column_rules(t) + VALUE_RULES[t] + HISTORY_RULES[t] for t in TEMPLATES}
