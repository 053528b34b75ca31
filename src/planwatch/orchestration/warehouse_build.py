"""The ``warehouse__build`` DAG's task group: the dbt project through Cosmos,
one task per model.

Rendered from a pre-built manifest (LoadMode.DBT_MANIFEST) so that parsing
the DAG file never runs dbt. Connection settings reach dbt as the
environment variables that ``dbt_project/profiles.yml`` reads.
"""

from __future__ import annotations

from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior

from planwatch.config import load_settings
from planwatch.dbt import dbt_executable


def dbt_build_group(group_id: str = "dbt") -> DbtTaskGroup:
    settings = load_settings()
    return DbtTaskGroup(
        group_id=group_id,
        project_config=ProjectConfig(
            dbt_project_path=settings.dbt_project_dir,
            manifest_path=settings.dbt_target_dir / "manifest.json",
        ),
        profile_config=ProfileConfig(
            profile_name="planwatch",
            target_name="default",
            profiles_yml_filepath=settings.dbt_project_dir / "profiles.yml",
        ),
        execution_config=ExecutionConfig(
            execution_mode=ExecutionMode.LOCAL,
            invocation_mode=InvocationMode.DBT_RUNNER,
            dbt_executable_path=dbt_executable(),
        ),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            # One task per model, then one task for every dbt test: most tests
            # (relationships) span several models, and a task per test would
            # pay dbt's start-up some thirty times.
            test_behavior=TestBehavior.AFTER_ALL,
            exclude=["resource_type:seed"],
        ),
        operator_args={"install_deps": False},
    )
