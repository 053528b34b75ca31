"""Helpers for writing workbooks (templates, demo data, exports).

Two rules hold for every workbook planwatch writes:

* text is always written as text, never as a formula: workbooks are opened
  with ``strings_to_formulas=False`` (also no URL or number guessing), and
  text starting with ``=``, ``+``, ``-``, ``@`` (or a tab / carriage return)
  gets Excel's leading-apostrophe marker (the ``quotePrefix`` cell style), so
  that it stays text even when a user edits the cell or re-saves the file;
* output is reproducible: the document's created date is fixed by the
  caller (xlsxwriter already fixes the zip entry timestamps), so the same
  input gives the same bytes.

"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

# Options for every xlsxwriter workbook planwatch creates.
WORKBOOK_OPTIONS: dict[str, Any] = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "in_memory": True,
}

# Text starting with one of these is a formula to a spreadsheet program.
FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

DATE_FORMAT = "dd/mm/yyyy"
DEFAULT_FONT = {"font_name": "Times New Roman", "font_size": 12}


def needs_quote(text: str) -> bool:
    """True if a spreadsheet would read ``text`` as a formula (a lone ``-`` is text)."""
    return len(text) > 1 and text.startswith(FORMULA_TRIGGERS)


def vn_number(value: int | float | Decimal, decimals: int | None = None) -> str:
    """Format a number the Vietnamese way: ``.`` for thousands, ``,`` for decimals.

    ``vn_number(55000) == "55.000"``, ``vn_number(Decimal("1.76")) == "1,76"``,
    ``vn_number(Decimal("1234567.5")) == "1.234.567,5"``. With ``decimals`` the
    value is rounded to that many places; otherwise trailing zeros are dropped.
    """
    number = Decimal(str(value)) if not isinstance(value, Decimal) else value
    if decimals is not None:
        number = number.quantize(Decimal(1).scaleb(-decimals))
    text = f"{number:,f}" if decimals is not None else f"{number.normalize():,f}"
    if "." in text and decimals is None:
        text = text.rstrip("0").rstrip(".")
    sign = ""
    if text.startswith("-"):
        sign, text = "-", text[1:]
    whole, _, frac = text.partition(".")
    whole = whole.replace(",", ".")
    return sign + whole + ("," + frac if frac else "")


@dataclass(frozen=True)
class Formula:
    """A formula cell and the value Excel would have cached for it."""

    formula: str
    value: Any


@dataclass(frozen=True)
class Styled:
    """A value with extra cell-format properties for this one cell."""

    value: Any
    props: dict[str, Any]


class Styles:
    """Per-workbook cache of xlsxwriter formats, keyed by their properties."""

    def __init__(self, workbook: Workbook, base: dict[str, Any] | None = None) -> None:
        self.workbook = workbook
        self.base = dict(DEFAULT_FONT if base is None else base)
        self._cache: dict[tuple, Format] = {}

    def get(self, props: dict[str, Any] | None = None, *, quoted: bool = False) -> Format:
        merged = {**self.base, **(props or {})}
        if quoted:
            merged["quote_prefix"] = True
        key = tuple(sorted(merged.items()))
        fmt = self._cache.get(key)
        if fmt is None:
            fmt = self.workbook.add_format(merged)
            self._cache[key] = fmt
        return fmt


def new_workbook(target: str | Path | io.BytesIO, created: dt.datetime,
                 **properties: str) -> Workbook:
    """An xlsxwriter workbook with planwatch's options and a fixed created date."""
    workbook = xlsxwriter.Workbook(target, WORKBOOK_OPTIONS)
    workbook.set_properties({"created": created, **properties})
    return workbook


def write_text(
    ws: Worksheet, row: int, col: int, text: str, styles: Styles,
    props: dict[str, Any] | None = None,
) -> None:
    """Write ``text`` as a string cell, quote-prefixed when it looks like a formula."""
    ws.write_string(row, col, text, styles.get(props, quoted=needs_quote(text)))


def write_cell(
    ws: Worksheet, row: int, col: int, value: Any, styles: Styles,
    props: dict[str, Any] | None = None,
) -> None:
    """Write one value with an explicit cell type (never guessed from text).

    ``None`` writes a formatted blank, ``str`` text (see :func:`write_text`),
    numbers (``int``, ``float``, ``Decimal``) numbers, ``date``/``datetime``
    dates (``dd/mm/yyyy`` unless ``props`` has a ``num_format``),
    :class:`Formula` a formula with its cached value.
    """
    if value is None:
        ws.write_blank(row, col, None, styles.get(props))
    elif isinstance(value, str):
        write_text(ws, row, col, value, styles, props)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, styles.get(props))
    elif isinstance(value, int | float | Decimal):
        ws.write_number(row, col, float(value), styles.get(props))
    elif isinstance(value, dt.date):
        date_props = {"num_format": DATE_FORMAT, **(props or {})}
        if not isinstance(value, dt.datetime):
            value = dt.datetime(value.year, value.month, value.day)
        ws.write_datetime(row, col, value, styles.get(date_props))
    elif isinstance(value, Formula):
        cached = value.value
        if isinstance(cached, Decimal):
            cached = float(cached)
        if cached is None:  # no cached value: Excel computes it on opening
            ws.write_formula(row, col, value.formula, styles.get(props))
        else:
            ws.write_formula(row, col, value.formula, styles.get(props), cached)
    else:
        raise TypeError(f"cannot write {type(value).__name__} to a cell")


def close_to_bytes(workbook: Workbook, buffer: io.BytesIO) -> bytes:
    """Close a workbook created on ``buffer`` and return the file's bytes."""
    workbook.close()
    return buffer.getvalue()


def column_letter(col: int) -> str:
    """0-based column index to Excel letters (0 -> A, 27 -> AB)."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
