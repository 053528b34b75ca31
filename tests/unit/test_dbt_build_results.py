"""The run results of the last dbt build are kept where evidence packs find them,
whether the build ran as ``planwatch build`` or in the build DAG (Cosmos' callback)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planwatch.config import load_settings
from planwatch.dbt import keep_build_results


def _target(folder: Path, which: str) -> Path:
    target = folder / "target"
    target.mkdir(parents=True)
    (target / "run_results.json").write_text(json.dumps({"args": {"which": which}}))
    return target


def test_a_build_keeps_its_run_results(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PLANWATCH_HOME", str(tmp_path / "home"))
    settings = load_settings()
    kept = keep_build_results(_target(tmp_path / "a", "build"), settings)
    assert kept == settings.dbt_build_results
    assert json.loads(kept.read_text())["args"]["which"] == "build"
    assert keep_build_results(tmp_path / "nothing", settings) is None
    assert kept.is_file()  # a build that wrote nothing leaves the last one's


def test_the_build_dag_keeps_its_run_results(tmp_path: Path, monkeypatch) -> None:
    pytest.importorskip("cosmos")
    from planwatch.orchestration.warehouse_build import keep_run_results

    monkeypatch.setenv("PLANWATCH_HOME", str(tmp_path / "home"))
    project = tmp_path / "cosmos_tmp_project"
    _target(project, "build")
    keep_run_results(str(project), context={})
    assert load_settings().dbt_build_results.is_file()
