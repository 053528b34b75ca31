"""A file's way through planwatch: ``planwatch ingest``, one file at a time.

For each file: register (hash, archive), parse in a sandbox (``ingest``),
check against the plan catalogs and the GX suites (``quality``), decide what
becomes of each submission (``quality.decision``), then write audit + raw rows
in one transaction (``warehouse.submissions``), quarantine the file if it is
rejected and write the agency's receipt (``reporting.receipts``) before the
commit. A rejected file is a normal outcome; a database fault propagates.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from tqdm import tqdm

from planwatch import __version__
from planwatch.catalog import Catalogs, load_catalogs
from planwatch.config import Settings
from planwatch.ingest.files import (
    InboxFile,
    archive,
    discover,
    quarantine,
    receipt_name,
    sha256_of,
)
from planwatch.ingest.messages import unreadable
from planwatch.ingest.parse import csv_template
from planwatch.ingest.sandbox import ParseSandbox
from planwatch.quality.catalog_rules import check_against_catalog
from planwatch.quality.data_docs import DocsEntry
from planwatch.quality.decision import sheet_statuses
from planwatch.quality.validate import ValidationOutcome, Validator, frame_from_rows
from planwatch.reporting.receipts import write_receipt
from planwatch.text import safe_label
from planwatch.vocabulary.parsed import ParsedFile
from planwatch.vocabulary.problems import distinct
from planwatch.vocabulary.statuses import DUPLICATE, REJECTED
from planwatch.warehouse.submissions import (
    FileWrite,
    SubmissionWrite,
    already_processed,
    earlier_submissions,
    submission_statuses,
    write_file,
)

log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    statuses: Counter[str] = field(default_factory=Counter)
    files: int = 0
    skipped: int = 0
    rows: int = 0
    data_docs: Path | None = None

    def summary(self) -> str:
        parts = ", ".join(f"{k} {v}" for k, v in sorted(self.statuses.items()))
        return (f"{self.files} file(s) processed, {self.skipped} already known; "
                f"submissions: {parts or 'none'}; {self.rows} row(s) loaded")


class Ingestor:
    """Holds what is loaded once per run: catalogs, GX suites, the parse sandbox.

    ``docs`` collects the run's validations for its Data Docs, which show what
    each submission became as the warehouse holds it.
    """

    def __init__(self, settings: Settings, url: str) -> None:
        self.settings = settings
        self.url = url
        self.catalogs: Catalogs = load_catalogs(settings.seeds_dir)
        self.validator = Validator(settings.expectations_dir)
        self.sandbox = ParseSandbox(memory_mb=settings.parse_memory_mb,
                                    timeout_s=settings.parse_timeout_s,
                                    max_bytes=settings.max_file_mb * 1024 * 1024)
        self.docs: list[DocsEntry] = []

    def ingest_inbox(self, inbox: Path, *, progress: bool = True) -> IngestReport:
        report = IngestReport()
        files = discover(inbox)
        try:
            with psycopg.connect(self.url) as conn:
                for file in tqdm(files, desc="ingest", unit="file", disable=not progress):
                    self.ingest_file(conn, file, report)
        finally:
            self.sandbox.close()
        report.data_docs = self.publish_data_docs(
            f"ingest-{datetime.now(UTC):%Y%m%dT%H%M%S}")
        return report

    def publish_data_docs(self, run_label: str) -> Path | None:
        """The run's GX Data Docs under data/reports/data_docs/<run_label>/."""
        from planwatch.quality.data_docs import build_data_docs, write_runs_index

        if not self.docs:
            return None
        with psycopg.connect(self.url) as conn:
            statuses = submission_statuses(conn, [e.submission_id for e in self.docs])
        root = self.settings.reports_dir / "data_docs"
        index = build_data_docs(self.docs, root / safe_label(run_label),
                                validator=self.validator, statuses=statuses)
        self.docs.clear()
        write_runs_index(root)
        return index

    def ingest_file(self, conn: psycopg.Connection, file: InboxFile,
                    report: IngestReport) -> None:
        sha = sha256_of(file.path)
        if already_processed(conn, file.inbox_path, sha):
            conn.rollback()
            report.skipped += 1
            return
        archived = archive(file.path, sha, self.settings.archive_dir)
        earlier = earlier_submissions(conn, sha)
        parsed: ParsedFile | None = None
        outcomes: list[ValidationOutcome | None] = []
        if earlier:
            subs = [SubmissionWrite(template=e.template, agency_code=e.agency_code,
                                    period=e.period, plan_code=e.plan_code, status=DUPLICATE,
                                    duplicate_of=e.submission_id) for e in earlier]
        else:
            parsed, subs, outcomes = self._judge(file, archived, sha)
        # One receipt per file received (the same bytes sent again get their own).
        receipt = self.settings.receipts_dir / receipt_name(sha, file.inbox_path)
        write = FileWrite(
            file_name=file.name, inbox_path=file.inbox_path, file_sha256=sha,
            file_size=file.size, archive_path=str(archived.relative_to(self.settings.home)),
            received_at=file.received_at,
            receipt_path=str(receipt.relative_to(self.settings.home)),
            code_version=__version__, submissions=subs)
        with conn.transaction():
            write_file(conn, write)
            # Files are written before the commit: if writing them fails, nothing
            # is recorded and the next run processes the file again (both writes
            # are idempotent, so a crash after them costs nothing either).
            write_receipt(receipt, write, self._agency_name(subs[0]))
            if any(s.status == REJECTED for s in subs):
                quarantine(archived, self.settings.quarantine_dir, file.name, sha,
                           period=parsed.period if parsed else None,
                           problems=distinct(p for s in subs for p in s.problems))
        conn.commit()
        report.files += 1
        for sub in subs:
            report.statuses[sub.status] += 1
            report.rows += sub.row_count
        self.docs.extend(DocsEntry(outcome, sub.submission_id, tuple(sub.problems))
                         for sub, outcome in zip(subs, outcomes, strict=False)
                         if outcome and sub.submission_id is not None)

    # -- steps -----------------------------------------------------------------
    def _judge(self, file: InboxFile, archived: Path, sha: str
               ) -> tuple[ParsedFile, list[SubmissionWrite], list[ValidationOutcome | None]]:
        """Parse, check and validate one file. A bug met on one file rejects that
        file (and is logged for operators) instead of stopping every other
        agency's file; database faults still stop the run."""
        try:
            parsed = self._parse_and_check(file, archived)
            return parsed, *self._decide(parsed, sha)
        except psycopg.Error:
            raise
        except Exception:
            log.exception("checking %s (%s) failed", file.inbox_path, sha)
            failed = unreadable(file.name, "parse_failed")
            self._file_by_name(failed, file)
            return failed, *self._decide(failed, sha)

    def _parse_and_check(self, file: InboxFile, archived: Path) -> ParsedFile:
        parsed = self.sandbox.parse(archived, file.name)
        if parsed.blocking and not parsed.sheets:
            self._file_by_name(parsed, file)
            return parsed
        check_against_catalog(parsed, file, self.catalogs)
        return parsed

    def _file_by_name(self, parsed: ParsedFile, file: InboxFile) -> None:
        """An unreadable file goes under the agency and month its name and folder give."""
        name_agency, name_period = file.name_hint
        if name_agency in self.catalogs.agency_codes:
            parsed.agency_code = name_agency
        parsed.period = file.folder_period or name_period
        if parsed.agency_code and parsed.period:
            plans = self.catalogs.plans_for(parsed.agency_code, parsed.period)
            parsed.plan_code = plans[0].plan_code if len(plans) == 1 else None

    def _decide(self, parsed: ParsedFile, sha: str
                ) -> tuple[list[SubmissionWrite], list[ValidationOutcome | None]]:
        """Validate each sheet, then one decision for the whole file."""
        if not parsed.sheets:  # nothing readable: one rejected row for the file
            return [SubmissionWrite(
                template=csv_template(parsed.file_name), agency_code=parsed.agency_code,
                period=parsed.period, plan_code=parsed.plan_code, status=REJECTED,
                problems=list(parsed.problems))], [None]
        outcomes: list[ValidationOutcome | None] = []
        for sheet in parsed.sheets:
            label = f"{parsed.agency_code}_{parsed.period}_{sheet.template}_{sha[:8]}"
            outcome = self.validator.validate(
                sheet.template, frame_from_rows(sheet.template, sheet.rows), label=label)
            sheet.problems.extend(outcome.problems)
            outcomes.append(outcome)
        statuses = sheet_statuses(parsed.problems, [s.problems for s in parsed.sheets])
        subs = []
        for sheet, outcome, status in zip(parsed.sheets, outcomes, statuses, strict=True):
            assert outcome is not None
            subs.append(SubmissionWrite(
                template=sheet.template, agency_code=parsed.agency_code, period=parsed.period,
                plan_code=parsed.plan_code, status=status, sheet_name=sheet.sheet_name,
                rows=sheet.rows, problems=parsed.problems + sheet.problems,
                checks=_checks(outcome)))
        return subs, outcomes

    def _agency_name(self, sub: SubmissionWrite) -> str | None:
        catalog = self.catalogs.by_plan.get(sub.plan_code or "")
        agency = catalog.agency_by_code.get(sub.agency_code or "") if catalog else None
        return agency.name_vi if agency else None


def _checks(outcome: ValidationOutcome) -> list[dict[str, object]]:
    """One audit.validation_results row per expectation run."""
    return [{"suite_name": outcome.suite_name, "expectation": r.expectation_type,
             "column_name": r.column, "severity": r.severity, "success": r.success,
             "unexpected_count": r.unexpected_count,
             "details": {**r.details(), "label": outcome.label}}
            for r in outcome.results]
