"""The briefing's sentences, from figures made here (no database): what rose or fell
since last month, who has not reported, what lags, and what changed since an
earlier briefing; every number in them is a figure."""

from __future__ import annotations

from decimal import Decimal

from planwatch.reporting import briefing_text as text
from planwatch.reporting.briefing import Briefing, Figure
from planwatch.vocabulary.statuses import COMPLIANCE_STATUS_CODES, TASK_STATUS_CODES

MONTHS = ["2024-01", "2024-02", "2024-03"]


def _briefing(on_time: tuple[int, int], missing: list[str], *, rate: tuple[str, str],
              projected: bool = True) -> Briefing:
    b = Briefing("KH", "Kế hoạch", "Tỉnh", MONTHS[-1], MONTHS, None)
    for month, n in zip(MONTHS[1:], on_time, strict=True):
        for status in COMPLIANCE_STATUS_CODES:
            b.add(f"compliance.{status}.{month}", status, 0)
        b.add(f"compliance.on_time.{month}", "", n)
        b.add(f"compliance.missing.{month}", "", len(missing) if month == MONTHS[-1] else 0)
        b.add(f"compliance.expected.{month}", "", 10)
        b.add(f"compliance.on_time_rate.{month}", "", Decimal(n) / 10, "percent")
        b.add(f"targets.reported.{month}", "", 2)
        b.add(f"targets.attained.{month}", "", 1)
        b.add(f"targets.projected.{month}", "", 2 if projected else 1)
        b.add(f"disbursement.rate.{month}", "", Decimal(rate[month == MONTHS[-1]]), "percent")
        for measure in ("annual_plan", "month", "ytd"):
            b.add(f"disbursement.{measure}.{month}", "", 1_500_000_000_000, "vnd")
        b.add(f"disbursement.key_rate.{month}", "", Decimal("0.5"), "percent")
        for status in TASK_STATUS_CODES:
            b.add(f"tasks.{status}.{month}", "", 0)
        for measure in ("done", "behind", "reported"):
            b.add(f"tasks.{measure}.{month}", "", 3)
        for measure in ("submissions", "rejected", "failed_checks", "problems"):
            b.add(f"quality.{measure}.{month}", "", 1)
    b.add("compliance.on_time_rate.change.2024-03", "",
          Decimal(on_time[1] - on_time[0]) / 10, "points")
    b.add("disbursement.rate.change.2024-03", "", Decimal(rate[1]) - Decimal(rate[0]), "points")
    b.add("tasks.done.change.2024-03", "", 0)
    b.add("targets.total", "", 3)
    b.add("tasks.total", "", 5)
    b.add("quality.changed.2024-03", "", 0)
    b.add("quality.restated.2024-03", "", 0)
    b.lists["compliance.missing"] = [
        {"agency_name_vi": name, "template": "tasks", "compliance_status": "missing"}
        for name in missing]
    lagging = {"code": "CT-09", "name_vi": "Diện tích nuôi trồng thủy sản", "unit": "ha",
               "target_text": "đạt 7.850 ha", "is_projected_attained": False,
               "ratio": b.add("targets.attainment.CT-09.2024-03", "", Decimal("0.9361"),
                              "percent"),
               "ytd": b.add("targets.ytd.CT-09.2024-03", "", Decimal("6981"), "number", "ha")}
    b.lists["targets.lagging"] = [] if projected else [lagging]
    return b


def _plain(page: text.Page) -> list[str]:
    return [text.plain(s) for s in page.sentences]


def test_compliance_says_what_rose_and_who_has_not_reported() -> None:
    page = text.compliance(_briefing((7, 9), ["Sở Nội vụ", "Sở Y tế"], rate=("0.1", "0.2")))
    first, late, missing = _plain(page)
    assert first == ("Tháng 03/2024 có 9/10 biểu báo cáo được gửi đúng hạn, đạt 90%, tăng "
                     "20 điểm phần trăm so với tháng 02/2024 (70%).")
    assert late == "Không có biểu nào gửi trễ hạn."
    assert missing == ("Chưa gửi báo cáo (2 biểu): Sở Nội vụ (biểu tiến độ thực hiện nhiệm vụ) "
                       "và Sở Y tế (biểu tiến độ thực hiện nhiệm vụ).")
    assert 3 <= len(page.sentences) <= 4


def test_a_fall_is_said_as_such_and_everyone_reporting_too() -> None:
    page = text.compliance(_briefing((9, 6), [], rate=("0.1", "0.2")))
    assert "giảm 30 điểm phần trăm so với tháng 02/2024 (90%)" in _plain(page)[0]
    assert _plain(page)[2] == "Mọi đơn vị đều đã gửi báo cáo của tháng."


def test_disbursement_and_targets_name_what_lags() -> None:
    b = _briefing((9, 9), [], rate=("0.25", "0.3125"), projected=False)
    money = _plain(text.disbursement(b))
    assert money[0].startswith("Lũy kế đến tháng 03/2024 giải ngân 1.500 tỷ đồng, đạt 31,3%")
    assert "tỷ lệ giải ngân tăng 6,3 điểm phần trăm so với tháng 02/2024 (25%)" in money[1]
    targets = _plain(text.targets(b))
    assert ("Chỉ tiêu dự kiến chưa đạt: Diện tích nuôi trồng thủy sản (6.981 ha, bằng 93,6% "
            "mục tiêu «đạt 7.850 ha»).") in targets
    assert "Các chỉ tiêu còn lại chưa có số liệu tháng 03/2024." in targets


def test_every_number_in_a_sentence_is_a_figure() -> None:
    b = _briefing((7, 9), ["Sở Nội vụ"], rate=("0.1", "0.2"), projected=False)
    for page in text.pages(b):
        assert 3 <= len(page.sentences) <= 4, page.theme
        for sentence in page.sentences:
            words = "".join(p for p in sentence if isinstance(p, str))
            # Outside figures: months (03/2024), a target's own words, the plan's goal.
            words = words.replace("7.850", "").replace("100%", "")
            assert not any(c.isdigit() for c in words.replace("03/2024", "")
                           .replace("02/2024", "")), (page.theme, words)


def test_changes_since_an_earlier_briefing_show_both_values() -> None:
    issued = Figure("disbursement.ytd.2024-02", "Giải ngân lũy kế đến tháng 02/2024",
                    1_000_000_000, "vnd")
    now = Figure(issued.key, issued.label_vi, 1_250_000_000, "vnd")
    gone = Figure("targets.ytd.CT-01.2024-02", "Lũy kế chỉ tiêu CT-01 tháng 02/2024",
                  Decimal("5"), "number", "%")
    sentences = text.changes_sentences([text.Change(issued, now), text.Change(gone, None)],
                                       "2024-02", "08:00 21/03/2024")
    lines = [text.plain(s) for s in sentences]
    assert "bản tin tháng 02/2024 (phát hành lúc 08:00 21/03/2024)" in lines[0]
    assert lines[1] == "Giải ngân lũy kế đến tháng 02/2024: 1 tỷ đồng → 1,3 tỷ đồng."
    assert lines[2] == "Lũy kế chỉ tiêu CT-01 tháng 02/2024: 5% → không còn số liệu."
    assert text.changes_sentences([], "2024-02", "") == []
