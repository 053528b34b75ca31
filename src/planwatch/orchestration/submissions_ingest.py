"""Task bodies of the ``submissions__ingest`` DAG, testable without a scheduler.

The DAG runs every few minutes (``PLANWATCH_INBOX_POLL_MINUTES``), on any day:
it finds the inbox's files not yet processed, of every period (or of the
periods a run's ``conf`` names: ``{"periods": ["2024-03"]}``, their files found
in every agency's folder by the month their folder or name gives, which is how the
demo and ``planwatch backfill`` replay a month; ``{"historical_operator":
"name"}`` makes the run that operator's import of old files, dated by the files'
own times, as the demo's is), splits them into batches,
ingests each batch in a task of its own (one GX load per task process, one GX
validation per template and batch), then builds the run's Data Docs from the
records the batches left and, when anything was ingested, updates the asset
that schedules the marts' rebuild. A file that arrives after its deadline is
ingested like any other and counted late in the marts.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import pendulum

from planwatch.config import Settings, load_settings
from planwatch.ingest.files import InboxFile, discover, discover_one

# Any date before the first plan: the DAGs do not catch up on their own.
START_DATE = pendulum.datetime(2020, 1, 1, tz="UTC")


# A batch whose worker died is retried, soon (``Settings.batch_retry_delay_s``):
# its files already written are skipped.
BATCH_RETRIES = 2


def schedule(settings: Settings) -> str | None:
    """Every ``poll_minutes`` minutes, any day (cron); 0: only when triggered."""
    return f"*/{settings.poll_minutes} * * * *" if settings.poll_minutes else None


def inbox_files(settings: Settings, periods: list[str] | None = None) -> list[InboxFile]:
    """The inbox's files, oldest first: all, or those of the periods: a month's
    files lie in every agency's folder, found by the month their folder or name
    gives (``InboxFile.period_hint``); a file that gives none is taken by any run
    (only its contents can say its month). Listing is one directory read per
    folder; only files not yet processed are read after (``flow.pending``)."""
    inbox = settings.inbox_dir
    if not inbox.is_dir():
        return []
    files = discover(inbox)
    if periods:
        files = [f for f in files if f.period_hint in (*periods, None)]
    return files


def pending_batches(periods: list[str] | None = None) -> list[list[str]]:
    """The files no run has processed yet, in batches of ``batch_files``."""
    import psycopg

    from planwatch.flow.ingestor import batches
    from planwatch.flow.pending import digests_of, pending_files
    from planwatch.orchestration.connections import warehouse_url_as

    settings = load_settings()
    files = inbox_files(settings, periods)
    if not files:
        return []
    with psycopg.connect(warehouse_url_as("loader")) as conn:
        pending = pending_files(conn, files, settings.inbox_quiet_s,
                                settings.max_file_bytes)
        digests = digests_of(conn, pending)
    return [[str(f.path) for f in batch]
            for batch in batches(pending, settings.batch_files, digests)]


@lru_cache(maxsize=1)
def _ingestor():  # type: ignore[no-untyped-def]
    """Catalogs and GX suites, loaded once per worker process."""
    from planwatch.flow.ingestor import Ingestor
    from planwatch.orchestration.connections import warehouse_url_as

    return Ingestor(load_settings(), warehouse_url_as("loader"))


def ingest_batch(paths: list[str], run_label: str,
                 historical_operator: str | None = None) -> dict[str, Any]:
    """Ingest one batch of inbox files; returns what became of them, for XCom.
    ``historical_operator``: the run is that operator's import of old files (its
    conf's ``historical_operator``; ``flow.arrival``), dated by the files' own times."""
    import psycopg

    from planwatch.catalog import load_catalogs
    from planwatch.flow.arrival import SERVER, Dating

    ingestor = _ingestor()
    settings = ingestor.settings
    ingestor.catalogs = load_catalogs(settings.catalog_dir)  # a long-lived worker sees edits
    files = [discover_one(Path(p), settings.inbox_dir) for p in paths if Path(p).is_file()]
    try:
        with psycopg.connect(ingestor.url) as conn:
            dating = Dating.historical(historical_operator) if historical_operator else SERVER
            report = ingestor.ingest_batch(conn, files, run_label, dating)
    finally:
        ingestor.sandbox.close()
    return {"files": report.files, "skipped": report.skipped, "rows": report.rows,
            "statuses": dict(report.statuses),
            "slices": sorted(report.slices, key=lambda s: (s[0] or "", s[1] or ""))}


def publish(run_label: str, results: list[dict[str, Any]]) -> dict[str, Any] | None:
    """After a run's batches: its Data Docs, a count of what happened and the
    plan-months it changed (the asset event's extra, which the build passes on);
    None when nothing was ingested (the asset is then left alone)."""
    totals: dict[str, int] = {}
    for result in results:
        for status, count in result["statuses"].items():
            totals[status] = totals.get(status, 0) + count
    files = sum(r["files"] for r in results)
    if not files:
        return None
    data_docs = _ingestor().publish_data_docs(run_label)
    slices = sorted({tuple(s) for r in results for s in r.get("slices", ())},
                    key=lambda s: (s[0] or "", s[1] or ""))
    return {"files": files, "statuses": totals, "rows": sum(r["rows"] for r in results),
            "slices": [list(s) for s in slices],
            "data_docs": str(data_docs) if data_docs else None}


def run_label_of(run_id: str) -> str:
    """The folder name of a run's validation records and Data Docs."""
    from planwatch.text import safe_label

    return safe_label(run_id)


