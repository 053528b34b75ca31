"""DAG integrity: the DAG files import cleanly and are wired the way the
pipeline relies on (mapped ingest per file, an asset feeding the dbt build)."""

from __future__ import annotations

import json

import pytest

from planwatch.config import Settings
from planwatch.dbt import parse_project
from planwatch.orchestration.submissions_deadline import deadline_events

pytestmark = pytest.mark.airflow
RETRY_DELAY_S = 7


@pytest.fixture(scope="module")
def dagbag(settings: Settings, initialised: str):
    from planwatch.orchestration.airflow_cli import airflow_env

    parse_project(initialised, settings)  # the manifest Cosmos renders from
    with pytest.MonkeyPatch.context() as patch:
        for key, value in airflow_env(initialised, settings).items():
            patch.setenv(key, value)
        patch.setenv("PLANWATCH_INGEST_RETRY_DELAY_S", str(RETRY_DELAY_S))  # not the default
        from airflow.dag_processing.dagbag import DagBag

        yield DagBag(dag_folder=str(settings.dags_dir))


def test_no_import_errors(dagbag) -> None:
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) == {"submissions__ingest", "warehouse__build",
                                   "submissions__deadline"}


def test_file_name_is_dag_id(dagbag) -> None:
    for dag_id, dag in dagbag.dags.items():
        assert dag.fileloc.endswith(f"/{dag_id}.py")


def test_ingest_looks_for_files_every_few_minutes_and_maps_one_task_per_batch(
        dagbag, settings: Settings) -> None:
    dag = dagbag.dags["submissions__ingest"]
    assert dag.schedule == f"*/{settings.poll_minutes} * * * *"  # any day, not only the 20th
    assert dag.max_active_runs == 1
    assert set(dag.task_ids) == {"list_pending_batches", "ingest_batch", "publish"}
    ingest = dag.get_task("ingest_batch")
    assert ingest.upstream_task_ids == {"list_pending_batches"}
    assert type(ingest).__name__.endswith("MappedOperator")
    # A batch whose worker died is tried again, after the configured delay.
    assert (ingest.retries, ingest.retry_delay.total_seconds()) == (2, RETRY_DELAY_S)
    assert [a.name for a in dag.get_task("publish").outlets] == ["planwatch_raw_submissions"]


def test_deadline_runs_after_each_months_deadline_in_local_time_and_records_before_sending(
        dagbag, settings: Settings) -> None:
    dag = dagbag.dags["submissions__deadline"]
    timetable = dag.timetable
    assert type(timetable).__name__ == "EventsTimetable"
    # An hour after each month's deadline, local time: 19/05/2024 is a Sunday,
    # so May 2024's runs on Tuesday the 21st, 20/05 having been the last day.
    assert settings.timezone == "Asia/Ho_Chi_Minh"
    runs = [moment.isoformat() for moment in timetable.event_dates]
    assert "2024-05-21T01:00:00+07:00" in runs and "2024-05-20T01:00:00+07:00" not in runs
    assert len(runs) == len(deadline_events(settings))
    assert dag.max_active_runs == 1 and not dag.catchup
    assert set(dag.task_ids) == {"marts_build", "record_notices", "send_notices",
                                 "issue_briefings"}
    assert _one_cosmos_build_at_a_time(dag.get_task("marts_build"))
    assert dag.get_task("record_notices").upstream_task_ids == {"marts_build"}
    assert dag.get_task("send_notices").upstream_task_ids == {"record_notices"}
    # The month's briefing is read from the marts that build just made.
    assert dag.get_task("issue_briefings").upstream_task_ids == {"marts_build"}
    assert dag.get_task("send_notices").retries == 2


def _one_cosmos_build_at_a_time(task) -> bool:  # type: ignore[no-untyped-def]
    """Cosmos' one ``dbt build`` task, waiting for any other dbt run of the warehouse."""
    from cosmos.operators.local import DbtBuildLocalOperator

    from planwatch.orchestration.warehouse_build import OneAtATimeDbtBuild

    return isinstance(task, DbtBuildLocalOperator) and isinstance(task, OneAtATimeDbtBuild)


def test_a_new_deployment_first_reminds_at_the_next_deadline(dagbag) -> None:
    """Not at once for the deadline already past: nothing is scheduled before now."""
    import pendulum
    from airflow.serialization.serialized_objects import DagSerialization
    from airflow.timetables.base import TimeRestriction

    # As the scheduler sees it: the serialized DAG, its timetable Airflow's own.
    dag = DagSerialization.from_dict(DagSerialization.to_dict(dagbag.dags["submissions__deadline"]))
    first = dag.timetable.next_dagrun_info(
        last_automated_data_interval=None,
        restriction=TimeRestriction(earliest=dag.start_date, latest=None, catchup=dag.catchup))
    now = pendulum.now("UTC")
    assert now < first.run_after <= now.add(days=32)


def _models(settings: Settings) -> set[str]:
    manifest = json.loads(settings.dbt_manifest.read_text())
    return {n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "model"}


def test_build_runs_on_the_asset_as_one_dbt_build(dagbag) -> None:
    """The default: one Cosmos dbt build task (measured as fast as planwatch build)."""
    dag = dagbag.dags["warehouse__build"]
    assert [a.name for a in dag.schedule] == ["planwatch_raw_submissions"]
    assert dag.task_ids == ["dbt_build"]
    assert _one_cosmos_build_at_a_time(dag.get_task("dbt_build"))


def test_the_watcher_mode_renders_every_model_and_tests_after_all(
        settings: Settings, initialised: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from planwatch.orchestration.airflow_cli import airflow_env

    for key, value in airflow_env(initialised, settings).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("PLANWATCH_DBT_EXECUTION_MODE", "watcher")
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(settings.dags_dir / "warehouse__build.py"))
    assert bag.import_errors == {}
    dag = bag.dags["warehouse__build"]
    task_ids = set(dag.task_ids)
    models = _models(settings)
    assert {m for m in models if m.startswith(("dim_", "fct_", "mart_"))} >= {
        "dim_agency", "dim_task", "dim_indicator", "dim_project", "dim_month",
        "fct_task_progress", "fct_indicator_value", "fct_disbursement", "fct_submission",
        "mart_submission_compliance", "mart_disbursement_progress"}
    assert {f"dbt.{m}_run" for m in models} <= task_ids  # every model, marts included
    tests = [t for t in task_ids if t.endswith("_test")]
    assert len(tests) == 1
    # The tests run after every model, not after one of them.
    ancestors = {t.task_id for t in dag.get_task(tests[0]).get_flat_relatives(upstream=True)}
    assert {f"dbt.{m}_run" for m in models} <= ancestors
