"""After each month's deadline: record what each agency owes for the month and remind it.

At 01:00 the day after the month's last day to send, in ``PLANWATCH_TIMEZONE``
(default Asia/Ho_Chi_Minh): the day before ``PLANWATCH_DEADLINE_DAY`` (default
the 20th), moved to the next working day when it is a weekend, a public holiday
or a day off (``PLANWATCH_DEADLINE_RULE``; the calendar the marts judge by), for
that month (or ``conf``: ``{"period": "2024-03"}``): the marts are built
again (compliance is judged at build time), then per plan and agency what is
missing, late or rejected is recorded in ``audit.deadline_notices``, each agency
that owes something gets one email in Vietnamese with its pre-filled template,
and the Department that follows the plan gets a summary; the month's briefing for
leaders (HTML and PDF, archived) is issued from the marts just built. An agency-month is
never reminded twice unless what it owes changed. A new deployment's first run
is the next deadline, not the one already past. Mail goes through the
Airflow SMTP connection ``PLANWATCH_SMTP_CONN_ID`` (default ``smtp_default``).
Logic lives in ``planwatch.orchestration.submissions_deadline``.
"""

from __future__ import annotations

from airflow.sdk import dag, get_current_context, task

from planwatch.config import load_settings
from planwatch.orchestration.submissions_deadline import timetable
from planwatch.orchestration.warehouse_build import dbt_build

SETTINGS = load_settings()  # the environment (and the calendar seed, for the schedule)


@dag(
    dag_id="submissions__deadline",
    schedule=timetable(SETTINGS),
    # No start date: a service deployed between two deadlines first runs at the
    # next one, instead of reminding every agency at once about the deadline
    # already past (a run triggered with a period covers a past month).
    catchup=False,
    max_active_runs=1,
    tags=["planwatch", "deadline"],
    doc_md=__doc__,
)
def submissions__deadline() -> None:
    marts = dbt_build("marts")

    @task
    def record_notices() -> dict:
        from planwatch.orchestration.connections import warehouse_url_as
        from planwatch.orchestration.submissions_deadline import period_of_context
        from planwatch.orchestration.submissions_deadline import record_notices as record

        context = get_current_context()
        return record(period_of_context(context, SETTINGS), context["run_id"],
                      marts_url=warehouse_url_as("transformer"),
                      audit_url=warehouse_url_as("loader"))

    @task(retries=2)
    def send_notices(recorded: dict) -> dict:
        from planwatch.orchestration.connections import warehouse_url_as
        from planwatch.orchestration.submissions_deadline import send_notices as send

        return send(recorded["notice_ids"], audit_url=warehouse_url_as("loader"))

    @task
    def issue_briefings() -> dict:
        from planwatch.orchestration.connections import warehouse_url_as
        from planwatch.orchestration.submissions_deadline import issue_briefings as issue
        from planwatch.orchestration.submissions_deadline import period_of_context

        return issue(period_of_context(get_current_context(), SETTINGS),
                     bi_reader_url=warehouse_url_as("bi_reader"))

    recorded = record_notices()
    marts >> recorded
    marts >> issue_briefings()
    send_notices(recorded)


submissions__deadline()
