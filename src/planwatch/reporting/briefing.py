"""The monthly briefing for leaders: the figures it shows, read from the marts.

One plan × month, five themes (reporting compliance, the targets, disbursement,
tasks, data quality), each a handful of figures and the monthly series its
chart draws, from January of the plan's year to the month. Everything is read
as the BI reader (``marts.*`` only), in one read-only repeatable-read
transaction, so that every page tells the same moment of the warehouse; the
queries only select and count what the marts decided (a status, a rate, a
flag), they hold no rule of their own.

Every number the briefing shows is a ``Figure`` under a stable key (``theme.
measure[.item].YYYY-MM``): the text and the charts print figures, never raw
values, and the archive keeps them all (``briefing_archive``), so that a
later briefing can tell which of them a restatement changed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import psycopg
from psycopg.rows import dict_row

from planwatch.reporting.vietnamese import month_vi, number_vi, percent_vi
from planwatch.vocabulary.periods import months_between, period_of, split_period
from planwatch.vocabulary.statuses import COMPLIANCE_STATUS_CODES, TASK_STATUS_CODES

THEMES = ("compliance", "targets", "disbursement", "tasks", "quality")
TITLES_VI = {
    "compliance": "Tình hình gửi báo cáo",
    "targets": "Chỉ tiêu chủ yếu",
    "disbursement": "Giải ngân vốn đầu tư công",
    "tasks": "Nhiệm vụ",
    "quality": "Chất lượng dữ liệu",
}
BILLION = Decimal(1_000_000_000)
LISTED = 3  # agencies, projects or targets named in a sentence, at most


@dataclass(frozen=True)
class Figure:
    """A number the briefing shows. ``kind``: ``count``; ``percent`` (a fraction,
    shown ``93,8%``); ``points`` (a change of a fraction, shown in percentage
    points); ``vnd`` (exact VND, shown in tỷ đồng); ``number`` (a target's value,
    with its ``unit``). A change (``points``, or a count's) is shown without its
    sign: the sentence says whether it rose or fell."""

    key: str
    label_vi: str
    value: int | Decimal | None
    kind: str = "count"
    unit: str = ""

    @property
    def text(self) -> str:
        value = self.value
        if value is None:
            return "—"
        if self.kind == "percent":
            return percent_vi(value)
        if self.kind == "points":
            return f"{number_vi(abs(Decimal(value)) * 100, 1)} điểm phần trăm"
        if self.kind == "vnd":
            return f"{number_vi(Decimal(value) / BILLION, 1)} tỷ đồng"
        if self.kind == "number":
            return value_with_unit(number_vi(value, None), self.unit)
        return number_vi(abs(value), 0)

    def as_json(self) -> dict[str, Any]:
        value = self.value
        return {"label_vi": self.label_vi, "kind": self.kind, "unit": self.unit,
                "value": value if value is None or isinstance(value, int) else str(value)}

    @classmethod
    def from_json(cls, key: str, data: dict[str, Any]) -> Figure:
        value = data["value"]
        return cls(key, data["label_vi"], value if value is None or isinstance(value, int)
                   else Decimal(value), data["kind"], data.get("unit", ""))


@dataclass
class Briefing:
    """What one briefing shows: the plan, the month, the figures by key, and
    the lists its sentences name (each item's numbers are figures too)."""

    plan_code: str
    plan_title_vi: str
    issuer_name_vi: str
    period: str
    months: list[str]
    as_of: dt.datetime | None
    figures: dict[str, Figure] = field(default_factory=dict)
    lists: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def previous(self) -> str | None:
        return self.months[-2] if len(self.months) > 1 else None

    def add(self, key: str, label_vi: str, value: Any, kind: str = "count",
            unit: str = "") -> Figure:
        if isinstance(value, float):
            value = Decimal(str(value))
        figure = Figure(key, label_vi, value, kind, unit or "")
        self.figures[key] = figure
        return figure

    def get(self, key: str) -> Figure | None:
        return self.figures.get(key)

    def series(self, measure: str) -> list[Figure | None]:
        """The figures ``measure.<month>`` for each month, January to the month."""
        return [self.figures.get(f"{measure}.{month}") for month in self.months]

    def values(self) -> dict[str, Any]:
        """Every figure as the archive's JSON holds it."""
        return {key: f.as_json() for key, f in sorted(self.figures.items())}


def value_with_unit(number: str, unit: str) -> str:
    """``93,8%``, ``56.157 ha``, ``hạng 9`` (a rank's unit is ``thứ hạng``)."""
    if not unit:
        return number
    if unit == "%":
        return f"{number}%"
    if unit.startswith("thứ hạng"):
        return f"hạng {number}"
    return f"{number} {unit}"


def month_label(period: str) -> str:
    return month_vi(period)


# -- the queries: selects and counts of what the marts decided ----------------------

QUERIES: dict[str, str] = {
    "plan": """
        select plan_code, plan_title_vi, issuer_name_vi, plan_year
        from marts.dim_plan where plan_code = %(plan)s
    """,
    "as_of": """
        select max(status_as_of_at) as as_of from marts.fct_submission
        where plan_code = %(plan)s
    """,
    # Owed agency × month × template rows by their compliance status.
    "compliance": """
        select period, compliance_status, count(*) as n,
               count(*) filter (where is_assessed) as assessed,
               count(*) filter (where is_on_time) as on_time
        from marts.fct_submission
        where plan_code = %(plan)s and period between %(first)s and %(period)s
        group by period, compliance_status
    """,
    # Who was late, has not sent or had every version rejected this month.
    "owing": """
        select f.agency_code, coalesce(a.agency_name_vi, f.agency_code) as agency_name_vi,
               f.template, f.compliance_status
        from marts.fct_submission f
        left join marts.dim_agency a on a.agency_key = f.agency_key
        where f.plan_code = %(plan)s and f.period = %(period)s
          and f.compliance_status in ('late', 'missing', 'rejected')
        order by f.compliance_status, f.agency_code, f.template
    """,
    "indicator_count": """
        select count(*) as n from marts.dim_indicator
        where plan_code = %(plan)s and indicator_key <> -1
    """,
    "indicators": """
        select v.period, v.indicator_code, d.indicator_name_vi, d.unit, d.target_text,
               v.ytd_value, v.full_year_estimate, v.attainment_ratio, v.is_attained,
               v.is_projected_attained, v.has_target
        from marts.fct_indicator_value v
        join marts.dim_indicator d on d.indicator_key = v.indicator_key
        where v.plan_code = %(plan)s and v.period in (%(period)s, %(previous)s)
        order by v.period, v.indicator_code
    """,
    "disbursement": """
        select period, annual_plan_vnd, month_disbursed_vnd, ytd_disbursed_vnd,
               disbursement_rate, key_project_disbursement_rate
        from marts.mart_disbursement_progress
        where plan_code = %(plan)s and period between %(first)s and %(period)s
        order by period
    """,
    # The project lines of the month furthest behind their annual plan.
    "lagging_projects": """
        select d.project_code, coalesce(p.project_name_vi, d.project_code) as project_name_vi,
               d.capital_source, d.disbursement_rate
        from marts.fct_disbursement d
        left join marts.dim_project p on p.project_key = d.project_key
        where d.plan_code = %(plan)s and d.period = %(period)s
          and d.disbursement_rate is not null
        order by d.disbursement_rate, d.project_code, d.capital_source
        limit %(listed)s
    """,
    "task_count": """
        select count(*) as n from marts.dim_task where plan_code = %(plan)s and task_key <> -1
    """,
    "tasks": """
        select period, task_status, count(*) as n,
               count(*) filter (where is_completed) as completed,
               count(*) filter (where is_delayed) as delayed
        from marts.fct_task_progress
        where plan_code = %(plan)s and period between %(first)s and %(period)s
        group by period, task_status
    """,
    # The lead agencies with the most tasks behind schedule this month.
    "delayed_by_agency": """
        select t.lead_agency_code as agency_code,
               coalesce(a.agency_name_vi, t.lead_agency_code) as agency_name_vi,
               count(*) as n
        from marts.fct_task_progress f
        join marts.dim_task t on t.task_key = f.task_key
        left join marts.dim_agency a on a.agency_key = t.lead_agency_key
        where f.plan_code = %(plan)s and f.period = %(period)s and f.is_delayed
        group by t.lead_agency_code, a.agency_name_vi
        order by n desc, t.lead_agency_code
        limit %(listed)s
    """,
    "quality": """
        select period, sum(submission_count) as submissions, sum(rejected_count) as rejected,
               sum(failed_check_count) as failed_checks, sum(problem_count) as problems
        from marts.mart_data_quality_scorecard
        where plan_code = %(plan)s and period between %(first)s and %(period)s
        group by period
    """,
    "problems_by_agency": """
        select c.agency_code, coalesce(a.agency_name_vi, c.agency_code) as agency_name_vi,
               c.problem_count as n
        from marts.mart_data_quality_scorecard c
        left join marts.dim_agency a on a.agency_key = c.agency_key
        where c.plan_code = %(plan)s and c.period = %(period)s and c.problem_count > 0
        order by c.problem_count desc, c.agency_code
        limit %(listed)s
    """,
    # Figures of the year's months changed after their deadline, so far.
    "changed": """
        select count(*) as changed, count(*) filter (where is_restatement) as restated
        from marts.mart_restatements
        where plan_code = %(plan)s and period between %(first)s and %(period)s
    """,
}


def _rows(conn: psycopg.Connection, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(QUERIES[name], params)  # type: ignore[arg-type]
        return list(cur.fetchall())


def _ratio(part: int, whole: int) -> Decimal | None:
    """A share of two counts the page shows, to four places (as the marts' rates)."""
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001")) if whole else None


def _change(briefing: Briefing, key: str, label_vi: str, kind: str = "count") -> None:
    """``key.change.<month>``: the month's figure less the previous month's."""
    if briefing.previous is None:
        return
    now = briefing.get(f"{key}.{briefing.period}")
    before = briefing.get(f"{key}.{briefing.previous}")
    if now is None or before is None or now.value is None or before.value is None:
        return
    briefing.add(f"{key}.change.{briefing.period}", label_vi,
                 Decimal(now.value) - Decimal(before.value) if kind == "points"
                 else int(now.value) - int(before.value), "points" if kind == "points" else
                 "count")


def _compliance(conn: psycopg.Connection, b: Briefing, params: dict[str, Any]) -> None:
    by_month: dict[str, dict[str, int]] = {m: {} for m in b.months}
    for row in _rows(conn, "compliance", params):
        counts = by_month[row["period"]]
        counts[row["compliance_status"]] = int(row["n"])
        counts["_assessed"] = counts.get("_assessed", 0) + int(row["assessed"])
        counts["_on_time"] = counts.get("_on_time", 0) + int(row["on_time"])
    labels = {"on_time": "Số biểu gửi đúng hạn", "late": "Số biểu gửi trễ hạn",
              "rejected": "Số biểu bị từ chối, chưa gửi lại bản đạt",
              "missing": "Số biểu chưa gửi", "not_yet_due": "Số biểu chưa đến hạn"}
    for month, counts in by_month.items():
        when = month_label(month)
        for status in COMPLIANCE_STATUS_CODES:
            b.add(f"compliance.{status}.{month}", f"{labels[status]} {when}",
                  counts.get(status, 0))
        b.add(f"compliance.expected.{month}", f"Số biểu phải gửi {when}",
              sum(counts.get(s, 0) for s in COMPLIANCE_STATUS_CODES))
        b.add(f"compliance.on_time_rate.{month}", f"Tỷ lệ biểu gửi đúng hạn {when}",
              _ratio(counts.get("_on_time", 0), counts.get("_assessed", 0)), "percent")
    _change(b, "compliance.on_time_rate", "Thay đổi tỷ lệ gửi đúng hạn so với tháng trước",
            "points")
    owing = _rows(conn, "owing", params)
    for status in ("late", "missing", "rejected"):
        b.lists[f"compliance.{status}"] = [r for r in owing if r["compliance_status"] == status]


def _targets(conn: psycopg.Connection, b: Briefing, params: dict[str, Any]) -> None:
    total = _rows(conn, "indicator_count", params)[0]["n"]
    b.add("targets.total", "Số chỉ tiêu chủ yếu của kế hoạch", int(total))
    rows = _rows(conn, "indicators", params)
    for month in (b.previous, b.period):
        if month is None:
            continue
        these = [r for r in rows if r["period"] == month]
        when = month_label(month)
        b.add(f"targets.reported.{month}", f"Số chỉ tiêu có số liệu {when}", len(these))
        b.add(f"targets.attained.{month}", f"Số chỉ tiêu đã đạt mục tiêu {when}",
              sum(bool(r["is_attained"]) for r in these))
        b.add(f"targets.projected.{month}", f"Số chỉ tiêu dự kiến đạt cả năm {when}",
              sum(bool(r["is_projected_attained"]) for r in these))
    _change(b, "targets.attained", "Thay đổi số chỉ tiêu đã đạt so với tháng trước")
    indicators = []
    for r in (r for r in rows if r["period"] == b.period):
        code, when = r["indicator_code"], month_label(b.period)
        item = {"code": code, "name_vi": r["indicator_name_vi"], "unit": r["unit"] or "",
                "target_text": r["target_text"], "is_attained": r["is_attained"],
                "is_projected_attained": r["is_projected_attained"],
                "ratio": b.add(f"targets.attainment.{code}.{b.period}",
                               f"Mức đạt so với mục tiêu của chỉ tiêu {code} {when}",
                               r["attainment_ratio"], "percent"),
                "ytd": b.add(f"targets.ytd.{code}.{b.period}",
                             f"Lũy kế chỉ tiêu {code} {when}", r["ytd_value"], "number",
                             r["unit"])}
        indicators.append(item)
    b.lists["targets.indicators"] = indicators
    reported = {i["code"] for i in indicators}
    lagging = [i for i in indicators if i["ratio"].value is not None
               and not i["is_projected_attained"]]
    b.lists["targets.lagging"] = sorted(lagging, key=lambda i: i["ratio"].value)[:LISTED]
    b.lists["targets.reported_codes"] = [{"code": c} for c in sorted(reported)]


def _disbursement(conn: psycopg.Connection, b: Briefing, params: dict[str, Any]) -> None:
    for row in _rows(conn, "disbursement", params):
        month = row["period"]
        when = month_label(month)
        b.add(f"disbursement.annual_plan.{month}", f"Kế hoạch vốn năm (đến {when})",
              int(row["annual_plan_vnd"]), "vnd")
        b.add(f"disbursement.month.{month}", f"Giải ngân trong {when}",
              int(row["month_disbursed_vnd"]), "vnd")
        b.add(f"disbursement.ytd.{month}", f"Giải ngân lũy kế đến {when}",
              int(row["ytd_disbursed_vnd"]), "vnd")
        b.add(f"disbursement.rate.{month}", f"Tỷ lệ giải ngân lũy kế đến {when}",
              row["disbursement_rate"], "percent")
        b.add(f"disbursement.key_rate.{month}",
              f"Tỷ lệ giải ngân các dự án trọng điểm đến {when}",
              row["key_project_disbursement_rate"], "percent")
    _change(b, "disbursement.rate", "Thay đổi tỷ lệ giải ngân so với tháng trước", "points")
    when = month_label(b.period)
    b.lists["disbursement.lagging"] = [
        {"name_vi": r["project_name_vi"], "capital_source": r["capital_source"],
         "rate": b.add(f"disbursement.project_rate.{r['project_code']}.{r['capital_source']}"
                       f".{b.period}", f"Tỷ lệ giải ngân dự án {r['project_code']} "
                       f"({r['capital_source']}) đến {when}", r["disbursement_rate"],
                       "percent")}
        for r in _rows(conn, "lagging_projects", params)]


def _tasks(conn: psycopg.Connection, b: Briefing, params: dict[str, Any]) -> None:
    b.add("tasks.total", "Số nhiệm vụ của kế hoạch",
          int(_rows(conn, "task_count", params)[0]["n"]))
    by_month: dict[str, dict[str, int]] = {m: {} for m in b.months}
    for row in _rows(conn, "tasks", params):
        counts = by_month[row["period"]]
        counts[row["task_status"]] = int(row["n"])
        counts["_completed"] = counts.get("_completed", 0) + int(row["completed"])
        counts["_delayed"] = counts.get("_delayed", 0) + int(row["delayed"])
    from planwatch.vocabulary.statuses import TASK_STATUS_LABELS_VI

    for month, counts in by_month.items():
        when = month_label(month)
        for status in TASK_STATUS_CODES:
            b.add(f"tasks.{status}.{month}",
                  f"Số nhiệm vụ «{TASK_STATUS_LABELS_VI[status]}» {when}", counts.get(status, 0))
        b.add(f"tasks.reported.{month}", f"Số nhiệm vụ được báo cáo {when}",
              sum(counts.get(s, 0) for s in TASK_STATUS_CODES))
        b.add(f"tasks.done.{month}", f"Số nhiệm vụ đã hoàn thành {when}",
              counts.get("_completed", 0))
        b.add(f"tasks.behind.{month}", f"Số nhiệm vụ chậm tiến độ {when}",
              counts.get("_delayed", 0))
    _change(b, "tasks.done", "Thay đổi số nhiệm vụ hoàn thành so với tháng trước")
    when = month_label(b.period)
    b.lists["tasks.delayed_by_agency"] = [
        {"name_vi": r["agency_name_vi"],
         "count": b.add(f"tasks.delayed_by_agency.{r['agency_code']}.{b.period}",
                        f"Số nhiệm vụ chậm tiến độ do {r['agency_code']} chủ trì {when}",
                        int(r["n"]))}
        for r in _rows(conn, "delayed_by_agency", params)]


def _quality(conn: psycopg.Connection, b: Briefing, params: dict[str, Any]) -> None:
    found = {r["period"]: r for r in _rows(conn, "quality", params)}
    labels = {"submissions": "Số bài nộp nhận được", "rejected": "Số bài nộp bị từ chối",
              "failed_checks": "Số kiểm tra không đạt", "problems": "Số lỗi, lưu ý trong số liệu"}
    for month in b.months:
        row = found.get(month) or {}
        for measure, label in labels.items():
            b.add(f"quality.{measure}.{month}", f"{label} {month_label(month)}",
                  int(row.get(measure) or 0))
    _change(b, "quality.rejected", "Thay đổi số bài nộp bị từ chối so với tháng trước")
    when = month_label(b.period)
    b.lists["quality.problems_by_agency"] = [
        {"name_vi": r["agency_name_vi"],
         "count": b.add(f"quality.problems_by_agency.{r['agency_code']}.{b.period}",
                        f"Số lỗi, lưu ý trong số liệu của {r['agency_code']} {when}",
                        int(r["n"]))}
        for r in _rows(conn, "problems_by_agency", params)]
    changed = _rows(conn, "changed", params)[0]
    b.add(f"quality.changed.{b.period}", f"Số liệu thay đổi sau hạn gửi, từ đầu năm đến {when}",
          int(changed["changed"]))
    b.add(f"quality.restated.{b.period}",
          f"Số liệu gửi lại khi kỳ đã khóa sổ, từ đầu năm đến {when}", int(changed["restated"]))


def read_briefing(conn: psycopg.Connection, plan_code: str, period: str) -> Briefing:
    """The briefing of ``plan_code`` × ``period``, read through ``conn`` (the BI
    reader's) in one read-only transaction."""
    conn.read_only = True
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    with conn.transaction():
        plans = _rows(conn, "plan", {"plan": plan_code})
        if not plans:
            from planwatch.errors import UserError

            raise UserError(f"plan {plan_code} is not in the marts yet: run planwatch build")
        plan = plans[0]
        year, _ = split_period(period)
        months = months_between(period_of(year, 1), period)
        briefing = Briefing(plan_code, plan["plan_title_vi"] or "", plan["issuer_name_vi"] or "",
                            period, months, _rows(conn, "as_of", {"plan": plan_code})[0]["as_of"])
        params = {"plan": plan_code, "period": period, "first": months[0],
                  "previous": briefing.previous or period, "listed": LISTED}
        for read in (_compliance, _targets, _disbursement, _tasks, _quality):
            read(conn, briefing, params)
    return briefing

