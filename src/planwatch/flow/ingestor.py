"""A file's way through planwatch: ``planwatch ingest``, a batch of files at a time.

For each batch: register each file (hash, archive; the same bytes again are a
duplicate), parse it in a sandbox (``ingest``) and check it against the plan
catalogs (``quality.catalog_rules``); then validate every template's sheets of
the batch in ONE GX validation (``quality.validate``); then, file by file,
decide what becomes of each submission (``quality.decision``) and write audit +
raw rows in one transaction (``warehouse.submissions``), quarantining a rejected
file and writing the agency's receipt (``reporting.receipts``) before the
commit. The batch's validations are recorded under the run's folder, from which
its Data Docs are built later, by whichever process publishes.

A rejected file is a normal outcome; a database fault propagates.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import psycopg
from tqdm import tqdm

from planwatch import __version__
from planwatch.catalog import Catalogs, load_catalogs
from planwatch.catalog.inbox_layout import sender_of, unread_agency
from planwatch.config import Settings
from planwatch.flow.arrival import SERVER, Arrival, Dating
from planwatch.flow.pending import digests_of, pending_files
from planwatch.flow.refusal import refuse, write_receipt_back
from planwatch.ingest.files import (
    InboxFile,
    TooLarge,
    discover,
    quarantine,
    receipt_name,
    take,
)
from planwatch.ingest.messages import unreadable
from planwatch.ingest.parse import csv_template
from planwatch.ingest.sandbox import ParseSandbox
from planwatch.quality.catalog_rules import check_against_catalog, check_place
from planwatch.quality.data_docs import (
    Judged,
    build_data_docs,
    read_validations,
    record_validations,
)
from planwatch.quality.decision import sheet_statuses
from planwatch.quality.history import OutlierSettings, annotate
from planwatch.quality.validate import ValidationOutcome, Validator, frame_from_rows
from planwatch.reporting.receipts import write_receipt
from planwatch.text import safe_label
from planwatch.vocabulary.calendar import CalendarError, Deadline, deadline_of
from planwatch.vocabulary.parsed import ParsedFile
from planwatch.vocabulary.periods import is_period
from planwatch.vocabulary.problems import distinct
from planwatch.vocabulary.statuses import DUPLICATE, REJECTED
from planwatch.vocabulary.templates import TEMPLATES
from planwatch.warehouse.history import earlier_reports
from planwatch.warehouse.mart_builds import Slice
from planwatch.warehouse.submissions import (
    EarlierSubmission,
    FileWrite,
    SubmissionWrite,
    already_processed,
    earlier_submissions,
    lock_file,
    submission_slice,
    submission_statuses,
    write_file,
)

log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    statuses: Counter[str] = field(default_factory=Counter)
    files: int = 0
    skipped: int = 0
    arriving: int = 0  # written to within the quiet period: left for a later run
    rows: int = 0
    data_docs: Path | None = None
    # The plan-months whose marts the files changed (warehouse.mart_builds).
    slices: set[Slice] = field(default_factory=set)

    def summary(self) -> str:
        parts = ", ".join(f"{k} {v}" for k, v in sorted(self.statuses.items()))
        arriving = (f", {self.arriving} still arriving (written to within the quiet period,"
                    " PLANWATCH_INBOX_QUIET_S: left for the next run)" if self.arriving else "")
        return (f"{self.files} file(s) processed, {self.skipped} already known{arriving}; "
                f"submissions: {parts or 'none'}; {self.rows} row(s) loaded")

    def add(self, other: IngestReport) -> None:
        self.statuses.update(other.statuses)
        self.files += other.files
        self.skipped += other.skipped
        self.rows += other.rows
        self.slices |= other.slices


@dataclass
class _File:
    """One file of a batch on its way: what was read and what will be written."""

    inbox: InboxFile
    sha: str
    archived: Path
    arrival: Arrival | None = None  # when it was received, by whose clock
    parsed: ParsedFile | None = None  # None for a duplicate
    subs: list[SubmissionWrite] = field(default_factory=list)
    outcomes: list[ValidationOutcome | None] = field(default_factory=list)


def batches(files: Sequence[InboxFile], size: int,
            digests: Mapping[str, str] | None = None) -> list[list[InboxFile]]:
    """Consecutive batches of at most ``size`` files, in arrival order, a new one
    whenever the month a file's folder or name gives changes: a month is checked
    against the months before it once they are written (``quality.history``).

    A file with the same bytes (``digests``: inbox path -> SHA-256) as one before
    it goes into that file's batch, after it: batches run side by side, and the
    copy that arrived first must be the one recorded first (the other is its
    duplicate), whichever batch a worker finishes first."""
    size = max(size, 1)
    digests = digests or {}
    out: list[list[InboxFile]] = []
    batch_of: dict[str, list[InboxFile]] = {}
    for file in files:
        sha = digests.get(file.inbox_path)
        if sha in batch_of:
            batch_of[sha].append(file)
            continue
        if not out or len(out[-1]) >= size or out[-1][-1].period_hint != file.period_hint:
            out.append([])
        out[-1].append(file)
        if sha is not None:
            batch_of[sha] = out[-1]
    return out


class Ingestor:
    """Holds what is loaded once per run or worker process: the catalogs, the GX
    suites, the parse sandbox."""

    def __init__(self, settings: Settings, url: str) -> None:
        self.settings = settings
        self.url = url
        self.catalogs: Catalogs = load_catalogs(settings.catalog_dir)
        self.validator = Validator(settings.expectations_dir,
                                   outlier_max_score=settings.outlier_max_score)
        self.outliers = OutlierSettings(min_history=settings.outlier_min_history)
        self.accumulating = {c.plan.plan_code: frozenset(
            i.indicator_code for i in c.indicators if i.accumulates) for c in self.catalogs}
        self.sandbox = ParseSandbox(memory_mb=settings.parse_memory_mb,
                                    timeout_s=settings.parse_timeout_s,
                                    max_bytes=settings.max_file_bytes)

    def ingest_inbox(self, inbox: Path, *, progress: bool = True,
                     run_label: str | None = None, dating: Dating = SERVER) -> IngestReport:
        """Every pending file of ``inbox`` (``flow.pending``: a file already
        processed is not read again), in batches, then the run's Data Docs.
        ``dating``: the server's clock, or an operator's historical import."""
        run_label = run_label or f"ingest-{datetime.now(UTC):%Y%m%dT%H%M%S}"
        report = IngestReport()
        listed = discover(inbox)
        now_ns = time.time_ns()
        settled = [f for f in listed if f.settled(now_ns, self.settings.inbox_quiet_s)]
        with psycopg.connect(self.url) as conn:
            files = pending_files(conn, settled, max_bytes=self.settings.max_file_bytes)
            digests = digests_of(conn, files)
        report.arriving = len(listed) - len(settled)
        report.skipped = len(settled) - len(files)
        try:
            with psycopg.connect(self.url) as conn, tqdm(
                    total=len(files), desc="ingest", unit="file", disable=not progress) as bar:
                for batch in batches(files, self.settings.batch_files, digests):
                    report.add(self.ingest_batch(conn, batch, run_label, dating))
                    bar.update(len(batch))
        finally:
            self.sandbox.close()
        report.data_docs = self.publish_data_docs(run_label)
        return report

    def publish_data_docs(self, run_label: str) -> Path | None:
        """The run's GX Data Docs under data/reports/data_docs/<run_label>/, from the
        validation records its batches left (any process may publish)."""
        from planwatch.reporting.data_docs_pages import publish, write_runs_index

        records = read_validations(self.settings.validations_dir / safe_label(run_label))
        if not records:
            return None
        ids = [s["submission_id"] for r in records for s in r["submissions"]]
        with psycopg.connect(self.url) as conn:
            statuses = submission_statuses(conn, ids)
        root = self.settings.reports_dir / "data_docs"
        index = publish(build_data_docs(records, root / safe_label(run_label),
                                        validator=self.validator), statuses)
        write_runs_index(root)
        return index

    def ingest_batch(self, conn: psycopg.Connection, files: Iterable[InboxFile],
                     run_label: str, dating: Dating = SERVER) -> IngestReport:
        """One batch: read and check each file, validate the batch's sheets
        together, then write each file in a transaction of its own."""
        report = IngestReport()
        pending: list[_File] = []
        for inbox in files:
            try:
                if inbox.size > self.settings.max_file_bytes:
                    raise TooLarge(inbox.size)  # from its stat: never opened
                sha, archived = take(inbox, self.settings.archive_dir,
                                     self.settings.max_file_bytes)
            except TooLarge as exc:
                self._refuse(conn, inbox, exc.size, report)
                continue
            except OSError as exc:  # gone, or swapped for a link, since it was listed
                log.warning("not read: %s (%s)", inbox.inbox_path, exc)
                report.skipped += 1
                continue
            if already_processed(conn, inbox.inbox_path, sha):
                report.skipped += 1
                continue
            item = _File(inbox, sha, archived)
            earlier = self._same_report(earlier_submissions(conn, sha), inbox)
            if earlier:
                item.subs = [SubmissionWrite(
                    template=e.template, agency_code=e.agency_code, period=e.period,
                    plan_code=e.plan_code, status=DUPLICATE, duplicate_of=e.submission_id)
                    for e in earlier]
                item.outcomes = [None] * len(item.subs)
            else:
                item.parsed = self._parse_and_check(item)
            pending.append(item)
        arrivals = dating.arrivals(conn, [(i.inbox, i.sha) for i in pending], run_label)
        for item, arrival in zip(pending, arrivals, strict=True):
            item.arrival = arrival
        self._validate(pending, conn)
        conn.rollback()  # end the read-only transaction before the writes
        judged: list[Judged] = []
        for item in pending:
            self._write(conn, item, report)
            judged += [Judged(sub.submission_id, outcome, distinct(sub.problems))
                       for sub, outcome in zip(item.subs, item.outcomes, strict=True)
                       if outcome is not None and sub.submission_id is not None]
        record_validations(self.settings.validations_dir / safe_label(run_label), judged)
        return report

    # -- steps -----------------------------------------------------------------
    def _same_report(self, earlier: list[EarlierSubmission],
                     file: InboxFile) -> list[EarlierSubmission]:
        """The earlier submissions of these bytes that this file repeats: a file
        in another issuer's folder is that issuer's report, and a CSV, whose
        name and folder alone say its agency and month, repeats only one of the
        same agency and month (an agency whose figures did not change may send
        last month's bytes under this month's name). A workbook names its own.
        A file in an agency's folder repeats only that agency's reports: another
        agency's file copied there is read, and rejected (``sender_mismatch``)."""
        sender = sender_of(file.inbox_path, self.catalogs)
        issuer = sender.issuer_code
        name_agency, name_period = file.name_hint
        period = file.folder_period or name_period

        def same(e: EarlierSubmission) -> bool:
            plan = self.catalogs.by_plan.get(e.plan_code or "")
            if issuer and plan and plan.plan.issuer_code != issuer:
                return False
            if sender.agency_code and e.agency_code != sender.agency_code:
                return False
            if file.suffix != ".csv":
                return True
            return ((not period or not e.period or e.period == period)
                    and (not name_agency or not e.agency_code or e.agency_code == name_agency))

        return [e for e in earlier if same(e)]

    def _parse_and_check(self, item: _File) -> ParsedFile:
        """Parse and check one file. A bug met on one file rejects that file (and
        is logged for operators) instead of stopping every other agency's file."""
        try:
            parsed = self.sandbox.parse(item.archived, item.inbox.name)
            if parsed.blocking and not parsed.sheets:
                self._file_by_name(parsed, item.inbox)
            else:
                check_against_catalog(parsed, item.inbox, self.catalogs)
            return parsed
        except Exception:
            log.exception("checking %s (%s) failed", item.inbox.inbox_path, item.sha)
            failed = unreadable(item.inbox.name, "parse_failed")
            self._file_by_name(failed, item.inbox)
            return failed

    def _validate(self, items: list[_File], conn: psycopg.Connection) -> None:
        """Each template's sheets of the batch, beside their history, in one GX
        validation, then one decision per file."""
        readable = [i for i in items if i.parsed is not None and i.parsed.sheets]
        outcomes: dict[tuple[int, int], ValidationOutcome] = {}
        failed: set[int] = set()
        for template in TEMPLATES:
            sheets = [(n, s) for n, item in enumerate(readable)
                      for s, sheet in enumerate(item.parsed.sheets)  # type: ignore[union-attr]
                      if sheet.template == template]
            if not sheets:
                continue
            frames = self._frames(conn, template, [readable[n].parsed for n, _ in sheets],  # type: ignore[misc]
                                  [s for _, s in sheets])
            labels = [_label(readable[n], template) for n, _ in sheets]
            for (n, s), outcome in zip(
                    sheets, self._validate_template(template, frames, labels), strict=True):
                if outcome is None:
                    failed.add(n)
                else:
                    outcomes[(n, s)] = outcome
        for n, item in enumerate(readable):
            if n in failed:  # a fault met on this file: it is rejected and logged
                log.error("validating %s (%s) failed", item.inbox.inbox_path, item.sha)
                item.parsed = unreadable(item.inbox.name, "parse_failed")
                self._file_by_name(item.parsed, item.inbox)
                continue
            item.outcomes = [outcomes[(n, s)] for s in range(len(item.parsed.sheets))]  # type: ignore[union-attr]
            item.subs = self._decide(item)
        for item in items:
            if item.parsed is not None and not item.parsed.sheets:
                parsed = item.parsed  # nothing readable: one rejected row for the file
                item.subs = [SubmissionWrite(
                    template=csv_template(parsed.file_name), agency_code=parsed.agency_code,
                    period=parsed.period, plan_code=parsed.plan_code, status=REJECTED,
                    problems=list(parsed.problems))]
                item.outcomes = [None]

    def _frames(self, conn: psycopg.Connection, template: str, files: list[ParsedFile],
                sheet_numbers: list[int]) -> list[pd.DataFrame]:
        """One frame per sheet, each row beside the latest accepted earlier report
        of its plan and agency (``quality.history``)."""
        # A file whose agency, month or plan is in doubt is not compared with anything.
        keys = [(f.plan_code, f.agency_code, f.period) if not any(
            p.is_blocking for p in f.problems) else (None, None, None) for f in files]
        known = [k for k in keys if all(k)]
        earlier = earlier_reports(conn, template, known, self.settings.outlier_history)  # type: ignore[arg-type]
        frames = []
        for parsed, s, key in zip(files, sheet_numbers, keys, strict=True):
            frame = frame_from_rows(template, parsed.sheets[s].rows)
            frames.append(annotate(
                template, frame, parsed.period or "", earlier.get(key, []),  # type: ignore[arg-type]
                accumulating=self.accumulating.get(parsed.plan_code or "", frozenset()),
                outliers=self.outliers) if all(key) else frame)
        return frames

    def _validate_template(self, template: str, frames: list, labels: list[str]
                           ) -> list[ValidationOutcome | None]:
        """One GX validation of the sheets; if it fails on a fault (a parser bug that
        slipped a bad value through), the sheets one by one, so that only the file
        at fault is rejected."""
        try:
            return list(self.validator.validate_batch(template, frames, labels=labels))
        except psycopg.Error:
            raise
        except Exception:
            log.exception("batch validation of %s failed; validating sheet by sheet", template)
        out: list[ValidationOutcome | None] = []
        for frame, label in zip(frames, labels, strict=True):
            try:
                out.append(self.validator.validate(template, frame, label=label))
            except Exception:
                log.exception("validating %s failed", label)
                out.append(None)
        return out

    @staticmethod
    def _decide(item: _File) -> list[SubmissionWrite]:
        """The file's submissions, with the one decision of their status."""
        parsed = item.parsed
        assert parsed is not None
        for sheet, outcome in zip(parsed.sheets, item.outcomes, strict=True):
            assert outcome is not None
            sheet.problems.extend(outcome.problems)
        statuses = sheet_statuses(parsed.problems, [s.problems for s in parsed.sheets])
        return [SubmissionWrite(
            template=sheet.template, agency_code=parsed.agency_code, period=parsed.period,
            plan_code=parsed.plan_code, status=status, sheet_name=sheet.sheet_name,
            rows=sheet.rows, problems=parsed.problems + sheet.problems,
            checks=_checks(outcome)) for sheet, outcome, status in zip(
                parsed.sheets, item.outcomes, statuses, strict=True) if outcome]

    def _write(self, conn: psycopg.Connection, item: _File, report: IngestReport) -> None:
        file, subs = item.inbox, item.subs
        sender = sender_of(file.inbox_path, self.catalogs)
        # One receipt per file received (the same bytes sent again get their own).
        receipt = self.settings.receipts_dir / receipt_name(item.sha, file.inbox_path)
        write = FileWrite(
            file_name=file.name, inbox_path=file.inbox_path, file_sha256=item.sha,
            file_size=file.size, archive_path=str(item.archived.relative_to(self.settings.home)),
            received_at=item.arrival.received_at, received_at_kind=item.arrival.kind,
            file_modified_at=file.modified_at,
            historical_import_id=item.arrival.historical_import_id,
            receipt_path=str(receipt.relative_to(self.settings.home)),
            code_version=__version__, submissions=subs, submitted_via=sender.via)
        with conn.transaction():
            # Two workers given the same file, or the same bytes under two names: the
            # first to take the lock writes it, the second finds it written.
            lock_file(conn, item.sha)
            if already_processed(conn, file.inbox_path, item.sha):
                report.skipped += 1
                return
            if item.parsed is not None and (earlier := self._same_report(
                    earlier_submissions(conn, item.sha), file)):
                write.submissions = subs = [SubmissionWrite(
                    template=e.template, agency_code=e.agency_code, period=e.period,
                    plan_code=e.plan_code, status=DUPLICATE, duplicate_of=e.submission_id)
                    for e in earlier]
                item.subs, item.outcomes = subs, [None] * len(subs)
            write_file(conn, write)
            # Files are written before the commit: if writing them fails, nothing
            # is recorded and the next run processes the file again (both writes
            # are idempotent, so a crash after them costs nothing either).
            write_receipt(receipt, write, self._agency_name(subs[0]),
                          department_vi=self._monitoring_agency_name(subs[0]),
                          timezone=self.settings.timezone,
                          deadline=self._deadline(subs[0].period))
            if any(s.status == REJECTED for s in subs):
                quarantine(item.archived, self.settings.quarantine_dir, file.name, item.sha,
                           period=item.parsed.period if item.parsed else None,
                           problems=distinct(p for s in subs for p in s.problems))
        conn.commit()
        write_receipt_back(receipt, file, sender.folder_of_receipts)
        report.files += 1
        for sub in subs:
            report.statuses[sub.status] += 1
            report.rows += sub.row_count
            report.slices.add(submission_slice(sub))

    def _refuse(self, conn: psycopg.Connection, file: InboxFile, size: int,
                report: IngestReport) -> None:
        """A file above the size limit, refused unread (``flow.refusal``)."""
        if refuse(conn, file, size, settings=self.settings, catalogs=self.catalogs):
            report.files += 1
            report.statuses[REJECTED] += 1
        else:
            report.skipped += 1

    def _file_by_name(self, parsed: ParsedFile, file: InboxFile) -> None:
        """An unreadable file goes under the agency whose folder holds it (else the
        one its name gives) and the month its name and folders give."""
        sender = sender_of(file.inbox_path, self.catalogs)
        parsed.agency_code = (unread_agency(file.inbox_path, file.name_hint[0], self.catalogs)
                              or parsed.agency_code)
        check_place(parsed, file, self.catalogs)  # outside every sender's folder: says so
        parsed.period = file.period_hint
        if parsed.agency_code and parsed.period:
            plans = self.catalogs.plans_for(parsed.agency_code, parsed.period,
                                            sender.issuer_code)
            parsed.plan_code = plans[0].plan_code if len(plans) == 1 else None

    def _agency_name(self, sub: SubmissionWrite) -> str | None:
        catalog = self.catalogs.by_plan.get(sub.plan_code or "")
        agency = catalog.agency_by_code.get(sub.agency_code or "") if catalog else None
        return agency.name_vi if agency else None

    def _deadline(self, period: str | None) -> Deadline | None:
        """The month's deadline, as the marts judge it; None for a file that names
        no month, or one outside the calendar's years."""
        if period is None or not is_period(period):
            return None
        try:
            return deadline_of(period, self.settings)
        except CalendarError:
            return None

    def _monitoring_agency_name(self, sub: SubmissionWrite) -> str | None:
        """The department that follows the plan (and closes its months)."""
        catalog = self.catalogs.by_plan.get(sub.plan_code or "")
        agency = (catalog.agency_by_code.get(catalog.plan.monitoring_agency_code)
                  if catalog else None)
        return agency.name_vi if agency else None


def _label(item: _File, template: str) -> str:
    """How a submission is named in Data Docs: agency, period, template, file."""
    parsed = item.parsed
    assert parsed is not None
    return f"{parsed.agency_code}_{parsed.period}_{template}_{item.sha[:8]}"


def _checks(outcome: ValidationOutcome) -> list[dict[str, object]]:
    """One audit.validation_results row per expectation run."""
    return [{"suite_name": outcome.suite_name, "expectation": r.expectation_type,
             "column_name": r.column, "severity": r.severity, "success": r.success,
             "unexpected_count": r.unexpected_count,
             "details": {**r.details(), "label": outcome.label}}
            for r in outcome.results]
