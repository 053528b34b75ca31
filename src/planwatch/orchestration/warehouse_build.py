"""The ``warehouse__build`` DAG's dbt run, through astronomer-cosmos.

Two ways, chosen by ``PLANWATCH_DBT_EXECUTION_MODE`` (measured on a demo
month, see ``docs/runbook.md``, "Measuring"):

* ``build`` (the default): one Cosmos ``dbt build`` task, models and tests in
  one dbt process with dbt's own threads: as fast as ``planwatch build``;
* ``watcher``: Cosmos' ``ExecutionMode.WATCHER``, one producer ``dbt build``
  and a deferrable sensor task per model (then one task for all tests), for
  model-level visibility in the UI where workers have the cores for it.

In the default mode the build waits while another dbt run writes the warehouse
and rebuilds what changed (``OneAtATimeDbtBuild``, ``warehouse.mart_builds``);
the watcher's producer is Cosmos' own: it neither waits nor records a build, so
its incremental models rebuild every slice (correct, not incremental).

The watcher group is rendered from a pre-built manifest (``LoadMode.DBT_MANIFEST``,
``Settings.dbt_manifest``, which dbt tasks never write) so that parsing the
DAG file never runs dbt. dbt connects as the transformer: Cosmos builds its
profile from that role's Airflow connection.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior
from cosmos.operators.local import DbtBuildLocalOperator
from cosmos.profiles import PostgresUserPasswordProfileMapping

from planwatch.config import Settings, load_settings
from planwatch.dbt import BUILD_EXCLUDE, dbt_executable, keep_build_results
from planwatch.orchestration.connections import CONNECTIONS, warehouse_url_as
from planwatch.warehouse.mart_builds import Slice, planned_build

MODES = ("build", "watcher")


def execution_mode() -> str:
    mode = os.environ.get("PLANWATCH_DBT_EXECUTION_MODE", "build")
    if mode not in MODES:
        raise ValueError(f"PLANWATCH_DBT_EXECUTION_MODE {mode!r} is not one of {MODES}")
    return mode


def _profile(settings: Settings) -> ProfileConfig:
    """dbt's profile, built by Cosmos from the transformer's Airflow connection."""
    return ProfileConfig(
        profile_name="planwatch", target_name="default",
        profile_mapping=PostgresUserPasswordProfileMapping(
            conn_id=CONNECTIONS["transformer"],
            profile_args={"schema": "marts", "threads": 4}))


def keep_run_results(project_dir: str, **_: Any) -> None:
    """Cosmos' callback after its ``dbt build``: the run results left in the task's
    copy of the project kept as the last build's (evidence packs copy them)."""
    keep_build_results(Path(project_dir) / "target", load_settings())


def announced_slices(context: Any) -> list[Slice]:
    """The plan-months the asset events that triggered this run announced."""
    found: list[Slice] = []
    for events in (context.get("triggering_asset_events") or {}).values():
        for event in events:
            found.extend((plan, period) for plan, period in (event.extra or {}).get("slices", ()))
    return found


class OneAtATimeDbtBuild(DbtBuildLocalOperator):
    """Cosmos' ``dbt build`` of what changed (``warehouse.mart_builds``: the
    changes recorded, the deadlines passed, the slices the triggering asset
    events announced), started once no other dbt run is writing the warehouse
    (``planwatch.dbt.one_dbt_run``): the deadline DAG's build and an
    asset-triggered build may be queued together."""

    def execute(self, context: Any, **kwargs: Any) -> None:
        with planned_build(warehouse_url_as("transformer"), load_settings(),
                           named=announced_slices(context)) as plan:
            self.log.info("building %s, as of %s", plan.describe(), plan.as_of.isoformat())
            self.full_refresh = plan.full_refresh
            self.select = list(plan.select) or None
            super().execute(context, **kwargs)


def dbt_build(group_id: str = "dbt"):  # type: ignore[no-untyped-def]
    """The DAG's dbt tasks, in the configured mode."""
    settings = load_settings()
    if execution_mode() == "build":
        return OneAtATimeDbtBuild(
            task_id=f"{group_id}_build",
            project_dir=str(settings.dbt_project_dir),
            profile_config=_profile(settings),
            dbt_executable_path=dbt_executable(),
            invocation_mode=InvocationMode.DBT_RUNNER,
            install_deps=False,
            exclude=list(BUILD_EXCLUDE),
            cache_dir=settings.dbt_parse_cache,
            callback=keep_run_results,
        )
    return DbtTaskGroup(
        group_id=group_id,
        project_config=ProjectConfig(dbt_project_path=settings.dbt_project_dir,
                                     manifest_path=settings.dbt_manifest),
        profile_config=_profile(settings),
        execution_config=ExecutionConfig(execution_mode=ExecutionMode.WATCHER,
                                         invocation_mode=InvocationMode.DBT_RUNNER,
                                         dbt_executable_path=dbt_executable()),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            # The producer builds the models; one task then runs every test: most
            # tests (relationships) span several models.
            test_behavior=TestBehavior.AFTER_ALL,
            exclude=list(BUILD_EXCLUDE),
        ),
        operator_args={"install_deps": False},
    )
