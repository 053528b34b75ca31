"""Task bodies of the ``submissions__ingest`` DAG, testable without a scheduler.

The run for a month starts after that month's deadline (the configured day,
local time). The ingestor (catalogs + GX suites, ~5 s to load) is cached per
process, so the mapped per-file tasks of one run pay for it once per worker
process.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import pendulum

from planwatch.config import Settings, load_settings
from planwatch.ingest.files import discover

# Any date before the first plan: the DAGs do not catch up on their own.
START_DATE = pendulum.datetime(2020, 1, 1, tz="UTC")


def schedule(settings: Settings) -> str:
    """At 01:00 on the deadline day of every month (cron, in ``timezone``)."""
    return f"0 1 {settings.deadline_day} * *"


def logical_date_of(period: str, settings: Settings) -> str:
    """The logical date of a period's run: 01:00 on its deadline day, local time."""
    tz = pendulum.timezone(settings.timezone)
    year, month = (int(p) for p in period.split("-"))
    return pendulum.datetime(year, month, settings.deadline_day, 1, tz=tz).isoformat()


def period_of(logical_date: datetime) -> str:
    """The reporting period a run covers: the month whose deadline it follows."""
    return f"{logical_date.year:04d}-{logical_date.month:02d}"


def pending_files(period: str) -> list[str]:
    """Files of a period wait in ``inbox/<YYYY-MM>/``; already processed ones are
    skipped cheaply by the ingest step itself."""
    folder = load_settings().inbox_dir / period
    return [str(f.path) for f in discover(folder)] if folder.is_dir() else []


@lru_cache(maxsize=1)
def _ingestor():  # type: ignore[no-untyped-def]
    from planwatch.flow.ingestor import Ingestor
    from planwatch.warehouse.db import warehouse_url

    settings = load_settings()
    return Ingestor(settings, warehouse_url(settings))


def ingest_one(path: str) -> dict[str, Any]:
    """Ingest one inbox file; returns its submissions' statuses for XCom."""
    import psycopg

    from planwatch.flow.ingestor import IngestReport
    from planwatch.ingest.files import discover_one

    ingestor = _ingestor()
    report = IngestReport()
    file = discover_one(Path(path), ingestor.settings.inbox_dir)
    with psycopg.connect(ingestor.url) as conn:
        ingestor.ingest_file(conn, file, report)
    return {"file": file.inbox_path, "statuses": dict(report.statuses), "rows": report.rows,
            "skipped": report.skipped}


def publish(period: str, results: list[dict[str, Any]]) -> dict[str, Any]:
    """After a run's files: its Data Docs once, and a count of what happened."""
    ingestor = _ingestor()
    ingestor.sandbox.close()
    data_docs = ingestor.publish_data_docs(period)
    totals: dict[str, int] = {}
    for result in results:
        for status, count in result["statuses"].items():
            totals[status] = totals.get(status, 0) + count
    return {"files": len(results), "statuses": totals,
            "rows": sum(r["rows"] for r in results),
            "data_docs": str(data_docs) if data_docs else None}
