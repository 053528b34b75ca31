"""Running dbt against the warehouse: connection settings go in as env vars
that ``dbt_project/profiles.yml`` reads, so nothing secret is written down."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

from planwatch.config import Settings


def dbt_env(url: str, settings: Settings) -> dict[str, str]:
    parsed = urlparse(url)
    env = dict(os.environ)
    env.update(
        PLANWATCH_DB_HOST=parsed.hostname or "127.0.0.1",
        PLANWATCH_DB_PORT=str(parsed.port or 5432),
        PLANWATCH_DB_USER=unquote(parsed.username or "postgres"),
        PLANWATCH_DB_PASSWORD=unquote(parsed.password or ""),
        PLANWATCH_DB_NAME=parsed.path.lstrip("/") or "postgres",
        PLANWATCH_DEADLINE_DAY=str(settings.deadline_day),
        PLANWATCH_GRACE_DAYS=str(settings.grace_days),
        DBT_PROFILES_DIR=str(settings.dbt_project_dir),
        DBT_PROJECT_DIR=str(settings.dbt_project_dir),
        DBT_TARGET_PATH=str(settings.dbt_target_dir),
        DBT_LOG_PATH=str(settings.state_dir / "dbt_logs"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    return env


def dbt_executable() -> str:
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


def run_dbt(args: list[str], url: str, settings: Settings) -> None:
    """Run one dbt command; its own progress output goes to the terminal."""
    subprocess.run([dbt_executable(), *args], env=dbt_env(url, settings),
                   cwd=settings.dbt_project_dir, check=True)
