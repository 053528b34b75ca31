"""The auditor's report rendered from plain data: escaping, Vietnamese numbers,
dates and times, relative links, sections with nothing in them or no mart."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from planwatch.reporting.auditor_report import Links, render_index, render_month
from planwatch.reporting.vietnamese import (
    datetime_vi,
    machine_number_vi,
    number_vi,
    numbers_in_text_vi,
    percent_vi,
)
from planwatch.warehouse.auditor_report import (
    FCT_DATA_QUALITY,
    RESTATEMENTS,
    SCORECARD,
    IndexData,
    MonthData,
)

UTC = dt.UTC
HOSTILE = "<script>alert('x')</script>"
FORMULA = "=cmd|' /C calc'!A0"
HOME = Path("/srv/planwatch")
LINKS = Links(home=HOME, here=HOME / "data/reports/auditor/P-1",
              reports=HOME / "data/reports")
NOW = dt.datetime(2024, 4, 2, 3, 4, tzinfo=UTC)  # 10:04 02/04/2024 in Hanoi


def _compliance(agency: str, template: str, status: str, **more: Any) -> dict[str, Any]:
    return {"agency_code": agency, "agency_name_vi": f"Sở {agency}", "template": template,
            "compliance_status": status, "is_due": True, "first_received_at": None,
            "attempt_count": 0, "rejected_count": 0, "version": None, "row_count": None,
            "submission_id": None, "latest_attempt_submission_id": None, "days_late": None,
            "ytd_assessed_count": 4, "ytd_on_time_count": 3,
            "status_as_of_at": dt.datetime(2024, 4, 1, 17, 0, tzinfo=UTC), **more}


def month_data(**changes: Any) -> MonthData:
    received = dt.datetime(2024, 3, 19, 17, 30, tzinfo=UTC)  # 00:30 20/03 local: late
    data = MonthData(
        plan_code="P-1", period="2024-03",
        plan={"plan_title_vi": f"Kế hoạch {HOSTILE}", "issuer_name_vi": "UBND tỉnh",
              "monitoring_agency_name_vi": "Sở Kế hoạch và Đầu tư"},
        month={"cutoff_date": dt.date(2024, 3, 14),
               "on_time_before_at": dt.datetime(2024, 3, 19, 17, 0, tzinfo=UTC)},
        period_events=[
            {"event_id": 1, "action": "close", "actor": "nguyen.van.a", "reason": None,
             "occurred_at": dt.datetime(2024, 3, 25, 2, 0, tzinfo=UTC)},
        ],
        compliance=[
            _compliance("SXD", "tasks", "late", first_received_at=received, attempt_count=2,
                        rejected_count=1, version=2, row_count=1234, submission_id=11,
                        days_late=1),
            _compliance("SXD", "disbursement", "on_time", first_received_at=received,
                        submission_id=12, version=1, row_count=3),
            _compliance(HOSTILE, "indicators", "missing"),
        ],
        files=[
            {"submission_id": 10, "agency_code": "SXD", "file_name": f"{FORMULA}{HOSTILE}.xlsx",
             "file_sha256": "ab" * 32, "template": "tasks", "received_at": received,
             "status": "rejected", "version": 1, "row_count": 0,
             "receipt_path": "data/reports/receipts/ab 12#x.html", "problem_count": 2,
             "blocking_count": 1, "is_restatement": False},
            {"submission_id": 11, "agency_code": "SXD", "file_name": "SXD_2024-03_v2.xlsx",
             "file_sha256": "cd" * 32, "template": "tasks", "received_at": received,
             "status": "accepted", "version": 2, "row_count": 1234,
             "receipt_path": "data/reports/receipts/cd.html", "problem_count": 0,
             "blocking_count": 0, "is_restatement": False},
        ],
        failures=[
            {"agency_code": "SXD", "file_name": f"{FORMULA}{HOSTILE}.xlsx",
             "receipt_path": "data/reports/receipts/ab 12#x.html",
             "submission_status": "rejected", "rule_code": "ytd_decreased",
             "severity": "block", "sheet": "Giải ngân", "source_row": 7,
             "item_code": "DA-01", "column_name": "Lũy kế giải ngân",
             "observed_value": "1234567.5", "expected_value": "≥ 2000000000 (lũy kế kỳ trước)",
             "earlier_value": "2000000000", "earlier_period": "2024-02",
             "earlier_file_name": "SXD_2024-02.xlsx", "message_vi": f"Lũy kế giảm {HOSTILE}",
             "fix_vi": FORMULA},
            {"agency_code": "SXD", "file_name": f"{FORMULA}{HOSTILE}.xlsx",
             "receipt_path": "data/reports/receipts/ab 12#x.html",
             "submission_status": "rejected", "rule_code": "completed_not_100",
             "severity": "warn", "sheet": "Nhiệm vụ", "source_row": 9, "item_code": "NV-1",
             "column_name": "Tỷ lệ", "observed_value": "55.000", "expected_value": "100",
             "earlier_value": None, "message_vi": "Hoàn thành nhưng chưa 100%",
             "fix_vi": ""},
        ],
        scorecard=[{"agency_code": "SXD", "agency_name_vi": "Sở Xây dựng",
                    "submission_count": 3, "duplicate_count": 0, "rejected_count": 1,
                    "resubmission_count": 1, "restatement_count": 0, "check_count": 1200,
                    "failed_check_count": 2, "blocking_failure_count": 1, "warning_count": 1,
                    "problem_count": 2, "resolved_rejection_count": 1,
                    "unresolved_rejection_count": 0,
                    "mean_hours_to_accepted_resubmission": 26.5,
                    "max_hours_to_accepted_resubmission": 26.5}],
        restatements=[{"agency_code": "SXD", "template": "disbursement", "item_code": "DA-01",
                       "capital_source": "NSĐP", "measure": "ytd_disbursed_vnd",
                       "old_value": 1500000000, "old_value_text": "1500000000",
                       "new_value": Decimal("1750000000.5"), "new_value_text": "1750000000.5",
                       "change_value": Decimal("250000000.5"), "deadline_value": 1500000000,
                       "deadline_value_text": "1500000000", "is_known_at_deadline": True,
                       "is_restatement": True, "old_version": 1, "old_source_row": 5,
                       "old_file_name": "SXD_2024-03.xlsx", "new_file_name": HOSTILE,
                       "old_received_at": received, "new_received_at": received,
                       "new_version": 2, "new_source_row": 6,
                       "old_receipt_path": "data/reports/receipts/old.html",
                       "new_receipt_path": None},
                      {"agency_code": "SXD", "template": "tasks", "item_code": "NV-1",
                       "capital_source": None, "measure": "task_status", "old_value": None,
                       "old_value_text": "in_progress", "new_value": None,
                       "new_value_text": "completed", "change_value": None,
                       "deadline_value": None, "deadline_value_text": None,
                       "is_known_at_deadline": False, "is_restatement": False,
                       "old_version": 1, "new_version": 2, "old_file_name": "a.xlsx",
                       "new_file_name": "b.xlsx"},
                      {"agency_code": "SXD", "template": "tasks", "item_code": "NV-2",
                       "measure": "completed_date", "old_value_text": None,
                       "new_value_text": "2024-03-05", "is_known_at_deadline": True,
                       "deadline_value_text": None, "is_restatement": False,
                       "old_version": 1, "new_version": 2}],
        restated_files=[],
        evidence_packs=[{"agency_code": "SXD", "created_at": "2024-03-26T09:00:00+00:00",
                         "created_by": HOSTILE, "manifest_sha256": "ef" * 32,
                         "previous_manifest_sha256": None}],
    )
    for key, value in changes.items():
        setattr(data, key, value)
    return data


class Page(HTMLParser):
    """What a browser would build: elements, and each table's rows and cells."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[dict[str, str | None]] = []
        self.text: list[str] = []
        self.open: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.append(dict(attrs))
        if tag not in ("meta", "br", "col", "link"):
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, (tag, self.open[-5:])
        self.open.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    @property
    def all_text(self) -> str:
        return "".join(self.text)


def render(data: MonthData | None = None) -> str:
    return render_month(data or month_data(), links=LINKS, timezone="Asia/Ho_Chi_Minh",
                        generated_at=NOW)


def test_every_value_is_escaped_and_nothing_runs_or_loads() -> None:
    text = render()
    page = Page(text)
    assert page.open == []  # every element closed, in order
    assert "script" not in page.tags and "img" not in page.tags and "iframe" not in page.tags
    assert HOSTILE in page.all_text  # shown as text, where it appeared
    assert page.all_text.count(HOSTILE) >= 6
    assert FORMULA in page.all_text  # inert text in HTML
    assert "<script" not in text.lower()
    assert not any(k.startswith("on") for a in page.attrs for k in a)  # no event handlers
    for a in page.attrs:  # links relative, nothing fetched from anywhere
        for key in ("src", "href"):
            assert not re.match(r"^\s*([a-z]+:|//)", a.get(key) or ""), a
    csp = next(a["content"] for a in page.attrs
               if a.get("http-equiv") == "Content-Security-Policy")
    assert csp and "default-src 'none'" in csp  # the browser itself refuses to fetch


def test_numbers_dates_and_times_are_written_the_vietnamese_way() -> None:
    text = Page(render()).all_text
    assert "1.234.567,5" in text  # an observed value, every digit kept
    assert "≥ 2.000.000.000 (lũy kế kỳ trước)" in text  # numbers in what was expected
    assert "1.500.000.000" in text and "1.750.000.000,5" in text  # restated values
    assert "250.000.000,5" in text and "DA-01 · NSĐP" in text
    assert "Đang thực hiện" in text and "Hoàn thành" in text  # task statuses by label
    assert "05/03/2024" in text  # a date figure
    assert "Lũy kế giải ngân" in text and "Tình trạng" in text  # measures by header
    assert "55.000" in text  # what an agency typed stays as typed
    assert "Bản 2, 1.234 dòng" in text
    assert "chậm nhất trong ngày Thứ Ba, 19/03/2024 (giờ Việt Nam)" in text  # the deadline
    assert "Nhận 00:30 20/03/2024" in text and "Trễ 1 ngày" in text
    assert "Đã khóa sổ lúc 09:00 25/03/2024 bởi nguyen.van.a" in text
    assert "75% (3/4)" in text
    assert "26,5 giờ (tối đa 26,5 giờ)" in text and "1.200" in text
    assert "10:04 02/04/2024" in text  # when the page was made
    assert "Ngày chốt số liệu14/03/2024" in text.replace("\n", "")


def test_formatting_helpers() -> None:
    assert number_vi(1234567.5) == "1.234.567,5"
    assert number_vi(-1234.567) == "-1.234,57" and number_vi(0) == "0"
    assert number_vi(None) == "—" and number_vi("không rõ") == "không rõ"
    assert machine_number_vi("12.3456789") == "12,3456789"
    assert machine_number_vi("039") == "039" and machine_number_vi("55.000,5") == "55.000,5"
    assert machine_number_vi("55.000") == "55.000" and machine_number_vi("-0.25") == "-0,25"
    assert numbers_in_text_vi("NV-5.2-039 thường khoảng 12.75") == "NV-5.2-039 thường khoảng 12,75"
    assert percent_vi(0.8333) == "83,3%"
    moment = dt.datetime(2024, 12, 31, 17, 5, tzinfo=UTC)
    assert datetime_vi(moment, "Asia/Ho_Chi_Minh") == "00:05 01/01/2025"


def test_receipts_and_other_reports_are_linked_by_relative_paths() -> None:
    page = Page(render())
    hrefs = [a["href"] for a in page.attrs if a.get("href")]
    assert "../../receipts/ab%2012%23x.html" in hrefs  # spaces and # encoded
    assert "../../receipts/cd.html" in hrefs
    assert "../index.html" in hrefs
    assert "../../data_docs/index.html" in hrefs and "../../dbt_docs/index.html" in hrefs


def test_compliance_has_a_row_per_agency_and_a_cell_per_template() -> None:
    text = render()
    rows = re.findall(r'<tr data-agency="([^"]*)" data-status="([^"]*)">', text)
    assert rows == [("SXD", "late on_time"), ("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;",
                                               "missing")]
    assert text.count("không phải báo cáo") == 3  # SXD indicators, the other two tasks/disb.


def test_sections_with_nothing_or_no_mart_say_so() -> None:
    data = month_data(compliance=[], files=[], failures=[], period_events=[], scorecard=None,
                      restatements=None, evidence_packs=[], plan=None, month=None,
                      missing=[SCORECARD, RESTATEMENTS])
    text = Page(render(data)).all_text
    assert f"Chưa có dữ liệu: bảng {SCORECARD}" in text
    assert f"Chưa có dữ liệu: bảng {RESTATEMENTS}" in text
    assert "Không có đơn vị nào phải báo cáo" in text
    assert "Không có bài nộp nào bị từ chối hay có lưu ý" in text
    assert "Chưa nhận được tệp nào" in text and "Chưa lập hồ sơ chứng cứ" in text
    assert "Chưa khóa sổ" in text and "chưa từng được khóa sổ" in text
    no_quality_mart = month_data(failures=None, missing=[FCT_DATA_QUALITY])
    assert f"Chưa có dữ liệu: bảng {FCT_DATA_QUALITY}" in Page(render(no_quality_mart)).all_text
    empty_marts = month_data(scorecard=[], restatements=[])
    text = Page(render(empty_marts)).all_text
    assert "Chưa nhận được bài nộp nào của kỳ này" in text
    assert "Không có số liệu nào của kỳ này bị thay đổi sau hạn gửi" in text


def test_a_reopened_month_says_who_reopened_it_and_why() -> None:
    events = [{"event_id": 1, "action": "close", "actor": "a", "reason": None,
               "occurred_at": dt.datetime(2024, 3, 25, tzinfo=UTC)},
              {"event_id": 2, "action": "reopen", "actor": "b", "reason": "sửa số liệu SXD",
               "occurred_at": dt.datetime(2024, 3, 27, tzinfo=UTC)}]
    text = Page(render(month_data(period_events=events))).all_text
    assert "Đã mở lại lúc 07:00 27/03/2024 bởi b (lý do: sửa số liệu SXD)" in text


@pytest.mark.parametrize("missing_events", [True, False])
def test_the_index_links_each_month(missing_events: bool) -> None:
    months = [{"period": "2024-01", "expected_count": 48, "on_time_count": 1234,
               "action": None if missing_events else "close", "actor": HOSTILE,
               "occurred_at": NOW},
              {"period": "2024-02"}]
    index = IndexData("P-1", {"plan_title_vi": HOSTILE}, months,
                      [{"agency_code": None, "file_name": HOSTILE, "received_at": NOW,
                        "status": "rejected", "receipt_path": "data/reports/receipts/z.html"}])
    text = render_index([index], links=Links(HOME, HOME / "data/reports/auditor",
                                             HOME / "data/reports"),
                        timezone="Asia/Ho_Chi_Minh", generated_at=NOW)
    page = Page(text)
    hrefs = [a["href"] for a in page.attrs if a.get("href")]
    assert "P-1/2024-01.html" in hrefs and "P-1/2024-02.html" in hrefs
    assert "../receipts/z.html" in hrefs
    assert "1.234" in page.all_text and HOSTILE in page.all_text and "<script" not in text


def test_the_summary_says_where_the_auditors_report_is(tmp_path: Path) -> None:
    from dataclasses import replace

    from planwatch.config import load_settings
    from planwatch.reporting.summary import summary_text
    from planwatch.warehouse.summary import Summary

    settings = replace(load_settings(), home=tmp_path)
    index = settings.reports_dir / "auditor" / "index.html"
    text = summary_text(Summary([], [], [], 0), settings)
    assert f"auditor's report:    {index}  (not written yet: planwatch audit-report)" in text
    index.parent.mkdir(parents=True)
    index.write_text("<!doctype html>", encoding="utf-8")
    text = summary_text(Summary([], [], [], 0), settings)
    assert f"auditor's report:    {index}\n" in text
