"""The deadline notices: what the emails say (Vietnamese), what they carry, and
when a notice counts as new. The catalog is the made-up fixture plan."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from fixtures.plans import FIXTURE, FIXTURE_PLAN

from planwatch.catalog import Catalog, load_catalogs
from planwatch.orchestration.submissions_deadline import deadline_events, period_of_run
from planwatch.reporting.reminders import (
    agency_reminder,
    decide,
    department_summary,
    digest,
    owed_by_agency,
    owes_something,
    summary_content,
)
from planwatch.warehouse.deadlines import LatestNotice, MonthRow, NoticeHistory

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
PERIOD = "2031-03"
DEADLINE = dt.datetime(2031, 3, 20, tzinfo=HANOI)
WHEN = {"deadline_at": DEADLINE, "on_time_before_at": DEADLINE, "timezone": "Asia/Ho_Chi_Minh"}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalogs(FIXTURE).get(FIXTURE_PLAN)


def _rows(statuses: dict[tuple[str, str], str]) -> list[MonthRow]:
    return [MonthRow(agency, template, status, DEADLINE, DEADLINE)
            for (agency, template), status in statuses.items()]


MONTH = _rows({
    ("SKHDT", "tasks"): "on_time", ("SKHDT", "indicators"): "on_time",
    ("SKHDT", "disbursement"): "on_time",
    ("CUCA", "disbursement"): "late", ("CUCA", "indicators"): "missing",
    ("CUCA", "tasks"): "rejected",
    ("VIENB", "tasks"): "missing", ("VIENB", "indicators"): "not_yet_due",
})


def test_what_each_agency_owes_is_listed_in_template_order(catalog: Catalog) -> None:
    owed = owed_by_agency(MONTH)
    assert list(owed) == ["CUCA", "VIENB"]  # SKHDT sent everything on time
    assert owed["CUCA"] == [{"template": "tasks", "status": "rejected"},
                            {"template": "indicators", "status": "missing"},
                            {"template": "disbursement", "status": "late"}]
    assert owes_something(owed["CUCA"]) and owes_something(owed["VIENB"])
    late_only = owed_by_agency(_rows({("CUCA", "tasks"): "late", ("CUCA", "indicators"):
                                      "on_time"}))
    assert late_only == {"CUCA": [{"template": "tasks", "status": "late"}]}
    assert not owes_something(late_only["CUCA"])


def test_the_reminder_says_in_vietnamese_what_is_owed_and_what_to_do(catalog: Catalog) -> None:
    email = agency_reminder(catalog, "CUCA", PERIOD, owed_by_agency(MONTH)["CUCA"], **WHEN)
    assert email.subject == ("[Nhắc nhở] Báo cáo tháng 03/2031 của Cục A (mẫu) — "
                             "Kế hoạch MAU-2031")
    text = email.text
    assert text.startswith("Kính gửi: Đầu mối mẫu B (Cục A (mẫu)),")
    assert "chậm nhất trong ngày Thứ Tư, 19/03/2031 (giờ Việt Nam)" in text
    assert "- Nhiệm vụ (tiến độ thực hiện nhiệm vụ): Bị từ chối, chưa gửi lại bản đạt" in text
    assert "- Chỉ tiêu (kết quả thực hiện chỉ tiêu): Chưa gửi" in text
    owed_part, late_part = text.split("sau hạn")
    assert "Giải ngân" not in owed_part  # it arrived, late: listed apart, not as owed
    assert "- Giải ngân (tình hình giải ngân vốn đầu tư công): Trễ hạn" in late_part
    assert "mẫu báo cáo đính kèm (CUCA_2031-03.xlsx)" in text
    assert "biên nhận" in text  # a rejection is explained by the file's receipt
    assert "Đúng hạn" not in text


def test_a_reminder_without_rejections_or_late_templates_says_only_that(
        catalog: Catalog) -> None:
    email = agency_reminder(catalog, "VIENB", PERIOD, owed_by_agency(MONTH)["VIENB"],
                            deadline_at=DEADLINE,
                            on_time_before_at=DEADLINE + dt.timedelta(days=2),
                            timezone="Asia/Ho_Chi_Minh")
    assert email.text.startswith("Kính gửi: Viện B (mẫu),")  # no focal point named
    assert "- Chỉ tiêu (kết quả thực hiện chỉ tiêu): Chưa đến hạn" in email.text
    assert "được gia hạn đến hết ngày Thứ Sáu, 21/03/2031" in email.text
    assert "biên nhận" not in email.text and "sau hạn" not in email.text


def _sheets(data: bytes) -> tuple[list[str], openpyxl.Workbook]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [ws.title for ws in book.worksheets if ws.sheet_state == "visible"], book


def test_the_reminder_carries_the_agencys_prefilled_workbook(catalog: Catalog) -> None:
    (attachment,) = agency_reminder(catalog, "CUCA", PERIOD,
                                    owed_by_agency(MONTH)["CUCA"], **WHEN).attachments
    assert attachment.name == "CUCA_2031-03.xlsx"
    titles, book = _sheets(attachment.data)
    assert titles == ["Thông tin", "Nhiệm vụ", "Chỉ tiêu", "Giải ngân"]
    info = {r[0]: r[1] for r in book["Thông tin"].iter_rows(values_only=True)}
    assert info["Mã đơn vị"] == "CUCA" and info["Kỳ báo cáo"] == "03/2031"
    codes = {c for row in book["Nhiệm vụ"].iter_rows(values_only=True) for c in row}
    assert "NV-2-01" in codes and "NV-1-01" not in codes  # its own tasks only
    (other,) = agency_reminder(catalog, "VIENB", PERIOD,
                               owed_by_agency(MONTH)["VIENB"], **WHEN).attachments
    assert _sheets(other.data)[0] == ["Thông tin", "Nhiệm vụ", "Chỉ tiêu"]


def test_catalog_text_is_escaped_in_html_and_cannot_break_the_subject(
        catalog: Catalog) -> None:
    agencies = tuple(dataclasses.replace(a, name_vi="Cục <b>A</b> & B\nBcc: x@example.org")
                     if a.agency_code == "CUCA" else a for a in catalog.agencies)
    odd = dataclasses.replace(catalog, agencies=agencies)
    email = agency_reminder(odd, "CUCA", PERIOD, owed_by_agency(MONTH)["CUCA"], **WHEN)
    assert "\n" not in email.subject and "Cục <b>A</b> & B Bcc: x@example.org" in email.subject
    assert "<b>A</b>" not in email.html
    assert "Cục &lt;b&gt;A&lt;/b&gt; &amp; B" in email.html
    assert "<li>Nhiệm vụ (tiến độ thực hiện nhiệm vụ): Bị từ chối, chưa gửi lại bản đạt</li>" \
        in email.html


def test_the_departments_summary_counts_statuses_and_names_who_owes(
        catalog: Catalog) -> None:
    content = summary_content(catalog, MONTH)
    assert content["expected"] == 8
    assert content["counts"] == {"on_time": 3, "late": 1, "rejected": 1, "missing": 2,
                                 "not_yet_due": 1}
    assert [a["agency_code"] for a in content["agencies"]] == ["CUCA", "VIENB"]
    assert [a["has_contact_email"] for a in content["agencies"]] == [True, False]
    email = department_summary(catalog, PERIOD, content, **WHEN)
    assert email.subject == "[Tổng hợp] Tình hình gửi báo cáo tháng 03/2031 — Kế hoạch MAU-2031"
    assert email.attachments == ()
    text = email.text
    assert text.startswith("Kính gửi: Vụ Kế hoạch - Tài chính (mẫu),")
    for line in ("- Đúng hạn: 3", "- Trễ hạn: 1", "- Bị từ chối, chưa gửi lại bản đạt: 1",
                 "- Chưa gửi: 2", "- Chưa đến hạn: 1", "Các đơn vị còn nợ báo cáo (2):"):
        assert line in text
    cuca = next(line for line in text.splitlines() if line.startswith("- CUCA"))
    assert cuca == ("- CUCA — Cục A (mẫu): Nhiệm vụ: Bị từ chối, chưa gửi lại bản đạt; "
                    "Chỉ tiêu: Chưa gửi; Giải ngân: Trễ hạn")
    vienb = next(line for line in text.splitlines() if line.startswith("- VIENB"))
    assert "chưa có email đầu mối" in vienb
    assert "SKHDT —" not in text
    done = department_summary(catalog, PERIOD, summary_content(catalog, MONTH[:3]), **WHEN)
    assert "Tất cả các đơn vị đã gửi đủ báo cáo đạt yêu cầu." in done.text


def test_the_digest_is_of_the_content_not_of_its_spelling() -> None:
    owed = [{"template": "tasks", "status": "missing"}]
    assert digest(owed) == digest([{"status": "missing", "template": "tasks"}])
    assert digest(owed) != digest([{"template": "tasks", "status": "rejected"}])
    assert digest(owed) != digest([*owed, {"template": "indicators", "status": "missing"}])


def _latest(sha: str, *, sent: bool = False, reason: str | None = None,
            notice_id: int = 7) -> LatestNotice:
    return LatestNotice("reminder", "CUCA", notice_id, sha, None if reason else "a@b.c",
                        reason, dt.datetime(2031, 3, 20, 1, tzinfo=HANOI) if sent else None)


def test_a_notice_is_new_only_when_what_is_owed_changed() -> None:
    def act(history: NoticeHistory | None, *, recipient: str | None = "a@b.c",
            owes: bool = True, sha: str = "A") -> tuple:
        d = decide(sha, recipient=recipient, owes=owes, history=history)
        return d.action, d.reason, d.notice_id

    assert act(None) == ("send", None, None)
    sent_a = NoticeHistory(_latest("A", sent=True), "A")
    assert act(sent_a) == ("skip", "already_sent", None)
    assert act(sent_a, sha="B") == ("send", None, None)
    # Back to what was last sent, after a notice that could not go: still nothing new.
    assert act(NoticeHistory(_latest("B", reason="nothing_owed"), "A")) == \
        ("skip", "already_sent", None)
    # Recorded, never marked sent (the run stopped): send that same notice.
    assert act(NoticeHistory(_latest("A"), None)) == ("resend", None, 7)
    assert act(NoticeHistory(_latest("A"), None), sha="B") == ("send", None, None)
    # No address: recorded once, not again while nothing changes, sent once there is one.
    assert act(None, recipient=None) == ("record", "no_contact_email", None)
    no_email = NoticeHistory(_latest("A", reason="no_contact_email"), None)
    assert act(no_email, recipient=None) == ("skip", "already_recorded", None)
    assert act(no_email, recipient=None, sha="B") == ("record", "no_contact_email", None)
    assert act(no_email) == ("send", None, None)
    # Only late templates: recorded, no email.
    assert act(sent_a, owes=False, sha="C") == ("record", "nothing_owed", None)
    assert act(NoticeHistory(_latest("C", reason="nothing_owed"), "A"), owes=False, sha="C") \
        == ("skip", "already_recorded", None)


def test_a_run_covers_the_month_of_its_logical_date_in_the_configured_zone() -> None:
    utc = dt.UTC
    assert period_of_run(dt.datetime(2024, 3, 19, 18, 0, tzinfo=utc), None,
                         "Asia/Ho_Chi_Minh") == "2024-03"
    # 01:00 on 1 April in Hà Nội is 31 March in UTC.
    assert period_of_run(dt.datetime(2024, 3, 31, 18, 0, tzinfo=utc), {},
                         "Asia/Ho_Chi_Minh") == "2024-04"
    assert period_of_run(dt.datetime(2024, 3, 31, 18, 0, tzinfo=utc), None, "UTC") == "2024-03"
    assert period_of_run(dt.datetime(2024, 3, 19, tzinfo=utc), {"period": "2024-01"},
                         "UTC") == "2024-01"
    with pytest.raises(ValueError):
        period_of_run(dt.datetime(2024, 3, 19, tzinfo=utc), {"period": "03/2024"}, "UTC")


def test_the_schedule_follows_the_configured_deadline_day_and_the_working_days(
        catalog: Catalog) -> None:
    from planwatch.config import load_settings

    settings = dataclasses.replace(load_settings(), deadline_day=15)
    runs = {period: moment for moment, period in deadline_events(settings).items()}
    assert runs["2024-05"] == dt.datetime(2024, 5, 15, 1, tzinfo=HANOI)  # 14/05: a Tuesday
    assert runs["2024-09"] == dt.datetime(2024, 9, 17, 1, tzinfo=HANOI)  # 14/09: a Saturday
    kept = dataclasses.replace(settings, deadline_rule="none")
    assert {p: m for m, p in deadline_events(kept).items()}["2024-09"] == \
        dt.datetime(2024, 9, 15, 1, tzinfo=HANOI)
