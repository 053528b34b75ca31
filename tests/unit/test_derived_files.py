"""Nothing derived from the specs drifts from them.

Generated files (GX suites, dbt vocabulary seeds, the docs' column tables) must
be what ``python -m planwatch.regenerate`` writes; what cannot sensibly be
generated (dbt sources, staging models) must name exactly the columns the
specs and tables give.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from planwatch.regenerate import out_of_date, vocabulary_seeds
from planwatch.vocabulary.templates import EXTRA_COLUMN, RAW_KEY_COLUMNS, SPECS
from planwatch.warehouse.tables import metadata

REPO = Path(__file__).resolve().parents[2]
DBT = REPO / "dbt_project"
STAGING = {"tasks": "stg_raw__tasks", "indicators": "stg_raw__indicators",
           "disbursement": "stg_raw__disbursements"}


def _sources() -> dict[str, list[str]]:
    data = yaml.safe_load((DBT / "models" / "staging" / "_staging__sources.yml").read_text())
    return {f"{source['schema']}.{table['name']}": [c["name"] for c in table.get("columns", [])]
            for source in data["sources"] for table in source["tables"]}


def test_generated_files_are_up_to_date() -> None:
    assert out_of_date(REPO) == [], "run: .venv/bin/python -m planwatch.regenerate"


def test_the_dbt_sources_name_exactly_the_tables_columns() -> None:
    sources = _sources()
    for name, table in metadata.tables.items():
        assert sorted(sources[name]) == sorted(c.name for c in table.columns), name


def test_the_raw_sources_are_the_specs_columns() -> None:
    sources = _sources()
    for template, spec in SPECS.items():
        expected = [c.name for c in (*RAW_KEY_COLUMNS, *spec.raw_columns, EXTRA_COLUMN)]
        assert sorted(sources[f"raw.{template}"]) == sorted(expected), template


def test_every_raw_column_reaches_its_staging_model() -> None:
    for template, model in STAGING.items():
        sql = (DBT / "models" / "staging" / f"{model}.sql").read_text(encoding="utf-8")
        for column in (*RAW_KEY_COLUMNS, *SPECS[template].raw_columns, EXTRA_COLUMN):
            assert re.search(rf"\b{column.name}\b", sql), (model, column.name)


def test_every_vocabulary_seed_is_declared_for_dbt() -> None:
    declared = yaml.safe_load((DBT / "seeds" / "vocabulary" / "_vocabulary__seeds.yml")
                              .read_text(encoding="utf-8"))
    names = {s["name"] for s in declared["seeds"]}
    assert names == {name.removesuffix(".csv") for name in vocabulary_seeds()}
