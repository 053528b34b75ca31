"""Who sent a file, against a real warehouse: each reporting unit's inbox folder
(``planwatch init`` makes them), a file naming another agency than its folder
rejected with its reason on the receipt (and the receipt back in the folder),
the Department's import through the shared folder recorded as such, and
``planwatch inbox migrate`` moving an inbox of month folders with nothing
ingested twice."""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path

import psycopg
import pytest
from fixtures.plans import SHIPPED_PLAN

from planwatch.catalog import load_catalog
from planwatch.catalog.inbox_layout import RECEIPTS_FOLDER, SHARED_FOLDER
from planwatch.cli import main
from planwatch.demo.year import write_demo_year
from planwatch.flow.ingestor import Ingestor

pytestmark = pytest.mark.integration


def test_init_makes_a_folder_for_every_agency_and_the_department(initialised_warehouse) -> None:
    settings, _ = initialised_warehouse("senders_init")
    catalog = load_catalog(settings.catalog_dir, SHIPPED_PLAN)
    issuer = settings.inbox_dir / catalog.plan.issuer_code
    assert sorted(p.name for p in issuer.iterdir()) == sorted(
        [*catalog.agency_by_code, SHARED_FOLDER])
    assert all((p / RECEIPTS_FOLDER).is_dir() for p in issuer.iterdir())


@pytest.fixture(scope="module")
def senders(initialised_warehouse, tmp_path_factory):
    """An initialised warehouse, and January's demo files written aside."""
    settings, url = initialised_warehouse("senders")
    demo = tmp_path_factory.mktemp("senders_demo") / "inbox"
    manifest = write_demo_year(load_catalog(settings.catalog_dir, SHIPPED_PLAN), demo,
                               months=[1], progress=False)
    return settings, url, demo, manifest


def _rows(url: str, inbox_path: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            """select s.agency_code, s.status, s.submitted_via, s.reasons, s.receipt_path,
                      (select count(*) from raw.tasks t where t.submission_id = s.submission_id)
                    + (select count(*) from raw.indicators i
                       where i.submission_id = s.submission_id)
                    + (select count(*) from raw.disbursement d
                       where d.submission_id = s.submission_id)
               from audit.submissions s where inbox_path = %s order by submission_id""",
            (inbox_path,)).fetchall()


def test_a_file_naming_another_agency_than_its_folder_is_rejected_and_told_there(
        senders) -> None:
    """SCT's clerk drops another agency's workbook (its own 'Mã đơn vị') into SCT's
    folder: nothing is loaded, the receipt says why in Vietnamese, and a copy of
    it lands in SCT's bien_nhan/, where the clerk looks."""
    settings, url, demo, manifest = senders
    issuer = load_catalog(settings.catalog_dir, SHIPPED_PLAN).plan.issuer_code
    theirs = next(f for f in manifest.files if f.outcome == "valid" and f.kind == "xlsx"
                  and f.agency_code != "SCT" and not f.department_import)
    inbox_path = f"{issuer}/SCT/2024-01/{Path(theirs.path).name}"
    (settings.inbox_dir / inbox_path).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(demo / theirs.path, settings.inbox_dir / inbox_path)
    Ingestor(settings, url).ingest_inbox(settings.inbox_dir, progress=False)

    rows = _rows(url, inbox_path)
    assert rows and {(a, s, via) for a, s, via, *_ in rows} == {
        ("SCT", "rejected", "agency_folder")}  # recorded as SCT's: the folder is trusted
    assert sum(loaded for *_, loaded in rows) == 0
    reasons = [r for row in rows for r in row[3] if r["code"] == "sender_mismatch"]
    assert reasons and reasons[0]["value"] == theirs.agency_code
    receipt = settings.home / rows[0][4]
    page = html.unescape(receipt.read_text(encoding="utf-8"))
    assert "Tệp nằm trong thư mục của đơn vị SCT nhưng ghi mã đơn vị" in page
    assert f"'{theirs.agency_code}'" in page and "Bị từ chối" in page
    back = settings.inbox_dir / issuer / "SCT" / RECEIPTS_FOLDER / receipt.name
    assert back.read_bytes() == receipt.read_bytes()
    assert json.loads(back.with_suffix(".json").read_text(encoding="utf-8"))[
        "submitted_via"] == "agency_folder"
    # The same bytes in their own agency's folder are accepted: not a duplicate of
    # the rejected copy, and the copy is no duplicate of them either.
    own = f"{issuer}/{theirs.agency_code}/2024-01/{Path(theirs.path).name}"
    (settings.inbox_dir / own).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(demo / theirs.path, settings.inbox_dir / own)
    Ingestor(settings, url).ingest_inbox(settings.inbox_dir, progress=False)
    assert {s for _, s, *_ in _rows(url, own)} <= {"accepted", "accepted_with_warnings"}
    # Sent again into SCT's folder, the bytes repeat SCT's rejected copy, never the
    # owner's accepted report (whose duplicate would be recorded as the owner's).
    again = f"{issuer}/SCT/lai/{Path(theirs.path).name}"
    (settings.inbox_dir / again).parent.mkdir(parents=True)
    shutil.copy2(demo / theirs.path, settings.inbox_dir / again)
    Ingestor(settings, url).ingest_inbox(settings.inbox_dir, progress=False)
    with psycopg.connect(url) as conn:
        repeated = conn.execute(
            """select s.agency_code, s.status, o.inbox_path from audit.submissions s
               join audit.submissions o on o.submission_id = s.duplicate_of
               where s.inbox_path = %s""", (again,)).fetchall()
    assert repeated and set(repeated) == {("SCT", "duplicate", inbox_path)}


def test_a_file_outside_every_senders_folder_is_rejected_not_lost(senders) -> None:
    settings, url, demo, manifest = senders
    valid = next(f for f in manifest.files if f.outcome == "valid" and f.kind == "csv")
    inbox_path = f"2024-01/{Path(valid.path).name}"  # the old layout's month folder
    (settings.inbox_dir / inbox_path).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(demo / valid.path, settings.inbox_dir / inbox_path)
    Ingestor(settings, url).ingest_inbox(settings.inbox_dir, progress=False)
    rows = _rows(url, inbox_path)
    assert [(s, via) for _, s, via, *_ in rows] == [("rejected", "outside_folders")]
    assert "outside_sender_folders" in {r["code"] for r in rows[0][3]}
    assert "không phải thư mục của một đơn vị" in (settings.home / rows[0][4]).read_text(
        encoding="utf-8")


def test_the_departments_import_is_recorded_as_such(demo_year) -> None:
    """The demo year's February report the Department imported into the shared
    folder: accepted for its agency, and the audit, the marts and the auditor's
    report say it was the Department's import."""
    settings, url, manifest = demo_year
    (imported,) = [f for f in manifest.files if f.department_import]
    assert f"/{SHARED_FOLDER}/" in imported.path
    with psycopg.connect(url) as conn:
        audit = conn.execute(
            """select submitted_via, count(*) filter (where inbox_path = %s)
               from audit.submissions group by 1""", (imported.path,)).fetchall()
        mart = conn.execute(
            """select agency_code, submission_status, submitted_via, is_department_import
               from marts.mart_submission_files where file_name = %s""",
            (Path(imported.path).name,)).fetchall()
        departments = conn.execute("select count(*) from marts.mart_submission_files"
                                   " where is_department_import").fetchone()[0]
    assert dict((via, n) for via, n in audit if n) == {"shared_folder": len(imported.templates)}
    assert {via for via, _ in audit} == {"agency_folder", "shared_folder"}
    assert {(a, via, dept) for a, _, via, dept in mart} == {
        (imported.agency_code, "shared_folder", True)}
    assert {s for _, s, _, _ in mart} <= {"accepted", "accepted_with_warnings"}
    assert departments == len(imported.templates)


def test_the_auditors_report_tells_the_departments_import_apart(auditor_clone) -> None:
    settings, url, manifest = auditor_clone("senders_report")
    (imported,) = [f for f in manifest.files if f.department_import]
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PLANWATCH_HOME", str(settings.home))
        env.setenv("WAREHOUSE_URL", url)
        assert main(["audit-report", "--period", imported.period]) == 0
    (page,) = (settings.reports_dir / "auditor").rglob(f"*{imported.period}*.html")
    text = page.read_text(encoding="utf-8")
    assert "Nhập bởi Sở" in text and "Đơn vị tự gửi" in text


def test_inbox_migrate_moves_month_folders_and_nothing_is_ingested_twice(
        year_clone, capsys) -> None:
    """A warehouse whose inbox was month folders (its submissions name those
    paths): ``planwatch inbox migrate`` moves each file into its agency's folder;
    the processed ones are not ingested again, a new one is, once; a file whose
    agency nothing tells stays where it was, and is reported."""
    settings, url, manifest = year_clone("senders_migrate")
    march = [f for f in manifest.files if f.period == "2024-03"]
    old = {f.path: f"2024-03/{Path(f.path).name}" for f in march}
    with psycopg.connect(url) as conn:  # as it was before agencies had folders
        for new, before in old.items():
            (settings.inbox_dir / before).parent.mkdir(parents=True, exist_ok=True)
            (settings.inbox_dir / new).rename(settings.inbox_dir / before)
            conn.execute("update audit.submissions set inbox_path = %s where inbox_path = %s",
                         (before, new))
        (submissions_before,) = conn.execute("select count(*) from audit.submissions").fetchone()
    sent = next(f for f in march if f.kind == "csv" and f.outcome == "valid")
    late = settings.inbox_dir / "2024-03" / Path(sent.path).name.replace(".csv", "_bo_sung.csv")
    late.write_bytes((settings.inbox_dir / old[sent.path]).read_bytes() + b"\n")  # new bytes
    nameless = settings.inbox_dir / "2024-03" / "bao cao.xlsx"
    nameless.write_bytes(b"not processed, named for nobody")

    with pytest.MonkeyPatch.context() as env:
        env.setenv("PLANWATCH_HOME", str(settings.home))
        env.setenv("WAREHOUSE_URL", url)
        assert main(["inbox", "migrate"]) == 0
        first = capsys.readouterr().out
        assert main(["inbox", "migrate"]) == 0
        second = capsys.readouterr().out
    for new, before in old.items():
        assert (settings.inbox_dir / new).is_file() and f"moved {before} -> {new}" in first
    assert f"{len(old) + 1} file(s) moved ({len(old)} already processed" in first
    assert "left 2024-03/bao cao.xlsx" in first and nameless.is_file()
    assert "0 file(s) moved" in second  # idempotent
    report = Ingestor(settings, url).ingest_inbox(settings.inbox_dir, progress=False)
    assert report.files == 2  # the new file, in its agency's folder, and the nameless one
    with psycopg.connect(url) as conn:
        (submissions_after,) = conn.execute("select count(*) from audit.submissions").fetchone()
        moved = conn.execute("select count(*) from audit.inbox_moves").fetchone()[0]
        new_rows = conn.execute(
            "select inbox_path, submitted_via from audit.submissions where submission_id >"
            " (select max(submission_id) - %s from audit.submissions) order by 1",
            (submissions_after - submissions_before,)).fetchall()
    assert moved == len(old)
    assert {path for path, _ in new_rows} == {
        f"{Path(sent.path).parent}/{late.name}", "2024-03/bao cao.xlsx"}
    again = Ingestor(settings, url).ingest_inbox(settings.inbox_dir, progress=False)
    assert again.files == 0
