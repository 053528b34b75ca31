"""Reporting periods: a calendar month, ``YYYY-MM`` in the warehouse and
``MM/YYYY`` in files (submission-format.md, "Reporting calendar").

The data cut-off (ngày chốt số liệu) is the 14th of the reporting month, as the
national reporting regime (Decree 09/2019/NĐ-CP) counts a monthly report. The
deadline (deadline day, working days, grace) is ``vocabulary.calendar``.
"""

from __future__ import annotations

import datetime as dt
import re

CUTOFF_DAY = 14
_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def is_period(text: str) -> bool:
    return bool(_PERIOD.match(text))


def split_period(period: str) -> tuple[int, int]:
    """``"2024-03"`` -> ``(2024, 3)``; ValueError for anything else."""
    match = _PERIOD.match(period)
    if not match:
        raise ValueError(f"period must be YYYY-MM, got {period!r}")
    return int(match.group(1)), int(match.group(2))


def period_of(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def months_between(first: str, last: str) -> list[str]:
    """Every period from ``first`` to ``last``, both included."""
    year, month = split_period(first)
    end = split_period(last)
    if (year, month) > end:
        raise ValueError(f"{first} is after {last}")
    out = []
    while (year, month) <= end:
        out.append(period_of(year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def mm_yyyy(period: str) -> str:
    """``2024-03`` -> ``03/2024``, as files write a period."""
    year, month = period.split("-")
    return f"{month}/{year}"


def previous_month(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def cutoff_date(period: str) -> dt.date:
    """Ngày chốt số liệu of a period."""
    year, month = split_period(period)
    return dt.date(year, month, CUTOFF_DAY)
