"""What parsing a file produces: plain data for the checks and the loader.

Values in ``ParsedSheet.rows`` are already normalised Python values:
``str`` (NFC, trimmed), ``decimal.Decimal`` for numbers, ``int`` for money in
exact VND, ``datetime.date`` for dates, ``None`` for blanks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from planwatch.vocabulary.problems import Problem
from planwatch.vocabulary.templates import Template

# What planwatch reads, by file suffix: workbooks (the same sheets in each
# format, submission-format.md) and CSV files (one template each).
FileKind = Literal["xlsx", "xls", "ods", "csv"]
WORKBOOK_KINDS: tuple[FileKind, ...] = ("xlsx", "xls", "ods")
FILE_KINDS: tuple[FileKind, ...] = (*WORKBOOK_KINDS, "csv")


def file_kind(file_name: str) -> FileKind | None:
    """The kind a file's name says (``.XLS`` -> ``xls``); None: not one planwatch reads."""
    suffix = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    return next((kind for kind in FILE_KINDS if kind == suffix), None)


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
    file_kind: FileKind
    # From the `Thông tin` sheet (a workbook) or the file name (csv); None when absent.
    agency_code: str | None = None
    period: str | None = None  # YYYY-MM
    plan_code: str | None = None  # `Mã kế hoạch`, when the file names its plan
    info: dict[str, str] = field(default_factory=dict)
    sheets: list[ParsedSheet] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # file-level

    @property
    def blocking(self) -> list[Problem]:
        return [p for p in self.problems if p.is_blocking]

    def to_json(self) -> bytes:
        """The file as JSON (what the parse sandbox replies: data, never code).
        A row's Decimal, date and datetime values are written as ``[tag, text]``."""
        sheets = [{"template": s.template, "sheet_name": s.sheet_name, "rows": s.rows,
                   "problems": [p.to_dict() for p in s.problems], "columns": s.columns,
                   "skipped_rows": s.skipped_rows} for s in self.sheets]
        return json.dumps({"file_name": self.file_name, "file_kind": self.file_kind,
                           "agency_code": self.agency_code, "period": self.period,
                           "plan_code": self.plan_code, "info": self.info, "sheets": sheets,
                           "problems": [p.to_dict() for p in self.problems]},
                          default=_tagged, ensure_ascii=False,
                          separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> ParsedFile:
        raw = json.loads(data)
        sheets = [ParsedSheet(
            template=s["template"], sheet_name=s["sheet_name"], rows=_untagged(s["rows"]),
            problems=[Problem(**p) for p in s["problems"]], columns=s["columns"],
            skipped_rows=s["skipped_rows"]) for s in raw.pop("sheets")]
        problems = [Problem(**p) for p in raw.pop("problems")]
        return cls(**raw, sheets=sheets, problems=problems)


_TAGS = {"decimal": Decimal, "date": date.fromisoformat, "datetime": datetime.fromisoformat}


def _tagged(value: Any) -> list[str]:
    """A row value JSON has no type for, as ``[tag, text]`` (a row's own values are
    scalars or the ``extra`` dict, never lists, so a list is always a tagged value)."""
    if isinstance(value, Decimal):
        return ["decimal", str(value)]
    if isinstance(value, datetime):
        return ["datetime", value.isoformat()]
    if isinstance(value, date):
        return ["date", value.isoformat()]
    raise TypeError(f"a parsed value of type {type(value).__name__} has no JSON form")


def _untagged(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with their tagged values read back (in place: a list is a tag)."""
    for row in rows:
        for key, value in row.items():
            if value.__class__ is list:
                tag, text = value
                row[key] = _TAGS[tag](text)
    return rows
