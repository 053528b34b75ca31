"""Look inside an .xlsx before any spreadsheet library touches it.

An .xlsx is a zip of XML parts. Before python-calamine reads it (fast, but a
native library that aborts the whole process on an absurd sheet size), this
module checks, with the standard library only and streaming every part:

* the bytes are a zip at all (not an old .xls, an encrypted workbook, HTML);
* the zip is whole (no truncation, CRCs right) and not a bomb: declared and
  actual sizes and the compression ratio stay within limits;
* no XML part carries a DTD (entity expansion);
* every worksheet's real extent (its cells, not only its ``<dimension>``)
  stays within limits, and the shared-strings table claims no more strings
  than that (calamine allocates room for the claimed number up front).

Those checks are what stands between a crafted file and a native abort: the
``<dimension>``, spans and merge ranges were tried and calamine does not
allocate from them.

On the way it collects what calamine does not expose: which cells carry a
percent number format (``0.0176`` shown as ``1.76%``), which columns are
hidden (a clerk hides last month's column beside this month's), which cells hold an
Excel error (``#DIV/0!``: calamine reads it as an empty string), which formula
cells were saved without a result (calamine drops them), and which sheets map
to which part. Anything wrong raises ``UnreadableFile`` with a problem code.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.parsers import expat

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, or an encrypted .xlsx
ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class Limits:
    max_members: int = 2_000
    max_uncompressed_bytes: int = 300 * 1024 * 1024
    max_ratio: float = 200.0  # per member, for members above 1 MiB uncompressed
    max_rows: int = 200_000
    max_columns: int = 500
    max_cells: int = 5_000_000


DEFAULT_LIMITS = Limits()


class UnreadableFile(Exception):
    """The file cannot be read safely; ``code`` names why (see parse messages)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass
class SheetPart:
    name: str
    part: str
    hidden: bool
    max_row: int = 0  # 1-based extent of the cells present
    max_col: int = 0
    percent_cells: set[tuple[int, int]] = field(default_factory=set)  # 0-based (row, col)
    hidden_columns: set[int] = field(default_factory=set)  # 0-based
    error_cells: dict[tuple[int, int], str] = field(default_factory=dict)  # -> "#DIV/0!"
    uncalculated_cells: dict[tuple[int, int], str] = field(default_factory=dict)  # -> formula
    # 0-based ((first row, first column), (last row, last column)), where the reader
    # does not give them (.ods)
    merges: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)


@dataclass
class XlsxInfo:
    sheets: list[SheetPart]

    def sheet(self, name: str) -> SheetPart | None:
        return next((s for s in self.sheets if s.name == name), None)


def sniff_kind(head: bytes) -> str:
    """``zip``, ``ole`` (.xls or encrypted), ``html``, ``empty`` or ``other``."""
    if not head:
        return "empty"
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head.startswith(OLE_MAGIC):
        return "ole"
    if head.lstrip()[:15].lower().startswith((b"<html", b"<!doctype html", b"<?xml")):
        return "html"
    return "other"


def open_zip(path: Path, limits: Limits, *, not_zip: str,
             if_ole: str | None = None) -> zipfile.ZipFile:
    """A zipped workbook (.xlsx, .ods) opened, its members' sizes checked
    (``check_zip_sizes``); ``UnreadableFile(not_zip)`` when the bytes are no zip
    (``if_ole`` when they are an OLE file: an .xls or an encrypted workbook)."""
    with path.open("rb") as handle:
        kind = sniff_kind(handle.read(8))
    if kind == "ole" and if_ole:
        raise UnreadableFile(if_ole)
    if kind != "zip":
        raise UnreadableFile(not_zip, kind)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, NotImplementedError) as exc:
        # NotImplementedError: a zip version or compression method no Excel writes
        raise UnreadableFile("corrupt_zip", str(exc)) from None
    try:
        check_zip_sizes(archive, limits)
    except BaseException:
        archive.close()
        raise
    return archive


def inspect_xlsx(path: Path, limits: Limits = DEFAULT_LIMITS) -> XlsxInfo:
    with open_zip(path, limits, not_zip="not_xlsx", if_ole="xls_or_encrypted") as archive:
        names = set(archive.namelist())
        if "xl/workbook.xml" not in names:
            raise UnreadableFile("not_xlsx", "no xl/workbook.xml")
        for name in sorted(names):
            if not name.endswith((".xml", ".rels")) or name.startswith("xl/worksheets/"):
                continue
            scan_xml(archive, name, limits, _PartCollector(limits))  # DTDs, shared strings
        sheets = _sheet_parts(archive)
        percent_styles = _percent_styles(archive) if "xl/styles.xml" in names else set()
        for sheet in sheets:
            if sheet.part not in names:
                raise UnreadableFile("corrupt_zip", f"missing part {sheet.part}")
            collector = _SheetCollector(sheet, percent_styles, limits)
            scan_xml(archive, sheet.part, limits, collector)
    return XlsxInfo(sheets)


def check_zip_sizes(archive: zipfile.ZipFile, limits: Limits) -> None:
    infos = archive.infolist()
    if len(infos) > limits.max_members:
        raise UnreadableFile("zip_bomb", f"{len(infos)} members")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise UnreadableFile("xls_or_encrypted", "encrypted zip member")
        total += info.file_size
        if info.file_size > 1024 * 1024 and info.file_size > limits.max_ratio * max(
            info.compress_size, 1
        ):
            raise UnreadableFile("zip_bomb", f"{info.filename} ratio")
    if total > limits.max_uncompressed_bytes:
        raise UnreadableFile("zip_bomb", f"{total} bytes uncompressed")


class XmlCollector:
    parser: Any = None  # the expat parser feeding it (set by ``scan_xml``)

    def start(self, name: str, attrs: dict[str, str]) -> None:  # noqa: B027 - optional hook
        pass

    def finish(self) -> None:  # noqa: B027 - optional hook
        pass


def scan_xml(archive: zipfile.ZipFile, member: str, limits: Limits,
             collector: XmlCollector, *, namespaces: bool = False) -> None:
    """Stream one XML part through expat: DTDs refused, actual size capped. With
    ``namespaces``, names reach the collector as ``<namespace URI> <local name>``."""
    parser = expat.ParserCreate(namespace_separator=" ") if namespaces else expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse_doctype(*_: object) -> None:
        raise UnreadableFile("xml_entities", member)

    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_doctype
    parser.StartElementHandler = collector.start
    collector.parser = parser
    declared = archive.getinfo(member).file_size
    read = 0
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(1 << 16):
                read += len(chunk)
                if read > declared or read > limits.max_uncompressed_bytes:
                    raise UnreadableFile("zip_bomb", f"{member} larger than declared")
                parser.Parse(chunk, False)
        parser.Parse(b"", True)
        collector.finish()
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise UnreadableFile("corrupt_zip", f"{member}: {exc}") from None
    except (expat.ExpatError, LookupError, ValueError) as exc:
        # LookupError: an unknown encoding; ValueError: a number attribute that is not one
        raise UnreadableFile("corrupt_xml", f"{member}: {exc}") from None


class _PartCollector(XmlCollector):
    def __init__(self, limits: Limits) -> None:
        self.limits = limits

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if local_name(name) == "sst":
            claimed = int(attrs.get("uniqueCount") or 0)
            if claimed > self.limits.max_cells:
                raise UnreadableFile("corrupt_xml", f"shared strings claim {claimed} strings")


@lru_cache(maxsize=256)  # a part uses a few dozen tag names, each met thousands of times
def local_name(name: str) -> str:
    return name.rsplit(":", 1)[-1].rsplit("}", 1)[-1]


def _sheet_parts(archive: zipfile.ZipFile) -> list[SheetPart]:
    """Sheet name -> worksheet part, from workbook.xml and its relationships."""
    rels: dict[str, str] = {}
    sheets: list[tuple[str, str, bool]] = []

    class Rels(XmlCollector):
        def start(self, name: str, attrs: dict[str, str]) -> None:
            if local_name(name) == "Relationship" and "Id" in attrs:
                target = attrs.get("Target", "")
                rels[attrs["Id"]] = (target.lstrip("/") if target.startswith("/")
                                     else posixpath.normpath(posixpath.join("xl", target)))

    class Book(XmlCollector):
        def start(self, name: str, attrs: dict[str, str]) -> None:
            if local_name(name) == "sheet":
                rid = next((v for k, v in attrs.items() if local_name(k) == "id"), "")
                sheets.append((attrs.get("name", ""), rid, attrs.get("state", "visible")
                               != "visible"))

    limits = DEFAULT_LIMITS
    if "xl/_rels/workbook.xml.rels" in archive.namelist():
        scan_xml(archive, "xl/_rels/workbook.xml.rels", limits, Rels())
    scan_xml(archive, "xl/workbook.xml", limits, Book())
    return [SheetPart(name, rels.get(rid, ""), hidden) for name, rid, hidden in sheets
            if rels.get(rid, "").startswith("xl/worksheets/")]


_BUILTIN_PERCENT = {9, 10}
_QUOTED = re.compile(r'"[^"]*"|\\.')


def _percent_styles(archive: zipfile.ZipFile) -> set[int]:
    """Indexes of cellXfs whose number format shows a percent."""
    custom: dict[int, str] = {}
    xf_formats: list[int] = []
    depth = {"cellXfs": False}

    class Styles(XmlCollector):
        def start(self, name: str, attrs: dict[str, str]) -> None:
            tag = local_name(name)
            if tag == "numFmt":
                custom[int(attrs.get("numFmtId", "-1"))] = attrs.get("formatCode", "")
            elif tag == "cellXfs":
                depth["cellXfs"] = True
            elif tag == "cellStyleXfs":
                depth["cellXfs"] = False
            elif tag == "xf" and depth["cellXfs"]:
                xf_formats.append(int(attrs.get("numFmtId", "0")))

    scan_xml(archive, "xl/styles.xml", DEFAULT_LIMITS, Styles())
    percent_ids = _BUILTIN_PERCENT | {
        fid for fid, code in custom.items() if "%" in _QUOTED.sub("", code)
    }
    return {i for i, fid in enumerate(xf_formats) if fid in percent_ids}


_CELL_REF = re.compile(r"^([A-Z]{1,3})(\d{1,7})$")


@lru_cache(maxsize=1024)  # at most 18,278 names (one to three letters); a sheet uses few
def column_index(letters: str) -> int:
    """``A`` -> 0, ``AB`` -> 27."""
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index - 1


class _SheetCollector(XmlCollector):
    """Extent, percent cells, hidden columns, error cells and formulas without a
    result of one sheet.

    A cell is ``<c r="B5" s="3" t="e"><f>I5/F5</f><v>#DIV/0!</v></c>``. Only a
    formula or error cell is watched: its text is collected (the character-data
    handler is on only then, every other cell costs one start event) and judged
    at the next element outside it, or at the sheet's end.
    """

    def __init__(self, sheet: SheetPart, percent_styles: set[int], limits: Limits) -> None:
        self.sheet = sheet
        self.percent_styles = {str(i) for i in percent_styles}
        self.limits = limits
        self.row = self.col = 0
        self.cell, self.cell_type = (0, 0), "n"  # 0-based, the last cell started
        self.watched: tuple[int, int] | None = None
        self.in_formula = False
        self.formula = self.value = ""

    def start(self, name: str, attrs: dict[str, str]) -> None:
        tag = local_name(name)
        if tag == "v":  # every value: the cheapest way out
            self.in_formula = False
            return
        if tag == "f":
            if self.watched is None:
                self._watch()
            self.in_formula = True
            return
        if self.watched is not None:
            self._end_watch()
        if tag == "c":
            sheet = self.sheet
            ref = _CELL_REF.match(attrs.get("r", ""))
            if ref:
                letters, digits = ref.groups()
                col, row = column_index(letters) + 1, int(digits)
            else:  # a cell without a reference follows the previous one
                col, row = self.col + 1, self.row
            self.col = col
            if row > sheet.max_row or col > sheet.max_col:  # else checked already
                self._check(row, col)
            cell_type = attrs.get("t", "n")
            self.cell, self.cell_type = (row - 1, col - 1), cell_type
            if cell_type == "e":
                self._watch()
            elif cell_type == "n" and attrs.get("s") in self.percent_styles:
                sheet.percent_cells.add(self.cell)
        elif tag == "row":
            self.row, self.col = int(attrs.get("r", self.row + 1)), 0
        elif tag == "col" and attrs.get("hidden") in ("1", "true"):
            first, last = int(attrs.get("min", 1)), int(attrs.get("max", 1))
            # "hide every column to the right" says max="16384": keep what can matter
            self.sheet.hidden_columns.update(range(first - 1, min(last, self.limits.max_columns)))

    def _watch(self) -> None:
        self.watched, self.formula, self.value = self.cell, "", ""
        self.parser.CharacterDataHandler = self._text

    def _text(self, data: str) -> None:
        if self.in_formula:
            self.formula += data
        else:
            self.value += data

    def finish(self) -> None:
        if self.watched is not None:
            self._end_watch()

    def _end_watch(self) -> None:
        cell, value = self.watched, self.value.strip()
        assert cell is not None
        if self.cell_type == "e":
            self.sheet.error_cells[cell] = value or "#N/A"
        elif not value and self.cell_type not in ("str", "inlineStr"):
            # A formula whose result was not saved (an empty text result is a result).
            self.sheet.uncalculated_cells[cell] = self.formula.strip()
        self.watched, self.in_formula = None, False
        self.parser.CharacterDataHandler = None

    def _check(self, row: int, col: int) -> None:
        check_extent(self.sheet, self.limits, row, col)


def check_extent(sheet: SheetPart, limits: Limits, rows: int, cols: int, *,
                 declared: bool = False) -> None:
    """The sheet's extent (1-based last row and column of the cells present) grown to
    reach ``rows`` x ``cols``, refused past the limits. A ``declared`` extent (what
    an .xls says its sheet spans) is checked, not kept. The same limits for every
    workbook format."""
    if not declared:
        sheet.max_row, sheet.max_col = max(sheet.max_row, rows), max(sheet.max_col, cols)
        rows, cols = sheet.max_row, sheet.max_col
    if rows > limits.max_rows or cols > limits.max_columns or rows * cols > limits.max_cells:
        said = ", theo khai báo trong tệp" if declared else ""
        raise UnreadableFile("sheet_too_large", f"{sheet.name}: {rows} dòng x {cols} cột{said}")
