"""What a build rebuilds, from the plan-months that changed (``warehouse.mart_builds``)."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
import yaml

from planwatch.config import load_settings
from planwatch.warehouse.mart_builds import definition_digest, month_key, slices_var

DBT = Path(__file__).resolve().parents[2] / "dbt_project"


def test_each_plan_is_rebuilt_from_its_earliest_changed_month() -> None:
    changed = [("P1", "2024-05"), ("P2", "2031-02"), ("P1", "2024-03"), ("P1", "2024-07")]
    assert slices_var(changed) == {"plans": {"P1": 202403, "P2": 203102}, "unplaced": False}


def test_a_change_without_a_month_rebuilds_the_plans_whole_year() -> None:
    assert slices_var([("P1", "2024-05"), ("P1", None)]) == {"plans": {"P1": 0},
                                                             "unplaced": False}
    assert month_key(None) == 0 and month_key("2024-12") == 202412


def test_a_file_that_names_no_plan_rebuilds_the_unplaced_rows_only() -> None:
    assert slices_var([(None, None)]) == {"plans": {}, "unplaced": True}
    assert slices_var([]) == {"plans": {}, "unplaced": False}


@pytest.fixture
def project(tmp_path: Path):  # type: ignore[no-untyped-def]
    settings = load_settings()
    copy = tmp_path / "project"
    for part in ("models", "macros"):
        shutil.copytree(settings.dbt_project_dir / part, copy / "dbt_project" / part)
    shutil.copy(settings.dbt_project_dir / "dbt_project.yml", copy / "dbt_project")
    return dataclasses.replace(settings, project_dir=copy)


def test_the_definition_changes_with_a_model_or_a_setting_the_models_read(project) -> None:
    before = definition_digest(project)
    assert definition_digest(project) == before
    assert definition_digest(dataclasses.replace(project, deadline_day=25)) != before
    assert definition_digest(dataclasses.replace(project, poll_minutes=9)) == before
    model = project.dbt_project_dir / "models" / "marts" / "fct_submission.sql"
    model.write_text(model.read_text() + "\n-- changed\n")
    assert definition_digest(project) != before


def test_no_data_test_repeats_a_constraint_postgresql_enforces() -> None:
    """A not_null test on a column whose enforced contract makes it NOT NULL (or
    its primary key) can never fail and costs a node in every build."""
    marts = yaml.safe_load((DBT / "models" / "marts" / "_marts__models.yml").read_text(
        encoding="utf-8"))
    repeated = []
    for model in marts["models"]:
        if not model.get("config", {}).get("contract", {}).get("enforced"):
            continue
        for column in model.get("columns", []):
            kinds = {c["type"] for c in column.get("constraints", [])}
            tests = [t if isinstance(t, str) else next(iter(t))
                     for t in column.get("data_tests", [])]
            if "not_null" in tests and kinds & {"not_null", "primary_key"}:
                repeated.append(f"{model['name']}.{column['name']}")
    assert repeated == []


def _source_tests() -> list[tuple[str, str, dict]]:
    """(table, column, test) for every data test on a source column."""
    sources = yaml.safe_load((DBT / "models" / "staging" / "_staging__sources.yml").read_text(
        encoding="utf-8"))
    found = []
    for source in sources["sources"]:
        for table in source["tables"]:
            for column in table.get("columns", []):
                for test in column.get("data_tests", []):
                    test = {test: {}} if isinstance(test, str) else test
                    found.append((f"{source.get('schema', source['name'])}.{table['name']}",
                                  column["name"], test))
    return found


def test_no_source_test_repeats_a_constraint_the_warehouse_enforces() -> None:
    """raw.* and audit.* are the migrations' tables: a not_null on a NOT NULL
    column, a unique on a key, a relationships test along a foreign key can
    never fail, and each reads a whole table in every build."""
    from planwatch.warehouse.tables import metadata

    repeated = []
    for name, column_name, test in _source_tests():
        column = metadata.tables[name].columns[column_name]
        kind, args = next(iter(test.items()))
        keys = [c.name for c in metadata.tables[name].primary_key.columns]
        to = (args or {}).get("arguments", {})
        if (kind == "not_null" and not column.nullable) or (
                kind == "unique" and (column.unique or keys == [column_name])) or (
                kind == "relationships" and any(
                    to.get("to") == f"source('{fk.column.table.schema}', "
                                    f"'{fk.column.table.name}')"
                    and to.get("field") == fk.column.name for fk in column.foreign_keys)):
            repeated.append(f"{name}.{column_name}: {kind}")
    assert repeated == []
    assert len(_source_tests()) >= 5  # what no constraint holds is still tested


def test_every_model_built_by_slice_has_the_slices_index() -> None:
    """A build finds a slice's rows by plan: without the index it reads the table."""
    models = sorted((DBT / "models").rglob("*.sql"))
    incremental = [m for m in models if "materialized='incremental'" in m.read_text()]
    assert len(incremental) > 20
    assert [m.name for m in incremental if "indexes=slice_indexes()" not in m.read_text()] == []
