"""The ``planwatch`` command line."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from planwatch.config import Settings, load_settings


def _url(settings: Settings) -> str:
    from planwatch.warehouse.db import warehouse_url

    return warehouse_url(settings)


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    from planwatch.warehouse.embedded import EmbeddedPostgres

    if settings.warehouse_url:
        if args.action == "url":
            print(settings.warehouse_url)
        else:
            print("WAREHOUSE_URL is set: planwatch uses that server and does not manage it.")
        return 0
    server = EmbeddedPostgres(settings.state_dir)
    if args.action == "start":
        status = server.start()
    elif args.action == "stop":
        status = server.stop()
    elif args.action == "url":
        print(server.start().url)
        return 0
    else:
        status = server.status()
    state = "running" if status.running else "stopped"
    print(f"embedded PostgreSQL {state}; data {status.data_dir}; url {status.url or '-'}")
    return 0


def cmd_init(args: argparse.Namespace, settings: Settings) -> int:
    from planwatch.warehouse.init import init_warehouse

    init_warehouse(_url(settings), settings)
    print("warehouse ready: schemas raw, audit, staging, intermediate, marts; catalog loaded")
    return 0


def cmd_templates(args: argparse.Namespace, settings: Settings) -> int:
    from planwatch.catalog.seeds import load_catalog
    from planwatch.templates import write_templates

    paths = write_templates(load_catalog(settings.seeds_dir), args.period, Path(args.out))
    print(f"{len(paths)} template(s) written to {args.out}")
    return 0


def cmd_demo_data(args: argparse.Namespace, settings: Settings) -> int:
    from planwatch.catalog.seeds import load_catalog
    from planwatch.demo_data import write_demo_year

    out = Path(args.out) if args.out else settings.inbox_dir
    manifest = write_demo_year(load_catalog(settings.seeds_dir), args.year, out)
    print(f"{len(manifest.files)} demo file(s) for {args.year} written to {out}")
    return 0


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from planwatch.ingest.pipeline import Ingestor

    inbox = Path(args.inbox) if args.inbox else settings.inbox_dir
    if not inbox.is_dir():
        print(f"inbox not found: {inbox}", file=sys.stderr)
        return 2
    report = Ingestor(settings, _url(settings)).ingest_inbox(inbox)
    print(report.summary())
    print(f"receipts: {settings.receipts_dir}\nquarantine: {settings.quarantine_dir}")
    return 0


def cmd_build(args: argparse.Namespace, settings: Settings) -> int:
    from planwatch.build import build_marts, generate_docs

    url = _url(settings)
    build_marts(url, settings)
    print(f"dbt docs: {generate_docs(url, settings)}")
    return 0


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    from planwatch.reporting.summary import print_summary

    print_summary(_url(settings), settings)
    return 0


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from planwatch.orchestration.run import run_demo_year

    run_demo_year(settings, year=args.year, months=args.months)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="planwatch", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="the embedded PostgreSQL (when WAREHOUSE_URL is unset)")
    db.add_argument("action", choices=["start", "stop", "status", "url"])
    db.set_defaults(func=cmd_db)

    sub.add_parser("init", help="schemas, tables, roles and plan catalog (idempotent)"
                   ).set_defaults(func=cmd_init)

    templates = sub.add_parser("templates", help="one pre-filled workbook per agency")
    templates.add_argument("--period", required=True, help="YYYY-MM")
    templates.add_argument("--out", required=True)
    templates.set_defaults(func=cmd_templates)

    demo = sub.add_parser("demo-data", help="a deterministic year of demo submissions")
    demo.add_argument("--year", type=int, default=2024)
    demo.add_argument("--out", help="default: data/inbox")
    demo.set_defaults(func=cmd_demo_data)

    ingest = sub.add_parser("ingest", help="process every pending file in an inbox")
    ingest.add_argument("--inbox", help="default: data/inbox")
    ingest.set_defaults(func=cmd_ingest)

    sub.add_parser("build", help="dbt build of the marts, and dbt docs").set_defaults(
        func=cmd_build)
    sub.add_parser("report", help="print the monitoring summary").set_defaults(func=cmd_report)

    run = sub.add_parser("run", help="demo year end to end through Airflow")
    run.add_argument("--year", type=int, default=2024)
    run.add_argument("--months", type=int, default=12, help="how many months, from January")
    run.set_defaults(func=cmd_run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    started = time.monotonic()
    code = int(args.func(args, load_settings()) or 0)
    if args.verbose:
        print(f"done in {time.monotonic() - started:.1f} s")
    return code


if __name__ == "__main__":
    sys.exit(main())
