"""Feedback receipts: what an agency's clerk reads about a file they sent.

One HTML page (Vietnamese) and its JSON twin per processed file, named by
the file's SHA-256 under ``data/reports/receipts/``. Everything that came from
the file is escaped; nothing in it is ever interpreted.

A file written while its month was closed (the Department had published it)
is a restatement: the receipt says so, and that it does not replace the
figures as published.
"""

from __future__ import annotations

import html
import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo

from planwatch.quality.decision import file_status
from planwatch.reporting.vietnamese import datetime_vi, zone_vi
from planwatch.text import shown
from planwatch.vocabulary.periods import mm_yyyy
from planwatch.vocabulary.problems import distinct
from planwatch.vocabulary.statuses import (
    SEVERITY_LABELS_VI,
    SUBMISSION_CHANNEL_LABELS_VI,
    SUBMISSION_STATUS_LABELS_VI,
)
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


def receipt_of(write: FileWrite, agency_name_vi: str | None, *,
               department_vi: str | None = None,
               timezone: str | None = None) -> dict[str, Any]:
    """What the receipt of one received file says (its JSON form). ``department_vi``:
    who closes the plan's months (its monitoring agency); ``timezone``: the one
    a closing date is told in."""
    first = write.submissions[0]
    restatement = _restatement(write, department_vi, timezone)
    return {
        "file_name": write.file_name,
        "file_sha256": write.file_sha256,
        "plan_code": first.plan_code,
        "agency_code": first.agency_code,
        "agency_name_vi": agency_name_vi,
        "period": first.period,
        "inbox_path": write.inbox_path,
        "submitted_via": write.submitted_via,
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
                  department_vi: str | None = None, timezone: str | None = None) -> Path:
    """Write the receipt of ``write``: its HTML page and JSON twin (temp file then
    rename); returns the HTML path."""
    return _write_page_and_json(html_path, receipt_of(
        write, agency_name_vi, department_vi=department_vi, timezone=timezone))


def write_back(html_path: Path, inbox: Path, folder: str) -> list[str]:
    """Copy a receipt (its page and JSON, as written under the receipts folder)
    into ``inbox/folder``, the sender's ``bien_nhan/``, so that the clerk finds it
    where the file was dropped; returns the copies written.

    The sender's folder is writable by the sender (an SFTP chroot): every folder
    is opened from its parent's descriptor with O_NOFOLLOW (a ``bien_nhan`` swapped
    for a link to elsewhere raises OSError, nothing is written), ``bien_nhan`` is
    made if missing, and a copy never replaces a file there: an existing name of
    other content gets the next free name (``…-2.html``); the same content is
    left as it is (a receipt written again). Returns the names written."""
    parts = PurePosixPath(folder).parts
    if not parts or any(part in ("", ".", "..") for part in parts):
        raise OSError(f"not a folder beneath the inbox: {folder!r}")
    fd = os.open(inbox, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for n, part in enumerate(parts):
            flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
            try:
                below = os.open(part, flags, dir_fd=fd)
            except FileNotFoundError:
                if n < len(parts) - 1:
                    raise
                os.mkdir(part, 0o755, dir_fd=fd)
                below = os.open(part, flags, dir_fd=fd)
            os.close(fd)
            fd = below
        return [written for source in (html_path.with_suffix(".json"), html_path)
                if (written := _write_new(fd, source.name, source.read_bytes()))]
    finally:
        os.close(fd)


def _write_new(folder_fd: int, name: str, data: bytes) -> str | None:
    """``data`` as a new file in the folder, never over another file nor through a
    link; None when a file of that name already holds exactly ``data``."""
    stem, dot, suffix = name.rpartition(".")
    for n in range(1, 1000):
        candidate = name if n == 1 else f"{stem}-{n}{dot}{suffix}"
        try:
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW,
                         0o644, dir_fd=folder_fd)
        except FileExistsError:
            if _holds(folder_fd, candidate, data):
                return None
            continue
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        return candidate
    raise OSError(f"no free name for {name!r}")


def _holds(folder_fd: int, name: str, data: bytes) -> bool:
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder_fd)
    except OSError:
        return False
    with os.fdopen(fd, "rb") as existing:
        return (stat.S_ISREG(os.fstat(existing.fileno()).st_mode)
                and existing.read(len(data) + 1) == data)


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
        f"<tr><th>Nơi nhận tệp</th><td>{_e(receipt.get('inbox_path'))}"
        + (f" ({_e(SUBMISSION_CHANNEL_LABELS_VI.get(receipt['submitted_via']))})"
           if receipt.get("submitted_via") else "") + "</td></tr>",
        f"<tr><th>Thời điểm nhận</th><td>{_e(_when(receipt))}</td></tr>",
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
