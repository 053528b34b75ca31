"""The bad-input corpus (tests/fixtures/corpus.py) through one real ingest run.

The whole corpus is written into one inbox and ingested by ONE
``Ingestor.ingest_inbox`` call against a real PostgreSQL; then each case is
checked on its own (one test id per case): status, reasons, values in raw.*,
nothing loaded for a rejected file, a receipt listing every problem. The run
has a database and a home of its own: the demo-year tests count every
submission of the session database, and the corpus must not add to them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fixtures import HISTORICAL
from fixtures.corpus import (
    CASES,
    ESCAPE_NAME,
    MAX_FILE_MB,
    REFUSED,
    Case,
    book,
    data,
    task,
    write_corpus,
)
from markupsafe import escape

from planwatch.catalog.inbox_layout import RECEIPTS_FOLDER
from planwatch.config import Settings
from planwatch.flow.ingestor import Ingestor, IngestReport
from planwatch.ingest.files import InboxFile
from planwatch.vocabulary.templates import CODE_COLUMN, RAW_COLUMNS
from planwatch.warehouse.init import create_schema

pytestmark = pytest.mark.integration

READER_FAULTS = {"parse_failed", "parse_crashed", "parse_timeout"}


@dataclass
class Run:
    settings: Settings
    url: str
    inbox: Path
    report: IngestReport
    seconds: float
    files_before: set[Path]
    files_after: set[Path]


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def corpus_run(new_warehouse) -> Run:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PLANWATCH_MAX_FILE_MB", str(MAX_FILE_MB))
        settings, url = new_warehouse("corpus")
    assert settings.max_file_mb == MAX_FILE_MB
    create_schema(url)
    inbox = settings.home / "corpus_inbox"
    write_corpus(inbox)
    before = _files(settings.home.parent)
    started = datetime.now(UTC)
    report = Ingestor(settings, url).ingest_inbox(inbox, progress=False, dating=HISTORICAL)
    seconds = (datetime.now(UTC) - started).total_seconds()
    return Run(settings, url, inbox, report, seconds, before, _files(settings.home.parent))


def _submissions(url: str) -> dict[str, list[dict[str, Any]]]:
    with psycopg.connect(url) as conn:
        cur = conn.execute(
            "select submission_id, inbox_path, template, status, version, row_count, reasons,"
            " receipt_path, sheet_name, file_sha256 from audit.submissions"
            " order by submission_id")
        names = [d.name for d in cur.description]
        out: dict[str, list[dict[str, Any]]] = {}
        for values in cur.fetchall():
            record = dict(zip(names, values, strict=True))
            out.setdefault(record["inbox_path"], []).append(record)
    return out


def _raw_rows(url: str, template: str, ids: list[int]) -> list[dict[str, Any]]:
    columns = ", ".join(("submission_id", "source_row", *RAW_COLUMNS[template]))
    with psycopg.connect(url) as conn:
        cur = conn.execute(f"select {columns} from raw.{template} where submission_id = any(%s)",
                           (ids,))
        names = [d.name for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _params() -> list[Any]:
    return [pytest.param(c, id=c.name, marks=[pytest.mark.xfail(strict=True, reason=c.xfail)]
                         if c.xfail else []) for c in CASES]


def _refused(url: str) -> dict[str, dict[str, Any]]:
    with psycopg.connect(url) as conn:
        cur = conn.execute("select inbox_path, reasons, receipt_path from audit.refused_files")
        names = [d.name for d in cur.description]
        return {r[0]: dict(zip(names, r, strict=True)) for r in cur.fetchall()}


def _assert_refused(case: Case, corpus_run: Run) -> None:
    """Refused unread: no submission, the reasons recorded and told on a receipt."""
    assert case.path not in _submissions(corpus_run.url)
    refusal = _refused(corpus_run.url)[case.path]
    assert {p["code"] for p in refusal["reasons"]} == case.expected.codes
    receipt = corpus_run.settings.home / refusal["receipt_path"]
    told = json.loads(receipt.with_suffix(".json").read_text(encoding="utf-8"))
    assert told["status"] == "rejected" and told["file_sha256"] is None
    page = receipt.read_text(encoding="utf-8")
    assert all(str(escape(p["message_vi"])) in page for p in refusal["reasons"])


@pytest.mark.parametrize("case", _params())
def test_case(case: Case, corpus_run: Run) -> None:
    expected = case.expected
    if expected.status == REFUSED:
        _assert_refused(case, corpus_run)
        return
    subs = _submissions(corpus_run.url).get(case.path)
    assert subs, f"{case.path} was not recorded"
    problems = [p for s in subs for p in s["reasons"]]
    summary = sorted({(s["template"], s["status"]) for s in subs}), sorted(
        {(p["severity"], p["code"], p.get("value")) for p in problems}, key=str)

    # status and reasons
    assert {s["status"] for s in subs} == {expected.status}, summary
    blocking = {p["code"] for p in problems if p["severity"] == "block"}
    warnings = {p["code"] for p in problems if p["severity"] == "warn"}
    if expected.status == "rejected":
        assert expected.codes <= blocking, summary
        for text in expected.mentions:
            assert any(text in p["message_vi"] for p in problems
                       if p["code"] in expected.codes), (text, summary)
    elif expected.status == "accepted_with_warnings":
        assert not blocking and warnings == expected.codes, summary
    elif expected.status in ("accepted", "superseded", "duplicate"):
        assert not problems, summary
    if expected.version is not None:
        assert {s["version"] for s in subs} == {expected.version}
    if expected.sheet_name is not None:
        assert {s["sheet_name"] for s in subs} == {expected.sheet_name}

    # rows: loaded as counted, or none at all
    loaded = {t: _raw_rows(corpus_run.url, t, [s["submission_id"] for s in subs])
              for t in RAW_COLUMNS}
    if expected.status in ("rejected", "duplicate"):
        assert all(not rows for rows in loaded.values()), "rows loaded for a " + expected.status
    else:
        assert {s["template"]: s["row_count"] for s in subs} == expected.rows
        assert {t: len(rows) for t, rows in loaded.items() if rows} == expected.rows
    for check in expected.values:
        key = "source_row" if isinstance(check.key, int) else CODE_COLUMN[check.template]
        matching = [r for r in loaded[check.template] if r[key] == check.key]
        assert len(matching) == 1, (check.key, loaded[check.template])
        found = {name: matching[0][name] for name in check.values}
        assert found == check.values, check.key

    # the receipt: JSON and HTML, every problem listed
    receipt = corpus_run.settings.home / subs[0]["receipt_path"]
    assert receipt.is_file() and receipt.with_suffix(".json").is_file()
    told = json.loads(receipt.with_suffix(".json").read_text(encoding="utf-8"))
    page = receipt.read_text(encoding="utf-8")
    assert told["file_sha256"] == subs[0]["file_sha256"]

    def key(p: dict[str, Any]) -> tuple:
        return p["code"], p.get("sheet"), p.get("row"), p.get("column"), p.get("value")

    assert {key(p) for p in problems} <= {key(p) for p in told["problems"]}
    for p in problems:
        assert str(escape(p["message_vi"])) in page, p["code"]  # as the templates escape


def test_the_run_read_every_file_without_a_reader_fault(corpus_run: Run) -> None:
    subs = _submissions(corpus_run.url)
    recorded = {path for path in subs if "corpus_traversal" not in path}
    assert recorded | set(_refused(corpus_run.url)) == {c.path for c in CASES}
    assert corpus_run.report.files == len(CASES) and corpus_run.report.skipped == 0
    faults = [(path, p["code"]) for path, ss in subs.items() for s in ss for p in s["reasons"]
              if p["code"] in READER_FAULTS]
    assert faults == []
    assert corpus_run.seconds < 60, f"the corpus took {corpus_run.seconds:.0f} s"


def test_nothing_written_outside_the_data_folders(corpus_run: Run) -> None:
    home = corpus_run.settings.home
    new = corpus_run.files_after - corpus_run.files_before
    assert new, "the run wrote nothing at all"
    # Receipts are also written back beside each file, in its sender's bien_nhan/.
    written_back = [p for p in new if p.is_relative_to(corpus_run.inbox)
                    and p.relative_to(corpus_run.inbox).parts[2] == RECEIPTS_FOLDER]
    outside = [p for p in new if not p.is_relative_to(home / "data") and p not in written_back]
    assert outside == []
    assert len(written_back) == 2 * len(CASES)  # each file's page and JSON
    # The ../ name climbs at most three folders from the file's folder.
    escape = Path(ESCAPE_NAME).name.split("\\")[-1]
    for folder in (corpus_run.inbox, home, home.parent, home.parent.parent):
        assert not list(folder.glob(f"*{escape}*")), folder


def test_ingesting_the_corpus_again_changes_nothing(corpus_run: Run) -> None:
    def state() -> tuple:
        with psycopg.connect(corpus_run.url) as conn:
            counts = tuple(conn.execute(f"select count(*) from {table}").fetchone()[0] for table in
                           ("audit.submissions", "audit.files", "audit.validation_results",
                            "raw.tasks", "raw.indicators", "raw.disbursement"))
        return counts, _submissions(corpus_run.url)

    before = state()
    report = Ingestor(corpus_run.settings, corpus_run.url).ingest_inbox(
        corpus_run.inbox, progress=False, dating=HISTORICAL)
    assert (report.files, report.skipped) == (0, len(CASES))
    assert state() == before


def test_a_traversal_name_from_an_uploader_goes_nowhere(corpus_run: Run) -> None:
    """An uploader may hand over a name with real '/' in it; only the inbox file's
    bytes are read and every file written is named by planwatch."""
    settings = corpus_run.settings
    upload = settings.home / "uploads" / "file.xlsx"
    upload.parent.mkdir()
    upload.write_bytes(book("SO_XYZ", data("tasks", [task("1", "NV-2.1-01")])))  # rejected
    name = "../../../../tmp/corpus_traversal.xlsx"
    before = _files(settings.home.parent)
    file = InboxFile(path=upload, inbox_path=f"2024-06/{name}", name=name,
                     size=upload.stat().st_size, modified_at=datetime.now(UTC))
    ingestor = Ingestor(settings, corpus_run.url)
    with psycopg.connect(corpus_run.url) as conn:
        ingestor.ingest_batch(conn, [file], "traversal")
    ingestor.sandbox.close()
    new = _files(settings.home.parent) - before
    assert new and all(p.is_relative_to(settings.home / "data") for p in new), new
    assert {s["status"] for s in _submissions(corpus_run.url)[f"2024-06/{name}"]} == {"rejected"}
    assert not Path("/tmp/corpus_traversal.xlsx").exists()
