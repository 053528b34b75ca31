"""Builds of the marts that rebuild what changed: ``audit.changed_slices`` and
``audit.mart_builds`` (migration 0007).

A slice is one plan (a plan-year) from one month on: figures carry across
months (year to date, compliance to date), so a change to March rebuilds that
plan's March to December. Whatever changes a plan-month writes it to
``changed_slices`` in its own transaction (``mark_changed``): a file recorded,
a month closed or reopened, a plan given to old submissions. A build
(``build_marts``) takes, under the warehouse's dbt lock:

* those rows, and the plans and months its caller names (``planwatch build
  --plan/--period``, the slices an ingest run announced on its asset event);
* the plan-months whose deadline passed between the last build's as-of and
  this one's (a month with no file turns from "not yet due" to "missing" with
  time alone);

records them in ``mart_build_slices`` for dbt's models to read while they run
(``dbt_project/macros/build_slices.sql``) and, once dbt succeeded, deletes the
rows it took. It builds everything instead
when there is no earlier build or the dbt project or the settings it reads
changed (a release, another deadline day: the tables are then created again,
as with ``--full-refresh``, since a model's columns may have changed), when the
vocabularies (dbt's seeds) were loaded again, or when asked (``--all``); a plan
whose catalog changed is rebuilt whole (``warehouse.catalog_tables``). Each
build is recorded in ``mart_builds``: its as-of, whole or which slices, and why.
A build whose changes include no plan catalog's builds only what reads the
ingested data (``dbt.DATA_MODELS``): the dimensions are as they were.

A build is refused, recording nothing, when it would judge a closed (published)
month by another deadline than its figures were built with: the working-day
calendar or the deadline settings changed (``check_closed_deadlines``). The
month is reopened first, with its reason for the auditor.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import psycopg

from planwatch.config import ENVIRONMENT, Settings
from planwatch.dbt import DATA_MODELS, one_dbt_run, run_build
from planwatch.errors import UserError
from planwatch.vocabulary.calendar import deadline_of

Slice = tuple[str | None, str | None]  # (plan_code, period "YYYY-MM"); None: not placed

# The cause a plan catalog's load or removal records (``warehouse.catalog_tables``).
CATALOG_CHANGE = "plan catalog"

# The settings dbt's models read (dbt_project.yml's vars): another value changes
# every month's figures, so the next build is whole.
DBT_SETTINGS = ("deadline_day", "deadline_rule", "grace_days", "timezone")
assert set(DBT_SETTINGS) <= set(ENVIRONMENT)

_DEADLINES_CROSSED = """
select plans.plan_code, months.period
from marts.dim_month as months
join marts.dim_plan as plans on plans.plan_year = months.year
where plans.plan_key <> -1
  and months.on_time_before_at > least(%(then)s::timestamptz, %(now)s::timestamptz)
  and months.on_time_before_at <= greatest(%(then)s::timestamptz, %(now)s::timestamptz)
"""


# The deadline each month's figures were last built with (what a closed month
# was published by).
_BUILT_DEADLINES = """
select period, on_time_before_at from marts.dim_month where period = any(%s)
"""


class ClosedMonthDeadlineMoved(UserError):
    """A build would judge a closed month by another deadline than its figures
    were published with."""


def check_closed_deadlines(conn: psycopg.Connection, settings: Settings) -> None:
    """Refuse a build that would move the deadline of a closed (published) month:
    the working-day calendar or the deadline settings changed since its figures
    were built, and its compliance would change with no trace. Reopening the
    month (with the reason, for the auditor) lets the build run."""
    from planwatch.warehouse import periods  # which records its events' changes here

    closed = periods.closed(conn)
    if not closed or conn.execute("select to_regclass('marts.dim_month')").fetchone()[0] is None:
        return
    built = dict(conn.execute(_BUILT_DEADLINES, (sorted({m for _, m in closed}),)).fetchall())
    moved = [(plan, period, built[period], deadline_of(period, settings).on_time_before_at)
             for plan, period in closed if period in built]
    moved = [m for m in moved if m[2] != m[3]]
    if moved:
        zone = ZoneInfo(settings.timezone)
        lines = "\n".join(f"  {plan} {period}: on time before"
                          f" {before.astimezone(zone).isoformat()} when published,"
                          f" {after.astimezone(zone).isoformat()} now"
                          for plan, period, before, after in moved)
        raise ClosedMonthDeadlineMoved(
            "build refused: the deadline of a closed month would move (the working-day "
            "calendar or the deadline settings changed since it was published):\n"
            f"{lines}\nReopen each (planwatch period reopen YYYY-MM --plan CODE --reason ...),"
            " build, and close it again.")


def mark_changed(conn: psycopg.Connection, slices: Iterable[Slice], cause: str) -> None:
    """Record that these plan-months' figures changed; the caller's transaction
    commits (with the change itself, so that neither is kept without the other)."""
    rows = sorted({(plan, period) for plan, period in slices},
                  key=lambda s: (s[0] or "", s[1] or ""))
    if rows:
        with conn.cursor() as cur:
            cur.executemany("insert into audit.changed_slices (plan_code, period, cause)"
                            " values (%s, %s, %s)", [(*row, cause) for row in rows])


def month_key(period: str | None) -> int:
    """'2024-03' -> 202403; no period: 0, the plan's whole year."""
    return int(period.replace("-", "")) if period else 0


def slices_var(slices: Iterable[Slice]) -> dict[str, Any]:
    """What a build rebuilds: each plan from its earliest changed month on, and
    whether submissions that name no plan or period changed."""
    plans: dict[str, int] = {}
    unplaced = False
    for plan, period in slices:
        if plan is None:
            unplaced = True
            continue
        key = month_key(period)
        plans[plan] = min(plans.get(plan, key), key)
    return {"plans": dict(sorted(plans.items())), "unplaced": unplaced}


def definition_digest(settings: Settings) -> str:
    """SHA-256 of what decides the marts' rows besides the data: the dbt project
    (dbt_project.yml, models, macros) and the settings its models read."""
    digest = hashlib.sha256()
    project = settings.dbt_project_dir
    paths = [project / "dbt_project.yml",
             *sorted(p for part in ("models", "macros") for p in (project / part).rglob("*")
                     if p.is_file())]
    for path in paths:
        digest.update(str(path.relative_to(project)).encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(json.dumps({name: str(getattr(settings, name)) for name in DBT_SETTINGS},
                             sort_keys=True).encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class BuildPlan:
    """What one build rebuilds: everything (``slices`` None, and why), or slices."""

    build_id: int
    as_of: datetime
    slices: dict[str, Any] | None
    reason: str
    full_refresh: bool
    change_ids: tuple[int, ...]
    catalog_changed: bool = True  # False: only what reads ingested data is built

    @property
    def select(self) -> tuple[str, ...]:
        """The nodes dbt builds (empty: every one)."""
        return () if self.catalog_changed else DATA_MODELS

    def describe(self) -> str:
        if self.slices is None:
            return f"the whole warehouse ({self.reason})"
        plans = self.slices["plans"]
        parts = [f"{plan} from {key % 100:02d}/{key // 100}" if key else f"{plan} (whole year)"
                 for plan, key in plans.items()]
        if self.slices["unplaced"]:
            parts.append("files that name no plan or period")
        kept = "" if self.catalog_changed else "; catalogs unchanged, dimensions kept"
        return (f"{len(plans)} plan(s): {', '.join(parts) or 'nothing changed'}"
                f" ({self.reason}{kept})")


def plan_build(conn: psycopg.Connection, settings: Settings, *, as_of: datetime | None = None,
               named: Iterable[Slice] = (), whole: bool = False,
               full_refresh: bool = False) -> BuildPlan:
    """Decide what the next build rebuilds and record it as started (autocommit
    connection, so that dbt's connections see it; the caller holds the dbt lock)."""
    named = list(named)
    check_closed_deadlines(conn, settings)
    (now,) = conn.execute("select coalesce(%s::timestamptz, now())", (as_of,)).fetchone()
    definition = definition_digest(settings)
    (catalog,) = conn.execute("select max(load_id) from audit.catalog_loads").fetchone()
    last = conn.execute(
        """select as_of, definition_sha256, catalog_load_id from audit.mart_builds
           where succeeded order by build_id desc limit 1""").fetchone()
    changes = conn.execute(
        "select change_id, plan_code, period, cause from audit.changed_slices order by change_id"
    ).fetchall()
    # A first build (the tables may be an earlier release's) and a new definition
    # (a model's columns may have changed) recreate the tables: dbt's incremental
    # models refuse rows whose columns differ from the table's.
    recreate = last is None or last[1] != definition
    full_refresh = full_refresh or recreate
    reason = ("first build" if last is None
              else "the dbt project or its settings changed" if last[1] != definition
              else "asked for a full refresh" if full_refresh
              else "asked for everything" if whole
              else "the vocabularies were loaded again" if last[2] != catalog
              else None)
    slices: dict[str, Any] | None = None
    if reason is None:
        crossed = conn.execute(_DEADLINES_CROSSED, {"then": last[0], "now": now}).fetchall()
        changed = [(plan, period) for _, plan, period, _ in changes]
        slices = slices_var([*changed, *crossed, *named])
        reason = (f"{len(changes)} change(s) recorded, {len(crossed)} deadline(s) passed,"
                  f" {len(named)} named")
    # A build that never finished (its process killed) ended there.
    conn.execute("update audit.mart_builds set finished_at = now(), succeeded = false"
                 " where finished_at is null")
    (build_id,) = conn.execute(
        """insert into audit.mart_builds
               (as_of, is_whole, reason, definition_sha256, catalog_load_id)
           values (%s, %s, %s, %s, %s) returning build_id""",
        (now, slices is None, reason, definition, catalog)).fetchone()
    if slices is not None:
        rows = [(build_id, plan, key) for plan, key in slices["plans"].items()]
        rows += [(build_id, None, 0)] if slices["unplaced"] else []
        with conn.cursor() as cur:
            cur.executemany("insert into audit.mart_build_slices (build_id, slice_plan_code,"
                            " slice_from_month_key) values (%s, %s, %s)", rows)
    catalog_changed = slices is None or any(
        cause.startswith(CATALOG_CHANGE) for *_, cause in changes)
    return BuildPlan(build_id, now, slices, reason, full_refresh,
                     tuple(change_id for change_id, *_ in changes), catalog_changed)


def marts_up_to_date(conn: psycopg.Connection) -> bool:
    """The latest build succeeded and nothing changed since (deadlines aside)."""
    latest = conn.execute("select succeeded from audit.mart_builds"
                          " order by build_id desc limit 1").fetchone()
    pending = conn.execute("select exists (select from audit.changed_slices)").fetchone()[0]
    return bool(latest and latest[0]) and not pending


def finish_build(conn: psycopg.Connection, plan: BuildPlan, *, succeeded: bool) -> None:
    """Record how the build ended; once it succeeded, the changes it took are built."""
    with conn.transaction():
        if succeeded:
            conn.execute("delete from audit.changed_slices where change_id = any(%s)",
                         (list(plan.change_ids),))
        conn.execute("update audit.mart_builds set finished_at = now(), succeeded = %s"
                     " where build_id = %s", (succeeded, plan.build_id))


@contextmanager
def planned_build(url: str, settings: Settings, **how: Any) -> Iterator[BuildPlan]:
    """Under the warehouse's dbt lock: a build planned, the body running dbt with
    it, and its end recorded (a failure leaves the changes for the next build)."""
    with one_dbt_run(url), psycopg.connect(url, autocommit=True,
                                           application_name="planwatch build") as conn:
        plan = plan_build(conn, settings, **how)
        try:
            yield plan
        except BaseException:
            finish_build(conn, plan, succeeded=False)
            raise
        finish_build(conn, plan, succeeded=True)


def build_marts(url: str, settings: Settings, *, as_of: datetime | None = None,
                named: Iterable[Slice] = (), whole: bool = False,
                full_refresh: bool = False) -> BuildPlan:
    """``dbt build`` of what changed (module docstring); compliance judged at
    ``as_of`` (default: the warehouse's clock when the build starts)."""
    with planned_build(url, settings, as_of=as_of, named=list(named), whole=whole,
                       full_refresh=full_refresh) as plan:
        run_build(url, settings, full_refresh=plan.full_refresh, select=plan.select)
    return plan
