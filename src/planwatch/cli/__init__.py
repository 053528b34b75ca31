"""The ``planwatch`` command line."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

from planwatch.cli.common import dating_arg, moment_arg, period_arg, plan_for_period, url_for
from planwatch.cli.records import add_record_commands
from planwatch.config import Settings, load_settings


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    from planwatch.warehouse.embedded import EmbeddedPostgres

    if args.action == "url":  # the one command that prints a password: for scripts
        print(url_for(settings, getattr(args, "role", None)))
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
    from planwatch.warehouse.roles import passwords_location

    for change in status.changes:  # a server of an earlier release, upgraded
        print(f"upgraded: {change}")
    state = "running" if status.running else "stopped"
    print(f"embedded PostgreSQL {state}; data {status.data_dir}; url {status.url or '-'} "
          f"(password: in {status.password_file})")
    print(f"role passwords: {passwords_location(settings)}; a usable connection: "
          "planwatch db url [--role ROLE]")
    return 0


def cmd_db_revision(args: argparse.Namespace, settings: Settings) -> int:
    from planwatch.warehouse.migrate import revision

    for path in revision(url_for(settings), args.message):
        print(f"migration written: {path}")
    return 0


def cmd_init(args: argparse.Namespace, settings: Settings) -> int:
    from planwatch.catalog import load_catalogs
    from planwatch.warehouse.init import init_warehouse

    init_warehouse(url_for(settings), settings)
    plans = ", ".join(c.plan_code for c in load_catalogs(settings.catalog_dir))
    print("warehouse ready: schemas raw, audit, staging, intermediate, marts at the newest "
          f"migration; plan catalogs loaded: {plans}; inbox folders under {settings.inbox_dir}")
    return 0


def cmd_inbox_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from planwatch.flow.inbox_migrate import migrate

    print("\n".join(migrate(url_for(settings), Path(args.inbox or settings.inbox_dir), settings)))
    return 0


def cmd_templates(args: argparse.Namespace, settings: Settings) -> int:
    from planwatch.workbooks.templates import write_templates

    catalog = plan_for_period(settings, args.period, args.plan)
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
    dating = dating_arg(args)
    report = Ingestor(settings, url_for(settings, "loader")).ingest_inbox(inbox, dating=dating)
    print(report.summary())
    print(f"receipts: {settings.receipts_dir}\nquarantine: {settings.quarantine_dir}")
    return 0


def _historical_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--historical", action="store_true", help=(
        "an import of old files, dated by their own modification times, recorded as the "
        "operator's (default: the server's clock when a file is first seen)"))
    parser.add_argument("--operator", help="who runs a --historical import (default: login)")


def cmd_build(args: argparse.Namespace, settings: Settings) -> int:
    from planwatch.dbt import generate_docs
    from planwatch.warehouse.mart_builds import build_marts

    if args.period and not args.plan:
        print("--period needs --plan (the plan whose months to rebuild)", file=sys.stderr)
        return 2
    url = url_for(settings, "transformer")
    named = [(plan, args.period) for plan in args.plan or ()]
    plan = build_marts(url, settings, as_of=args.as_of, named=named, whole=args.all,
                       full_refresh=args.full_refresh)
    print(f"built: {plan.describe()}, as of {plan.as_of.isoformat()}")
    print(f"dbt docs: {generate_docs(url, settings)}")
    return 0


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    from planwatch.reporting.summary import print_summary

    print_summary(url_for(settings, "auditor"), settings)
    return 0


def cmd_audit_report(args: argparse.Namespace, settings: Settings) -> int:
    from planwatch.reporting.auditor_report import write_auditor_reports

    written = write_auditor_reports(settings, url_for(settings, "auditor"), plan_code=args.plan,
                                    periods=[args.period] if args.period else None)
    print(f"auditor's report: {len(written.pages)} month page(s) written; "
          f"index {written.index}")
    return 0


def cmd_briefing(args: argparse.Namespace, settings: Settings) -> int:
    from planwatch.reporting.briefing_archive import issue_briefing

    catalog = plan_for_period(settings, args.period, args.plan)
    issued = issue_briefing(settings, url_for(settings, "bi_reader"), catalog.plan_code,
                            args.period)
    print(issued.said)
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

        url = url_for(settings)

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


def cmd_bi(args: argparse.Namespace, settings: Settings) -> int:
    from planwatch.bi import server as superset

    if args.action == "start" and args.foreground:  # docker-compose.yml's superset service
        import os

        superset.run_foreground(settings, url_for(settings),
                                host=os.environ.get("PLANWATCH_BI_HOST", superset.HOST),
                                port=int(os.environ.get("PLANWATCH_BI_PORT", "8088")))
    if args.action == "start":
        state = superset.start(settings, url_for(settings))
    elif args.action == "stop":
        state = superset.stop(settings)
    else:
        state = superset.status(settings)
    print(f"Superset {'running at ' + str(state.url) if state.running else 'stopped'}")
    print(f"  admin password: in {state.credentials} (user {superset.ADMIN})")
    if state.running:
        for title, address in superset.dashboard_urls(state):
            print(f"  {title}: {address}")
    print(f"  logs: {superset.Paths.of(settings).logs}")
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
    runs = backfill(settings, args.first, args.last, on_run=show,
                    historical_operator=dating_arg(args).operator)
    return 0 if runs and all(r.state == "success" for r in runs) else 1


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
    _historical_arguments(ingest)
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

    bi = sub.add_parser("bi", help="Superset with the dashboards of bi/ over the marts, "
                        "as the BI reader")
    bi.add_argument("action", choices=["start", "stop", "status"])
    bi.add_argument("--foreground", action="store_true",
                    help="run the web server in this process (a container's)")
    bi.set_defaults(func=cmd_bi)

    backfill = sub.add_parser("backfill", help="ingest past months again, then build the "
                                               "marts, through the running service")
    backfill.add_argument("--from", dest="first", required=True, type=period_arg,
                          metavar="YYYY-MM")
    backfill.add_argument("--to", dest="last", required=True, type=period_arg, metavar="YYYY-MM")
    _historical_arguments(backfill)
    backfill.set_defaults(func=cmd_backfill)

    add_record_commands(sub)

    build = sub.add_parser("build", help="dbt build of the marts (what changed), and dbt docs")
    build.add_argument("--as-of", type=moment_arg, metavar="TIME",
                       help="judge compliance at this moment (ISO 8601 with its offset, e.g. "
                            "2024-03-21T00:00:00+07:00; default: when the build starts)")
    build.add_argument("--plan", action="append", metavar="CODE",
                       help="rebuild this plan too (repeatable), besides what changed")
    build.add_argument("--period", type=period_arg, metavar="YYYY-MM",
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
    audit.add_argument("--period", type=period_arg, metavar="YYYY-MM",
                       help="one month (default: every month with anything owed or received)")
    audit.add_argument("--plan", help="plan code (default: every plan; with --period, every "
                                      "plan covering that month)")
    audit.set_defaults(func=cmd_audit_report)

    brief = sub.add_parser("briefing", help="the monthly briefing for leaders: HTML and PDF, "
                                            "archived (as the BI reader)")
    brief.add_argument("--period", type=period_arg, metavar="YYYY-MM", required=True)
    brief.add_argument("--plan", help="plan code (default: the only plan covering the month)")
    brief.set_defaults(func=cmd_briefing)

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
