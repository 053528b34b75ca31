"""The columns of each template and how a header row is recognised.

Columns are matched by header text, not position (submission-format.md). A
header matches a column when all the words of one of the column's aliases
appear in it after folding (case, diacritics, punctuation and parenthesised
units ignored), so ``Lũy kế giải ngân đến 14/3 (tỷ đồng)`` is ``ytd_disbursed``.
The longest matching alias wins, so ``Kế hoạch vốn kéo dài`` is the carried-over
plan and not the annual plan.

Headers spread over two rows (a merged group title above sub-titles) are
read as one header per column: ``Giải ngân`` over ``Lũy kế`` gives
``Giải ngân Lũy kế``. When two columns name the same field, a visible one
wins over a hidden one (last month's column hidden beside this month's),
then the leftmost.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from planwatch.ingest.model import Template
from planwatch.ingest.text import fold

Kind = Literal["label", "code", "text", "status", "data_status", "number", "percent",
               "money", "date", "target"]


@dataclass(frozen=True)
class Column:
    field: str
    kind: Kind
    header_vi: str  # the header as the template writes it (for messages)
    alias_words: tuple[frozenset[str], ...]  # the words of each accepted header
    required: bool = False
    recomputed: bool = False  # planwatch recomputes it: the value read is never trusted


def _col(field: str, kind: Kind, header_vi: str, *aliases: str, required: bool = False,
         recomputed: bool = False) -> Column:
    words = tuple(header_words(a) for a in (header_vi, *aliases))
    return Column(field, kind, header_vi, words, required, recomputed)


_PARENS = re.compile(r"\([^)]*\)")
MAX_HEADER_LENGTH = 120  # longer cells are content, not headers


@lru_cache(maxsize=4096)
def header_words(text: str) -> frozenset[str]:
    """The words of a header, parenthesised parts (units) left out."""
    if len(text) > MAX_HEADER_LENGTH:
        return frozenset()
    return frozenset(fold(_PARENS.sub(" ", text)).split())


_LABEL = _col("row_label", "label", "STT", "số TT", "TT", "số thứ tự")

COLUMNS: dict[Template, tuple[Column, ...]] = {
    "tasks": (
        _LABEL,
        _col("task_code", "code", "Mã nhiệm vụ", "mã NV", "mã số nhiệm vụ", required=True),
        _col("description_vi", "text", "Nội dung nhiệm vụ", "nhiệm vụ", "tên nhiệm vụ",
             "nội dung"),
        _col("status", "status", "Tình trạng", "tình trạng thực hiện", "trạng thái",
             required=True),
        _col("percent_complete", "percent", "Tỷ lệ hoàn thành (%)", "% hoàn thành",
             "tiến độ hoàn thành"),
        _col("completed_date", "date", "Ngày hoàn thành", "thời gian hoàn thành",
             "ngày hoàn thành thực tế"),
        _col("result_text", "text", "Kết quả thực hiện", "kết quả"),
        _col("issues_text", "text", "Khó khăn, vướng mắc", "khó khăn", "vướng mắc",
             "tồn tại hạn chế"),
        _col("proposals_text", "text", "Đề xuất, kiến nghị", "kiến nghị", "đề xuất"),
    ),
    "indicators": (
        _LABEL,
        _col("indicator_code", "code", "Mã chỉ tiêu", "mã CT", "mã số chỉ tiêu", required=True),
        _col("name_vi", "text", "Tên chỉ tiêu", "chỉ tiêu", "nội dung chỉ tiêu"),
        _col("unit", "text", "Đơn vị tính", "ĐVT", required=True),
        _col("annual_target", "target", "Kế hoạch năm", "kế hoạch", "mục tiêu",
             "chỉ tiêu kế hoạch năm"),
        _col("month_value", "number", "Thực hiện tháng", "thực hiện trong tháng",
             "kết quả tháng"),
        _col("ytd_value", "number", "Lũy kế từ đầu năm", "lũy kế", "thực hiện lũy kế",
             "lũy kế thực hiện", required=True),
        _col("same_period_last_year", "number", "Cùng kỳ năm trước", "cùng kỳ"),
        _col("full_year_estimate", "number", "Ước cả năm", "ước thực hiện cả năm",
             "ước thực hiện năm"),
        _col("data_status", "data_status", "Tính chất số liệu", "loại số liệu"),
        _col("source_text", "text", "Nguồn số liệu"),
        _col("note", "text", "Ghi chú"),
    ),
    "disbursement": (
        _LABEL,
        _col("project_code", "code", "Mã dự án", "mã DA", "mã số dự án", required=True),
        _col("name_vi", "text", "Tên dự án", "dự án", "danh mục dự án"),
        _col("investor", "text", "Chủ đầu tư"),
        _col("capital_source", "text", "Nguồn vốn", required=True),
        _col("annual_plan", "money", "Kế hoạch vốn năm", "kế hoạch vốn", "KH vốn năm",
             "kế hoạch vốn giao", "kế hoạch vốn được giao", required=True),
        _col("carried_over_plan", "money", "Kế hoạch vốn kéo dài", "vốn kéo dài",
             "kéo dài"),
        _col("month_disbursed", "money", "Giải ngân trong tháng", "giải ngân tháng"),
        _col("ytd_disbursed", "money", "Lũy kế giải ngân", "lũy kế", "đã giải ngân",
             "giải ngân lũy kế", required=True),
        _col("reported_rate", "percent", "Tỷ lệ giải ngân (%)", "tỷ lệ", recomputed=True),
        _col("issues_text", "text", "Khó khăn, vướng mắc", "khó khăn", "vướng mắc"),
    ),
}



def match_header(template: Template, text: str) -> tuple[Column, int] | None:
    """The column a header names and how specific the match is (alias length)."""
    words = header_words(text)
    if not words:
        return None
    best: tuple[Column, int] | None = None
    for column in COLUMNS[template]:
        for alias in column.alias_words:
            if alias <= words and (best is None or len(alias) > best[1]):
                best = (column, len(alias))
    return best


@dataclass
class HeaderMatch:
    """Where a sheet's header is and which column holds which field."""

    first_row: int  # 0-based row of the header (its first row if two)
    last_row: int  # 0-based row of the header's last row
    columns: dict[int, Column]  # sheet column index -> template column
    headers: dict[int, str]  # sheet column index -> header text as written
    duplicates: dict[int, Column]  # a second column for a field already matched

    @property
    def fields(self) -> set[str]:
        return {c.field for c in self.columns.values()}

    def missing_required(self, template: Template) -> list[Column]:
        return [c for c in COLUMNS[template] if c.required and c.field not in self.fields]


def assign_columns(template: Template, headers: dict[int, str],
                   hidden: Collection[int] = ()) -> HeaderMatch:
    """Give each field its best-matching column (each column at most one field)."""
    candidates = []
    for index, text in headers.items():
        found = match_header(template, text)
        if found:
            candidates.append((-found[1], index in hidden, index, found[0]))
    candidates.sort(key=lambda c: c[:3])
    columns: dict[int, Column] = {}
    duplicates: dict[int, Column] = {}
    taken: set[str] = set()
    for _, _, index, column in candidates:
        if index in columns or index in duplicates:
            continue
        if column.field in taken:
            duplicates[index] = column
            continue
        columns[index] = column
        taken.add(column.field)
    # A column claimed as a duplicate may be the best match for no other field;
    # it stays aside (an extra column), reported by the parser.
    return HeaderMatch(0, 0, dict(sorted(columns.items())), headers, duplicates)


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def two_row_headers(top: list[Any], bottom: list[Any],
                    spans: list[tuple[int, int]]) -> dict[int, str]:
    """Header text per column of a two-row header.

    ``spans`` are the top row's merged ranges (first, last column). Without
    merge information (CSV), a group title is carried right over the empty
    top cells that have a sub-title below.
    """
    width = max(len(top), len(bottom))
    top_text = [_as_text(top[i]) if i < len(top) else "" for i in range(width)]
    bottom_text = [_as_text(bottom[i]) if i < len(bottom) else "" for i in range(width)]
    filled = list(top_text)
    for first, last in spans:
        for i in range(first + 1, min(last, width - 1) + 1):
            filled[i] = filled[i] or top_text[first]
    if not spans:
        for i in range(1, width):
            if not filled[i] and bottom_text[i] and bottom_text[i - 1] and filled[i - 1]:
                filled[i] = filled[i - 1]
    out = {}
    for i in range(width):
        text = " ".join(t for t in (filled[i], bottom_text[i]) if t)
        if text:
            out[i] = text
    return out


MAX_HEADER_SCAN = 30


def find_header(template: Template, rows: list[list[Any]],
                merges: list[tuple[tuple[int, int], tuple[int, int]]],
                hidden: Collection[int] = ()) -> HeaderMatch | None:
    """The header among the first rows: the row (or pair of rows) naming the most
    fields, the code column among them. Ties go to the single, earlier row."""
    code_field = next(c.field for c in COLUMNS[template] if c.kind == "code")
    best: tuple[tuple[int, int, int], HeaderMatch] | None = None
    for r in range(min(MAX_HEADER_SCAN, len(rows))):
        single = {i: _as_text(v) for i, v in enumerate(rows[r]) if _as_text(v)}
        options = [(r, assign_columns(template, single, hidden))]
        if r + 1 < len(rows):
            spans = [(a[1], b[1]) for a, b in merges if a[0] == r and b[1] > a[1]]
            pair = two_row_headers(rows[r], rows[r + 1], spans)
            options.append((r + 1, assign_columns(template, pair, hidden)))
        for last, match in options:
            if code_field not in match.fields or len(match.columns) < 2:
                continue
            required = sum(c.required for c in match.columns.values())
            score = (len(match.columns), required, -(last - r))
            if best is None or score > best[0]:
                match.first_row, match.last_row = r, last
                best = (score, match)
    return best[1] if best else None
