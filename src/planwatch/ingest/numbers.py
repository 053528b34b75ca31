"""Numbers, dates and money as agencies write them.

Vietnamese files write ``55.000`` for fifty-five thousand and ``1,76`` for
1.76; some files use the English convention instead, many mix real Excel
numbers with text. A text number is read like this:

* a *decisive* text says its own convention: ``1,76`` (comma then not three
  digits) and ``1.234.567`` (several dots) are Vietnamese, ``1.5`` and
  ``1,234,567`` English, ``1.234,5`` / ``1,234.5`` by the last separator;
* an *ambiguous* text (``55.000``, ``1,234``: one separator then exactly three
  digits) follows the convention of its column, else of its file (majority of
  the decisive texts), else the Vietnamese default; the caller warns when no
  evidence decided it.

Nothing here guesses silently: ``parse_number`` either returns a value or
raises ``NotANumber`` with the text it could not read.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Literal

from planwatch.text import fold, strip_diacritics

Convention = Literal["vi", "en"]
DEFAULT_CONVENTION: Convention = "vi"

# Blank markers: "-" is also zero in money columns (accounting style).
DASHES = frozenset({"-", "—", "–", "−", "--"})
BLANKS = frozenset({"", "x", "X", "n/a", "N/A", "...", "…", "không", "Không"}) | DASHES
EXCEL_ERRORS = frozenset({"#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!",
                          "#SPILL!", "#CALC!", "#GETTING_DATA"})

_MINUS = "-\u2212\u2013"
_NUMBER = re.compile(
    rf"^(?P<sign>[{_MINUS}+]?)\s*(?P<body>\d[\d.,\s\u00a0\u202f']*\d|\d)\s*(?P<pct>%?)$"
)
_PAREN_NEGATIVE = re.compile(r"^\((?P<inner>[^()]+)\)$")
_APPROX = re.compile(r"^(uoc tinh|khoang|xap xi|uoc|gan)\s*", re.I)


class NotANumber(ValueError):
    """A cell that should hold a number holds text that is not one."""


@dataclass(frozen=True)
class ParsedNumber:
    value: Decimal
    percent: bool  # written with a % sign
    approximate: bool  # written "khoảng 50", "~50"
    ambiguous: bool  # read by the column/file convention, not by itself


def text_convention(text: str) -> Convention | None:
    """The convention the numbers in a text prove by themselves, or None if they
    prove none (or contradict each other). Only the numbers count: ``trên 55.000``,
    ``55.000 ha`` and ``3,5 - 4`` are judged by ``55.000`` and ``3,5``."""
    joined = _DIGIT_GROUP_SPACE.sub("", text)  # "1 234,5": one number, not two
    found = {c for token in _NUMBER_TOKEN.findall(joined) if (c := _token_convention(token))}
    return found.pop() if len(found) == 1 else None


_DIGIT_GROUP_SPACE = re.compile(r"(?<=\d)[\s\u00a0\u202f']+(?=\d)")
_NUMBER_TOKEN = re.compile(r"\d+(?:[.,]\d+)*")


def _token_convention(body: str) -> Convention | None:
    dots, commas = body.count("."), body.count(",")
    if dots and commas:
        return "vi" if body.rfind(",") > body.rfind(".") else "en"
    if dots > 1:
        return "vi"
    if commas > 1:
        return "en"
    if dots == commas == 0:
        return None
    sep = "." if dots else ","
    head, tail = body.split(sep)
    if len(tail) != 3 or head.lstrip("0") == "" or len(head) > 3:
        # Not a thousands group: a decimal separator.
        return "en" if sep == "." else "vi"
    return None


def majority(conventions: Iterable[Convention | None]) -> Convention | None:
    counts = Counter(c for c in conventions if c)
    if not counts:
        return None
    (top, n), *rest = counts.most_common()
    if rest and rest[0][1] == n:
        return None
    return top


def parse_number(text: str, convention: Convention) -> ParsedNumber:
    """Read a number text (``1.234,5``, ``1,76%``, ``(1.234)``, ``khoảng 50``).

    ``convention`` is used only when the text does not decide by itself.
    """
    raw = text.strip().lstrip("'")
    approximate = False
    folded = fold(raw[:12])
    match = _APPROX.match(folded)
    if match or raw.startswith("~"):
        approximate = True
        raw = raw.lstrip("~ ")
        if match and not raw.startswith("~"):
            raw = raw.split(None, len(match.group(1).split()))[-1]
    negative = False
    paren = _PAREN_NEGATIVE.match(raw)
    if paren:
        negative, raw = True, paren.group("inner").strip()
    m = _NUMBER.match(raw)
    if not m:
        raise NotANumber(text)
    own = text_convention(raw)
    used = own or convention
    body = re.sub(r"[\s\u00a0\u202f']", "", m.group("body"))
    thousands, decimal = (".", ",") if used == "vi" else (",", ".")
    if not _valid_grouping(body, thousands, decimal):
        raise NotANumber(text)
    digits = body.replace(thousands, "").replace(decimal, ".")
    try:
        value = Decimal(digits)
    except InvalidOperation:
        raise NotANumber(text) from None
    if m.group("sign") and m.group("sign") in _MINUS:
        negative = not negative
    return ParsedNumber(-value if negative else value, bool(m.group("pct")), approximate,
                        ambiguous=own is None and ("." in body or "," in body))


def _valid_grouping(body: str, thousands: str, decimal: str) -> bool:
    """``1.234.567,5`` yes; ``1.23.456`` or ``1,2,3`` no."""
    if body.count(decimal) > 1:
        return False
    whole = body.split(decimal)[0]
    if thousands not in whole:
        return True
    groups = whole.split(thousands)
    return 1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])


def number_from_float(value: float) -> Decimal:
    """An Excel double as the decimal Excel shows (15 significant digits)."""
    if value != value or value in (float("inf"), float("-inf")):
        raise NotANumber(str(value))
    if value.is_integer() and -_EXACT_INT < value < _EXACT_INT:  # the same, without text
        return Decimal(int(value))
    return Decimal(format(value, ".15g")).normalize() + 0


_EXACT_INT = 10.0**15  # below it, a whole double has at most 15 digits: shown as it is


# -- money -------------------------------------------------------------------

MONEY_UNITS_VND: dict[str, int] = {
    "dong": 1,
    "vnd": 1,
    "nghin dong": 1_000,
    "ngan dong": 1_000,
    "1000 dong": 1_000,
    "trieu dong": 1_000_000,
    "trieu": 1_000_000,
    "ty dong": 1_000_000_000,
    "ty": 1_000_000_000,
}
DEFAULT_MONEY_UNIT = "trieu dong"
_UNIT_NAMED = re.compile(r"\b(ty dong|trieu dong|nghin dong|ngan dong|1000 dong|dong|vnd)\b")
_UNIT_BARE = re.compile(r"^(ty|trieu)$")  # "(tỷ)", "(triệu)": only alone in parentheses


def money_unit_in(text: str) -> str | None:
    """The money unit a header or note names: ``Lũy kế (tỷ đồng)`` -> ``ty dong``."""
    for part in [*re.findall(r"\(([^)]*)\)", text), text]:
        folded = fold(part).replace("1 000", "1000")
        found = _UNIT_NAMED.search(folded) or _UNIT_BARE.match(folded)
        if found:
            return found.group(1)
    return None


def to_vnd(value: Decimal, unit: str) -> tuple[int, bool]:
    """(exact VND, whether it had to be rounded to whole đồng)."""
    vnd = value * MONEY_UNITS_VND[unit]
    whole = vnd.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(whole), whole != vnd


# -- dates -------------------------------------------------------------------

EXCEL_EPOCH = dt.date(1899, 12, 30)
_TIME = r"(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"  # "05/03/2024 08:30" from other systems' exports
_DMY = re.compile(rf"^(\d{{1,2}})\s*[/.\-]\s*(\d{{1,2}})\s*[/.\-]\s*(\d{{2}}|\d{{4}}){_TIME}$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T][\d:.]+)?$")
_WORDS = re.compile(r"ngay\s*(\d{1,2})\s*thang\s*(\d{1,2})\s*nam\s*(\d{4})")
PLAUSIBLE_YEARS = range(1990, 2101)


class NotADate(ValueError):
    """A cell that should hold a date holds something else."""


def date_from_serial(serial: float) -> dt.date:
    if not 1 <= serial < 2958466:
        raise NotADate(str(serial))
    day = EXCEL_EPOCH + dt.timedelta(days=int(serial))
    if day.year not in PLAUSIBLE_YEARS:
        raise NotADate(str(serial))
    return day


def parse_date_text(text: str) -> dt.date:
    """Day first, always: ``05/03/2024``, ``5/3/24``, ``05-03-2024``,
    ``ngày 5 tháng 3 năm 2024``."""
    raw = text.strip()
    m = _DMY.match(raw)
    if m:
        day, month, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if year < 100:
            year += 2000
    elif (m := _ISO.match(raw)) is not None:
        year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    elif (m := _WORDS.search(fold(raw))) is not None:
        day, month, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
    elif re.fullmatch(r"\d{5}(\.0+)?", raw):  # a serial number stored as text
        return date_from_serial(float(raw))
    else:
        raise NotADate(text)
    try:
        value = dt.date(year, month, day)
    except ValueError:
        raise NotADate(text) from None
    if value.year not in PLAUSIBLE_YEARS:
        raise NotADate(text)
    return value


_PERIOD_WORDS = re.compile(r"thang\s*(0?[1-9]|1[0-2])\s*(?:nam|[/.\-])?\s*((?:19|20)\d{2})")
# A month and year, not the tail or head of a full date ("15/05/2024", "2024-06-14"):
# titles state the data window "từ ngày 15/05/2024 đến ngày 14/06/2024".
_PERIOD_MY = re.compile(r"(?<![\d/.\-])(0?[1-9]|1[0-2])\s*[/.\-]\s*((?:19|20)\d{2})(?!\d)")
_PERIOD_YM = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*[/.\-]\s*(0?[1-9]|1[0-2])(?!\d|\s*[/.\-]\s*\d)")


def period_in_text(value: object) -> str | None:
    """``03/2024``, ``tháng 3 năm 2024``, ``2024-03`` or a date -> ``2024-03``.

    A value that is one whole date (``01/06/2024``) stands for its month; dates
    inside a longer text (``từ ngày 15/05/2024 đến ngày 14/06/2024``) do not.
    """
    if isinstance(value, dt.date):
        return f"{value.year:04d}-{value.month:02d}"
    whole = str(value or "").strip()
    if _DMY.match(whole) or _ISO.match(whole):
        try:
            day = parse_date_text(whole)
            return f"{day.year:04d}-{day.month:02d}"
        except NotADate:
            return None
    text = strip_diacritics(whole).lower()
    m = _PERIOD_WORDS.search(text) or _PERIOD_MY.search(text)
    if m:
        month, year = int(m.group(1)), int(m.group(2))
    elif (m := _PERIOD_YM.search(text)) is not None:
        year, month = int(m.group(1)), int(m.group(2))
    else:
        return None
    return f"{year:04d}-{month:02d}"
