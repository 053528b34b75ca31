"""The dashboards' bundle (bi/bundle) against the marts' dbt contracts: every
dataset is a physical mart whose columns exist, with the contract's type, so a
renamed or dropped column fails here rather than on a dashboard; every chart
and filter names columns and metrics its dataset has; every dashboard places
each chart with its UUID and filters on issuer, year, month and agency; no
password is written in the bundle."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
BUNDLE = REPO / "bi" / "bundle"
MARTS = REPO / "dbt_project" / "models" / "marts" / "_marts__models.yml"
# Superset's type names for the contracts' data types.
TYPES = {"text": "TEXT", "integer": "INTEGER", "bigint": "BIGINT", "numeric": "NUMERIC",
         "boolean": "BOOLEAN"}
FILTERS = {"issuer_name_vi", "plan_year", "period", "agency_short_name_vi"}


def _load(folder: str) -> dict[str, dict]:
    return {p.relative_to(BUNDLE).as_posix(): yaml.safe_load(p.read_text(encoding="utf-8"))
            for p in sorted((BUNDLE / folder).rglob("*.yaml"))}


def _contracts() -> dict[str, dict[str, str]]:
    models = yaml.safe_load(MARTS.read_text(encoding="utf-8"))["models"]
    return {m["name"]: {c["name"]: c["data_type"] for c in m.get("columns", [])}
            for m in models if m.get("config", {}).get("contract", {}).get("enforced")}


DATASETS = _load("datasets")
CHARTS = _load("charts")
DASHBOARDS = _load("dashboards")
BY_UUID = {d["uuid"]: d for d in DATASETS.values()}


def test_the_bundle_holds_five_dashboards_and_their_datasets() -> None:
    assert len(DASHBOARDS) == 5 and DATASETS and CHARTS
    assert (BUNDLE / "metadata.yaml").is_file()


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_each_dataset_is_a_mart_with_the_contracts_columns(name: str) -> None:
    dataset = DATASETS[name]
    contracts = _contracts()
    assert dataset["schema"] == "marts" and not dataset.get("sql"), "a physical mart, no SQL"
    contract = contracts.get(dataset["table_name"])
    assert contract is not None, f"{dataset['table_name']} has no enforced contract"
    for column in dataset["columns"]:
        name_ = column["column_name"]
        assert name_ in contract, f"{dataset['table_name']}.{name_} is not in its contract"
        assert column["type"] == TYPES[contract[name_]], name_
        assert column.get("verbose_name"), f"{name_} has no Vietnamese label"
    for metric in dataset.get("metrics", []):
        used = set(re.findall(r"[a-z_]+", metric["expression"].lower()))
        assert used - {"sum", "count", "avg", "nullif", "numeric"} <= set(contract), metric


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_each_chart_names_what_its_dataset_has(name: str) -> None:
    chart = CHARTS[name]
    dataset = BY_UUID[chart["dataset_uuid"]]
    columns = {c["column_name"] for c in dataset["columns"]}
    metrics = {m["metric_name"] for m in dataset.get("metrics", [])}
    params = chart["params"]
    named = [params.get("x_axis"), *(params.get("all_columns") or [])]
    groupby = params.get("groupby") or []
    named += [groupby] if isinstance(groupby, str) else groupby
    assert {n for n in named if n} <= columns, name
    assert set(params.get("metrics") or [params.get("metric")]) - {None} <= metrics, name
    assert chart["viz_type"] == params["viz_type"]


@pytest.mark.parametrize("name", sorted(DASHBOARDS))
def test_each_dashboard_places_its_charts_and_filters_on_the_four(name: str) -> None:
    dashboard = DASHBOARDS[name]
    charts = {c["uuid"] for c in CHARTS.values()}
    placed = [v["meta"] for v in dashboard["position"].values()
              if isinstance(v, dict) and v.get("type") == "CHART"]
    assert placed and all(m["uuid"] in charts for m in placed)
    filters = dashboard["metadata"]["native_filter_configuration"]
    assert {f["targets"][0]["column"]["name"] for f in filters} == FILTERS
    for f in filters:
        target = BY_UUID[f["targets"][0]["datasetUuid"]]
        assert f["targets"][0]["column"]["name"] in {c["column_name"] for c in target["columns"]}


def test_no_password_in_the_bundle() -> None:
    database = _load("databases")
    for config in database.values():
        assert ":" not in config["sqlalchemy_uri"].split("@")[0].split("//")[1]
        assert "password" not in json.dumps(config).lower()
