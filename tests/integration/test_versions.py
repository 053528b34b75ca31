"""Versions follow arrival, whatever order files are processed in."""

from __future__ import annotations

import psycopg
import pytest
from fixtures import HISTORICAL
from fixtures.plans import SHIPPED_PLAN

from planwatch.catalog import load_catalog
from planwatch.demo.year import write_demo_year
from planwatch.flow.ingestor import Ingestor
from planwatch.ingest.files import discover_one
from planwatch.warehouse.init import create_schema

pytestmark = pytest.mark.integration


def test_a_correction_processed_before_the_original_still_wins(new_warehouse) -> None:
    settings, url = new_warehouse("versions")
    create_schema(url)
    manifest = write_demo_year(load_catalog(settings.catalog_dir, SHIPPED_PLAN), settings.inbox_dir,
                               months=[1], progress=False)
    v2 = next(f for f in manifest.files if f.outcome == "resubmission")
    ingestor = Ingestor(settings, url)
    with psycopg.connect(url) as conn:
        for path in (v2.path, v2.supersedes):  # newest first: as parallel workers may
            ingestor.ingest_batch(conn, [discover_one(settings.inbox_dir / path,
                                                      settings.inbox_dir)], "versions",
                                 HISTORICAL)
        rows = conn.execute(
            "select inbox_path, template, version, status from audit.submissions"
            " order by inbox_path, template").fetchall()
    ingestor.sandbox.close()
    for template in v2.templates:
        assert (v2.supersedes, template, 1, "superseded") in rows
        assert (v2.path, template, 2, "accepted") in rows or \
            (v2.path, template, 2, "accepted_with_warnings") in rows
