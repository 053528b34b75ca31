"""What the commands share: argument types, the warehouse's URL for a role, the
plans a month's command is about."""

from __future__ import annotations

import argparse
from datetime import datetime

from planwatch.config import Settings


def period_arg(text: str) -> str:
    from planwatch.vocabulary.periods import is_period

    if not is_period(text):
        raise argparse.ArgumentTypeError(f"a month is YYYY-MM, not {text!r}")
    return text


def moment_arg(text: str) -> datetime:
    """An instant: ISO 8601 with its UTC offset (a time without one is ambiguous)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} has no UTC offset: write it as e.g. 2024-03-21T00:00:00+07:00")
    return moment


def url_for(settings: Settings, role: str | None = None) -> str:
    """The warehouse URL: its owner's (init, migrations), or a role's."""
    from planwatch.warehouse.db import warehouse_url

    url = warehouse_url(settings)
    if role is None:
        return url
    from planwatch.warehouse.roles import role_url

    return role_url(settings, url, role)


def plan_for_period(settings: Settings, period: str, plan_code: str | None):  # type: ignore[no-untyped-def]
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


def plans_of_period(settings: Settings, period: str | None, plan_code: str | None):  # type: ignore[no-untyped-def]
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


def dating_arg(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """How received times are dated, from ``--historical [--operator NAME]``;
    a historical import is said on standard output."""
    from planwatch.flow.arrival import Dating

    dating = Dating.asked(args.historical, args.operator)
    if dating.operator is not None:
        print(f"historical import by {dating.operator}: received times are the files' own "
              "times, recorded as such (audit.historical_imports)")
    return dating
