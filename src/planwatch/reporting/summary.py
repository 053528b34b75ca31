"""The monitoring summary printed at the end of ``planwatch run`` / ``report``."""

from __future__ import annotations

import psycopg

from planwatch.config import Settings
from planwatch.reporting.briefing_archive import latest_issues
from planwatch.warehouse.roles import passwords_location
from planwatch.warehouse.summary import Summary, read_summary


def summary_text(summary: Summary, settings: Settings) -> str:
    lines = ["Submissions per month (agency × template owed)",
             f"{'plan':10} {'month':8} {'expected':>8} {'received':>8} {'accepted':>8} "
             f"{'rejected':>8} {'late':>5} {'missing':>7}"]
    lines += [f"{m.plan_code:10} {m.period:8} {m.expected:8d} {m.received:8d} {m.accepted:8d} "
              f"{m.rejected:8d} {m.late:5d} {m.missing:7d}" for m in summary.months]
    lines.append("audit.submissions by status: "
                 + ", ".join(f"{status} {count}" for status, count in summary.statuses))
    lines.append(f"raw rows loaded: {summary.raw_rows}")
    lines += [f"Disbursement {d.plan_code} {d.period}: {d.ytd_disbursed_vnd / 1e9:,.1f} of "
              f"{d.annual_plan_vnd / 1e9:,.1f} billion VND = {d.rate * 100:.1f}% of the "
              "year's plan" for d in summary.disbursement]
    reports = settings.reports_dir
    auditor = reports / "auditor" / "index.html"
    briefings = latest_issues(settings)
    lines += [
        "",
        "Outputs",
        # The command that prints a role's connection, not the connection: its
        # password stays out of the output (and of any log that keeps it).
        "  marts (BI):          psql \"$(.venv/bin/planwatch db url --role bi_reader)\""
        "  (schema marts; the auditor: --role auditor)",
        f"  role passwords:      {passwords_location(settings)}",
        "  dashboards:          make bi  (Superset over the marts; prints their addresses)",
        f"  auditor's report:    {auditor}"
        + ("" if auditor.is_file() else "  (not written yet: planwatch audit-report)"),
        f"  leaders' briefings:  {reports / 'briefings'}"
        + ("" if briefings else "  (none issued yet: planwatch briefing --period YYYY-MM)"),
        *(f"    latest:            {page} (and its PDF beside it)" for page in briefings),
        f"  receipts:            {reports / 'receipts'}",
        f"  GX data docs:        {reports / 'data_docs' / 'index.html'}  (one site per run)",
        f"  dbt docs:            {reports / 'dbt_docs' / 'index.html'}",
        f"  quarantine:          {settings.quarantine_dir}",
        f"  archive (by SHA-256): {settings.archive_dir}",
    ]
    return "\n".join(lines)


def print_summary(url: str, settings: Settings) -> None:
    with psycopg.connect(url) as conn:
        summary = read_summary(conn)
    print(summary_text(summary, settings))
