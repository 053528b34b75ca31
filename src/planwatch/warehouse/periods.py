"""Every statement against ``audit.period_events``: the Department closing a
plan's month when it publishes its figures, and reopening it (with a reason).

The table is append-only; a period's state is its latest event (no event:
open). Closing a closed period, or reopening an open one, records nothing and
raises ``PeriodUnchanged`` (a ``UserError``) saying since when and by whom.

Closing and ingest are serialised by one advisory lock per (plan, period):
taken exclusive to write an event, shared by ingest to write a submission
(``closed_for_ingest``), so files of one month still load side by side while a
close waits for the files being written to commit, and a file written while a
close commits waits for it. A submission is therefore either wholly before
the close (not a restatement) or after it (a restatement, seen by the same
lock). Both hold under PostgreSQL's default isolation, READ COMMITTED: the
state is read after the lock is granted.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo

import psycopg

from planwatch.errors import UserError
from planwatch.vocabulary.periods import is_period
from planwatch.warehouse.mart_builds import mark_changed

CLOSE = "close"
REOPEN = "reopen"
ACTOR_VARIABLE = "PLANWATCH_ACTOR"

# (key1, key2) of pg_advisory_xact_lock: a space of planwatch's period locks,
# then the plan and period (a hash collision only serialises two periods).
_LOCK_SPACE = "planwatch.period"
LOCK_SQL = "select pg_advisory_xact_lock(hashtext(%s), hashtext(%s))"
LOCK_SHARED_SQL = "select pg_advisory_xact_lock_shared(hashtext(%s), hashtext(%s))"

_COLUMNS = "event_id, plan_code, period, action, actor, reason, occurred_at"

# The person, then the database role the event was written as (recorded by
# the server itself, so the auditor sees both); the time it was written, once
# the lock was granted (not when its transaction began).
INSERT_SQL = f"""
insert into audit.period_events (plan_code, period, action, actor, reason)
values (%s, %s, %s, %s, %s)  -- the database adds the role and the time (migration 0009)
returning {_COLUMNS}
"""

LATEST_SQL = f"""
select distinct on (e.plan_code, e.period) {_COLUMNS}
from audit.period_events as e
join unnest(%s::text[], %s::text[]) as wanted (plan_code, period)
    using (plan_code, period)
order by e.plan_code, e.period, e.event_id desc
"""

EVENTS_SQL = f"""
select {_COLUMNS}
from audit.period_events
where (%(plan)s::text is null or plan_code = %(plan)s)
  and (%(period)s::text is null or period = %(period)s)
order by event_id
"""

# Every plan-month whose latest event closed it.
CLOSED_SQL = """
select plan_code, period from (
    select distinct on (plan_code, period) plan_code, period, action
    from audit.period_events
    order by plan_code, period, event_id desc
) as latest
where action = 'close'
order by plan_code, period
"""

# What was received for a plan's month while it was closed (the auditor's list).
RESTATEMENTS_SQL = """
select submission_id, agency_code, template, status, received_at, processed_at, file_name
from audit.submissions
where is_restatement and plan_code = %s and period = %s
order by submission_id
"""

RESTATEMENT_COUNTS_SQL = """
select plan_code, period, count(*)
from audit.submissions
where is_restatement and plan_code = any(%s)
group by plan_code, period
"""


@dataclass(frozen=True)
class PeriodEvent:
    event_id: int
    plan_code: str
    period: str
    action: str
    actor: str
    reason: str | None
    occurred_at: datetime


@dataclass(frozen=True)
class PeriodState:
    """A plan's month as its latest event left it."""

    plan_code: str
    period: str
    latest: PeriodEvent | None = None

    @property
    def closed(self) -> bool:
        return self.latest is not None and self.latest.action == CLOSE

    @property
    def state(self) -> str:
        return "closed" if self.closed else "open"

    @property
    def since(self) -> datetime | None:
        return self.latest.occurred_at if self.latest else None

    @property
    def by(self) -> str | None:
        return self.latest.actor if self.latest else None

    def describe(self, tz: tzinfo | None = None) -> str:
        """``"TTH-2024 2024-03 is closed since 2024-04-21 10:00 +0700 by ..."``
        (times in ``tz`` when given)."""
        head = f"{self.plan_code} {self.period} is {self.state}"
        event = self.latest
        if event is None:
            return f"{head} (never closed)"
        at = event.occurred_at.astimezone(tz) if tz else event.occurred_at
        when = f"{at:%Y-%m-%d %H:%M %z}"
        if event.action == REOPEN:
            return f"{head} since {when} (reopened by {event.actor}: {event.reason})"
        return f"{head} since {when} by {event.actor}"


@dataclass(frozen=True)
class Restatement:
    submission_id: int
    agency_code: str | None
    template: str | None
    status: str
    received_at: datetime
    processed_at: datetime
    file_name: str


class PeriodUnchanged(UserError):
    """Closing a closed period or reopening an open one: nothing was recorded."""

    def __init__(self, state: PeriodState) -> None:
        self.state = state
        super().__init__(f"{state.describe()}: nothing recorded")


class PeriodAlreadyClosed(PeriodUnchanged):
    pass


class PeriodAlreadyOpen(PeriodUnchanged):
    pass


class PeriodEventRefused(UserError):
    """An event that cannot be recorded as given (no reason, no actor, no month)."""


def actor_name(given: str | None, environ: Mapping[str, str] | None = None) -> str:
    """Who records an event: ``--by``, else ``PLANWATCH_ACTOR``, else the OS login."""
    environ = os.environ if environ is None else environ
    for candidate in (given, environ.get(ACTOR_VARIABLE)):
        if candidate is not None and candidate.strip():
            return candidate.strip()
    if given is not None:  # said, but blank
        raise PeriodEventRefused("--by needs a name: who closes or reopens the month")
    try:
        return getpass.getuser()
    except Exception:  # no login name (a container's bare uid)
        return f"uid {os.getuid()}"


def lock_period(conn: psycopg.Connection, plan_code: str, period: str, *,
                shared: bool = False) -> None:
    """The (plan, period) lock, held until the caller's transaction ends."""
    conn.execute(LOCK_SHARED_SQL if shared else LOCK_SQL,
                 (_LOCK_SPACE, f"{plan_code}|{period}"))


def closed_for_ingest(conn: psycopg.Connection, plan_code: str,
                      period: str) -> PeriodEvent | None:
    """For a submission about to be written in the caller's transaction: take the
    period's lock (shared) and return the event that closed it, None if open."""
    lock_period(conn, plan_code, period, shared=True)
    current = state(conn, plan_code, period)
    return current.latest if current.closed else None


def states(conn: psycopg.Connection, keys: Iterable[tuple[str, str]]) -> list[PeriodState]:
    """The state of each (plan_code, period), in the order given."""
    keys = list(keys)
    if not keys:
        return []
    rows = conn.execute(LATEST_SQL, ([k[0] for k in keys], [k[1] for k in keys])).fetchall()
    latest = {(e.plan_code, e.period): e for e in (PeriodEvent(*r) for r in rows)}
    return [PeriodState(plan, period, latest.get((plan, period))) for plan, period in keys]


def state(conn: psycopg.Connection, plan_code: str, period: str) -> PeriodState:
    return states(conn, [(plan_code, period)])[0]


def closed(conn: psycopg.Connection) -> list[tuple[str, str]]:
    """Every (plan_code, period) closed now."""
    return [(plan, period) for plan, period in conn.execute(CLOSED_SQL)]


def events(conn: psycopg.Connection, plan_code: str | None = None,
           period: str | None = None) -> list[PeriodEvent]:
    """Every event, oldest first; of one plan and/or period when named."""
    rows = conn.execute(EVENTS_SQL, {"plan": plan_code, "period": period}).fetchall()
    return [PeriodEvent(*r) for r in rows]


def close(conn: psycopg.Connection, plan_code: str, period: str, *, actor: str) -> PeriodEvent:
    """Close a plan's month (the Department published it). Commits, unless called
    inside a transaction of the caller's."""
    return _record(conn, plan_code, period, CLOSE, actor, None)


def reopen(conn: psycopg.Connection, plan_code: str, period: str, *, actor: str,
           reason: str) -> PeriodEvent:
    """Reopen a closed month; the reason is required. Commits as ``close`` does."""
    if not (reason or "").strip():
        raise PeriodEventRefused(f"reopening {plan_code} {period} needs a reason (--reason)")
    return _record(conn, plan_code, period, REOPEN, actor, reason.strip())


def _record(conn: psycopg.Connection, plan_code: str, period: str, action: str,
            actor: str, reason: str | None) -> PeriodEvent:
    if not is_period(period):
        raise PeriodEventRefused(f"a month is YYYY-MM, not {period!r}")
    if not actor.strip():
        raise PeriodEventRefused("an event needs its actor: who closes or reopens the month")
    with conn.transaction():
        lock_period(conn, plan_code, period)
        current = state(conn, plan_code, period)
        if action == CLOSE and current.closed:
            raise PeriodAlreadyClosed(current)
        if action == REOPEN and not current.closed:
            raise PeriodAlreadyOpen(current)
        row = conn.execute(INSERT_SQL, (plan_code, period, action, actor.strip(),
                                        reason)).fetchone()
        mark_changed(conn, [(plan_code, period)], f"period {action}")
    assert row is not None
    return PeriodEvent(*row)


def restatements(conn: psycopg.Connection, plan_code: str,
                 period: str) -> list[Restatement]:
    """The submissions of a plan's month written while it was closed."""
    return [Restatement(*r) for r in conn.execute(RESTATEMENTS_SQL, (plan_code, period))]


def restatement_counts(conn: psycopg.Connection,
                       plan_codes: list[str]) -> dict[tuple[str, str], int]:
    """How many restatements each (plan_code, period) of the given plans has."""
    rows = conn.execute(RESTATEMENT_COUNTS_SQL, (plan_codes,)).fetchall()
    return {(plan, period): int(n) for plan, period, n in rows}
