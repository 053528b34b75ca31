"""Vocabularies: task, data and submission statuses, severities, capital sources.

Each is written once, here, with the Vietnamese words agencies write and
auditors read. The parser matches agencies' text against them, GX checks value
sets against them, the templates offer them as drop-down lists, and dbt gets
them as seeds (``dbt_project/seeds/vocabulary/``, written by ``python -m
planwatch.regenerate``) so that its models test their columns with
``relationships``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from planwatch.text import fold

# -- task status (`Tình trạng`) -----------------------------------------------


@dataclass(frozen=True)
class TaskStatus:
    code: str
    label_vi: str  # as the template offers it and agencies write it
    is_completed: bool
    is_late: bool  # completed after its deadline, or behind schedule


TASK_STATUSES: tuple[TaskStatus, ...] = (
    TaskStatus("completed", "Hoàn thành", True, False),
    TaskStatus("completed_late", "Hoàn thành quá hạn", True, True),
    TaskStatus("in_progress", "Đang thực hiện", False, False),
    TaskStatus("delayed", "Đang thực hiện, chậm tiến độ", False, True),
    TaskStatus("not_started", "Chưa thực hiện", False, False),
    TaskStatus("recurring", "Thường xuyên", False, False),
)
TASK_STATUS_CODES: tuple[str, ...] = tuple(s.code for s in TASK_STATUSES)
TASK_STATUS_LABELS_VI: dict[str, str] = {s.code: s.label_vi for s in TASK_STATUSES}
COMPLETED_TASK_STATUSES: tuple[str, ...] = tuple(s.code for s in TASK_STATUSES if s.is_completed)
# What a completed task may not go back to without an explanation.
UNFINISHED_TASK_STATUSES: tuple[str, ...] = tuple(
    s.code for s in TASK_STATUSES if not s.is_completed and s.code != "recurring")

# -- data status (`Tính chất số liệu`) ------------------------------------------


@dataclass(frozen=True)
class DataStatus:
    code: str
    label_vi: str


DATA_STATUSES: tuple[DataStatus, ...] = (
    DataStatus("estimated", "Ước tính"),
    DataStatus("preliminary", "Sơ bộ"),
    DataStatus("official", "Chính thức"),
)
DATA_STATUS_CODES: tuple[str, ...] = tuple(s.code for s in DATA_STATUSES)

_TASK_BY_KEY = {fold(s.label_vi): s.code for s in TASK_STATUSES}
_DATA_BY_KEY = {fold(s.label_vi): s.code for s in DATA_STATUSES}


def task_status_code(text: str | None) -> str | None:
    """The status a text names, matched after folding; anything else is not guessed."""
    return _TASK_BY_KEY.get(fold(text)) if text else None


def data_status_code(text: str | None) -> str | None:
    """The data status code, or the text as written when it is not a known one."""
    if not text:
        return None
    return _DATA_BY_KEY.get(fold(text), text)


# -- submission status (audit.submissions.status) -------------------------------

SubmissionStatus = Literal[
    "accepted", "accepted_with_warnings", "rejected", "duplicate", "superseded"]
ACCEPTED: SubmissionStatus = "accepted"
ACCEPTED_WITH_WARNINGS: SubmissionStatus = "accepted_with_warnings"
REJECTED: SubmissionStatus = "rejected"
DUPLICATE: SubmissionStatus = "duplicate"
SUPERSEDED: SubmissionStatus = "superseded"


@dataclass(frozen=True)
class SubmissionStatusTerm:
    code: SubmissionStatus
    label_vi: str  # what the agency's receipt and the auditor's report say
    is_accepted: bool  # its rows may feed the marts
    is_in_force: bool  # currently the version in force


SUBMISSION_STATUSES: tuple[SubmissionStatusTerm, ...] = (
    SubmissionStatusTerm(ACCEPTED, "Đã tiếp nhận", True, True),
    SubmissionStatusTerm(ACCEPTED_WITH_WARNINGS, "Đã tiếp nhận, có lưu ý", True, True),
    SubmissionStatusTerm(REJECTED, "Bị từ chối — cần gửi lại", False, False),
    SubmissionStatusTerm(DUPLICATE, "Trùng lặp — tệp này đã được gửi trước đó", False, False),
    SubmissionStatusTerm(SUPERSEDED, "Đã được thay thế bởi bản mới hơn", True, False),
)
SUBMISSION_STATUS_CODES: tuple[str, ...] = tuple(s.code for s in SUBMISSION_STATUSES)
SUBMISSION_STATUS_LABELS_VI: dict[str, str] = {s.code: s.label_vi for s in SUBMISSION_STATUSES}
IN_FORCE_STATUSES: tuple[str, ...] = tuple(s.code for s in SUBMISSION_STATUSES if s.is_in_force)

# -- severity of a problem -------------------------------------------------------

Severity = Literal["block", "warn"]
SEVERITY_LABELS_VI: dict[str, str] = {"block": "Lỗi (phải sửa)", "warn": "Lưu ý"}

# -- capital source (`Nguồn vốn`) -------------------------------------------------


@dataclass(frozen=True)
class CapitalSource:
    code: str
    short_vi: str  # how agencies usually write it
    name_vi: str
    written: tuple[str, ...]  # how templates offer it (drop-down items)
    keys: tuple[str, ...]  # folded words that name it in what agencies write
    specific: bool = False  # part of a broader source: matched before the others


CAPITAL_SOURCES: tuple[CapitalSource, ...] = (
    CapitalSource("NSTW", "NSTW", "Ngân sách trung ương", ("NSTW",),
                  ("nstw", "ngan sach trung uong", "ns trung uong")),
    CapitalSource("NSDP", "NSĐP", "Ngân sách địa phương", ("NSĐP",),
                  ("nsdp", "ngan sach dia phuong", "ngan sach tinh", "ns dia phuong")),
    CapitalSource("ODA", "ODA", "Vốn ODA và vay ưu đãi nước ngoài", ("ODA",),
                  ("oda", "vay uu dai")),
    CapitalSource("CTMTQG", "CTMTQG", "Chương trình mục tiêu quốc gia", (
        "CTMTQG giảm nghèo bền vững",
        "CTMTQG xây dựng nông thôn mới",
        "CTMTQG phát triển KT-XH vùng đồng bào DTTS và miền núi",
    ), ("ctmtqg", "chuong trinh muc tieu quoc gia", "muc tieu quoc gia"), specific=True),
    CapitalSource("TSDD", "Thu tiền sử dụng đất", "Thu tiền sử dụng đất",
                  ("Thu tiền sử dụng đất",), ("su dung dat", "tsdd"), specific=True),
    CapitalSource("XSKT", "Xổ số kiến thiết", "Xổ số kiến thiết", ("Xổ số kiến thiết",),
                  ("xo so", "xskt"), specific=True),
    CapitalSource("KHAC", "Khác", "Nguồn vốn khác", (), ()),
)
OTHER_CAPITAL_SOURCE = "KHAC"
# The drop-down list of the templates, in the order agencies see it.
CAPITAL_SOURCE_CHOICES: tuple[str, ...] = tuple(w for s in CAPITAL_SOURCES for w in s.written)
# "NSĐP (xổ số kiến thiết)" is lottery money: the specific sources are tried first.
_MATCH_ORDER = sorted(CAPITAL_SOURCES, key=lambda s: not s.specific)


def capital_source_code(text: str | None) -> str | None:
    """The code of the capital source a text names (``KHAC`` when none is named)."""
    if not text:
        return None
    words = f" {fold(text)} "
    for source in _MATCH_ORDER:
        if any(f" {key} " in words for key in source.keys):
            return source.code
    return OTHER_CAPITAL_SOURCE


def capital_source_examples_vi() -> str:
    """``NSTW, NSĐP, ODA, CTMTQG, Thu tiền sử dụng đất, Xổ số kiến thiết``."""
    return ", ".join(s.short_vi for s in CAPITAL_SOURCES if s.written)

# -- compliance of an agency-month-template (marts.fct_submission) ----------------


@dataclass(frozen=True)
class ComplianceStatus:
    code: str
    label_vi: str


COMPLIANCE_STATUSES: tuple[ComplianceStatus, ...] = (
    ComplianceStatus("on_time", "Đúng hạn"),
    ComplianceStatus("late", "Trễ hạn"),
    ComplianceStatus("rejected", "Bị từ chối, chưa gửi lại bản đạt"),
    ComplianceStatus("missing", "Chưa gửi"),
    ComplianceStatus("not_yet_due", "Chưa đến hạn"),
)
COMPLIANCE_STATUS_CODES: tuple[str, ...] = tuple(s.code for s in COMPLIANCE_STATUSES)
COMPLIANCE_STATUS_LABELS_VI: dict[str, str] = {s.code: s.label_vi for s in COMPLIANCE_STATUSES}
# What the deadline notice tells an agency it still owes: no version of the
# template has been accepted yet (late ones arrived; on-time ones are done).
OWED_COMPLIANCE_STATUSES: tuple[str, ...] = ("rejected", "missing", "not_yet_due")

# -- kind of a received time (audit.submissions.received_at_kind) -----------------


@dataclass(frozen=True)
class ReceivedTimeKind:
    code: str
    label_vi: str  # what a receipt or the auditor's report says of the time


RECEIVED_TIME_KINDS: tuple[ReceivedTimeKind, ...] = (
    # The server's clock when planwatch first saw the complete file: a trusted fact.
    ReceivedTimeKind("server_clock", "giờ máy chủ planwatch ghi khi nhận tệp"),
    # The file's own modification time, taken as its received time only in an
    # import of old files an operator ran (``planwatch ingest --historical``),
    # and for every submission received before planwatch stamped its own time.
    ReceivedTimeKind("file_time", "thời gian ghi trên tệp (nhập hồ sơ cũ, không do máy chủ ghi)"),
)
SERVER_CLOCK, FILE_TIME = (k.code for k in RECEIVED_TIME_KINDS)
RECEIVED_TIME_KIND_CODES: tuple[str, ...] = tuple(k.code for k in RECEIVED_TIME_KINDS)
RECEIVED_TIME_KIND_LABELS_VI: dict[str, str] = {k.code: k.label_vi for k in RECEIVED_TIME_KINDS}

# -- how a file came in (audit.submissions.submitted_via) -------------------------


@dataclass(frozen=True)
class SubmissionChannel:
    code: str
    label_vi: str  # what the auditor's report and the receipt say


# Its place in the inbox says who sent a file (catalog.inbox_layout): the agency's
# own folder, or the issuer's shared folder, where the Department's staff put a
# report received otherwise (on paper, by email); a file outside both is rejected.
SUBMISSION_CHANNELS: tuple[SubmissionChannel, ...] = (
    SubmissionChannel("agency_folder", "Đơn vị tự gửi"),
    SubmissionChannel("shared_folder", "Nhập bởi Sở"),
    SubmissionChannel("outside_folders", "Ngoài thư mục của đơn vị"),
)
SUBMISSION_CHANNEL_CODES: tuple[str, ...] = tuple(c.code for c in SUBMISSION_CHANNELS)
SUBMISSION_CHANNEL_LABELS_VI: dict[str, str] = {c.code: c.label_vi for c in SUBMISSION_CHANNELS}


@dataclass(frozen=True)
class IndicatorDirection:
    code: str
    label_vi: str  # what the dashboards and the briefing say


# Which way an indicator's target is met (the catalog's ``direction``; judged in
# dbt's macros/attainment.sql).
INDICATOR_DIRECTIONS: tuple[IndicatorDirection, ...] = (
    IndicatorDirection("higher_is_better", "Càng cao càng tốt"),
    IndicatorDirection("lower_is_better", "Càng thấp càng tốt"),
    IndicatorDirection("within_range", "Trong khoảng mục tiêu"),
)
INDICATOR_DIRECTION_CODES: tuple[str, ...] = tuple(d.code for d in INDICATOR_DIRECTIONS)
