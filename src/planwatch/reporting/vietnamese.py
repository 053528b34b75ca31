"""Numbers, dates and times written the Vietnamese way, for pages people read.

``1.234.567,5`` (dot between thousands, comma before decimals), ``18/03/2024``,
``14:05 18/03/2024`` in the plan's time zone. Pure: no database, no HTML.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from planwatch.text import DASH, number_vi
from planwatch.vocabulary.calendar import Deadline, weekday_vi
from planwatch.vocabulary.periods import mm_yyyy

# A number as software writes it (planwatch's problems, the marts): no leading
# zero (``039`` is a code) and no trailing zero after the point (``55.000`` is
# what a person typed, in the Vietnamese way or not).
_MACHINE = r"[+-]?(?:0|[1-9]\d*)(?:\.\d*[1-9])?"
_MACHINE_NUMBER = re.compile(f"^{_MACHINE}$")


def machine_number_vi(text: Any) -> str:
    """A number the warehouse wrote (``1500000000.0``) the Vietnamese way; any
    other text (what an agency typed, say ``55.000``) exactly as it is. Every
    digit is kept: a value is evidence, not a figure to round."""
    if text is None:
        return DASH
    if isinstance(text, (int, float, Decimal)):
        return number_vi(text, None)
    raw = str(text).strip()
    return number_vi(raw, None) if _MACHINE_NUMBER.match(raw) else str(text)


def percent_vi(ratio: Any, decimals: int = 1) -> str:
    """``0.855`` -> ``85,5%``."""
    if ratio is None:
        return DASH
    return f"{number_vi(Decimal(str(ratio)) * 100, decimals)}%"


def date_vi(value: dt.date | dt.datetime | None, timezone: str | None = None) -> str:
    """``18/03/2024``; a timestamp is first moved to ``timezone``."""
    if value is None:
        return DASH
    if isinstance(value, dt.datetime) and timezone:
        value = value.astimezone(ZoneInfo(timezone))
    return f"{value:%d/%m/%Y}"


def datetime_vi(value: dt.datetime | None, timezone: str) -> str:
    """``14:05 18/03/2024`` in ``timezone`` (a naive value is taken as UTC)."""
    if value is None:
        return DASH
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    local = value.astimezone(ZoneInfo(timezone))
    return f"{local:%H:%M %d/%m/%Y}"


def month_vi(period: str) -> str:
    """``2024-03`` -> ``tháng 03/2024``."""
    return f"tháng {mm_yyyy(period)}"


def zone_vi(timezone: str) -> str:
    """How a page names its time zone: ``giờ Việt Nam (UTC+07:00)``."""
    offset = dt.datetime.now(ZoneInfo(timezone)).strftime("%z")
    utc = f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"
    name = "giờ Việt Nam" if timezone in ("Asia/Ho_Chi_Minh", "Asia/Saigon") else timezone
    return f"{name} ({utc})"


def hours_vi(hours: Any) -> str:
    """``26.5`` -> ``26,5 giờ``."""
    return DASH if hours is None else f"{number_vi(hours, 1)} giờ"


# A number standing on its own in a sentence, not part of a code (``NV-5.2-039``).
_NUMBER_IN_TEXT = re.compile(rf"(?<![^\s(≥≤≈<>=]){_MACHINE}(?![^\s),;:%])")


def numbers_in_text_vi(text: Any) -> str:
    """Text the system wrote (``≥ 1500000000.5 (lũy kế kỳ trước)``) with each
    number in it the Vietnamese way (``≥ 1.500.000.000,5 (lũy kế kỳ trước)``)."""
    if text is None:
        return DASH
    if isinstance(text, (int, float, Decimal)):
        return number_vi(text, None)
    return _NUMBER_IN_TEXT.sub(lambda m: number_vi(m.group(0), None), str(text))


def _deadline_zone(timezone: str) -> str:
    return "giờ Việt Nam" if timezone in ("Asia/Ho_Chi_Minh", "Asia/Saigon") \
        else f"giờ {timezone}"


def _day_ending(before: dt.datetime, timezone: str) -> str:
    """The day an instant ends: 00:00 on 21/05/2024 ends ``Thứ Hai, 20/05/2024``."""
    day = (before.astimezone(ZoneInfo(timezone)) - dt.timedelta(microseconds=1)).date()
    return f"{weekday_vi(day)}, {day:%d/%m/%Y}"


def deadline_vi(deadline_at: dt.datetime, on_time_before_at: dt.datetime,
                timezone: str) -> str:
    """``chậm nhất trong ngày Thứ Hai, 20/05/2024 (giờ Việt Nam)``: the end of the last
    day to send (``deadline_at``, 00:00 the day after, as the marts hold it), and
    the grace if any."""
    text = f"chậm nhất trong ngày {_day_ending(deadline_at, timezone)} " \
        f"({_deadline_zone(timezone)})"
    if on_time_before_at != deadline_at:
        text += f", được gia hạn đến hết ngày {_day_ending(on_time_before_at, timezone)}"
    return text


def deadline_moved_vi(deadline: Deadline) -> str:
    """Why the last day is not the calendar day, or "" when it is."""
    if not deadline.is_moved:
        return ""
    return (f"ngày {deadline.nominal_last_day:%d/%m/%Y} không phải ngày làm việc "
            f"({deadline.moved_because_vi}) nên hạn được chuyển sang ngày làm việc tiếp theo "
            "(khoản 5 Điều 148 Bộ luật Dân sự 2015)")
