"""The national demo through ingest: agency codes repeat across provinces, and the
issuer's inbox folder says whose each file is."""

from __future__ import annotations

import dataclasses
import hashlib
from collections import Counter

import psycopg
import pytest
from fixtures import HISTORICAL

from planwatch.catalog import load_catalogs
from planwatch.demo.cases import Calendar
from planwatch.demo.national import write_national_demo
from planwatch.flow.ingestor import Ingestor
from planwatch.ingest.files import discover
from planwatch.warehouse.init import create_schema

pytestmark = pytest.mark.integration


def test_two_provinces_files_each_find_their_own_plan(new_warehouse, tmp_path) -> None:
    settings, url = new_warehouse("national")
    demo = write_national_demo(load_catalogs(settings.catalog_dir), tmp_path / "national",
                               plans=2, years=1, months=[1], workers=2,
                               calendar=Calendar.configured(settings),
                               inbox=settings.inbox_dir)
    again = write_national_demo(load_catalogs(settings.catalog_dir), tmp_path / "national",
                                plans=2, years=1, months=[1],
                                calendar=Calendar.configured(settings),
                                inbox=settings.inbox_dir)
    assert (demo.written, again.written) == (2, 0)  # a second run writes nothing
    files = discover(settings.inbox_dir)
    by_issuer = Counter(f.inbox_path.split("/")[0] for f in files)
    assert set(by_issuer) == {"SYN01", "SYN02"} and min(by_issuer.values()) > 20
    contents = {}
    for f in files:  # no two files of different plans have the same bytes
        digest = hashlib.sha256(f.path.read_bytes()).hexdigest()
        contents.setdefault(digest, set()).add(f.inbox_path.split("/")[0])
    assert all(len(issuers) == 1 for issuers in contents.values())

    national = dataclasses.replace(settings, catalog_path=str(demo.catalog_dir))
    create_schema(url)
    Ingestor(national, url).ingest_inbox(settings.inbox_dir, progress=False, dating=HISTORICAL)
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            """select split_part(inbox_path, '/', 1), plan_code, count(*) from audit.submissions
               group by 1, 2 order by 1, 2""").fetchall()
        ambiguous = conn.execute(
            """select count(*) from audit.submissions, jsonb_array_elements(reasons) r
               where r->>'code' in ('ambiguous_plan', 'issuer_mismatch', 'unknown_agency')"""
        ).fetchone()[0]
    year = load_catalogs(settings.catalog_dir).catalogs[0].plan.year
    assert [(folder, plan) for folder, plan, _ in rows] == [
        ("SYN01", f"SYN01-{year}"), ("SYN02", f"SYN02-{year}")]  # CSV files included
    assert ambiguous == 0

    # The same bytes in another province's folder are that province's report.
    sent = next(f for f in files if f.inbox_path.startswith("SYN01/") and f.suffix == ".csv")
    agency = sent.inbox_path.split("/")[1]  # SYN02 has the same agencies
    other = settings.inbox_dir / "SYN02" / agency / "2024-extra" / sent.name
    other.parent.mkdir(parents=True)
    other.write_bytes(sent.path.read_bytes())
    Ingestor(national, url).ingest_inbox(settings.inbox_dir, progress=False, dating=HISTORICAL)
    with psycopg.connect(url) as conn:
        (plan, status), = conn.execute(
            "select plan_code, status from audit.submissions where inbox_path = %s",
            (f"SYN02/{agency}/2024-extra/{sent.name}",)).fetchall()
    assert plan == f"SYN02-{year}" and status != "duplicate"
