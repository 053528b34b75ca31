"""The expectation suites, one per template, written as readable Python.

The committed GX File Data Context under ``expectations/gx/`` is generated from
this module; run this after changing a rule (or a template spec) and commit the
result (the tests fail while it is out of date)::

    .venv/bin/python -m planwatch.regenerate

Every rule carries in its ``meta`` what planwatch needs to tell a clerk what is
wrong: ``code`` (stable English), ``severity`` (``block`` rejects the
submission, ``warn`` only flags it), ``column`` (the column named in the
receipt), ``message_vi`` and ``fix_vi``. Ids are derived from the suite and rule
code so that regenerating the JSON gives the same file.

Suites run on a frame with ``RAW_COLUMNS[template]`` plus ``source_row`` and
``sheet_key`` (a batch holds the rows of many sheets); the disbursement frame
also carries the derived column ``available_plan_vnd``
(annual plan + carried-over plan, see ``validate.prepare_frame``).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planwatch.quality.gx_results import SHEET_KEY
from planwatch.vocabulary.statuses import (
    COMPLETED_TASK_STATUSES,
    DATA_STATUS_CODES,
    DATA_STATUSES,
    TASK_STATUS_CODES,
    TASK_STATUSES,
    Severity,
    capital_source_examples_vi,
)
from planwatch.vocabulary.templates import TEMPLATES, Template, spec

if TYPE_CHECKING:
    from great_expectations.data_context import AbstractDataContext

# Names used in the committed great_expectations.yml.
DATASOURCE_NAME = "planwatch_frames"
BATCH_DEFINITION_NAME = "whole_sheet"
DATA_DOCS_SITE_NAME = "planwatch_site"

# Derived column added to the disbursement frame before validation.
AVAILABLE_PLAN_COLUMN = "available_plan_vnd"


_ID_NAMESPACE = uuid.UUID("6f1c63c4-5c1e-4d5e-9d43-8a3f0b7c2e11")



@dataclass(frozen=True)
class Rule:
    """One expectation with what a clerk is told when it fails."""

    code: str
    expectation: str  # GX expectation class name, e.g. ExpectColumnValuesToNotBeNull
    kwargs: dict[str, Any]
    severity: Severity
    column: str  # column named in the Problem (the one the clerk should fix)
    message_vi: str
    fix_vi: str
    expected_vi: str | None = None
    # Column whose value is shown as "value found" when it says more than
    # ``column`` (e.g. the status text as written when the status is missing).
    value_column: str | None = None
    extra_meta: dict[str, Any] = field(default_factory=dict)

    @property
    def meta(self) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "code": self.code,
            "severity": self.severity,
            "column": self.column,
            "message_vi": self.message_vi,
            "fix_vi": self.fix_vi,
        }
        if self.expected_vi:
            meta["expected_vi"] = self.expected_vi
        if self.value_column:
            meta["value_column"] = self.value_column
        meta.update(self.extra_meta)
        return meta


def _at_least_zero(code: str, column: str, severity: Severity, message_vi: str,
                   fix_vi: str) -> Rule:
    return Rule(code, "ExpectColumnValuesToBeBetween", {"column": column, "min_value": 0},
                severity, column, message_vi, fix_vi, expected_vi="≥ 0")


_STATUS_CHOICES_VI = "; ".join(s.label_vi for s in TASK_STATUSES)
_DATA_STATUS_CHOICES_VI = "; ".join(s.label_vi for s in DATA_STATUSES)


def column_rules(template: Template) -> tuple[Rule, ...]:
    """The rules a template's spec implies: every required field is filled, every
    status is one of its vocabulary (vocabulary.templates, vocabulary.statuses)."""
    rules: list[Rule] = []
    for f in spec(template).fields:
        column = f.raw_columns[0].name
        header = f"“{f.header_vi}”"
        if f.kind == "status":
            fix = f"Ghi ở cột {header} một trong các tình trạng: {_STATUS_CHOICES_VI}."
            status = {"fix_vi": fix, "expected_vi": _STATUS_CHOICES_VI,
                      "value_column": f"{f.name}_text"}
            rules.append(Rule(
                f"missing_{f.name}", "ExpectColumnValuesToNotBeNull", {"column": column},
                "block", column,
                "Chưa ghi tình trạng thực hiện, hoặc ghi không đúng các tình trạng quy định.",
                **status))
            rules.append(Rule(
                f"invalid_{f.name}", "ExpectColumnValuesToBeInSet",
                {"column": column, "value_set": list(TASK_STATUS_CODES)}, "block", column,
                "Tình trạng thực hiện không thuộc các tình trạng quy định.", **status))
        elif f.required:
            rules.append(Rule(
                f"missing_{f.name}", "ExpectColumnValuesToNotBeNull", {"column": column},
                "block", column, f"Thiếu {f.header_vi[0].lower()}{f.header_vi[1:]}.",
                f.missing_fix_vi.format(capital_sources=capital_source_examples_vi())))
        if f.kind == "data_status":
            rules.append(Rule(
                f"invalid_{f.name}", "ExpectColumnValuesToBeInSet",
                {"column": column, "value_set": list(DATA_STATUS_CODES)}, "warn", column,
                "Tính chất số liệu không thuộc các loại quy định.",
                f"Ghi ở cột {header} một trong: {_DATA_STATUS_CHOICES_VI} (hoặc để trống).",
                expected_vi=_DATA_STATUS_CHOICES_VI))
    return tuple(rules)


def _duplicate(code: str, template: Template, message_vi: str, fix_vi: str) -> Rule:
    """Each row key (spec.row_key) once per sheet: a batch holds many sheets."""
    key = list(spec(template).row_key)
    return Rule(code, "ExpectCompoundColumnsToBeUnique", {"column_list": [SHEET_KEY, *key]},
                "warn", key[0], message_vi, fix_vi)


# Rules beyond what the spec implies: ranges, consistency, uniqueness.
VALUE_RULES: dict[str, tuple[Rule, ...]] = {
    "tasks": (
        Rule(
            "percent_out_of_range", "ExpectColumnValuesToBeBetween",
            {"column": "percent_complete", "min_value": 0, "max_value": 100}, "block",
            "percent_complete",
            "Tỷ lệ hoàn thành phải từ 0 đến 100 (%).",
            "Ghi tỷ lệ hoàn thành là một số từ 0 đến 100, ví dụ 75 hoặc 75%.",
            expected_vi="0 – 100",
        ),
        Rule(
            "missing_completed_date", "ExpectColumnValuesToNotBeNull",
            {
                "column": "completed_date",
                # Only rows whose status says the task is done.
                "row_condition": ("status", "in", list(COMPLETED_TASK_STATUSES)),
            },
            "warn", "completed_date",
            "Nhiệm vụ đã hoàn thành nhưng chưa ghi ngày hoàn thành.",
            "Ghi ngày hoàn thành ở cột “Ngày hoàn thành” theo dạng ngày/tháng/năm (dd/mm/yyyy).",
        ),
        _duplicate(
            "duplicate_task_code", "tasks",
            "Mã nhiệm vụ xuất hiện nhiều lần trong sheet.",
            "Mỗi nhiệm vụ chỉ báo cáo trên một dòng: gộp hoặc xoá các dòng trùng mã.",
        ),
    ),
    "indicators": (
        _at_least_zero(
            "negative_month_value", "month_value", "warn",
            "Số thực hiện trong tháng là số âm.",
            "Kiểm tra lại cột “Thực hiện tháng”; nếu số âm là đúng, giải thích ở cột “Ghi chú”.",
        ),
        _duplicate(
            "duplicate_indicator_code", "indicators",
            "Mã chỉ tiêu xuất hiện nhiều lần trong sheet.",
            "Mỗi chỉ tiêu chỉ báo cáo trên một dòng: gộp hoặc xoá các dòng trùng mã.",
        ),
    ),
    "disbursement": (
        _at_least_zero(
            "negative_annual_plan", "annual_plan_vnd", "block",
            "Kế hoạch vốn năm là số âm.",
            "Ghi kế hoạch vốn năm là số không âm (đơn vị: triệu đồng).",
        ),
        _at_least_zero(
            "negative_ytd_disbursed", "ytd_disbursed_vnd", "block",
            "Lũy kế giải ngân là số âm.",
            "Ghi lũy kế giải ngân là số không âm (đơn vị: triệu đồng).",
        ),
        _at_least_zero(
            "negative_month_disbursed", "month_disbursed_vnd", "warn",
            "Số giải ngân trong tháng là số âm.",
            "Kiểm tra lại cột “Giải ngân trong tháng”; nếu là điều chỉnh giảm, "
            "giải thích ở cột “Khó khăn, vướng mắc”.",
        ),
        Rule(
            "ytd_disbursed_exceeds_plan", "ExpectColumnPairValuesAToBeGreaterThanB",
            {
                "column_A": AVAILABLE_PLAN_COLUMN,
                "column_B": "ytd_disbursed_vnd",
                "or_equal": True,
                "ignore_row_if": "either_value_is_missing",
            },
            "warn", "ytd_disbursed_vnd",
            "Lũy kế giải ngân lớn hơn tổng kế hoạch vốn (kế hoạch năm + kế hoạch kéo dài).",
            "Kiểm tra lại số lũy kế giải ngân, kế hoạch vốn năm và kế hoạch vốn kéo dài; "
            "lưu ý đơn vị tính (triệu đồng, tỷ đồng hay đồng).",
            expected_vi="≤ {expected_value} (kế hoạch vốn năm + kế hoạch vốn kéo dài)",
            extra_meta={"expected_column": AVAILABLE_PLAN_COLUMN},
        ),
        _duplicate(
            "duplicate_project_capital_source", "disbursement",
            "Một dự án có nhiều dòng cùng nguồn vốn.",
            "Mỗi dự án chỉ ghi một dòng cho mỗi nguồn vốn: gộp hoặc xoá các dòng trùng.",
        ),
    ),
}


RULES: dict[str, tuple[Rule, ...]] = {t: column_rules(t) + VALUE_RULES[t] for t in TEMPLATES}


def rule_id(suite_name: str, code: str) -> str:
    return str(uuid.uuid5(_ID_NAMESPACE, f"{suite_name}:{code}"))


def build_suite(template: str) -> Any:
    """The GX ExpectationSuite of ``template`` (suite name = template name)."""
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column

    suite = gx.ExpectationSuite(
        name=template,
        id=rule_id(template, "__suite__"),
        meta={"planwatch_template": template},
    )
    for rule in RULES[template]:
        cls = getattr(gxe, rule.expectation)
        kwargs = dict(rule.kwargs)
        if "row_condition" in kwargs:
            column, op, values = kwargs["row_condition"]
            assert op == "in", op
            kwargs["row_condition"] = Column(column).is_in(values)
        expectation = cls(
            id=rule_id(template, rule.code),
            meta=rule.meta,
            notes=f"{rule.message_vi} Cách sửa: {rule.fix_vi}",
            severity="critical" if rule.severity == "block" else "warning",
            **kwargs,
        )
        # Added directly: suite.add_expectation would save through the context.
        suite.expectations.append(expectation)
    return suite


def configure_context(context: AbstractDataContext) -> None:
    """Project settings planwatch relies on (idempotent, saved to great_expectations.yml).

    - analytics off (no network calls from a government warehouse);
    - no progress bars in logs;
    - validation results kept in memory: planwatch stores them in PostgreSQL
      (audit.validation_results) and renders Data Docs itself once per run, so
      nothing is written under the committed expectations/ folder at run time;
    - one Data Docs site, ``planwatch_site``, whose ``base_directory`` is a
      default for interactive use; ``build_data_docs`` points it at a runtime
      folder (data/reports/data_docs/).
    """
    from great_expectations.data_context.types.base import ProgressBarsConfig

    variables = context.variables
    variables.analytics_enabled = False
    variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    stores = dict(variables.stores or {})
    stores[variables.validation_results_store_name or "validation_results_store"] = {
        "class_name": "ValidationResultsStore",
        "store_backend": {"class_name": "InMemoryStoreBackend"},
    }
    variables.stores = stores
    variables.data_docs_sites = {
        DATA_DOCS_SITE_NAME: {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": "uncommitted/data_docs/planwatch_site/",
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            "site_section_builders": {"profiling": "None"},
        }
    }
    variables.save()


def ensure_batch_definitions(context: AbstractDataContext) -> None:
    """The pandas datasource, one dataframe asset per template, a whole-frame batch definition.

    Adds only what is missing (so a committed great_expectations.yml is left alone).
    """
    datasource = context.data_sources.all().get(DATASOURCE_NAME)
    if datasource is None:
        datasource = context.data_sources.add_pandas(DATASOURCE_NAME)
    existing = {asset.name for asset in datasource.assets}
    for template in TEMPLATES:
        asset = (
            datasource.get_asset(template)
            if template in existing
            else datasource.add_dataframe_asset(template)
        )
        if BATCH_DEFINITION_NAME not in {bd.name for bd in asset.batch_definitions}:
            asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION_NAME)


def write_suites(context: AbstractDataContext) -> list[str]:
    """(Re)write the three suites into the context's expectations store."""
    names = []
    for template in TEMPLATES:
        suite = build_suite(template)
        context.suites.add_or_update(suite)
        names.append(suite.name)
        # GX writes \u escapes; keep the Vietnamese text readable in review.
        path = Path(context.root_directory) / "expectations" / f"{suite.name}.json"
        if path.is_file():
            data = json.loads(path.read_text(encoding="utf-8"))
            path.write_text(
                json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                encoding="utf-8",
            )
    return names


_YML_HEADER = """\
# planwatch GX File Data Context. Generated by `python -m planwatch.regenerate`
# (src/planwatch/quality/suites.py holds the readable rule definitions): edit
# there, regenerate, commit. Validation results are kept in memory (planwatch
# stores them in audit.validation_results); Data Docs are written at run time to
# data/reports/data_docs/ by planwatch.quality.data_docs.build_data_docs, which
# points planwatch_site's base_directory there.
"""


def init_expectations(expectations_dir: Path | str) -> Path:
    """Create or refresh the File Data Context under ``expectations_dir``; returns its gx/ dir."""
    import great_expectations as gx

    context = gx.get_context(mode="file", project_root_dir=str(expectations_dir))
    configure_context(context)
    ensure_batch_definitions(context)
    write_suites(context)
    root = Path(context.root_directory)
    config_file = root / "great_expectations.yml"
    text = config_file.read_text(encoding="utf-8")
    if not text.startswith(_YML_HEADER):
        config_file.write_text(_YML_HEADER + text, encoding="utf-8")
    return root


_COMPARED = ("id", "type", "kwargs", "meta", "notes", "severity")


def _essence(expectations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [json.loads(json.dumps({k: e.get(k) for k in _COMPARED}, sort_keys=True, default=str))
            for e in expectations]


def suites_out_of_date(expectations_dir: Path | str) -> list[Path]:
    """The committed suite files that differ from what ``RULES`` gives."""
    stale = []
    for template in TEMPLATES:
        path = Path(expectations_dir) / "gx" / "expectations" / f"{template}.json"
        committed = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        built = build_suite(template).to_json_dict()
        if _essence(committed.get("expectations", [])) != _essence(built["expectations"]):
            stale.append(path)
    return stale
