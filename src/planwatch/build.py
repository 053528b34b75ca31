"""``planwatch build``: dbt build of staging -> intermediate -> marts, then docs."""

from __future__ import annotations

import shutil
from pathlib import Path

from planwatch.config import Settings
from planwatch.dbt_runner import run_dbt


def parse_project(url: str, settings: Settings) -> Path:
    """Write the manifest Cosmos renders the build DAG from."""
    run_dbt(["parse", "--quiet"], url, settings)
    return settings.dbt_target_dir / "manifest.json"


def build_marts(url: str, settings: Settings) -> None:
    run_dbt(["build", "--exclude", "resource_type:seed"], url, settings)


def generate_docs(url: str, settings: Settings) -> Path:
    """dbt docs as one self-contained HTML page under ``data/reports/dbt_docs``."""
    run_dbt(["docs", "generate", "--static", "--quiet"], url, settings)
    out = settings.reports_dir / "dbt_docs"
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(settings.dbt_target_dir / "static_index.html", out / "index.html")
    return out / "index.html"
