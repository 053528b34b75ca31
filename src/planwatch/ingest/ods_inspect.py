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
    check_zip_sizes,
    local_name,
    scan_xml,
    sniff_kind,
)

ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
# Percent cells kept per sheet: a real report has a column of them; a file
# claiming more is refused rather than remembered cell by cell.
MAX_PERCENT_CELLS = 100_000

def inspect_ods(path: Path, limits: Limits = DEFAULT_LIMITS) -> list[SheetPart]:
    """The sheets of an .ods, in order; ``UnreadableFile`` if it is not safe to read."""
    with path.open("rb") as handle:
        kind = sniff_kind(handle.read(8))
    if kind != "zip":
        raise UnreadableFile("not_ods", kind)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, NotImplementedError) as exc:
        raise UnreadableFile("corrupt_zip", str(exc)) from None
    with archive:
        check_zip_sizes(archive, limits)
        names = set(archive.namelist())
        if "xl/workbook.xml" in names:
            raise UnreadableFile("not_ods", "xlsx")
        if "content.xml" not in names or not _is_spreadsheet(archive, names):
            raise UnreadableFile("not_ods", "zip")
        for name in sorted(names - {"content.xml"}):
            if name.endswith((".xml", ".rdf")):
                scan_xml(archive, name, limits, XmlCollector())  # DTDs refused
        collector = _ContentCollector(limits)
        scan_xml(archive, "content.xml", limits, collector)
    return collector.sheets


def _is_spreadsheet(archive: zipfile.ZipFile, names: set[str]) -> bool:
    """The ``mimetype`` member says spreadsheet (a text document or a slide show
    renamed .ods says otherwise); a zip without one is judged by its content."""
    if "mimetype" not in names:
        return True
    with archive.open("mimetype") as member:
        return member.read(200).strip() == ODS_MIMETYPE


class _ContentCollector(XmlCollector):
    """Each sheet's extent, percent cells, merges and hidden columns, from
    ``content.xml``: ``<table:table>`` holds ``<table:table-column>`` and
    ``<table:table-row>``s of ``<table:table-cell>``/``<table:covered-table-cell>``."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.sheets: list[SheetPart] = []
        self.sheet: SheetPart | None = None
        self.row = self.next_row = self.rows_repeated = 0
        self.col = self.next_column_def = 0
        # The cell being read and not yet counted: (first column, columns repeated).
        self.pending: tuple[int, int] | None = None
        # An error cell (#DIV/0!: calamine reads it as empty) and its text so far.
        self.error_at: tuple[int, int] | None = None
        self.error_text = ""

    def start(self, name: str, attrs: dict[str, str]) -> None:
        tag = local_name(name)
        if self.error_at is not None and tag not in ("p", "span", "s"):  # its text
            self._end_error()
        if tag in ("table-cell", "covered-table-cell"):
            self._cell(_local_attrs(attrs))
            if any(v == "error" for k, v in attrs.items() if local_name(k) == "value-type"):
                self._watch_error()  # LibreOffice: calcext:value-type="error"
        elif tag == "p":  # a cell's text: something in it even without a value type
            if self.pending is not None:
                self._count(*self.pending)
        elif tag == "table-row":
            attrs = _local_attrs(attrs)
            self.row, self.col, self.pending = self.next_row, 0, None
            self.rows_repeated = _count_attr(attrs, "number-rows-repeated")
            self.next_row = self.row + self.rows_repeated
        elif tag == "table-column":
            attrs = _local_attrs(attrs)
            repeated = _count_attr(attrs, "number-columns-repeated")
            first, self.next_column_def = self.next_column_def, self.next_column_def + repeated
            if self.sheet is not None and attrs.get("visibility") == "collapse":
                last = min(self.next_column_def, self.limits.max_columns)
                self.sheet.hidden_columns.update(range(first, last))
        elif tag == "table" and self._in_body(attrs):
            self.sheet = SheetPart(_local_attrs(attrs)["name"], "content.xml", hidden=False)
            self.sheets.append(self.sheet)
            self.row = self.next_row = self.rows_repeated = self.col = 0
            self.next_column_def, self.pending = 0, None

    @staticmethod
    def _in_body(attrs: dict[str, str]) -> bool:
        """A sheet, not a table nested in a cell (``table:is-sub-table``)."""
        attrs = _local_attrs(attrs)
        return "name" in attrs and attrs.get("is-sub-table") != "true"

    def _cell(self, attrs: dict[str, str]) -> None:
        first, repeated = self.col, _count_attr(attrs, "number-columns-repeated")
        self.col += repeated
        self.pending = (first, repeated)
        if "value-type" in attrs or "formula" in attrs:
            self._count(first, repeated)
            if attrs.get("value-type") == "percentage" and self.sheet is not None:
                self._percent(first, repeated)
        spans = (_count_attr(attrs, "number-rows-spanned"),
                 _count_attr(attrs, "number-columns-spanned"))
        if spans != (1, 1) and self.sheet is not None:
            self.sheet.merges.append(((self.row, first),
                                      (self.row + spans[0] - 1, first + spans[1] - 1)))

    def _watch_error(self) -> None:
        self.error_at, self.error_text = (self.row, self.col - 1), ""
        self.parser.CharacterDataHandler = self._error_text

    def _error_text(self, data: str) -> None:
        self.error_text += data

    def _end_error(self) -> None:
        if self.sheet is not None and self.error_at is not None:
            self.sheet.error_cells[self.error_at] = self.error_text.strip()[:20] or "#N/A"
        self.error_at = None
        self.parser.CharacterDataHandler = None

    def finish(self) -> None:
        if self.error_at is not None:
            self._end_error()

    def _count(self, first: int, repeated: int) -> None:
        """The cell holds something: the sheet's extent reaches its last repeat."""
        self.pending = None
        if self.sheet is not None:
            check_extent(self.sheet, self.limits, self.row + self.rows_repeated,
                         first + repeated)

    def _percent(self, first: int, repeated: int) -> None:
        assert self.sheet is not None
        cells = self.sheet.percent_cells
        if len(cells) + repeated * self.rows_repeated > MAX_PERCENT_CELLS:
            raise UnreadableFile("sheet_too_large", f"{self.sheet.name}: "
                                 f"{len(cells) + repeated * self.rows_repeated} ô phần trăm")
        cells.update((r, c) for r in range(self.row, self.row + self.rows_repeated)
                     for c in range(first, first + repeated))


def _local_attrs(attrs: dict[str, str]) -> dict[str, str]:
    return {local_name(k): v for k, v in attrs.items()}


def _count_attr(attrs: dict[str, str], name: str) -> int:
    """A repeat or span count: at least 1 (``int`` refuses non-numbers: corrupt_xml)."""
    value = attrs.get(name)
    return max(1, int(value)) if value else 1
