"""Feedback receipts: what an agency's clerk reads about a file they sent.

One HTML page (Vietnamese) and its JSON twin per processed file, named by
the file's SHA-256 under ``data/reports/receipts/``. The JSON is the data
contract (ISO times, the zone); the page is ``templates/receipt.html``, where
everything that came from the file is escaped and nothing in it is ever
interpreted.

A file written while its month was closed (the Department had published it)
is a restatement: the receipt says so, and that it does not replace the
figures as published. A receipt tells the month's deadline (``vocabulary.calendar``,
the one the marts judge by), and why it moved when its last day was not a
working day.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo

from planwatch.quality.decision import file_status
from planwatch.reporting.pages import render
from planwatch.reporting.vietnamese import deadline_moved_vi, deadline_vi
from planwatch.vocabulary.calendar import Deadline
from planwatch.vocabulary.periods import mm_yyyy
from planwatch.vocabulary.problems import distinct
from planwatch.vocabulary.statuses import (
    RECEIVED_TIME_KIND_LABELS_VI,
    REJECTED,
    SERVER_CLOCK,
    SEVERITY_LABELS_VI,
    SUBMISSION_CHANNEL_LABELS_VI,
    SUBMISSION_STATUS_LABELS_VI,
)
from planwatch.vocabulary.templates import SHEET_NAMES_VI
from planwatch.warehouse.refusals import Refusal
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
        "inbox_path": write.inbox_path,
        "submitted_via": write.submitted_via,
        "received_at": write.received_at.isoformat(),
        # Whose clock received_at is (vocabulary RECEIVED_TIME_KINDS), and the
        # file's own time beside it, as information.
        "received_at_kind": write.received_at_kind,
        "file_modified_at": write.file_modified_at.isoformat(),
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


def refusal_of(refusal: Refusal, agency_name_vi: str | None, *,
               timezone: str | None = None) -> dict[str, Any]:
    """What the receipt of a file refused unread says: the same form as a
    receipt (``receipt_of``), rejected, with no hash (the file was not read)
    and no submission."""
    return {
        "file_name": refusal.file_name, "file_sha256": None, "plan_code": None,
        "agency_code": refusal.agency_code, "agency_name_vi": agency_name_vi,
        "period": refusal.period, "received_at": refusal.received_at.isoformat(),
        "received_at_kind": SERVER_CLOCK,
        "file_modified_at": refusal.file_modified_at.isoformat(),
        "timezone": timezone, "processed_at": datetime.now(UTC).isoformat(),
        "status": REJECTED, "refused_unread": True, "file_size": refusal.stat_key[0],
        "is_restatement": False, "restatement": None, "submissions": [],
        "problems": [p.to_dict() for p in refusal.problems],
    }


def write_refusal_receipt(html_path: Path, refusal: Refusal, agency_name_vi: str | None, *,
                          timezone: str | None = None) -> Path:
    """Write the receipt of a file refused unread (HTML + JSON); returns the HTML path."""
    return _write_page_and_json(html_path, refusal_of(refusal, agency_name_vi,
                                                      timezone=timezone))


def write_receipt(html_path: Path, write: FileWrite, agency_name_vi: str | None, *,
                  department_vi: str | None = None, timezone: str | None = None,
                  deadline: Deadline | None = None) -> Path:
    """Write the receipt of ``write``: its HTML page and JSON twin (temp file then
    rename); returns the HTML path."""
    return _write_page_and_json(html_path, receipt_of(
        write, agency_name_vi, department_vi=department_vi, timezone=timezone,
        deadline=deadline))


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
                with contextlib.suppress(FileExistsError):  # made by another writer
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


def _earlier_where(problem: dict[str, Any]) -> str | None:
    """``kỳ 06/2024, tệp STTTT_2024-06.xlsx``: where the earlier value was reported."""
    if not problem.get("earlier_period"):
        return None
    where = f"kỳ {mm_yyyy(problem['earlier_period'])}"
    if problem.get("earlier_file"):
        where += f", tệp {problem['earlier_file']}"
    return where


def _status(code: str) -> str:
    return SUBMISSION_STATUS_LABELS_VI.get(code, code)


def page_of(receipt: dict[str, Any]) -> dict[str, Any]:
    """What the receipt's page shows, from its JSON form: labels in Vietnamese,
    times as ``datetime`` for the page's one way of writing them."""
    received = receipt.get("received_at")
    problems = [{**p, "severity_vi": SEVERITY_LABELS_VI.get(p["severity"]),
                 "earlier_where": _earlier_where(p)}
                for p in receipt.get("problems", [])]
    return {
        **{key: receipt.get(key) for key in (
            "file_name", "file_sha256", "plan_code", "agency_code", "period")},
        "agency_name_vi": receipt.get("agency_name_vi") or "",
        # Told in the page's zone; a receipt that names none is told in UTC.
        "received_at": datetime.fromisoformat(received) if received else None,
        "timezone": receipt.get("timezone") or "UTC",
        # Whose clock the time is (the server's, or the file's own in an import of old files).
        "received_kind": RECEIVED_TIME_KIND_LABELS_VI.get(receipt.get("received_at_kind") or ""),
        "refused_unread": receipt.get("refused_unread", False),
        # Where the file was found, and whose folder that is (the agency's own, or
        # the issuer's shared folder: the Department's import).
        "inbox_path": receipt.get("inbox_path"),
        "submitted_via": SUBMISSION_CHANNEL_LABELS_VI.get(receipt.get("submitted_via") or ""),
        # The month's deadline (vocabulary.calendar), and why it moved.
        "deadline": receipt.get("deadline"),
        "status": _status(receipt["status"]),
        "restatement": (receipt.get("restatement") or {}).get("message_vi"),
        "submissions": [{**sub, "title": SHEET_NAMES_VI.get(sub.get("template") or "", "Tệp"),
                         "status": _status(sub["status"]), "row_count": sub.get("row_count", 0)}
                        for sub in receipt.get("submissions", [])],
        "problems": problems,
        # Rules that compare with an earlier month show what was reported then.
        "earlier": any(p.get("earlier_period") for p in problems),
    }


def render_html(receipt: dict[str, Any]) -> str:
    """The receipt's page (``templates/receipt.html``)."""
    return render("receipt.html", **page_of(receipt))
