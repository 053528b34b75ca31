"""Every statement against ``audit.*`` and the raw rows, in one place.

A processed file is written in ONE transaction: the audit rows, the raw rows
(PostgreSQL COPY) and the supersede of older versions commit together or not
at all, so a crash or a dropped connection in the middle leaves the warehouse
as it was, and the next run redoes the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from planwatch.catalog.model import Catalogs
from planwatch.vocabulary.problems import Problem
from planwatch.vocabulary.statuses import (
    DUPLICATE,
    IN_FORCE_STATUSES,
    REJECTED,
    SUPERSEDED,
)
from planwatch.vocabulary.templates import RAW_COLUMNS
from planwatch.warehouse.mart_builds import Slice, mark_changed
from planwatch.warehouse.periods import PeriodEvent, closed_for_ingest


@dataclass
class SubmissionWrite:
    """One submission (file × template) to record, with its rows if accepted."""

    template: str | None
    agency_code: str | None
    period: str | None
    status: str
    plan_code: str | None = None
    sheet_name: str | None = None
    rows: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    checks: list[dict[str, Any]] = field(default_factory=list)  # validation results
    duplicate_of: int | None = None
    submission_id: int | None = None
    version: int | None = None
    # Set when written: its plan's month was closed then (and since when).
    is_restatement: bool = False
    period_closed_at: datetime | None = None

    @property
    def loads_rows(self) -> bool:
        return self.status not in (REJECTED, DUPLICATE)

    @property
    def row_count(self) -> int:
        return len(self.rows) if self.loads_rows else 0


@dataclass
class FileWrite:
    file_name: str
    inbox_path: str
    file_sha256: str
    file_size: int
    archive_path: str
    received_at: datetime
    receipt_path: str
    code_version: str
    submissions: list[SubmissionWrite]
    # What received_at is (vocabulary RECEIVED_TIME_KINDS), the file's own time
    # beside it, and the operator's import of old files it came in (flow.arrival).
    received_at_kind: str
    file_modified_at: datetime
    historical_import_id: int | None = None
    # The folder it came through (vocabulary.statuses.SUBMISSION_CHANNELS).
    submitted_via: str | None = None


@dataclass(frozen=True)
class EarlierSubmission:
    submission_id: int
    template: str | None
    agency_code: str | None
    period: str | None
    plan_code: str | None


def already_processed(conn: psycopg.Connection, inbox_path: str, sha256: str) -> bool:
    """This inbox path with these exact bytes has a submission (``processed_files``)."""
    return (inbox_path, sha256) in processed_files(conn, [inbox_path])


def lock_file(conn: psycopg.Connection, sha256: str) -> None:
    """One writer at a time for the same bytes (released at commit)."""
    conn.execute("select pg_advisory_xact_lock(hashtext(%s))", (f"file|{sha256}",))


def processed_files(conn: psycopg.Connection, inbox_paths: list[str]) -> set[tuple[str, str]]:
    """(inbox_path, sha256) of the given inbox paths already processed: a
    submission of that path with those bytes, or a processed file moved there with
    those bytes (``planwatch inbox migrate``, ``audit.inbox_moves``)."""
    rows = conn.execute(
        "select inbox_path, file_sha256 from audit.submissions where inbox_path = any(%(p)s)"
        " union select to_path, file_sha256 from audit.inbox_moves where to_path = any(%(p)s)",
        {"p": inbox_paths}).fetchall()
    return {(r[0], r[1]) for r in rows}


def submission_statuses(conn: psycopg.Connection, ids: list[int]) -> dict[int, str]:
    """The status the warehouse holds for each of the given submissions."""
    rows = conn.execute("select submission_id, status from audit.submissions"
                        " where submission_id = any(%s)", (ids,)).fetchall()
    return {r[0]: r[1] for r in rows}


def earlier_submissions(conn: psycopg.Connection, sha256: str) -> list[EarlierSubmission]:
    """Submissions of the same bytes received before (not duplicates themselves)."""
    rows = conn.execute(
        """select submission_id, template, agency_code, period, plan_code from audit.submissions
           where file_sha256 = %s and status <> %s order by submission_id""",
        (sha256, DUPLICATE),
    ).fetchall()
    return [EarlierSubmission(*row) for row in rows]


def record_historical_import(conn: psycopg.Connection, run_label: str, operator: str) -> int:
    """The import of old files ``run_label`` names, recorded (committed) the first
    time a batch of it asks; the database stamps its role and time."""
    conn.execute(
        """insert into audit.historical_imports (run_label, operator_name)
           values (%s, %s) on conflict (run_label) do nothing""", (run_label, operator))
    (import_id,) = conn.execute(
        "select import_id from audit.historical_imports where run_label = %s",
        (run_label,)).fetchone()
    conn.commit()
    return import_id


def write_file(conn: psycopg.Connection, file: FileWrite) -> None:
    """Record the file and its submissions; the caller's transaction commits.

    A submission whose plan's month is closed when it is written (under the
    period's lock, ``warehouse.periods``) is a restatement, whatever its status:
    loaded like any other, flagged for the auditor and kept out of the figures
    as published.
    """
    conn.execute(
        """insert into audit.files (file_sha256, file_name, file_size, archive_path)
           values (%s, %s, %s, %s) on conflict (file_sha256) do nothing""",
        (file.file_sha256, file.file_name, file.file_size, file.archive_path),
    )
    months = sorted({(s.plan_code, s.period) for s in file.submissions
                     if s.plan_code and s.period})  # one lock order for every writer
    closed: dict[tuple[str | None, str | None], PeriodEvent | None] = {
        (plan, period): closed_for_ingest(conn, plan, period) for plan, period in months}
    for sub in file.submissions:
        closing = closed.get((sub.plan_code, sub.period))
        sub.is_restatement = closing is not None
        sub.period_closed_at = closing.occurred_at if closing else None
        _write_submission(conn, file, sub)
    mark_changed(conn, [submission_slice(sub) for sub in file.submissions], "file")


def submission_slice(sub: SubmissionWrite) -> Slice:
    """The plan-month whose marts a submission changes; (None, None) when it
    cannot be placed in one."""
    return (sub.plan_code, sub.period) if sub.plan_code and sub.period else (None, None)


# The submissions that are versions of one another.
_SAME_KEY = ("plan_code is not distinct from %(plan)s and agency_code = %(agency)s"
             " and period = %(period)s and template = %(template)s")


def _write_submission(conn: psycopg.Connection, file: FileWrite, sub: SubmissionWrite) -> None:
    keyed = sub.status != DUPLICATE and sub.template and sub.agency_code and sub.period
    key = {"plan": sub.plan_code, "agency": sub.agency_code, "period": sub.period,
           "template": sub.template, "duplicate": DUPLICATE, "in_force": list(IN_FORCE_STATUSES),
           "superseded": SUPERSEDED}
    if keyed:
        # One writer at a time per plan/agency/period/template (parallel Airflow tasks).
        conn.execute("select pg_advisory_xact_lock(hashtext(%s))",
                     (f"{sub.plan_code}|{sub.agency_code}|{sub.period}|{sub.template}",))
    (sub.submission_id,) = conn.execute(
        """insert into audit.submissions
             (file_name, inbox_path, file_sha256, plan_code, agency_code, period, template,
              received_at, received_at_kind, file_modified_at, historical_import_id,
              status, row_count, reasons, sheet_name, receipt_path, duplicate_of,
              code_version, is_restatement, submitted_via)
           values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,
                   %s)
           returning submission_id""",
        (file.file_name, file.inbox_path, file.file_sha256, sub.plan_code, sub.agency_code,
         sub.period, sub.template, file.received_at, file.received_at_kind,
         file.file_modified_at, file.historical_import_id, sub.status, sub.row_count,
         Jsonb([p.to_dict() for p in sub.problems]), sub.sheet_name, file.receipt_path,
         sub.duplicate_of, file.code_version, sub.is_restatement, file.submitted_via),
    ).fetchone()
    if sub.checks:
        _copy_checks(conn, sub)
    if not keyed:
        return
    if sub.status != REJECTED:
        _copy_rows(conn, sub)
    _order_versions(conn, sub, key)


def _copy_checks(conn: psycopg.Connection, sub: SubmissionWrite) -> None:
    with conn.cursor().copy(
        """copy audit.validation_results (submission_id, suite_name, expectation,
           column_name, severity, success, unexpected_count, details) from stdin"""
    ) as copy:
        for check in sub.checks:
            copy.write_row((
                sub.submission_id, check["suite_name"], check["expectation"],
                check.get("column_name"), check["severity"], check["success"],
                check.get("unexpected_count", 0),
                json.dumps(check.get("details", {}), ensure_ascii=False, default=str),
            ))


def _order_versions(conn: psycopg.Connection, sub: SubmissionWrite, key: dict) -> None:
    """Versions follow arrival, whatever order the files are processed in.

    Every attempt (duplicates aside) is numbered by received_at; the newest
    accepted version is in force and any older accepted one becomes
    ``superseded`` (its rows stay in raw.*). A file that arrived before the
    version in force is superseded from the start.
    """
    conn.execute(
        f"""update audit.submissions s set version = ordered.version
            from (select submission_id, row_number() over (
                      order by received_at, submission_id) as version
                  from audit.submissions
                  where {_SAME_KEY} and status <> %(duplicate)s) ordered
            where s.submission_id = ordered.submission_id
              and s.version is distinct from ordered.version""", key)
    superseded = {row[0] for row in conn.execute(
        f"""update audit.submissions s set status = %(superseded)s, superseded_by = newest.id
            from (select submission_id as id from audit.submissions
                  where {_SAME_KEY} and status = any(%(in_force)s)
                  order by received_at desc, submission_id desc limit 1) newest
            where s.plan_code is not distinct from %(plan)s and s.agency_code = %(agency)s
              and s.period = %(period)s and s.template = %(template)s
              and s.status = any(%(in_force)s) and s.submission_id <> newest.id
            returning s.submission_id""", key)}
    if sub.submission_id in superseded:
        sub.status = SUPERSEDED
    (sub.version,) = conn.execute(
        "select version from audit.submissions where submission_id = %s", (sub.submission_id,)
    ).fetchone()


def _copy_rows(conn: psycopg.Connection, sub: SubmissionWrite) -> None:
    assert sub.template is not None
    columns = RAW_COLUMNS[sub.template]
    column_list = ", ".join(("submission_id", "source_row", *columns, "extra"))
    with conn.cursor().copy(f"copy raw.{sub.template} ({column_list}) from stdin") as copy:
        for row in sub.rows:
            copy.write_row((
                sub.submission_id, row["source_row"], *(row.get(c) for c in columns),
                json.dumps(row.get("extra") or {}, ensure_ascii=False, default=str),
            ))


def assign_plans(conn: psycopg.Connection, catalogs: Catalogs) -> int:
    """Give submissions received before plans were recorded (plan_code null) the
    only plan of their year that lists their agency (of the issuer whose folder
    held the file, if any); returns how many were given one."""
    rows = conn.execute(
        """select submission_id, inbox_path, agency_code, period from audit.submissions
           where plan_code is null and agency_code is not null and period is not null"""
    ).fetchall()
    by_plan: dict[tuple[str, str], list[int]] = {}
    for submission_id, inbox_path, agency, period in rows:
        plans = catalogs.plans_for(agency, period, catalogs.issuer_of(inbox_path))
        if len(plans) == 1:
            by_plan.setdefault((plans[0].plan_code, period), []).append(submission_id)
    assigned = 0
    for (plan_code, period), ids in sorted(by_plan.items()):
        given = conn.execute(
            """update audit.submissions set plan_code = %s
               where plan_code is null and submission_id = any(%s)""",
            (plan_code, ids)).rowcount
        if given:
            mark_changed(conn, [(plan_code, period), (None, None)], "plan assigned")
        assigned += given
    conn.commit()
    return assigned


def table_columns(conn: psycopg.Connection, schema: str,
                  names: list[str]) -> dict[str, list[str]]:
    """The columns, in order, of the tables of ``schema`` among ``names`` that exist."""
    rows = conn.execute(
        """select table_name, column_name from information_schema.columns
           where table_schema = %s and table_name = any(%s)
           order by table_name, ordinal_position""", (schema, names)).fetchall()
    out: dict[str, list[str]] = {}
    for table, column in rows:
        out.setdefault(table, []).append(column)
    return out
