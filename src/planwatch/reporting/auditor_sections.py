"""The sections of a month's auditor's report, each from ``MonthData`` to HTML.

A section is plain data (``pages``: paragraphs, tables, badges, links) that
``templates/_parts.html`` shows, every value escaped; numbers, dates and times
are written the Vietnamese way in the plan's time zone (``vietnamese``). A
section whose mart is not built says so rather than failing. Pure: no
database, no files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from planwatch.reporting.pages import Badge, Bold, Cards, Lines, Link, Para, Section, table
from planwatch.reporting.vietnamese import (
    DASH,
    datetime_vi,
    deadline_vi,
    machine_number_vi,
    number_vi,
    percent_vi,
)
from planwatch.vocabulary.periods import mm_yyyy
from planwatch.vocabulary.statuses import (
    COMPLIANCE_STATUS_CODES,
    COMPLIANCE_STATUS_LABELS_VI,
    SUBMISSION_STATUS_LABELS_VI,
)
from planwatch.vocabulary.templates import SHEET_NAMES_VI, SPECS, TEMPLATES
from planwatch.warehouse.auditor_report import (
    PERIOD_EVENTS,
    MonthData,
    Row,
)

ACTION_LABELS_VI = {"close": "Khóa sổ", "reopen": "Mở lại"}


@dataclass(frozen=True)
class Context:
    """What every section needs besides the data: the time zone its times are
    shown in, and ``receipt`` turning a path under the data folder's home
    (as audit records it) into a link relative to the page."""

    timezone: str
    receipt: Callable[[str | None], str | None]


def pick(row: Mapping[str, Any], *names: str, default: Any = None) -> Any:
    """The first of ``names`` the row has (an evidence pack's record may name
    where the pack was written, under one of a few names, or not at all)."""
    for name in names:
        if name in row:
            return row[name]
    return default


def badge(code: str | None, label: str | None = None) -> Badge | str:
    if not code:
        return DASH
    return Badge(code, label or code)


def template_vi(template: str | None) -> str:
    return SHEET_NAMES_VI.get(template or "", template or "Tệp")


# A mart's name for a template column, where it differs.
MART_MEASURES = {"task_status": "status"}


def measure_vi(template: str | None, measure: str | None) -> str:
    """A raw column's header as the template writes it (``Lũy kế giải ngân (đồng)``;
    money in the warehouse is exact VND)."""
    spec = SPECS.get(template or "")  # type: ignore[call-overload]
    measure = MART_MEASURES.get(measure or "", measure)
    for f in spec.fields if spec else ():
        if measure in (c.name for c in f.raw_columns):
            return f"{f.header_vi} (đồng)" if f.kind == "money" else f.header_vi
    return measure or DASH


def period_vi(period: str | None) -> str:
    return mm_yyyy(period) if period and len(period) == 7 else (period or DASH)


def status_vi(status: str | None) -> str:
    return SUBMISSION_STATUS_LABELS_VI.get(status or "", status or DASH)


def value_vi(value: Any) -> str:
    """A value of a row (observed, earlier, old or new): numbers the Vietnamese
    way with every digit, any other text exactly as it is."""
    return machine_number_vi(value)


def empty(text: str) -> Para:
    return Para(text, "empty")


def not_built(relation: str) -> Para:
    return Para(f"Chưa có dữ liệu: bảng {relation} chưa được xây dựng trong kho dữ "
                "liệu (chạy lại bước dbt build sau khi cập nhật).", "missing-data")


def section(anchor: str, title: str, *parts: Any) -> Section:
    return Section(anchor, title, [p for p in parts if p != ""])


def separated(parts: Iterable[Any], sep: str) -> list[Any]:
    """``parts`` with ``sep`` between each two."""
    out: list[Any] = []
    for part in parts:
        out += [sep, part] if out else [part]
    return out


# -- the month's state -------------------------------------------------------------


def period_state(data: MonthData, ctx: Context) -> str:
    """``Đã khóa sổ lúc … bởi …`` / ``Chưa khóa sổ``, from the latest event."""
    events = data.period_events
    if events is None:
        return "Chưa rõ (kho dữ liệu chưa ghi nhận việc khóa sổ)"
    if not events:
        return "Chưa khóa sổ"
    last = events[-1]
    when = datetime_vi(last["occurred_at"], ctx.timezone)
    if last["action"] == "close":
        return f"Đã khóa sổ lúc {when} bởi {last['actor']}"
    return f"Đã mở lại lúc {when} bởi {last['actor']} (lý do: {last.get('reason') or DASH})"


def events_section(data: MonthData, ctx: Context) -> Section:
    if data.period_events is None:
        return section("khoa-so", "Lịch sử khóa sổ", not_built(PERIOD_EVENTS))
    if not data.period_events:
        return section("khoa-so", "Lịch sử khóa sổ",
                       empty("Kỳ này chưa từng được khóa sổ hay mở lại."))
    rows = [(datetime_vi(e["occurred_at"], ctx.timezone),
             badge(e["action"], ACTION_LABELS_VI.get(e["action"], e["action"])),
             e["actor"], e.get("reason")) for e in data.period_events]
    return section("khoa-so", "Lịch sử khóa sổ",
                   table(["Thời điểm", "Việc", "Người thực hiện", "Lý do"], rows))


# -- compliance --------------------------------------------------------------------


def _cell(row: Row, ctx: Context, receipts: Mapping[int, str | None]) -> Lines:
    status = row["compliance_status"]
    lines: list[Any] = [badge(status, COMPLIANCE_STATUS_LABELS_VI.get(status, status))]
    if row.get("first_received_at"):
        lines.append(f"Nhận {datetime_vi(row['first_received_at'], ctx.timezone)}")
    if status == "late" and row.get("days_late"):
        lines.append(f"Trễ {number_vi(row['days_late'])} ngày")
    attempts, rejected = row.get("attempt_count") or 0, row.get("rejected_count") or 0
    if rejected:
        lines.append(f"{number_vi(attempts)} lần gửi, {number_vi(rejected)} bị từ chối")
    elif attempts > 1:
        lines.append(f"{number_vi(attempts)} lần gửi")
    shown = row.get("submission_id") or row.get("latest_attempt_submission_id")
    last: list[Any] = []
    if row.get("version"):
        last.append(f"Bản {number_vi(row['version'])}, {number_vi(row.get('row_count'))} dòng")
    if shown and receipts.get(shown):
        last.append(Link(receipts[shown], "biên nhận"))
    if last:
        lines.append(separated(last, " · "))
    return Lines(lines, boxes=True)


NOT_OWED = Lines(["không phải báo cáo"], boxes=True, cls="not-owed")


def compliance_section(data: MonthData, ctx: Context) -> Section:
    rows = data.compliance
    if not rows:
        return section("tuan-thu", "Tình hình gửi báo cáo",
                       empty("Không có đơn vị nào phải báo cáo cho kỳ này (kỳ nằm ngoài "
                             "khoảng đã có số liệu, hoặc kế hoạch chưa có đơn vị báo cáo)."))
    counts = {code: 0 for code in COMPLIANCE_STATUS_CODES}
    for row in rows:
        counts[row["compliance_status"]] = counts.get(row["compliance_status"], 0) + 1
    agencies: dict[str, list[Row]] = {}
    for row in rows:
        agencies.setdefault(row["agency_code"], []).append(row)
    cards = Cards([(code, number_vi(n), COMPLIANCE_STATUS_LABELS_VI[code])
                   for code, n in counts.items() if code in COMPLIANCE_STATUS_LABELS_VI])
    receipts = {f["submission_id"]: ctx.receipt(f.get("receipt_path")) for f in data.files or []}
    body, attrs = [], []
    for code, owed in agencies.items():
        by_template = {r["template"]: r for r in owed}
        first = owed[0]
        assessed, on_time = first.get("ytd_assessed_count"), first.get("ytd_on_time_count")
        ytd = (f"{percent_vi(on_time / assessed)} ({number_vi(on_time)}/{number_vi(assessed)})"
               if assessed else DASH)
        body.append([Lines([Bold(code), first.get("agency_name_vi")]),
                     *(_cell(by_template[t], ctx, receipts) if t in by_template
                       else NOT_OWED for t in TEMPLATES),
                     ytd])
        attrs.append({"agency": code,
                      "status": " ".join(r["compliance_status"] for r in owed)})
    headers = ["Đơn vị", *(template_vi(t) for t in TEMPLATES),
               "Đúng hạn từ đầu năm đến kỳ này"]
    intro = Para(f"{number_vi(len(agencies))} đơn vị phải gửi {number_vi(len(rows))} "
                 "biểu báo cáo (đơn vị × biểu) cho kỳ này. Mỗi biểu được đánh giá theo "
                 "bản đạt yêu cầu đầu tiên: đúng hạn nếu nhận được trước hạn gửi.")
    as_of = rows[0].get("status_as_of_at")
    note = Para(f"Tình trạng tính đến lần xây dựng số liệu lúc "
                f"{datetime_vi(as_of, ctx.timezone)}.", "note") if as_of else ""
    return section("tuan-thu", "Tình hình gửi báo cáo", intro, cards, note,
        table(headers, body, row_attrs=attrs, cls="compliance", id_="bang-tuan-thu",
              numeric=[len(headers) - 1], widths=["22%", "21%", "21%", "21%", "15%"]))


def header_pairs(data: MonthData, ctx: Context) -> Iterable[tuple[str, Any]]:
    plan, month = data.plan or {}, data.month or {}
    deadline = month.get("on_time_before_at")
    yield "Kế hoạch", [Bold(data.plan_code), " — ", plan.get("plan_title_vi")]
    if plan.get("issuer_name_vi"):
        yield "Cơ quan ban hành", plan["issuer_name_vi"]
    if plan.get("monitoring_agency_name_vi"):
        yield "Cơ quan theo dõi", plan["monitoring_agency_name_vi"]
    yield "Kỳ báo cáo", f"Tháng {data.period[5:]}/{data.period[:4]}"
    if month.get("cutoff_date"):
        yield "Ngày chốt số liệu", f"{month['cutoff_date']:%d/%m/%Y}"
    # The last day to send, as receipts and reminders tell it (vocabulary.calendar).
    yield "Hạn gửi", deadline_vi(month.get("deadline_at") or deadline, deadline,
                                 ctx.timezone) if deadline else DASH
    yield "Trạng thái kỳ", period_state(data, ctx)
