"""``planwatch backfill --from YYYY-MM --to YYYY-MM``: past months again, through
the running service's scheduler.

One ``submissions__ingest`` run per month, its ``conf`` naming the month (the
DAG then takes, from every agency's folder, the files whose folder or name give
that month, or none; files already processed are skipped without being read,
so a month runs again safely and costs what changed), one after another; then one
``warehouse__build`` run, which rebuilds the marts whether or not anything was
new. Runs are triggered through the REST API, so they are the scheduler's like
any other: visible in the UI, retried, logged.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from planwatch.config import Settings
from planwatch.orchestration.api import AirflowApi
from planwatch.vocabulary.periods import months_between

INGEST, BUILD = "submissions__ingest", "warehouse__build"


@dataclass(frozen=True)
class BackfillRun:
    dag_id: str
    run_id: str
    state: str
    seconds: float
    period: str | None = None
    published: dict[str, Any] | None = None  # the ingest's counts; None: nothing new


def backfill(settings: Settings, first: str, last: str, *, timeout_s: float = 3600,
             on_run: Callable[[BackfillRun], None] | None = None,
             historical_operator: str | None = None) -> list[BackfillRun]:
    """Ingest each month from ``first`` to ``last``, then build; stops at the first
    run that fails (it is returned, its state ``failed``). ``historical_operator``:
    the runs are that operator's import of old files, dated by their own times."""
    api = AirflowApi.of(settings)
    done: list[BackfillRun] = []

    def run(dag_id: str, conf: dict[str, Any], period: str | None) -> BackfillRun:
        started = time.monotonic()
        run_id = api.trigger(dag_id, conf)
        state = api.wait(dag_id, run_id, timeout_s=timeout_s)["state"]
        published = api.xcom(dag_id, run_id, "publish") if dag_id == INGEST else None
        result = BackfillRun(dag_id, run_id, state, time.monotonic() - started, period,
                             published)
        done.append(result)
        if on_run:
            on_run(result)
        return result

    for period in months_between(first, last):
        conf: dict[str, Any] = {"periods": [period]}
        if historical_operator:
            conf["historical_operator"] = historical_operator
        if run(INGEST, conf, period).state != "success":
            return done
    run(BUILD, {}, None)
    return done
