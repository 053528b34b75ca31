""".xls and .ods as agencies send them: files really saved by LibreOffice (no database).

``tests/fixtures/office/`` holds planwatch's own template of one agency-month,
filled in, and what LibreOffice made of it (``scripts/make_office_fixtures.py``):
Excel 97-2003 (BIFF8), OpenDocument, and Office Open XML again. Each must read to
exactly the rows the filled .xlsx reads to. The hostile files beside them must be
refused with their reason, before the native reader runs, inside the sandbox.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import resource
import struct
import subprocess
import sys
import time
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from planwatch.ingest.ods_inspect import inspect_ods
from planwatch.ingest.parse import parse_file
from planwatch.ingest.readers import read_ods, read_xls
from planwatch.ingest.sandbox import ParseSandbox
from planwatch.ingest.xls_inspect import inspect_xls
from planwatch.ingest.xlsx_inspect import Limits, UnreadableFile
from planwatch.vocabulary.parsed import ParsedFile

OFFICE = Path(__file__).resolve().parents[1] / "fixtures" / "office"
STEM = "SLDTBXH_2024-06"
FILLED = OFFICE / f"{STEM}.filled.xlsx"
SAVED = {kind: OFFICE / f"{STEM}.libreoffice.{kind}" for kind in ("xls", "ods", "xlsx")}
MAX_BYTES = 10 << 20

# hostile file -> (problem code, what the clerk's message must say)
HOSTILE = {
    "repeat_bomb.ods": ("sheet_too_large", "1001048577 dòng"),
    "entities.ods": ("xml_entities", "DOCTYPE/ENTITY"),
    "huge_dimensions.xls": ("sheet_too_large", "4294967295 dòng x 2 cột, theo khai báo"),
    "truncated.xls": ("corrupt_xls", "bị hỏng hoặc không đầy đủ"),
    "web_export.xls": ("not_xls", "trang web (HTML)"),
    "xlsx_renamed.xls": ("not_xls", "tệp .xlsx hoặc .ods bị đổi đuôi"),
}


def _parse(path: Path, name: str | None = None) -> ParsedFile:
    return parse_file(path, name or path.name.replace(".libreoffice", ""), max_bytes=MAX_BYTES)


def _codes(parsed: ParsedFile) -> list[str]:
    return [p.code for p in parsed.problems]


@pytest.fixture(scope="module")
def filled() -> ParsedFile:
    parsed = _parse(FILLED)
    assert _codes(parsed) == [] and all(not s.problems for s in parsed.sheets)
    return parsed


@pytest.mark.parametrize("kind", ["xls", "ods", "xlsx"])
def test_a_workbook_saved_by_libreoffice_reads_to_the_rows_of_the_filled_xlsx(
        kind: str, filled: ParsedFile) -> None:
    parsed = _parse(SAVED[kind])
    assert parsed.file_kind == kind and _codes(parsed) == []
    assert (parsed.agency_code, parsed.period, parsed.plan_code) == ("SLDTBXH", "2024-06",
                                                                      "TTH-2024")
    assert parsed.info == filled.info
    assert [(s.template, s.sheet_name, s.columns, s.skipped_rows) for s in parsed.sheets] == [
        (s.template, s.sheet_name, s.columns, s.skipped_rows) for s in filled.sheets]
    for sheet, expected in zip(parsed.sheets, filled.sheets, strict=True):
        assert sheet.problems == []
        assert sheet.rows == expected.rows  # every value, its type, its source row


@pytest.mark.parametrize("kind", ["xls", "ods"])
def test_the_values_a_clerk_typed_arrive_exact(kind: str) -> None:
    """Not only equal to the .xlsx: right. Dates (an .xls date is a serial number
    under a date format, an .ods date a typed cell), Vietnamese text (UTF-16 in
    BIFF8), money to exact VND, a fraction shown as a percentage, every status."""
    tasks, indicators, disbursement = _parse(SAVED[kind]).sheets
    assert [r["status"] for r in tasks.rows] == [
        "completed", "completed_late", "in_progress", "delayed", "not_started", "recurring"]
    assert [r["completed_date"] for r in tasks.rows[:2]] == [dt.date(2024, 5, 28),
                                                            dt.date(2024, 6, 10)]
    assert tasks.rows[2]["percent_complete"] == Decimal("62.5")
    assert tasks.rows[3]["issues_text"] == ("Dữ liệu người có công chưa được số hóa đầy đủ; "
                                            "thiếu cán bộ ở cấp xã.")
    assert indicators.rows[0]["ytd_value"] == Decimal("1.76")
    assert indicators.rows[0]["data_status"] == "preliminary"
    project = disbursement.rows[0]
    assert project["capital_source"] == "NSĐP" and project["capital_source_code"] == "NSDP"
    assert (project["annual_plan_vnd"], project["carried_over_plan_vnd"],
            project["month_disbursed_vnd"], project["ytd_disbursed_vnd"]) == (
        45_000_000_000, 3_250_500_000, 2_150_750_000, 18_432_250_000)
    assert project["reported_rate"] == Decimal("40.96")  # 0.4096 shown as 40.96%


@pytest.mark.parametrize("read", [read_xls, read_ods])
def test_what_the_values_alone_do_not_say_is_kept(read) -> None:
    kind = "xls" if read is read_xls else "ods"
    book = read(SAVED[kind])
    sheets = {s.name: s for s in book.sheets}
    assert book.kind == kind
    assert [n for n, s in sheets.items() if s.hidden] == ["Danh mục"]  # the drop-down lists
    assert sheets["Giải ngân"].percent_cells == {(5, 9)}
    assert ((0, 0), (0, 8)) in sheets["Nhiệm vụ"].merges  # the title merged over the table


@pytest.mark.parametrize("kind", ["xls", "ods"])
def test_an_error_cell_is_told_not_read_as_blank(kind: str) -> None:
    """The disbursement rate as a formula dividing by zero, calculated and saved by
    LibreOffice: calamine reads #DIV/0! as an empty cell; the clerk is told."""
    path = OFFICE / f"{STEM}.div0.libreoffice.{kind}"
    disbursement = parse_file(path, f"{STEM}.{kind}", max_bytes=MAX_BYTES).sheets[2]
    assert [(p.code, p.value, p.row) for p in disbursement.problems] == [
        ("recomputed_value_ignored", "#DIV/0!", 6)]
    assert disbursement.rows[0]["reported_rate"] is None


def test_libreoffices_million_declared_empty_rows_are_not_counted() -> None:
    """LibreOffice writes the empty rest of every sheet as repeats (over a million
    rows, 16,384 columns): what counts is where the cells with content end."""
    content = zipfile.ZipFile(SAVED["ods"]).read("content.xml")
    assert re.search(rb'number-rows-repeated="10\d{5}"', content)
    assert re.search(rb'number-columns-repeated="16384"', content)
    extents = {s.name: (s.max_row, s.max_col) for s in inspect_ods(SAVED["ods"])}
    assert extents["Nhiệm vụ"] == (11, 9) and extents["Giải ngân"] == (6, 11)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_file_is_refused_with_its_reason(name: str) -> None:
    code, said = HOSTILE[name]
    parsed = _parse(OFFICE / "hostile" / name, f"SLDTBXH_2024-06{Path(name).suffix}")
    assert _codes(parsed) == [code] and not parsed.sheets
    problem = parsed.problems[0]
    assert problem.severity == "block" and said in problem.message_vi and problem.fix_vi


def test_hostile_files_are_refused_in_the_sandbox_quickly_and_the_child_lives_on() -> None:
    """Within the limits the service runs with: every one refused before any native
    reader runs, so the child process survives and reads a real file next."""
    with ParseSandbox(memory_mb=1024, timeout_s=60, max_bytes=MAX_BYTES) as sandbox:
        started = time.monotonic()
        found = {name: _codes(sandbox.parse(OFFICE / "hostile" / name, f"X_2024-06.{name}"))
                 for name in sorted(HOSTILE)}
        seconds = time.monotonic() - started
        child = sandbox._child
        again = sandbox.parse(SAVED["ods"], f"{STEM}.ods")
        assert sandbox._child is child and child is not None and child.poll() is None
    assert found == {name: [code] for name, (code, _) in HOSTILE.items()}
    assert _codes(again) == [] and len(again.sheets) == 3
    assert seconds < 10, f"{seconds:.1f} s"


def _limit_memory() -> None:
    limit = 1 << 30
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def test_the_native_reader_alone_would_abort_on_the_huge_dimensions_xls() -> None:
    """Why the .xls inspector reads DIMENSIONS: python-calamine reserves the range it
    declares (2^32 rows here) and aborts the process, which no ``try`` can catch."""
    code = ("import sys; from python_calamine import CalamineWorkbook; "
            "CalamineWorkbook.from_path(sys.argv[1])")
    run = subprocess.run([sys.executable, "-c", code, str(OFFICE / "hostile/huge_dimensions.xls")],
                         capture_output=True, preexec_fn=_limit_memory, timeout=60,
                         env={**os.environ, "RUST_BACKTRACE": "0"})
    assert run.returncode != 0 and b"memory allocation" in run.stderr


def _ods_with(tmp_path: Path, edit) -> Path:
    out = io.BytesIO()
    with zipfile.ZipFile(SAVED["ods"]) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info, edit(data) if info.filename == "content.xml" else data)
    path = tmp_path / f"{STEM}.ods"
    path.write_bytes(out.getvalue())
    return path


def test_a_value_cell_repeated_past_the_limits_is_refused(tmp_path: Path) -> None:
    """One typed cell repeated 400 columns across and 20,000 rows down: 8 million
    cells in a few bytes."""
    def repeat(content: bytes) -> bytes:
        return content.replace(b'<table:table-cell table:style-name="ce2" office:value-type=',
                               b'<table:table-cell table:number-columns-repeated="400" '
                               b'table:style-name="ce2" office:value-type=', 1).replace(
            b"<table:table-row ", b'<table:table-row table:number-rows-repeated="20000" ', 1)

    path = _ods_with(tmp_path, repeat)
    with pytest.raises(UnreadableFile) as refused:
        inspect_ods(path)
    assert refused.value.code == "sheet_too_large" and "20000 dòng x 401 cột" in str(refused.value)


def test_an_xlsx_renamed_ods_or_another_document_is_named(tmp_path: Path) -> None:
    renamed = tmp_path / "a.ods"
    renamed.write_bytes(FILLED.read_bytes())
    odt = tmp_path / "b.ods"
    with zipfile.ZipFile(odt, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    for path, detail in ((renamed, "xlsx"), (odt, "zip")):
        parsed = _parse(path, f"{STEM}.ods")
        assert _codes(parsed) == ["not_ods"], detail
        assert "không phải bảng tính LibreOffice" in parsed.problems[0].message_vi


def _xls_patched(tmp_path: Path, record: int, edit) -> Path:
    """The saved .xls with the first record of a type edited in place (same length)."""
    data = bytearray(SAVED["xls"].read_bytes())
    start = 0
    while True:  # the workbook stream starts at a BOF; records follow one another
        at = data.index(b"\x09\x08", start)
        if data[at + 4: at + 6] == b"\x00\x06":
            break
        start = at + 1
    while True:
        kind, length = struct.unpack_from("<HH", data, at)
        if kind == record:
            data[at: at + 4 + length] = edit(bytes(data[at: at + 4 + length]))
            break
        at += 4 + length
    path = tmp_path / f"{STEM}.xls"
    path.write_bytes(bytes(data))
    return path


def test_an_xls_in_the_1904_date_system_reads_its_dates_by_it(tmp_path: Path) -> None:
    """Excel for Mac wrote serials from 1904 (the DATEMODE record): the same serial
    is a date 1462 days later."""
    path = _xls_patched(tmp_path, 0x0022, lambda r: r[:4] + b"\x01\x00")
    tasks = parse_file(path, path.name, max_bytes=MAX_BYTES).sheets[0]
    assert tasks.rows[0]["completed_date"] == dt.date(2024, 5, 28) + dt.timedelta(days=1462)


def test_a_password_protected_xls_is_told_as_such(tmp_path: Path) -> None:
    """An encrypted workbook carries FILEPASS among its globals."""
    path = _xls_patched(tmp_path, 0x005C, lambda r: b"\x2f\x00" + r[2:])  # WRITEACCESS
    parsed = parse_file(path, path.name, max_bytes=MAX_BYTES)
    assert _codes(parsed) == ["encrypted_file"] and "mật khẩu" in parsed.problems[0].message_vi


def test_an_xls_cell_beyond_the_limits_is_refused_whatever_dimensions_says(
        tmp_path: Path) -> None:
    """The extent is also that of the cell records themselves."""
    path = _xls_patched(tmp_path, 0x00FD, lambda r: r[:4] + struct.pack("<H", 5000) + r[6:])
    assert max(s.max_row for s in inspect_xls(path)) == 5001  # 0-based row 5000
    with pytest.raises(UnreadableFile) as refused:
        inspect_xls(path, Limits(max_rows=1000))
    assert refused.value.code == "sheet_too_large" and "5001 dòng" in str(refused.value)
