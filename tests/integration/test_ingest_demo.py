"""Ingest of generated demo months into a real PostgreSQL.

The demo manifest says what each file is meant to be (valid, invalid and
why, duplicate, resubmission); the warehouse must agree, row for row.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import psycopg
import pytest
from fixtures import HISTORICAL
from fixtures.outcomes import assert_loaded_once, assert_outcomes, submissions
from fixtures.plans import SHIPPED_PLAN

from planwatch.catalog import load_catalog
from planwatch.catalog.inbox_layout import RECEIPTS_FOLDER
from planwatch.config import Settings
from planwatch.demo.manifest import DemoManifest
from planwatch.demo.year import write_demo_year
from planwatch.flow.ingestor import Ingestor

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def demo(settings: Settings, initialised: str) -> tuple[DemoManifest, Ingestor]:
    inbox = settings.inbox_dir
    catalog = load_catalog(settings.catalog_dir, SHIPPED_PLAN)
    manifest = write_demo_year(catalog, inbox, months=[1, 2, 3], progress=False)
    ingestor = Ingestor(settings, initialised)
    ingestor.ingest_inbox(inbox, progress=False, dating=HISTORICAL)
    return manifest, ingestor


def test_every_file_has_the_outcome_its_manifest_names(demo, initialised: str) -> None:
    manifest, _ = demo
    assert_outcomes(initialised, (f for f in manifest.files if f.period <= "2024-03"))


def test_every_file_was_processed_once_and_nothing_half_loaded(demo, initialised: str,
                                                              settings: Settings) -> None:
    manifest, _ = demo
    assert_loaded_once(initialised, settings,
                       (f for f in manifest.files if f.period <= "2024-03"))


def test_resubmission_is_a_new_version_and_both_are_kept(demo, initialised: str) -> None:
    manifest, _ = demo
    subs = submissions(initialised)
    resubmitted = [f for f in manifest.files if f.outcome == "resubmission"
                   and f.period <= "2024-03"]
    assert resubmitted
    for v2 in resubmitted:
        for old, new in zip(subs[v2.supersedes], subs[v2.path], strict=True):
            assert (old["version"], new["version"]) == (1, 2)
            assert old["status"] == "superseded" and new["row_count"] == old["row_count"] > 0
    with psycopg.connect(initialised) as conn:
        (superseded_rows,) = conn.execute(
            "select count(*) from raw.disbursement d join audit.submissions s using"
            " (submission_id) where s.status = 'superseded'").fetchone()
    assert superseded_rows > 0  # the older version's rows stay queryable


def test_raw_rows_match_audit_row_counts_and_trace_to_files(demo, initialised: str,
                                                           settings: Settings) -> None:
    with psycopg.connect(initialised) as conn:
        mismatched = conn.execute("""
            select s.submission_id, s.row_count, count(r.*) from audit.submissions s
            left join (select submission_id from raw.tasks union all
                       select submission_id from raw.indicators union all
                       select submission_id from raw.disbursement) r using (submission_id)
            group by s.submission_id, s.row_count having s.row_count <> count(r.*)""").fetchall()
        archives = conn.execute("select file_sha256, archive_path from audit.files").fetchall()
        orphans = conn.execute(
            "select count(*) from raw.tasks t left join audit.submissions s using"
            " (submission_id) where s.status not in ('accepted', 'accepted_with_warnings',"
            " 'superseded')").fetchone()[0]
    assert mismatched == []
    assert orphans == 0
    for sha, path in archives:
        archived = settings.home / path
        assert archived.name.startswith(sha)
        assert hashlib.sha256(archived.read_bytes()).hexdigest() == sha


def test_receipts_for_every_file(demo, initialised: str, settings: Settings) -> None:
    for inbox_path, subs in submissions(initialised).items():
        receipt = settings.home / subs[0]["receipt_path"]
        assert receipt.is_file()
        # and the same, in the agency's own folder, where its clerk dropped the file
        issuer, agency = inbox_path.split("/")[:2]
        back = settings.inbox_dir / issuer / agency / RECEIPTS_FOLDER / receipt.name
        assert back.read_bytes() == receipt.read_bytes(), inbox_path
        data = json.loads(receipt.with_suffix(".json").read_text(encoding="utf-8"))
        assert data["file_sha256"] == subs[0]["file_sha256"]
        if any(s["status"] == "rejected" for s in subs):
            assert data["problems"] and "Bị từ chối" in receipt.read_text(encoding="utf-8")


def test_ingesting_the_same_inbox_again_changes_nothing(demo, initialised: str,
                                                       settings: Settings) -> None:
    _, ingestor = demo
    before = submissions(initialised)
    report = ingestor.ingest_inbox(settings.inbox_dir, progress=False, dating=HISTORICAL)
    assert report.files == 0 and report.skipped == sum(1 for _ in before)
    assert submissions(initialised) == before


def test_same_bytes_under_another_name_is_a_duplicate(demo, initialised: str,
                                                     settings: Settings) -> None:
    manifest, ingestor = demo
    original = next(f for f in manifest.files if f.outcome == "valid" and f.kind == "xlsx")
    copy = settings.inbox_dir / Path(original.path).parent / "copy_of_file.xlsx"
    copy.write_bytes((settings.inbox_dir / original.path).read_bytes())
    with psycopg.connect(initialised) as conn:
        (raw_before,) = conn.execute("select count(*) from raw.tasks").fetchone()
    report = ingestor.ingest_inbox(settings.inbox_dir, progress=False, dating=HISTORICAL)
    assert dict(report.statuses) == {"duplicate": len(original.templates)}
    with psycopg.connect(initialised) as conn:
        (raw_after,) = conn.execute("select count(*) from raw.tasks").fetchone()
    assert raw_after == raw_before
    copy.unlink()


def test_last_months_csv_bytes_under_this_months_name_are_this_months_report(
        demo, initialised: str, settings: Settings) -> None:
    """A CSV says its agency and month by its name only: an agency whose figures
    did not change may send last month's bytes as this month's report."""
    manifest, ingestor = demo
    original = next(f for f in manifest.files if f.outcome == "valid" and f.kind == "csv"
                    and f.period == "2024-03")
    name = original.path.split("/")[-1].replace("2024-03", "2024-04")
    inbox_path = f"{Path(original.path).parent.parent}/2024-04/{name}"  # its agency's folder
    copy = settings.inbox_dir / inbox_path
    copy.parent.mkdir(exist_ok=True)
    copy.write_bytes((settings.inbox_dir / original.path).read_bytes())
    try:
        report = ingestor.ingest_inbox(settings.inbox_dir, progress=False, dating=HISTORICAL)
        with psycopg.connect(initialised) as conn:
            rows = conn.execute("select status, period, duplicate_of from audit.submissions"
                                " where inbox_path = %s", (inbox_path,)).fetchall()
        assert report.files == 1
        assert rows == [("accepted", "2024-04", None)] or rows[0][:2] == (
            "accepted_with_warnings", "2024-04")
    finally:
        copy.unlink()
        copy.parent.rmdir()


def test_data_docs_written(demo, settings: Settings) -> None:
    sites = list((settings.reports_dir / "data_docs").glob("*/index.html"))
    assert sites, "no Data Docs site"
    assert "planwatch-run-summary" in sites[0].read_text(encoding="utf-8")


def test_rejected_files_are_quarantined_with_reasons(demo, settings: Settings) -> None:
    manifest, _ = demo
    invalid = [f for f in manifest.files if f.outcome == "invalid" and f.period <= "2024-03"]
    reasons = list(settings.quarantine_dir.rglob("*.reasons.json"))
    assert len(reasons) >= len(invalid) > 0
    for path in reasons:
        assert json.loads(path.read_text(encoding="utf-8"))["problems"]


def test_data_docs_say_what_the_warehouse_and_receipts_say(demo, initialised: str,
                                                           settings: Settings) -> None:
    """One status decision: the run summary of the Data Docs lists every validated
    sheet with the status its audit row holds, the rejected ones included
    (SGDDT 2024-03 tasks: unknown task code; SKHDT 2024-02 indicators: unit mismatch)."""
    import html
    import re

    from planwatch.vocabulary.statuses import SUBMISSION_STATUS_LABELS_VI

    (site,) = sorted((settings.reports_dir / "data_docs").glob("ingest-*/index.html"))[:1]
    summary = site.read_text(encoding="utf-8").split('id="planwatch-run-summary"', 1)[1]
    shown = {}
    for row in re.findall(r"<tr><td>(.*?)</tr>", summary, re.S):
        cells = [html.unescape(re.sub(r"<[^>]+>", "", c)) for c in row.split("<td>")]
        shown[cells[0].replace("</td>", "")] = cells[3].replace("</td>", "")
    with psycopg.connect(initialised) as conn:
        audit = {f"{a}_{p}_{t}_{sha[:8]}": s for a, p, t, sha, s in conn.execute(
            "select agency_code, period, template, file_sha256, status from audit.submissions"
            " where status <> 'duplicate' and template is not null and row_count >= 0")}
    validated = {label: SUBMISSION_STATUS_LABELS_VI[audit[label]] for label in shown}
    assert shown == validated
    rejected = SUBMISSION_STATUS_LABELS_VI["rejected"]
    by_start = {label.rsplit("_", 1)[0]: status for label, status in shown.items()}
    assert by_start["SGDDT_2024-03_tasks"] == rejected
    assert by_start["SKHDT_2024-02_indicators"] == rejected
