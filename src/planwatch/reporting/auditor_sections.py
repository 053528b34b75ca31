"""The sections of a month's auditor's report, each from ``MonthData`` to HTML.

Every value is escaped (``html_page``); numbers, dates and times are written
the Vietnamese way in the plan's time zone (``vietnamese``). A section whose
mart is not built says so rather than failing. Pure: no database, no files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from planwatch.quality.decision import file_status
from planwatch.reporting.html_page import Markup, esc, join, link, table, tag
from planwatch.reporting.vietnamese import (
    DASH,
    datetime_vi,
    hours_vi,
    machine_number_vi,
    number_vi,
    numbers_in_text_vi,
    percent_vi,
)
from planwatch.vocabulary.periods import mm_yyyy
from planwatch.vocabulary.statuses import (
    COMPLIANCE_STATUS_CODES,
    COMPLIANCE_STATUS_LABELS_VI,
    SEVERITY_LABELS_VI,
    SUBMISSION_STATUS_LABELS_VI,
)
from planwatch.vocabulary.templates import SHEET_NAMES_VI, SPECS, TEMPLATES
from planwatch.warehouse.auditor_report import (
    EVIDENCE_PACKS,
    PERIOD_EVENTS,
    RESTATEMENTS,
    SCORECARD,
    MonthData,
    Row,
)
from planwatch.warehouse.summary import LOADED

PROBLEMS_PER_FILE = 100  # shown per file; the receipt lists them all
ACTION_LABELS_VI = {"close": "Khóa sổ", "reopen": "Mở lại"}


@dataclass(frozen=True)
class Context:
    """What every section needs besides the data: the time zone its times are
    shown in, and ``receipt`` turning a path under the data folder's home
    (as audit records it) into a link relative to the page."""

    timezone: str
    receipt: Callable[[str | None], str | None]


def pick(row: Mapping[str, Any], *names: str, default: Any = None) -> Any:
    """The first of ``names`` the row has (marts may name a column slightly
    differently from one version to the next)."""
    for name in names:
        if name in row:
            return row[name]
    return default


def badge(code: str | None, label: str | None = None) -> Markup:
    if not code:
        return esc(DASH)
    return tag("span", label or code, class_=f"s s-{code}")


def template_vi(template: str | None) -> str:
    return SHEET_NAMES_VI.get(template or "", template or "Tệp")


def measure_vi(template: str | None, measure: str | None) -> str:
    """A raw column's header as the template writes it (``Lũy kế giải ngân (đồng)``;
    money in the warehouse is exact VND)."""
    spec = SPECS.get(template or "")  # type: ignore[call-overload]
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


def empty(text: str) -> Markup:
    return tag("p", text, class_="empty")


def not_built(relation: str) -> Markup:
    return tag("p", f"Chưa có dữ liệu: bảng {relation} chưa được xây dựng trong kho dữ "
                    "liệu (chạy lại bước dbt build sau khi cập nhật).", class_="missing-data")


def section(anchor: str, title: str, *parts: Any) -> Markup:
    return Markup(f'<section id="{esc(anchor)}">{tag("h2", title)}{join(parts)}</section>')


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


def events_section(data: MonthData, ctx: Context) -> Markup:
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


def _cell(row: Row, ctx: Context, receipts: Mapping[int, str | None]) -> Markup:
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
        last.append(link(receipts[shown], "biên nhận"))
    if last:
        lines.append(join(last, " · "))
    return join(tag("div", line) for line in lines)


NOT_OWED = tag("span", "không phải báo cáo", class_="not-owed")


def compliance_section(data: MonthData, ctx: Context) -> Markup:
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
    cards = join(Markup(f'<div class="card s-{esc(code)}"><b>{esc(number_vi(n))}</b>'
                        f"{esc(COMPLIANCE_STATUS_LABELS_VI[code])}</div>")
                 for code, n in counts.items() if code in COMPLIANCE_STATUS_LABELS_VI)
    receipts = {f["submission_id"]: ctx.receipt(f.get("receipt_path")) for f in data.files}
    body, attrs = [], []
    for code, owed in agencies.items():
        by_template = {r["template"]: r for r in owed}
        first = owed[0]
        assessed, on_time = first.get("ytd_assessed_count"), first.get("ytd_on_time_count")
        ytd = (f"{percent_vi(on_time / assessed)} ({number_vi(on_time)}/{number_vi(assessed)})"
               if assessed else DASH)
        body.append([join([tag("b", code), Markup("<br>"), first.get("agency_name_vi")]),
                     *(_cell(by_template[t], ctx, receipts) if t in by_template
                       else NOT_OWED for t in TEMPLATES),
                     ytd])
        attrs.append({"data-agency": code,
                      "data-status": " ".join(r["compliance_status"] for r in owed)})
    headers = ["Đơn vị", *(template_vi(t) for t in TEMPLATES),
               "Đúng hạn từ đầu năm đến kỳ này"]
    intro = tag("p", f"{number_vi(len(agencies))} đơn vị phải gửi {number_vi(len(rows))} "
                     "biểu báo cáo (đơn vị × biểu) cho kỳ này. Mỗi biểu được đánh giá theo "
                     "bản đạt yêu cầu đầu tiên: đúng hạn nếu nhận được trước hạn gửi.")
    as_of = rows[0].get("status_as_of_at")
    note = tag("p", f"Tình trạng tính đến lần xây dựng số liệu lúc "
                    f"{datetime_vi(as_of, ctx.timezone)}.", class_="note") if as_of else ""
    return section("tuan-thu", "Tình hình gửi báo cáo", intro, Markup(
        f'<div class="cards">{cards}</div>'), note,
        table(headers, body, row_attrs=attrs, cls="compliance", id_="bang-tuan-thu",
              numeric=[len(headers) - 1], widths=["22%", "21%", "21%", "21%", "15%"]))


# -- what failed and why -----------------------------------------------------------


def _earlier(row: Row) -> Markup:
    value = pick(row, "earlier_value")
    if value is None:
        return esc(DASH)
    period = pick(row, "earlier_period")
    file_name = pick(row, "earlier_file_name", "earlier_file")
    parts: list[Any] = [value_vi(value)]
    if period:
        parts += [Markup("<br>"), f"kỳ {period_vi(period)}"]
    if file_name:
        parts += [Markup("<br>"), tag("span", file_name, class_="code")]
    return join(parts)


def _problem_row(row: Row) -> list[Any]:
    severity = pick(row, "severity")
    observed = pick(row, "observed_value", "value")
    where = [f"Sheet {pick(row, 'sheet', 'sheet_name') or DASH}",
             f"dòng {number_vi(pick(row, 'source_row', 'row'))}",
             f"cột {measure_vi(pick(row, 'template'), pick(row, 'column_name', 'column'))}"]
    return [badge(severity, SEVERITY_LABELS_VI.get(severity or "", severity)),
            tag("span", pick(row, "rule_code", "code"), class_="code"),
            join(where, ", "), pick(row, "item_code", "item"),
            value_vi(observed) if observed is not None else DASH,
            numbers_in_text_vi(pick(row, "expected_value", "expected")),
            _earlier(row),
            join([tag("div", pick(row, "message_vi")),
                  tag("div", pick(row, "fix_vi") or "", class_="muted")])]


WIDTHS = ["10%", "13%", "13%", "7%", "10%", "10%", "13%", "24%"]


def failures_section(data: MonthData, ctx: Context) -> Markup:
    title = "Lỗi và cảnh báo: điều gì không đạt, vì sao"
    source = tag("p", f"Nguồn: {data.failures_source}.", class_="note")
    if not data.failures:
        return section("loi", title, empty("Không có bài nộp nào bị từ chối hay có lưu ý "
                                           "trong kỳ này."), source)
    files: dict[tuple[Any, ...], list[Row]] = {}
    for row in data.failures:
        key = (row.get("agency_code"), row.get("file_name"), row.get("receipt_path"))
        files.setdefault(key, []).append(row)
    headers = ["Mức độ", "Quy tắc", "Vị trí", "Mục", "Giá trị", "Yêu cầu",
               "Kỳ trước (giá trị, kỳ, tệp)", "Vấn đề và cách sửa"]
    blocks = []
    for (agency, file_name, receipt), problems in files.items():
        statuses = [s for s in (r.get("submission_status") for r in problems) if s]
        status = file_status(statuses) if statuses else None
        blocking = sum(pick(r, "severity") == "block" for r in problems)
        heading = join([agency or "Không rõ đơn vị", " — ", tag("span", file_name, class_="code"),
                        " ", badge(status, status_vi(status)) if status else ""])
        counts = (f"{number_vi(blocking)} lỗi phải sửa, {number_vi(len(problems) - blocking)} "
                  "lưu ý. ")
        shown = problems[:PROBLEMS_PER_FILE]
        more = (f"Còn {number_vi(len(problems) - len(shown))} vấn đề khác, xem biên nhận."
                if len(problems) > len(shown) else "")
        blocks.append(Markup(
            f'<div class="file" data-file="{esc(file_name)}">{tag("h3", heading)}'
            f"{tag('p', join([counts, more, ' ', link(ctx.receipt(receipt), 'Biên nhận')]))}"
            f"{table(headers, [_problem_row(r) for r in shown], cls='problems', widths=WIDTHS)}"
            "</div>"))
    rejected = sum(1 for r in data.files if r["status"] == "rejected")
    intro = tag("p", f"{number_vi(len(files))} tệp có vấn đề ({number_vi(rejected)} biểu bị "
                     "từ chối). Lỗi phải sửa làm bài nộp bị từ chối; lưu ý không chặn việc "
                     "tiếp nhận.")
    return section("loi", title, intro, source, join(blocks))


# -- restatements ------------------------------------------------------------------


def _version(row: Row, side: str, ctx: Context) -> Markup:
    file_name = pick(row, f"{side}_file_name")
    submission = pick(row, f"{side}_submission_id")
    received = pick(row, f"{side}_received_at")
    parts: list[Any] = [tag("span", file_name or DASH, class_="code")]
    if submission is not None:
        parts += [Markup("<br>"), f"bài nộp {submission}"]
    if received is not None:
        parts += [Markup("<br>"), f"nhận {datetime_vi(received, ctx.timezone)}"]
    return join(parts)


def restatements_section(data: MonthData, ctx: Context) -> Markup:
    title = "Điều chỉnh số liệu đã công bố"
    if data.restatements is None:
        parts: list[Any] = [not_built(RESTATEMENTS)]
        if data.restated_files:
            parts += [tag("p", "Các tệp nhận được khi kỳ đã khóa sổ (theo nhật ký tiếp nhận):"),
                      files_table(data.restated_files, ctx)]
        return section("dieu-chinh", title, *parts)
    if not data.restatements:
        return section("dieu-chinh", title, empty("Không có số liệu nào của kỳ này được "
                                                  "điều chỉnh sau khi đã tiếp nhận."))
    rows = []
    for r in data.restatements:
        closed = pick(r, "is_period_closed", "was_period_closed", "is_month_closed",
                      "was_closed", "is_closed")
        rows.append([pick(r, "agency_code"), template_vi(pick(r, "template")),
                     tag("span", pick(r, "item_code", "item"), class_="code"),
                     pick(r, "measure_label_vi", "measure_vi") or measure_vi(
                         pick(r, "template"), pick(r, "measure", "column_name")),
                     value_vi(pick(r, "old_value")), value_vi(pick(r, "new_value")),
                     _version(r, "old", ctx), _version(r, "new", ctx),
                     DASH if closed is None else ("Đã khóa sổ" if closed else "Chưa khóa")])
    headers = ["Đơn vị", "Biểu", "Mục", "Chỉ số", "Giá trị cũ", "Giá trị mới", "Bản cũ",
               "Bản mới", "Kỳ khi nhận bản mới"]
    return section("dieu-chinh", title,
                   tag("p", f"{number_vi(len(rows))} số liệu thay đổi giữa hai bản được "
                            "tiếp nhận của cùng đơn vị, biểu và kỳ."),
                   table(headers, rows, numeric=[4, 5], cls="restatements"))


# -- the data-quality scorecard ----------------------------------------------------

# (heading, candidate column names, how to show it)
SCORECARD_COLUMNS: tuple[tuple[str, tuple[str, ...], Callable[[Any], str]], ...] = (
    ("Số kiểm tra", ("checks_run", "check_count", "checks_count"), number_vi),
    ("Không đạt", ("checks_failed", "failed_count", "failed_check_count"), number_vi),
    ("Lỗi phải sửa", ("blocking_count", "blocking_failures", "failed_block_count"),
     number_vi),
    ("Lưu ý", ("warning_count", "warnings", "failed_warn_count"), number_vi),
    ("Bị từ chối", ("rejected_count", "rejected_submission_count", "rejections"), number_vi),
    ("Gửi lại", ("resubmission_count", "resubmissions"), number_vi),
    ("Từ lúc bị từ chối đến khi được tiếp nhận",
     ("hours_to_accepted_resubmission", "hours_rejection_to_acceptance",
      "hours_to_fix", "hours_rejected_to_accepted"), hours_vi),
)


def scorecard_section(data: MonthData, ctx: Context) -> Markup:
    title = "Bảng điểm chất lượng dữ liệu của kỳ"
    if data.scorecard is None:
        return section("chat-luong", title, not_built(SCORECARD))
    if not data.scorecard:
        return section("chat-luong", title, empty("Chưa có kết quả kiểm tra nào của kỳ này."))
    present = [c for c in SCORECARD_COLUMNS
               if any(name in data.scorecard[0] for name in c[1])]
    rows, totals = [], [Decimal(0)] * len(present)
    for r in data.scorecard:
        values = [pick(r, *names) for _, names, _ in present]
        rows.append([pick(r, "agency_code"), *(show(v) for v, (_, _, show)
                                               in zip(values, present, strict=True))])
        totals = [t + Decimal(str(v or 0)) for t, v in zip(totals, values, strict=True)]
    summed = [number_vi(t) if show is number_vi else "" for t, (_, _, show)
              in zip(totals, present, strict=True)]
    rows.append([tag("b", "Cộng"), *(tag("b", s) for s in summed)])
    return section("chat-luong", title,
                   table(["Đơn vị", *(h for h, _, _ in present)], rows,
                         numeric=range(1, len(present) + 1), cls="scorecard"))


# -- files received, evidence packs ------------------------------------------------


def files_table(files: Sequence[Row], ctx: Context) -> Markup:
    """One line per file received: each of its sheet sets (a submission) with
    the outcome it got, its problems, its hash and its receipt."""
    grouped: dict[tuple[Any, ...], list[Row]] = {}
    for f in files:
        key = (f.get("file_sha256"), f.get("received_at"), f["file_name"])
        grouped.setdefault(key, []).append(f)
    rows = []
    for (sha256, received_at, file_name), subs in grouped.items():
        outcomes = join(tag("div", join([
            template_vi(s.get("template")), ": ", badge(s["status"], status_vi(s["status"])),
            f" bản {number_vi(s['version'])}, {number_vi(s.get('row_count'))} dòng"
            if s.get("version") and s["status"] in LOADED else ""])) for s in subs)
        problems = sum(s.get("problem_count") or 0 for s in subs)
        blocking = sum(s.get("blocking_count") or 0 for s in subs)
        rows.append([subs[0].get("agency_code") or "Không rõ",
                     tag("span", file_name, class_="code"),
                     datetime_vi(received_at, ctx.timezone), outcomes,
                     f"{number_vi(blocking)} / {number_vi(problems - blocking)}",
                     tag("span", (sha256 or "")[:16], class_="code", title=sha256),
                     link(ctx.receipt(subs[0].get("receipt_path")), "Biên nhận")])
    headers = ["Đơn vị", "Tệp", "Nhận lúc", "Biểu: kết quả", "Lỗi / lưu ý", "SHA-256",
               "Biên nhận"]
    return table(headers, rows, numeric=[4], cls="files",
                 widths=["11%", "20%", "9%", "31%", "7%", "14%", "8%"])


def files_section(data: MonthData, ctx: Context) -> Markup:
    title = "Các tệp đã nhận"
    if not data.files:
        return section("tep", title, empty("Chưa nhận được tệp nào cho kỳ này."))
    names = len({(f["file_sha256"], f["received_at"]) for f in data.files})
    return section("tep", title, tag("p", f"{number_vi(names)} tệp đã nhận, gồm "
                                          f"{number_vi(len(data.files))} biểu. Biên nhận là "
                                          "trang đơn vị nhận được về tệp đã gửi; SHA-256 là "
                                          "mã băm của đúng các byte đã nhận (16 ký tự đầu)."),
                   files_table(data.files, ctx))


def evidence_section(data: MonthData, ctx: Context,
                     pack_link: Callable[[str | None], str | None]) -> Markup:
    title = "Hồ sơ chứng cứ"
    if data.evidence_packs is None:
        return section("chung-cu", title, not_built(EVIDENCE_PACKS))
    if not data.evidence_packs:
        return section("chung-cu", title, empty(
            "Chưa lập hồ sơ chứng cứ nào cho kỳ này (lệnh planwatch evidence)."))
    rows = []
    for p in data.evidence_packs:
        path = pick(p, "pack_path", "path", "out_dir", "folder")
        rows.append([p.get("agency_code"), datetime_vi(_when(p.get("created_at")),
                                                       ctx.timezone),
                     p.get("created_by"), tag("code", p.get("manifest_sha256")),
                     tag("code", p.get("previous_manifest_sha256")),
                     link(pack_link(path), path) if path else "Không ghi nhận"])
    return section("chung-cu", title, tag(
        "p", "Mỗi hồ sơ có tệp kê khai (manifest) với mã băm của từng tệp, nối chuỗi với hồ "
             "sơ trước của cùng đơn vị; kiểm tra bằng planwatch evidence --verify."),
        table(["Đơn vị", "Lập lúc", "Người lập", "Mã băm manifest", "Hồ sơ trước",
               "Thư mục"], rows))


def _when(value: Any) -> Any:
    """A timestamp that came back as JSON text (``to_jsonb``) as a datetime."""
    from datetime import datetime

    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return value


def header_pairs(data: MonthData, ctx: Context) -> Iterable[tuple[str, Any]]:
    plan, month = data.plan or {}, data.month or {}
    deadline = month.get("on_time_before_at")
    yield "Kế hoạch", join([tag("b", data.plan_code), " — ", plan.get("plan_title_vi")])
    if plan.get("issuer_name_vi"):
        yield "Cơ quan ban hành", plan["issuer_name_vi"]
    if plan.get("monitoring_agency_name_vi"):
        yield "Cơ quan theo dõi", plan["monitoring_agency_name_vi"]
    yield "Kỳ báo cáo", f"Tháng {data.period[5:]}/{data.period[:4]}"
    if month.get("cutoff_date"):
        yield "Ngày chốt số liệu", f"{month['cutoff_date']:%d/%m/%Y}"
    yield "Hạn gửi", f"trước {datetime_vi(deadline, ctx.timezone)}" if deadline else DASH
    yield "Trạng thái kỳ", period_state(data, ctx)
