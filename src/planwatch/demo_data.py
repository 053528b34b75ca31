"""A deterministic, realistic year of agency submissions, mess included.

``write_demo_year(catalog, 2024, out_dir)`` writes one folder per reporting
period (``out_dir/2024-01/`` ... ``out_dir/2024-12/``) holding what the
agencies sent that month, and ``out_dir/manifest.json`` saying what each file
is meant to be (valid, invalid and why, duplicate, resubmission), when it
arrived and which kinds of mess it carries.

Everything comes from ``random.Random`` instances seeded with strings derived
from ``seed`` (never the clock), so the same catalog and seed give the same
bytes. Each file's arrival time is its modification time.

The generator's own "true" values are deliberately not exported: tests and
checks must read the files back, as the pipeline does. The manifest states
intent only.

What the year looks like (shares of agencies or agency-months, each case at
least once when the catalog allows it):

* most agencies send one .xlsx per month; ~20 % send CSV files instead
  (UTF-8 with/without BOM or Windows-1258, delimiter ``,`` or ``;``);
* content: task statuses progress over the year (not started -> in progress
  -> completed, some delayed or completed late, recurring stays recurring),
  percent complete never decreases; additive indicators accumulate year to
  date and mostly reach their target; rates drift slowly (the poverty rate
  falls below its ceiling); disbursement follows a slow-then-fast S curve
  to 95-100 % of a fixed annual plan per project and capital source;
* mess: Vietnamese number text, ``-`` for zero, NFD text, stray spaces and
  NBSP, title rows or none, ``Tổng cộng``/``Trong đó`` rows, money in
  ``(tỷ đồng)``, percentages as fractions with a % format, dates as text or
  real dates, hidden extra sheet, trailing empty rows, formulas with cached
  values, sheet names in capitals or without diacritics;
* calendar: most files before 23:59 on the 19th (Asia/Ho_Chi_Minh), some late,
  some agency-months missing, resubmissions (``_v2.xlsx``), exact duplicates
  (``_gui_lai.xlsx``) and invalid files.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import hashlib
import io
import json
import math
import os
import random
import re
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Literal

from tqdm import tqdm

from planwatch.catalog.seeds import Agency, Catalog, Indicator, Project, Task
from planwatch.ingest.model import CSV_SUFFIXES, SHEET_NAMES_VI, Template
from planwatch.templates import (
    CAPITAL_SOURCES,
    COLUMN_WIDTHS,
    HEADERS,
    INFO_SHEET,
    STATUS_VI,
    add_lists_sheet,
    disbursement_headers,
    dropdown_columns,
    info_rows,
    lists_refs,
    period_vi,
    sheet_titles,
    target_text_vi,
    template_column_props,
    write_data_sheet,
    write_info_sheet,
)
from planwatch.xlsx_writing import (
    Formula,
    Styled,
    Styles,
    close_to_bytes,
    column_letter,
    new_workbook,
    vn_number,
    write_cell,
    write_text,
)

TZ = dt.timezone(dt.timedelta(hours=7), "Asia/Ho_Chi_Minh")  # no DST in Vietnam
DEADLINE_DAY = 20  # on time = before the 20th, i.e. by 23:59:59 on the 19th

Outcome = Literal["valid", "invalid", "duplicate", "resubmission"]
INVALID_REASONS: tuple[str, ...] = (
    "period_mismatch",
    "unknown_task_code",
    "invalid_status",
    "unit_mismatch",
    "missing_required_column",
)
CSV_ENCODINGS: tuple[str, ...] = ("utf-8-sig", "cp1258", "utf-8")

# Shares of agency-months (each case at least once when possible).
_SHARE_MISSING = 0.025
_SHARE_INVALID_EACH = 0.008
_SHARE_RESUBMISSION = 0.03
_SHARE_DUPLICATE = 0.02
_SHARE_LATE = 0.10

# ---------------------------------------------------------------- manifest ---


@dataclass
class DemoFile:
    """One file of the demo year and what it is meant to be."""

    path: str  # relative to out_dir, "/"-separated
    agency_code: str
    period: str  # YYYY-MM (the folder)
    kind: Literal["xlsx", "csv"]
    templates: list[str]
    arrival_at: str  # ISO 8601, +07:00; also the file's mtime
    is_late: bool
    outcome: Outcome
    reason: str | None = None  # invalid: one of INVALID_REASONS
    duplicate_of: str | None = None
    supersedes: str | None = None
    superseded_by: str | None = None
    encoding: str | None = None  # csv only
    delimiter: str | None = None  # csv only
    sha256: str = ""
    size: int = 0
    mess: list[str] = field(default_factory=list)


@dataclass
class DemoManifest:
    seed: int
    year: int
    timezone: str
    deadline: str
    agencies: list[str]
    files: list[DemoFile]
    missing: list[dict[str, str]]  # [{"agency_code", "period"}]

    def counts(self) -> dict[str, int]:
        """Files by outcome and invalid reason, plus late, missing and kinds."""
        out: dict[str, int] = {
            "files": len(self.files),
            "xlsx": sum(f.kind == "xlsx" for f in self.files),
            "csv": sum(f.kind == "csv" for f in self.files),
            "late": sum(f.is_late for f in self.files),
            "missing_agency_months": len(self.missing),
        }
        for outcome in ("valid", "invalid", "duplicate", "resubmission"):
            out[outcome] = sum(f.outcome == outcome for f in self.files)
        for reason in INVALID_REASONS:
            out[f"invalid:{reason}"] = sum(f.reason == reason for f in self.files)
        return out

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["counts"] = self.counts()
        return data

    def write_json(self, path: Path) -> None:
        text = json.dumps(self.to_dict(), ensure_ascii=False, indent=1)
        Path(path).write_text(text + "\n", encoding="utf-8")

    @classmethod
    def read_json(cls, path: Path) -> DemoManifest:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        data.pop("counts", None)
        data["files"] = [DemoFile(**f) for f in data["files"]]
        return cls(**data)


# ------------------------------------------------------------------ helpers ---


def _rng(seed: int, *parts: object) -> random.Random:
    return random.Random("|".join([str(seed), *map(str, parts)]))


def _fold(text: str | None) -> str:
    """Lower case, no diacritics, đ -> d: for keyword matching."""
    text = unicodedata.normalize("NFD", (text or "").lower().replace("đ", "d"))
    return "".join(c for c in text if not unicodedata.combining(c))


def _q(value: float | Decimal, decimals: int) -> Decimal:
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def _period(year: int, month: int) -> str:
    return f"{year}-{month:02d}"


def _prev(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")


def encode_cp1258(text: str) -> bytes:
    """Encode Vietnamese text the way Windows-1258 stores it.

    Windows-1258 has the letters with circumflex, breve and horn (``â ê ô ă ơ
    ư đ``) but not most toned letters: those are written as the base letter
    followed by a combining tone mark (``ệ`` = ``ê`` + U+0323). Python's
    ``cp1258`` codec does not decompose by itself, so a precomposed ``ệ``
    would fail; this does the decomposition. Raises ``UnicodeEncodeError``
    for a character Windows-1258 cannot hold. Decoding with ``cp1258`` and
    normalising to NFC gives the NFC text back.
    """
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONE_MARKS))
        tones = "".join(c for c in parts if c in _TONE_MARKS)
        out += base.encode("cp1258") + tones.encode("cp1258")
    return bytes(out)


def _encode_csv(text: str, encoding: str) -> tuple[bytes, str]:
    """(bytes, encoding actually used): cp1258 falls back to UTF-8 if it cannot."""
    if encoding == "cp1258":
        try:
            data = encode_cp1258(text)
            if unicodedata.normalize("NFC", data.decode("cp1258")) == unicodedata.normalize(
                "NFC", text
            ):
                return data, "cp1258"
        except UnicodeError:
            pass
        return text.encode("utf-8"), "utf-8"
    return text.encode(encoding), encoding


# ------------------------------------------------------------ agency mess ---


@dataclass(frozen=True)
class _Profile:
    kind: Literal["xlsx", "csv"]
    encoding: str | None = None
    delimiter: str | None = None
    vn_numbers: bool = False
    dash_for_zero: bool = False
    nfd: bool = False
    spaces: bool = False
    title_rows: bool = True
    subtotals: bool = False
    money_ty: bool = False
    money_decimals: int = 0
    pct_fraction: bool = False
    date_style: Literal["date", "dmy", "dmyy"] = "dmy"
    hidden_sheet: str | None = None
    trailing_rows: int = 0
    formulas: bool = False
    sheet_case: Literal["normal", "upper", "ascii"] = "normal"
    preparer: str = ""
    phone: str = ""
    email: str = ""


_FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Võ", "Đặng", "Bùi", "Hồ", "Tôn Nữ")
_MIDDLE = ("Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Ngọc", "Quang", "Thùy")
_GIVEN = ("An", "Bình", "Châu", "Dũng", "Hà", "Hải", "Hương", "Khánh", "Linh", "Long",
          "Nam", "Phương", "Quỳnh", "Sơn", "Thảo", "Thủy", "Trang", "Tuấn", "Vy", "Yến")
_HIDDEN_SHEETS = ("Nháp", "Sheet1", "Tháng trước", "TH cũ")


def _pick(rng: random.Random, pool: Iterable[str], share: float) -> set[str]:
    """A deterministic share of ``pool`` (at least one member if any)."""
    items = sorted(pool)
    rng.shuffle(items)
    k = min(len(items), max(1 if items else 0, round(share * len(items))))
    return set(items[:k])


def _profiles(catalog: Catalog, agencies: Sequence[Agency], seed: int) -> dict[str, _Profile]:
    codes = [a.agency_code for a in agencies]
    rng = _rng(seed, "profiles")
    order = sorted(codes)
    rng.shuffle(order)
    n_csv = 0 if len(codes) < 2 else min(len(codes) - 1, max(1, round(0.2 * len(codes))))
    csv_codes = order[:n_csv]
    xlsx_codes = [c for c in codes if c not in csv_codes]
    with_projects = [c for c in codes if catalog.projects_of(c)]

    vn_xlsx = _pick(rng, xlsx_codes, 0.25)
    native_xlsx = [c for c in xlsx_codes if c not in vn_xlsx] or xlsx_codes
    csv_encoding = {c: CSV_ENCODINGS[i % len(CSV_ENCODINGS)] for i, c in enumerate(csv_codes)}
    csv_delimiter = {c: (";" if i % 2 == 0 else ",") for i, c in enumerate(csv_codes)}
    nfd = _pick(rng, [c for c in codes if csv_encoding.get(c) != "cp1258"], 0.15)
    spaces = _pick(rng, codes, 0.3)
    no_titles = _pick(rng, codes, 0.3)
    subtotals = _pick(rng, with_projects, 0.35)
    money_ty = _pick(rng, with_projects, 0.1)
    money_dec = _pick(rng, [c for c in with_projects if c not in money_ty], 0.3)
    pct_fraction = _pick(rng, native_xlsx, 0.25)
    formulas = _pick(rng, native_xlsx, 0.35)
    hidden = _pick(rng, xlsx_codes, 0.2)
    trailing = _pick(rng, codes, 0.3)
    sheet_case = _pick(rng, xlsx_codes, 0.1)
    real_dates = _pick(rng, xlsx_codes, 0.5)
    dmyy = _pick(rng, [c for c in codes if c not in real_dates], 0.4)

    profiles = {}
    for code in codes:
        r = _rng(seed, "profile", code)
        is_csv = code in csv_codes
        vn = (
            (csv_delimiter[code] == ";" or csv_codes.index(code) % 3 == 1)
            if is_csv else code in vn_xlsx
        )
        name = f"{r.choice(_FAMILY)} {r.choice(_MIDDLE)} {r.choice(_GIVEN)}"
        profiles[code] = _Profile(
            kind="csv" if is_csv else "xlsx",
            encoding=csv_encoding.get(code),
            delimiter=csv_delimiter.get(code),
            vn_numbers=vn,
            dash_for_zero=vn and r.random() < 0.6,
            nfd=code in nfd,
            spaces=code in spaces,
            title_rows=code not in no_titles and (not is_csv or r.random() < 0.5),
            subtotals=code in subtotals,
            money_ty=code in money_ty,
            money_decimals=1 if code in money_dec else 0,
            pct_fraction=code in pct_fraction,
            date_style="date" if code in real_dates else ("dmyy" if code in dmyy else "dmy"),
            hidden_sheet=r.choice(_HIDDEN_SHEETS) if code in hidden else None,
            trailing_rows=r.randint(5, 30) if code in trailing else 0,
            formulas=code in formulas,
            sheet_case=r.choice(("upper", "ascii")) if code in sheet_case else "normal",
            preparer=name,
            phone=f"0234.{r.randint(3820, 3899)}.{r.randint(100, 999)}",
            email=f"{code.lower().replace('_', '').replace('-', '')}@thuathienhue.gov.vn",
        )
    return profiles


# ------------------------------------------------------------ true values ---

_RESULTS_IN_PROGRESS = (
    "Đã xây dựng dự thảo kế hoạch, đang lấy ý kiến các sở, ngành liên quan.",
    "Đang triển khai theo kế hoạch; đã tổ chức {n} cuộc họp với các đơn vị phối hợp.",
    "- Đã ban hành văn bản hướng dẫn triển khai.\n- Đang tổng hợp kết quả từ các địa phương.",
    "Đã hoàn thành {p}% khối lượng công việc; tiếp tục đôn đốc các đơn vị thực hiện.",
    "+ Đã trình UBND tỉnh phê duyệt đề cương; + đang thuê tư vấn lập hồ sơ.",
)
_RESULTS_DONE = (
    "Đã hoàn thành; UBND tỉnh đã ban hành Quyết định số {n}/QĐ-UBND ngày {d}.",
    "Hoàn thành, đã báo cáo kết quả về UBND tỉnh ngày {d}.",
    "Đã tổ chức thực hiện xong; kết quả đạt yêu cầu đề ra.",
)
_RESULTS_RECURRING = (
    "Thực hiện thường xuyên theo chức năng, nhiệm vụ.",
    "Duy trì thực hiện hằng tháng; đã kiểm tra, đôn đốc {n} đơn vị.",
    "Tiếp tục theo dõi, đôn đốc thực hiện.",
)
_ISSUES = (
    "Vướng mắc trong công tác giải phóng mặt bằng.",
    "Chưa được bố trí đủ kinh phí thực hiện.",
    "Thủ tục kéo dài do phải xin ý kiến các bộ, ngành Trung ương.",
    "Nhân lực thực hiện còn thiếu, một số cán bộ kiêm nhiệm.",
    "Đơn vị tư vấn chậm hoàn thiện hồ sơ.",
)
_PROPOSALS = (
    "Đề nghị UBND tỉnh chỉ đạo các địa phương phối hợp đẩy nhanh tiến độ.",
    "Kiến nghị Sở Tài chính sớm tham mưu bố trí kinh phí.",
    "Đề nghị gia hạn thời gian hoàn thành đến cuối năm.",
)
_DISB_ISSUES = (
    "Vướng mắc bồi thường, giải phóng mặt bằng.",
    "Giá vật liệu tăng, nhà thầu thi công cầm chừng.",
    "Chậm điều chỉnh chủ trương đầu tư.",
    "Đang hoàn thiện hồ sơ thanh toán khối lượng hoàn thành.",
    "=> Cam kết giải ngân hết kế hoạch vốn trong quý IV.",
)
_SOURCES_TEXT = ("Cục Thống kê tỉnh", "Báo cáo của đơn vị", "Số liệu ước tính của ngành",
                 "Phòng Thống kê huyện", "Hệ thống báo cáo ngành")
_INVESTORS = (
    "Ban QLDA đầu tư xây dựng các công trình giao thông tỉnh",
    "Ban QLDA đầu tư xây dựng các công trình dân dụng và công nghiệp tỉnh",
    "Ban QLDA đầu tư xây dựng các công trình nông nghiệp và PTNT tỉnh",
    "Ban Quản lý Khu kinh tế, công nghiệp tỉnh",
)


def _due_month(deadline: str | None) -> tuple[bool, int | None]:
    """(recurring?, due month) from the plan's deadline wording."""
    text = _fold(deadline)
    if not text:
        return False, None
    if any(k in text for k in ("thuong xuyen", "hang thang", "hang quy", "lien tuc",
                               "hang nam", "hang ngay")):
        return True, None
    m = re.search(r"quy\s*(iv|iii|ii|i|[1-4])\b", text)
    if m:
        q = {"i": 1, "ii": 2, "iii": 3, "iv": 4}.get(m.group(1)) or int(m.group(1))
        return False, 3 * q
    if "6 thang" in text:
        return False, 6
    m = re.search(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b", text)
    if m and 1 <= int(m.group(2)) <= 12:
        return False, int(m.group(2))
    m = re.search(r"thang\s*(\d{1,2})\b", text)
    if m and 1 <= int(m.group(1)) <= 12:
        return False, int(m.group(1))
    return False, 12


def _window_date(rng: random.Random, year: int, month: int) -> dt.date:
    """A date in the reporting window of a month: 15th of the previous to the 14th."""
    start = dt.date(*_prev(year, month), 15)
    end = dt.date(year, month, 14)
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


@dataclass
class _TaskMonth:
    status: str  # status code
    percent: Decimal | None
    completed: dt.date | None
    result: str | None
    issues: str | None
    proposals: str | None


def _task_year(task: Task, year: int, seed: int) -> list[_TaskMonth]:
    rng = _rng(seed, "task", task.task_code)
    recurring, due = _due_month(task.deadline_text)
    if due is None and not recurring:
        due = rng.choice((6, 9, 12, 12))
    if recurring:
        out = []
        for _ in range(1, 13):
            text = rng.choice(_RESULTS_RECURRING).format(n=rng.randint(2, 15))
            out.append(_TaskMonth("recurring", None, None, text, None, None))
        return out
    assert due is not None
    start = rng.choice((1, 1, 1, 2, 2, 3, 4, 5))
    start = min(start, max(1, due - 1))
    fate = rng.random()
    if fate < 0.72:  # on time
        done = rng.randint(min(due, start + 1), due)
        delay_from = 99
    else:  # behind schedule, completed late or not this year
        delay_from = max(start + 1, due - 2)
        done = due + rng.randint(1, 5)
    done_date = _window_date(rng, year, done) if done <= 12 else None
    out: list[_TaskMonth] = []
    percent = 0
    issue = rng.choice(_ISSUES)
    proposal = rng.choice(_PROPOSALS)
    for m in range(1, 13):
        if m < start:
            out.append(_TaskMonth("not_started", Decimal(0), None, None, None, None))
            continue
        if m >= done:
            status = "completed_late" if done > due else "completed"
            text = rng.choice(_RESULTS_DONE).format(
                n=rng.randint(100, 3500), d=done_date.strftime("%d/%m/%Y") if done_date else "")
            out.append(_TaskMonth(status, Decimal(100), done_date, text, None, None))
            continue
        span = (min(done, 13) - start + 1)
        target = 100 * (m - start + 1) / span
        if m >= delay_from:
            target *= rng.uniform(0.6, 0.85)
        percent = max(percent, min(95, int(target * rng.uniform(0.85, 1.1))), 5)
        status = "delayed" if m >= delay_from else "in_progress"
        text = rng.choice(_RESULTS_IN_PROGRESS).format(n=rng.randint(2, 9), p=percent)
        out.append(_TaskMonth(
            status, Decimal(percent), None, text,
            issue if status == "delayed" else None,
            proposal if status == "delayed" and rng.random() < 0.7 else None,
        ))
    return out


_LEVEL_UNIT_WORDS = ("%", "/", "‰")
_LEVEL_UNITS = {"nam", "tuoi", "diem", "hang", "bac", "lan", "usd/nguoi", "trieu dong/nguoi"}
_LEVEL_NAME_WORDS = ("ty le", "toc do", "chi so", "binh quan", "tuoi tho", "mat do", "ty trong",
                     "he so", "co cau", "xep hang", "thu nhap", "so giuong", "so bac si")


def is_level_indicator(indicator: Indicator) -> bool:
    """True for a rate or level (reported as a current value, not accumulated)."""
    unit = _fold(indicator.unit)
    name = _fold(indicator.name_vi)
    return (any(w in indicator.unit for w in _LEVEL_UNIT_WORDS) or unit in _LEVEL_UNITS
            or any(w in name for w in _LEVEL_NAME_WORDS))


@dataclass
class _IndicatorYear:
    level: bool
    percent: bool
    decimals: int
    month_value: list[Decimal | None]
    ytd: list[Decimal]
    last_year: list[Decimal]
    estimate: list[Decimal]
    data_status: list[str]
    source: str
    notes: list[str | None]


def _target_ref(ind: Indicator) -> float | None:
    low = float(ind.target_low) if ind.target_low is not None else None
    high = float(ind.target_high) if ind.target_high is not None else None
    if ind.direction == "within_range" and low is not None and high is not None:
        return (low + high) / 2
    if ind.direction == "lower_is_better":
        return high if high is not None else low
    return low if low is not None else high


_COUNT_UNITS = ("hop tac xa", "san pham", "doanh nghiep", "du an", "nguoi", "xa", "co so",
                "cai", "chiec", "ho", "truong", "hang", "thu hang", "vu", "luot", "cong trinh")


def _decimals_for(value: float, percent: bool, unit: str = "") -> int:
    folded = _fold(unit)
    if folded in _COUNT_UNITS or folded.startswith("so "):
        return 0  # counts and ranks are whole numbers
    if percent:
        return 2 if value < 10 else 1
    if value >= 1000:
        return 0
    if value >= 10:
        return 1
    return 2


def _indicator_year(ind: Indicator, seed: int) -> _IndicatorYear:
    rng = _rng(seed, "indicator", ind.indicator_code)
    level = is_level_indicator(ind)
    percent = "%" in ind.unit
    ref = _target_ref(ind)
    if ref is None or ref <= 0:
        ref = rng.choice((12.0, 85.0, 350.0, 2500.0, 48000.0)) if not percent else 60.0
    decimals = _decimals_for(ref, percent, ind.unit)
    low = float(ind.target_low) if ind.target_low is not None else ref
    high = float(ind.target_high) if ind.target_high is not None else ref
    reach = rng.random() < 0.85
    months = range(1, 13)
    if not level:
        if ind.direction == "lower_is_better":
            final = high * (rng.uniform(0.8, 0.99) if reach else rng.uniform(1.01, 1.1))
        elif ind.direction == "within_range":
            final = rng.uniform(low, high) if reach else low * rng.uniform(0.9, 0.98)
        else:
            final = ref * (rng.uniform(1.0, 1.12) if reach else rng.uniform(0.88, 0.99))
        weights = [rng.uniform(0.6, 1.4) for _ in months]
        total = sum(weights)
        cumulative, acc = [], 0.0
        for w in weights:
            acc += w
            cumulative.append(acc / total)
        ytd = [_q(final * c, decimals) for c in cumulative]
        ytd[-1] = _q(final, decimals)
        month_value: list[Decimal | None] = [
            ytd[i] - (ytd[i - 1] if i else Decimal(0)) for i in range(12)
        ]
        growth = rng.uniform(0.03, 0.15)
        last_year = [_q(float(v) / (1 + growth), decimals) for v in ytd]
        estimate = [
            _q(final * (1 + rng.uniform(-0.05, 0.05) * (12 - m) / 12), decimals) for m in months
        ]
        estimate[-1] = ytd[-1]
    else:
        if ind.direction == "lower_is_better":
            start = high * rng.uniform(1.12, 1.35)
            end = high * (rng.uniform(0.85, 0.98) if reach else rng.uniform(1.01, 1.05))
        elif ind.direction == "within_range":
            start = low * rng.uniform(0.93, 1.0)
            end = rng.uniform(low, high) if reach else low * rng.uniform(0.95, 0.99)
        else:
            start = ref * rng.uniform(0.92, 0.99)
            end = ref * (rng.uniform(1.0, 1.04) if reach else rng.uniform(0.96, 0.995))
        if percent:
            end = min(end, 100.0)
            start = min(start, 100.0)
        values = []
        cumulative_rate = percent and "giai ngan" in _fold(ind.name_vi)
        for m in months:
            if cumulative_rate:  # a year-to-date rate such as disbursement: S curve
                x = end * _S_CURVE[m - 1] * (rng.uniform(0.9, 1.1) if m < 12 else 1)
                x = max(x, values[-1] if values else 0.0)
            else:
                x = start + (end - start) * (m / 12) ** 0.8
                x += ref * rng.uniform(-0.004, 0.004) * (m < 12)
            values.append(x)
        if ind.direction == "lower_is_better":  # keeps falling
            values = [min(values[: i + 1]) for i in range(12)]
        values[-1] = end
        ytd = [_q(v, decimals) for v in values]
        month_value = [None] * 12
        last_year = [_q(start * rng.uniform(1.0, 1.06) if ind.direction == "lower_is_better"
                        else start * rng.uniform(0.94, 1.0), decimals) for _ in months]
        estimate = [_q(end * (1 + rng.uniform(-0.02, 0.02) * (12 - m) / 12), decimals)
                    for m in months]
        estimate[-1] = ytd[-1]
    data_status = [rng.choices(("Ước tính", "Sơ bộ", "Chính thức"), (6, 3, 1))[0]
                   for _ in months]
    notes: list[str | None] = []
    for m in months:
        r = rng.random()
        notes.append("=> Đạt kế hoạch năm" if m == 12 and reach and r < 0.5 else
                     "Số liệu ước tính" if r < 0.1 else None)
    return _IndicatorYear(level, percent, decimals, month_value, ytd, last_year, estimate,
                          data_status, rng.choice(_SOURCES_TEXT), notes)


_S_CURVE = (0.02, 0.05, 0.10, 0.16, 0.23, 0.32, 0.41, 0.50, 0.60, 0.71, 0.83, 1.0)
_SOURCE_WEIGHTS = (25, 30, 8, 5, 5, 4, 12, 6)  # aligned with CAPITAL_SOURCES


@dataclass
class _DisbursementLine:
    project: Project
    source: str
    investor: str
    plan: Decimal  # triệu đồng
    carried: Decimal
    ytd: list[Decimal]
    issues: list[str | None]


def _project_lines(project: Project, agency: Agency, decimals: int, seed: int
                   ) -> list[_DisbursementLine]:
    rng = _rng(seed, "project", project.project_code)
    n_sources = 2 if rng.random() < 0.3 else 1
    sources: list[str] = []
    while len(sources) < n_sources:
        s = rng.choices(CAPITAL_SOURCES, _SOURCE_WEIGHTS)[0]
        if s not in sources:
            sources.append(s)
    investor = agency.name_vi if rng.random() < 0.6 else rng.choice(_INVESTORS)
    lines = []
    for i, source in enumerate(sources):
        lo, hi = (100_000, 2_000_000) if project.is_key_project else (5_000, 250_000)
        plan = math.exp(rng.uniform(math.log(lo), math.log(hi)))
        if i:
            plan = max(5_000.0, plan * rng.uniform(0.1, 0.4))
        step = 100 if plan >= 100_000 else 10 if plan >= 10_000 else 1
        plan_d = Decimal(int(round(plan / step)) * step)
        carried = (_q(float(plan_d) * rng.uniform(0.02, 0.25), 0) if rng.random() < 0.3
                   else Decimal(0))
        final = 1.0 if rng.random() < 0.15 else rng.uniform(0.95, 0.999)
        fractions, acc = [], 0.0
        for m in range(12):
            f = min(1.0, _S_CURVE[m] * rng.uniform(0.8, 1.2)) if m < 11 else 1.0
            acc = max(acc, f)
            fractions.append(acc)
        ytd = [_q(float(plan_d) * final * f, decimals) for f in fractions]
        for m in range(1, 12):
            ytd[m] = max(ytd[m], ytd[m - 1])
        issue = rng.choice(_DISB_ISSUES)
        issues = [issue if fractions[m] < _S_CURVE[m] * 0.95 and m > 2 else None
                  for m in range(12)]
        lines.append(_DisbursementLine(project, source, investor, plan_d, carried, ytd, issues))
    return lines


# ------------------------------------------------------ one month's content ---

_ZERO = Decimal(0)


@dataclass
class _Sheet:
    template: Template
    headers: list[str]
    fields: list[str]
    rows: list[dict[str, Any]]
    kinds: list[str]  # per row: "data" | "total" | "heading"


_FIELDS: dict[Template, list[str]] = {
    "tasks": ["row_label", "task_code", "description_vi", "status", "percent_complete",
              "completed_date", "result_text", "issues_text", "proposals_text"],
    "indicators": ["row_label", "indicator_code", "name_vi", "unit", "annual_target",
                   "month_value", "ytd_value", "same_period_last_year", "full_year_estimate",
                   "data_status", "source_text", "note"],
    "disbursement": ["row_label", "project_code", "name_vi", "investor", "capital_source",
                     "annual_plan", "carried_over_plan", "month_disbursed", "ytd_disbursed",
                     "reported_rate", "issues_text"],
}
_NUMERIC = {"percent_complete", "month_value", "ytd_value", "same_period_last_year",
            "full_year_estimate", "annual_plan", "carried_over_plan", "month_disbursed",
            "ytd_disbursed", "reported_rate"}
_MONEY = {"annual_plan", "carried_over_plan", "month_disbursed", "ytd_disbursed"}
_REQUIRED_TO_DROP: dict[Template, str] = {
    "indicators": "ytd_value", "tasks": "status", "disbursement": "ytd_disbursed",
}


@dataclass
class _AgencyYear:
    agency: Agency
    profile: _Profile
    templates: tuple[Template, ...]
    tasks: list[tuple[Task, list[_TaskMonth]]]
    indicators: list[tuple[Indicator, _IndicatorYear]]
    lines: list[_DisbursementLine]
    seed: int


def _month_sheets(ay: _AgencyYear, month: int) -> list[_Sheet]:
    i = month - 1
    sheets = []
    money_unit = "tỷ đồng" if ay.profile.money_ty else "triệu đồng"
    for template in ay.templates:
        headers = list(HEADERS[template] if template != "disbursement"
                       else disbursement_headers(money_unit))
        rows: list[dict[str, Any]] = []
        kinds: list[str] = []
        if template == "tasks":
            for n, (task, series) in enumerate(ay.tasks, start=1):
                tm = series[i]
                rows.append({
                    "row_label": str(n), "task_code": task.task_code,
                    "description_vi": task.description_vi, "status": STATUS_VI[tm.status],
                    "percent_complete": tm.percent, "completed_date": tm.completed,
                    "result_text": tm.result, "issues_text": tm.issues,
                    "proposals_text": tm.proposals,
                })
                kinds.append("data")
        elif template == "indicators":
            for n, (ind, iy) in enumerate(ay.indicators, start=1):
                rows.append({
                    "row_label": str(n), "indicator_code": ind.indicator_code,
                    "name_vi": ind.name_vi, "unit": ind.unit,
                    "annual_target": target_text_vi(ind) or None,
                    "month_value": iy.month_value[i], "ytd_value": iy.ytd[i],
                    "same_period_last_year": iy.last_year[i],
                    "full_year_estimate": iy.estimate[i], "data_status": iy.data_status[i],
                    "source_text": iy.source, "note": iy.notes[i],
                    "_percent": iy.percent,
                })
                kinds.append("data")
        else:
            data_rows = []
            for line in ay.lines:
                ytd = line.ytd[i]
                prev = line.ytd[i - 1] if i else _ZERO
                data_rows.append({
                    "project_code": line.project.project_code, "name_vi": line.project.name_vi,
                    "investor": line.investor, "capital_source": line.source,
                    "annual_plan": line.plan, "carried_over_plan": line.carried,
                    "month_disbursed": ytd - prev, "ytd_disbursed": ytd,
                    "reported_rate": _q(ytd / line.plan * 100, 2) if line.plan else _ZERO,
                    "issues_text": line.issues[i], "_key": line.project.is_key_project,
                })
            if ay.profile.subtotals:
                rows, kinds = _with_subtotals(
                    data_rows, _rng(ay.seed, "subtotals", ay.agency.agency_code, month))
            else:
                for n, r in enumerate(data_rows, start=1):
                    rows.append({"row_label": str(n), **r})
                    kinds.append("data")
        sheets.append(_Sheet(template, headers, list(_FIELDS[template]), rows, kinds))
    return sheets


def _with_subtotals(data_rows: list[dict[str, Any]], rng: random.Random
                    ) -> tuple[list[dict[str, Any]], list[str]]:
    """Tổng cộng row (sum of the data rows), Trong đó: and group headings."""
    total = {f: sum((r[f] for r in data_rows), _ZERO) for f in _MONEY}
    plan = total["annual_plan"]
    total_row = {"row_label": None, "project_code": None, "name_vi": "Tổng cộng",
                 **total, "reported_rate": _q(total["ytd_disbursed"] / plan * 100, 2)
                 if plan else _ZERO}
    groups = [("I", "Dự án trọng điểm", [r for r in data_rows if r["_key"]]),
              ("II", "Dự án khác", [r for r in data_rows if not r["_key"]])]
    body: list[dict[str, Any]] = [{"row_label": None, "name_vi": "Trong đó:"}]
    kinds = ["heading"]
    for label, title, members in groups:
        if not members:
            continue
        body.append({"row_label": label, "name_vi": title})
        kinds.append("heading")
        for n, r in enumerate(members, start=1):
            body.append({"row_label": str(n), **r})
            kinds.append("data")
    if rng.random() < 0.5:  # total on top, as most provincial reports do
        return [total_row, *body], ["total", *kinds]
    return [*body, total_row], [*kinds, "total"]


# ------------------------------------------------------------- defects ---


def _unknown_code(code: str, known: set[str]) -> str:
    for suffix in ("9", "99", "X", "0"):
        candidate = code + suffix
        if candidate not in known:
            return candidate
    return "ZZ" + code


def _wrong_unit(unit: str) -> str:
    folded = _fold(unit)
    if "%" in unit:
        return unit.replace("%", "‰")
    if "trieu" in folded:
        return unit.replace("triệu", "nghìn")
    if "ty" in folded.split():
        return unit.replace("tỷ", "triệu")
    if folded == "ha":
        return "m²"
    return "nghìn " + unit


def _apply_defect(reason: str, sheets: list[_Sheet], catalog: Catalog,
                  rng: random.Random) -> Template | None:
    """Break one thing in the month's content; returns the template it hit."""
    by_t = {s.template: s for s in sheets}

    def data_rows(s: _Sheet) -> list[dict[str, Any]]:
        return [r for r, k in zip(s.rows, s.kinds, strict=True) if k == "data"]

    if reason == "unknown_task_code":
        row = rng.choice(data_rows(by_t["tasks"]))
        row["task_code"] = _unknown_code(row["task_code"], set(catalog.task_by_code))
        return "tasks"
    if reason == "invalid_status":
        row = rng.choice(data_rows(by_t["tasks"]))
        row["status"] = rng.choice(("Đang triển khai", "Đã xong", "Hoàn thành 80%"))
        return "tasks"
    if reason == "unit_mismatch":
        row = rng.choice(data_rows(by_t["indicators"]))
        row["unit"] = _wrong_unit(row["unit"])
        return "indicators"
    if reason == "missing_required_column":
        sheet = rng.choice(sheets)
        idx = sheet.fields.index(_REQUIRED_TO_DROP[sheet.template])
        del sheet.fields[idx]
        del sheet.headers[idx]
        return sheet.template
    return None  # period_mismatch is written into the Thông tin sheet


def _apply_correction_target(sheets: list[_Sheet], prev_sheets: list[_Sheet] | None,
                             rng: random.Random) -> str:
    """Turn the month's true content into a first version with one wrong value.

    The wrong value lies between last month's and this month's true values, so
    year-to-date figures stay non-decreasing whichever version is read.
    Returns a short description for the manifest.
    """
    prev_by_t = {s.template: s for s in prev_sheets or []}
    for template, code_field, value_field in (
        ("disbursement", "project_code", "ytd_disbursed"),
        ("indicators", "indicator_code", "ytd_value"),
        ("tasks", "task_code", "percent_complete"),
    ):
        sheet = next((s for s in sheets if s.template == template), None)
        if sheet is None:
            continue
        prev_sheet = prev_by_t.get(template)
        candidates = []
        for row, kind in zip(sheet.rows, sheet.kinds, strict=True):
            if kind != "data" or row.get(value_field) is None:
                continue
            if template == "indicators" and row.get("month_value") is None:
                continue  # levels are not cumulative
            prev_value = _ZERO
            if prev_sheet is not None:
                for pr, pk in zip(prev_sheet.rows, prev_sheet.kinds, strict=True):
                    if (pk == "data" and pr.get(code_field) == row[code_field]
                            and pr.get("capital_source") == row.get("capital_source")):
                        prev_value = pr.get(value_field) or _ZERO
            if row[value_field] > prev_value:
                candidates.append((row, prev_value))
        if not candidates:
            continue
        row, prev_value = rng.choice(candidates)
        true = row[value_field]
        places = max(0, -true.as_tuple().exponent)
        wrong = _q(prev_value + (true - prev_value) * Decimal("0.6"), places)
        if wrong == true:
            continue
        row[value_field] = wrong
        if template == "disbursement":
            row["month_disbursed"] = wrong - prev_value
            row["reported_rate"] = _q(wrong / row["annual_plan"] * 100, 2)
        elif template == "indicators":
            row["month_value"] = wrong - prev_value
        return f"{template}:{row[code_field]}:{value_field}"
    # Nothing numeric can move: the correction is a text change.
    sheet = sheets[0]
    text_field = {"tasks": "result_text", "indicators": "note",
                  "disbursement": "issues_text"}[sheet.template]
    for row, kind in zip(sheet.rows, sheet.kinds, strict=True):
        if kind == "data":
            row[text_field] = "Số liệu đang cập nhật"
            return f"{sheet.template}:{text_field}"
    return "none"


# ------------------------------------------------------------ rendering ---


class _Texts:
    """Text mess of one file: NFD, stray spaces and NBSP."""

    def __init__(self, profile: _Profile, rng: random.Random) -> None:
        self.profile = profile
        self.rng = rng

    def __call__(self, text: str, *, code: bool = False) -> str:
        if self.profile.spaces:
            r = self.rng.random()
            if code:
                if r < 0.12:
                    text = text + self.rng.choice((" ", "\u00a0", "  "))
            elif r < 0.08:
                text = " " + text
            elif r < 0.16:
                text = text + self.rng.choice((" ", "\u00a0"))
            elif r < 0.24 and " " in text:
                text = text.replace(" ", "\u00a0", 1)
        if self.profile.nfd:
            text = unicodedata.normalize("NFD", text)
        return text


def _num_text(value: Decimal, profile: _Profile, money: bool) -> str:
    if value == 0 and profile.dash_for_zero and money:
        return "-"
    if profile.vn_numbers:
        return vn_number(value)
    return format(value.normalize(), "f") if value == value.to_integral() else str(value)


def _date_value(value: dt.date, profile: _Profile, csv_file: bool) -> Any:
    if profile.date_style == "date" and not csv_file:
        return value
    if profile.date_style == "dmyy":
        return f"{value.day}/{value.month}/{value.strftime('%y')}"
    return value.strftime("%d/%m/%Y")


def _sheet_name(template: Template | None, profile: _Profile) -> str:
    name = SHEET_NAMES_VI[template] if template else INFO_SHEET
    if profile.sheet_case == "upper":
        return name.upper()
    if profile.sheet_case == "ascii":
        return _fold(name).capitalize()
    return name


def _money(value: Decimal, profile: _Profile) -> Decimal:
    return value / 1000 if profile.money_ty else value


def _cells(sheet: _Sheet, profile: _Profile, texts: _Texts, *, csv_file: bool,
           header_row: int) -> tuple[list[list[Any]], dict[int, dict[str, Any]]]:
    """Cell values (xlsx) or strings (csv) for the data rows of a sheet."""
    out: list[list[Any]] = []
    row_props: dict[int, dict[str, Any]] = {}
    col = {f: c for c, f in enumerate(sheet.fields)}
    excel_row = header_row + 2  # 1-based row of the first data row
    data_idx = [i for i, k in enumerate(sheet.kinds) if k == "data"]
    for i, (row, kind) in enumerate(zip(sheet.rows, sheet.kinds, strict=True)):
        values: list[Any] = []
        r1 = excel_row + i
        if kind != "data":
            row_props[i] = {"bold": True}
        for fname in sheet.fields:
            value = row.get(fname)
            pct = fname in {"percent_complete", "reported_rate"} or (
                fname in {"month_value", "ytd_value", "same_period_last_year",
                          "full_year_estimate"} and row.get("_percent"))
            if value is None:
                values.append("" if csv_file else None)
                continue
            if fname in _NUMERIC:
                number = _money(value, profile) if fname in _MONEY else value
                use_formula = profile.formulas and not csv_file
                if (use_formula and kind == "total" and fname in _MONEY and data_idx):
                    letter = column_letter(col[fname])
                    first, last = excel_row + data_idx[0], excel_row + data_idx[-1]
                    cached = sum((_money(sheet.rows[j][fname], profile) for j in data_idx
                                  if sheet.rows[j].get(fname) is not None), _ZERO)
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
                    values.append(_num_text(number, profile, fname in _MONEY))
                elif pct and profile.pct_fraction:
                    fmt = "0%" if fname == "percent_complete" else "0.00%"
                    values.append(Styled(number / 100, {"num_format": fmt}))
                else:
                    values.append(number)
                continue
            if isinstance(value, dt.date):
                values.append(_date_value(value, profile, csv_file))
                continue
            text = str(value)
            values.append(texts(text, code=fname.endswith("_code")))
        out.append(values)
    return out, row_props


def _render_xlsx(ay: _AgencyYear, sheets: list[_Sheet], year: int, month: int,
                 info_period: tuple[int, int], created: dt.datetime, rng: random.Random
                 ) -> bytes:
    profile = ay.profile
    texts = _Texts(profile, rng)
    buffer = io.BytesIO()
    wb = new_workbook(buffer, created.replace(tzinfo=None),
                      title=f"Báo cáo tháng {period_vi(*info_period)}", author=profile.preparer)
    styles = Styles(wb)
    iy, im = info_period
    rows = info_rows(ay.agency, iy, im, preparer=profile.preparer, phone=profile.phone,
                     email=profile.email)
    info: list[tuple[str, Any]] = []
    for key, value in rows:
        if key == "Ngày chốt số liệu" and profile.date_style == "date":
            value = dt.date(iy, im, 14)
        elif isinstance(value, str) and key not in ("Email", "Mã đơn vị"):
            value = texts(value)
        info.append((texts(key), value))
    write_info_sheet(wb, styles, info, name=_sheet_name(None, profile))
    refs = lists_refs()
    for sheet in sheets:
        titles = ([texts(t) for t in sheet_titles(sheet.template, ay.agency, iy, im)]
                  if profile.title_rows else [])
        header_row = len(titles) + 1 if titles else 0
        cells, row_props = _cells(sheet, profile, texts, csv_file=False, header_row=header_row)
        full = list(_FIELDS[sheet.template])
        base_props = template_column_props(sheet.template)
        col_props = [base_props[full.index(f)] for f in sheet.fields]
        widths = [COLUMN_WIDTHS[sheet.template][full.index(f)] for f in sheet.fields]
        headers = [texts(h) for h in sheet.headers]
        unit = "tỷ đồng" if profile.money_ty else "triệu đồng"
        ws, hr = write_data_sheet(
            wb, styles, _sheet_name(sheet.template, profile), headers, cells,
            titles=titles,
            unit_note=f"Đơn vị tính: {unit}" if sheet.template == "disbursement" else None,
            column_props=col_props, widths=widths, row_props=row_props,
            dropdowns=dropdown_columns(sheet.template, sheet.headers, refs),
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


def _render_csv(ay: _AgencyYear, sheet: _Sheet, year: int, month: int, rng: random.Random
                ) -> tuple[bytes, str]:
    profile = ay.profile
    texts = _Texts(profile, rng)
    buf = io.StringIO()
    delimiter = profile.delimiter or ","
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    width = len(sheet.fields)
    if profile.title_rows:
        for title in sheet_titles(sheet.template, ay.agency, year, month):
            writer.writerow([texts(title)] + [""] * (width - 1))
        writer.writerow([""] * width)
    writer.writerow([texts(h) for h in sheet.headers])
    cells, _ = _cells(sheet, profile, texts, csv_file=True, header_row=0)
    for values in cells:
        writer.writerow(["" if v is None else v for v in values])
    for _ in range(min(profile.trailing_rows, 6)):
        writer.writerow([""] * width)
    return _encode_csv(buf.getvalue(), profile.encoding or "utf-8")


def _mess_tags(profile: _Profile, sheets: Sequence[_Sheet], kind: str) -> list[str]:
    tags = []
    templates = {s.template for s in sheets}
    if profile.vn_numbers:
        tags.append("vn_number_text")
    if profile.dash_for_zero and "disbursement" in templates:
        tags.append("dash_for_zero")
    if profile.nfd:
        tags.append("nfd_text")
    if profile.spaces:
        tags.append("stray_spaces_nbsp")
    tags.append("title_rows" if profile.title_rows else "no_title_rows")
    if "disbursement" in templates:
        if profile.subtotals:
            tags.append("subtotal_rows")
        if profile.money_ty:
            tags.append("money_ty_dong")
        if profile.money_decimals:
            tags.append("money_decimals")
    if "tasks" in templates:
        if profile.date_style == "date" and kind == "xlsx":
            tags.append("dates_real")
        else:
            tags.append("dates_text_" + profile.date_style)
    if kind == "xlsx":
        if profile.pct_fraction and not profile.vn_numbers:
            tags.append("percent_fraction")
        if profile.formulas and not profile.vn_numbers:
            tags.append("formulas_cached")
        if profile.hidden_sheet:
            tags.append("hidden_sheet")
        if profile.sheet_case != "normal":
            tags.append(f"sheet_names_{profile.sheet_case}")
    if profile.trailing_rows:
        tags.append("trailing_empty_rows")
    return tags


# ------------------------------------------------------------------ cases ---


@dataclass
class _Slot:
    agency_code: str
    month: int
    case: str = "normal"  # normal | missing | resubmission | duplicate | <invalid reason>
    late: bool = False


def _assign_cases(ays: dict[str, _AgencyYear], seed: int) -> dict[tuple[str, int], _Slot]:
    rng = _rng(seed, "cases")
    slots = {(code, m): _Slot(code, m) for code in ays for m in range(1, 13)}
    order = sorted(slots)
    rng.shuffle(order)
    n = len(order)

    def count(share: float) -> int:
        return max(1, round(share * n))

    def eligible(case: str, ay: _AgencyYear) -> bool:
        xlsx = ay.profile.kind == "xlsx"
        return {
            "period_mismatch": xlsx,
            "resubmission": xlsx,
            "duplicate": xlsx,
            "unit_mismatch": "indicators" in ay.templates,
            "unknown_task_code": "tasks" in ay.templates,
            "invalid_status": "tasks" in ay.templates,
        }.get(case, True)

    plan = [
        ("period_mismatch", count(_SHARE_INVALID_EACH)),
        ("resubmission", count(_SHARE_RESUBMISSION)),
        ("duplicate", count(_SHARE_DUPLICATE)),
        ("unit_mismatch", count(_SHARE_INVALID_EACH)),
        ("unknown_task_code", count(_SHARE_INVALID_EACH)),
        ("invalid_status", count(_SHARE_INVALID_EACH)),
        ("missing_required_column", count(_SHARE_INVALID_EACH)),
        ("missing", count(_SHARE_MISSING)),
    ]
    for case, k in plan:
        # Spread each case over agencies before giving an agency a second one.
        used: dict[str, int] = {}
        for _ in range(k):
            best = None
            for key in order:
                slot = slots[key]
                if slot.case != "normal" or not eligible(case, ays[slot.agency_code]):
                    continue
                if best is None or used.get(key[0], 0) < used.get(best[0], 0):
                    best = key
                    if used.get(key[0], 0) == 0:
                        break
            if best is None:
                break
            slots[best].case = case
            used[best[0]] = used.get(best[0], 0) + 1
    present = [key for key in order if slots[key].case != "missing"]
    late_rng = _rng(seed, "late")
    for key in late_rng.sample(present, min(len(present), count(_SHARE_LATE))):
        slots[key].late = True
    return slots


def _arrival(year: int, month: int, late: bool, rng: random.Random, edge: bool) -> dt.datetime:
    if late:
        if edge:  # just after the deadline
            return dt.datetime(year, month, DEADLINE_DAY, 0, rng.randint(0, 20),
                               rng.randint(0, 59), tzinfo=TZ)
        day = rng.choice((20, 20, 21, 21, 22, 23, 24, 25, 26, 27, 28))
    else:
        if edge:  # just before the deadline
            return dt.datetime(year, month, DEADLINE_DAY - 1, 23, rng.randint(40, 59),
                               rng.randint(0, 59), tzinfo=TZ)
        day = rng.choice((15, 16, 16, 17, 17, 18, 18, 18, 19, 19, 19, 19))
    hour = rng.choice((7, 8, 8, 9, 9, 10, 10, 11, 13, 14, 14, 15, 15, 16, 16, 17, 20, 22))
    return dt.datetime(year, month, day, hour, rng.randint(0, 59), rng.randint(0, 59), tzinfo=TZ)


def _is_late(at: dt.datetime, year: int, month: int) -> bool:
    """Received on or after 00:00 on the deadline day of the period (local time)."""
    return at >= dt.datetime(year, month, DEADLINE_DAY, tzinfo=TZ)


# ------------------------------------------------------------------ public ---


def write_demo_year(
    catalog: Catalog,
    year: int,
    out_dir: Path,
    seed: int = 2024,
    *,
    months: Iterable[int] | None = None,
    overwrite: bool = False,
    progress: bool | None = None,
) -> DemoManifest:
    """Write a year of submissions for every reporting agency; returns the manifest.

    Files go to ``out_dir/<YYYY-MM>/``; the manifest also to
    ``out_dir/manifest.json``. ``months`` limits which months are written (the
    year is planned in full either way, so a month's files do not depend on
    which other months are written). A period folder that already holds files
    is an error unless ``overwrite``, which removes only files named like
    demo submissions (``<AGENCY>_<YYYY-MM>...``). ``progress`` shows a tqdm bar
    (default: when stderr is a terminal).
    """
    out_dir = Path(out_dir)
    wanted = sorted(set(months or range(1, 13)))
    if any(not 1 <= m <= 12 for m in wanted):
        raise ValueError(f"months must be 1..12, got {wanted}")
    agencies = catalog.reporting_agencies()
    codes = [a.agency_code for a in agencies]
    for m in wanted:
        folder = out_dir / _period(year, m)
        if folder.is_dir() and any(folder.iterdir()):
            if not overwrite:
                raise FileExistsError(f"{folder} is not empty (use overwrite=True)")
            prefixes = tuple(f"{c}_{_period(year, m)}" for c in codes)
            for path in folder.iterdir():
                if path.is_file() and path.name.startswith(prefixes):
                    path.unlink()

    profiles = _profiles(catalog, agencies, seed)
    ays: dict[str, _AgencyYear] = {}
    for agency in agencies:
        code = agency.agency_code
        profile = profiles[code]
        ays[code] = _AgencyYear(
            agency=agency, profile=profile, templates=catalog.templates_of(code),
            tasks=[(t, _task_year(t, year, seed)) for t in catalog.tasks_of(code)],
            indicators=[(i, _indicator_year(i, seed)) for i in catalog.indicators_of(code)],
            lines=[line for p in catalog.projects_of(code)
                   for line in _project_lines(p, agency, profile.money_decimals, seed)],
            seed=seed,
        )
    slots = _assign_cases(ays, seed)
    edge_rng = _rng(seed, "edges")
    present = sorted(k for k, s in slots.items() if s.case != "missing")
    late_keys = [k for k in present if slots[k].late]
    ontime_keys = [k for k in present if not slots[k].late]
    edges = set(edge_rng.sample(late_keys, min(2, len(late_keys))))
    edges |= set(edge_rng.sample(ontime_keys, min(3, len(ontime_keys))))

    files: list[DemoFile] = []
    missing: list[dict[str, str]] = []
    show = sys.stderr.isatty() if progress is None else progress
    work = [(m, code) for m in wanted for code in codes]
    for month, code in tqdm(work, desc=f"demo {year}", unit="agency-month", disable=not show):
        ay = ays[code]
        slot = slots[(code, month)]
        period = _period(year, month)
        folder = out_dir / period
        folder.mkdir(parents=True, exist_ok=True)
        if slot.case == "missing":
            missing.append({"agency_code": code, "period": period})
            continue
        rng = _rng(seed, "file", code, month)
        at = _arrival(year, month, slot.late, rng, (code, month) in edges)
        files.extend(_write_agency_month(catalog, ay, slot, year, month, folder, at, rng))

    manifest = DemoManifest(
        seed=seed, year=year, timezone="Asia/Ho_Chi_Minh",
        deadline=f"before day {DEADLINE_DAY} of the reporting month, local time",
        agencies=codes, files=files, missing=missing,
    )
    for f in files:
        f.path = f.path.replace(os.sep, "/")
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest.write_json(out_dir / "manifest.json")
    return manifest


def _write(path: Path, data: bytes, at: dt.datetime) -> tuple[str, int]:
    path.write_bytes(data)
    ts = int(at.timestamp())
    os.utime(path, ns=(ts * 1_000_000_000, ts * 1_000_000_000))
    return hashlib.sha256(data).hexdigest(), len(data)


def _write_agency_month(
    catalog: Catalog, ay: _AgencyYear, slot: _Slot, year: int, month: int, folder: Path,
    at: dt.datetime, rng: random.Random,
) -> list[DemoFile]:
    code = ay.agency.agency_code
    period = _period(year, month)
    profile = ay.profile
    sheets = _month_sheets(ay, month)
    rel = f"{period}/"
    out: list[DemoFile] = []
    reason = slot.case if slot.case in INVALID_REASONS else None
    hit: Template | None = None
    if reason:
        hit = _apply_defect(reason, sheets, catalog, _rng(rng.random(), "defect"))

    if profile.kind == "csv":
        for sheet in sheets:
            name = f"{code}_{period}_{CSV_SUFFIXES[sheet.template]}.csv"
            data, encoding = _render_csv(ay, sheet, year, month, rng)
            sha, size = _write(folder / name, data, at)
            mess = _mess_tags(profile, [sheet], "csv")
            if encoding != profile.encoding:
                mess.append("cp1258_fallback_utf8")
            bad = reason is not None and hit == sheet.template
            out.append(DemoFile(
                path=rel + name, agency_code=code, period=period, kind="csv",
                templates=[sheet.template], arrival_at=at.isoformat(),
                is_late=_is_late(at, year, month),
                outcome="invalid" if bad else "valid", reason=reason if bad else None,
                encoding=encoding, delimiter=profile.delimiter, sha256=sha, size=size,
                mess=mess,
            ))
        return out

    info_period = _prev(year, month) if reason == "period_mismatch" else (year, month)
    templates = [s.template for s in sheets]
    mess = _mess_tags(profile, sheets, "xlsx")
    created = at - dt.timedelta(minutes=rng.randint(20, 2 * 24 * 60))
    name = f"{code}_{period}.xlsx"
    if slot.case == "resubmission":
        true_sheets = copy.deepcopy(sheets)
        prev_sheets = _month_sheets(ay, month - 1) if month > 1 else None
        changed = _apply_correction_target(sheets, prev_sheets, _rng(rng.random(), "fix"))
        data = _render_xlsx(ay, sheets, year, month, info_period, created, _rng(rng.random()))
        sha, size = _write(folder / name, data, at)
        v2_name = f"{code}_{period}_v2.xlsx"
        at2 = at + dt.timedelta(days=rng.randint(2, 5), hours=rng.randint(-6, 6))
        v2 = _render_xlsx(ay, true_sheets, year, month, info_period,
                          at2 - dt.timedelta(hours=2), _rng(rng.random()))
        sha2, size2 = _write(folder / v2_name, v2, at2)
        out.append(DemoFile(
            path=rel + name, agency_code=code, period=period, kind="xlsx", templates=templates,
            arrival_at=at.isoformat(), is_late=_is_late(at, year, month), outcome="valid",
            superseded_by=rel + v2_name, sha256=sha, size=size, mess=mess,
        ))
        out.append(DemoFile(
            path=rel + v2_name, agency_code=code, period=period, kind="xlsx",
            templates=templates, arrival_at=at2.isoformat(), is_late=_is_late(at2, year, month),
            outcome="resubmission", reason=f"corrects {changed}", supersedes=rel + name,
            sha256=sha2, size=size2, mess=mess,
        ))
        return out

    data = _render_xlsx(ay, sheets, year, month, info_period, created, _rng(rng.random()))
    sha, size = _write(folder / name, data, at)
    out.append(DemoFile(
        path=rel + name, agency_code=code, period=period, kind="xlsx", templates=templates,
        arrival_at=at.isoformat(), is_late=_is_late(at, year, month),
        outcome="invalid" if reason else "valid", reason=reason, sha256=sha, size=size,
        mess=mess,
    ))
    if slot.case == "duplicate":
        dup_name = f"{code}_{period}_gui_lai.xlsx"
        at2 = at + dt.timedelta(hours=rng.randint(2, 40))
        sha2, size2 = _write(folder / dup_name, data, at2)
        out.append(DemoFile(
            path=rel + dup_name, agency_code=code, period=period, kind="xlsx",
            templates=templates, arrival_at=at2.isoformat(), is_late=_is_late(at2, year, month),
            outcome="duplicate", duplicate_of=rel + name, sha256=sha2, size=size2, mess=mess,
        ))
    return out


# ------------------------------------------------------------ sample data ---


def sample_catalog() -> Catalog:
    """A three-agency catalog (tasks, indicators, projects) for tests and demos."""
    from planwatch.catalog.seeds import Agency as A
    from planwatch.catalog.seeds import Indicator as I  # noqa: E741
    from planwatch.catalog.seeds import Project as P
    from planwatch.catalog.seeds import Task as T

    d = Decimal
    return Catalog(
        agencies=(
            A("SKHDT", "Sở Kế hoạch và Đầu tư", "Sở KH&ĐT", "department", "II.2.1", None),
            A("SDL", "Sở Du lịch", "Sở Du lịch", "department", "II.2.2", None),
            A("UBND_ALUOI", "UBND huyện A Lưới", "A Lưới", "district", "II.8", "ALUOI"),
        ),
        tasks=(
            T("NV-2-1-01", "SKHDT", "II.2.1",
              "Triển khai hiệu quả Quy hoạch tỉnh giai đoạn 2021 - 2030, tầm nhìn đến năm 2050.",
              "Năm 2024", True),
            T("NV-2-1-02", "SKHDT", "II.2.1",
              "- Theo dõi, đôn đốc, đánh giá tình hình phát triển kinh tế - xã hội, đầu tư "
              "công hàng tháng, quý.", "Thường xuyên", False),
            T("NV-2-1-03", "SKHDT", "II.2.1",
              "Triển khai các giải pháp cải thiện chỉ số PCI; hỗ trợ doanh nghiệp chuyển đổi số.",
              "Quý III/2024", False),
            T("NV-2-2-01", "SDL", "II.2.2",
              "Triển khai thực hiện hiệu quả chuỗi hoạt động của Festival 4 mùa.",
              "Trước 30/6/2024", True),
            T("NV-2-2-02", "SDL", "II.2.2",
              "Đổi mới mạnh mẽ công tác quảng bá, xúc tiến du lịch; kích cầu du lịch.",
              "Quý IV/2024", False),
            T("NV-8-01", "UBND_ALUOI", "II.8",
              "Đưa huyện A Lưới thoát khỏi huyện nghèo Quốc gia, hoàn tất các tiêu chí, thủ tục.",
              "trước quý III/2024", True),
            T("NV-8-02", "UBND_ALUOI", "II.8",
              "=> Rà soát hộ nghèo, hộ cận nghèo cuối năm 2024.",
              "Quý IV/2024", False),
        ),
        indicators=(
            I("CT-91", "Tổng lượt khách du lịch", "triệu lượt", d("3.5"), d("4"),
              "within_range", "SDL", "II.2.2", "3,5 - 4"),
            I("CT-92", "Doanh thu từ du lịch", "tỷ đồng", d("6000"), None,
              "higher_is_better", "SDL", "II.2.2", None),
            I("CT-93", "Tốc độ tăng trưởng GRDP", "%", d("7"), d("7.5"), "within_range",
              "SKHDT", "B.I", "7 - 7,5%"),
            I("CT-94", "Tỷ lệ hộ nghèo", "%", None, d("1.76"), "lower_is_better",
              "UBND_ALUOI", "II.8", "dưới 1,76%"),
            I("CT-95", "Diện tích cây lương thực có hạt", "ha", d("55000"), None,
              "higher_is_better", "UBND_ALUOI", "II.2.4", "trên 55.000"),
        ),
        projects=(
            P("DA-91", "Đường ven biển và cầu qua cửa Thuận An", "SKHDT", True,
              "II.2.1", None),
            P("DA-92", "Phần mềm quản lý đầu tư công", "SKHDT", False, "II.2.1", None),
            P("DA-93", "Đường giao thông liên xã Hồng Thượng - Phú Vinh", "UBND_ALUOI",
              False, "II.8", "ALUOI"),
        ),
    )


__all__ = [
    "DemoFile", "DemoManifest", "INVALID_REASONS", "encode_cp1258", "is_level_indicator",
    "sample_catalog", "write_demo_year",
]
