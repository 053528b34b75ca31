"""What ``planwatch period status`` prints: each plan's months, closed or open,
since when and by whom, and how many restatements each received; for one
month, also its events and the restatements themselves (the auditor's list)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo

import psycopg

from planwatch.warehouse import periods
from planwatch.warehouse.periods import REOPEN, PeriodEvent, PeriodState, Restatement


def _at(value: datetime | None, tz: tzinfo | None) -> str:
    if value is None:
        return "-"
    return f"{value.astimezone(tz) if tz else value:%Y-%m-%d %H:%M}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=True)]
    return ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
            for row in (header, *rows)]


def status_text(states: Sequence[PeriodState], restatement_counts: Mapping[tuple[str, str], int],
                *, tz: tzinfo | None = None, events: Sequence[PeriodEvent] = (),
                restatements: Sequence[Restatement] = ()) -> str:
    """The months' table; then, when given, the events and the restatements."""
    rows = []
    for s in states:
        note = s.latest.reason if s.latest and s.latest.action == REOPEN else ""
        rows.append((s.plan_code, s.period, s.state, _at(s.since, tz), s.by or "-",
                     str(restatement_counts.get((s.plan_code, s.period), 0)),
                     f"reopened: {note}" if note else ""))
    lines = _table(("plan", "month", "state", "since", "by", "restatements", "note"), rows)
    if events:
        lines += ["", "events"]
        lines += _table(("event", "plan", "month", "action", "at", "by", "reason"), [
            (str(e.event_id), e.plan_code, e.period, e.action, _at(e.occurred_at, tz), e.actor,
             e.reason or "") for e in events])
    if restatements:
        lines += ["", "restatements (written while the month was closed; they do not replace "
                      "the published figures)"]
        lines += _table(("submission", "agency", "template", "status", "received", "written",
                         "file"), [
            (str(r.submission_id), r.agency_code or "-", r.template or "-", r.status,
             _at(r.received_at, tz), _at(r.processed_at, tz), r.file_name)
            for r in restatements])
    return "\n".join(lines)


def print_status(url: str, keys: Sequence[tuple[str, str]], *, detailed: bool = False,
                 tz: tzinfo | None = None) -> None:
    """Print the state of each (plan_code, period); ``detailed``: each one's events
    and restatements too (for one month)."""
    plans = sorted({plan for plan, _ in keys})
    with psycopg.connect(url) as conn:
        states = periods.states(conn, keys)
        counts = periods.restatement_counts(conn, plans)
        events = [e for k in keys for e in periods.events(conn, *k)] if detailed else []
        restated = [r for k in keys for r in periods.restatements(conn, *k)] if detailed else []
    print(status_text(states, counts, tz=tz, events=events, restatements=restated))
