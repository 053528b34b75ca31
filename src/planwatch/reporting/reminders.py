"""The deadline notices: what an agency is told it still owes for a month, the
summary the Department that follows the plan gets, and when a notice is new.

Statuses come from the marts (``warehouse.deadlines.month_status``); nothing
here judges compliance. An agency *owes* a template while no version of it was
accepted (``OWED_COMPLIANCE_STATUSES``: rejected, missing, not yet due); a late
one is listed for its information, an on-time one is not listed. The emails are
Vietnamese, their text assembled from blocks that become both a plain-text and
an HTML body (``templates/reminder.html``); every value from the catalog is
escaped in the HTML. An agency's reminder carries its pre-filled workbook for
the period.

A notice is sent again for the same plan × agency × period only when what it
says changed: ``digest`` of its content against the last one sent (``decide``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from planwatch.catalog.model import Catalog
from planwatch.reporting.pages import render
from planwatch.reporting.vietnamese import deadline_vi as deadline_text
from planwatch.vocabulary.periods import mm_yyyy
from planwatch.vocabulary.statuses import (
    COMPLIANCE_STATUS_CODES,
    COMPLIANCE_STATUS_LABELS_VI,
    OWED_COMPLIANCE_STATUSES,
)
from planwatch.vocabulary.templates import TEMPLATES, spec
from planwatch.warehouse.deadlines import MonthRow, NoticeHistory
from planwatch.workbooks.templates import build_template, template_file_name

# What a notice lists: what is owed, and what arrived late.
LISTED_STATUSES: tuple[str, ...] = (*OWED_COMPLIANCE_STATUSES, "late")
SYSTEM_NAME_VI = "Hệ thống theo dõi thực hiện kế hoạch (planwatch)"

Owed = list[dict[str, str]]  # [{"template": ..., "status": ...}], in template order


# -- what is owed, and whether a notice is new ------------------------------------


def owed_by_agency(rows: Iterable[MonthRow]) -> dict[str, Owed]:
    """Agency -> the templates it owes or sent late, in template order; agencies
    with everything on time are left out."""
    out: dict[str, Owed] = {}
    for row in sorted(rows, key=lambda r: (r.agency_code, TEMPLATES.index(r.template))):
        if row.compliance_status in LISTED_STATUSES:
            out.setdefault(row.agency_code, []).append(
                {"template": row.template, "status": row.compliance_status})
    return out


def owes_something(owed: Owed) -> bool:
    return any(item["status"] in OWED_COMPLIANCE_STATUSES for item in owed)


def digest(content: Any) -> str:
    """SHA-256 of a notice's content as canonical JSON (key order, spacing fixed)."""
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Decision:
    """``send`` a new notice, ``resend`` a recorded one whose email may not have
    gone out, ``record`` one that cannot go (``reason``), or ``skip``."""

    action: Literal["send", "resend", "record", "skip"]
    reason: str | None = None
    notice_id: int | None = None


def decide(sha256: str, *, recipient: str | None, owes: bool,
           history: NoticeHistory | None) -> Decision:
    """What to do with a notice whose content has digest ``sha256``, given what
    was recorded before for the same plan × agency × period and kind."""
    history = history or NoticeHistory()
    latest = history.latest
    if history.last_sent_sha256 == sha256:
        return Decision("skip", "already_sent")
    same = latest is not None and latest.owed_sha256 == sha256
    if same and latest.sent_at is None and latest.skipped_reason is None:
        return Decision("resend", notice_id=latest.notice_id)  # a run stopped before it went
    reason = "nothing_owed" if not owes else None if recipient else "no_contact_email"
    if reason is None:
        return Decision("send")
    if same and latest.skipped_reason == reason:
        return Decision("skip", "already_recorded")
    return Decision("record", reason)


# -- the emails -------------------------------------------------------------------


@dataclass(frozen=True)
class Attachment:
    name: str
    data: bytes


@dataclass(frozen=True)
class Email:
    subject: str
    text: str  # plain text
    html: str  # the same, as HTML with every value escaped
    attachments: tuple[Attachment, ...] = ()


Block = tuple[Literal["p", "ul"], str | Sequence[str]]


def _email(subject: str, blocks: list[Block],
           attachments: tuple[Attachment, ...] = ()) -> Email:
    text_parts = [content if kind == "p" else "\n".join(f"- {item}" for item in content)
                  for kind, content in blocks]
    page = render("reminder.html", subject=subject, blocks=blocks)
    # One line: nothing from the catalog may start a header of its own.
    return Email(" ".join(subject.split()), "\n\n".join(text_parts) + "\n", page, attachments)


def template_label(template: str) -> str:
    """``Nhiệm vụ (tiến độ thực hiện nhiệm vụ)``."""
    template_spec = spec(template)
    return f"{template_spec.sheet_name_vi} ({template_spec.label_vi})"


def status_label(status: str) -> str:
    return COMPLIANCE_STATUS_LABELS_VI.get(status, status)


def _plan_name(catalog: Catalog) -> str:
    return f"{catalog.plan.title_vi} (mã {catalog.plan_code})"


def reminder_subject(catalog: Catalog, agency_code: str, period: str) -> str:
    agency = catalog.agency(agency_code)
    return (f"[Nhắc nhở] Báo cáo tháng {mm_yyyy(period)} của {agency.name_vi} — "
            f"Kế hoạch {catalog.plan_code}")


def agency_reminder(catalog: Catalog, agency_code: str, period: str, owed: Owed, *,
                    deadline_at: datetime, on_time_before_at: datetime,
                    timezone: str) -> Email:
    """The reminder to an agency's focal point, with its pre-filled workbook."""
    agency = catalog.agency(agency_code)
    due = [i for i in owed if i["status"] in OWED_COMPLIANCE_STATUSES]
    late = [i for i in owed if i["status"] == "late"]
    name = template_file_name(agency_code, period)
    greeting = f"{agency.contact_name} ({agency.name_vi})" if agency.contact_name \
        else agency.name_vi
    blocks: list[Block] = [
        ("p", f"Kính gửi: {greeting},"),
        ("p", f"Theo {_plan_name(catalog)}, báo cáo tháng {mm_yyyy(period)} phải được gửi "
              f"{deadline_text(deadline_at, on_time_before_at, timezone)}. Đến thời điểm "
              f"này, {SYSTEM_NAME_VI} chưa nhận được bản đạt yêu cầu của các biểu mẫu sau "
              f"của đơn vị:"),
        ("ul", [f"{template_label(i['template'])}: {status_label(i['status'])}"
                for i in due]),
    ]
    if late:
        blocks += [("p", "Các biểu mẫu sau đã nhận được nhưng sau hạn (để đơn vị biết, "
                         "không cần gửi lại):"),
                   ("ul", [f"{template_label(i['template'])}: {status_label(i['status'])}"
                           for i in late])]
    todo = [f"Điền số liệu vào mẫu báo cáo đính kèm ({name}), đã điền sẵn danh mục của "
            "đơn vị trong kế hoạch, và gửi lại sớm nhất có thể."]
    if any(i["status"] == "rejected" for i in due):
        todo.append("Với biểu mẫu bị từ chối: biên nhận của tệp đã gửi nêu từng lỗi, dòng, "
                    "cột và cách sửa; sửa theo biên nhận rồi gửi lại bản mới.")
    blocks += [
        ("p", "Đề nghị đơn vị:"),
        ("ul", todo),
        ("p", f"Thư này được gửi tự động từ {SYSTEM_NAME_VI}. Nếu đơn vị đã gửi báo cáo "
              "trong những giờ gần đây, xin bỏ qua thư này."),
    ]
    attachment = Attachment(name, build_template(catalog, agency_code, period))
    return _email(reminder_subject(catalog, agency_code, period), blocks, (attachment,))


def summary_content(catalog: Catalog, rows: Iterable[MonthRow]) -> dict[str, Any]:
    """What the Department's summary says: counts per status (agency × template),
    and each agency that owes something, with what it owes or sent late."""
    rows = list(rows)
    counts = {code: 0 for code in COMPLIANCE_STATUS_CODES}
    for row in rows:
        counts[row.compliance_status] = counts.get(row.compliance_status, 0) + 1
    agencies = []
    for agency_code, owed in owed_by_agency(rows).items():
        if not owes_something(owed):
            continue
        agency = catalog.agency_by_code.get(agency_code)
        agencies.append({"agency_code": agency_code, "owed": owed,
                         "has_contact_email": bool(agency and agency.contact_email)})
    return {"expected": len(rows), "counts": counts, "agencies": agencies}


def summary_subject(catalog: Catalog, period: str) -> str:
    return (f"[Tổng hợp] Tình hình gửi báo cáo tháng {mm_yyyy(period)} — "
            f"Kế hoạch {catalog.plan_code}")


def department_summary(catalog: Catalog, period: str, content: dict[str, Any], *,
                       deadline_at: datetime, on_time_before_at: datetime,
                       timezone: str) -> Email:
    """The summary to the Department that follows the plan."""
    monitoring = catalog.agency_by_code.get(catalog.plan.monitoring_agency_code)
    counts = content["counts"]
    blocks: list[Block] = [
        ("p", f"Kính gửi: {monitoring.name_vi if monitoring else 'Cơ quan theo dõi kế hoạch'},"),
        ("p", f"Tình hình gửi báo cáo tháng {mm_yyyy(period)} theo {_plan_name(catalog)}, "
              f"hạn gửi {deadline_text(deadline_at, on_time_before_at, timezone)}. Tổng số "
              f"biểu mẫu phải gửi (đơn vị × biểu mẫu): {content['expected']}."),
        ("ul", [f"{status_label(code)}: {counts.get(code, 0)}"
                for code in COMPLIANCE_STATUS_CODES]),
    ]
    owing = content["agencies"]
    if owing:
        lines = []
        for entry in owing:
            agency = catalog.agency_by_code.get(entry["agency_code"])
            name = agency.name_vi if agency else entry["agency_code"]
            items = "; ".join(f"{spec(i['template']).sheet_name_vi}: {status_label(i['status'])}"
                              for i in entry["owed"])
            line = f"{entry['agency_code']} — {name}: {items}"
            if not entry["has_contact_email"]:
                phone = agency.contact_phone if agency else None
                line += (" (chưa có email đầu mối trong danh mục, không gửi được nhắc nhở"
                         + (f"; điện thoại: {phone}" if phone else "") + ")")
            lines.append(line)
        blocks += [("p", f"Các đơn vị còn nợ báo cáo ({len(owing)}):"), ("ul", lines)]
    else:
        blocks.append(("p", "Tất cả các đơn vị đã gửi đủ báo cáo đạt yêu cầu."))
    blocks.append(("p", f"Các đơn vị còn nợ báo cáo và có email đầu mối đã được "
                        f"{SYSTEM_NAME_VI} gửi thư nhắc kèm mẫu báo cáo điền sẵn."))
    return _email(summary_subject(catalog, period), blocks)
