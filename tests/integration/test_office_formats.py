"""An agency-month sent as .ods, then again as .xls, ingested into a real warehouse.

The files are the ones LibreOffice saved from planwatch's filled template
(``tests/fixtures/office/``): each is loaded as the loader role, its receipt says
accepted with no problem, and both load the same rows into ``raw.*``; the second
is the newer version of the same report.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fixtures import HISTORICAL

from planwatch.flow.ingestor import Ingestor
from planwatch.vocabulary.statuses import SUBMISSION_STATUS_LABELS_VI
from planwatch.vocabulary.templates import RAW_COLUMNS
from planwatch.warehouse.roles import role_url

pytestmark = pytest.mark.integration

OFFICE = Path(__file__).resolve().parents[1] / "fixtures" / "office"
STEM = "SLDTBXH_2024-06"
FOLDER = "TTH/SLDTBXH/2024-06"


def _submissions(url: str, inbox_path: str) -> list[dict[str, Any]]:
    with psycopg.connect(url) as conn:
        cur = conn.execute(
            "select submission_id, template, status, version, row_count, reasons, receipt_path,"
            " agency_code, period from audit.submissions where inbox_path = %s"
            " order by template", (inbox_path,))
        names = [d.name for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _rows(url: str, template: str, ids: list[int]) -> list[dict[str, Any]]:
    columns = ", ".join(("source_row", *RAW_COLUMNS[template]))
    with psycopg.connect(url) as conn:
        cur = conn.execute(f"select {columns} from raw.{template} where submission_id = any(%s)"
                           " order by source_row", (ids,))
        names = [d.name for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def test_an_ods_and_then_an_xls_are_ingested_and_accepted(initialised_warehouse) -> None:
    settings, url = initialised_warehouse("office")
    ingestor = Ingestor(settings, role_url(settings, url, "loader"))
    folder = settings.inbox_dir / FOLDER  # the agency's own inbox folder
    folder.mkdir(parents=True, exist_ok=True)
    for n, kind in enumerate(("ods", "xls")):  # the .xls arrives a minute later
        target = folder / f"{STEM}.{kind}"
        shutil.copyfile(OFFICE / f"{STEM}.libreoffice.{kind}", target)
        stamp = dt.datetime(2024, 6, 16, 9, n, tzinfo=dt.UTC).timestamp()
        os.utime(target, (stamp, stamp))
    try:
        # Dated by the files' own times (an import of old files), so that the .xls
        # is the newer version whatever the order they are copied in.
        report = ingestor.ingest_inbox(settings.inbox_dir, progress=False, dating=HISTORICAL)
    finally:
        ingestor.sandbox.close()
    assert report.files == 2
    for kind in ("ods", "xls"):
        (receipt_path,) = {s["receipt_path"] for s in _submissions(url, f"{FOLDER}/{STEM}.{kind}")}
        receipt = settings.home / receipt_path
        told = json.loads(receipt.with_suffix(".json").read_text(encoding="utf-8"))
        assert told["status"] == "accepted" and told["problems"] == [], told
        assert SUBMISSION_STATUS_LABELS_VI["accepted"] in receipt.read_text(encoding="utf-8")

    ods, xls = (_submissions(url, f"{FOLDER}/{STEM}.{kind}") for kind in ("ods", "xls"))
    assert [(s["template"], s["agency_code"], s["period"], s["row_count"]) for s in xls] == [
        ("disbursement", "SLDTBXH", "2024-06", 1), ("indicators", "SLDTBXH", "2024-06", 1),
        ("tasks", "SLDTBXH", "2024-06", 6)]
    assert {(s["status"], s["version"]) for s in ods} == {("superseded", 1)}  # the .xls is newer
    assert {(s["status"], s["version"], json.dumps(s["reasons"])) for s in xls} == {
        ("accepted", 2, "[]")}
    for template in RAW_COLUMNS:
        from_ods = _rows(url, template, [s["submission_id"] for s in ods
                                         if s["template"] == template])
        from_xls = _rows(url, template, [s["submission_id"] for s in xls
                                         if s["template"] == template])
        assert from_ods == from_xls and from_xls, template
    (project,) = _rows(url, "disbursement", [s["submission_id"] for s in xls])
    assert (project["annual_plan_vnd"], project["ytd_disbursed_vnd"]) == (45_000_000_000,
                                                                         18_432_250_000)
    tasks = _rows(url, "tasks", [s["submission_id"] for s in xls])
    assert tasks[0]["completed_date"] == dt.date(2024, 5, 28)
    assert tasks[3]["status"] == "delayed"
