"""Every statement of the deadline notices: what each agency owes for a month,
read from the marts, and the notices recorded in ``audit.deadline_notices``.

Compliance is decided in dbt: ``marts.mart_submission_owed`` holds every month
of each plan's year, with the status ``fct_submission`` gives the months up to
the plan's reporting horizon (one rule, ``int_submissions_classified``), so a
month in which nothing was accepted yet still shows who owes what.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

MART_SQL = """
select agency_code, template, compliance_status, deadline_at, on_time_before_at
from marts.mart_submission_owed
where plan_code = %s and period = %s
order by agency_code, template
"""

LOCK_SQL = "select pg_advisory_xact_lock(hashtext('planwatch.deadline'), hashtext(%s))"

HISTORY_SQL = """
select distinct on (kind, agency_code)
    kind, agency_code, notice_id, owed_sha256, recipient, skipped_reason, sent_at
from audit.deadline_notices
where plan_code = %s and period = %s
order by kind, agency_code, notice_id desc
"""

LAST_SENT_SQL = """
select distinct on (kind, agency_code) kind, agency_code, owed_sha256
from audit.deadline_notices
where plan_code = %s and period = %s and sent_at is not null
order by kind, agency_code, notice_id desc
"""

INSERT_SQL = """
insert into audit.deadline_notices (
    kind, plan_code, agency_code, period, owed, owed_sha256, deadline_at,
    on_time_before_at, recipient, skipped_reason, message_id, dag_run_id)
values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
returning notice_id
"""

NOTICE_SQL = """
select notice_id, kind, plan_code, agency_code, period, owed, owed_sha256, deadline_at,
       on_time_before_at, recipient, skipped_reason, message_id, dag_run_id, sent_at
from audit.deadline_notices
where notice_id = any(%s)
order by notice_id
"""

MARK_SENT_SQL = """
update audit.deadline_notices set sent_at = now()
where notice_id = %s and sent_at is null
"""


@dataclass(frozen=True)
class MonthRow:
    """One template an agency owes for the month, as the marts judge it."""

    agency_code: str
    template: str
    compliance_status: str
    deadline_at: datetime
    on_time_before_at: datetime


@dataclass(frozen=True)
class MonthStatus:
    plan_code: str
    period: str
    rows: list[MonthRow]

    @property
    def deadline_at(self) -> datetime | None:
        return self.rows[0].deadline_at if self.rows else None

    @property
    def on_time_before_at(self) -> datetime | None:
        return self.rows[0].on_time_before_at if self.rows else None


@dataclass(frozen=True)
class LatestNotice:
    kind: str
    agency_code: str
    notice_id: int
    owed_sha256: str
    recipient: str | None
    skipped_reason: str | None
    sent_at: datetime | None


@dataclass(frozen=True)
class NoticeHistory:
    """What was recorded before for one plan × agency × period and kind."""

    latest: LatestNotice | None = None
    last_sent_sha256: str | None = None


@dataclass(frozen=True)
class NoticeWrite:
    kind: str
    plan_code: str
    agency_code: str
    period: str
    owed: Any
    owed_sha256: str
    deadline_at: datetime
    on_time_before_at: datetime
    recipient: str | None
    skipped_reason: str | None
    message_id: str | None
    dag_run_id: str | None


@dataclass(frozen=True)
class Notice(NoticeWrite):
    """A recorded notice: what was written, its id and when it was sent."""

    notice_id: int = 0
    sent_at: datetime | None = None


def month_status(conn: psycopg.Connection, plan_code: str, period: str) -> MonthStatus:
    """What every agency of the plan owes for ``period``, template by template,
    as the marts judge it. Empty when the plan owes nothing that month."""
    with conn.cursor(row_factory=class_row(MonthRow)) as cur:
        rows = cur.execute(MART_SQL, (plan_code, period)).fetchall()
    return MonthStatus(plan_code, period, rows)


def lock_month(conn: psycopg.Connection, plan_code: str, period: str) -> None:
    """Serialise deciding the notices of one plan-month (until the transaction ends)."""
    conn.execute(LOCK_SQL, (f"{plan_code}/{period}",))


def notice_history(conn: psycopg.Connection, plan_code: str,
                   period: str) -> dict[tuple[str, str], NoticeHistory]:
    """(kind, agency_code) -> its latest notice and the digest of its last one sent."""
    with conn.cursor(row_factory=class_row(LatestNotice)) as cur:
        latest = {(n.kind, n.agency_code): n
                  for n in cur.execute(HISTORY_SQL, (plan_code, period))}
    sent = {(kind, agency): digest for kind, agency, digest in
            conn.execute(LAST_SENT_SQL, (plan_code, period))}
    return {key: NoticeHistory(latest.get(key), sent.get(key)) for key in latest}


def record_notice(conn: psycopg.Connection, notice: NoticeWrite) -> int:
    (notice_id,) = conn.execute(INSERT_SQL, (
        notice.kind, notice.plan_code, notice.agency_code, notice.period, Jsonb(notice.owed),
        notice.owed_sha256, notice.deadline_at, notice.on_time_before_at, notice.recipient,
        notice.skipped_reason, notice.message_id, notice.dag_run_id)).fetchone()
    return notice_id


def notices(conn: psycopg.Connection, notice_ids: list[int]) -> list[Notice]:
    with conn.cursor(row_factory=class_row(Notice)) as cur:
        return cur.execute(NOTICE_SQL, (list(notice_ids),)).fetchall()


def mark_sent(conn: psycopg.Connection, notice_id: int) -> bool:
    """Record that the SMTP server took the notice; False if it already was."""
    return conn.execute(MARK_SENT_SQL, (notice_id,)).rowcount == 1
