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
from functools import cache, lru_cache
from typing import Any

from planwatch.text import fold
from planwatch.vocabulary.templates import Field, Template, spec

_PARENS = re.compile(r"\([^)]*\)")
MAX_HEADER_LENGTH = 120  # longer cells are content, not headers


@lru_cache(maxsize=4096)
def header_words(text: str) -> frozenset[str]:
    """The words of a header, parenthesised parts (units) left out."""
    if len(text) > MAX_HEADER_LENGTH:
        return frozenset()
    return frozenset(fold(_PARENS.sub(" ", text)).split())


@cache
def alias_words(field: Field) -> tuple[frozenset[str], ...]:
    """The words of each header that names ``field``."""
    return tuple(header_words(h) for h in field.headers)


def match_header(template: Template, text: str) -> tuple[Field, int] | None:
    """The column a header names and how specific the match is (alias length)."""
    words = header_words(text)
    if not words:
        return None
    best: tuple[Field, int] | None = None
    for column in spec(template).fields:
        for alias in alias_words(column):
            if alias <= words and (best is None or len(alias) > best[1]):
                best = (column, len(alias))
    return best


@dataclass
class HeaderMatch:
    """Where a sheet's header is and which column holds which field."""

    first_row: int  # 0-based row of the header (its first row if two)
    last_row: int  # 0-based row of the header's last row
    columns: dict[int, Field]  # sheet column index -> template column
    headers: dict[int, str]  # sheet column index -> header text as written
    duplicates: dict[int, Field]  # a second column for a field already matched

    @property
    def fields(self) -> set[str]:
        return {c.name for c in self.columns.values()}

    def missing_required(self, template: Template) -> list[Field]:
        return [c for c in spec(template).fields if c.required and c.name not in self.fields]


def assign_columns(template: Template, headers: dict[int, str],
                   hidden: Collection[int] = ()) -> HeaderMatch:
    """Give each field its best-matching column (each column at most one field)."""
    candidates = []
    for index, text in headers.items():
        found = match_header(template, text)
        if found:
            candidates.append((-found[1], index in hidden, index, found[0]))
    candidates.sort(key=lambda c: c[:3])
    columns: dict[int, Field] = {}
    duplicates: dict[int, Field] = {}
    taken: set[str] = set()
    for _, _, index, column in candidates:
        if index in columns or index in duplicates:
            continue
        if column.name in taken:
            duplicates[index] = column
            continue
        columns[index] = column
        taken.add(column.name)
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
    code_field = spec(template).code_field.name
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
