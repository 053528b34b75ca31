"""Make the office-format fixtures of ``tests/fixtures/office/``.

Agencies send Excel 97-2003 ``.xls`` and LibreOffice ``.ods`` workbooks as often
as ``.xlsx``. The tests must read files really saved by those programs, so this
script takes planwatch's own template of one agency-month (``planwatch
templates``), fills it in as a clerk would (Vietnamese text with diacritics,
every task status, money in million VND, dates, a percentage shown with a %
format), saves it as ``filled.xlsx`` and has LibreOffice convert it, headless,
to ``.xls`` and ``.ods`` (and back to ``.xlsx``), and once more with the
disbursement rate a formula dividing by zero (``#DIV/0!``). Then it derives the hostile
files from those real ones: an ``.ods`` declaring a billion repeated rows, an
``.ods`` whose content carries a DTD, an ``.xls`` that is really an HTML page
(what web systems export), a truncated ``.xls``, an ``.xlsx`` renamed ``.xls``,
an ``.xls`` whose DIMENSIONS record claims 2^32 rows.

Only this script needs LibreOffice (Debian: ``apt-get install libreoffice-calc``);
the tests read the committed files::

    .venv/bin/python scripts/make_office_fixtures.py [--out tests/fixtures/office]

The values typed in are fixed; the programs stamp their save time into the files,
so a second run changes bytes, not content.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import re
import shutil
import struct
import subprocess
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from planwatch.catalog import load_catalog
from planwatch.vocabulary.templates import spec
from planwatch.workbooks.templates import build_template

REPO = Path(__file__).resolve().parents[1]
PLAN = "TTH-2024"
AGENCY = "SLDTBXH"  # it owes all three data sheets
PERIOD = "2024-06"
STEM = f"{AGENCY}_{PERIOD}"

# What the clerk types, row by row of each data sheet (field -> value).
TASKS: list[dict[str, Any]] = [
    {"status": "Hoàn thành", "percent_complete": 100,
     "completed_date": dt.datetime(2024, 5, 28),
     "result_text": "Đã đào tạo nghề cho 1.250 lao động; giải quyết việc làm mới cho "
                    "8.400 người, trong đó 620 người đi làm việc ở nước ngoài.",
     "issues_text": None, "proposals_text": None},
    {"status": "Hoàn thành quá hạn", "percent_complete": 100,
     "completed_date": dt.datetime(2024, 6, 10),
     "result_text": "Ban hành Kế hoạch phát triển nguồn nhân lực chất lượng cao "
                    "(chậm 10 ngày so với yêu cầu).",
     "issues_text": "Chờ ý kiến góp ý của các sở, ngành.", "proposals_text": None},
    {"status": "Đang thực hiện", "percent_complete": 62.5, "completed_date": None,
     "result_text": "Rà soát hộ nghèo, hộ cận nghèo giữa kỳ tại 9 huyện, thị xã, thành phố.",
     "issues_text": None, "proposals_text": "Đề nghị UBND tỉnh bổ sung kinh phí rà soát."},
    {"status": "Đang thực hiện, chậm tiến độ", "percent_complete": 35,
     "completed_date": None,
     "result_text": "Chi trả trợ cấp ưu đãi người có công tháng 5, tháng 6.",
     "issues_text": "Dữ liệu người có công chưa được số hóa đầy đủ; thiếu cán bộ ở cấp xã.",
     "proposals_text": "Đề nghị Sở Thông tin và Truyền thông hỗ trợ kết nối dữ liệu."},
    {"status": "Chưa thực hiện", "percent_complete": 0, "completed_date": None,
     "result_text": None, "issues_text": "Chưa bố trí được nguồn vốn.",
     "proposals_text": None},
    {"status": "Thường xuyên", "percent_complete": None, "completed_date": None,
     "result_text": "Kiểm tra, đôn đốc giải ngân CTMTQG giảm nghèo bền vững tại huyện "
                    "A Lưới, Nam Đông.",
     "issues_text": None, "proposals_text": None},
]
INDICATORS: list[dict[str, Any]] = [
    {"month_value": 0.12, "ytd_value": 1.76, "same_period_last_year": 2.35,
     "full_year_estimate": 1.7, "data_status": "Sơ bộ",
     "source_text": "Kết quả rà soát hộ nghèo giữa kỳ", "note": "Giảm 0,59 điểm %"},
]
DISBURSEMENT: list[dict[str, Any]] = [
    {"investor": "Ban Quản lý dự án ĐTXD các công trình dân dụng và công nghiệp tỉnh",
     "capital_source": "NSĐP", "annual_plan": 45_000, "carried_over_plan": 3_250.5,
     "month_disbursed": 2_150.75, "ytd_disbursed": 18_432.25,
     "reported_rate": 0.4096,  # shown as 40.96% (a % format), as Excel users do
     "issues_text": "Vướng mắc giải phóng mặt bằng phần đường vào; đã làm việc với "
                    "UBND huyện Phú Lộc."},
]
FILL = {"tasks": TASKS, "indicators": INDICATORS, "disbursement": DISBURSEMENT}
INFO = {"Người lập": "Nguyễn Thị Thuỷ", "Điện thoại": "0234 3822 456",
        "Email": "ntthuy.sldtbxh@thuathienhue.gov.vn"}


def filled_workbook(rate_formula: str | None = None) -> bytes:
    """The agency's template with the clerk's values typed in; ``rate_formula``: the
    disbursement rate as a formula instead (LibreOffice calculates it on conversion)."""
    catalog = load_catalog(REPO / "catalog", PLAN)
    book = load_workbook(io.BytesIO(build_template(catalog, AGENCY, PERIOD)))
    info = book["Thông tin"]
    for row in info.iter_rows(min_col=1, max_col=2):
        if row[0].value in INFO:
            row[1].value = INFO[row[0].value]
    for template, rows in FILL.items():
        template_spec = spec(template)
        sheet = book[template_spec.sheet_name_vi]
        header_row = next(r for r in range(1, sheet.max_row + 1)
                          if sheet.cell(r, 1).value == "STT")
        fields = [f.name for f in template_spec.fields]
        for offset, values in enumerate(rows, start=1):
            for name, value in values.items():
                cell = sheet.cell(header_row + offset, fields.index(name) + 1)
                cell.value = value
                if name == "reported_rate":
                    cell.number_format = "0.00%"
                    cell.value = rate_formula or value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def convert(source: Path, target_suffix: str, out_dir: Path, name: str = STEM) -> Path:
    """``soffice --headless --convert-to`` with a throw-away profile."""
    filters = {"xls": "xls:MS Excel 97", "ods": "ods", "xlsx": "xlsx:Calc MS Excel 2007 XML"}
    with tempfile.TemporaryDirectory() as work:
        subprocess.run(["soffice", f"-env:UserInstallation=file://{work}/profile", "--headless",
                        "--convert-to", filters[target_suffix], "--outdir", work, str(source)],
                       check=True, capture_output=True, timeout=180)
        produced = Path(work) / f"{source.stem}.{target_suffix}"
        target = out_dir / f"{name}.libreoffice.{target_suffix}"
        shutil.move(produced, target)
    return target


# -- hostile files, derived from the real ones -----------------------------------------


def ods_with(ods: bytes, edit: Any) -> bytes:
    """The .ods with its content.xml edited (the mimetype kept first and stored)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(ods)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "content.xml":
                data = edit(data)
            target.writestr(info, data)
    return out.getvalue()


def repeat_bomb(content: bytes) -> bytes:
    """A billion empty rows declared in one attribute, followed by a real cell:
    a reader that expands repeats before the cell allocates them all."""
    bomb = (b'<table:table-row table:number-rows-repeated="1000000000"><table:table-cell/>'
            b'</table:table-row><table:table-row><table:table-cell office:value-type="string">'
            b'<text:p>x</text:p></table:table-cell></table:table-row>')
    return content.replace(b"</table:table>", bomb + b"</table:table>", 2)


def entity_expansion(content: bytes) -> bytes:
    laughs = (b'<!DOCTYPE office:document-content [<!ENTITY a "haha">'
              + b"".join(b'<!ENTITY %c "%s">' % (98 + i, b"&%c;" % (97 + i) * 10)
                         for i in range(8)) + b"]>")
    content = re.sub(rb"^(<\?xml[^>]*\?>)", lambda m: m.group(1) + laughs, content)
    return content.replace(b"<text:p>STT</text:p>", b"<text:p>&i;</text:p>", 1)


def xls_claiming_huge_dimensions(xls: bytes) -> bytes:
    """Every worksheet's DIMENSIONS record (0x0200) says rows 0 to 2^32-1."""
    data = bytearray(xls)
    for match in re.finditer(rb"\x00\x02\x0e\x00", bytes(data)):
        at = match.start() + 4
        data[at + 4: at + 8] = struct.pack("<I", 0xFFFFFFFF)
    return bytes(data)


HTML_XLS = """<html xmlns:x="urn:schemas-microsoft-com:office:excel">
<head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>Báo cáo tiến độ nhiệm vụ</title></head><body>
<table border="1"><tr><th>STT</th><th>Mã nhiệm vụ</th><th>Tình trạng</th></tr>
<tr><td>1</td><td>NV-5.5-01</td><td>Hoàn thành</td></tr></table></body></html>
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "tests/fixtures/office")
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    filled = out / f"{STEM}.filled.xlsx"
    filled.write_bytes(filled_workbook())
    xls = convert(filled, "xls", out)
    ods = convert(filled, "ods", out)
    convert(filled, "xlsx", out)
    # The rate column as a formula dividing by zero: #DIV/0! as each format stores it.
    with tempfile.TemporaryDirectory() as work:
        div0 = Path(work) / f"{STEM}.div0.xlsx"
        div0.write_bytes(filled_workbook("=I6/0"))
        for suffix in ("xls", "ods"):
            convert(div0, suffix, out, f"{STEM}.div0")
    hostile = out / "hostile"
    hostile.mkdir(exist_ok=True)
    (hostile / "repeat_bomb.ods").write_bytes(ods_with(ods.read_bytes(), repeat_bomb))
    (hostile / "entities.ods").write_bytes(ods_with(ods.read_bytes(), entity_expansion))
    (hostile / "web_export.xls").write_bytes(HTML_XLS.encode("utf-8"))
    whole = xls.read_bytes()
    (hostile / "truncated.xls").write_bytes(whole[: len(whole) // 2])
    (hostile / "xlsx_renamed.xls").write_bytes(filled.read_bytes())
    (hostile / "huge_dimensions.xls").write_bytes(xls_claiming_huge_dimensions(whole))
    for path in sorted(out.rglob("*.*")):
        print(f"{path.relative_to(out)}  {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
