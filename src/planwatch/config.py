"""Settings, read only from the environment (see .env.example).

Every path planwatch writes to derives from ``Settings.home`` so that tests can
point a whole run at a temporary folder with ``PLANWATCH_HOME``.
"""

from __future__ import annotations

import dataclasses
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
    deadline_day: int = 20  # submissions are due before this day of the reporting month
    grace_days: int = 0
    # A last day (the day before deadline_day) that is not a working day moves to
    # the next working day (Civil Code 2015, Art. 148(5)); "none" keeps it
    # (vocabulary.calendar.DEADLINE_RULES).
    deadline_rule: str = "next_working_day"
    timezone: str = "Asia/Ho_Chi_Minh"
    parse_memory_mb: int = 1024  # limits for parsing untrusted files (child process)
    parse_timeout_s: int = 120
    max_file_mb: int = 50
    batch_files: int = 25  # files an ingest task takes at once
    # A batch whose worker died is tried again after this long (its files
    # already written are skipped).
    batch_retry_delay_s: int = 30
    poll_minutes: int = 3  # how often the service looks for new files
    # A file is read once nothing has written to it for this long (its ctime, the
    # kernel's, this far in the past): a file still being uploaded is not a submission.
    inbox_quiet_s: int = 60
    airflow_database: str = "airflow"  # the service's metadata database, on the warehouse server
    # Outliers (quality.history): a month's figure more than this robust score
    # from its median over the item's last ``outlier_history`` reports (at least
    # ``outlier_min_history`` of them) is a warning.
    outlier_max_score: float = 3.0
    outlier_history: int = 6
    outlier_min_history: int = 3
    # Where the plan catalogs' CSV files are (plans.csv, plan_agencies.csv, ...);
    # empty: the project's own ``catalog/`` folder.
    catalog_path: str = ""
    # Evidence packs' signing (reporting.evidence_keys): the secret key's file (a
    # mounted secret, mode 0600, never beside the data; empty: packs are unsigned),
    # a file holding its password if it is encrypted, and the published key
    # history (a folder of ``<KEY ID>.pub``; empty: ``<home>/keys``).
    signing_key: str = ""
    signing_key_password_file: str = ""
    public_keys_path: str = ""

    @cached_property
    def state_dir(self) -> Path:
        """Runtime state kept between runs (embedded PostgreSQL, Airflow home)."""
        return self.home / ".planwatch"

    @cached_property
    def data_dir(self) -> Path:
        return self.home / "data"

    @property
    def max_file_bytes(self) -> int:
        """The size limit of a file received (``max_file_mb``): above it, refused unread."""
        return self.max_file_mb * 1024 * 1024

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
        """dbt's seeds: the vocabularies generated from ``planwatch.vocabulary``."""
        return self.dbt_project_dir / "seeds"

    @property
    def catalog_dir(self) -> Path:
        """The plan catalogs (``catalog.seeds``), which ``planwatch init`` loads
        into the warehouse's ``catalog`` tables."""
        return Path(self.catalog_path).resolve() if self.catalog_path else (
            self.project_dir / "catalog")

    @cached_property
    def public_keys_dir(self) -> Path:
        """The published history of evidence packs' public keys (``<KEY ID>.pub``)."""
        return Path(self.public_keys_path).resolve() if self.public_keys_path else (
            self.home / "keys")

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
    def dbt_build_results(self) -> Path:
        """dbt's ``run_results.json`` of the last build of the marts (``planwatch
        build`` or the build DAG), kept apart from the target folder, where any later
        dbt command (``docs generate`` compiles) writes its own; evidence packs copy it."""
        return self.state_dir / "dbt_build" / "run_results.json"

    @property
    def dbt_manifest(self) -> Path:
        """The manifest the build DAG is rendered from: written only by
        ``planwatch build``/``serve``/``run`` (``dbt.parse_project``), never by
        the dbt tasks it renders, so the DAG processor can always read it."""
        return self.state_dir / "dbt_manifest" / "manifest.json"

    @property
    def dbt_parse_cache(self) -> Path:
        """Where the build DAG's dbt keeps its parse of the project between builds
        (Cosmos' cache: ``partial_parse.msgpack``), so that a build reparses only
        what changed instead of the whole project."""
        return self.state_dir / "dbt_parse_cache"


# Settings read from the environment: field -> variable (defaults on Settings).
ENVIRONMENT = {
    "deadline_day": "PLANWATCH_DEADLINE_DAY",
    "grace_days": "PLANWATCH_GRACE_DAYS",
    "deadline_rule": "PLANWATCH_DEADLINE_RULE",
    "timezone": "PLANWATCH_TIMEZONE",
    "parse_memory_mb": "PLANWATCH_PARSE_MEMORY_MB",
    "parse_timeout_s": "PLANWATCH_PARSE_TIMEOUT_S",
    "max_file_mb": "PLANWATCH_MAX_FILE_MB",
    "batch_files": "PLANWATCH_INGEST_BATCH_FILES",
    "batch_retry_delay_s": "PLANWATCH_INGEST_RETRY_DELAY_S",
    "poll_minutes": "PLANWATCH_INBOX_POLL_MINUTES",
    "inbox_quiet_s": "PLANWATCH_INBOX_QUIET_S",
    "airflow_database": "PLANWATCH_AIRFLOW_DATABASE",
    "outlier_max_score": "PLANWATCH_OUTLIER_MAX_SCORE",
    "outlier_history": "PLANWATCH_OUTLIER_HISTORY",
    "outlier_min_history": "PLANWATCH_OUTLIER_MIN_HISTORY",
    "catalog_path": "PLANWATCH_CATALOG_DIR",
}
# Settings of ``planwatch evidence`` and ``planwatch keys`` alone: read like the
# others, but never handed to Airflow's components or dbt (``settings_env``),
# which sign nothing: the signing key's path stays with the command that signs.
SIGNING_ENVIRONMENT = {
    "signing_key": "PLANWATCH_SIGNING_KEY",
    "signing_key_password_file": "PLANWATCH_SIGNING_KEY_PASSWORD_FILE",
    "public_keys_path": "PLANWATCH_PUBLIC_KEYS",
}

_TYPES = {"int": int, "float": float, "str": str}


def load_settings() -> Settings:
    project_dir = _project_root()
    home = Path(os.environ.get("PLANWATCH_HOME") or project_dir).resolve()
    fields = {f.name: f for f in dataclasses.fields(Settings)}
    values = {}
    for name, variable in {**ENVIRONMENT, **SIGNING_ENVIRONMENT}.items():
        given = os.environ.get(variable)
        if given:
            values[name] = _TYPES[str(fields[name].type)](given)
    return Settings(project_dir=project_dir, home=home,
                    warehouse_url=os.environ.get("WAREHOUSE_URL") or None, **values)


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment that makes a child process's ``load_settings()`` equal
    ``settings`` (the warehouse excepted: processes get it as a connection)."""
    return {"PLANWATCH_HOME": str(settings.home),
            "PLANWATCH_PROJECT_DIR": str(settings.project_dir),
            **{variable: str(getattr(settings, name))
               for name, variable in ENVIRONMENT.items()}}
