"""Look inside an .ods (LibreOffice, OpenDocument) before python-calamine reads it.

An .ods is a zip of XML parts like an .xlsx, and gets the same guard
(``xlsx_inspect``): the bytes are a zip, whole, not a bomb (sizes and ratio), no
XML part carries a DTD, and the sheets' real extent stays within the limits.

The extent is where OpenDocument differs. A row or cell may say
``table:number-rows-repeated="1000000000"`` or
``table:number-columns-repeated="16384"``: a billion cells in forty bytes.
LibreOffice itself writes such repeats for the empty rows and columns after the
data (a real file declares over a million trailing rows), so a repeat alone is
no attack: the extent counted here is that of the cells holding something (a
value, a formula, text), each repeat multiplied out. A value cell repeated past
the limits, or one placed after a billion declared empty rows (a reader that
lays the sheet out from A1 allocates them all), is refused before calamine runs.

On the way it collects what calamine does not expose for .ods: cells typed as
percentages (``office:value-type="percentage"``, stored as 0.0176), error cells
(``calcext:value-type="error"``: calamine reads ``#DIV/0!`` as empty), merged cells
(``number-columns-spanned``/``number-rows-spanned``) and hidden columns.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from planwatch.ingest.xlsx_inspect import (
    DEFAULT_LIMITS,
    Limits,
    SheetPart,
    UnreadableFile,
    XmlCollector,
    check_extent,
    open_zip,
    scan_xml,
)

ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
# Percent cells kept per sheet: a real report has a column of them; a file
# claiming more is refused rather than remembered cell by cell.
MAX_PERCENT_CELLS = 100_000

def inspect_ods(path: Path, limits: Limits = DEFAULT_LIMITS) -> list[SheetPart]:
    """The sheets of an .ods, in order; ``UnreadableFile`` if it is not safe to read."""
    with open_zip(path, limits, not_zip="not_ods") as archive:
        names = set(archive.namelist())
        if "xl/workbook.xml" in names:
            raise UnreadableFile("not_ods", "xlsx")
        if "content.xml" not in names or not _is_spreadsheet(archive, names):
            raise UnreadableFile("not_ods", "zip")
        for name in sorted(names - {"content.xml"}):
            if name.endswith((".xml", ".rdf")):
                scan_xml(archive, name, limits, XmlCollector())  # DTDs refused
        collector = _ContentCollector(limits)
        scan_xml(archive, "content.xml", limits, collector, namespaces=True)
    return collector.sheets


def _is_spreadsheet(archive: zipfile.ZipFile, names: set[str]) -> bool:
    """The ``mimetype`` member says spreadsheet (a text document or a slide show
    renamed .ods says otherwise); a zip without one is judged by its content."""
    if "mimetype" not in names:
        return True
    with archive.open("mimetype") as member:
        return member.read(200).strip() == ODS_MIMETYPE


# Names as expat gives them with namespace processing: "<URI> <local name>".
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0 "
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0 "
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0 "
_CALCEXT = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0 "
CELL, COVERED_CELL, ROW, COLUMN, TABLE = (_TABLE + n for n in (
    "table-cell", "covered-table-cell", "table-row", "table-column", "table"))
TEXT_PARTS = {_TEXT + n for n in ("p", "span", "s", "a", "line-break", "tab")}
ROWS_REPEATED, COLUMNS_REPEATED, ROWS_SPANNED, COLUMNS_SPANNED = (_TABLE + n for n in (
    "number-rows-repeated", "number-columns-repeated", "number-rows-spanned",
    "number-columns-spanned"))
VALUE_TYPE, FORMULA = _OFFICE + "value-type", _TABLE + "formula"
ERROR_TYPE = _CALCEXT + "value-type"
NAME, SUB_TABLE, VISIBILITY = _TABLE + "name", _TABLE + "is-sub-table", _TABLE + "visibility"


class _ContentCollector(XmlCollector):
    """Each sheet's extent, percent cells, error cells, merges and hidden columns,
    from ``content.xml``: ``<table:table>`` holds ``<table:table-column>``s and
    ``<table:table-row>``s of ``<table:table-cell>``/``<table:covered-table-cell>``.
    Every cell costs a few dictionary look-ups: a big sheet has millions."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.sheets: list[SheetPart] = []
        self.sheet = SheetPart("", "content.xml", hidden=False)  # until the first table
        self.row = self.next_row = 0
        self.rows_repeated = 1
        self.col = self.next_column_def = 0
        # The cell being read and not yet counted: (first column, columns repeated).
        self.pending: tuple[int, int] | None = None
        # An error cell (#DIV/0!: calamine reads it as empty) and its text so far.
        self.error_at: tuple[int, int] | None = None
        self.error_text = ""

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if self.error_at is not None and name not in TEXT_PARTS:
            self._end_error()
        if name == CELL or name == COVERED_CELL:
            self._cell(attrs)
        elif name in TEXT_PARTS:  # a cell's text: something in it even without a value type
            if self.pending is not None:
                self._count(*self.pending)
        elif name == ROW:
            self.row, self.col, self.pending = self.next_row, 0, None
            self.rows_repeated = _count(attrs.get(ROWS_REPEATED))
            self.next_row = self.row + self.rows_repeated
        elif name == COLUMN:
            repeated = _count(attrs.get(COLUMNS_REPEATED))
            first, self.next_column_def = self.next_column_def, self.next_column_def + repeated
            if attrs.get(VISIBILITY) == "collapse":
                last = min(self.next_column_def, self.limits.max_columns)
                self.sheet.hidden_columns.update(range(first, last))
        elif name == TABLE and NAME in attrs and attrs.get(SUB_TABLE) != "true":
            self.sheet = SheetPart(attrs[NAME], "content.xml", hidden=False)
            self.sheets.append(self.sheet)
            self.row = self.next_row = self.col = self.next_column_def = 0
            self.rows_repeated, self.pending = 1, None

    def _cell(self, attrs: dict[str, str]) -> None:
        first = self.col
        repeated = _count(attrs.get(COLUMNS_REPEATED))
        self.col += repeated
        self.pending = (first, repeated)
        value_type = attrs.get(VALUE_TYPE)
        if value_type is not None or FORMULA in attrs:
            self._count(first, repeated)
            if value_type == "percentage":
                self._percent(first, repeated)
        if attrs.get(ERROR_TYPE) == "error":  # LibreOffice: calcext:value-type="error"
            self.error_at, self.error_text = (self.row, first), ""
            self.parser.CharacterDataHandler = self._error_text
        if ROWS_SPANNED in attrs or COLUMNS_SPANNED in attrs:
            rows, cols = _count(attrs.get(ROWS_SPANNED)), _count(attrs.get(COLUMNS_SPANNED))
            if (rows, cols) != (1, 1):
                self.sheet.merges.append(((self.row, first),
                                          (self.row + rows - 1, first + cols - 1)))

    def _error_text(self, data: str) -> None:
        self.error_text += data

    def _end_error(self) -> None:
        if self.error_at is not None:
            self.sheet.error_cells[self.error_at] = self.error_text.strip()[:20] or "#N/A"
        self.error_at = None
        self.parser.CharacterDataHandler = None

    def finish(self) -> None:
        if self.error_at is not None:
            self._end_error()

    def _count(self, first: int, repeated: int) -> None:
        """The cell holds something: the sheet's extent reaches its last repeat."""
        self.pending = None
        rows, cols, sheet = self.row + self.rows_repeated, first + repeated, self.sheet
        if rows > sheet.max_row or cols > sheet.max_col:  # else checked already
            check_extent(sheet, self.limits, rows, cols)

    def _percent(self, first: int, repeated: int) -> None:
        cells = self.sheet.percent_cells
        if len(cells) + repeated * self.rows_repeated > MAX_PERCENT_CELLS:
            raise UnreadableFile("sheet_too_large", f"{self.sheet.name}: "
                                 f"{len(cells) + repeated * self.rows_repeated} ô phần trăm")
        cells.update((r, c) for r in range(self.row, self.row + self.rows_repeated)
                     for c in range(first, first + repeated))


def _count(value: str | None) -> int:
    """A repeat or span count: at least 1 (``int`` refuses non-numbers: corrupt_xml)."""
    return max(1, int(value)) if value else 1
