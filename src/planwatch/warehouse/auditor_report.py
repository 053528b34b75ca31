"""What the auditor's report of a plan × month reads: every query in one place.

Read as the auditor (``audit`` and ``marts``, read only), in one read-only
repeatable-read transaction, so that every section of a page tells the same
moment of the warehouse. A mart that is not built yet (or not readable) is
``None`` in what comes back, never an error: the page says so.

``reporting.auditor_report`` renders what ``read_month`` and ``read_index``
return; nothing here knows about HTML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.rows import dict_row

Row = dict[str, Any]

# The marts and audit tables a page reads beyond fct_submission; each may be
# missing from a warehouse (built before them, or by an older dbt project).
FCT_DATA_QUALITY = "marts.fct_data_quality"
SCORECARD = "marts.mart_data_quality_scorecard"
RESTATEMENTS = "marts.mart_restatements"
FCT_SUBMISSION = "marts.fct_submission"
SUBMISSION_FILES = "marts.mart_submission_files"
REFUSED_FILES = "marts.mart_refused_files"
COMPLIANCE_TO_DATE = "marts.mart_compliance_to_date"
PERIOD_EVENTS = "audit.period_events"
EVIDENCE_PACKS = "audit.evidence_packs"

READABLE = """
select c is not null and has_table_privilege(c, 'select')
from to_regclass(%(relation)s) as c
"""

QUERIES: dict[str, str] = {
    "plan": """
        select plan_code, plan_title_vi, issuer_name_vi, plan_year, decision_number,
               decision_date, monitoring_agency_code, monitoring_agency_name_vi,
               reporting_agency_count
        from marts.dim_plan
        where plan_code = %(plan)s
    """,
    "month": """
        select period, month_label_vi, cutoff_date, deadline_at, on_time_before_at
        from marts.dim_month
        where period = %(period)s
    """,
    "period_events": """
        select event_id, action, actor, reason, occurred_at
        from audit.period_events
        where plan_code = %(plan)s and period = %(period)s
        order by occurred_at, event_id
    """,
    # One row per agency × template owed this month (marts.fct_submission).
    "compliance": """
        with this_month as (
            select * from marts.fct_submission
            where plan_code = %(plan)s and period = %(period)s
        )
        select m.agency_code,
               coalesce(a.agency_name_vi, m.agency_code) as agency_name_vi,
               m.template, m.compliance_status, m.is_due,
               m.first_received_at, m.first_accepted_at, m.last_received_at, m.days_late,
               m.attempt_count, m.version_count, m.rejected_count, m.duplicate_count,
               m.submission_id, m.version, m.accepted_status, m.row_count,
               m.failed_warn_check_count, m.latest_status, m.latest_attempt_submission_id,
               m.status_as_of_at
        from this_month m
        left join marts.dim_agency a
            on a.plan_code = m.plan_code and a.agency_code = m.agency_code
        order by m.agency_code, m.template
    """,
    # Each agency's on-time record from January up to this month.
    "compliance_to_date": """
        select agency_code, assessed_to_date_count, on_time_to_date_count
        from marts.mart_compliance_to_date
        where plan_code = %(plan)s and period = %(period)s
    """,
    # Every file received for the month (one row per sheet set: a submission),
    # including those whose plan could not be told, with its problems counted.
    "files": """
        select submission_id, plan_code, agency_code, file_name, file_sha256, template,
               received_at, received_at_kind, historical_operator_name, historical_db_role,
               submission_status as status, version, row_count, receipt_path,
               is_restatement, duplicate_of_submission_id as duplicate_of,
               superseded_by_submission_id as superseded_by, problem_count, blocking_count,
               submitted_via
        from marts.mart_submission_files
        where period = %(period)s and (plan_code = %(plan)s or plan_code is null)
        order by agency_code nulls first, received_at, submission_id
    """,
    # Files refused unread (above the size limit) that named the month.
    "refused": """
        select agency_code, file_name, file_size, received_at, reason_vi, receipt_path
        from marts.mart_refused_files
        where period = %(period)s
        order by refused_at, refusal_id
    """,
    # What failed and why, from the data-quality fact: every failed check of the
    # month, one row per rule × submission × problem; a
    # file's own problems (shared by its sheets) once per file.
    "failures_mart": """
        select * from (
            select distinct on (f.file_sha256, f.rule_code, f.sheet_name, f.source_row,
                                f.column_name, f.observed_value, f.message_vi)
                   f.submission_id, f.plan_code, f.agency_code, f.file_name, f.file_sha256,
                   f.template, f.submission_status, s.receipt_path,
                   f.rule_code, f.severity, f.sheet_name as sheet, f.source_row, f.item_code,
                   f.column_name, f.observed_value, f.expected_value, f.earlier_value,
                   f.earlier_period, f.earlier_file_name,
                   coalesce(f.message_vi, f.rule_message_vi) as message_vi, f.fix_vi,
                   f.problem_ordinal as ordinal
            from marts.fct_data_quality f
            left join audit.submissions s on s.submission_id = f.submission_id
            where f.period = %(period)s and (f.plan_code = %(plan)s or f.plan_code is null)
              and f.is_failed
            order by f.file_sha256, f.rule_code, f.sheet_name, f.source_row, f.column_name,
                     f.observed_value, f.message_vi, f.submission_id
        ) as failed
        order by agency_code nulls first, file_name, submission_id, ordinal
    """,
    "scorecard": """
        select c.agency_code, coalesce(a.agency_name_vi, c.agency_code) as agency_name_vi,
               c.submission_count, c.duplicate_count, c.rejected_count,
               c.resubmission_count, c.restatement_count, c.check_count,
               c.failed_check_count, c.blocking_failure_count, c.warning_count,
               c.problem_count, c.resolved_rejection_count, c.unresolved_rejection_count,
               c.mean_hours_to_accepted_resubmission, c.max_hours_to_accepted_resubmission
        from marts.mart_data_quality_scorecard c
        left join marts.dim_agency a
            on a.plan_code = c.plan_code and a.agency_code = c.agency_code
        where c.plan_code = %(plan)s and c.period = %(period)s
        order by c.agency_code
    """,
    # Every figure changed after the month's deadline (or while it was closed),
    # with both versions' files, rows and receipts.
    "restatements": """
        select r.agency_code, r.template, r.item_code, r.capital_source, r.measure,
               r.old_value, r.old_value_text, r.new_value, r.new_value_text, r.change_value,
               r.deadline_value, r.deadline_value_text, r.is_known_at_deadline,
               r.is_change_of_deadline_figure, r.is_restatement, r.is_latest,
               r.old_submission_id, r.old_version, r.old_file_name, r.old_received_at,
               r.old_source_row, o.receipt_path as old_receipt_path,
               r.new_submission_id, r.new_version, r.new_file_name, r.new_received_at,
               r.new_source_row, n.receipt_path as new_receipt_path
        from marts.mart_restatements r
        left join audit.submissions o on o.submission_id = r.old_submission_id
        left join audit.submissions n on n.submission_id = r.new_submission_id
        where r.plan_code = %(plan)s and r.period = %(period)s
        order by r.agency_code, r.template, r.item_code, r.capital_source nulls first,
                 r.measure, r.new_received_at
    """,
    # Files that arrived while the month was closed, as audit records them.
    "restated_files": """
        select submission_id, agency_code, file_name, template, received_at, status,
               version, receipt_path
        from audit.submissions
        where plan_code = %(plan)s and period = %(period)s and is_restatement
        order by received_at, submission_id
    """,
    "evidence_packs": """
        select to_jsonb(p) as pack
        from audit.evidence_packs p
        where plan_code = %(plan)s and period = %(period)s
        order by agency_code, created_at
    """,
    # The months of a plan a report is written for: those with anything owed
    # (fct_submission) or received (audit) for that plan.
    "periods": """
        select period from marts.fct_submission where plan_code = %(plan)s
        union
        select period from audit.submissions where plan_code = %(plan)s and period is not null
        order by period
    """,
    # One line per month of the index page.
    "index_compliance": """
        select period,
               count(*) as expected_count,
               count(*) filter (where compliance_status = 'on_time') as on_time_count,
               count(*) filter (where compliance_status = 'late') as late_count,
               count(*) filter (where compliance_status = 'rejected') as rejected_count,
               count(*) filter (where compliance_status = 'missing') as missing_count,
               count(*) filter (where compliance_status = 'not_yet_due') as not_yet_due_count
        from marts.fct_submission
        where plan_code = %(plan)s
        group by period
    """,
    "index_files": """
        select period,
               count(distinct file_sha256) as file_count,
               count(distinct file_sha256) filter (where status = 'rejected')
                   as rejected_file_count,
               count(distinct file_sha256) filter (where status = 'accepted_with_warnings')
                   as warned_file_count,
               count(*) filter (where is_restatement) as restatement_count
        from audit.submissions
        where plan_code = %(plan)s and period is not null
        group by period
    """,
    "index_events": """
        select distinct on (period) period, action, actor, occurred_at
        from audit.period_events
        where plan_code = %(plan)s
        order by period, occurred_at desc, event_id desc
    """,
    # Files whose month could not be told: on no month's page.
    "unattributed_files": """
        select submission_id, agency_code, file_name, received_at, status, receipt_path
        from audit.submissions
        where period is null
        order by received_at, submission_id
    """,
}


@dataclass
class MonthData:
    """What one month's page shows; ``None`` where the relation is not there.

    The marts of the plan catalog and ``fct_submission`` are taken as built
    (``marts_built``)."""

    plan_code: str
    period: str
    plan: Row | None
    month: Row | None
    period_events: list[Row] | None
    compliance: list[Row]
    files: list[Row] | None  # None: the mart is not built
    failures: list[Row] | None  # from marts.fct_data_quality
    scorecard: list[Row] | None
    restatements: list[Row] | None
    restated_files: list[Row]
    evidence_packs: list[Row] | None
    missing: list[str] = field(default_factory=list)  # relations not there
    refused: list[Row] | None = None  # files refused unread (marts.mart_refused_files)


@dataclass
class IndexData:
    plan_code: str
    plan: Row | None
    months: list[Row]  # one per period: the index_* counts side by side
    unattributed: list[Row]


def _rows(conn: psycopg.Connection, name: str, **params: Any) -> list[Row]:
    with conn.cursor(row_factory=dict_row) as cur:
        return list(cur.execute(QUERIES[name], params))


def readable(conn: psycopg.Connection, relation: str) -> bool:
    row = conn.execute(READABLE, {"relation": relation}).fetchone()
    return bool(row and row[0])


def connect(url: str) -> psycopg.Connection:
    """A connection for the readers below: each opens its own transaction."""
    return psycopg.connect(url, autocommit=True)


def _snapshot(conn: psycopg.Connection) -> None:
    """The transaction just opened sees one moment and writes nothing."""
    if not conn.autocommit:
        raise ValueError("the report's readers open their own transactions: "
                         "give them a connection from connect()")
    conn.execute("set transaction isolation level repeatable read read only")


def read_month(conn: psycopg.Connection, plan_code: str, period: str) -> MonthData:
    """Everything the page of ``plan_code`` × ``period`` shows, at one moment."""
    with conn.transaction():
        _snapshot(conn)
        present = {r: readable(conn, r) for r in (
            FCT_DATA_QUALITY, SCORECARD, RESTATEMENTS, COMPLIANCE_TO_DATE, PERIOD_EVENTS,
            EVIDENCE_PACKS, SUBMISSION_FILES, REFUSED_FILES)}
        keys = {"plan": plan_code, "period": period}
        plan = next(iter(_rows(conn, "plan", **keys)), None)
        month = next(iter(_rows(conn, "month", **keys)), None)
        compliance = _rows(conn, "compliance", **keys)
        if present[COMPLIANCE_TO_DATE]:
            to_date = {r["agency_code"]: r for r in _rows(conn, "compliance_to_date", **keys)}
            for row in compliance:
                record = to_date.get(row["agency_code"], {})
                row["ytd_assessed_count"] = record.get("assessed_to_date_count")
                row["ytd_on_time_count"] = record.get("on_time_to_date_count")
        return MonthData(
            plan_code=plan_code, period=period, plan=plan, month=month,
            period_events=_rows(conn, "period_events", **keys)
            if present[PERIOD_EVENTS] else None,
            compliance=compliance,
            files=_rows(conn, "files", **keys) if present[SUBMISSION_FILES] else None,
            refused=_rows(conn, "refused", **keys) if present[REFUSED_FILES] else None,
            failures=_rows(conn, "failures_mart", **keys) if present[FCT_DATA_QUALITY] else None,
            scorecard=_rows(conn, "scorecard", **keys) if present[SCORECARD] else None,
            restatements=_rows(conn, "restatements", **keys)
            if present[RESTATEMENTS] else None,
            restated_files=_rows(conn, "restated_files", **keys),
            evidence_packs=[r["pack"] for r in _rows(conn, "evidence_packs", **keys)]
            if present[EVIDENCE_PACKS] else None,
            missing=[r for r, ok in present.items() if not ok],
        )


def report_periods(conn: psycopg.Connection, plan_code: str) -> list[str]:
    """The months of ``plan_code`` with anything owed or received."""
    return [r["period"] for r in _rows(conn, "periods", plan=plan_code)]


def marts_built(conn: psycopg.Connection) -> bool:
    return readable(conn, FCT_SUBMISSION)


def read_index(conn: psycopg.Connection, plan_code: str, periods: list[str]) -> IndexData:
    """The index page's line for each of ``periods`` of ``plan_code``."""
    with conn.transaction():
        _snapshot(conn)
        keys = {"plan": plan_code}
        plan = next(iter(_rows(conn, "plan", **keys)), None)
        by_period: dict[str, Row] = {p: {"period": p} for p in periods}
        parts = ["index_files", "index_compliance"]
        if readable(conn, PERIOD_EVENTS):
            parts.append("index_events")
        for name in parts:
            for row in _rows(conn, name, **keys):
                if row["period"] in by_period:
                    by_period[row["period"]].update(row)
        return IndexData(plan_code, plan, [by_period[p] for p in periods],
                         _rows(conn, "unattributed_files"))
