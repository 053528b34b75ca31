"""What parsing produces: plain data shared by the parser, checks and loader.

Values in ``ParsedSheet.rows`` are already normalised Python values:
``str`` (NFC, trimmed), ``decimal.Decimal`` for numbers, ``int`` for money in
exact VND, ``datetime.date`` for dates, ``None`` for blanks.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Template = Literal["tasks", "indicators", "disbursement"]
TEMPLATES: tuple[Template, ...] = ("tasks", "indicators", "disbursement")
Severity = Literal["block", "warn"]

# Columns of raw.<template> filled from a sheet, in table order (after
# submission_id, source_row). ``extra`` holds columns the template does not know.
RAW_COLUMNS: dict[str, tuple[str, ...]] = {
    "tasks": (
        "row_label", "task_code", "description_vi", "status", "status_text",
        "percent_complete", "completed_date", "result_text", "issues_text", "proposals_text",
    ),
    "indicators": (
        "row_label", "indicator_code", "name_vi", "unit", "annual_target_text",
        "annual_target_low", "annual_target_high", "month_value", "ytd_value",
        "same_period_last_year", "full_year_estimate", "data_status", "source_text", "note",
    ),
    "disbursement": (
        "row_label", "project_code", "name_vi", "investor", "capital_source",
        "annual_plan_vnd", "carried_over_plan_vnd", "month_disbursed_vnd", "ytd_disbursed_vnd",
        "reported_rate", "issues_text",
    ),
}

# Task statuses as agencies write them -> status code (submission-format.md).
TASK_STATUSES: dict[str, str] = {
    "Hoàn thành": "completed",
    "Hoàn thành quá hạn": "completed_late",
    "Đang thực hiện": "in_progress",
    "Đang thực hiện, chậm tiến độ": "delayed",
    "Chưa thực hiện": "not_started",
    "Thường xuyên": "recurring",
}
# Data status (`Tính chất số liệu`) as written -> code.
DATA_STATUSES: dict[str, str] = {
    "Ước tính": "estimated",
    "Sơ bộ": "preliminary",
    "Chính thức": "official",
}

# The catalog code column of each template.
CODE_COLUMN: dict[str, str] = {
    "tasks": "task_code",
    "indicators": "indicator_code",
    "disbursement": "project_code",
}

# Vietnamese sheet name of each template, as agencies see it.
SHEET_NAMES_VI: dict[str, str] = {
    "tasks": "Nhiệm vụ",
    "indicators": "Chỉ tiêu",
    "disbursement": "Giải ngân",
}

# CSV file name suffix of each template (<AGENCY>_<YYYY-MM>_<suffix>.csv).
CSV_SUFFIXES: dict[str, str] = {
    "tasks": "nhiem_vu",
    "indicators": "chi_tieu",
    "disbursement": "giai_ngan",
}


@dataclass
class Problem:
    """One thing wrong with a file, told so that a clerk can fix it.

    ``code`` is stable English for machines (e.g. ``unknown_task_code``);
    ``message_vi`` says what is wrong and ``fix_vi`` what to do, in Vietnamese.
    ``severity`` ``block`` rejects the submission, ``warn`` only flags it.
    """

    code: str
    severity: Severity
    message_vi: str
    fix_vi: str = ""
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    expected: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ParsedSheet:
    template: Template
    sheet_name: str
    # One dict per data row: keys are RAW_COLUMNS[template] plus
    # ``source_row`` (1-based row number in the sheet/CSV, header rows counted)
    # and ``extra`` (dict of unknown column header -> text).
    rows: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Header text -> field name, as matched (for receipts and debugging).
    columns: dict[str, str] = field(default_factory=dict)
    skipped_rows: int = 0  # subtotal rows (Tổng cộng, Trong đó) left out


@dataclass
class ParsedFile:
    file_name: str
    file_kind: Literal["xlsx", "csv"]
    # From the `Thông tin` sheet (xlsx) or the file name (csv); None when absent.
    agency_code: str | None = None
    period: str | None = None  # YYYY-MM
    info: dict[str, str] = field(default_factory=dict)
    sheets: list[ParsedSheet] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # file-level

    @property
    def blocking(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "block"]
