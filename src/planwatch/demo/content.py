"""One month of an agency's submission as sheets of rows, before any mess.

``month_sheets`` turns the true values of ``simulation`` into the rows each
data sheet carries that month (with ``Tổng cộng`` / ``Trong đó`` rows for the
agencies that write them); ``rendering`` writes them out as files.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from planwatch.catalog.model import Agency, Indicator, Plan, Task
from planwatch.demo.mess import Profile, money_unit_vi
from planwatch.demo.seeding import quantize, seeded
from planwatch.demo.simulation import DisbursementLine, IndicatorYear, TaskMonth
from planwatch.vocabulary.statuses import TASK_STATUS_LABELS_VI
from planwatch.vocabulary.templates import NUMERIC_KINDS, TEMPLATES, Template, spec
from planwatch.workbooks.layout import headers, target_text_vi

ZERO = Decimal(0)


@dataclass
class Sheet:
    template: Template
    headers: list[str]
    fields: list[str]
    rows: list[dict[str, Any]]
    kinds: list[str]  # per row: "data" | "total" | "heading"


# Field names of each template, and which hold numbers and money (the spec's).
FIELDS: dict[Template, list[str]] = {t: [f.name for f in spec(t).fields] for t in TEMPLATES}
NUMERIC = {f.name for t in TEMPLATES for f in spec(t).fields if f.kind in NUMERIC_KINDS}
MONEY = {f.name for t in TEMPLATES for f in spec(t).fields if f.kind == "money"}
@dataclass
class AgencyYear:
    plan: Plan
    agency: Agency
    profile: Profile
    templates: tuple[Template, ...]
    tasks: list[tuple[Task, list[TaskMonth]]]
    indicators: list[tuple[Indicator, IndicatorYear]]
    lines: list[DisbursementLine]
    seed: int


def month_sheets(ay: AgencyYear, month: int) -> list[Sheet]:
    i = month - 1
    sheets = []
    money_unit = money_unit_vi(ay.profile)
    for template in ay.templates:
        header_texts = headers(template, money_unit)
        rows: list[dict[str, Any]] = []
        kinds: list[str] = []
        if template == "tasks":
            for n, (task, series) in enumerate(ay.tasks, start=1):
                tm = series[i]
                rows.append({
                    "row_label": str(n), "task_code": task.task_code,
                    "description_vi": task.description_vi,
                    "status": TASK_STATUS_LABELS_VI[tm.status],
                    "percent_complete": tm.percent, "completed_date": tm.completed,
                    "result_text": tm.result, "issues_text": tm.issues,
                    "proposals_text": tm.proposals,
                })
                kinds.append("data")
        elif template == "indicators":
            for n, (ind, iy) in enumerate(ay.indicators, start=1):
                rows.append({
                    "row_label": str(n), "indicator_code": ind.indicator_code,
                    "name_vi": ind.name_vi, "unit": ind.unit,
                    "annual_target": target_text_vi(ind) or None,
                    "month_value": iy.month_value[i], "ytd_value": iy.ytd[i],
                    "same_period_last_year": iy.last_year[i],
                    "full_year_estimate": iy.estimate[i], "data_status": iy.data_status[i],
                    "source_text": iy.source, "note": iy.notes[i],
                    "_percent": iy.percent,
                })
                kinds.append("data")
        else:
            data_rows = []
            for line in ay.lines:
                ytd = line.ytd[i]
                prev = line.ytd[i - 1] if i else ZERO
                data_rows.append({
                    "project_code": line.project.project_code, "name_vi": line.project.name_vi,
                    "investor": line.investor, "capital_source": line.source,
                    "annual_plan": line.plan, "carried_over_plan": line.carried,
                    "month_disbursed": ytd - prev, "ytd_disbursed": ytd,
                    "reported_rate": quantize(ytd / line.plan * 100, 2) if line.plan else ZERO,
                    "issues_text": line.issues[i], "_key": line.project.is_key_project,
                })
            if ay.profile.subtotals:
                rows, kinds = _with_subtotals(
                    data_rows, seeded(ay.seed, "subtotals", ay.agency.agency_code, month))
            else:
                for n, r in enumerate(data_rows, start=1):
                    rows.append({"row_label": str(n), **r})
                    kinds.append("data")
        sheets.append(Sheet(template, header_texts, list(FIELDS[template]), rows, kinds))
    return sheets


def _with_subtotals(data_rows: list[dict[str, Any]], rng: random.Random
                    ) -> tuple[list[dict[str, Any]], list[str]]:
    """Tổng cộng row (sum of the data rows), Trong đó: and group headings."""
    total = {f: sum((r[f] for r in data_rows), ZERO) for f in MONEY}
    plan = total["annual_plan"]
    total_row = {"row_label": None, "project_code": None, "name_vi": "Tổng cộng",
                 **total, "reported_rate": quantize(total["ytd_disbursed"] / plan * 100, 2)
                 if plan else ZERO}
    groups = [("I", "Dự án trọng điểm", [r for r in data_rows if r["_key"]]),
              ("II", "Dự án khác", [r for r in data_rows if not r["_key"]])]
    body: list[dict[str, Any]] = [{"row_label": None, "name_vi": "Trong đó:"}]
    kinds = ["heading"]
    for label, title, members in groups:
        if not members:
            continue
        body.append({"row_label": label, "name_vi": title})
        kinds.append("heading")
        for n, r in enumerate(members, start=1):
            body.append({"row_label": str(n), **r})
            kinds.append("data")
    if rng.random() < 0.5:  # total on top, as most provincial reports do
        return [total_row, *body], ["total", *kinds]
    return [*body, total_row], [*kinds, "total"]
