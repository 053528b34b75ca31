"""The auditor's report on data quality: what failed and why, the figures changed
after the deadline, the month's data-quality scorecard. Pure, as
``auditor_sections``."""

from __future__ import annotations

import re
from typing import Any

from planwatch.quality.decision import file_status
from planwatch.reporting.auditor_records import files_table
from planwatch.reporting.auditor_sections import (
    Context,
    badge,
    empty,
    measure_vi,
    not_built,
    period_vi,
    section,
    separated,
    status_vi,
    template_vi,
    value_vi,
)
from planwatch.reporting.pages import Block, Bold, Code, Lines, Link, Para, Section, table
from planwatch.reporting.vietnamese import (
    DASH,
    datetime_vi,
    hours_vi,
    number_vi,
    numbers_in_text_vi,
)
from planwatch.vocabulary.statuses import SEVERITY_LABELS_VI, TASK_STATUS_LABELS_VI
from planwatch.warehouse.auditor_report import (
    FCT_DATA_QUALITY,
    RESTATEMENTS,
    SCORECARD,
    MonthData,
    Row,
)

PROBLEMS_PER_FILE = 100  # shown per file; the receipt lists them all


# -- what failed and why -----------------------------------------------------------


def _earlier(row: Row) -> Lines | str:
    value = row.get("earlier_value")
    if value is None:
        return DASH
    parts: list[Any] = [value_vi(value)]
    if row.get("earlier_period"):
        parts.append(f"kỳ {period_vi(row['earlier_period'])}")
    if row.get("earlier_file_name"):
        parts.append(Code(row["earlier_file_name"]))
    return Lines(parts)


def _problem_row(row: Row) -> list[Any]:
    severity = row.get("severity")
    observed = row.get("observed_value")
    where = [f"Sheet {row.get('sheet') or DASH}", f"dòng {number_vi(row.get('source_row'))}",
             f"cột {measure_vi(row.get('template'), row.get('column_name'))}"]
    return [badge(severity, SEVERITY_LABELS_VI.get(severity or "", severity)),
            Code(row.get("rule_code")),
            separated(where, ", "), row.get("item_code"),
            value_vi(observed) if observed is not None else DASH,
            numbers_in_text_vi(row.get("expected_value")),
            _earlier(row),
            [Lines([row.get("message_vi")], boxes=True),
             Lines([row.get("fix_vi") or ""], boxes=True, cls="muted")]]


WIDTHS = ["10%", "13%", "13%", "7%", "10%", "10%", "13%", "24%"]


def failures_section(data: MonthData, ctx: Context) -> Section:
    title = "Lỗi và cảnh báo: điều gì không đạt, vì sao"
    source = Para(f"Nguồn: {FCT_DATA_QUALITY}.", "note")
    if data.failures is None:
        return section("loi", title, not_built(FCT_DATA_QUALITY))
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
        blocking = sum(r.get("severity") == "block" for r in problems)
        heading = [agency or "Không rõ đơn vị", " — ", Code(file_name),
                   " ", badge(status, status_vi(status)) if status else ""]
        counts = (f"{number_vi(blocking)} lỗi phải sửa, {number_vi(len(problems) - blocking)} "
                  "lưu ý. ")
        shown = problems[:PROBLEMS_PER_FILE]
        more = (f"Còn {number_vi(len(problems) - len(shown))} vấn đề khác, xem biên nhận."
                if len(problems) > len(shown) else "")
        blocks.append(Block(heading, [
            Para([counts, more, " ", Link(ctx.receipt(receipt), "Biên nhận")]),
            table(headers, [_problem_row(r) for r in shown], cls="problems", widths=WIDTHS)],
            data_file=file_name))
    rejected = sum(1 for r in data.files if r["status"] == "rejected")
    intro = Para(f"{number_vi(len(files))} tệp có vấn đề ({number_vi(rejected)} biểu bị "
                 "từ chối). Lỗi phải sửa làm bài nộp bị từ chối; lưu ý không chặn việc "
                 "tiếp nhận.")
    return section("loi", title, intro, source, *blocks)


# -- restatements ------------------------------------------------------------------


def _version(row: Row, side: str, ctx: Context) -> Lines:
    """One of the two versions of a restated figure: file, version, row, arrival."""
    parts: list[Any] = [Link(ctx.receipt(row.get(f"{side}_receipt_path")),
                             row.get(f"{side}_file_name"))]
    details = [f"bản {number_vi(row.get(f'{side}_version'))}"]
    if row.get(f"{side}_source_row") is not None:
        details.append(f"dòng {number_vi(row[f'{side}_source_row'])}")
    parts.append(", ".join(details))
    if row.get(f"{side}_received_at") is not None:
        parts.append(f"nhận {datetime_vi(row[f'{side}_received_at'], ctx.timezone)}")
    return Lines(parts)


_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def figure_vi(measure: str | None, number: Any, text: Any) -> str:
    """A compared figure: a number the Vietnamese way (every digit), a task status
    by its label, an ISO date as dd/mm/yyyy, empty as ``—``."""
    if number is not None:
        return number_vi(number, None)
    if text is None:
        return DASH
    if measure == "task_status":
        return TASK_STATUS_LABELS_VI.get(str(text), str(text))
    date = _ISO_DATE.match(str(text))
    return f"{date[3]}/{date[2]}/{date[1]}" if date else str(text)


def restatements_section(data: MonthData, ctx: Context) -> Section:
    title = "Số liệu thay đổi sau hạn gửi"
    if data.restatements is None:
        parts: list[Any] = [not_built(RESTATEMENTS)]
        if data.restated_files:
            parts += [Para("Các tệp nhận được khi kỳ đã khóa sổ (theo nhật ký tiếp nhận):"),
                      files_table(data.restated_files, ctx)]
        return section("dieu-chinh", title, *parts)
    if not data.restatements:
        return section("dieu-chinh", title, empty(
            "Không có số liệu nào của kỳ này bị thay đổi sau hạn gửi hay khi kỳ đã khóa sổ."))
    rows = []
    for r in data.restatements:
        measure = r.get("measure")
        item = [Code(r.get("item_code")),
                f" · {r['capital_source']}" if r.get("capital_source") else ""]
        rows.append([r.get("agency_code"), template_vi(r.get("template")), item,
                     measure_vi(r.get("template"), measure),
                     figure_vi(measure, r.get("old_value"), r.get("old_value_text")),
                     figure_vi(measure, r.get("new_value"), r.get("new_value_text")),
                     figure_vi(measure, r.get("change_value"), None)
                     if r.get("change_value") is not None else DASH,
                     figure_vi(measure, r.get("deadline_value"), r.get("deadline_value_text"))
                     if r.get("is_known_at_deadline") else "chưa có bản đạt trước hạn",
                     _version(r, "old", ctx), _version(r, "new", ctx),
                     badge("close", "Có") if r.get("is_restatement") else "Không"])
    headers = ["Đơn vị", "Biểu", "Mục", "Chỉ số", "Giá trị cũ", "Giá trị mới", "Chênh lệch",
               "Số đã biết tại hạn gửi", "Bản cũ", "Bản mới", "Nhận khi kỳ đã khóa sổ"]
    closed = sum(bool(r.get("is_restatement")) for r in data.restatements)
    intro = Para(f"{number_vi(len(rows))} số liệu do một bản nhận sau hạn gửi thay đổi so "
                 f"với bản trước đó ({number_vi(closed)} khi kỳ đã khóa sổ). Số đã biết "
                 "tại hạn gửi là số của bản đạt yêu cầu mới nhất nhận trước hạn.")
    return section("dieu-chinh", title, intro,
                   table(headers, rows, numeric=[4, 5, 6, 7], cls="restatements",
                         widths=["8%", "7%", "8%", "10%", "8%", "8%", "7%", "8%", "14%", "14%",
                                 "8%"]))


# -- the data-quality scorecard ----------------------------------------------------

# (heading, column, how to show it); the count columns are summed in the last row.
SCORECARD_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Bài nộp", "submission_count"),
    ("Bị từ chối", "rejected_count"),
    ("Gửi lại", "resubmission_count"),
    ("Nhận khi đã khóa sổ", "restatement_count"),
    ("Số kiểm tra", "check_count"),
    ("Không đạt", "failed_check_count"),
    ("Lỗi phải sửa", "blocking_failure_count"),
    ("Lưu ý", "warning_count"),
    ("Từ chối chưa có bản thay thế đạt", "unresolved_rejection_count"),
)


def scorecard_section(data: MonthData, ctx: Context) -> Section:
    title = "Bảng điểm chất lượng dữ liệu của kỳ"
    if data.scorecard is None:
        return section("chat-luong", title, not_built(SCORECARD))
    if not data.scorecard:
        return section("chat-luong", title, empty("Chưa nhận được bài nộp nào của kỳ này."))
    rows, totals = [], [0] * len(SCORECARD_COLUMNS)
    for r in data.scorecard:
        counts = [r.get(column) or 0 for _, column in SCORECARD_COLUMNS]
        totals = [t + c for t, c in zip(totals, counts, strict=True)]
        hours = (f"{hours_vi(r.get('mean_hours_to_accepted_resubmission'))} "
                 f"(tối đa {hours_vi(r.get('max_hours_to_accepted_resubmission'))})"
                 if r.get("max_hours_to_accepted_resubmission") is not None else DASH)
        rows.append([Lines([Bold(r["agency_code"]), r.get("agency_name_vi")]),
                     *(number_vi(c) for c in counts), hours])
    worst = max((r["max_hours_to_accepted_resubmission"] for r in data.scorecard
                 if r.get("max_hours_to_accepted_resubmission") is not None), default=None)
    rows.append([Bold("Cộng"), *(Bold(number_vi(t)) for t in totals),
                 Bold(f"tối đa {hours_vi(worst)}") if worst is not None else ""])
    headers = ["Đơn vị", *(h for h, _ in SCORECARD_COLUMNS),
               "Từ lúc bị từ chối đến khi được tiếp nhận (trung bình)"]
    intro = Para("Mỗi đơn vị: các bài nộp (tệp × biểu) của kỳ, số lần kiểm tra đã chạy và "
                 "số không đạt, và thời gian từ khi một bài nộp bị từ chối đến khi bản gửi "
                 "lại được tiếp nhận.")
    return section("chat-luong", title, intro,
                   table(headers, rows, numeric=range(1, len(headers)), cls="scorecard",
                         widths=["16%", *["7.5%"] * len(SCORECARD_COLUMNS), "16.5%"]))


