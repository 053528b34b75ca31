"""Reading a workbook or CSV file into plain rows of cell values.

Every reader (.xlsx, .xls, .ods, CSV) gives the same shape, ``RawBook``: sheets of rows of values
(``str``, ``float``, ``int``, ``bool``, ``date``/``datetime``, ``None``, or
``FormulaWithoutValue`` for a formula saved without its result; an Excel
error cell is its error text, ``"#DIV/0!"``), plus what the values alone do
not say: which numeric cells are shown as percentages, which cells are
merged, which columns and sheets are hidden. Legacy
TCVN3/VNI text is converted to Unicode here, once per file, so everything
downstream sees Unicode.

Limits are checked before any native code parses the file (``xlsx_inspect``,
``xls_inspect``, ``ods_inspect``: one inspector per workbook format, the same
limits); CSV files are read as text with a size cap.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planwatch.ingest.legacy_text import convert_legacy, detect_legacy_in
from planwatch.ingest.ods_inspect import inspect_ods
from planwatch.ingest.xls_inspect import inspect_xls
from planwatch.ingest.xlsx_inspect import (
    DEFAULT_LIMITS,
    Limits,
    SheetPart,
    UnreadableFile,
    inspect_xlsx,
    sniff_kind,
)

Merge = tuple[tuple[int, int], tuple[int, int]]


@dataclass(frozen=True)
class FormulaWithoutValue:
    """A formula cell saved without its result, by a program that does not
    calculate (a script, some web exports): its value is unknown, not empty.
    As text it is empty; ``formula`` is what the cell says (``=G2-H2``)."""

    formula: str

    def __str__(self) -> str:
        return ""


@dataclass
class RawSheet:
    name: str
    rows: list[list[Any]]
    hidden: bool = False
    percent_cells: set[tuple[int, int]] = field(default_factory=set)
    merges: list[Merge] = field(default_factory=list)
    hidden_columns: set[int] = field(default_factory=set)


@dataclass
class RawBook:
    kind: str  # "xlsx" | "xls" | "ods" | "csv"
    sheets: list[RawSheet]
    encoding: str | None = None  # csv: the text encoding found
    delimiter: str | None = None  # csv
    legacy_encoding: str | None = None  # "tcvn3" | "vni" when converted


def read_xlsx(path: Path, limits: Limits = DEFAULT_LIMITS) -> RawBook:
    return _read_workbook(path, "xlsx", inspect_xlsx(path, limits).sheets, "corrupt_xml")


def read_xls(path: Path, limits: Limits = DEFAULT_LIMITS) -> RawBook:
    """Excel 97-2003: dates are read by the workbook's date system (1900 or 1904),
    text as stored (UTF-16 in BIFF8, the workbook's code page in older files)."""
    return _read_workbook(path, "xls", inspect_xls(path, limits), "corrupt_xls")


def read_ods(path: Path, limits: Limits = DEFAULT_LIMITS) -> RawBook:
    """LibreOffice/OpenDocument: dates and percentages are typed cells."""
    return _read_workbook(path, "ods", inspect_ods(path, limits), "corrupt_xml")


# Each workbook suffix and its reader; every one inspects the file first.
WORKBOOK_READERS: dict[str, Callable[[Path, Limits], RawBook]] = {
    ".xlsx": read_xlsx, ".xls": read_xls, ".ods": read_ods}


def _read_workbook(path: Path, kind: str, parts: Sequence[SheetPart], broken: str) -> RawBook:
    """The sheets ``parts`` names (an inspector's, which checked the file first)
    read by python-calamine, with what the inspector saw and calamine does not say."""
    from python_calamine import CalamineError, CalamineWorkbook, SheetVisibleEnum

    sheets = []
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        hidden = {m.name for m in workbook.sheets_metadata
                  if m.visible != SheetVisibleEnum.Visible}
        for part in parts:
            sheet = workbook.get_sheet_by_name(part.name)
            offset = sheet.start[1] if sheet.height else 0
            pad = [None] * offset
            rows = [pad + [_cell(v) for v in row] for row in sheet.iter_rows()]
            for (r, c), error in part.error_cells.items():  # calamine reads them as ""
                _put(rows, r, c, error)
            for (r, c), formula in part.uncalculated_cells.items():  # calamine drops them
                if _get(rows, r, c) is None:
                    _put(rows, r, c, FormulaWithoutValue(f"={formula or '…'}"))
            merges = [((a[0], a[1]), (b[0], b[1]))
                      for a, b in sheet.merged_cell_ranges or part.merges]
            sheets.append(RawSheet(part.name, rows, part.hidden or part.name in hidden,
                                   part.percent_cells, merges, part.hidden_columns))
        workbook.close()
    except (CalamineError, ValueError) as exc:
        raise UnreadableFile(broken, str(exc)) from None
    return _convert_legacy(RawBook(kind, sheets))


def _get(rows: list[list[Any]], r: int, c: int) -> Any:
    return rows[r][c] if r < len(rows) and c < len(rows[r]) else None


def _put(rows: list[list[Any]], r: int, c: int, value: Any) -> None:
    rows.extend([] for _ in range(r + 1 - len(rows)))
    rows[r].extend([None] * (c + 1 - len(rows[r])))
    rows[r][c] = value


# Control characters (NUL above all) are never text a person typed, and
# PostgreSQL cannot store NUL: dropped from every cell as it is read.
_CONTROL = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_HAS_CONTROL = re.compile(f"[{re.escape(''.join(map(chr, _CONTROL)))}]")


def _text_cell(value: str) -> str | None:
    if _HAS_CONTROL.search(value):  # a search is ten times cheaper than a translate
        value = value.translate(_CONTROL)
    return value if value.strip() else None


_AS_READ = frozenset({float, int, bool, dt.date, dt.datetime})  # calamine's, kept as they are


def _cell(value: Any) -> Any:
    if type(value) in _AS_READ:
        return value
    if isinstance(value, str):
        return _text_cell(value)
    if isinstance(value, dt.time | dt.timedelta):
        return str(value)
    return value


# -- CSV -------------------------------------------------------------------

DELIMITERS = (";", ",", "\t")


def decode_csv(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 with or without BOM, else Windows-1258.

    Windows-1258 writes most toned letters as a base letter plus a combining
    tone mark; NFC puts them back together.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return _decode_declared(data[3:], "utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decode_declared(data, "utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        raise UnreadableFile("not_text")
    return unicodedata.normalize("NFC", data.decode("cp1258", errors="replace")), "cp1258"


def _decode_declared(data: bytes, encoding: str) -> str:
    """Text whose byte-order mark declares its encoding; bytes that break it (two
    encodings pasted into one file) are refused, naming the line, not guessed."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].decode(encoding, errors="replace").count("\n") + 1
        raise UnreadableFile("csv_encoding_broken", str(line)) from None


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits most lines into the same number (>= 3) of fields."""
    lines = [line for line in text.splitlines()[:40] if line.strip()]
    best, best_score = ",", -1
    for delimiter in DELIMITERS:
        counts = Counter(len(row) for row in csv.reader(lines, delimiter=delimiter))
        width, frequency = max(counts.items(), key=lambda kv: (kv[1], kv[0]), default=(0, 0))
        score = frequency if width >= 3 else 0
        if score > best_score:
            best, best_score = delimiter, score
    return best


def read_csv(path: Path, sheet_name: str, max_bytes: int) -> RawBook:
    data = path.read_bytes()[: max_bytes + 1]
    if len(data) > max_bytes:
        raise UnreadableFile("file_too_large")
    kind = sniff_kind(data[:8])
    if kind in ("zip", "ole"):
        raise UnreadableFile("not_csv", kind)
    text, encoding = decode_csv(data)
    delimiter = sniff_delimiter(text)
    try:
        rows = [[_text_cell(v) for v in row]
                for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as exc:
        raise UnreadableFile("not_csv", str(exc)) from None
    book = RawBook("csv", [RawSheet(sheet_name, rows)], encoding=encoding, delimiter=delimiter)
    if encoding == "cp1258":
        # Legacy fonts' bytes read as Windows-1258 differ from how Excel shows
        # them (Windows-1252); try that reading before deciding.
        legacy = _convert_legacy(RawBook("csv", [RawSheet(sheet_name, [
            [_text_cell(v) for v in row]
            for row in csv.reader(io.StringIO(data.decode("cp1252", errors="replace"),
                                              newline=""), delimiter=delimiter)])]))
        if legacy.legacy_encoding:
            legacy.encoding, legacy.delimiter = legacy.legacy_encoding, delimiter
            return legacy
    return _convert_legacy(book)


def _legacy_candidate(value: Any) -> bool:
    """Text that may be legacy-encoded: a cell already holding Unicode Vietnamese
    letters (beyond Latin-1) was typed in Unicode and must be left alone."""
    return isinstance(value, str) and not any(ch > "\u00ff" and ch.isalpha() for ch in value)


def _convert_legacy(book: RawBook) -> RawBook:
    texts = (v for s in book.sheets for row in s.rows for v in row if isinstance(v, str))
    encoding = detect_legacy_in(texts)
    if encoding:
        for sheet in book.sheets:
            sheet.rows = [[convert_legacy(v, encoding) if _legacy_candidate(v) else v
                           for v in row] for row in sheet.rows]
            sheet.name = convert_legacy(sheet.name, encoding)
        book.legacy_encoding = encoding
    return book
