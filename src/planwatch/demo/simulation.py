"""The demo year's true values: what each agency really did, month by month.

Task statuses progress over the year (not started -> in progress -> completed,
some delayed or completed late, recurring stays recurring) and percent complete
never decreases; additive indicators accumulate year to date and mostly reach
their target, rates drift slowly (a poverty rate falls below its ceiling);
disbursement follows a slow-then-fast S curve to 95-100 % of a fixed annual
plan per project and capital source. These values are never exported: tests
read the files back, as the pipeline does.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import re
from dataclasses import dataclass
from decimal import Decimal

from planwatch.catalog.model import Agency, Indicator, Project, Task
from planwatch.demo.seeding import fold_lower, quantize, seeded
from planwatch.vocabulary.periods import CUTOFF_DAY, previous_month
from planwatch.vocabulary.statuses import CAPITAL_SOURCE_CHOICES

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
    text = fold_lower(deadline)
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
    """A date in the reporting window of a month: the day after the previous
    month's cut-off to this month's cut-off."""
    start = dt.date(*previous_month(year, month), CUTOFF_DAY + 1)
    end = dt.date(year, month, CUTOFF_DAY)
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


@dataclass
class TaskMonth:
    status: str  # status code
    percent: Decimal | None
    completed: dt.date | None
    result: str | None
    issues: str | None
    proposals: str | None


def task_year(task: Task, year: int, seed: int) -> list[TaskMonth]:
    rng = seeded(seed, "task", task.task_code)
    recurring, due = _due_month(task.deadline_text)
    if due is None and not recurring:
        due = rng.choice((6, 9, 12, 12))
    if recurring:
        out = []
        for _ in range(1, 13):
            text = rng.choice(_RESULTS_RECURRING).format(n=rng.randint(2, 15))
            out.append(TaskMonth("recurring", None, None, text, None, None))
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
    out: list[TaskMonth] = []
    percent = 0
    issue = rng.choice(_ISSUES)
    proposal = rng.choice(_PROPOSALS)
    for m in range(1, 13):
        if m < start:
            out.append(TaskMonth("not_started", Decimal(0), None, None, None, None))
            continue
        if m >= done:
            status = "completed_late" if done > due else "completed"
            text = rng.choice(_RESULTS_DONE).format(
                n=rng.randint(100, 3500), d=done_date.strftime("%d/%m/%Y") if done_date else "")
            out.append(TaskMonth(status, Decimal(100), done_date, text, None, None))
            continue
        span = (min(done, 13) - start + 1)
        target = 100 * (m - start + 1) / span
        if m >= delay_from:
            target *= rng.uniform(0.6, 0.85)
        percent = max(percent, min(95, int(target * rng.uniform(0.85, 1.1))), 5)
        status = "delayed" if m >= delay_from else "in_progress"
        text = rng.choice(_RESULTS_IN_PROGRESS).format(n=rng.randint(2, 9), p=percent)
        out.append(TaskMonth(
            status, Decimal(percent), None, text,
            issue if status == "delayed" else None,
            proposal if status == "delayed" and rng.random() < 0.7 else None,
        ))
    return out


@dataclass
class IndicatorYear:
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
    folded = fold_lower(unit)
    if folded in _COUNT_UNITS or folded.startswith("so "):
        return 0  # counts and ranks are whole numbers
    if percent:
        return 2 if value < 10 else 1
    if value >= 1000:
        return 0
    if value >= 10:
        return 1
    return 2


def indicator_year(ind: Indicator, seed: int) -> IndicatorYear:
    rng = seeded(seed, "indicator", ind.indicator_code)
    level = not ind.accumulates
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
        ytd = [quantize(final * c, decimals) for c in cumulative]
        ytd[-1] = quantize(final, decimals)
        month_value: list[Decimal | None] = [
            ytd[i] - (ytd[i - 1] if i else Decimal(0)) for i in range(12)
        ]
        growth = rng.uniform(0.03, 0.15)
        last_year = [quantize(float(v) / (1 + growth), decimals) for v in ytd]
        estimate = [
            quantize(final * (1 + rng.uniform(-0.05, 0.05) * (12 - m) / 12), decimals)
            for m in months
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
        cumulative_rate = percent and "giai ngan" in fold_lower(ind.name_vi)
        for m in months:
            if cumulative_rate:  # a year-to-date rate such as disbursement: S curve
                x = end * S_CURVE[m - 1] * (rng.uniform(0.9, 1.1) if m < 12 else 1)
                x = max(x, values[-1] if values else 0.0)
            else:
                x = start + (end - start) * (m / 12) ** 0.8
                x += ref * rng.uniform(-0.004, 0.004) * (m < 12)
            values.append(x)
        if ind.direction == "lower_is_better":  # keeps falling
            values = [min(values[: i + 1]) for i in range(12)]
        values[-1] = end
        ytd = [quantize(v, decimals) for v in values]
        month_value = [None] * 12
        last_year = [quantize(start * rng.uniform(1.0, 1.06) if ind.direction == "lower_is_better"
                        else start * rng.uniform(0.94, 1.0), decimals) for _ in months]
        estimate = [quantize(end * (1 + rng.uniform(-0.02, 0.02) * (12 - m) / 12), decimals)
                    for m in months]
        estimate[-1] = ytd[-1]
    data_status = [rng.choices(("Ước tính", "Sơ bộ", "Chính thức"), (6, 3, 1))[0]
                   for _ in months]
    notes: list[str | None] = []
    for m in months:
        r = rng.random()
        notes.append("=> Đạt kế hoạch năm" if m == 12 and reach and r < 0.5 else
                     "Số liệu ước tính" if r < 0.1 else None)
    return IndicatorYear(level, percent, decimals, month_value, ytd, last_year, estimate,
                          data_status, rng.choice(_SOURCES_TEXT), notes)


S_CURVE = (0.02, 0.05, 0.10, 0.16, 0.23, 0.32, 0.41, 0.50, 0.60, 0.71, 0.83, 1.0)
_SOURCE_WEIGHTS = (25, 30, 8, 5, 5, 4, 12, 6)  # aligned with CAPITAL_SOURCE_CHOICES


@dataclass
class DisbursementLine:
    project: Project
    source: str
    investor: str
    plan: Decimal  # triệu đồng
    carried: Decimal
    ytd: list[Decimal]
    issues: list[str | None]


def project_lines(project: Project, agency: Agency, decimals: int, seed: int
                   ) -> list[DisbursementLine]:
    rng = seeded(seed, "project", project.project_code)
    n_sources = 2 if rng.random() < 0.3 else 1
    sources: list[str] = []
    while len(sources) < n_sources:
        s = rng.choices(CAPITAL_SOURCE_CHOICES, _SOURCE_WEIGHTS)[0]
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
        carried = (quantize(float(plan_d) * rng.uniform(0.02, 0.25), 0) if rng.random() < 0.3
                   else Decimal(0))
        final = 1.0 if rng.random() < 0.15 else rng.uniform(0.95, 0.999)
        # Each month disburses its share of the S curve, give or take 40 %.
        shares = [(S_CURVE[m] - (S_CURVE[m - 1] if m else 0.0)) * rng.uniform(0.6, 1.4)
                  for m in range(12)]
        fractions, acc = [], 0.0
        for share in shares:
            acc += share / sum(shares)
            fractions.append(min(acc, 1.0))
        fractions[-1] = 1.0
        ytd = [quantize(float(plan_d) * final * f, decimals) for f in fractions]
        for m in range(1, 12):
            ytd[m] = max(ytd[m], ytd[m - 1])
        issue = rng.choice(_DISB_ISSUES)
        issues = [issue if fractions[m] < S_CURVE[m] * 0.95 and m > 2 else None
                  for m in range(12)]
        lines.append(DisbursementLine(project, source, investor, plan_d, carried, ytd, issues))
    return lines
