"""A fault met on one file rejects that file, not the run."""

from __future__ import annotations

import psycopg
import pytest
from fixtures.plans import SHIPPED_PLAN

from planwatch.catalog import load_catalog
from planwatch.demo.year import write_demo_year
from planwatch.flow.ingestor import Ingestor
from planwatch.ingest.files import discover
from planwatch.quality.validate import Validator
from planwatch.warehouse.init import create_schema

pytestmark = pytest.mark.integration


def test_a_validation_fault_on_one_file_leaves_the_others_loaded(new_warehouse,
                                                                 monkeypatch) -> None:
    settings, url = new_warehouse("badfile")
    create_schema(url)
    write_demo_year(load_catalog(settings.catalog_dir, SHIPPED_PLAN), settings.inbox_dir,
                    months=[4], progress=False)
    files = discover(settings.inbox_dir)
    victim = next(f for f in files if f.name.endswith("_nhiem_vu.csv"))
    original = Validator.validate_batch

    def fails_on_the_victim(self, template, frames, *, labels=None):
        """A fault on the victim's tasks sheet, whether validated in a batch or alone."""
        prefix = victim.name.split("_2024")[0] + "_"
        if template == "tasks" and any(n and n.startswith(prefix) for n in labels or []):
            raise RuntimeError("boom")
        return original(self, template, frames, labels=labels)

    monkeypatch.setattr(Validator, "validate_batch", fails_on_the_victim)
    report = Ingestor(settings, url).ingest_inbox(settings.inbox_dir, progress=False)
    assert report.files == len(files)
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "select status, reasons->0->>'code', agency_code, period from audit.submissions"
            " where inbox_path = %s", (victim.inbox_path,)).fetchall()
        (accepted,) = conn.execute(
            "select count(*) from audit.submissions where status like 'accepted%%'"
        ).fetchone()
    agency = victim.name.split("_2024")[0]
    assert rows == [("rejected", "parse_failed", agency, "2024-04")]
    assert accepted > 20
