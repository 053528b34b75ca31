"""Settings, read only from the environment (see .env.example).

Every path planwatch writes to derives from ``Settings.home`` so that tests can
point a whole run at a temporary folder with ``PLANWATCH_HOME``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _project_root() -> Path:
    """The source tree (dbt project, expectations, DAGs): the repository root."""
    env = os.environ.get("PLANWATCH_PROJECT_DIR")
    if env:
        return Path(env).resolve()
    candidate = PACKAGE_DIR.parents[1]
    if (candidate / "dbt_project").is_dir():
        return candidate
    return Path.cwd()


@dataclass(frozen=True)
class Settings:
    project_dir: Path
    home: Path
    warehouse_url: str | None
    deadline_day: int
    grace_days: int
    timezone: str
    parse_memory_mb: int
    parse_timeout_s: int
    max_file_mb: int
    batch_files: int = 25  # files an ingest task takes at once
    poll_minutes: int = 3  # how often the service looks for new files

    @cached_property
    def state_dir(self) -> Path:
        """Runtime state kept between runs (embedded PostgreSQL, Airflow home)."""
        return self.home / ".planwatch"

    @cached_property
    def data_dir(self) -> Path:
        return self.home / "data"

    @property
    def inbox_dir(self) -> Path:
        return self.data_dir / "inbox"

    @property
    def archive_dir(self) -> Path:
        return self.data_dir / "archive"

    @property
    def quarantine_dir(self) -> Path:
        return self.data_dir / "quarantine"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"

    @property
    def receipts_dir(self) -> Path:
        return self.reports_dir / "receipts"

    @property
    def validations_dir(self) -> Path:
        """GX validation records, one folder per ingest run (for its Data Docs)."""
        return self.reports_dir / "validations"

    @property
    def dbt_project_dir(self) -> Path:
        return self.project_dir / "dbt_project"

    @property
    def seeds_dir(self) -> Path:
        return self.dbt_project_dir / "seeds"

    @property
    def expectations_dir(self) -> Path:
        return self.project_dir / "expectations"

    @property
    def dags_dir(self) -> Path:
        return self.project_dir / "dags"

    @property
    def airflow_home(self) -> Path:
        return self.state_dir / "airflow"

    @property
    def dbt_target_dir(self) -> Path:
        return self.state_dir / "dbt_target"

    @property
    def dbt_manifest(self) -> Path:
        """The manifest the build DAG is rendered from: written only by
        ``planwatch build``/``serve``/``run`` (``dbt.parse_project``), never by
        the dbt tasks it renders, so the DAG processor can always read it."""
        return self.state_dir / "dbt_manifest" / "manifest.json"


def load_settings() -> Settings:
    project_dir = _project_root()
    home = Path(os.environ.get("PLANWATCH_HOME") or project_dir).resolve()
    return Settings(
        project_dir=project_dir,
        home=home,
        warehouse_url=os.environ.get("WAREHOUSE_URL") or None,
        deadline_day=int(os.environ.get("PLANWATCH_DEADLINE_DAY", "20")),
        grace_days=int(os.environ.get("PLANWATCH_GRACE_DAYS", "0")),
        timezone=os.environ.get("PLANWATCH_TIMEZONE", "Asia/Ho_Chi_Minh"),
        parse_memory_mb=int(os.environ.get("PLANWATCH_PARSE_MEMORY_MB", "1024")),
        parse_timeout_s=int(os.environ.get("PLANWATCH_PARSE_TIMEOUT_S", "120")),
        max_file_mb=int(os.environ.get("PLANWATCH_MAX_FILE_MB", "50")),
        batch_files=int(os.environ.get("PLANWATCH_INGEST_BATCH_FILES", "25")),
        poll_minutes=int(os.environ.get("PLANWATCH_INBOX_POLL_MINUTES", "3")),
    )
