"""The queries behind the monitoring summary (``reporting.summary`` prints it)."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from planwatch.vocabulary.statuses import ACCEPTED, ACCEPTED_WITH_WARNINGS, SUPERSEDED

MONTHLY_SQL = """
select
    plan_code,
    period,
    count(*)                                               as expected,
    count(*) filter (where attempt_count > 0)              as received,
    count(*) filter (where is_received)                    as accepted,
    count(*) filter (where is_rejected)                    as rejected,
    count(*) filter (where is_late)                        as late,
    count(*) filter (where is_missing)                     as missing
from marts.fct_submission
group by plan_code, period
order by plan_code, period
"""

DISBURSEMENT_SQL = """
select distinct on (plan_code)
    plan_code, period, ytd_disbursed_vnd, annual_plan_vnd, disbursement_rate
from marts.mart_disbursement_progress
order by plan_code, month_key desc
"""

STATUS_SQL = "select status, count(*) from audit.submissions group by status order by status"

# The rows loaded into raw, as audit records them (the auditor reads no raw
# table; the ingest tests hold the two equal): accepted sheets and older versions.
LOADED = (ACCEPTED, ACCEPTED_WITH_WARNINGS, SUPERSEDED)
RAW_ROWS_SQL = f"""
select coalesce(sum(row_count), 0) from audit.submissions
where status in ({", ".join(f"'{s}'" for s in LOADED)})
"""


@dataclass(frozen=True)
class Month:
    plan_code: str
    period: str
    expected: int
    received: int
    accepted: int
    rejected: int
    late: int
    missing: int


@dataclass(frozen=True)
class Disbursement:
    plan_code: str
    period: str
    ytd_disbursed_vnd: int
    annual_plan_vnd: int
    rate: float


@dataclass(frozen=True)
class Summary:
    months: list[Month]
    disbursement: list[Disbursement]
    statuses: list[tuple[str, int]]
    raw_rows: int


def read_summary(conn: psycopg.Connection) -> Summary:
    months = [Month(*row) for row in conn.execute(MONTHLY_SQL)]
    disbursement = [Disbursement(p, period, ytd, plan, float(rate or 0))
                    for p, period, ytd, plan, rate in conn.execute(DISBURSEMENT_SQL)]
    statuses = [(s, n) for s, n in conn.execute(STATUS_SQL)]
    (raw_rows,) = conn.execute(RAW_ROWS_SQL).fetchone() or (0,)
    return Summary(months, disbursement, statuses, int(raw_rows))


