"""Writing a month's sheets out as the files an agency sends: xlsx or CSV.

Each agency's ``Profile`` (``mess``) decides how: numbers as Vietnamese text or
real numbers, percentages as fractions, formulas with cached values, title
rows, a hidden draft sheet, trailing empty rows, sheet names in capitals.
The layout itself is the templates' (``workbooks.layout``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from decimal import Decimal
from typing import Any

from planwatch.demo.content import MONEY, NUMERIC, ZERO, AgencyYear, Sheet
from planwatch.demo.mess import (
    Profile,
    Texts,
    date_value,
    encode_csv,
    money_unit_vi,
    number_text,
)
from planwatch.demo.seeding import fold_lower
from planwatch.vocabulary.periods import cutoff_date, mm_yyyy
from planwatch.vocabulary.templates import INFO_KEYS_VI, INFO_SHEET_VI, Template, spec
from planwatch.workbooks.layout import (
    add_lists_sheet,
    info_rows,
    sheet_titles,
    write_data_sheet,
    write_info_sheet,
)
from planwatch.workbooks.writing import (
    Formula,
    Styled,
    Styles,
    close_to_bytes,
    column_letter,
    new_workbook,
    write_cell,
    write_text,
)

# Values of the Thông tin sheet written as typed, never messed with.
_CODES_AS_TYPED = {INFO_KEYS_VI[k] for k in ("agency_code", "email", "plan_code")}


def _sheet_name(template: Template | None, profile: Profile) -> str:
    name = spec(template).sheet_name_vi if template else INFO_SHEET_VI
    if profile.sheet_case == "upper":
        return name.upper()
    if profile.sheet_case == "ascii":
        return fold_lower(name).capitalize()
    return name


def _money(value: Decimal, profile: Profile) -> Decimal:
    return value / 1000 if profile.money_ty else value


def _cells(sheet: Sheet, profile: Profile, texts: Texts, *, csv_file: bool,
           header_row: int) -> tuple[list[list[Any]], dict[int, dict[str, Any]]]:
    """Cell values (xlsx) or strings (csv) for the data rows of a sheet."""
    out: list[list[Any]] = []
    row_props: dict[int, dict[str, Any]] = {}
    col = {f: c for c, f in enumerate(sheet.fields)}
    kinds = {f.name: f.kind for f in spec(sheet.template).fields}
    excel_row = header_row + 2  # 1-based row of the first data row
    data_idx = [i for i, k in enumerate(sheet.kinds) if k == "data"]
    for i, (row, kind) in enumerate(zip(sheet.rows, sheet.kinds, strict=True)):
        values: list[Any] = []
        r1 = excel_row + i
        if kind != "data":
            row_props[i] = {"bold": True}
        for fname in sheet.fields:
            value = row.get(fname)
            pct = kinds[fname] == "percent" or (kinds[fname] == "number"
                                                and bool(row.get("_percent")))
            if value is None:
                values.append("" if csv_file else None)
                continue
            if fname in NUMERIC:
                number = _money(value, profile) if fname in MONEY else value
                use_formula = profile.formulas and not csv_file
                if (use_formula and kind == "total" and fname in MONEY and data_idx):
                    letter = column_letter(col[fname])
                    first, last = excel_row + data_idx[0], excel_row + data_idx[-1]
                    cached = sum((_money(sheet.rows[j][fname], profile) for j in data_idx
                                  if sheet.rows[j].get(fname) is not None), ZERO)
                    values.append(Formula(f"=SUBTOTAL(9,{letter}{first}:{letter}{last})",
                                          cached))
                    continue
                if (use_formula and fname == "reported_rate" and "ytd_disbursed" in col
                        and "annual_plan" in col):
                    ytd_l = column_letter(col["ytd_disbursed"])
                    plan_l = column_letter(col["annual_plan"])
                    scale = "" if profile.pct_fraction else "*100"
                    cached = value / 100 if profile.pct_fraction else value
                    formula = f"=IF({plan_l}{r1}=0,0,{ytd_l}{r1}/{plan_l}{r1}{scale})"
                    fmt = {"num_format": "0.00%"} if profile.pct_fraction else {
                        "num_format": "0.00"}
                    values.append(Styled(Formula(formula, cached), fmt))
                    continue
                if csv_file or profile.vn_numbers:
                    values.append(number_text(number, profile, fname in MONEY))
                elif pct and profile.pct_fraction:
                    fmt = "0%" if fname == "percent_complete" else "0.00%"
                    values.append(Styled(number / 100, {"num_format": fmt}))
                else:
                    values.append(number)
                continue
            if isinstance(value, dt.date):
                values.append(date_value(value, profile, csv_file))
                continue
            text = str(value)
            values.append(texts(text, code=fname.endswith("_code")))
        out.append(values)
    return out, row_props


def render_xlsx(ay: AgencyYear, sheets: list[Sheet], info_period: str, created: dt.datetime,
                rng: random.Random) -> bytes:
    """The agency's workbook; its ``Thông tin`` sheet states ``info_period``."""
    profile = ay.profile
    texts = Texts(profile, rng)
    buffer = io.BytesIO()
    wb = new_workbook(buffer, created.replace(tzinfo=None),
                      title=f"Báo cáo tháng {mm_yyyy(info_period)}", author=profile.preparer)
    styles = Styles(wb)
    rows = info_rows(ay.plan, ay.agency, info_period, preparer=profile.preparer,
                     phone=profile.phone, email=profile.email)
    info: list[tuple[str, Any]] = []
    for key, value in rows:
        if key == INFO_KEYS_VI["cutoff_date"] and profile.date_style == "date":
            value = cutoff_date(info_period)
        elif isinstance(value, str) and key not in _CODES_AS_TYPED:
            value = texts(value)
        info.append((texts(key), value))
    write_info_sheet(wb, styles, info, name=_sheet_name(None, profile))
    for sheet in sheets:
        titles = ([texts(t) for t in sheet_titles(sheet.template, ay.agency, info_period)]
                  if profile.title_rows else [])
        header_row = len(titles) + 1 if titles else 0
        cells, row_props = _cells(sheet, profile, texts, csv_file=False, header_row=header_row)
        fields = [spec(sheet.template).field(f) for f in sheet.fields]
        headers = [texts(h) for h in sheet.headers]
        ws, hr = write_data_sheet(
            wb, styles, _sheet_name(sheet.template, profile), fields, cells,
            header_texts=headers, titles=titles,
            unit_note=f"Đơn vị tính: {money_unit_vi(profile)}"
            if any(f.kind == "money" for f in fields) else None,
            row_props=row_props,
        )
        assert hr == header_row
        if profile.trailing_rows:
            first = header_row + 1 + len(cells)
            blank = styles.get({"border": 1})
            for r in range(first, first + profile.trailing_rows):
                for c in range(len(headers) + 2):
                    ws.write_blank(r, c, None, blank)
    add_lists_sheet(wb, styles)
    if profile.hidden_sheet:
        ws = wb.add_worksheet(profile.hidden_sheet)
        write_text(ws, 0, 0, "Bảng tính nháp - không sử dụng", styles)
        for r in range(1, 6):
            write_cell(ws, r, 0, f"Dòng {r}", styles)
            write_cell(ws, r, 1, rng.randint(1, 10_000), styles)
        write_cell(ws, 6, 1, Formula("=SUM(B2:B6)", None), styles)
        ws.hide()
    return close_to_bytes(wb, buffer)


def render_csv(ay: AgencyYear, sheet: Sheet, period: str, rng: random.Random
               ) -> tuple[bytes, str]:
    profile = ay.profile
    texts = Texts(profile, rng)
    buf = io.StringIO()
    delimiter = profile.delimiter or ","
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    width = len(sheet.fields)
    if profile.title_rows:
        for title in sheet_titles(sheet.template, ay.agency, period):
            writer.writerow([texts(title)] + [""] * (width - 1))
        writer.writerow([""] * width)
    writer.writerow([texts(h) for h in sheet.headers])
    cells, _ = _cells(sheet, profile, texts, csv_file=True, header_row=0)
    for values in cells:
        writer.writerow(["" if v is None else v for v in values])
    for _ in range(min(profile.trailing_rows, 6)):
        writer.writerow([""] * width)
    return encode_csv(buf.getvalue(), profile.encoding or "utf-8")
