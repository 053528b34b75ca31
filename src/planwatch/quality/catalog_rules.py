"""Rules that check a parsed file against the plan catalogs and its own path.

Which agency and month a file is for, and so which plan: the agency whose
inbox folder holds the file sent it (``catalog.inbox_layout``), so the agency
its ``Thông tin`` sheet or file name gives must be that one (a file in the
issuer's shared folder, the Department's own import, is for the agency it
names; a file outside every sender's folder is rejected); its ``Thông tin``
sheet, its file name and its folder must agree, the agency must be in a plan
of that year (of the issuer whose inbox folder holds the file, when it is in
one), and when it is in two such plans the file must name its plan
(``Mã kế hoạch``). Then every code a sheet names must be in that plan's
catalog, and every unit must be the catalog's.

Pure functions: they return Problems (and fix near-miss codes in place), so
they are tested without a database.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Protocol

from planwatch.catalog.inbox_layout import (
    AGENCY_FOLDER,
    OUTSIDE,
    RECEIPTS_FOLDER,
    SHARED_FOLDER,
    Sender,
    sender_of,
)
from planwatch.catalog.model import Catalog, Catalogs
from planwatch.text import strip_diacritics
from planwatch.vocabulary.parsed import ParsedFile, ParsedSheet
from planwatch.vocabulary.periods import mm_yyyy
from planwatch.vocabulary.problems import MessageTable, problem_from
from planwatch.vocabulary.templates import INFO_KEYS_VI, INFO_SHEET_VI, SPECS, spec

_SEGMENT = re.compile(r"\d+")
_AGENCY = INFO_KEYS_VI["agency_code"]
_PERIOD = INFO_KEYS_VI["period"]
_PLAN = INFO_KEYS_VI["plan_code"]

MESSAGES: MessageTable = {
    "missing_agency": (
        "block", "Không xác định được mã đơn vị báo cáo.",
        f"Ghi '{_AGENCY}' trong sheet '{INFO_SHEET_VI}' (hoặc đặt tên tệp CSV theo mẫu "
        "<MÃ ĐƠN VỊ>_<YYYY-MM>_<mẫu>.csv)."),
    "agency_code_near_miss": (
        "warn", "Mã đơn vị '{value}' được hiểu là '{expected}'.",
        "Lần sau ghi đúng mã đơn vị '{expected}'."),
    "unknown_agency": (
        "block", "Mã đơn vị '{value}' không có trong danh mục.",
        "Kiểm tra lại mã đơn vị theo danh mục của cơ quan theo dõi kế hoạch."),
    "agency_mismatch": (
        "block", "Mã đơn vị trong tệp là '{value}' nhưng tên tệp ghi '{expected}'.",
        f"Sửa '{_AGENCY}' trong sheet '{INFO_SHEET_VI}' hoặc đặt lại tên tệp cho đúng "
        "đơn vị."),
    "period_mismatch": (
        "block", "Kỳ báo cáo trong tệp là {value} nhưng {where} ghi kỳ {expected}.",
        f"Sửa '{_PERIOD}' cho đúng tháng báo cáo hoặc gửi tệp vào đúng kỳ."),
    "missing_period": (
        "block", "Không xác định được kỳ báo cáo.",
        f"Ghi '{_PERIOD}' dạng MM/YYYY trong sheet '{INFO_SHEET_VI}'."),
    "unknown_plan": (
        "block", "Mã kế hoạch '{value}' không có trong danh mục.",
        f"Ghi đúng '{_PLAN}' ({{expected}}) hoặc để trống ô này."),
    "plan_mismatch": (
        "block", "Kế hoạch '{value}' không giao nhiệm vụ cho đơn vị {agency} trong kỳ {period}.",
        f"Kiểm tra '{_PLAN}', '{_AGENCY}' và '{_PERIOD}' trong sheet '{INFO_SHEET_VI}'."),
    "no_plan_for_period": (
        "block", "Không có kế hoạch nào của năm {year} giao nhiệm vụ cho đơn vị {value}.",
        f"Kiểm tra '{_PERIOD}' và '{_AGENCY}'; nếu đúng, liên hệ cơ quan theo dõi kế hoạch."),
    "issuer_mismatch": (
        "block", "Tệp nằm trong thư mục của {expected} nhưng ghi kế hoạch '{value}' của "
        "{issuer}.",
        f"Gửi tệp vào đúng thư mục của cơ quan ban hành kế hoạch, hoặc sửa '{_PLAN}'."),
    "ambiguous_plan": (
        "block", "Đơn vị {value} báo cáo cho nhiều kế hoạch trong năm {year} ({expected}); "
        "tệp không ghi báo cáo này thuộc kế hoạch nào.",
        f"Gửi tệp Excel theo biểu mẫu, ghi '{_PLAN}' trong sheet '{INFO_SHEET_VI}'."),
    "sender_mismatch": (
        "block", "Tệp nằm trong thư mục của đơn vị {expected} nhưng ghi mã đơn vị '{value}'.",
        "Mỗi đơn vị chỉ gửi báo cáo của chính mình vào thư mục của mình. Nếu đây là báo cáo "
        f"của đơn vị {{expected}}, sửa '{_AGENCY}' trong sheet '{INFO_SHEET_VI}' (hoặc tên "
        "tệp CSV) thành '{expected}'; nếu là của đơn vị khác, đơn vị đó gửi vào thư mục của "
        "mình."),
    "outside_sender_folders": (
        "block", "Tệp nằm ở '{value}', không phải thư mục của một đơn vị báo cáo.",
        "Gửi tệp vào thư mục của đơn vị mình (<mã cơ quan ban hành>/<mã đơn vị>/, do Sở "
        f"cấp); Sở nhập hộ báo cáo của đơn vị vào thư mục '{SHARED_FOLDER}' của cơ quan ban "
        f"hành. Thư mục '{RECEIPTS_FOLDER}' chỉ chứa biên nhận."),
    "unit_mismatch": (
        "block", "Đơn vị tính '{value}' của chỉ tiêu {indicator} khác với kế hoạch ('{expected}').",
        "Quy đổi số liệu về đơn vị '{expected}' và ghi đúng đơn vị tính."),
}

# Per template, for its code column: unknown_task_code, task_code_near_miss, ...
for _spec in SPECS.values():
    _code = _spec.code_field
    MESSAGES[f"unknown_{_code.name}"] = (
        "block", "{column} '{value}' không có trong danh mục.",
        f"Dùng đúng {_code.header_vi.lower()} trong biểu mẫu kế hoạch đã gửi đơn vị.")
    MESSAGES[f"{_code.name}_near_miss"] = (
        "warn", "{column} '{value}' được hiểu là '{expected}'.", "Lần sau ghi đúng '{expected}'.")


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


class PathHints(Protocol):
    """What a file's name and folder say (``ingest.files.InboxFile`` is one)."""

    @property
    def inbox_path(self) -> str: ...  # its issuer's folder first, when in one

    @property
    def name_hint(self) -> tuple[str | None, str | None]: ...  # (agency, period)

    @property
    def folder_period(self) -> str | None: ...


def check_identity(parsed: ParsedFile, file: PathHints, catalogs: Catalogs) -> Catalog | None:
    """Agency, period and plan: known, and the same in the sheet, the file name and
    the folder. Sets them on ``parsed``; returns the plan's catalog, if one is found."""
    sheet = INFO_SHEET_VI if parsed.file_kind != "csv" else None
    sender = sender_of(file.inbox_path, catalogs)
    _check_agency(parsed, file, catalogs, sheet, sender)
    _check_period(parsed, file, sheet)
    return _find_plan(parsed, catalogs, sheet, sender.issuer_code)


def check_place(parsed: ParsedFile, file: PathHints, catalogs: Catalogs) -> None:
    """A file outside every sender's folder (at the inbox's top, in a month folder
    of the old layout, in a folder of no agency) is rejected: nothing says who sent it."""
    sender = sender_of(file.inbox_path, catalogs)
    if sender.via == OUTSIDE:
        parsed.problems.append(problem_from(
            MESSAGES, "outside_sender_folders",
            value=sender.folder if sender.folder not in ("", ".") else "thư mục gốc"))


def check_sender(parsed: ParsedFile, sender: Sender, sheet: str | None) -> None:
    """The folder says who sent the file: the agency the file names (already on
    ``parsed``, near misses fixed) must be the folder's, and the file is recorded
    as the folder's agency's whatever it names. A file in the shared folder is for
    the agency it names."""
    if sender.via == AGENCY_FOLDER:
        if parsed.agency_code and parsed.agency_code != sender.agency_code:
            parsed.problems.append(problem_from(
                MESSAGES, "sender_mismatch", sheet=sheet, column=_AGENCY,
                value=parsed.agency_code, expected=sender.agency_code))
        parsed.agency_code = sender.agency_code


def _check_agency(parsed: ParsedFile, file: PathHints, catalogs: Catalogs,
                  sheet: str | None, sender: Sender) -> None:
    name_agency, _ = file.name_hint
    matcher = CodeMatcher(catalogs.agency_codes)
    # A file that names no agency is its folder's (the folder is trusted).
    agency = parsed.agency_code or name_agency or sender.agency_code

    def add(code: str, **fields: object) -> None:
        parsed.problems.append(problem_from(MESSAGES, code, sheet=sheet, column=_AGENCY,
                                            **fields))  # type: ignore[arg-type]

    if not agency:
        add("missing_agency")
    elif agency not in catalogs.agency_codes:
        fixed, _ = matcher.match(agency)
        if fixed:
            add("agency_code_near_miss", value=agency, expected=fixed)
            agency = fixed
        else:
            add("unknown_agency", value=agency)
    # A copy of another agency's workbook: the sheet and the file name disagree.
    named, _ = matcher.match(name_agency) if name_agency else (None, False)
    if named and agency in catalogs.agency_codes and named != agency:
        add("agency_mismatch", value=agency, expected=named)
    parsed.agency_code = agency
    check_sender(parsed, sender, sheet)


def _check_period(parsed: ParsedFile, file: PathHints, sheet: str | None) -> None:
    _, name_period = file.name_hint
    period = parsed.period
    for where, other in (("thư mục", file.folder_period), ("tên tệp", name_period)):
        if other and period and other != period:
            parsed.problems.append(problem_from(
                MESSAGES, "period_mismatch", sheet=sheet, column=_PERIOD,
                value=mm_yyyy(period), expected=mm_yyyy(other), where=where))
        period = period or other
    if not period:
        parsed.problems.append(problem_from(MESSAGES, "missing_period", sheet=sheet,
                                            column=_PERIOD))
    parsed.period = period


def _find_plan(parsed: ParsedFile, catalogs: Catalogs, sheet: str | None,
               issuer: str | None) -> Catalog | None:
    """The plan a submission belongs to: the one its file names, else the only plan
    of the period's year that lists its agency (of ``issuer``, the folder's, if any)."""
    agency, period = parsed.agency_code, parsed.period
    if not agency or not period or agency not in catalogs.agency_codes:
        return None  # already reported
    year = period[:4]
    if parsed.plan_code:
        named, parsed.plan_code = parsed.plan_code, None  # recorded only once it holds
        catalog = catalogs.by_plan.get(named)
        if catalog is None:
            parsed.problems.append(problem_from(
                MESSAGES, "unknown_plan", sheet=sheet, column=_PLAN, value=named,
                expected=", ".join(catalogs.by_plan)))
            return None
        if issuer and catalog.plan.issuer_code != issuer:
            parsed.problems.append(problem_from(
                MESSAGES, "issuer_mismatch", sheet=sheet, column=_PLAN, value=named,
                expected=issuer, issuer=catalog.plan.issuer_code))
            return None
        if catalog not in catalogs.plans_for(agency, period):
            parsed.problems.append(problem_from(
                MESSAGES, "plan_mismatch", sheet=sheet, column=_PLAN, value=named,
                agency=agency, period=mm_yyyy(period)))
            return None
        parsed.plan_code = named
        return catalog
    found = catalogs.plans_for(agency, period, issuer)
    if len(found) == 1:
        parsed.plan_code = found[0].plan_code
        return found[0]
    code = "no_plan_for_period" if not found else "ambiguous_plan"
    parsed.problems.append(problem_from(
        MESSAGES, code, sheet=sheet, column=_PLAN, value=agency, year=year,
        expected=", ".join(c.plan_code for c in found) or None))
    return None


def check_codes(sheet: ParsedSheet, matcher: CodeMatcher) -> None:
    """Replace near-miss codes by the catalog's; block codes it does not know."""
    field = spec(sheet.template).code_field
    column, label_vi = field.name, field.header_vi
    for row in sheet.rows:
        raw = row.get(column)
        if not raw:
            continue
        code, near = matcher.match(str(raw))
        if code is None:
            sheet.problems.append(problem_from(
                MESSAGES, f"unknown_{column}", sheet=sheet.sheet_name, row=row["source_row"],
                column=label_vi, value=str(raw)))
        elif near:
            sheet.problems.append(problem_from(
                MESSAGES, f"{column}_near_miss", sheet=sheet.sheet_name, row=row["source_row"],
                column=label_vi, value=str(raw), expected=code))
            row[column] = code


def check_units(sheet: ParsedSheet, units: dict[str, str]) -> None:
    for row in sheet.rows:
        code, unit = row.get("indicator_code"), row.get("unit")
        expected = units.get(code or "")
        if expected and unit and unit_key(unit) != unit_key(expected):
            sheet.problems.append(problem_from(
                MESSAGES, "unit_mismatch", sheet=sheet.sheet_name, row=row["source_row"],
                column=spec("indicators").field("unit").header_vi, value=unit,
                expected=expected, indicator=code))


def check_against_catalog(parsed: ParsedFile, file: PathHints, catalogs: Catalogs) -> None:
    """Every catalog rule on one parsed file: where it lies, who sent it, its
    agency, period and plan, its codes and units. When no plan could be found (the
    file is rejected for that already), its codes are still checked against the
    only plan that could be meant, if there is one, so that the clerk hears of
    every problem at once."""
    check_place(parsed, file, catalogs)
    catalog = check_identity(parsed, file, catalogs)
    if catalog is None:
        candidates = [c for c in catalogs if not parsed.period or c.plan.covers(parsed.period)]
        catalog = candidates[0] if len(candidates) == 1 else None
    if catalog is None:
        return
    units = {i.indicator_code: i.unit for i in catalog.indicators}
    for sheet in parsed.sheets:
        check_codes(sheet, CodeMatcher(catalog.codes(sheet.template)))
        if sheet.template == "indicators":
            check_units(sheet, units)
