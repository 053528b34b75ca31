"""What parsing a file produces: plain data for the checks and the loader.

Values in ``ParsedSheet.rows`` are already normalised Python values:
``str`` (NFC, trimmed), ``decimal.Decimal`` for numbers, ``int`` for money in
exact VND, ``datetime.date`` for dates, ``None`` for blanks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from planwatch.vocabulary.problems import Problem
from planwatch.vocabulary.templates import Template


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
    plan_code: str | None = None  # `Mã kế hoạch`, when the file names its plan
    info: dict[str, str] = field(default_factory=dict)
    sheets: list[ParsedSheet] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # file-level

    @property
    def blocking(self) -> list[Problem]:
        return [p for p in self.problems if p.is_blocking]
