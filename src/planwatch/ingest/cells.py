"""One cell value -> the normalised value of its column kind, or a problem.

``CellReader`` holds what a sheet's cells are read with (its name, the number
convention of each column, the money unit of each money column) and collects
the problems it finds, each naming sheet, row, column and the value found.
A column planwatch recomputes (the reported disbursement rate) is never
trusted, so a value there that cannot be read is left out with a warning
instead of rejecting the file.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from planwatch.ingest.messages import MESSAGES, problem
from planwatch.ingest.numbers import (
    BLANKS,
    DASHES,
    DEFAULT_MONEY_UNIT,
    EXCEL_ERRORS,
    Convention,
    NotADate,
    NotANumber,
    date_from_serial,
    money_unit_in,
    number_from_float,
    parse_date_text,
    parse_number,
    to_vnd,
)
from planwatch.ingest.readers import FormulaWithoutValue
from planwatch.text import clean_text, fold
from planwatch.vocabulary.problems import Problem
from planwatch.vocabulary.templates import NUMERIC_KINDS, TEXT_KINDS, Field

MONEY_UNIT_VI = {"dong": "đồng", "vnd": "đồng", "nghin dong": "nghìn đồng",
                 "ngan dong": "nghìn đồng", "1000 dong": "nghìn đồng",
                 "trieu dong": "triệu đồng", "trieu": "triệu đồng", "ty dong": "tỷ đồng",
                 "ty": "tỷ đồng"}
# No figure of a provincial plan comes near this; money in VND must fit a bigint.
MAX_NUMBER = Decimal(10) ** 18
# Hyphen look-alikes that word processors put in pasted text ("NV–8–05").
_DASHES_TO_HYPHEN = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"))
_WHITESPACE = re.compile(r"\s+")
_CONVENTION_VI = {"vi": "dấu chấm ngăn cách hàng nghìn, dấu phẩy là phần thập phân",
                  "en": "dấu phẩy ngăn cách hàng nghìn, dấu chấm là phần thập phân"}


def as_text(value: Any) -> str | None:
    """Any cell as clean text (numbers without a spurious ``.0``); None if blank."""
    if value is None:
        return None
    if type(value) is str:  # most cells: the checks below are for the others
        return clean_text(value) or None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return format(number_from_float(value), "f") if value == value else None
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M") if value.time() != dt.time() else \
            value.strftime("%d/%m/%Y")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return clean_text(str(value)) or None


def show(value: Decimal) -> str:
    """A decimal as a Vietnamese reader writes it: 55.000 / 1,76."""
    text = f"{value.normalize():,f}" if value == value.to_integral() else f"{value:,f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


@dataclass
class CellReader:
    sheet: str
    conventions: dict[str, Convention]  # field -> convention for ambiguous texts
    decided: dict[str, bool]  # field -> whether evidence (not the default) decided it
    money_units: dict[str, str] = field(default_factory=dict)  # field -> unit key
    problems: list[Problem] = field(default_factory=list)
    _warned_ambiguous: set[str] = field(default_factory=set)  # one warning per column
    # A text cell's clean form, per distinct text (investors, sources, statuses repeat).
    _texts: dict[str, str | None] = field(default_factory=dict)

    def _problem(self, code: str, row: int, column: Field, value: Any, **extra: Any) -> None:
        if column.recomputed and MESSAGES[code][0] == "block":
            code, extra = "recomputed_value_ignored", {}
        self.problems.append(problem(code, sheet=self.sheet, row=row, column=column.header_vi,
                                     value=value, **extra))

    def read(self, column: Field, value: Any, row: int, percent_cell: bool,
             unit: str | None = None) -> Any:
        kind = column.kind
        if isinstance(value, FormulaWithoutValue):
            if kind == "code" or kind not in TEXT_KINDS:  # free text may stay empty
                self._problem("formula_not_calculated", row, column, value.formula)
            return None
        if kind in NUMERIC_KINDS:
            return self.number(column, value, row, percent_cell, unit)
        if kind == "date":
            return self.date(column, value, row)
        if type(value) is not str:
            text = as_text(value)
        elif value in self._texts:
            text = self._texts[value]
        else:
            text = self._texts[value] = as_text(value)
        if kind == "code" and text:
            return _WHITESPACE.sub(" ", text.translate(_DASHES_TO_HYPHEN)).strip()
        return text

    def number(self, column: Field, value: Any, row: int, percent_cell: bool,
               unit: str | None = None) -> Decimal | int | None:
        """A number; money in exact VND. ``unit`` is the row's unit, which a
        person may have written after the number (``55.000 ha``)."""
        money = column.kind == "money"
        money_unit = self.money_units.get(column.name, DEFAULT_MONEY_UNIT)
        if value is None:
            return None
        if isinstance(value, bool) or isinstance(value, dt.date):
            self._problem("not_a_number", row, column, as_text(value))
            return None
        if isinstance(value, int | float):
            number = number_from_float(float(value))
            if percent_cell and not money:
                number = number * 100
        else:
            text = clean_text(str(value))
            if text in BLANKS:
                return 0 if money and text in DASHES else None
            if text.upper() in EXCEL_ERRORS:
                self._problem("excel_error", row, column, text)
                return None
            body, suffix = split_unit_suffix(text)
            if suffix and money and money_unit_in(suffix):
                money_unit = money_unit_in(suffix) or money_unit
            elif suffix and not (unit and fold(suffix) == fold(unit)):
                body = text
            try:
                parsed = parse_number(body, self.conventions.get(column.name, "vi"))
            except NotANumber:
                self._problem("not_a_number", row, column, text)
                return None
            number = parsed.value
            if parsed.percent and money:
                self._problem("percent_in_money", row, column, text,
                              unit_vi=MONEY_UNIT_VI[money_unit])
                return None
            if (parsed.ambiguous and not self.decided.get(column.name)
                    and column.name not in self._warned_ambiguous):
                self._warned_ambiguous.add(column.name)
                self._problem("ambiguous_number", row, column, text, read_as=show(number),
                              how=_CONVENTION_VI[self.conventions.get(column.name, "vi")])
            if parsed.approximate:
                self._problem("approximate_number", row, column, text, read_as=show(number))
        if abs(number) >= MAX_NUMBER:
            self._problem("number_too_large", row, column, as_text(value))
            return None
        if money:
            vnd, rounded = to_vnd(number, money_unit)
            if abs(vnd) >= MAX_NUMBER:
                self._problem("number_too_large", row, column, as_text(value))
                return None
            if rounded:
                self._problem("money_rounded", row, column, as_text(value),
                              read_as=show(Decimal(vnd)))
            return vnd
        return number

    def date(self, column: Field, value: Any, row: int) -> dt.date | None:
        if value is None:
            return None
        try:
            if isinstance(value, dt.datetime):
                return value.date()
            if isinstance(value, dt.date):
                return value
            if isinstance(value, int | float) and not isinstance(value, bool):
                return date_from_serial(float(value))
            text = clean_text(str(value))
            if text in BLANKS:
                return None
            if text.upper() in EXCEL_ERRORS:
                self._problem("excel_error", row, column, text)
                return None
            return parse_date_text(text)
        except NotADate:
            self._problem("not_a_date", row, column, as_text(value))
            return None


_UNIT_SUFFIX = re.compile(r"^(?P<body>.*?\d\s*%?)\s*(?P<suffix>[^\d\s%][^\d]*)$")


def split_unit_suffix(text: str) -> tuple[str, str | None]:
    """``55.000 ha`` -> (``55.000``, ``ha``); text without a suffix is returned whole."""
    m = _UNIT_SUFFIX.match(text)
    return (m.group("body").strip(), m.group("suffix").strip()) if m else (text, None)


_RANGE = re.compile(r"^(?P<low>.+?)\s*(?:-|–|—|đến|den|tới)\s*(?P<high>[\d.,]+\s*%?)$")
_AT_LEAST = ("tren", "hon", "it nhat", "toi thieu", "khong duoi", ">=", ">", "≥")
_AT_MOST = ("duoi", "khong qua", "toi da", "<=", "<", "≤")


def parse_target(value: Any, convention: Convention) -> tuple[str | None, Decimal | None,
                                                               Decimal | None]:
    """(text, low, high) of an annual target: ``3,5 - 4``, ``trên 55.000``, ``dưới 1,76%``."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = number_from_float(float(value))
        return show(number), number, number
    text = as_text(value)
    if not text:
        return None, None, None
    folded = fold(text)
    body = re.sub(r"^(từ|khoảng|đạt|trên|hơn|ít nhất|tối thiểu|không dưới|dưới|không quá|"
                  r"tối đa|>=|<=|>|<|≥|≤)\s*", "", text.strip(), flags=re.I)
    body = re.sub(r"^(khoảng|đạt)\s*", "", body, flags=re.I)
    try:
        m = _RANGE.match(body)
        if m:
            low = parse_number(m.group("low"), convention).value
            high = parse_number(m.group("high"), convention).value
            return text, min(low, high), max(low, high)
        number = parse_number(body, convention).value
    except NotANumber:
        return text, None, None
    if folded.startswith(_AT_LEAST) or text.startswith((">", "≥")):
        return text, number, None
    if folded.startswith(_AT_MOST) or text.startswith(("<", "≤")):
        return text, None, number
    return text, number, number
