"""On a whole demo year, every rule across months fires on the files the demo
meant it for and on no other (the manifest's ``checks``), and tells the clerk
what was reported before and in which file."""

from __future__ import annotations

import json
from collections import defaultdict

import psycopg
import pytest
from fixtures.outcomes import assert_loaded_once, assert_outcomes

from planwatch.demo.history_cases import HISTORY_CASES
from planwatch.quality.rules import HISTORY_RULES

pytestmark = pytest.mark.integration

RULES = sorted({code for case in HISTORY_CASES.values() for code in case.fires})


def _fired(url: str) -> dict[str, dict[str, list[dict]]]:
    """rule code -> inbox path -> the problems of that rule found in the file."""
    out: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    with psycopg.connect(url) as conn:
        for path, problem in conn.execute(
                "select inbox_path, p from audit.submissions s,"
                " jsonb_array_elements(s.reasons) p where p->>'code' = any(%s)", (RULES,)):
            out[problem["code"]][path].append(problem)
    return out


def test_every_file_has_its_outcome_over_the_whole_year(demo_year) -> None:
    settings, url, manifest = demo_year
    assert_outcomes(url, manifest.files)
    assert_loaded_once(url, settings, manifest.files)


@pytest.mark.parametrize("rule", RULES)
def test_each_rule_fires_where_the_demo_put_it_and_nowhere_else(demo_year, rule: str) -> None:
    _, url, manifest = demo_year
    meant = {f.path for f in manifest.files if rule in f.checks}
    assert meant, f"the demo year has no case for {rule}"
    assert set(_fired(url)[rule]) == meant


def test_a_rule_against_history_names_the_earlier_value_and_its_file(demo_year) -> None:
    settings, url, manifest = demo_year
    fired = _fired(url)
    compared = [r.code for rules in HISTORY_RULES.values() for r in rules
                if "earlier_column" in r.meta]
    assert len(compared) >= 7
    for rule in compared:
        for path, problems in fired[rule].items():
            (problem,) = problems
            assert problem["earlier_period"] < path[:7], (rule, path)
            assert problem["earlier_file"] and problem["earlier_value"] is not None
            assert problem["row"] and problem["item"]
            with psycopg.connect(url) as conn:
                name, period = conn.execute(
                    "select file_name, period from audit.submissions where submission_id = %s",
                    (problem["earlier_submission_id"],)).fetchone()
            assert (name, period) == (problem["earlier_file"], problem["earlier_period"])
    # The agency reads it in its receipt.
    path, (problem,) = next(iter(fired["ytd_disbursed_decreased"].items()))
    with psycopg.connect(url) as conn:
        (receipt,) = conn.execute("select receipt_path from audit.submissions"
                                  " where inbox_path = %s limit 1", (path,)).fetchone()
    page = (settings.home / receipt).read_text(encoding="utf-8")
    assert "Số liệu kỳ trước" in page and problem["earlier_file"] in page
    data = json.loads((settings.home / receipt).with_suffix(".json").read_text("utf-8"))
    assert any(p.get("earlier_file") == problem["earlier_file"] for p in data["problems"])
