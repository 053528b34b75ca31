"""The statements behind evidence packs: what an agency sent for a month, as the
warehouse holds it (audit rows, raw rows, the mart rows they feed), and the packs'
hash chain in ``audit.evidence_packs`` (append-only).

A pack's rows are read in one read-only, repeatable-read transaction, so that a
file processed or a build run meanwhile cannot mix two states in one pack.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from planwatch.vocabulary.templates import TEMPLATES

# The facts that carry the submission a row came from: the columns naming it, and
# the order their rows are written in.
FACT_SUBMISSION_COLUMNS: dict[str, tuple[str, ...]] = {
    "fct_task_progress": ("submission_id",),
    "fct_indicator_value": ("submission_id",),
    "fct_disbursement": ("submission_id",),
    # The accepted version the marts use, and the latest attempt (a rejected one too).
    "fct_submission": ("submission_id", "latest_attempt_submission_id"),
}
_FACT_ORDER: dict[str, tuple[str, ...]] = {
    "fct_task_progress": ("submission_id", "source_row"),
    "fct_indicator_value": ("submission_id", "source_row"),
    "fct_disbursement": ("submission_id", "source_row"),
    "fct_submission": ("template", "latest_attempt_submission_id", "submission_id"),
}

@dataclass(frozen=True)
class Rows:
    """A query's column names and rows, in order."""

    columns: list[str]
    rows: list[tuple[Any, ...]]


@dataclass(frozen=True)
class PackRecord:
    plan_code: str
    agency_code: str
    period: str
    manifest_sha256: str
    previous_manifest_sha256: str | None
    created_by: str
    created_at: datetime
    code_version: str
    signing_key_id: str | None = None  # None: unsigned


def read_snapshots(conn: psycopg.Connection) -> None:
    """Make the connection's transactions read-only snapshots (repeatable read):
    a pack is read in one (set before its first statement)."""
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    conn.read_only = True


def missing_facts(conn: psycopg.Connection) -> list[str]:
    """The facts of ``FACT_SUBMISSION_COLUMNS`` that the marts schema lacks."""
    return [name for name in FACT_SUBMISSION_COLUMNS
            if conn.execute("select to_regclass(%s)", (f"marts.{name}",)).fetchone()[0] is None]


def agency_submissions(conn: psycopg.Connection, plan_code: str, agency_code: str,
                       period: str) -> list[dict[str, Any]]:
    """Every submission of the agency and period received for the plan, whatever
    became of it (and those whose plan could not be told), oldest first; each
    with its file's row of audit.files (``file_archive_path``, ``file_size``)."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            """select s.*, f.archive_path as file_archive_path, f.file_size
               from audit.submissions s left join audit.files f using (file_sha256)
               where s.agency_code = %s and s.period = %s
                 and (s.plan_code = %s or s.plan_code is null)
               order by s.received_at, s.submission_id""",
            (agency_code, period, plan_code)).fetchall()


def _rows(conn: psycopg.Connection, query: sql.Composable, params: Sequence[Any]) -> Rows:
    cur = conn.execute(query, params)
    return Rows([c.name for c in cur.description or ()], cur.fetchall())


def validation_results(conn: psycopg.Connection, submission_id: int) -> Rows:
    return _rows(conn, sql.SQL(
        """select * from audit.validation_results where submission_id = %s
           order by suite_name, expectation, column_name nulls first, severity,
                    validated_at"""), (submission_id,))


def raw_rows(conn: psycopg.Connection, template: str, submission_id: int) -> Rows:
    """The rows of ``raw.<template>`` loaded from one submission, as loaded."""
    if template not in TEMPLATES:
        raise ValueError(f"not a template: {template!r}")
    return _rows(conn, sql.SQL("select * from {} where submission_id = %s order by source_row"
                               ).format(sql.Identifier("raw", template)), (submission_id,))


def fact_rows(conn: psycopg.Connection, fact: str, submission_ids: list[int]) -> Rows:
    """The rows of ``marts.<fact>`` fed by any of the submissions."""
    columns = FACT_SUBMISSION_COLUMNS[fact]
    where = sql.SQL(" or ").join(sql.SQL("{} = any(%s)").format(sql.Identifier(c))
                                 for c in columns)
    order = sql.SQL(", ").join(sql.Identifier(c) for c in _FACT_ORDER[fact])
    query = sql.SQL("select * from {} where {} order by {}").format(
        sql.Identifier("marts", fact), where, order)
    return _rows(conn, query, [submission_ids] * len(columns))


def lock_chain(conn: psycopg.Connection, plan_code: str, agency_code: str) -> None:
    """One pack at a time per plan and agency (released at commit), so the chain
    never forks."""
    conn.execute("select pg_advisory_xact_lock(hashtext(%s))",
                 (f"evidence|{plan_code}|{agency_code}",))


def latest_manifest(conn: psycopg.Connection, plan_code: str, agency_code: str) -> str | None:
    """The manifest hash of the newest pack of the plan and agency (None: no pack yet)."""
    row = conn.execute(
        """select manifest_sha256 from audit.evidence_packs
           where plan_code = %s and agency_code = %s
           order by created_at desc, pack_id desc limit 1""",
        (plan_code, agency_code)).fetchone()
    return row[0] if row else None


def record_pack(conn: psycopg.Connection, pack: PackRecord) -> int:
    """Record a pack; the caller's transaction commits. Returns its pack_id."""
    (pack_id,) = conn.execute(
        """insert into audit.evidence_packs
             (plan_code, agency_code, period, manifest_sha256, previous_manifest_sha256,
              created_by, created_at, code_version, signing_key_id)
           values (%s, %s, %s, %s, %s, %s, %s, %s, %s) returning pack_id""",
        (pack.plan_code, pack.agency_code, pack.period, pack.manifest_sha256,
         pack.previous_manifest_sha256, pack.created_by, pack.created_at, pack.code_version,
         pack.signing_key_id),
    ).fetchone()
    return int(pack_id)


def recorded_pack(conn: psycopg.Connection, manifest_sha256: str) -> dict[str, Any] | None:
    """The recorded pack with this manifest hash, if any."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute("select * from audit.evidence_packs where manifest_sha256 = %s",
                           (manifest_sha256,)).fetchone()
