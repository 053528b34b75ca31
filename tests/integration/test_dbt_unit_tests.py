"""dbt's unit tests: each model's logic on the fixed rows its ``unit_tests:`` give.

A build of the marts leaves them out (``planwatch.dbt.BUILD_EXCLUDE``: they
check the logic, not the data, so they belong to development and CI); here they
run once, as the transformer, on the shared demo year, whose built models give
dbt the columns of every input. Every unit test the YAML defines must have run
and passed: one left out of the run (disabled, misnamed, filtered away) fails
here as surely as a wrong result.
"""

from __future__ import annotations

import json

import pytest
import yaml

from planwatch.dbt import run_dbt
from planwatch.warehouse.roles import role_url

pytestmark = pytest.mark.integration


def _defined(settings) -> set[str]:  # type: ignore[no-untyped-def]
    """model.name of every unit test written in the models' YAML."""
    found = set()
    for path in sorted((settings.dbt_project_dir / "models").rglob("*.yml")):
        for test in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get(
                "unit_tests") or []:
            found.add(f"{test['model']}.{test['name']}")
    return found


def test_every_unit_test_of_the_models_runs_and_passes(demo_year) -> None:
    settings, url, _ = demo_year
    results = settings.dbt_target_dir / "run_results.json"
    results.unlink(missing_ok=True)
    run_dbt(["test", "--select", "test_type:unit"], role_url(settings, url, "transformer"),
            settings)
    ran = json.loads(results.read_text())["results"]
    assert {r["status"] for r in ran} == {"pass"}, [r for r in ran if r["status"] != "pass"]
    names = {r["unique_id"].split(".", 2)[2] for r in ran}
    assert all(r["unique_id"].startswith("unit_test.") for r in ran)
    assert names == _defined(settings) and len(names) >= 11
