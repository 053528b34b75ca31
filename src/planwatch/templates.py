"""Pre-filled monthly submission workbooks, one per agency (submission-format.md).

``write_templates(catalog, "2024-03", out_dir)`` writes ``<AGENCY>_2024-03.xlsx``
for every agency that leads at least one task, indicator or project. Each
workbook has the ``Thông tin`` sheet (key/value rows) and only the data sheets
the agency needs, pre-filled with its own catalog rows; the columns the agency
fills in are empty, with drop-down lists for statuses, data status and capital
source. The lists live in a hidden ``Danh mục`` sheet: a status such as
``Đang thực hiện, chậm tiến độ`` contains a comma, which an inline Excel list
would split in two.

The layout helpers here (:func:`write_info_sheet`, :func:`write_data_sheet`,
:func:`add_lists_sheet`) are shared with :mod:`planwatch.demo_data`.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from planwatch.catalog.seeds import Agency, Catalog, Indicator
from planwatch.ingest.model import DATA_STATUSES as DATA_STATUS_CODES
from planwatch.ingest.model import SHEET_NAMES_VI, TASK_STATUSES, Template
from planwatch.xlsx_writing import (
    Styled,
    Styles,
    close_to_bytes,
    column_letter,
    new_workbook,
    vn_number,
    write_cell,
    write_text,
)

# ------------------------------------------------------------ vocabulary ---

STATUS_VI: dict[str, str] = {code: text for text, code in TASK_STATUSES.items()}
DATA_STATUSES: tuple[str, ...] = tuple(DATA_STATUS_CODES)

CAPITAL_SOURCES: tuple[str, ...] = (
    "NSTW",
    "NSĐP",
    "ODA",
    "CTMTQG giảm nghèo bền vững",
    "CTMTQG xây dựng nông thôn mới",
    "CTMTQG phát triển KT-XH vùng đồng bào DTTS và miền núi",
    "Thu tiền sử dụng đất",
    "Xổ số kiến thiết",
)

INFO_KEYS: tuple[str, ...] = (
    "Mã đơn vị", "Tên đơn vị", "Kỳ báo cáo", "Ngày chốt số liệu", "Người lập",
    "Điện thoại", "Email",
)
INFO_SHEET = "Thông tin"
LISTS_SHEET = "Danh mục"
CUTOFF_DAY = 14  # ngày chốt số liệu

MONEY_UNITS: dict[str, str] = {"trieu": "triệu đồng", "ty": "tỷ đồng", "dong": "đồng"}


def disbursement_headers(money_unit: str = "triệu đồng") -> tuple[str, ...]:
    return (
        "STT", "Mã dự án", "Tên dự án", "Chủ đầu tư", "Nguồn vốn",
        f"Kế hoạch vốn năm ({money_unit})",
        f"Kế hoạch vốn kéo dài ({money_unit})",
        f"Giải ngân trong tháng ({money_unit})",
        f"Lũy kế giải ngân ({money_unit})",
        "Tỷ lệ giải ngân (%)",
        "Khó khăn, vướng mắc",
    )


HEADERS: dict[Template, tuple[str, ...]] = {
    "tasks": (
        "STT", "Mã nhiệm vụ", "Nội dung nhiệm vụ", "Tình trạng", "Tỷ lệ hoàn thành (%)",
        "Ngày hoàn thành", "Kết quả thực hiện", "Khó khăn, vướng mắc", "Đề xuất, kiến nghị",
    ),
    "indicators": (
        "STT", "Mã chỉ tiêu", "Tên chỉ tiêu", "Đơn vị tính", "Kế hoạch năm", "Thực hiện tháng",
        "Lũy kế từ đầu năm", "Cùng kỳ năm trước", "Ước cả năm", "Tính chất số liệu",
        "Nguồn số liệu", "Ghi chú",
    ),
    "disbursement": disbursement_headers(),
}

COLUMN_WIDTHS: dict[Template, tuple[float, ...]] = {
    "tasks": (6, 14, 60, 24, 12, 14, 50, 36, 36),
    "indicators": (6, 14, 44, 14, 16, 14, 14, 14, 14, 16, 24, 30),
    "disbursement": (6, 14, 50, 30, 22, 16, 16, 16, 16, 12, 40),
}

REPORT_TITLES: dict[Template, str] = {
    "tasks": "BÁO CÁO TIẾN ĐỘ THỰC HIỆN NHIỆM VỤ",
    "indicators": "BÁO CÁO KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU",
    "disbursement": "BÁO CÁO TÌNH HÌNH GIẢI NGÂN VỐN ĐẦU TƯ CÔNG",
}

# Column (by header) -> (list in the Danh mục sheet, reject other values?)
DROPDOWNS: dict[Template, dict[str, tuple[str, bool]]] = {
    "tasks": {"Tình trạng": ("statuses", True)},
    "indicators": {"Tính chất số liệu": ("data_statuses", True)},
    "disbursement": {"Nguồn vốn": ("capital_sources", False)},
}

# Rows below the pre-filled ones that still get the drop-downs (added rows).
SPARE_ROWS = 50

HEADER_PROPS = {
    "bold": True, "border": 1, "align": "center", "valign": "vcenter", "text_wrap": True,
    "bg_color": "#DDEBF7",
}
CELL_PROPS = {"border": 1, "valign": "top"}
WRAP_PROPS = {**CELL_PROPS, "text_wrap": True}
TEXT_PROPS = {**CELL_PROPS, "num_format": "@"}
MONEY_PROPS = {**CELL_PROPS, "num_format": "#,##0"}
NUMBER_PROPS = {**CELL_PROPS, "num_format": "#,##0.##"}
DATE_PROPS = {**CELL_PROPS, "num_format": "dd/mm/yyyy"}


# --------------------------------------------------------------- periods ---

_PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_period(period: str) -> tuple[int, int]:
    """``"2024-03"`` -> ``(2024, 3)``; ValueError for anything else."""
    match = _PERIOD_RE.match(period)
    if not match:
        raise ValueError(f"period must be YYYY-MM, got {period!r}")
    return int(match.group(1)), int(match.group(2))


def period_vi(year: int, month: int) -> str:
    """The period as written in files: ``MM/YYYY``."""
    return f"{month:02d}/{year}"


def cutoff_date(year: int, month: int) -> dt.date:
    """Ngày chốt số liệu: the 14th of the reporting month."""
    return dt.date(year, month, CUTOFF_DAY)


def template_file_name(agency_code: str, period: str) -> str:
    return f"{agency_code}_{period}.xlsx"


def target_text_vi(indicator: Indicator) -> str:
    """Kế hoạch năm as the plan words it (``3,5 - 4``, ``trên 55.000``)."""
    if indicator.target_text:
        return indicator.target_text
    low, high = indicator.target_low, indicator.target_high
    if low is not None and high is not None and low != high:
        return f"{vn_number(low)} - {vn_number(high)}"
    value = low if low is not None else high
    if value is None:
        return ""
    if indicator.direction == "higher_is_better" and low is not None and high is None:
        return f"trên {vn_number(value)}"
    if indicator.direction == "lower_is_better" and high is not None and low is None:
        return f"dưới {vn_number(value)}"
    return vn_number(value)


# ---------------------------------------------------------- layout parts ---


def add_lists_sheet(workbook: Workbook, styles: Styles, name: str = LISTS_SHEET) -> dict[str, str]:
    """A hidden sheet holding the drop-down lists; returns list name -> range."""
    ws = workbook.add_worksheet(name)
    lists: dict[str, tuple[str, Sequence[str]]] = {
        "statuses": ("Tình trạng", tuple(TASK_STATUSES)),
        "data_statuses": ("Tính chất số liệu", DATA_STATUSES),
        "capital_sources": ("Nguồn vốn", CAPITAL_SOURCES),
    }
    refs: dict[str, str] = {}
    quoted = name.replace("'", "''")
    for col, (key, (title, items)) in enumerate(lists.items()):
        write_text(ws, 0, col, title, styles, {"bold": True})
        for i, item in enumerate(items, start=1):
            write_text(ws, i, col, item, styles)
        letter = column_letter(col)
        refs[key] = f"='{quoted}'!${letter}$2:${letter}${len(items) + 1}"
        ws.set_column(col, col, 40)
    ws.hide()
    return refs


def write_info_sheet(
    workbook: Workbook, styles: Styles, rows: Sequence[tuple[str, Any]], name: str = INFO_SHEET,
) -> Worksheet:
    """The ``Thông tin`` sheet: one key/value pair per row from A1."""
    ws = workbook.add_worksheet(name)
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 60, styles.get({"num_format": "@"}))
    for r, (key, value) in enumerate(rows):
        write_text(ws, r, 0, key, styles, {"bold": True, "border": 1})
        write_cell(ws, r, 1, value, styles, {"border": 1, "num_format": "@"}
                   if isinstance(value, str) or value is None else {"border": 1})
    return ws


def info_rows(
    agency: Agency, year: int, month: int, *, preparer: str | None = None,
    phone: str | None = None, email: str | None = None,
) -> list[tuple[str, Any]]:
    values = (
        agency.agency_code, agency.name_vi, period_vi(year, month),
        cutoff_date(year, month).strftime("%d/%m/%Y"), preparer, phone, email,
    )
    return list(zip(INFO_KEYS, values, strict=True))


def write_data_sheet(
    workbook: Workbook,
    styles: Styles,
    sheet_name: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    titles: Sequence[str] = (),
    unit_note: str | None = None,
    column_props: Sequence[dict[str, Any]] | None = None,
    widths: Sequence[float] | None = None,
    row_props: dict[int, dict[str, Any]] | None = None,
    dropdowns: dict[int, tuple[str, bool]] | None = None,
    spare_rows: int = SPARE_ROWS,
) -> tuple[Worksheet, int]:
    """Write one data sheet; returns the worksheet and the 0-based header row.

    ``titles`` are written above the header (first one bold, merged across
    the table), then a blank row (holding ``unit_note`` at the right, if any).
    ``column_props`` gives each column's cell format; ``row_props`` extra
    format for some data rows (by index into ``rows``); ``dropdowns`` maps a
    column index to (list range, strict).
    """
    ws = workbook.add_worksheet(sheet_name)
    ncols = len(headers)
    last_col = max(ncols - 1, 0)
    r = 0
    for i, title in enumerate(titles):
        props = {"bold": True, "align": "center", "font_size": 14} if i == 0 else {
            "italic": i > 1, "align": "center", "bold": i == 1}
        if last_col > 0:
            ws.merge_range(r, 0, r, last_col, "", styles.get(props))
        write_text(ws, r, 0, title, styles, props)
        r += 1
    if titles:
        if unit_note:
            write_text(ws, r, last_col, unit_note, styles, {"italic": True, "align": "right"})
        r += 1
    header_row = r
    for c, header in enumerate(headers):
        write_text(ws, header_row, c, header, styles, HEADER_PROPS)
    ws.set_row(header_row, 45)
    for c, width in enumerate(widths or ()):
        if c < ncols:
            ws.set_column(c, c, width)
    column_props = list(column_props or [CELL_PROPS] * ncols)
    for i, values in enumerate(rows):
        extra = (row_props or {}).get(i)
        for c, value in enumerate(values):
            props = column_props[c] if c < len(column_props) else CELL_PROPS
            if extra:
                props = {**props, **extra}
            if isinstance(value, Styled):
                props, value = {**props, **value.props}, value.value
            write_cell(ws, header_row + 1 + i, c, value, styles, props)
    first, last = header_row + 1, header_row + max(len(rows), 1) + spare_rows
    for c, (source, strict) in (dropdowns or {}).items():
        ws.data_validation(first, c, last, c, {
            "validate": "list",
            "source": source,
            "error_type": "stop" if strict else "warning",
            "error_title": "Giá trị không hợp lệ",
            "error_message": "Chọn một giá trị trong danh sách.",
            "input_title": headers[c][:32],
            "input_message": "Chọn từ danh sách.",
        })
    ws.freeze_panes(header_row + 1, min(3, ncols))
    ws.repeat_rows(header_row)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    return ws, header_row


def sheet_titles(template: Template, agency: Agency, year: int, month: int) -> list[str]:
    cutoff = cutoff_date(year, month).strftime("%d/%m/%Y")
    return [
        REPORT_TITLES[template],
        f"Đơn vị báo cáo: {agency.name_vi}",
        f"Kỳ báo cáo: tháng {period_vi(year, month)} (số liệu đến ngày {cutoff})",
    ]


def template_column_props(template: Template) -> list[dict[str, Any]]:
    if template == "tasks":
        return [TEXT_PROPS, TEXT_PROPS, WRAP_PROPS, CELL_PROPS, NUMBER_PROPS, DATE_PROPS,
                WRAP_PROPS, WRAP_PROPS, WRAP_PROPS]
    if template == "indicators":
        return [TEXT_PROPS, TEXT_PROPS, WRAP_PROPS, TEXT_PROPS, TEXT_PROPS, NUMBER_PROPS,
                NUMBER_PROPS, NUMBER_PROPS, NUMBER_PROPS, CELL_PROPS, WRAP_PROPS, WRAP_PROPS]
    return [TEXT_PROPS, TEXT_PROPS, WRAP_PROPS, WRAP_PROPS, CELL_PROPS, MONEY_PROPS,
            MONEY_PROPS, MONEY_PROPS, MONEY_PROPS, NUMBER_PROPS, WRAP_PROPS]


def dropdown_columns(
    template: Template, headers: Sequence[str], refs: dict[str, str],
) -> dict[int, tuple[str, bool]]:
    out = {}
    for header, (list_name, strict) in DROPDOWNS[template].items():
        if header in headers:
            out[list(headers).index(header)] = (refs[list_name], strict)
    return out


# ------------------------------------------------------------ templates ---


def _prefilled_rows(catalog: Catalog, agency_code: str, template: Template) -> list[list[Any]]:
    width = len(HEADERS[template])
    rows: list[list[Any]] = []
    if template == "tasks":
        for n, task in enumerate(catalog.tasks_of(agency_code), start=1):
            row: list[Any] = [None] * width
            row[0], row[1], row[2] = str(n), task.task_code, task.description_vi
            rows.append(row)
    elif template == "indicators":
        for n, ind in enumerate(catalog.indicators_of(agency_code), start=1):
            row = [None] * width
            row[0], row[1], row[2], row[3] = str(n), ind.indicator_code, ind.name_vi, ind.unit
            row[4] = target_text_vi(ind) or None
            rows.append(row)
    else:
        for n, project in enumerate(catalog.projects_of(agency_code), start=1):
            row = [None] * width
            row[0], row[1], row[2] = str(n), project.project_code, project.name_vi
            rows.append(row)
    return rows


def build_template(catalog: Catalog, agency_code: str, period: str) -> bytes:
    """The template workbook of one agency for one period, as bytes."""
    year, month = parse_period(period)
    agency = catalog.agency(agency_code)
    buffer = io.BytesIO()
    workbook = new_workbook(
        buffer, dt.datetime(year, month, 1, 8, 0, 0),
        title=f"Báo cáo tháng {period_vi(year, month)} - {agency.name_vi}",
        author="planwatch", company="Sở Kế hoạch và Đầu tư",
    )
    styles = Styles(workbook)
    write_info_sheet(workbook, styles, info_rows(agency, year, month))
    # The hidden lists sheet comes last; its ranges are known in advance.
    refs = lists_refs()
    for template in catalog.templates_of(agency_code):
        rows = _prefilled_rows(catalog, agency_code, template)
        headers = HEADERS[template]
        write_data_sheet(
            workbook, styles, SHEET_NAMES_VI[template], headers, rows,
            titles=sheet_titles(template, agency, year, month),
            unit_note="Đơn vị tính: triệu đồng" if template == "disbursement" else None,
            column_props=template_column_props(template),
            widths=COLUMN_WIDTHS[template],
            dropdowns=dropdown_columns(template, headers, refs),
        )
    if add_lists_sheet(workbook, styles) != refs:  # pragma: no cover - layout drift
        raise AssertionError("drop-down list ranges out of step with the lists sheet")
    return close_to_bytes(workbook, buffer)


def lists_refs(name: str = LISTS_SHEET) -> dict[str, str]:
    """The ranges :func:`add_lists_sheet` creates (known before the sheet exists)."""
    quoted = name.replace("'", "''")
    sizes = {"statuses": len(TASK_STATUSES), "data_statuses": len(DATA_STATUSES),
             "capital_sources": len(CAPITAL_SOURCES)}
    return {key: f"='{quoted}'!${column_letter(col)}$2:${column_letter(col)}${size + 1}"
            for col, (key, size) in enumerate(sizes.items())}


def write_templates(catalog: Catalog, period: str, out_dir: Path) -> list[Path]:
    """Write ``<AGENCY>_<YYYY-MM>.xlsx`` for every reporting agency; returns the paths.

    Agencies that lead nothing (no task, indicator or project) get no template.
    """
    parse_period(period)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for agency in catalog.reporting_agencies():
        path = out_dir / template_file_name(agency.agency_code, period)
        path.write_bytes(build_template(catalog, agency.agency_code, period))
        paths.append(path)
    return paths


__all__ = [
    "CAPITAL_SOURCES", "DATA_STATUSES", "HEADERS", "INFO_KEYS", "STATUS_VI", "TASK_STATUSES",
    "build_template", "cutoff_date", "parse_period", "period_vi", "target_text_vi",
    "write_templates",
]
