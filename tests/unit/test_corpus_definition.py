"""The bad-input corpus itself: complete, consistent, reproducible (no database)."""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter

from fixtures.corpus import CASES, CATALOG, ITEMS, by_name, small_tasks_book

ACCEPTED = {"accepted", "accepted_with_warnings", "superseded"}


def test_at_least_forty_distinct_cases_covering_every_checklist_item() -> None:
    assert len(CASES) >= 40
    assert len({c.name for c in CASES}) == len(CASES)
    assert len({c.path for c in CASES}) == len(CASES)
    covered = Counter(item for c in CASES for item in c.items)
    assert set(ITEMS) - set(covered) == set()
    assert all(c.description for c in CASES)


def test_accepted_cases_never_supersede_each_other() -> None:
    keys = Counter((c.agency, t) for c in CASES if c.expected.status in ACCEPTED
                   for t in c.templates)
    # Only the correction case pair shares its key, on purpose.
    assert {k: n for k, n in keys.items() if n > 1} == {("SNNPTNT", "tasks"): 2}
    assert all(c.agency in CATALOG.agency_by_code for c in CASES
               if c.expected.status in ACCEPTED)


def test_expected_values_name_catalog_codes() -> None:
    lookups = {"tasks": CATALOG.task_by_code, "indicators": CATALOG.indicator_by_code,
               "disbursement": CATALOG.project_by_code}
    for c in CASES:
        for check in c.expected.values:
            assert isinstance(check.key, int) or check.key in lookups[check.template], c.name
            assert check.template in c.expected.rows, c.name


def test_builds_are_reproducible() -> None:
    for c in CASES:
        assert c.build() == c.build(), c.name
    assert by_name("duplicate_same_bytes").build() == by_name("duplicate_original").build()


def test_the_data_sheet_the_broken_cases_edit_is_sheet2() -> None:
    names = zipfile.ZipFile(io.BytesIO(small_tasks_book())).namelist()
    assert [n for n in names if re.match(r"xl/worksheets/sheet\d+\.xml$", n)] == [
        "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"]
