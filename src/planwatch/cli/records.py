"""The commands of the audit trail: close and reopen a month, evidence packs,
the keys that sign them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from planwatch.cli.common import period_arg, plans_of_period, url_for
from planwatch.config import Settings


def cmd_period(args: argparse.Namespace, settings: Settings) -> int:
    from zoneinfo import ZoneInfo

    import psycopg

    from planwatch.warehouse import periods

    catalogs = plans_of_period(settings, args.period, args.plan)
    tz = ZoneInfo(settings.timezone)
    if args.action == "status":
        from planwatch.reporting.periods import print_status

        keys = [(c.plan_code, p) for c in catalogs for p in (
            [args.period] if args.period else c.plan.periods)]
        print_status(url_for(settings, "auditor"), keys, detailed=bool(args.period), tz=tz)
        return 0
    actor = periods.actor_name(args.by)
    with psycopg.connect(url_for(settings, "loader")) as conn:
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


def cmd_evidence(args: argparse.Namespace, settings: Settings) -> int:
    from planwatch.errors import UserError

    if args.verify:
        from planwatch.reporting.evidence_verify import verify_command
        from planwatch.warehouse.db import running_warehouse_url

        if args.agency or args.period or args.out or args.plan:
            raise UserError("--verify takes a pack's folder (and --previous), nothing else")
        online = not (args.offline or args.previous) and running_warehouse_url(settings)
        text, ok = verify_command(settings, Path(args.verify), previous=args.previous,
                                  keys=args.keys, offline=args.offline,
                                  url=url_for(settings, "auditor") if online else None,
                                  require_signature=args.require_signature)
        print(text)
        return 0 if ok else 1
    missing = [f"--{name}" for name in ("agency", "period", "out") if not getattr(args, name)]
    if missing or args.previous or args.offline or args.keys or args.require_signature:
        raise UserError(f"a pack needs --agency, --period and --out (missing: "
                        f"{', '.join(missing) or 'none'}); --previous, --offline, --keys and "
                        "--require-signature go with --verify")
    from planwatch.reporting.evidence import write_pack

    pack = write_pack(settings, read_url=url_for(settings, "transformer"),
                      record_url=url_for(settings, "loader"), agency_code=args.agency.upper(),
                      period=args.period, out=Path(args.out), plan_code=args.plan,
                      created_by=args.by)
    for warning in pack.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(pack.summary())
    return 0


def cmd_keys(args: argparse.Namespace, settings: Settings) -> int:
    from planwatch.reporting import evidence_keys as keys

    print(keys.new_key_command(settings, Path(args.secret_key).absolute())
          if args.action == "new" else keys.describe_history(settings))
    return 0


def add_record_commands(sub: argparse._SubParsersAction) -> None:
    """``period``, ``evidence`` and ``keys``."""
    period = sub.add_parser("period", help="close a month when the Department publishes it, "
                                           "reopen it, and their state")
    period_actions = period.add_subparsers(dest="action", required=True)
    close = period_actions.add_parser("close", help="close a month: files for it are then "
                                                    "restatements")
    reopen = period_actions.add_parser("reopen", help="reopen a closed month (with a reason)")
    reopen.add_argument("--reason", required=True, help="why (recorded for the auditor)")
    status = period_actions.add_parser("status", help="each month closed or open, by whom, "
                                                      "since when; restatements")
    status.add_argument("period", nargs="?", type=period_arg, metavar="YYYY-MM",
                        help="one month, with its events and restatements (default: all)")
    for action in (close, reopen):
        action.add_argument("period", type=period_arg, metavar="YYYY-MM")
        action.add_argument("--by", help="who (default: PLANWATCH_ACTOR, else the login name)")
    for action in (close, reopen, status):
        action.add_argument("--plan", help="plan code (default: every plan covering the month)")
        action.set_defaults(func=cmd_period)

    evidence = sub.add_parser("evidence", help="an agency-month's evidence pack for "
                                               "auditors, or --verify one")
    evidence.add_argument("--agency", help="agency code")
    evidence.add_argument("--period", type=period_arg, metavar="YYYY-MM")
    evidence.add_argument("--out", help="a new folder for the pack")
    evidence.add_argument("--plan", help="plan code (default: the only plan of that year "
                                         "listing the agency)")
    evidence.add_argument("--by", help="who makes the pack (default: the login name)")
    evidence.add_argument("--verify", metavar="DIR", help="check the pack in DIR and its link")
    evidence.add_argument("--previous", metavar="DIR",
                          help="with --verify: the previous pack of the same agency")
    evidence.add_argument("--offline", action="store_true",
                          help="with --verify: do not read the recorded chain")
    evidence.add_argument("--keys", metavar="DIR",
                          help="with --verify: the published key history (default: "
                               "PLANWATCH_PUBLIC_KEYS, else <home>/keys)")
    evidence.add_argument("--require-signature", action="store_true",
                          help="with --verify: an unsigned pack fails")
    evidence.set_defaults(func=cmd_evidence)

    keys = sub.add_parser("keys", help="the keys that sign evidence packs").add_subparsers(
        dest="action", required=True)
    new = keys.add_parser("new", help="a new key: the secret key to a new file (0600), the "
                                      "public key into the published key history")
    new.add_argument("--secret-key", required=True, metavar="PATH", help="a new file, outside "
                     "the data and the source tree (PLANWATCH_SIGNING_KEY names it)")
    new.set_defaults(func=cmd_keys)
    keys.add_parser("list", help="the published key history").set_defaults(func=cmd_keys)
