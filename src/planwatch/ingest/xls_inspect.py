"""Look inside an .xls (Excel 97-2003) before python-calamine reads it.

An .xls is an OLE2 compound file (CFB) holding a ``Workbook`` stream (``Book``
in Excel 5/95 files) of BIFF records. Before calamine reads it, this module
checks, in pure Python (olefile for the container) and walking every record:

* the bytes are a compound file at all: an .xlsx or .ods renamed .xls, an HTML
  page or an XML spreadsheet saved as .xls (what web systems export), a text
  file: each is named, not guessed at;
* the container is whole (a truncated upload) and holds a workbook stream that
  is not encrypted (a password-protected workbook carries ``FILEPASS``);
* every sheet's declared extent (the ``DIMENSIONS`` record) and its real one
  (the rows and columns of its cell records) stay within the limits: calamine
  allocates the declared range up front, and a ``DIMENSIONS`` claiming 2^32
  rows aborts the whole process;
* the shared-string table claims no more strings than the limits allow.

On the way it collects what calamine does not expose: which number cells carry
a percent format (``XF`` -> ``FORMAT``), which hold an error (``#DIV/0!``),
which columns are hidden (``COLINFO``), and which sheets are hidden. Anything
wrong raises ``UnreadableFile`` with a problem code.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

from planwatch.ingest.xlsx_inspect import (
    DEFAULT_LIMITS,
    Limits,
    SheetPart,
    UnreadableFile,
    check_extent,
)

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# BIFF record types read here.
BOF, EOF, BOUNDSHEET, FILEPASS, FORMAT, XF, SST, CODEPAGE = (
    0x0809, 0x000A, 0x0085, 0x002F, 0x041E, 0x00E0, 0x00FC, 0x0042)
DIMENSIONS, COLINFO = 0x0200, 0x007D
NUMBER, RK, MULRK, FORMULA, BOOLERR = 0x0203, 0x027E, 0x00BD, 0x0006, 0x0205
LABEL, LABELSST, BLANK, MULBLANK, RSTRING = 0x0204, 0x00FD, 0x0201, 0x00BE, 0x00D6
# Cell records starting (row, column, XF index); MULRK and MULBLANK end with their last column.
CELLS = {NUMBER, RK, MULRK, FORMULA, BOOLERR, LABEL, LABELSST, BLANK, MULBLANK, RSTRING}
NUMERIC = {NUMBER, RK, FORMULA}
WORKSHEET = 0x0010
ERRORS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?",
          0x24: "#NUM!", 0x2A: "#N/A"}
_BUILTIN_PERCENT = {9, 10}
_QUOTED = re.compile(r'"[^"]*"|\\.')


def inspect_xls(path: Path, limits: Limits = DEFAULT_LIMITS) -> list[SheetPart]:
    """The worksheets of an .xls, in order; ``UnreadableFile`` if unsafe to read."""
    import olefile

    with path.open("rb") as handle:
        head = handle.read(512)
    if not head.startswith(OLE_MAGIC):
        raise UnreadableFile("not_xls", _what_it_is(head))
    try:
        with olefile.OleFileIO(str(path)) as container:
            streams = {"/".join(entry).lower(): entry for entry in container.listdir()}
            if "encryptedpackage" in streams:  # a password-protected .xlsx
                raise UnreadableFile("encrypted_file")
            entry = streams.get("workbook") or streams.get("book")
            if entry is None:
                raise UnreadableFile("not_xls", "ole")
            if container.get_size("/".join(entry)) > path.stat().st_size:
                raise UnreadableFile("corrupt_xls", "stream larger than the file")
            stream = container.openstream(entry).read()
    except UnreadableFile:
        raise
    except Exception as exc:  # olefile raises OSError, struct.error, IndexError... on damage
        raise UnreadableFile("corrupt_xls", f"{type(exc).__name__}: {exc}") from None
    return _Walk(limits).run(stream)


def _what_it_is(head: bytes) -> str:
    """What bytes that are not a compound file are (``not_xls``'s detail)."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith(b"pk\x03\x04"):
        return "zip"
    if start.startswith((b"<html", b"<!doctype html", b"<table", b"<meta")):
        return "html"
    if start.startswith(b"<?xml"):
        return "html" if b"<html" in head.lower() else "xml"
    if not head:
        return "empty"
    return "text" if b"\x00" not in head[:512] else "other"


class _Walk:
    """One pass over the BIFF records of a workbook stream."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.codepage = "cp1252"
        self.biff8 = True
        self.formats: dict[int, str] = {}
        self.xf_formats: list[int] = []
        self.percent_xfs: set[int] = set()
        self.sheets_at: dict[int, SheetPart] = {}  # BOF offset -> worksheet
        self.order: list[SheetPart] = []

    def run(self, stream: bytes) -> list[SheetPart]:
        # Substreams nest (a chart inside a worksheet): BOF opens one, EOF closes it.
        open_streams: list[SheetPart | None] = []
        sheet: SheetPart | None = None
        in_globals = True
        for offset, kind, data in _records(stream):
            if kind == BOF:
                version, substream = struct.unpack_from("<HH", data.ljust(4, b"\0"))
                if in_globals and not open_streams:
                    self.biff8 = version == 0x0600
                    sheet = None
                else:
                    sheet = self.sheets_at.get(offset) if substream == WORKSHEET else None
                open_streams.append(sheet)
            elif kind == EOF:
                if open_streams:
                    open_streams.pop()
                if in_globals:
                    in_globals = False
                    self._after_globals()
                sheet = open_streams[-1] if open_streams else None
            elif in_globals:
                self._global(kind, data)
            elif sheet is not None:
                self._sheet_record(sheet, kind, data)
        return self.order

    # -- the workbook globals -------------------------------------------------------

    def _global(self, kind: int, data: bytes) -> None:
        if kind == FILEPASS:
            raise UnreadableFile("encrypted_file")
        if kind == CODEPAGE and len(data) >= 2:
            page = struct.unpack_from("<H", data)[0]
            self.codepage = {1200: "utf-16-le", 367: "ascii", 10000: "mac_roman",
                             32768: "mac_roman", 32769: "cp1252"}.get(page, f"cp{page}")
        elif kind == FORMAT and len(data) >= 3:
            index = struct.unpack_from("<H", data)[0]
            self.formats[index] = self._string(data[2:], wide_length=self.biff8)
        elif kind == XF and len(data) >= 4:
            self.xf_formats.append(struct.unpack_from("<H", data, 2)[0])
        elif kind == SST and len(data) >= 8:
            claimed = struct.unpack_from("<I", data, 4)[0]
            if claimed > self.limits.max_cells:
                raise UnreadableFile("corrupt_xls", f"shared strings claim {claimed} strings")
        elif kind == BOUNDSHEET and len(data) >= 8:
            position, state, sheet_type = struct.unpack_from("<IBB", data)
            if sheet_type == 0:  # a worksheet (not a chart, macro or VBA sheet)
                part = SheetPart(self._string(data[6:], wide_length=False), "", state != 0)
                self.sheets_at[position] = part
                self.order.append(part)

    def _after_globals(self) -> None:
        percent_ids = _BUILTIN_PERCENT | {i for i, code in self.formats.items()
                                          if "%" in _QUOTED.sub("", code)}
        self.percent_xfs = {i for i, f in enumerate(self.xf_formats) if f in percent_ids}

    def _string(self, data: bytes, *, wide_length: bool) -> str:
        """A BIFF8 (XL)UnicodeString, or a BIFF5 byte string in the file's code page."""
        try:
            if wide_length:
                length, at = struct.unpack_from("<H", data)[0], 2
            else:
                length, at = data[0], 1
            if not self.biff8:
                return data[at: at + length].decode(self.codepage, errors="replace")
            flags = data[at]
            if flags & 0x01:
                return data[at + 1: at + 1 + 2 * length].decode("utf-16-le", errors="replace")
            return data[at + 1: at + 1 + length].decode("latin-1")
        except (IndexError, struct.error, LookupError):
            raise UnreadableFile("corrupt_xls", "a string record") from None

    # -- a worksheet -----------------------------------------------------------------

    def _sheet_record(self, sheet: SheetPart, kind: int, data: bytes) -> None:
        if kind in CELLS and len(data) >= 6:
            row, col, xf = struct.unpack_from("<HHH", data)
            last = col
            if kind in (MULRK, MULBLANK) and len(data) >= 6:
                last = struct.unpack_from("<H", data, len(data) - 2)[0]
            self._extent(sheet, row + 1, max(col, last) + 1)
            if kind in NUMERIC and xf in self.percent_xfs:
                sheet.percent_cells.add((row, col))
            elif kind == MULRK:
                for n, at in enumerate(range(4, len(data) - 2, 6)):
                    if struct.unpack_from("<H", data, at)[0] in self.percent_xfs:
                        sheet.percent_cells.add((row, col + n))
            if kind == BOOLERR and len(data) >= 8 and data[7] == 1:
                sheet.error_cells[(row, col)] = ERRORS.get(data[6], "#N/A")
            elif kind == FORMULA and len(data) >= 14 and data[12:14] == b"\xff\xff" \
                    and data[6] == 2:  # a formula whose cached result is an error
                sheet.error_cells[(row, col)] = ERRORS.get(data[8], "#N/A")
        elif kind == DIMENSIONS:
            if len(data) >= 14:  # BIFF8: first row, last row + 1 (32 bit), columns (16 bit)
                _, rows, _, cols = struct.unpack_from("<IIHH", data)
            elif len(data) >= 8:
                _, rows, _, cols = struct.unpack_from("<HHHH", data)
            else:
                return
            self._extent(sheet, rows, cols, declared=True)
        elif kind == COLINFO and len(data) >= 10:
            first, last, _, _, options = struct.unpack_from("<HHHHH", data)
            if options & 0x0001:
                sheet.hidden_columns.update(range(first, min(last + 1, self.limits.max_columns)))

    def _extent(self, sheet: SheetPart, rows: int, cols: int, declared: bool = False) -> None:
        check_extent(sheet, self.limits, rows, cols, declared=declared)


def _records(stream: bytes):
    """(offset, type, data) of each BIFF record; a record cut short is damage."""
    at, size = 0, len(stream)
    while at + 4 <= size:
        kind, length = struct.unpack_from("<HH", stream, at)
        if at + 4 + length > size:
            raise UnreadableFile("corrupt_xls", f"record 0x{kind:04X} cut short at {at}")
        yield at, kind, stream[at + 4: at + 4 + length]
        at += 4 + length
