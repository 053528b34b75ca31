"""Feedback receipts: what an agency's clerk reads about a file they sent.

One HTML page (Vietnamese) and its JSON twin per processed file, named by
the file's SHA-256 under ``data/reports/receipts/``. Everything that came from
the file is escaped; nothing in it is ever interpreted.

A file written while its month was closed (the Department had published it)
is a restatement: the receipt says so, and that it does not replace the
figures as published. A receipt tells the month's deadline (``vocabulary.calendar``,
the one the marts judge by), and why it moved when its last day was not a
working day.
"""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from planwatch.quality.decision import file_status
from planwatch.reporting.vietnamese import datetime_vi, deadline_moved_vi, deadline_vi, zone_vi
from planwatch.text import shown
from planwatch.vocabulary.calendar import Deadline
from planwatch.vocabulary.periods import mm_yyyy
from planwatch.vocabulary.problems import distinct
from planwatch.vocabulary.statuses import SEVERITY_LABELS_VI, SUBMISSION_STATUS_LABELS_VI
from planwatch.vocabulary.templates import SHEET_NAMES_VI
from planwatch.warehouse.submissions import FileWrite

# Who closes a month, when the plan's catalog does not name its monitoring agency.
MONITORING_AGENCY_VI = "cơ quan theo dõi kế hoạch"


def restatement_notice_vi(period: str, closed_at: datetime, department_vi: str | None) -> str:
    """What a clerk reads about a file for a month already closed (published)."""
    return (f"Kỳ báo cáo tháng {mm_yyyy(period)} đã được "
            f"{department_vi or MONITORING_AGENCY_VI} khóa sổ (công bố số liệu) ngày "
            f"{closed_at:%d/%m/%Y}. Báo cáo này được ghi nhận là số liệu điều chỉnh sau khi "
            "đã công bố và không thay thế số liệu đã công bố.")


def _restatement(write: FileWrite, department_vi: str | None,
                 timezone: str | None) -> dict[str, Any] | None:
    closing = next((s for s in write.submissions
                    if s.is_restatement and s.period_closed_at and s.period), None)
    if closing is None:
        return None
    assert closing.period_closed_at is not None and closing.period is not None
    closed_at = closing.period_closed_at
    if timezone:
        closed_at = closed_at.astimezone(ZoneInfo(timezone))
    return {"period_closed_at": closed_at.isoformat(), "closed_by_vi": department_vi,
            "message_vi": restatement_notice_vi(closing.period, closed_at, department_vi)}


def _deadline(deadline: Deadline | None, timezone: str | None) -> dict[str, Any] | None:
    if deadline is None or timezone is None:
        return None
    return {"last_day": deadline.last_day.isoformat(),
            "on_time_before_at": deadline.on_time_before_at.isoformat(),
            "text_vi": deadline_vi(deadline.deadline_at, deadline.on_time_before_at, timezone),
            "moved_vi": deadline_moved_vi(deadline)}


def receipt_of(write: FileWrite, agency_name_vi: str | None, *,
               department_vi: str | None = None,
               timezone: str | None = None,
               deadline: Deadline | None = None) -> dict[str, Any]:
    """What the receipt of one received file says (its JSON form). ``department_vi``:
    who closes the plan's months (its monitoring agency); ``timezone``: the one
    a closing date is told in; ``deadline``: the month's, when it has one."""
    first = write.submissions[0]
    restatement = _restatement(write, department_vi, timezone)
    return {
        "deadline": _deadline(deadline, timezone),
        "file_name": write.file_name,
        "file_sha256": write.file_sha256,
        "plan_code": first.plan_code,
        "agency_code": first.agency_code,
        "agency_name_vi": agency_name_vi,
        "period": first.period,
        "received_at": write.received_at.isoformat(),
        "timezone": timezone,  # the one the page tells its times in (None: as stored)
        "processed_at": datetime.now(UTC).isoformat(),
        "status": file_status(s.status for s in write.submissions),
        "is_restatement": restatement is not None,
        "restatement": restatement,
        "submissions": [
            {"submission_id": s.submission_id, "template": s.template, "status": s.status,
             "version": s.version, "row_count": s.row_count, "duplicate_of": s.duplicate_of,
             "is_restatement": s.is_restatement}
            for s in write.submissions],
        "problems": [p.to_dict() for p in distinct(
            p for s in write.submissions for p in s.problems)],
    }


def write_receipt(html_path: Path, write: FileWrite, agency_name_vi: str | None, *,
                  department_vi: str | None = None, timezone: str | None = None,
                  deadline: Deadline | None = None) -> Path:
    """Write the receipt of ``write``: its HTML page and JSON twin (temp file then
    rename); returns the HTML path."""
    return _write_page_and_json(html_path, receipt_of(
        write, agency_name_vi, department_vi=department_vi, timezone=timezone,
        deadline=deadline))


def _write_page_and_json(html_path: Path, receipt: dict[str, Any]) -> Path:
    json_path = html_path.with_suffix(".json")
    html_path.parent.mkdir(parents=True, exist_ok=True)
    for path, text in ((json_path, json.dumps(receipt, ensure_ascii=False, indent=2,
                                              default=str)),
                       (html_path, render_html(receipt))):
        partial = path.with_suffix(path.suffix + ".part")
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)
    return html_path


def _earlier(problem: dict[str, Any]) -> str:
    """``2.198,2 (kỳ 06/2024, tệp STTTT_2024-06.xlsx)``: the earlier value and its file."""
    if not problem.get("earlier_period"):
        return ""
    where = f"kỳ {mm_yyyy(problem['earlier_period'])}"
    if problem.get("earlier_file"):
        where += f", tệp {problem['earlier_file']}"
    return f"{_e(problem.get('earlier_value'))} ({_e(where)})"


def _e(value: Any) -> str:
    return "" if value is None else html.escape(shown(value))


def _when(receipt: dict[str, Any]) -> str | None:
    """When the file was received, as the auditor's report tells a time:
    ``14:18 18/05/2024 (giờ Việt Nam (UTC+07:00))``; as stored without a zone."""
    received, zone = receipt.get("received_at"), receipt.get("timezone")
    if not received or not zone:
        return received
    return f"{datetime_vi(datetime.fromisoformat(received), zone)} ({zone_vi(zone)})"


def _status(code: str) -> str:
    return _e(SUBMISSION_STATUS_LABELS_VI.get(code, code))


def _deadline_row(deadline: dict[str, Any] | None) -> list[str]:
    if not deadline:
        return []
    moved = f"<br>{_e(deadline['moved_vi'])}" if deadline.get("moved_vi") else ""
    return [f"<tr><th>Hạn gửi</th><td>{_e(deadline['text_vi'])}{moved}</td></tr>"]


def render_html(receipt: dict[str, Any]) -> str:
    parts = [
        "<!doctype html><html lang='vi'><head><meta charset='utf-8'>",
        f"<title>Biên nhận báo cáo — {_e(receipt['file_name'])}</title>",
        "<style>body{font-family:sans-serif;margin:2em;max-width:70em}"
        "table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:4px 8px;"
        "vertical-align:top}.block{color:#a00}.warn{color:#a60}"
        ".restatement{border:2px solid #a60;padding:6px 10px;background:#fff8e6}"
        "</style></head><body>",
        "<h1>Biên nhận báo cáo tiến độ</h1>",
        "<table>",
        f"<tr><th>Tệp</th><td>{_e(receipt['file_name'])}</td></tr>",
        f"<tr><th>Mã SHA-256</th><td><code>{_e(receipt['file_sha256'])}</code></td></tr>",
        f"<tr><th>Kế hoạch</th><td>{_e(receipt.get('plan_code'))}</td></tr>",
        f"<tr><th>Đơn vị</th><td>{_e(receipt.get('agency_code'))} "
        f"{_e(receipt.get('agency_name_vi'))}</td></tr>",
        f"<tr><th>Kỳ báo cáo</th><td>{_e(receipt.get('period'))}</td></tr>",
        f"<tr><th>Thời điểm nhận</th><td>{_e(_when(receipt))}</td></tr>",
        *_deadline_row(receipt.get("deadline")),
        f"<tr><th>Kết quả</th><td><b>{_status(receipt['status'])}</b></td></tr>",
        "</table>",
    ]
    if receipt.get("restatement"):
        parts.append("<p class='restatement'><b>Số liệu điều chỉnh sau khi đã công bố.</b> "
                     f"{_e(receipt['restatement']['message_vi'])}</p>")
    for sub in receipt.get("submissions", []):
        title = SHEET_NAMES_VI.get(sub.get("template") or "", "Tệp")
        parts.append(f"<h2>{_e(title)}: {_status(sub['status'])}</h2>")
        if sub.get("version"):
            parts.append(f"<p>Phiên bản số {_e(sub['version'])}; số dòng tiếp nhận: "
                         f"{_e(sub.get('row_count', 0))}.</p>")
    problems = receipt.get("problems", [])
    if problems:
        # Rules that compare with an earlier month show what was reported then.
        earlier = any(p.get("earlier_period") for p in problems)
        parts.append(f"<h2>Các vấn đề cần xử lý ({len(problems)})</h2><table>"
                     "<tr><th>Mức độ</th><th>Sheet</th><th>Dòng</th><th>Cột</th>"
                     "<th>Giá trị</th>" + ("<th>Số liệu kỳ trước</th>" if earlier else "")
                     + "<th>Vấn đề</th><th>Yêu cầu</th><th>Cách sửa</th></tr>")
        for p in problems:
            parts.append(
                f"<tr class='{_e(p['severity'])}'>"
                f"<td>{_e(SEVERITY_LABELS_VI.get(p['severity']))}</td>"
                f"<td>{_e(p.get('sheet'))}</td><td>{_e(p.get('row'))}</td>"
                f"<td>{_e(p.get('column'))}</td><td>{_e(p.get('value'))}</td>"
                + (f"<td>{_earlier(p)}</td>" if earlier else "")
                + f"<td>{_e(p.get('message_vi'))}</td><td>{_e(p.get('expected'))}</td>"
                f"<td>{_e(p.get('fix_vi'))}</td></tr>")
        parts.append("</table>")
    else:
        parts.append("<p>Không phát hiện vấn đề nào.</p>")
    parts.append("</body></html>")
    return "\n".join(parts)
