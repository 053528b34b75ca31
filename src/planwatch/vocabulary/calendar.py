"""The working-day calendar and each period's deadline (submission-format.md,
"Reporting calendar").

"Trước ngày 20" makes the 19th the last day to send; a submission is on time
when received by the end of that day, local time. When the last day is not a
working day, Civil Code 2015 Art. 148(5) moves it to the end of the next
working day: the rule ``next_working_day`` (the default); ``none`` keeps the
calendar day. Grace days are added after that.

Working days are Monday to Friday, minus Vietnam's public holidays as the
``holidays`` package knows them (Tết, Hùng Kings' day, 30/4–1/5, 2/9 and the
days off it knows were swapped), adjusted by the Department's calendar file
(``catalog/calendar/ngay_lam_viec.csv``): a day off (``nghỉ``) or a swapped
working day (``làm bù``) the Government set and the package lacks, each with
the decision that set it.

Python and dbt read one calendar: ``python -m planwatch.regenerate`` writes it
as the seed ``calendar_days`` (one row per date of ``YEARS``: whether it is a
working day, the first working day on or after it, why it is not one), the
tests fail while the seed differs from what the file and the package give, and
everything in Python that needs a deadline reads that same seed
(``Calendar.from_seed``). ``holidays`` is needed only to write it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from planwatch.vocabulary.periods import split_period

# The years the calendar covers: every plan's year must be one of them.
YEARS = range(2020, 2036)

DEADLINE_RULES = ("next_working_day", "none")
DEFAULT_DEADLINE_RULE = "next_working_day"

# The Department's file (in the project) and the seed generated from it.
DEPARTMENT_FILE = Path("catalog") / "calendar" / "ngay_lam_viec.csv"
SEED_FILE = Path("dbt_project") / "seeds" / "calendar" / "calendar_days.csv"
DEPARTMENT_HEADER = ("ngay", "loai", "van_ban", "ghi_chu")
SEED_HEADER = ("calendar_date", "is_working_day", "next_working_day", "day_note_vi")

DAY_OFF, WORKING_DAY = "nghỉ", "làm bù"
KINDS = {DAY_OFF: False, WORKING_DAY: True}  # kind -> is a working day
_WEEKDAYS_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


class CalendarError(ValueError):
    """The Department's calendar file cannot be used; the message says why, in
    Vietnamese, for whoever edits it."""


@dataclass(frozen=True)
class DayChange:
    """One row of the Department's file: a day off or a swapped working day."""

    day: dt.date
    kind: str  # DAY_OFF or WORKING_DAY
    decision: str  # the Government's document that set it
    note: str = ""


def weekday_vi(day: dt.date) -> str:
    return _WEEKDAYS_VI[day.weekday()]


def read_department_file(text: str, name: str = str(DEPARTMENT_FILE)) -> list[DayChange]:
    """The rows of the Department's calendar file; CalendarError (in Vietnamese)
    for a row that cannot be trusted: a bad date or kind, no decision, a date
    given twice, a date outside ``YEARS``."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header) != DEPARTMENT_HEADER:
        raise CalendarError(f"{name}: dòng tiêu đề phải là {','.join(DEPARTMENT_HEADER)}, "
                            f"nhận được {header!r}")
    out: dict[dt.date, DayChange] = {}
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(DEPARTMENT_HEADER):
            raise CalendarError(f"{name} dòng {line}: cần {len(DEPARTMENT_HEADER)} cột, "
                                f"có {len(row)}")
        day_text, kind, decision, note = (cell.strip() for cell in row)
        try:
            day = dt.date.fromisoformat(day_text)
        except ValueError:
            raise CalendarError(f"{name} dòng {line}: ngày {day_text!r} không đúng dạng "
                                "YYYY-MM-DD") from None
        if kind not in KINDS:
            raise CalendarError(f"{name} dòng {line}: loại {kind!r} không hợp lệ, chỉ nhận "
                                f"{' hoặc '.join(repr(k) for k in KINDS)}")
        if not decision:
            raise CalendarError(f"{name} dòng {line}: thiếu văn bản quyết định ngày "
                                f"{day:%d/%m/%Y}")
        if day.year not in YEARS:
            raise CalendarError(f"{name} dòng {line}: năm {day.year} ngoài phạm vi lịch "
                                f"({YEARS[0]}–{YEARS[-1]})")
        if day in out:
            raise CalendarError(f"{name} dòng {line}: ngày {day:%d/%m/%Y} đã có ở dòng trước")
        out[day] = DayChange(day, kind, decision, note)
    return sorted(out.values(), key=lambda c: c.day)


@dataclass(frozen=True)
class Day:
    day: dt.date
    is_working_day: bool
    note_vi: str  # why it is not a working day, or why a weekend day is one


def working_days(changes: Iterable[DayChange], years: range = YEARS) -> list[Day]:
    """Every date of ``years`` (and the first weeks of the next, so that a last
    day at the end of the range still has a next working day), working or not
    and why: weekends, the ``holidays`` package's Vietnam, then the Department's
    changes over both."""
    import holidays

    first, last = dt.date(years[0], 1, 1), dt.date(years[-1] + 1, 1, 31)
    known = holidays.country_holidays("VN", years=range(years[0], years[-1] + 2),
                                      language="vi")
    weekend_workdays = set(getattr(known, "weekend_workdays", ()))
    given = {c.day: c for c in changes}
    out = []
    day = first
    while day <= last:
        if day in given:
            change = given[day]
            working = KINDS[change.kind]
            note = f"{'Làm bù' if working else 'Nghỉ'} theo {change.decision}"
            if change.note:
                note += f" ({change.note})"
        elif day in known:
            working, note = False, str(known[day])
        elif day in weekend_workdays:
            working, note = True, f"Làm bù ({weekday_vi(day)})"
        elif day.weekday() >= 5:
            working, note = False, weekday_vi(day)
        else:
            working, note = True, ""
        out.append(Day(day, working, note))
        day += dt.timedelta(days=1)
    return out


def seed_text(days: list[Day], years: range = YEARS) -> str:
    """The seed ``calendar_days``: one row per date of ``years``."""
    following: dict[dt.date, dt.date] = {}
    upcoming: dt.date | None = None
    for d in reversed(days):
        if d.is_working_day:
            upcoming = d.day
        if upcoming is not None:
            following[d.day] = upcoming
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SEED_HEADER)
    for d in days:
        if d.day.year in years:
            writer.writerow([d.day.isoformat(), "true" if d.is_working_day else "false",
                             following[d.day].isoformat(), d.note_vi])
    return out.getvalue()


def generated_seed(project_dir: Path) -> str:
    """What the seed must hold, from the Department's file in ``project_dir``."""
    path = project_dir / DEPARTMENT_FILE
    changes = read_department_file(path.read_text(encoding="utf-8"), str(DEPARTMENT_FILE))
    return seed_text(working_days(changes))


@dataclass(frozen=True)
class Deadline:
    """A period's deadline: the last day to send and the instants it gives."""

    period: str
    nominal_last_day: dt.date  # the day before the deadline day
    last_day: dt.date  # after the rule: the last day a submission is on time
    deadline_at: dt.datetime  # the end of last_day, local time (00:00 the day after)
    on_time_before_at: dt.datetime  # deadline_at plus the grace days
    moved_because_vi: str  # why nominal_last_day is not a working day ("" if not moved)

    @property
    def is_moved(self) -> bool:
        return self.last_day != self.nominal_last_day


@dataclass(frozen=True)
class Calendar:
    """The working-day calendar, as the seed holds it."""

    working: Mapping[dt.date, bool]
    next_working: Mapping[dt.date, dt.date]
    notes: Mapping[dt.date, str]

    @classmethod
    def from_seed_text(cls, text: str) -> Calendar:
        rows = list(csv.DictReader(io.StringIO(text)))
        working, following, notes = {}, {}, {}
        for row in rows:
            day = dt.date.fromisoformat(row["calendar_date"])
            working[day] = row["is_working_day"] == "true"
            following[day] = dt.date.fromisoformat(row["next_working_day"])
            notes[day] = row["day_note_vi"]
        return cls(working, following, notes)

    @classmethod
    def from_seed(cls, project_dir: Path) -> Calendar:
        return _seed_calendar(project_dir / SEED_FILE)

    def _known(self, day: dt.date) -> None:
        if day not in self.working:
            raise CalendarError(f"lịch ngày làm việc chưa có ngày {day:%d/%m/%Y} "
                                f"(chỉ có các năm {min(self.working).year}–"
                                f"{max(self.working).year})")

    def is_working_day(self, day: dt.date) -> bool:
        self._known(day)
        return self.working[day]

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day on or after ``day``."""
        self._known(day)
        return self.next_working[day]

    def note(self, day: dt.date) -> str:
        self._known(day)
        return self.notes[day]

    def deadline(self, period: str, *, deadline_day: int, grace_days: int, rule: str,
                 timezone: str) -> Deadline:
        """The deadline of ``period``: submissions are due before ``deadline_day``
        of the month (its day before is the last day to send), the last day moved
        under ``rule``, on time until the end of that day local time plus
        ``grace_days``."""
        if rule not in DEADLINE_RULES:
            raise ValueError(f"deadline rule must be one of {DEADLINE_RULES}, got {rule!r}")
        year, month = split_period(period)
        nominal = dt.date(year, month, 1) + dt.timedelta(days=deadline_day - 2)
        self._known(nominal)
        last = nominal if rule == "none" else self.next_working_day(nominal)
        end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(),
                                  tzinfo=ZoneInfo(timezone))
        return Deadline(period, nominal, last, end, end + dt.timedelta(days=grace_days),
                        self.why_not_working(nominal) if last != nominal else "")

    def why_not_working(self, day: dt.date) -> str:
        """``Chủ nhật``, ``Thứ Năm, Mùng ba Tết Nguyên Đán``."""
        note = self.note(day)
        return note if note == weekday_vi(day) else f"{weekday_vi(day)}, {note}"


class DeadlineSettings(Protocol):
    """What a deadline depends on (``config.Settings`` has it)."""

    project_dir: Path
    deadline_day: int
    grace_days: int
    deadline_rule: str
    timezone: str


def deadline_of(period: str, settings: DeadlineSettings) -> Deadline:
    """The deadline of ``period`` under the settings (deadline day, grace, rule,
    time zone), on the calendar of the project's seed."""
    return Calendar.from_seed(settings.project_dir).deadline(
        period, deadline_day=settings.deadline_day, grace_days=settings.grace_days,
        rule=settings.deadline_rule, timezone=settings.timezone)


@cache
def _seed_calendar(path: Path) -> Calendar:
    return Calendar.from_seed_text(path.read_text(encoding="utf-8"))
