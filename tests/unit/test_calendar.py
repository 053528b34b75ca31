"""The working-day calendar and each month's deadline (``vocabulary.calendar``):
the last day moved off weekends, holidays and days off, swapped working days
kept, the rule ``none``, grace; the Department's file checked row by row; a
change to it changes the generated seed (a diff the drift test forces into the
repository), never the deadlines quietly."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from planwatch.config import load_settings
from planwatch.demo.cases import Calendar as DemoCalendar
from planwatch.orchestration.submissions_deadline import deadline_events, period_of_run
from planwatch.regenerate import out_of_date
from planwatch.reporting.receipts import receipt_of, render_html
from planwatch.reporting.reminders import deadline_text
from planwatch.vocabulary.calendar import (
    DEPARTMENT_FILE,
    SEED_FILE,
    Calendar,
    CalendarError,
    deadline_of,
    generated_seed,
    read_department_file,
    seed_text,
    working_days,
)
from planwatch.warehouse.submissions import FileWrite, SubmissionWrite

REPO = Path(__file__).resolve().parents[2]
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
HEADER = "ngay,loai,van_ban,ghi_chu\n"


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=HCM)


@pytest.fixture(scope="module")
def calendar() -> Calendar:
    return Calendar.from_seed(REPO)


def deadline(calendar: Calendar, period: str, *, day: int = 20, grace: int = 0,
             rule: str = "next_working_day"):  # type: ignore[no-untyped-def]
    return calendar.deadline(period, deadline_day=day, grace_days=grace, rule=rule,
                             timezone="Asia/Ho_Chi_Minh")


def test_may_2024_the_19th_is_a_sunday_so_monday_the_20th_is_the_last_day(
        calendar: Calendar) -> None:
    may = deadline(calendar, "2024-05")
    assert (may.nominal_last_day, may.last_day) == (dt.date(2024, 5, 19), dt.date(2024, 5, 20))
    assert may.moved_because_vi == "Chủ nhật"
    # On time until the end of Monday, local time: 17:00 UTC on the 20th.
    assert may.deadline_at == may.on_time_before_at == local(2024, 5, 21)
    assert may.on_time_before_at == dt.datetime(2024, 5, 20, 17, tzinfo=dt.UTC)
    assert local(2024, 5, 20, 10) < may.on_time_before_at  # sent Monday morning: on time
    assert local(2024, 5, 20, 23, 59, 59) < may.on_time_before_at
    assert not local(2024, 5, 21) < may.on_time_before_at  # Tuesday 00:00: late


def test_february_2026_the_19th_falls_in_tet_so_the_first_working_day_after_it_counts(
        calendar: Calendar) -> None:
    february = deadline(calendar, "2026-02")
    # Tết Bính Ngọ: off from Saturday 14/02 to Sunday 22/02/2026.
    assert all(not calendar.is_working_day(dt.date(2026, 2, d)) for d in range(14, 23))
    assert february.last_day == dt.date(2026, 2, 23)  # Monday
    assert february.moved_because_vi == "Thứ Năm, Mùng ba Tết Nguyên Đán"
    assert february.on_time_before_at == local(2026, 2, 24)


def test_a_month_whose_last_day_is_a_working_day_keeps_it(calendar: Calendar) -> None:
    march = deadline(calendar, "2024-03")  # Tuesday 19/03/2024
    assert march.last_day == march.nominal_last_day == dt.date(2024, 3, 19)
    assert not march.is_moved and march.moved_because_vi == ""
    assert march.on_time_before_at == local(2024, 3, 20)


def test_a_swapped_working_saturday_is_a_working_day_and_a_swapped_day_off_is_not(
        calendar: Calendar) -> None:
    # The Department's file: Friday 02/01/2026 off, Saturday 10/01/2026 worked
    # (Văn bản 12729/VPCP-KGVX), which the holidays package does not know.
    assert calendar.is_working_day(dt.date(2026, 1, 10))
    assert not calendar.is_working_day(dt.date(2026, 1, 2))
    assert "12729/VPCP-KGVX" in calendar.note(dt.date(2026, 1, 10))
    # Due before the 11th: Saturday the 10th is the last day, not moved to Monday.
    assert deadline(calendar, "2026-01", day=11).last_day == dt.date(2026, 1, 10)
    # Due before the 3rd: Friday the 2nd is off, and so are the 3rd and 4th.
    assert deadline(calendar, "2026-01", day=3).last_day == dt.date(2026, 1, 5)
    # The package's own swap: Saturday 04/05/2024 worked for Monday 29/04/2024.
    assert deadline(calendar, "2024-05", day=5).last_day == dt.date(2024, 5, 4)
    assert deadline(calendar, "2024-04", day=30).last_day == dt.date(2024, 5, 2)
    # Without the Department's rows the Saturday would be a weekend day.
    bare = Calendar.from_seed_text(seed_text(working_days([])))
    assert not bare.is_working_day(dt.date(2026, 1, 10))
    assert bare.deadline("2026-01", deadline_day=11, grace_days=0, rule="next_working_day",
                         timezone="Asia/Ho_Chi_Minh").last_day == dt.date(2026, 1, 12)


def test_rule_none_keeps_the_calendar_day(calendar: Calendar) -> None:
    may = deadline(calendar, "2024-05", rule="none")
    assert may.last_day == dt.date(2024, 5, 19) and not may.is_moved
    assert may.on_time_before_at == local(2024, 5, 20)
    assert not local(2024, 5, 20, 10) < may.on_time_before_at  # Monday morning: late
    with pytest.raises(ValueError, match="deadline rule"):
        deadline(calendar, "2024-05", rule="nearest")


def test_grace_days_come_after_the_moved_last_day(calendar: Calendar) -> None:
    may = deadline(calendar, "2024-05", grace=2)
    assert may.deadline_at == local(2024, 5, 21)
    assert may.on_time_before_at == local(2024, 5, 23)
    assert deadline(calendar, "2024-05", grace=2, rule="none").on_time_before_at == \
        local(2024, 5, 22)


def test_a_year_outside_the_calendar_is_refused_not_guessed(calendar: Calendar) -> None:
    with pytest.raises(CalendarError, match="chưa có ngày 19/05/2040"):
        deadline(calendar, "2040-05")


def test_the_2024_months_whose_deadline_moved(calendar: Calendar) -> None:
    moved = {p: deadline(calendar, p).last_day for m in range(1, 13)
             if deadline(calendar, p := f"2024-{m:02d}").is_moved}
    assert moved == {"2024-05": dt.date(2024, 5, 20), "2024-10": dt.date(2024, 10, 21)}


@pytest.mark.parametrize(("rows", "reason"), [
    ("2026-01-02,nghi,VB 1,\n", "loại 'nghi' không hợp lệ"),
    ("02/01/2026,nghỉ,VB 1,\n", "không đúng dạng YYYY-MM-DD"),
    ("2026-01-02,nghỉ,,\n", "thiếu văn bản quyết định ngày 02/01/2026"),
    ("2026-01-02,nghỉ,VB 1,\n2026-01-02,làm bù,VB 2,\n", "dòng 3: ngày 02/01/2026 đã có"),
    ("2099-01-02,nghỉ,VB 1,\n", "năm 2099 ngoài phạm vi lịch"),
    ("2026-01-02,nghỉ,VB 1\n", "cần 4 cột"),
])
def test_a_bad_row_of_the_departments_file_is_refused_with_a_vietnamese_reason(
        rows: str, reason: str) -> None:
    with pytest.raises(CalendarError, match=reason):
        read_department_file(HEADER + rows)
    with pytest.raises(CalendarError, match="dòng tiêu đề"):
        read_department_file("date,kind,decision,note\n" + rows)


def _project_copy(tmp_path: Path) -> Path:
    for relative in (DEPARTMENT_FILE, SEED_FILE):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / relative, tmp_path / relative)
    return tmp_path


def test_a_change_to_the_calendar_file_shows_as_a_seed_diff_until_regenerated(
        tmp_path: Path) -> None:
    """A day off added for Monday 20/05/2024 moves May 2024's deadline a day, but
    only through a regenerated seed: until then the seed (what Python and dbt
    read) is unchanged and the drift test names it; afterwards the diff shows the
    dates whose status changed."""
    project = _project_copy(tmp_path)
    seed = (project / SEED_FILE).read_text(encoding="utf-8")
    assert generated_seed(project) == seed  # the repository's seed is up to date
    with (project / DEPARTMENT_FILE).open("a", encoding="utf-8") as fh:
        fh.write("2024-05-20,nghỉ,Văn bản thử nghiệm số 1,\n")
    assert Calendar.from_seed_text(seed).deadline(
        "2024-05", deadline_day=20, grace_days=0, rule="next_working_day",
        timezone="Asia/Ho_Chi_Minh").last_day == dt.date(2024, 5, 20)
    regenerated = generated_seed(project)
    changed = set(regenerated.splitlines()) - set(seed.splitlines())
    assert {line.split(",")[0] for line in changed} == {"2024-05-18", "2024-05-19",
                                                        "2024-05-20"}
    assert Calendar.from_seed_text(regenerated).deadline(
        "2024-05", deadline_day=20, grace_days=0, rule="next_working_day",
        timezone="Asia/Ho_Chi_Minh").last_day == dt.date(2024, 5, 21)


def test_the_repositorys_calendar_seed_is_what_the_file_and_the_package_give() -> None:
    assert REPO / SEED_FILE not in out_of_date(REPO)


def test_the_demo_the_reminders_and_the_deadline_dag_use_the_one_calendar() -> None:
    settings = load_settings()
    may = deadline_of("2024-05", settings)
    demo = DemoCalendar.configured(settings)
    assert demo.due("2024-05") == may.on_time_before_at == local(2024, 5, 21)
    assert not demo.is_late(local(2024, 5, 20, 10), "2024-05")
    assert demo.is_late(local(2024, 5, 21, 0, 0, 1), "2024-05")
    events = deadline_events(settings)
    run = local(2024, 5, 21, 1).astimezone(dt.UTC)  # the scheduled run's logical date
    assert events[run] == "2024-05"
    assert period_of_run(run, None, settings.timezone, events) == "2024-05"
    assert events[local(2026, 2, 24, 1)] == "2026-02"
    assert deadline_text(may.deadline_at, may.on_time_before_at, settings.timezone) == \
        "chậm nhất trong ngày Thứ Hai, 20/05/2024 (giờ Việt Nam)"
    later = dataclasses.replace(settings, deadline_rule="none")
    assert deadline_of("2024-05", later).on_time_before_at == local(2024, 5, 20)


def test_a_receipt_tells_the_months_deadline_and_why_it_moved() -> None:
    settings = load_settings()
    sub = SubmissionWrite("tasks", "SDL", "2024-05", "accepted", rows=[{"source_row": 5}])
    write = FileWrite(file_name="SDL_2024-05.xlsx", inbox_path="2024-05/SDL_2024-05.xlsx",
                      file_sha256="ab" * 32, file_size=10, archive_path="data/archive/x",
                      received_at=local(2024, 5, 20, 10), receipt_path="r.html",
                      code_version="t", submissions=[sub], received_at_kind="server_clock",
                      file_modified_at=local(2024, 5, 20, 10))
    receipt = receipt_of(write, "Sở Du lịch", timezone=settings.timezone,
                         deadline=deadline_of("2024-05", settings))
    assert receipt["deadline"]["last_day"] == "2024-05-20"
    page = render_html(receipt)
    assert '<th scope="row">Hạn gửi</th><td>chậm nhất trong ngày Thứ Hai, 20/05/2024 (giờ ' \
        'Việt Nam)' in page
    assert "ngày 19/05/2024 không phải ngày làm việc (Chủ nhật) nên hạn được chuyển" in page
    march = receipt_of(write, None, timezone=settings.timezone,
                       deadline=deadline_of("2024-03", settings))
    assert "Thứ Ba, 19/03/2024" in render_html(march)
    assert "không phải ngày làm việc" not in render_html(march)
