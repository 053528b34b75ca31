"""How a submission workbook is laid out, derived from the template specs.

The ``Thông tin`` sheet (key/value rows), one data sheet per template with
title rows above the header, and a hidden ``Danh mục`` sheet holding the
drop-down lists: a status such as ``Đang thực hiện, chậm tiến độ`` contains a
comma, which an inline Excel list would split in two. Headers, widths, cell
formats and drop-downs come from each field's spec (``vocabulary.templates``),
so the pre-filled templates (``workbooks.templates``) and the demo's agency
files (``demo``) are laid out alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from planwatch.catalog.model import Agency, Indicator, Plan
from planwatch.vocabulary.periods import cutoff_date, mm_yyyy
from planwatch.vocabulary.statuses import CAPITAL_SOURCE_CHOICES, DATA_STATUSES, TASK_STATUSES
from planwatch.vocabulary.templates import (
    INFO_KEYS_VI,
    INFO_SHEET_VI,
    Field,
    Kind,
    Template,
    spec,
)
from planwatch.workbooks.writing import (
    Styled,
    Styles,
    column_letter,
    vn_number,
    write_cell,
    write_text,
)

LISTS_SHEET = "Danh mục"
DEFAULT_MONEY_UNIT_VI = "triệu đồng"
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

# The cell format of each kind of field.
KIND_PROPS: dict[Kind, dict[str, Any]] = {
    "label": TEXT_PROPS, "code": TEXT_PROPS, "unit": TEXT_PROPS, "target": TEXT_PROPS,
    "text": WRAP_PROPS, "status": CELL_PROPS, "data_status": CELL_PROPS,
    "capital_source": CELL_PROPS, "number": NUMBER_PROPS, "percent": NUMBER_PROPS,
    "money": MONEY_PROPS, "date": DATE_PROPS,
}

# The drop-down lists of the Danh mục sheet: kind -> (title, items, reject others?).
# Capital sources are open: an agency may name one the list does not have.
DROPDOWN_LISTS: dict[Kind, tuple[str, tuple[str, ...], bool]] = {
    "status": ("Tình trạng", tuple(s.label_vi for s in TASK_STATUSES), True),
    "data_status": ("Tính chất số liệu", tuple(s.label_vi for s in DATA_STATUSES), True),
    "capital_source": ("Nguồn vốn", CAPITAL_SOURCE_CHOICES, False),
}


def headers(template: Template, money_unit_vi: str = DEFAULT_MONEY_UNIT_VI,
            fields: Sequence[Field] | None = None) -> list[str]:
    return [f.template_header(money_unit_vi) for f in fields or spec(template).fields]


def lists_refs(name: str = LISTS_SHEET) -> dict[Kind, str]:
    """The ranges ``add_lists_sheet`` creates (known before the sheet exists)."""
    quoted = name.replace("'", "''")
    return {kind: f"='{quoted}'!${column_letter(col)}$2:${column_letter(col)}${len(items) + 1}"
            for col, (kind, (_, items, _strict)) in enumerate(DROPDOWN_LISTS.items())}


def add_lists_sheet(workbook: Workbook, styles: Styles, name: str = LISTS_SHEET) -> None:
    """The hidden sheet holding the drop-down lists (at ``lists_refs``)."""
    ws = workbook.add_worksheet(name)
    for col, (title, items, _strict) in enumerate(DROPDOWN_LISTS.values()):
        write_text(ws, 0, col, title, styles, {"bold": True})
        for i, item in enumerate(items, start=1):
            write_text(ws, i, col, item, styles)
        ws.set_column(col, col, 40)
    ws.hide()


def dropdowns(fields: Sequence[Field], refs: dict[Kind, str]) -> dict[int, tuple[str, bool]]:
    """Column index -> (list range, strict) for the fields that have a list."""
    return {i: (refs[f.kind], DROPDOWN_LISTS[f.kind][2]) for i, f in enumerate(fields)
            if f.kind in DROPDOWN_LISTS}


def info_rows(plan: Plan, agency: Agency, period: str, *, preparer: str | None = None,
              phone: str | None = None, email: str | None = None) -> list[tuple[str, Any]]:
    """The ``Thông tin`` rows of one agency's workbook for one period."""
    values = {
        "agency_code": agency.agency_code, "agency_name": agency.name_vi,
        "period": mm_yyyy(period), "cutoff_date": cutoff_date(period).strftime("%d/%m/%Y"),
        "preparer": preparer, "phone": phone, "email": email, "plan_code": plan.plan_code,
    }
    return [(INFO_KEYS_VI[name], values[name]) for name in INFO_KEYS_VI]


def write_info_sheet(
    workbook: Workbook, styles: Styles, rows: Sequence[tuple[str, Any]],
    name: str = INFO_SHEET_VI,
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


def sheet_titles(template: Template, agency: Agency, period: str) -> list[str]:
    cutoff = cutoff_date(period).strftime("%d/%m/%Y")
    return [
        spec(template).title_vi,
        f"Đơn vị báo cáo: {agency.name_vi}",
        f"Kỳ báo cáo: tháng {mm_yyyy(period)} (số liệu đến ngày {cutoff})",
    ]


def write_data_sheet(
    workbook: Workbook,
    styles: Styles,
    sheet_name: str,
    fields: Sequence[Field],
    rows: Sequence[Sequence[Any]],
    *,
    header_texts: Sequence[str] | None = None,
    titles: Sequence[str] = (),
    unit_note: str | None = None,
    row_props: dict[int, dict[str, Any]] | None = None,
    spare_rows: int = SPARE_ROWS,
) -> tuple[Worksheet, int]:
    """Write one data sheet of ``fields``; returns the worksheet and the 0-based
    header row.

    ``header_texts`` are the headers as written (default: each field's
    template header); ``titles`` are written above the header (first one bold,
    merged across the table), then a blank row (holding ``unit_note`` at the
    right, if any). ``row_props`` gives extra format for some data rows (by
    index into ``rows``). Cell formats, widths and drop-downs come from the
    fields' specs.
    """
    texts = list(header_texts or [f.template_header() for f in fields])
    ws = workbook.add_worksheet(sheet_name)
    ncols = len(fields)
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
    for c, header in enumerate(texts):
        write_text(ws, header_row, c, header, styles, HEADER_PROPS)
    ws.set_row(header_row, 45)
    for c, f in enumerate(fields):
        ws.set_column(c, c, f.width)
    for i, values in enumerate(rows):
        extra = (row_props or {}).get(i)
        for c, value in enumerate(values):
            props = KIND_PROPS[fields[c].kind] if c < ncols else CELL_PROPS
            if extra:
                props = {**props, **extra}
            if isinstance(value, Styled):
                props, value = {**props, **value.props}, value.value
            write_cell(ws, header_row + 1 + i, c, value, styles, props)
    first, last = header_row + 1, header_row + max(len(rows), 1) + spare_rows
    for c, (source, strict) in dropdowns(fields, lists_refs()).items():
        ws.data_validation(first, c, last, c, {
            "validate": "list",
            "source": source,
            "error_type": "stop" if strict else "warning",
            "error_title": "Giá trị không hợp lệ",
            "error_message": "Chọn một giá trị trong danh sách.",
            "input_title": texts[c][:32],
            "input_message": "Chọn từ danh sách.",
        })
    ws.freeze_panes(header_row + 1, min(3, ncols))
    ws.repeat_rows(header_row)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    return ws, header_row


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
