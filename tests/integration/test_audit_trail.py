"""What an auditor relies on, against a demo warehouse built as production builds
it (ingested as the loader, built as the transformer, read as the auditor):
every check and problem in marts.fct_data_quality, figures known at the deadline
beside the latest, every change after the deadline in marts.mart_restatements,
lineage from any fact row to the archived file's row, and the queries of
docs/auditing.md.

The whole demo year is ingested but for the latest correction sent after the
deadline; its month is then closed (closed, reopened, closed again, as
``planwatch period close|reopen`` records it) and the correction ingested: a
restatement (``fixtures.scenarios.audited_year``, the shared ``demo_year``).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
from openpyxl import load_workbook

from planwatch.config import Settings
from planwatch.quality.catalog_rules import code_key
from planwatch.vocabulary.calendar import deadline_of
from planwatch.warehouse.roles import role_url

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
EVER_ACCEPTED = ("accepted", "accepted_with_warnings", "superseded")
# The figures compared across versions (dbt_project/macros/compared_measures.sql),
# as mart_restatements names them -> their raw column.
MEASURES = {
    "tasks": {"task_status": "status", "percent_complete": "percent_complete",
              "completed_date": "completed_date"},
    "indicators": {"month_value": "month_value", "ytd_value": "ytd_value",
                   "full_year_estimate": "full_year_estimate"},
    "disbursement": {"annual_plan_vnd": "annual_plan_vnd",
                     "carried_over_plan_vnd": "carried_over_plan_vnd",
                     "month_disbursed_vnd": "month_disbursed_vnd",
                     "ytd_disbursed_vnd": "ytd_disbursed_vnd"},
}
ITEM = {"tasks": ("task_code",), "indicators": ("indicator_code",),
        "disbursement": ("project_code", "capital_source")}
FACTS = {"fct_task_progress": "task_progress_key", "fct_indicator_value": "indicator_value_key",
         "fct_disbursement": "disbursement_key"}
NEW_MARTS = ("fct_data_quality", "mart_data_quality_scorecard", "mart_restatements",
             "mart_lineage", "mart_period_status")


def _rows(url: str, sql: str, *params: Any) -> list[dict[str, Any]]:
    with psycopg.connect(url) as conn, conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        return cur.execute(sql, params).fetchall()


def _due(settings: Settings, period: str) -> dt.datetime:
    """The instant the period's submissions were due (the Python side of the deadline)."""
    return deadline_of(period, settings).on_time_before_at


@pytest.fixture(scope="module")
def warehouse(demo_year):
    """The shared demo year: its latest correction sent after the deadline was held
    until its month was closed (closed, reopened, closed again) and is a
    restatement (``fixtures.scenarios.audited_year``)."""
    settings, url, manifest = demo_year
    made = demo_year.data
    return settings, url, manifest, (made["closed_period"], set(made["restatements"]))


def _as(warehouse, role: str) -> str:
    settings, url, *_ = warehouse
    return role_url(settings, url, role)


def _value(value: Any) -> str | None:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return None if value is None else str(value)


@pytest.fixture(scope="module")
def changes_after_deadline(warehouse) -> set[tuple]:
    """Worked out from audit.* and raw.* alone: (new submission, item, line,
    measure) of every compared figure a version received at or after the
    deadline (or while its month was closed) changed from the version before it."""
    settings, url, *_ = warehouse
    versions = _rows(url, """
        select submission_id, plan_code, agency_code, period, template, received_at,
               is_restatement, lag(submission_id) over (
                   partition by plan_code, agency_code, period, template
                   order by version, received_at, submission_id) as previous
        from audit.submissions where status = any(%s) and template is not null""",
        list(EVER_ACCEPTED))
    found = set()
    for v in versions:
        if v["previous"] is None or not (v["is_restatement"]
                                         or v["received_at"] >= _due(settings, v["period"])):
            continue
        template = v["template"]
        columns = ", ".join((*ITEM[template], *MEASURES[template].values()))
        by_item: list[dict] = []
        for submission in (v["previous"], v["submission_id"]):
            rows = _rows(url, f"select source_row, {columns} from raw.{template}"
                              f" where submission_id = %s order by source_row", submission)
            # Codes as the catalog writes them; a repeated line keeps its last row.
            by_item.append({(r[ITEM[template][0]].strip().upper(),
                             *(r[c].strip() for c in ITEM[template][1:])): r for r in rows})
        old, new = by_item
        for item in old.keys() | new.keys():
            for measure, column in MEASURES[template].items():
                before = _value(old.get(item, {}).get(column))
                after = _value(new.get(item, {}).get(column))
                if before != after:
                    found.add((v["submission_id"], item[0], item[1] if len(item) > 1 else None,
                               measure))
    return found


def test_every_change_after_the_deadline_is_a_restatement_and_nothing_else(
        warehouse, changes_after_deadline) -> None:
    settings, _, _, (_, marked) = warehouse
    listed = _rows(_as(warehouse, "auditor"), "select * from marts.mart_restatements")
    assert {(r["new_submission_id"], r["item_code"], r["capital_source"], r["measure"])
            for r in listed} == changes_after_deadline
    for r in listed:
        assert r["new_received_at"] >= _due(settings, r["period"]) or r["is_restatement"]
        assert r["old_value_text"] != r["new_value_text"]
        assert r["new_version"] > r["old_version"] and r["new_file_sha256"]
        assert r["is_restatement"] == (r["new_submission_id"] in marked)
        if r["is_change_of_deadline_figure"]:
            assert r["deadline_value_text"] == r["old_value_text"]


def test_facts_know_the_deadline_figures_beside_the_latest(warehouse,
                                                          changes_after_deadline) -> None:
    settings, url, *_ = warehouse
    restated = 0
    for fact in FACTS:
        rows = _rows(url, f"""
            select f.*, d.received_at as deadline_received, d.status as deadline_status,
                   d.is_restatement as deadline_is_restatement, d.period as deadline_period
            from marts.{fact} f left join audit.submissions d
              on d.submission_id = f.deadline_submission_id""")
        assert rows, fact
        for r in rows:
            due = _due(settings, r["period"])
            assert r["is_reported_after_deadline"] == (r["received_at"] >= due)
            assert r["is_known_at_deadline"] == (r["deadline_submission_id"] is not None)
            if r["is_known_at_deadline"]:
                assert r["deadline_received"] < due and r["deadline_period"] == r["period"]
                assert r["deadline_status"] in EVER_ACCEPTED and not r["deadline_is_restatement"]
            if r["deadline_submission_id"] == r["submission_id"]:
                assert not r["is_restated"]
            if not r["is_reported_after_deadline"]:
                assert r["deadline_submission_id"] == r["submission_id"]
            restated += r["is_restated"]
    if changes_after_deadline:
        assert restated > 0


def _sheet_rows(path: Path, sheet: str, row: int) -> list[str]:
    """The cells of one row of a workbook's sheet or of a CSV file (1-based)."""
    if path.suffix == ".xlsx":
        book = load_workbook(path, read_only=True, data_only=True)
        try:
            cells = next(book[sheet].iter_rows(min_row=row, max_row=row, values_only=True))
        finally:
            book.close()
        return [str(c) for c in cells if c is not None]
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1258", errors="replace")
    cells: list[str] = []
    for delimiter in (",", ";"):
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        cells += records[row - 1] if row <= len(records) else []
    return cells


def test_lineage_leads_from_fact_rows_to_the_archived_files_row(warehouse) -> None:
    settings, *_ = warehouse
    sample = _rows(_as(warehouse, "auditor"), """
        select * from (
            select l.*, row_number() over (partition by fact_name, figure_as_of
                                           order by md5(fact_key::text)) as pick
            from marts.mart_lineage l) picked
        where pick <= 8""")
    assert {(r["fact_name"], r["figure_as_of"]) for r in sample} >= {
        (fact, "latest") for fact in FACTS}
    for r in sample:
        archived = settings.home / r["archive_path"]
        assert hashlib.sha256(archived.read_bytes()).hexdigest() == r["file_sha256"], r
        cells = _sheet_rows(archived, r["sheet_name"], r["source_row"])
        assert code_key(r["item_code"]) in {code_key(c) for c in cells}, (r, cells)
    keys = _rows(_as(warehouse, "auditor"), """
        select count(*) filter (where figure_as_of = 'latest') as latest,
               count(*) as traced from marts.mart_lineage""")[0]
    facts = sum(_rows(_as(warehouse, "auditor"), f"select count(*) as n from marts.{f}")[0]["n"]
                for f in FACTS)
    assert keys["latest"] == facts


def test_every_check_and_every_problem_is_a_data_quality_row(warehouse) -> None:
    _, url, manifest, _ = warehouse
    (expected,) = _rows(url, """
        select (select coalesce(sum(jsonb_array_length(reasons)), 0) from audit.submissions
                where status <> 'duplicate') as problems,
               (select count(*) from audit.validation_results v join audit.submissions s
                  using (submission_id) where v.success and s.status <> 'duplicate') as passed""")
    rows = _rows(url, """
        select q.*, s.reasons -> (q.problem_ordinal - 1) as problem,
               exists (select 1 from audit.validation_results v
                       where v.submission_id = q.submission_id
                         and v.details ->> 'code' = q.rule_code) as is_checked
        from marts.fct_data_quality q join audit.submissions s using (submission_id)""")
    problems = [r for r in rows if r["problem_ordinal"] is not None]
    assert len(problems) == expected["problems"] > 0
    assert sum(not r["is_failed"] for r in rows) == expected["passed"] > 0
    for r in problems:
        assert r["is_failed"] and r["outcome"] == "failed"
        assert r["rule_code"] == r["problem"]["code"] and r["source_row"] == r["problem"]["row"]
        assert r["item_code"] == r["problem"]["item"]
    for r in rows:
        # A code among the submission's checks is an expectation; others come from vocab_rules.
        assert r["rule_source"] == "expectation" if r["is_checked"] else r["rule_source"] in (
            "catalog", "parser")
        if r["earlier_submission_id"] is not None:  # a cross-month rule: compared with when
            assert r["earlier_period"]
    invalid = {f.path.rsplit("/", 1)[-1] for f in manifest.files if f.outcome == "invalid"}
    blocked = {r["file_name"] for r in rows if r["is_blocking"]}
    assert invalid and invalid <= blocked


def test_the_scorecard_adds_up_to_the_submissions_and_checks(warehouse) -> None:
    _, url, _, (_, marked) = warehouse
    card = _rows(url, "select * from marts.mart_data_quality_scorecard")
    (audit,) = _rows(url, """
        select count(*) filter (where status <> 'duplicate') as submissions,
               count(*) filter (where status = 'rejected') as rejected,
               count(*) filter (where status <> 'duplicate' and version > 1) as resubmissions
        from audit.submissions
        where plan_code is not null and agency_code is not null and period is not null""")
    (quality,) = _rows(url, """select count(*) filter (where is_failed) as problems
                               from marts.fct_data_quality where plan_code is not null""")
    assert sum(r["submission_count"] for r in card) == audit["submissions"]
    assert sum(r["rejected_count"] for r in card) == audit["rejected"] > 0
    assert sum(r["resubmission_count"] for r in card) == audit["resubmissions"] > 0
    assert sum(r["restatement_count"] for r in card) == len(marked)
    assert sum(r["problem_count"] for r in card) == quality["problems"]
    for r in card:
        assert r["failed_check_count"] == r["blocking_failure_count"] + r["warning_count"]
        assert r["failed_check_count"] <= r["check_count"]
        resolved = r["resolved_rejection_count"]
        assert resolved + r["unresolved_rejection_count"] == r["rejected_count"]
        assert (r["mean_hours_to_accepted_resubmission"] is None) == (resolved == 0)
        if resolved:
            assert 0 < r["mean_hours_to_accepted_resubmission"] <= r[
                "max_hours_to_accepted_resubmission"]


def test_the_closed_month_and_its_restatements(warehouse) -> None:
    _, _, _, (period, marked) = warehouse
    status = {r["period"]: r for r in _rows(_as(warehouse, "auditor"),
                                              "select * from marts.mart_period_status")}
    assert len(status) == 12
    open_months = [r for p, r in status.items() if p != period]
    assert all(not r["is_closed"] and r["close_count"] == 0 for r in open_months)
    if period is not None:
        closed = status[period]
        assert closed["is_closed"] and closed["closed_by"].startswith("Kiểm tra viên")
        assert (closed["close_count"], closed["reopen_count"]) == (2, 1)
        assert closed["last_reopen_reason"] == "Sửa số liệu giải ngân"
        assert closed["restatement_count"] == len(marked) > 0


def _documented_queries() -> dict[str, tuple[str, list[str]]]:
    """name -> (SQL, columns) of each ``<!-- auditor-query: name -->`` block."""
    text = (REPO / "docs" / "auditing.md").read_text(encoding="utf-8")
    found = re.findall(r"<!-- auditor-query: (\w+) -->\n```sql\n(.*?)```\n\nColumns: (.*?)\.\n",
                       text, re.S)
    return {name: (sql, re.findall(r"`(\w+)`", columns)) for name, sql, columns in found}


def test_the_auditors_questions_are_answered_as_documented(warehouse,
                                                           changes_after_deadline) -> None:
    settings, *_ = warehouse
    queries = _documented_queries()
    assert set(queries) == {"changed_after_publication", "rules_failed_most", "where_from"}
    results = {}
    with psycopg.connect(_as(warehouse, "auditor")) as conn:
        assert conn.execute("select current_user").fetchone() == ("planwatch_auditor",)
        for name, (sql, columns) in queries.items():
            cur = conn.execute(sql)
            assert [d.name for d in cur.description] == columns, name
            results[name] = [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]
    changed = results["changed_after_publication"]
    assert len(changed) == len(changes_after_deadline) and bool(changed) == bool(
        changes_after_deadline)
    assert all(r["old_value_text"] != r["new_value_text"] for r in changed)
    failing = results["rules_failed_most"]
    assert failing and all(r["problems"] >= r["submissions_failed"] >= 1 for r in failing)
    counts = [(r["submissions_failed"], r["problems"]) for r in failing]
    assert counts == sorted(counts, reverse=True)
    traced = results["where_from"]
    assert {r["figure_as_of"] for r in traced} >= {"latest"}
    for r in traced[:5]:
        archived = settings.home / r["archive_path"]
        assert hashlib.sha256(archived.read_bytes()).hexdigest() == r["file_sha256"]


@pytest.mark.parametrize("role", ["bi_reader", "auditor"])
def test_the_new_marts_are_readable_by_the_bi_tools_and_the_auditors(warehouse,
                                                                     role: str) -> None:
    with psycopg.connect(_as(warehouse, role)) as conn:
        for mart in NEW_MARTS:
            conn.execute(f"select count(*) from marts.{mart}").fetchone()
