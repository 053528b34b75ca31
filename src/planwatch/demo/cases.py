"""Which agency-month gets which case: missing, late, resubmitted, duplicate,
invalid (and why), and when each file arrives.

Each case is spread over agencies before any agency gets it twice, and each
appears at least once when the catalog allows it; a few arrivals fall minutes
either side of the deadline.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from planwatch.config import Settings, load_settings
from planwatch.demo.content import AgencyYear
from planwatch.demo.history_cases import HISTORY_CASES, can_apply
from planwatch.demo.seeding import seeded
from planwatch.vocabulary.calendar import Deadline, deadline_of

# Shares of agency-months (each case at least once when possible).
_SHARE_MISSING = 0.025
_SHARE_INVALID_EACH = 0.008
_SHARE_HISTORY_EACH = 0.004
_SHARE_RESUBMISSION = 0.03
_SHARE_DUPLICATE = 0.02
_SHARE_LATE = 0.10


@dataclass
class Slot:
    agency_code: str
    month: int
    # normal | missing | resubmission | duplicate | <invalid reason> | <history case>
    case: str = "normal"
    late: bool = False


def assign_cases(ays: dict[str, AgencyYear], seed: int) -> dict[tuple[str, int], Slot]:
    rng = seeded(seed, "cases")
    slots = {(code, m): Slot(code, m) for code in ays for m in range(1, 13)}
    order = sorted(slots)
    rng.shuffle(order)
    n = len(order)

    def count(share: float) -> int:
        return max(1, round(share * n))

    def eligible(case: str, ay: AgencyYear, month: int) -> bool:
        if case in HISTORY_CASES:
            return _history_fits(case, ay, month, slots)
        xlsx = ay.profile.kind == "xlsx"
        return {
            "period_mismatch": xlsx,
            "resubmission": xlsx,
            "duplicate": xlsx,
            "unit_mismatch": "indicators" in ay.templates,
            "unknown_task_code": "tasks" in ay.templates,
            "invalid_status": "tasks" in ay.templates,
        }.get(case, True)

    plan = [
        ("period_mismatch", count(_SHARE_INVALID_EACH)),
        ("resubmission", count(_SHARE_RESUBMISSION)),
        ("duplicate", count(_SHARE_DUPLICATE)),
        ("unit_mismatch", count(_SHARE_INVALID_EACH)),
        ("unknown_task_code", count(_SHARE_INVALID_EACH)),
        ("invalid_status", count(_SHARE_INVALID_EACH)),
        ("missing_required_column", count(_SHARE_INVALID_EACH)),
        ("missing", count(_SHARE_MISSING)),
        # Last, so that the months they compare with are settled.
        *((case, count(_SHARE_HISTORY_EACH)) for case in HISTORY_CASES),
    ]
    for case, k in plan:
        # Spread each case over agencies before giving an agency a second one.
        used: dict[str, int] = {}
        for _ in range(k):
            best = None
            for key in order:
                slot = slots[key]
                if slot.case != "normal" or not eligible(case, ays[slot.agency_code], key[1]):
                    continue
                if best is None or used.get(key[0], 0) < used.get(best[0], 0):
                    best = key
                    if used.get(key[0], 0) == 0:
                        break
            if best is None:
                break
            slots[best].case = case
            used[best[0]] = used.get(best[0], 0) + 1
    present = [key for key in order if slots[key].case != "missing"]
    late_rng = seeded(seed, "late")
    for key in late_rng.sample(present, min(len(present), count(_SHARE_LATE))):
        slots[key].late = True
    return slots


def _history_fits(case: str, ay: AgencyYear, month: int,
                  slots: dict[tuple[str, int], Slot]) -> bool:
    """A case across months goes where the months around it let it fire alone:
    the month before is a normal one when it needs it, and the month after does
    not need this one to be."""
    code = ay.agency.agency_code
    before, after = slots.get((code, month - 1)), slots.get((code, month + 1))
    if HISTORY_CASES[case].needs_previous and (before is None or before.case != "normal"):
        return False
    if after is not None and after.case in HISTORY_CASES and HISTORY_CASES[
            after.case].needs_previous:
        return False
    return can_apply(case, ay, month)


@dataclass(frozen=True)
class Calendar:
    """The reporting calendar the demo's arrival times follow (``Settings``): the
    deadlines of ``vocabulary.calendar``, the ones the marts judge by."""

    settings: Settings

    @classmethod
    def configured(cls, settings: Settings | None = None) -> Calendar:
        """The calendar of the settings (the environment by default)."""
        return cls(settings or load_settings())

    @property
    def timezone(self) -> str:
        return self.settings.timezone

    def deadline(self, period: str) -> Deadline:
        return deadline_of(period, self.settings)

    def due(self, period: str) -> dt.datetime:
        return self.deadline(period).on_time_before_at

    def is_late(self, at: dt.datetime, period: str) -> bool:
        """Received at or after the instant the period's submissions were due."""
        return at >= self.due(period)


def arrival_time(period: str, late: bool, rng: random.Random, edge: bool,
                 calendar: Calendar) -> dt.datetime:
    """When an agency's file for ``period`` arrives: most in the five days before
    the deadline, late ones up to eight days after; ``edge`` ones minutes from it."""
    due = calendar.due(period)
    if late:
        if edge:  # just after the deadline
            return due + dt.timedelta(minutes=rng.randint(0, 20), seconds=rng.randint(0, 59))
        days = rng.choice((0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8))
    else:
        if edge:  # just before the deadline
            return due - dt.timedelta(minutes=60 - rng.randint(40, 59)) + dt.timedelta(
                seconds=rng.randint(0, 59))
        days = -rng.choice((5, 4, 4, 3, 3, 2, 2, 2, 1, 1, 1, 1))
    hour = rng.choice((7, 8, 8, 9, 9, 10, 10, 11, 13, 14, 14, 15, 15, 16, 16, 17, 20, 22))
    return due + dt.timedelta(days=days, hours=hour, minutes=rng.randint(0, 59),
                              seconds=rng.randint(0, 59))
