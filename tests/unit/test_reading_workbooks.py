"""Workbook details a person sees and the values alone do not say (no database).

Error cells, formulas saved without a result, hidden columns, subtotal rows in
their real-world shapes, codes merged down over rows, typographic dashes; and
broken files refused with a reason instead of crashing the reader.
"""

from __future__ import annotations

import io
import random
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from fixtures.corpus import (
    CASES,
    book,
    by_name,
    data,
    info,
    project,
    rewrite_zip,
    small_tasks_book,
    task,
    xlsx,
)

from planwatch.ingest.cells import CellReader
from planwatch.ingest.parse import parse_file
from planwatch.ingest.readers import FormulaWithoutValue, decode_csv, read_xlsx
from planwatch.ingest.sandbox import ParseSandbox
from planwatch.ingest.xlsx_inspect import UnreadableFile, inspect_xlsx
from planwatch.vocabulary.templates import spec
from planwatch.workbooks.layout import headers
from planwatch.workbooks.writing import Formula


def _column(template: str, field: str):
    return spec(template).field(field)


def _write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def _parse(tmp_path: Path, name: str, content: bytes):
    return parse_file(_write(tmp_path, name, content), name, max_bytes=1 << 20)


def _sheet_xml(cells: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
            'openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
            f'{cells}</row></sheetData></worksheet>').encode()


def test_error_cells_and_formulas_without_a_result_are_found(tmp_path: Path) -> None:
    cells = ('<c r="A1" t="e"><f>1/0</f><v>#DIV/0!</v></c>'  # an error result
             '<c r="B1" t="e"><v>#N/A</v></c>'  # an error typed in
             '<c r="C1"><f>SUM(D1:D2)</f><v/></c>'  # saved without a result
             '<c r="D1"><f t="shared" si="0"/></c>'  # shared formula, no result
             '<c r="E1" t="str"><f>IF(1,"",1)</f><v></v></c>'  # an empty text result
             '<c r="F1"><f>1+1</f><v>2</v></c>')
    content = rewrite_zip(small_tasks_book(), {"xl/worksheets/sheet2.xml": lambda _: _sheet_xml(
        cells)})
    path = _write(tmp_path, "f.xlsx", content)
    part = inspect_xlsx(path).sheets[1]
    assert part.error_cells == {(0, 0): "#DIV/0!", (0, 1): "#N/A"}
    assert part.uncalculated_cells == {(0, 2): "SUM(D1:D2)", (0, 3): ""}
    row = read_xlsx(path).sheets[1].rows[0]
    assert row[:2] == ["#DIV/0!", "#N/A"]  # calamine alone reads them as ""
    assert row[2:4] == [FormulaWithoutValue("=SUM(D1:D2)"), FormulaWithoutValue("=…")]
    assert row[4] is None and row[5] == 2.0


def test_an_error_or_unknown_result_is_told_not_read_as_blank() -> None:
    reader = CellReader("Giải ngân", {}, {})
    month = _column("disbursement", "month_disbursed")
    assert reader.read(month, "#REF!", 6, False) is None
    assert reader.read(month, FormulaWithoutValue("=G6-H6"), 7, False) is None
    assert reader.read(_column("tasks", "completed_date"), "#VALUE!", 8, False) is None
    assert reader.read(_column("disbursement", "investor"), FormulaWithoutValue("=A1"), 9,
                       False) is None  # text: unknown text is simply not there
    assert [(p.code, p.severity, p.row, p.value) for p in reader.problems] == [
        ("excel_error", "block", 6, "#REF!"),
        ("formula_not_calculated", "block", 7, "=G6-H6"),
        ("excel_error", "block", 8, "#VALUE!"),
    ]
    assert "=G6-H6" in reader.problems[1].message_vi


def test_a_recomputed_column_drops_what_it_cannot_read_with_a_warning() -> None:
    reader = CellReader("Giải ngân", {}, {})
    rate = _column("disbursement", "reported_rate")
    assert rate.recomputed
    assert reader.read(rate, "#DIV/0!", 5, False) is None
    assert reader.read(rate, "chưa tính", 6, False) is None
    assert reader.read(rate, 0.25, 7, True) == Decimal(25)
    assert [(p.code, p.severity, p.value) for p in reader.problems] == [
        ("recomputed_value_ignored", "warn", "#DIV/0!"),
        ("recomputed_value_ignored", "warn", "chưa tính"),
    ]


def test_codes_with_typographic_dashes_read_as_hyphens() -> None:
    reader = CellReader("Nhiệm vụ", {}, {})
    code = _column("tasks", "task_code")
    assert reader.read(code, "NV\u20138\u201305", 5, False) == "NV-8-05"
    assert reader.read(code, " NV\u22122.1\u201201 ", 5, False) == "NV-2.1-01"
    assert reader.problems == []


def test_hidden_columns_are_found(tmp_path: Path) -> None:
    sheet = data("tasks", [task("1", "NV-2.1-01")])
    sheet.hidden_columns = [2, 6]
    path = _write(tmp_path, "h.xlsx", xlsx(info("SKHDT"), sheet))
    assert read_xlsx(path).sheets[1].hidden_columns == {2, 6}


def test_subtotal_label_in_the_code_column_is_not_a_code(tmp_path: Path) -> None:
    headers = ["Mã dự án", "Nguồn vốn", "Kế hoạch vốn năm", "Lũy kế giải ngân"]
    parsed = _parse(tmp_path, "s.xlsx", book("SDL", data("disbursement", [
        ["TỔNG CỘNG", None, 300, 120], ["DA-23", "NSĐP", 300, 120]], headers=headers)))
    (sheet,) = parsed.sheets
    assert [r["project_code"] for r in sheet.rows] == ["DA-23"] and sheet.skipped_rows == 1


def test_lines_detailing_a_subtotal_are_left_out_with_it(tmp_path: Path) -> None:
    parsed = _parse(tmp_path, "b.xlsx", book("SXD", data("disbursement", [
        [None, None, "TỔNG CỘNG", None, None, 3000, 0, 150, 1200, 40, None],
        [None, None, "Trong đó:", None, None, None, None, None, None, None, None],
        ["-", None, "Vốn NSTW", None, "NSTW", 2000, 0, 100, 800, 40, None],
        [None, None, "- Vốn NSĐP", None, "NSĐP", 1000, 0, 50, 400, 40, None],
        project("1", "DA-16", "NSTW", 2000, 800),
        # A numbered row without a code is a row of its own (its code is missing),
        # even right after a subtotal.
        [None, None, "Tổng số", None, None, 1000, 0, 0, 400, 40, None],
        ["2", None, "Dự án chưa có mã", None, "NSĐP", 1000, 0, 0, 400, 40, None],
    ], headers=headers("disbursement"))))
    (sheet,) = parsed.sheets
    assert [(r["row_label"], r["project_code"]) for r in sheet.rows] == [
        ("1", "DA-16"), ("2", None)]
    assert sheet.skipped_rows == 4


def test_a_code_merged_down_belongs_to_every_row_it_spans(tmp_path: Path) -> None:
    sheet = data("disbursement", [
        project("1", "DA-16", "NSTW", 1000, 100, investor="Ban QLDA"),
        [None, None, None, None, "NSĐP", 500, None, None, 50, None, None],
    ], headers=headers("disbursement"))
    sheet.merges = [(4, 1, 5, 1, "DA-16"), (4, 3, 5, 3, "Ban QLDA"),
                    (4, 5, 5, 5, "")]  # a merged number is not copied
    parsed = _parse(tmp_path, "m.xlsx", book("SGTVT", sheet))
    (read,) = parsed.sheets
    assert [(r["project_code"], r["investor"], r["capital_source"], r["annual_plan_vnd"])
            for r in read.rows] == [("DA-16", "Ban QLDA", "NSTW", None),
                                    ("DA-16", "Ban QLDA", "NSĐP", None)]


def test_error_cell_in_a_workbook_rejects_with_its_own_reason(tmp_path: Path) -> None:
    parsed = _parse(tmp_path, "e.xlsx", book("SCT", data("disbursement", [
        project("1", "DA-31", "NSĐP", 3000, 1000, month=Formula("=#REF!", "#REF!")),
    ], headers=headers("disbursement"))))
    (sheet,) = parsed.sheets
    assert [(p.code, p.value) for p in sheet.problems] == [("excel_error", "#REF!")]



# -- broken files refused with a reason, never a reader crash ----------------------


@pytest.mark.parametrize(("case", "code"), [
    ("shared_strings_claim_bomb", "corrupt_xml"),  # calamine would reserve ~24 GB and abort
    ("zip_needing_a_newer_unzip", "corrupt_zip"),  # zipfile: NotImplementedError
    ("xml_part_in_an_unknown_encoding", "corrupt_xml"),  # expat: LookupError
])
def test_broken_parts_are_refused_by_the_inspector(tmp_path: Path, case: str, code: str) -> None:
    path = _write(tmp_path, "b.xlsx", by_name(case).build())
    with pytest.raises(UnreadableFile) as refused:
        inspect_xlsx(path)
    assert refused.value.code == code


def test_a_number_attribute_that_is_not_a_number_is_corrupt_xml(tmp_path: Path) -> None:
    content = rewrite_zip(small_tasks_book(), {"xl/worksheets/sheet2.xml": lambda xml: re.sub(
        rb'<row r="\d+"', b'<row r="abc"', xml, count=1)})
    with pytest.raises(UnreadableFile) as refused:
        inspect_xlsx(_write(tmp_path, "r.xlsx", content))
    assert refused.value.code == "corrupt_xml"


def test_a_csv_whose_bom_lies_is_refused_naming_the_line() -> None:
    with pytest.raises(UnreadableFile) as refused:
        decode_csv(by_name("csv_with_two_encodings").build())
    assert (refused.value.code, refused.value.detail) == ("csv_encoding_broken", "3")
    with pytest.raises(UnreadableFile):
        decode_csv(b"\xff\xfe" + "STT;Mã".encode("utf-16-le") + b"\x00")  # odd length
    assert decode_csv(b"\xef\xbb\xbfSTT;M\xc3\xa3") == ("STT;Mã", "utf-8-sig")


def _mutations(seed: int, count: int):
    """Seeded damage to real workbooks: junk numbers and names in attributes, cut
    elements, flipped bytes, truncation."""
    rng = random.Random(seed)
    bases = [c.build() for c in CASES
             if c.path.endswith(".xlsx") and c.expected.status != "rejected"]
    junk = ["", "abc", "-1", "0", "99999999999", "A0", "ZZZZ1", "1.5", "XFD1048577", "é",
            "A1:XFD1048576", "2147483648", "1048576", "%"]
    for _ in range(count):
        data = rng.choice(bases)
        how = rng.randrange(4)
        if how == 0:  # flipped bytes anywhere
            damaged = bytearray(data)
            for _ in range(rng.randrange(1, 5)):
                damaged[rng.randrange(len(damaged))] = rng.randrange(256)
            yield bytes(damaged)
        elif how == 1:
            yield data[: rng.randrange(len(data))]
        else:
            names = [n for n in zipfile.ZipFile(io.BytesIO(data)).namelist()
                     if n.endswith((".xml", ".rels"))]

            def damage(xml: bytes, cut: bool = how == 3) -> bytes:
                text = xml.decode()
                for _ in range(rng.randrange(1, 4)):
                    if cut and (tags := list(re.finditer(r"<\w+[ />]", text))):
                        at = rng.choice(tags).start()
                        text = text[:at] + text[at + rng.randrange(1, 40):]
                    elif attrs := list(re.finditer(r'\w+="([^"]*)"', text)):
                        m = rng.choice(attrs)
                        text = text[:m.start(1)] + rng.choice(junk) + text[m.end(1):]
                return text.encode()

            yield rewrite_zip(data, {rng.choice(names): damage})


def test_damaged_workbooks_are_read_or_refused_never_a_reader_fault(tmp_path: Path) -> None:
    path = tmp_path / "damaged.xlsx"
    faults = []
    with ParseSandbox(memory_mb=1024, timeout_s=60, max_bytes=1 << 20) as sandbox:
        for i, content in enumerate(_mutations(20240615, 150)):
            path.write_bytes(content)
            codes = {p.code for p in sandbox.parse(path, path.name).problems}
            if codes & {"parse_failed", "parse_crashed", "parse_timeout"}:
                faults.append((i, sorted(codes)))
    assert faults == []
