"""The monitoring summary printed at the end of ``planwatch run`` / ``report``."""

from __future__ import annotations

import psycopg

from planwatch.config import Settings

MONTHLY_SQL = """
select
    period,
    count(*) filter (where attempt_count > 0)          as received,
    count(*) filter (where is_received)                as accepted,
    count(*) filter (where compliance_status = 'rejected') as rejected,
    count(*) filter (where is_late)                    as late,
    count(*) filter (where is_missing)                 as missing,
    count(*)                                           as expected
from marts.fct_submission
group by period
order by period
"""

DISBURSEMENT_SQL = """
select period, ytd_disbursed_vnd, annual_plan_vnd, disbursement_rate
from marts.mart_disbursement_progress
order by month_key desc
limit 1
"""

AUDIT_SQL = """
select status, count(*) from audit.submissions group by status order by status
"""


def monthly_rows(conn: psycopg.Connection) -> list[tuple]:
    return conn.execute(MONTHLY_SQL).fetchall()


def print_summary(url: str, settings: Settings) -> None:
    with psycopg.connect(url) as conn:
        months = monthly_rows(conn)
        disbursement = conn.execute(DISBURSEMENT_SQL).fetchone()
        statuses = conn.execute(AUDIT_SQL).fetchall()
        raw_rows = conn.execute(
            "select (select count(*) from raw.tasks) + (select count(*) from raw.indicators)"
            " + (select count(*) from raw.disbursement)").fetchone()[0]
    print("Submissions per month (agency × template owed)")
    print(f"{'month':8} {'expected':>8} {'received':>8} {'accepted':>8} {'rejected':>8} "
          f"{'late':>5} {'missing':>7}")
    for period, received, accepted, rejected, late, missing, expected in months:
        print(f"{period:8} {expected:8d} {received:8d} {accepted:8d} {rejected:8d} "
              f"{late:5d} {missing:7d}")
    print("audit.submissions by status: "
          + ", ".join(f"{status} {count}" for status, count in statuses))
    print(f"raw rows loaded: {raw_rows}")
    if disbursement:
        period, ytd, plan, rate = disbursement
        print(f"Province disbursement {period}: {ytd / 1e9:,.1f} of {plan / 1e9:,.1f} billion VND"
              f" = {float(rate or 0) * 100:.1f}% of the year's plan")
    reports = settings.reports_dir
    print()
    print("Outputs")
    print(f"  marts (BI):          psql \"{url}\"  (schema marts)")
    print(f"  receipts:            {reports / 'receipts'}")
    print(f"  GX data docs:        {reports / 'data_docs' / 'index.html'}  (one site per run)")
    print(f"  dbt docs:            {reports / 'dbt_docs' / 'index.html'}")
    print(f"  quarantine:          {settings.quarantine_dir}")
    print(f"  archive (by SHA-256): {settings.archive_dir}")
