"""``planwatch ingest``: every pending file of an inbox, one at a time.

For each file: register (hash, archive), parse in a sandbox, check against
the plan catalog and the GX suites, then write audit + raw rows in one
transaction, quarantine it if rejected, and write the agency's receipt.
A rejected file is a normal outcome; a database fault propagates.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from tqdm import tqdm

from planwatch import __version__
from planwatch.catalog.seeds import Catalog, load_catalog
from planwatch.config import Settings
from planwatch.ingest import checks
from planwatch.ingest.files import InboxFile, archive, discover, safe_label, sha256_of
from planwatch.ingest.load import (
    DUPLICATE,
    REJECTED,
    FileWrite,
    SubmissionWrite,
    already_processed,
    earlier_submissions,
    write_file,
)
from planwatch.ingest.messages import unreadable
from planwatch.ingest.model import ParsedFile, Problem
from planwatch.ingest.parse import csv_template
from planwatch.ingest.sandbox import ParseSandbox
from planwatch.quality.validate import ValidationOutcome, Validator, frame_from_rows
from planwatch.reporting.receipts import write_receipt

log = logging.getLogger(__name__)
CODE_LABELS_VI = {"tasks": "Mã nhiệm vụ", "indicators": "Mã chỉ tiêu", "disbursement": "Mã dự án"}


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
    """Holds what is loaded once per run: catalog, GX suites, the parse sandbox.

    ``outcomes`` collects the run's validations for its Data Docs.
    """

    def __init__(self, settings: Settings, url: str) -> None:
        self.settings = settings
        self.url = url
        self.catalog: Catalog = load_catalog(settings.seeds_dir)
        self.validator = Validator(settings.expectations_dir)
        self.sandbox = ParseSandbox(memory_mb=settings.parse_memory_mb,
                                    timeout_s=settings.parse_timeout_s,
                                    max_bytes=settings.max_file_mb * 1024 * 1024)
        self.outcomes: list[ValidationOutcome] = []
        self.matchers = {
            "tasks": checks.CodeMatcher(self.catalog.task_by_code),
            "indicators": checks.CodeMatcher(self.catalog.indicator_by_code),
            "disbursement": checks.CodeMatcher(self.catalog.project_by_code),
        }
        self.units = {i.indicator_code: i.unit for i in self.catalog.indicators}

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

        if not self.outcomes:
            return None
        root = self.settings.reports_dir / "data_docs"
        index = build_data_docs(self.outcomes, root / safe_label(run_label),
                                validator=self.validator)
        self.outcomes.clear()
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
        if earlier:
            subs = [SubmissionWrite(template=t, agency_code=a, period=p, status=DUPLICATE,
                                    duplicate_of=sid) for sid, t, a, p in earlier]
            parsed = None
        else:
            parsed, subs = self._judge(file, archived, sha)
        # One receipt per file received (the same bytes sent again get their own).
        receipt_html = (self.settings.receipts_dir
                        / f"{sha[:16]}_{safe_label(file.inbox_path.replace('/', '_'))}.html")
        write = FileWrite(
            file_name=file.name, inbox_path=file.inbox_path, file_sha256=sha,
            file_size=file.size, archive_path=str(archived.relative_to(self.settings.home)),
            received_at=file.received_at, receipt_path=str(
                receipt_html.relative_to(self.settings.home)),
            code_version=__version__, submissions=subs)
        with conn.transaction():
            write_file(conn, write)
            # Files are written before the commit: if writing them fails, nothing
            # is recorded and the next run processes the file again (both writes
            # are idempotent, so a crash after them costs nothing either).
            self._write_receipt(receipt_html, write)
            if any(s.status == REJECTED for s in subs):
                self._quarantine(file, archived, sha, parsed)
        conn.commit()
        report.files += 1
        for sub in subs:
            report.statuses[sub.status] += 1
            if sub.status not in (REJECTED, DUPLICATE):
                report.rows += len(sub.rows)

    # -- steps -----------------------------------------------------------------
    def _judge(self, file: InboxFile, archived: Path, sha: str
               ) -> tuple[ParsedFile, list[SubmissionWrite]]:
        """Parse, check and validate one file. A bug met on one file rejects that
        file (and is logged for operators) instead of stopping every other
        agency's file; database faults still stop the run."""
        try:
            parsed = self._parse_and_check(file, archived)
            return parsed, self._decide(parsed, sha)
        except psycopg.Error:
            raise
        except Exception:
            log.exception("checking %s (%s) failed", file.inbox_path, sha)
            failed = unreadable(file.name, "parse_failed")
            self._file_by_name(failed, file)
            return failed, self._decide(failed, sha)

    def _parse_and_check(self, file: InboxFile, archived: Path) -> ParsedFile:
        parsed = self.sandbox.parse(archived, file.name)
        if parsed.blocking and not parsed.sheets:
            self._file_by_name(parsed, file)
            return parsed
        checks.check_identity(parsed, file, self.catalog.agency_by_code)
        for sheet in parsed.sheets:
            checks.check_codes(sheet, self.matchers[sheet.template],
                               CODE_LABELS_VI[sheet.template])
            if sheet.template == "indicators":
                checks.check_units(sheet, self.units)
        return parsed

    def _file_by_name(self, parsed: ParsedFile, file: InboxFile) -> None:
        """An unreadable file goes under the agency and month its name and folder give."""
        name_agency, name_period = file.name_hint
        if name_agency in self.catalog.agency_by_code:
            parsed.agency_code = name_agency
        parsed.period = file.folder_period or name_period

    def _decide(self, parsed: ParsedFile, sha: str) -> list[SubmissionWrite]:
        """Validate each sheet; any blocking problem rejects the whole file."""
        subs = []
        for sheet in parsed.sheets:
            label = f"{parsed.agency_code}_{parsed.period}_{sheet.template}_{sha[:8]}"
            outcome = self.validator.validate(
                sheet.template, frame_from_rows(sheet.template, sheet.rows), label=label)
            self.outcomes.append(outcome)
            sheet.problems.extend(outcome.problems)
            subs.append(SubmissionWrite(
                template=sheet.template, agency_code=parsed.agency_code, period=parsed.period,
                status="accepted", sheet_name=sheet.sheet_name, rows=sheet.rows,
                problems=parsed.problems + sheet.problems, checks=_checks(outcome)))
        if not subs:  # nothing readable: one rejected row for the file
            template = csv_template(parsed.file_name)
            return [SubmissionWrite(template=template, agency_code=parsed.agency_code,
                                    period=parsed.period, status=REJECTED,
                                    problems=list(parsed.problems))]
        rejected = any(p.severity == "block" for s in subs for p in s.problems)
        for sub in subs:
            if rejected:
                sub.status = REJECTED
            elif sub.problems:
                sub.status = "accepted_with_warnings"
        return subs

    def _write_receipt(self, path: Path, write: FileWrite) -> None:
        statuses = {s.status for s in write.submissions}
        overall = next((s for s in (REJECTED, DUPLICATE, "accepted_with_warnings")
                        if s in statuses), "accepted")
        problems: list[Problem] = []
        seen: set[int] = set()
        for sub in write.submissions:
            for p in sub.problems:
                if id(p) not in seen:
                    seen.add(id(p))
                    problems.append(p)
        first = write.submissions[0]
        agency = self.catalog.agency_by_code.get(first.agency_code or "")
        write_receipt(path, {
            "file_name": write.file_name,
            "file_sha256": write.file_sha256,
            "agency_code": first.agency_code,
            "agency_name_vi": getattr(agency, "name_vi", None),
            "period": first.period,
            "received_at": write.received_at.isoformat(),
            "processed_at": datetime.now(UTC).isoformat(),
            "status": overall,
            "submissions": [
                {"submission_id": s.submission_id, "template": s.template, "status": s.status,
                 "version": s.version, "row_count": len(s.rows) if s.status not in
                 (REJECTED, DUPLICATE) else 0, "duplicate_of": s.duplicate_of}
                for s in write.submissions],
            "problems": [p.to_dict() for p in problems],
        })

    def _quarantine(self, file: InboxFile, archived: Path, sha: str,
                    parsed: ParsedFile | None) -> None:
        """A copy of a rejected file beside a JSON of its reasons, for clerks."""
        folder = self.settings.quarantine_dir / (parsed.period if parsed and parsed.period
                                                 else "unknown")
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{sha[:12]}_{safe_label(file.name)}"
        shutil.copyfile(archived, target)
        reasons = [p.to_dict() for p in (parsed.problems if parsed else [])]
        if parsed:
            reasons += [p.to_dict() for s in parsed.sheets for p in s.problems]
        target.with_name(target.name + ".reasons.json").write_text(
            json.dumps({"file_name": file.name, "file_sha256": sha, "problems": reasons},
                       ensure_ascii=False, indent=2), encoding="utf-8")


def _checks(outcome: ValidationOutcome) -> list[dict[str, object]]:
    """One audit.validation_results row per expectation run."""
    return [{"suite_name": outcome.suite_name, "expectation": r.expectation_type,
             "column_name": r.column, "severity": r.severity, "success": r.success,
             "unexpected_count": r.unexpected_count,
             "details": {**r.details(), "label": outcome.label}}
            for r in outcome.results]
