"""Checks of a parsed file against the plan catalog and its own path.

Pure functions: they return Problems (and fix near-miss codes in place), so
they are tested without a database.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from planwatch.ingest.files import InboxFile
from planwatch.ingest.model import CODE_COLUMN, ParsedFile, ParsedSheet, Problem
from planwatch.ingest.numbers import mm_yyyy
from planwatch.ingest.text import strip_diacritics

_SEGMENT = re.compile(r"\d+")


def code_key(code: str) -> str:
    """A lenient key: case, diacritics, leading zeros and separators (space, _ or -) ignored."""
    text = strip_diacritics(unicodedata.normalize("NFKC", code))
    text = re.sub(r"[\s\u00a0_-]+", "-", text.strip()).upper()
    return _SEGMENT.sub(lambda m: str(int(m.group())), text)


def unit_key(unit: str) -> str:
    text = strip_diacritics(unicodedata.normalize("NFKC", unit))
    return re.sub(r"[\s.]+", " ", text).strip().lower()


class CodeMatcher:
    """Exact catalog codes first, then near misses (reported as warnings)."""

    def __init__(self, codes: Iterable[str]) -> None:
        self.codes = set(codes)
        self.by_key = {code_key(c): c for c in self.codes}

    def match(self, raw: str) -> tuple[str | None, bool]:
        """(catalog code or None, whether it was a near miss)."""
        if raw in self.codes:
            return raw, False
        found = self.by_key.get(code_key(raw))
        return found, found is not None


def check_identity(parsed: ParsedFile, file: InboxFile, agencies: dict[str, object]) -> None:
    """Agency and period: known, and the same in the sheet, the file name and folder."""
    name_agency, name_period = file.name_hint
    sheet = "Thông tin" if parsed.file_kind == "xlsx" else None
    agency = parsed.agency_code or name_agency
    if not agency:
        parsed.problems.append(Problem(
            "missing_agency", "block", "Không xác định được mã đơn vị báo cáo.",
            "Ghi 'Mã đơn vị' trong sheet 'Thông tin' (hoặc đặt tên tệp CSV theo mẫu "
            "<MÃ ĐƠN VỊ>_<YYYY-MM>_<mẫu>.csv).", sheet=sheet, column="Mã đơn vị"))
    elif agency not in agencies:
        matcher = CodeMatcher(agencies)
        fixed, _ = matcher.match(agency)
        if fixed:
            parsed.problems.append(Problem(
                "agency_code_near_miss", "warn",
                f"Mã đơn vị '{agency}' được hiểu là '{fixed}'.",
                f"Lần sau ghi đúng mã đơn vị '{fixed}'.", sheet=sheet, column="Mã đơn vị",
                value=agency, expected=fixed))
            agency = fixed
        else:
            parsed.problems.append(Problem(
                "unknown_agency", "block", f"Mã đơn vị '{agency}' không có trong danh mục.",
                "Kiểm tra lại mã đơn vị theo danh mục của Sở Kế hoạch và Đầu tư.",
                sheet=sheet, column="Mã đơn vị", value=agency))
    # A copy of another agency's workbook: the sheet and the file name disagree.
    named, _ = CodeMatcher(agencies).match(name_agency) if name_agency else (None, False)
    if named and agency in agencies and named != agency:
        parsed.problems.append(Problem(
            "agency_mismatch", "block",
            f"Mã đơn vị trong tệp là '{agency}' nhưng tên tệp ghi '{named}'.",
            "Sửa 'Mã đơn vị' trong sheet 'Thông tin' hoặc đặt lại tên tệp cho đúng đơn vị.",
            sheet=sheet, column="Mã đơn vị", value=agency, expected=named))
    parsed.agency_code = agency

    stated = [("thư mục", file.folder_period), ("tên tệp", name_period)]
    period = parsed.period
    for where, other in stated:
        if other and period and other != period:
            parsed.problems.append(Problem(
                "period_mismatch", "block",
                f"Kỳ báo cáo trong tệp là {mm_yyyy(period)} nhưng {where} ghi kỳ "
                f"{mm_yyyy(other)}.",
                "Sửa 'Kỳ báo cáo' cho đúng tháng báo cáo hoặc gửi tệp vào đúng kỳ.",
                sheet=sheet, column="Kỳ báo cáo", value=mm_yyyy(period),
                expected=mm_yyyy(other)))
        period = period or other
    if not period:
        parsed.problems.append(Problem(
            "missing_period", "block", "Không xác định được kỳ báo cáo.",
            "Ghi 'Kỳ báo cáo' dạng MM/YYYY trong sheet 'Thông tin'.", sheet=sheet,
            column="Kỳ báo cáo"))
    parsed.period = period


def check_codes(sheet: ParsedSheet, matcher: CodeMatcher, label_vi: str) -> None:
    """Replace near-miss codes by the catalog's; block codes it does not know."""
    column = CODE_COLUMN[sheet.template]
    for row in sheet.rows:
        raw = row.get(column)
        if not raw:
            continue
        code, near = matcher.match(str(raw))
        if code is None:
            sheet.problems.append(Problem(
                f"unknown_{column}", "block", f"{label_vi} '{raw}' không có trong danh mục.",
                f"Dùng đúng {label_vi.lower()} trong biểu mẫu kế hoạch đã gửi đơn vị.",
                sheet=sheet.sheet_name, row=row["source_row"], column=label_vi, value=str(raw)))
        elif near:
            sheet.problems.append(Problem(
                f"{column}_near_miss", "warn", f"{label_vi} '{raw}' được hiểu là '{code}'.",
                f"Lần sau ghi đúng '{code}'.", sheet=sheet.sheet_name, row=row["source_row"],
                column=label_vi, value=str(raw), expected=code))
            row[column] = code


def check_units(sheet: ParsedSheet, units: dict[str, str]) -> None:
    for row in sheet.rows:
        code, unit = row.get("indicator_code"), row.get("unit")
        expected = units.get(code or "")
        if expected and unit and unit_key(unit) != unit_key(expected):
            sheet.problems.append(Problem(
                "unit_mismatch", "block",
                f"Đơn vị tính '{unit}' của chỉ tiêu {code} khác với kế hoạch ('{expected}').",
                f"Quy đổi số liệu về đơn vị '{expected}' và ghi đúng đơn vị tính.",
                sheet=sheet.sheet_name, row=row["source_row"], column="Đơn vị tính",
                value=unit, expected=expected))

