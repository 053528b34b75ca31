"""The ``planwatch`` command line."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from datetime import datetime
from pathlib import Path

from planwatch.config import Settings, load_settings


def _period(text: str) -> str:
    from planwatch.vocabulary.periods import is_period

    if not is_period(text):
        raise argparse.ArgumentTypeError(f"a month is YYYY-MM, not {text!r}")
    return text


def _moment(text: str) -> datetime:
    """An instant: ISO 8601 with its UTC offset (a time without one is ambiguous)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} has no UTC offset: write it as e.g. 2024-03-21T00:00:00+07:00")
    return moment


def _url(settings: Settings, role: str | None = None) -> str:
    """The warehouse URL: its owner's (init, migrations), or a role's."""
    from planwatch.warehouse.db import warehouse_url

    url = warehouse_url(settings)
    if role is None:
        return url
    from planwatch.warehouse.roles import role_url

    return role_url(settings, url, role)


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    from planwatch.warehouse.embedded import EmbeddedPostgres

    if args.action == "url":
        print(_url(settings, getattr(args, "role", None)))
        return 0
    if settings.warehouse_url:
        print("WAREHOUSE_URL is set: planwatch uses that server and does not manage it.")
        return 0
    server = EmbeddedPostgres(settings.state_dir)
    if args.action == "start":
        status = server.start()
    elif args.action == "stop":
        status = server.stop()
    else:
        status = server.status()
    state = "running" if status.running else "stopped"
    print(f"embedded PostgreSQL {state}; data {status.data_dir}; url {status.url or '-'}")
    return 0


def cmd_db_revision(args: argparse.Namespace, settings: Settings) -> int:
    from planwatch.warehouse.migrate import revision

    for path in revision(_url(settings), args.message):
        print(f"migration written: {path}")
    return 0


def cmd_init(args: argparse.Namespace, settings: Settings) -> int:
    from planwatch.catalog import load_catalogs
    from planwatch.warehouse.init import init_warehouse

    init_warehouse(_url(settings), settings)
    plans = ", ".join(c.plan_code for c in load_catalogs(settings.catalog_dir))
    print("warehouse ready: schemas raw, audit, staging, intermediate, marts at the newest "
          f"migration; plan catalogs loaded: {plans}; inbox folders under {settings.inbox_dir}")
    return 0


def cmd_inbox_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from planwatch.flow.inbox_migrate import migrate

    print("\n".join(migrate(_url(settings), Path(args.inbox or settings.inbox_dir), settings)))
    return 0


def _plan_for_period(settings: Settings, period: str, plan_code: str | None):  # type: ignore[no-untyped-def]
    """The plan a period's templates are for: the one named, else the only plan
    of that year."""
    from planwatch.catalog import CatalogError, load_catalogs

    catalogs = load_catalogs(settings.catalog_dir)
    if plan_code:
        return catalogs.get(plan_code)
    found = [c for c in catalogs if c.plan.covers(period)]
    if len(found) != 1:
        names = ", ".join(c.plan_code for c in found) or "none"
        raise CatalogError(f"{len(found)} plans cover {period} ({names}): name one with --plan")
    return found[0]


def _plans_of_period(settings: Settings, period: str | None, plan_code: str | None):  # type: ignore[no-untyped-def]
    """The plans a ``period`` command is about: the one named (covering the month),
    else every plan of the catalog that covers it (every plan, without a month)."""
    from planwatch.catalog import load_catalogs
    from planwatch.errors import UserError

    catalogs = load_catalogs(settings.catalog_dir)
    if plan_code:
        catalog = catalogs.get(plan_code)
        if period and not catalog.plan.covers(period):
            raise UserError(f"plan {plan_code} is the plan of {catalog.plan.year}, "
                            f"not of {period}")
        return [catalog]
    found = [c for c in catalogs if period is None or c.plan.covers(period)]
    if not found:
        raise UserError(f"no plan of the catalog covers {period} (plans: "
                        + ", ".join(c.plan_code for c in catalogs) + ")")
    return found


def cmd_period(args: argparse.Namespace, settings: Settings) -> int:
    from zoneinfo import ZoneInfo

    import psycopg

    from planwatch.warehouse import periods

    catalogs = _plans_of_period(settings, args.period, args.plan)
    tz = ZoneInfo(settings.timezone)
    if args.action == "status":
        from planwatch.reporting.periods import print_status

        keys = [(c.plan_code, p) for c in catalogs for p in (
            [args.period] if args.period else c.plan.periods)]
        print_status(_url(settings, "auditor"), keys, detailed=bool(args.period), tz=tz)
        return 0
    actor = periods.actor_name(args.by)
    with psycopg.connect(_url(settings, "loader")) as conn:
        for catalog in catalogs:
            try:
                if args.action == "close":
                    event = periods.close(conn, catalog.plan_code, args.period, actor=actor)
                else:
                    event = periods.reopen(conn, catalog.plan_code, args.period, actor=actor,
                                           reason=args.reason)
            except periods.PeriodUnchanged as unchanged:  # the state asked for holds already
                print(f"{unchanged.state.describe(tz)}; nothing recorded")
                continue
            done = "closed" if event.action == periods.CLOSE else "reopened"
            print(f"{event.plan_code} {event.period} {done} at "
                  f"{event.occurred_at.astimezone(tz):%Y-%m-%d %H:%M %z} by {event.actor}")
    return 0


def cmd_templates(args: argparse.Namespace, settings: Settings) -> int:
    from planwatch.workbooks.templates import write_templates

    catalog = _plan_for_period(settings, args.period, args.plan)
    paths = write_templates(catalog, args.period, Path(args.out))
    print(f"{len(paths)} template(s) of plan {catalog.plan_code} written to {args.out}")
    return 0


def cmd_demo_data(args: argparse.Namespace, settings: Settings) -> int:
    from planwatch.demo.cases import Calendar
    from planwatch.demo.manifest import manifest_path
    from planwatch.demo.run import demo_plan
    from planwatch.demo.year import write_demo_year

    if args.plans:
        return _national_demo(args, settings)
    out = Path(args.out) if args.out else settings.inbox_dir
    catalog = demo_plan(settings, args.plan)
    manifest = write_demo_year(catalog, out, calendar=Calendar.configured(settings))
    print(f"{len(manifest.files)} demo file(s) of plan {catalog.plan_code} "
          f"({catalog.plan.year}) written to {out}; manifest {manifest_path(out)}")
    return 0


def _national_demo(args: argparse.Namespace, settings: Settings) -> int:
    from planwatch.catalog import load_catalogs
    from planwatch.demo.cases import Calendar
    from planwatch.demo.national import write_national_demo

    out = Path(args.out) if args.out else settings.data_dir / "national"
    demo = write_national_demo(
        load_catalogs(settings.catalog_dir), out, plans=args.plans, years=args.years,
        calendar=Calendar.configured(settings), base_plan=args.plan, workers=args.workers,
        progress=lambda text: print(text, file=sys.stderr, flush=True))
    print(f"{len(demo.manifests)} synthetic plan-year(s) ({demo.written} written now): "
          f"catalog {demo.catalog_dir}, files {demo.inbox_dir}, manifests "
          f"{demo.manifests[0].parent}\nto use them: PLANWATCH_CATALOG_DIR={demo.catalog_dir} "
          f"planwatch init && planwatch ingest --inbox {demo.inbox_dir}")
    return 0


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from planwatch.flow.ingestor import Ingestor

    inbox = Path(args.inbox) if args.inbox else settings.inbox_dir
    if not inbox.is_dir():
        print(f"inbox not found: {inbox}", file=sys.stderr)
        return 2
    report = Ingestor(settings, _url(settings, "loader")).ingest_inbox(inbox)
    print(report.summary())
    print(f"receipts: {settings.receipts_dir}\nquarantine: {settings.quarantine_dir}")
    return 0


def cmd_build(args: argparse.Namespace, settings: Settings) -> int:
    from planwatch.dbt import generate_docs
    from planwatch.warehouse.mart_builds import build_marts

    if args.period and not args.plan:
        print("--period needs --plan (the plan whose months to rebuild)", file=sys.stderr)
        return 2
    url = _url(settings, "transformer")
    named = [(plan, args.period) for plan in args.plan or ()]
    plan = build_marts(url, settings, as_of=args.as_of, named=named, whole=args.all,
                       full_refresh=args.full_refresh)
    print(f"built: {plan.describe()}, as of {plan.as_of.isoformat()}")
    print(f"dbt docs: {generate_docs(url, settings)}")
    return 0


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    from planwatch.reporting.summary import print_summary

    print_summary(_url(settings, "auditor"), settings)
    return 0


def cmd_audit_report(args: argparse.Namespace, settings: Settings) -> int:
    from planwatch.reporting.auditor_report import write_auditor_reports

    written = write_auditor_reports(settings, _url(settings, "auditor"), plan_code=args.plan,
                                    periods=[args.period] if args.period else None)
    print(f"auditor's report: {len(written.pages)} month page(s) written; "
          f"index {written.index}")
    return 0


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from planwatch.demo.run import run_demo_year

    run_demo_year(settings, plan_code=args.plan, months=args.months)
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import os

    from planwatch.orchestration import service

    if args.action == "start":
        from planwatch.dbt import parse_project
        from planwatch.warehouse.init import init_warehouse

        url = _url(settings)

        def prepare() -> None:
            init_warehouse(url, settings)
            parse_project(url, settings)

        state = service.start(settings, url, celery_workers=args.celery_workers,
                              broker_url=os.environ.get("PLANWATCH_BROKER_URL"),
                              prepare=prepare)
    elif args.action == "stop":
        state = service.stop(settings)
    else:
        state = service.status(settings)
    print(f"Airflow {'running' if state.running else 'stopped'}"
          f"{f' at {state.url}' if state.running else ''} ({state.executor or '-'})")
    print(f"  admin password: in {state.credentials} (user {service.ADMIN})")
    for c in state.components:
        print(f"  {c.name:14} pid {c.pid or '-':>7}  {c.health}")
    print(f"  logs: {settings.airflow_home / 'logs'}")
    return 0 if state.running or args.action == "stop" else 1


def cmd_backfill(args: argparse.Namespace, settings: Settings) -> int:
    from planwatch.orchestration.backfill import BackfillRun, backfill

    def show(run: BackfillRun) -> None:
        what = run.period or "marts"
        new = ""
        if run.period and run.state == "success":
            files = (run.published or {}).get("files", 0)
            new = f", {files} new file(s)" if files else ", nothing new"
        print(f"  {run.dag_id:20} {what:8} {run.state} in {run.seconds:.0f} s{new}"
              f"  ({run.run_id})", flush=True)

    print(f"backfill {args.first} .. {args.last} through the service's scheduler")
    runs = backfill(settings, args.first, args.last, on_run=show)
    return 0 if runs and all(r.state == "success" for r in runs) else 1


def cmd_evidence(args: argparse.Namespace, settings: Settings) -> int:
    from planwatch.errors import UserError

    if args.verify:
        from planwatch.reporting.evidence_verify import report, verify_pack
        from planwatch.warehouse.db import running_warehouse_url

        if args.agency or args.period or args.out or args.plan:
            raise UserError("--verify takes a pack's folder (and --previous), nothing else")
        folders = [Path(args.verify), *([Path(args.previous)] if args.previous else [])]
        for folder in folders:
            if not folder.is_dir():
                raise UserError(f"no evidence pack at {folder}: not a folder")
        owner = None if args.offline or args.previous else running_warehouse_url(settings)
        checked = verify_pack(folders[0], previous=folders[1] if args.previous else None,
                              url=_url(settings, "auditor") if owner else None,
                              offline_reason="--offline was given" if args.offline else
                              "no warehouse configured or running to read the chain from")
        print(report(checked))
        return 0 if checked.ok else 1
    missing = [f"--{name}" for name in ("agency", "period", "out") if not getattr(args, name)]
    if missing or args.previous or args.offline:
        raise UserError(f"a pack needs --agency, --period and --out (missing: "
                        f"{', '.join(missing) or 'none'}); --previous and --offline go "
                        "with --verify")
    from planwatch.reporting.evidence import write_pack

    pack = write_pack(settings, read_url=_url(settings, "transformer"),
                      record_url=_url(settings, "loader"), agency_code=args.agency.upper(),
                      period=args.period, out=Path(args.out), plan_code=args.plan,
                      created_by=args.by or _login())
    for warning in pack.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(pack.summary())
    return 0


def _login() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="planwatch", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="the embedded PostgreSQL (when WAREHOUSE_URL is unset), "
                                   "and migrations")
    db_actions = db.add_subparsers(dest="action", required=True)
    for action, text in (("start", "start the embedded server"),
                         ("stop", "stop the embedded server"),
                         ("status", "is it running, where")):
        db_actions.add_parser(action, help=text).set_defaults(func=cmd_db)
    db_url = db_actions.add_parser("url", help="the warehouse URL (its owner's, or a role's)")
    db_url.add_argument("--role", choices=["loader", "transformer", "bi_reader", "auditor"],
                        help="the connection that role uses (a BI tool: bi_reader)")
    db_url.set_defaults(func=cmd_db)
    revision = db_actions.add_parser(
        "revision", help="write a migration for what warehouse/tables.py has and the "
                         "warehouse has not (after changing a template spec)")
    revision.add_argument("-m", "--message", required=True)
    revision.set_defaults(func=cmd_db_revision)

    sub.add_parser("init", help="schemas, tables, roles and plan catalog (idempotent)"
                   ).set_defaults(func=cmd_init)

    templates = sub.add_parser("templates", help="one pre-filled workbook per agency")
    templates.add_argument("--period", required=True, help="YYYY-MM")
    templates.add_argument("--out", required=True)
    templates.add_argument("--plan", help="plan code (default: the only plan of that year)")
    templates.set_defaults(func=cmd_templates)

    demo = sub.add_parser("demo-data", help="a deterministic year of demo submissions")
    demo.add_argument("--plan", help="plan code (default: the catalog's only plan)")
    demo.add_argument("--out", help="default: data/inbox (with --plans: data/national)")
    demo.add_argument("--plans", type=int, default=0,
                      help="a national demo: this many synthetic provinces' plans (1-99),"
                           " derived from --plan, each with its own inbox folder")
    demo.add_argument("--years", type=int, default=1,
                      help="with --plans: years of plans per province (from the base year)")
    demo.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                      help="with --plans: processes writing files (default: one per core)")
    demo.set_defaults(func=cmd_demo_data)

    ingest = sub.add_parser("ingest", help="process every pending file in an inbox")
    ingest.add_argument("--inbox", help="default: data/inbox")
    ingest.set_defaults(func=cmd_ingest)
    migrate = sub.add_parser("inbox", help="the inbox's folders").add_subparsers(
        dest="action", required=True).add_parser("migrate", help="files into agencies' folders")
    migrate.add_argument("--inbox", help="default: data/inbox")
    migrate.set_defaults(func=cmd_inbox_migrate)

    serve = sub.add_parser("serve", help="Airflow's components as a service over the warehouse")
    serve.add_argument("action", choices=["start", "stop", "status"])
    serve.add_argument("--celery-workers", type=int, default=None,
                       help="run CeleryExecutor with N workers (broker: PLANWATCH_BROKER_URL)")
    serve.set_defaults(func=cmd_serve)

    backfill = sub.add_parser("backfill", help="ingest past months again, then build the "
                                               "marts, through the running service")
    backfill.add_argument("--from", dest="first", required=True, type=_period,
                          metavar="YYYY-MM")
    backfill.add_argument("--to", dest="last", required=True, type=_period, metavar="YYYY-MM")
    backfill.set_defaults(func=cmd_backfill)

    period = sub.add_parser("period", help="close a month when the Department publishes it, "
                                           "reopen it, and their state")
    period_actions = period.add_subparsers(dest="action", required=True)
    close = period_actions.add_parser("close", help="close a month: files for it are then "
                                                    "restatements")
    reopen = period_actions.add_parser("reopen", help="reopen a closed month (with a reason)")
    reopen.add_argument("--reason", required=True, help="why (recorded for the auditor)")
    status = period_actions.add_parser("status", help="each month closed or open, by whom, "
                                                      "since when; restatements")
    status.add_argument("period", nargs="?", type=_period, metavar="YYYY-MM",
                        help="one month, with its events and restatements (default: all)")
    for action in (close, reopen):
        action.add_argument("period", type=_period, metavar="YYYY-MM")
        action.add_argument("--by", help="who (default: PLANWATCH_ACTOR, else the login name)")
    for action in (close, reopen, status):
        action.add_argument("--plan", help="plan code (default: every plan covering the month)")
        action.set_defaults(func=cmd_period)

    evidence = sub.add_parser("evidence", help="an agency-month's evidence pack for "
                                               "auditors, or --verify one")
    evidence.add_argument("--agency", help="agency code")
    evidence.add_argument("--period", type=_period, metavar="YYYY-MM")
    evidence.add_argument("--out", help="a new folder for the pack")
    evidence.add_argument("--plan", help="plan code (default: the only plan of that year "
                                         "listing the agency)")
    evidence.add_argument("--by", help="who makes the pack (default: the login name)")
    evidence.add_argument("--verify", metavar="DIR", help="check the pack in DIR and its link")
    evidence.add_argument("--previous", metavar="DIR",
                          help="with --verify: the previous pack of the same agency")
    evidence.add_argument("--offline", action="store_true",
                          help="with --verify: do not read the recorded chain")
    evidence.set_defaults(func=cmd_evidence)

    build = sub.add_parser("build", help="dbt build of the marts (what changed), and dbt docs")
    build.add_argument("--as-of", type=_moment, metavar="TIME",
                       help="judge compliance at this moment (ISO 8601 with its offset, e.g. "
                            "2024-03-21T00:00:00+07:00; default: when the build starts)")
    build.add_argument("--plan", action="append", metavar="CODE",
                       help="rebuild this plan too (repeatable), besides what changed")
    build.add_argument("--period", type=_period, metavar="YYYY-MM",
                       help="with --plan: from this month on (default: the whole year)")
    build.add_argument("--all", action="store_true",
                       help="rebuild every plan and month (default: what changed since the "
                            "last build, and the months whose deadline passed)")
    build.add_argument("--full-refresh", action="store_true",
                       help="drop and create the marts' tables again (dbt --full-refresh)")
    build.set_defaults(func=cmd_build)
    sub.add_parser("report", help="print the monitoring summary").set_defaults(func=cmd_report)
    audit = sub.add_parser("audit-report", help="the auditor's report: one HTML page per plan "
                                                "and month, and their index (as the auditor)")
    audit.add_argument("--period", type=_period, metavar="YYYY-MM",
                       help="one month (default: every month with anything owed or received)")
    audit.add_argument("--plan", help="plan code (default: every plan; with --period, every "
                                      "plan covering that month)")
    audit.set_defaults(func=cmd_audit_report)

    run = sub.add_parser("run", help="demo year end to end through Airflow")
    run.add_argument("--plan", help="plan code (default: the catalog's only plan)")
    run.add_argument("--months", type=int, default=12, help="how many months, from January")
    run.set_defaults(func=cmd_run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    from planwatch.errors import UserError

    started = time.monotonic()
    try:
        code = int(args.func(args, load_settings()) or 0)
    # A user's catalog or choice of plan, a service not running: say what, no traceback.
    except UserError as exc:
        print(f"planwatch: {exc}", file=sys.stderr)
        return 2
    if args.verbose:
        print(f"done in {time.monotonic() - started:.1f} s")
    return code


if __name__ == "__main__":
    sys.exit(main())
