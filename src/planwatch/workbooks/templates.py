"""Pre-filled monthly submission workbooks, one per agency (submission-format.md).

``write_templates(catalog, "2024-03", out_dir)`` writes ``<AGENCY>_2024-03.xlsx``
for every agency of the plan that owes a monthly submission. Each workbook has
the ``Thông tin`` sheet and only the data sheets the agency needs, pre-filled
with its own catalog rows; the columns the agency fills in are empty, with
drop-down lists for statuses, data status and capital source
(``workbooks.layout``).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

from planwatch.catalog.model import Catalog
from planwatch.vocabulary.periods import mm_yyyy, split_period
from planwatch.vocabulary.templates import Template, spec
from planwatch.workbooks.layout import (
    DEFAULT_MONEY_UNIT_VI,
    add_lists_sheet,
    info_rows,
    sheet_titles,
    target_text_vi,
    write_data_sheet,
    write_info_sheet,
)
from planwatch.workbooks.writing import Styles, close_to_bytes, new_workbook


def template_file_name(agency_code: str, period: str) -> str:
    return f"{agency_code}_{period}.xlsx"


def _prefilled_rows(catalog: Catalog, agency_code: str, template: Template) -> list[list[Any]]:
    """One row per item the agency leads: STT, code and name filled, the rest empty."""
    fields = [f.name for f in spec(template).fields]
    prefill: list[dict[str, Any]]
    if template == "tasks":
        prefill = [{"task_code": t.task_code, "description_vi": t.description_vi}
                   for t in catalog.tasks_of(agency_code)]
    elif template == "indicators":
        prefill = [{"indicator_code": i.indicator_code, "name_vi": i.name_vi, "unit": i.unit,
                    "annual_target": target_text_vi(i) or None}
                   for i in catalog.indicators_of(agency_code)]
    else:
        prefill = [{"project_code": p.project_code, "name_vi": p.name_vi}
                   for p in catalog.projects_of(agency_code)]
    return [[str(n) if f == "row_label" else values.get(f) for f in fields]
            for n, values in enumerate(prefill, start=1)]


def build_template(catalog: Catalog, agency_code: str, period: str) -> bytes:
    """The template workbook of one agency for one period, as bytes."""
    year, month = split_period(period)
    agency = catalog.agency(agency_code)
    buffer = io.BytesIO()
    workbook = new_workbook(
        buffer, dt.datetime(year, month, 1, 8, 0, 0),
        title=f"Báo cáo tháng {mm_yyyy(period)} - {agency.name_vi}",
        author="planwatch", company=catalog.plan.issuer_name_vi,
    )
    styles = Styles(workbook)
    write_info_sheet(workbook, styles, info_rows(catalog.plan, agency, period))
    for template in catalog.templates_of(agency_code):
        template_spec = spec(template)
        write_data_sheet(
            workbook, styles, template_spec.sheet_name_vi, template_spec.fields,
            _prefilled_rows(catalog, agency_code, template),
            titles=sheet_titles(template, agency, period),
            unit_note=f"Đơn vị tính: {DEFAULT_MONEY_UNIT_VI}"
            if any(f.kind == "money" for f in template_spec.fields) else None,
        )
    add_lists_sheet(workbook, styles)  # last, hidden; its ranges are known in advance
    return close_to_bytes(workbook, buffer)


def write_templates(catalog: Catalog, period: str, out_dir: Path) -> list[Path]:
    """Write ``<AGENCY>_<YYYY-MM>.xlsx`` for every agency that owes a submission;
    returns the paths. The period must be one of the plan's."""
    if not catalog.plan.covers(period):
        raise ValueError(f"{period} is not a month of plan {catalog.plan_code} "
                         f"({catalog.plan.year})")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for agency in catalog.reporting_agencies():
        path = out_dir / template_file_name(agency.agency_code, period)
        path.write_bytes(build_template(catalog, agency.agency_code, period))
        paths.append(path)
    return paths
