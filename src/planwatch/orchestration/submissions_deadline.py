"""Task bodies of the ``submissions__deadline`` DAG, testable without a scheduler.

The DAG runs an hour after each month's deadline: 01:00 local time
(``PLANWATCH_TIMEZONE``) the day after the last day to send, the day before
``PLANWATCH_DEADLINE_DAY`` moved to the next working day under
``PLANWATCH_DEADLINE_RULE`` (``vocabulary.calendar``, the calendar the marts
judge by), for that month (or the ``period`` of its ``conf``:
``{"period": "2024-03"}``):

1. the marts are built again (the same dbt build as ``warehouse__build``):
   compliance depends on the time of the build, so a month whose deadline has
   just passed turns its unsent templates from not yet due to missing only now;
2. ``record_notices`` reads, per plan of that month, what each agency owes
   (``warehouse.deadlines.month_status``), decides per agency and for the
   Department's summary whether a notice is new (``reporting.reminders.decide``)
   and records it in ``audit.deadline_notices``, before anything is sent;
3. ``issue_briefings`` issues the month's briefing for leaders of every plan
   covering it, from the marts just built, read as the BI reader
   (``reporting.briefing_archive``: archived, a no-op when nothing changed);
4. ``send_notices`` emails the recorded notices through Airflow's SMTP
   provider (connection ``PLANWATCH_SMTP_CONN_ID``, default ``smtp_default``;
   sender ``PLANWATCH_MAIL_FROM`` or the connection's ``from_email``) and marks
   each one sent as soon as the server took it.

Nothing is kept in memory between tasks: the notices travel as their ids, and
everything else is read again from the warehouse and the catalog. A retry of
``send_notices`` sends only what is not marked sent yet; a notice recorded by a
run that stopped before sending is taken up (same Message-ID) by the next run.
"""

from __future__ import annotations

import logging
import os
import tempfile
from datetime import datetime
from email.utils import make_msgid
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from planwatch.config import Settings, load_settings
from planwatch.vocabulary.periods import is_period

__all__ = ["deadline_events", "issue_briefings", "period_of_context", "period_of_run",
           "record_notices",
           "send_notices", "timetable"]

log = logging.getLogger(__name__)
DEFAULT_SMTP_CONN_ID = "smtp_default"


def deadline_events(settings: Settings) -> dict[datetime, str]:
    """When the DAG runs -> the month it covers: an hour after each month's
    deadline (before any grace), for every month of the calendar's years."""
    from datetime import timedelta

    from planwatch.vocabulary.calendar import YEARS, deadline_of
    from planwatch.vocabulary.periods import period_of

    out = {}
    for year in YEARS:
        for month in range(1, 13):
            period = period_of(year, month)
            out[deadline_of(period, settings).deadline_at + timedelta(hours=1)] = period
    return out


def timetable(settings: Settings):  # type: ignore[no-untyped-def]
    """The runs of ``deadline_events``, each at its instant in the configured
    time zone: a working-day calendar is no cron expression."""
    import pendulum

    # Airflow's own class, not airflow.sdk's: the SDK's serializer leaves out the
    # summary that the scheduler's deserializer reads (KeyError '_summary').
    from airflow.timetables.events import EventsTimetable

    return EventsTimetable(
        event_dates=[pendulum.instance(moment) for moment in sorted(deadline_events(settings))],
        presorted=True,
        description=f"01:00 after each month's last day to send (day {settings.deadline_day}, "
                    f"rule {settings.deadline_rule}, {settings.timezone})")


def smtp_conn_id() -> str:
    return os.environ.get("PLANWATCH_SMTP_CONN_ID") or DEFAULT_SMTP_CONN_ID


def mail_from() -> str | None:
    """The sender; None leaves it to the connection's ``from_email`` extra."""
    return os.environ.get("PLANWATCH_MAIL_FROM") or None


def period_of_run(moment: datetime, conf: dict[str, Any] | None, timezone: str,
                  events: dict[datetime, str] | None = None) -> str:
    """The month a run covers: ``conf["period"]``; else, for a scheduled run, the
    month whose deadline it follows (``events``: ``deadline_events``); else the
    month of its logical date in the configured time zone (01:00 on the 1st in
    Hà Nội is still the previous day in UTC)."""
    period = (conf or {}).get("period")
    if period is not None:
        if not isinstance(period, str) or not is_period(period):
            raise ValueError(f"conf period must be YYYY-MM, got {period!r}")
        return period
    if events and moment in events:
        return events[moment]
    return f"{moment.astimezone(ZoneInfo(timezone)):%Y-%m}"


def period_of_context(context: Any, settings: Settings) -> str:
    """The month a run of the DAG covers, from its task context (``period_of_run``)."""
    dag_run = context["dag_run"]
    moment = context.get("logical_date") or dag_run.run_after
    return period_of_run(moment, dag_run.conf, settings.timezone, deadline_events(settings))


def _message_id(plan_code: str, agency_code: str, period: str) -> str:
    sender = mail_from() or ""
    domain = sender.rpartition("@")[2].strip(" >") or "planwatch.local"
    return make_msgid(idstring=f"deadline.{plan_code}.{agency_code}.{period}", domain=domain)


def record_notices(period: str, run_id: str | None = None,
                   settings: Settings | None = None, *, marts_url: str | None = None,
                   audit_url: str | None = None) -> dict[str, Any]:
    """Decide and record the notices of ``period`` for every plan of its year;
    returns the ids of those to send and what was decided, for XCom.

    What is owed is read from dbt's models (``marts_url``: the transformer, in
    the DAG), the notices written to the audit (``audit_url``: the loader);
    both default to the warehouse's URL."""
    import psycopg

    from planwatch.catalog import load_catalogs
    from planwatch.reporting.reminders import (
        decide,
        digest,
        owed_by_agency,
        owes_something,
        summary_content,
    )
    from planwatch.warehouse.db import warehouse_url
    from planwatch.warehouse.deadlines import (
        NoticeWrite,
        lock_month,
        month_status,
        notice_history,
        record_notice,
    )

    settings = settings or load_settings()
    catalogs = load_catalogs(settings.catalog_dir)
    to_send: list[int] = []
    decided: dict[str, int] = {}
    with psycopg.connect(audit_url or warehouse_url(settings)) as conn, \
            psycopg.connect(marts_url or warehouse_url(settings), autocommit=True) as marts:
        for catalog in catalogs:
            if not catalog.plan.covers(period):
                continue
            plan_code = catalog.plan_code
            with conn.transaction():
                lock_month(conn, plan_code, period)
                status = month_status(marts, plan_code, period)
                if not status.rows:
                    continue
                log.info("plan %s, %s: %d templates owed (marts.mart_submission_owed)",
                         plan_code, period, len(status.rows))
                history = notice_history(conn, plan_code, period)
                notices: list[tuple[str, str, Any, str | None, bool]] = []
                for agency_code, owed in owed_by_agency(status.rows).items():
                    agency = catalog.agency_by_code.get(agency_code)
                    if agency is None:
                        log.warning("plan %s: agency %s of the marts is not in the catalog; "
                                    "run planwatch init", plan_code, agency_code)
                        continue
                    notices.append(("reminder", agency_code, owed, agency.contact_email,
                                    owes_something(owed)))
                monitoring = catalog.agency_by_code.get(catalog.plan.monitoring_agency_code)
                notices.append(("summary", catalog.plan.monitoring_agency_code,
                                summary_content(catalog, status.rows),
                                monitoring.contact_email if monitoring else None, True))
                for kind, agency_code, owed, recipient, owes in notices:
                    sha = digest(owed)
                    decision = decide(sha, recipient=recipient, owes=owes,
                                      history=history.get((kind, agency_code)))
                    decided[f"{kind}:{decision.action}"] = \
                        decided.get(f"{kind}:{decision.action}", 0) + 1
                    if decision.action == "skip":
                        continue
                    if decision.action == "resend":
                        assert decision.notice_id is not None
                        to_send.append(decision.notice_id)
                        continue
                    sending = decision.action == "send"
                    notice_id = record_notice(conn, NoticeWrite(
                        kind=kind, plan_code=plan_code, agency_code=agency_code, period=period,
                        owed=owed, owed_sha256=sha, deadline_at=status.deadline_at,
                        on_time_before_at=status.on_time_before_at,
                        recipient=recipient if sending else None,
                        skipped_reason=decision.reason,
                        message_id=_message_id(plan_code, agency_code, period)
                        if sending else None,
                        dag_run_id=run_id))
                    if sending:
                        to_send.append(notice_id)
    return {"period": period, "notice_ids": to_send, "decided": decided}


def issue_briefings(period: str, settings: Settings | None = None, *,
                    bi_reader_url: str) -> dict[str, Any]:
    """The briefing of ``period`` for every plan covering it that the marts hold,
    read through ``bi_reader_url``; what each issue is, for XCom."""
    import psycopg

    from planwatch.catalog import load_catalogs
    from planwatch.reporting.briefing_archive import issue_briefing

    settings = settings or load_settings()
    with psycopg.connect(bi_reader_url) as conn:
        in_marts = {code for (code,) in conn.execute("select plan_code from marts.dim_plan")}
    out: dict[str, Any] = {}
    for catalog in load_catalogs(settings.catalog_dir):
        if not catalog.plan.covers(period) or catalog.plan_code not in in_marts:
            continue
        issued = issue_briefing(settings, bi_reader_url, catalog.plan_code, period)
        log.info("plan %s, %s: %s", catalog.plan_code, period, issued.said)
        out[catalog.plan_code] = {"folder": str(issued.folder), "is_new": issued.is_new,
                                  "changed": issued.changed}
    return {"period": period, "briefings": out}


def _email_of(notice, catalogs, settings: Settings):  # type: ignore[no-untyped-def]
    from planwatch.reporting.reminders import agency_reminder, department_summary

    catalog = catalogs.get(notice.plan_code)
    when = {"deadline_at": notice.deadline_at, "on_time_before_at": notice.on_time_before_at,
            "timezone": settings.timezone}
    if notice.kind == "summary":
        return department_summary(catalog, notice.period, notice.owed, **when)
    return agency_reminder(catalog, notice.agency_code, notice.period, notice.owed, **when)


def send_notices(notice_ids: list[int], settings: Settings | None = None, *,
                 audit_url: str | None = None) -> dict[str, Any]:
    """Email the recorded notices not sent yet; each is marked sent (through
    ``audit_url``, the loader in the DAG) once the SMTP server took it. Raises
    after trying them all if any could not go."""
    import psycopg
    from airflow.providers.smtp.hooks.smtp import SmtpHook

    from planwatch.catalog import load_catalogs
    from planwatch.warehouse.db import warehouse_url
    from planwatch.warehouse.deadlines import mark_sent, notices

    settings = settings or load_settings()
    if not notice_ids:
        return {"sent": 0, "already_sent": 0}
    catalogs = load_catalogs(settings.catalog_dir)
    sent, already, failed = 0, 0, []
    with psycopg.connect(audit_url or warehouse_url(settings), autocommit=True) as conn:
        pending = []
        for notice in notices(conn, notice_ids):
            if notice.sent_at is not None:
                already += 1
            else:
                pending.append(notice)
        if not pending:
            return {"sent": 0, "already_sent": already}
        with SmtpHook(smtp_conn_id()) as smtp, tempfile.TemporaryDirectory() as folder:
            for notice in pending:
                try:
                    email = _email_of(notice, catalogs, settings)
                    files = []
                    for attachment in email.attachments:
                        path = Path(folder) / attachment.name
                        path.write_bytes(attachment.data)
                        files.append(str(path))
                    smtp.send_email_smtp(
                        to=notice.recipient, subject=email.subject, html_content=email.html,
                        from_email=mail_from(), files=files,
                        custom_headers={"Message-ID": notice.message_id,
                                        "Auto-Submitted": "auto-generated"})
                except Exception:
                    log.exception("notice %d (%s %s %s) could not be sent", notice.notice_id,
                                  notice.kind, notice.agency_code, notice.period)
                    failed.append(notice.notice_id)
                    continue
                mark_sent(conn, notice.notice_id)
                sent += 1
    if failed:
        raise RuntimeError(f"{len(failed)} notice(s) not sent: {failed}; a retry sends them")
    return {"sent": sent, "already_sent": already}
