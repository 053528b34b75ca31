"""The monitoring summary printed at the end of ``planwatch run`` / ``report``."""

from __future__ import annotations

import psycopg

from planwatch.config import Settings
from planwatch.warehouse.summary import read_summary


def print_summary(url: str, settings: Settings) -> None:
    with psycopg.connect(url) as conn:
        summary = read_summary(conn)
    print("Submissions per month (agency × template owed)")
    print(f"{'plan':10} {'month':8} {'expected':>8} {'received':>8} {'accepted':>8} "
          f"{'rejected':>8} {'late':>5} {'missing':>7}")
    for m in summary.months:
        print(f"{m.plan_code:10} {m.period:8} {m.expected:8d} {m.received:8d} {m.accepted:8d} "
              f"{m.rejected:8d} {m.late:5d} {m.missing:7d}")
    print("audit.submissions by status: "
          + ", ".join(f"{status} {count}" for status, count in summary.statuses))
    print(f"raw rows loaded: {summary.raw_rows}")
    for d in summary.disbursement:
        print(f"Disbursement {d.plan_code} {d.period}: {d.ytd_disbursed_vnd / 1e9:,.1f} of "
              f"{d.annual_plan_vnd / 1e9:,.1f} billion VND = {d.rate * 100:.1f}% of the "
              "year's plan")
    reports = settings.reports_dir
    print()
    print("Outputs")
    print(f"  marts (BI):          psql \"{url}\"  (schema marts)")
    print(f"  receipts:            {reports / 'receipts'}")
    print(f"  GX data docs:        {reports / 'data_docs' / 'index.html'}  (one site per run)")
    print(f"  dbt docs:            {reports / 'dbt_docs' / 'index.html'}")
    print(f"  quarantine:          {settings.quarantine_dir}")
    print(f"  archive (by SHA-256): {settings.archive_dir}")
