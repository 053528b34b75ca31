"""The expectation suites, one per template, written as readable Python.

The committed GX File Data Context under ``expectations/gx/`` is generated from
this module; run it once after changing a rule and commit the result::

    .venv/bin/python -m planwatch.quality.suites [EXPECTATIONS_DIR]

Every rule carries in its ``meta`` what planwatch needs to tell a clerk what is
wrong: ``code`` (stable English), ``severity`` (``block`` rejects the
submission, ``warn`` only flags it), ``column`` (the column named in the
receipt), ``message_vi`` and ``fix_vi``. Ids are derived from the suite and rule
code so that regenerating the JSON gives the same file.

Suites run on a frame with ``RAW_COLUMNS[template]`` plus ``source_row``; the
disbursement frame also carries the derived column ``available_plan_vnd``
(annual plan + carried-over plan, see ``validate.prepare_frame``).
"""

from __future__ import annotations

import json
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planwatch.ingest.model import DATA_STATUSES, TASK_STATUSES, TEMPLATES, Severity

if TYPE_CHECKING:
    from great_expectations.data_context import AbstractDataContext

# Names used in the committed great_expectations.yml.
DATASOURCE_NAME = "planwatch_frames"
BATCH_DEFINITION_NAME = "whole_sheet"
DATA_DOCS_SITE_NAME = "planwatch_site"

# Derived column added to the disbursement frame before validation.
AVAILABLE_PLAN_COLUMN = "available_plan_vnd"

TASK_STATUS_CODES = tuple(TASK_STATUSES.values())
DATA_STATUS_CODES = tuple(DATA_STATUSES.values())

_ID_NAMESPACE = uuid.UUID("6f1c63c4-5c1e-4d5e-9d43-8a3f0b7c2e11")

_STATUS_CHOICES_VI = "; ".join(TASK_STATUSES)


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


def _not_null(code: str, column: str, severity: Severity, message_vi: str, fix_vi: str,
              **kw: Any) -> Rule:
    return Rule(code, "ExpectColumnValuesToNotBeNull", {"column": column}, severity, column,
                message_vi, fix_vi, **kw)


def _at_least_zero(code: str, column: str, severity: Severity, message_vi: str,
                   fix_vi: str) -> Rule:
    return Rule(code, "ExpectColumnValuesToBeBetween", {"column": column, "min_value": 0},
                severity, column, message_vi, fix_vi, expected_vi="≥ 0")


RULES: dict[str, tuple[Rule, ...]] = {
    "tasks": (
        _not_null(
            "missing_task_code", "task_code", "block",
            "Thiếu mã nhiệm vụ.",
            "Ghi mã nhiệm vụ ở cột “Mã nhiệm vụ” đúng như trong danh mục nhiệm vụ của kế hoạch.",
        ),
        _not_null(
            "missing_status", "status", "block",
            "Chưa ghi tình trạng thực hiện, hoặc ghi không đúng các tình trạng quy định.",
            f"Ghi ở cột “Tình trạng” một trong các tình trạng: {_STATUS_CHOICES_VI}.",
            expected_vi=_STATUS_CHOICES_VI, value_column="status_text",
        ),
        Rule(
            "invalid_status", "ExpectColumnValuesToBeInSet",
            {"column": "status", "value_set": list(TASK_STATUS_CODES)}, "block", "status",
            "Tình trạng thực hiện không thuộc các tình trạng quy định.",
            f"Ghi ở cột “Tình trạng” một trong các tình trạng: {_STATUS_CHOICES_VI}.",
            expected_vi=_STATUS_CHOICES_VI, value_column="status_text",
        ),
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
                "row_condition": ("status", "in", ["completed", "completed_late"]),
            },
            "warn", "completed_date",
            "Nhiệm vụ đã hoàn thành nhưng chưa ghi ngày hoàn thành.",
            "Ghi ngày hoàn thành ở cột “Ngày hoàn thành” theo dạng ngày/tháng/năm (dd/mm/yyyy).",
        ),
        Rule(
            "duplicate_task_code", "ExpectColumnValuesToBeUnique", {"column": "task_code"},
            "warn", "task_code",
            "Mã nhiệm vụ xuất hiện nhiều lần trong sheet.",
            "Mỗi nhiệm vụ chỉ báo cáo trên một dòng: gộp hoặc xoá các dòng trùng mã.",
        ),
    ),
    "indicators": (
        _not_null(
            "missing_indicator_code", "indicator_code", "block",
            "Thiếu mã chỉ tiêu.",
            "Ghi mã chỉ tiêu ở cột “Mã chỉ tiêu” đúng như trong danh mục chỉ tiêu của kế hoạch.",
        ),
        _not_null(
            "missing_unit", "unit", "block",
            "Thiếu đơn vị tính của chỉ tiêu.",
            "Ghi đơn vị tính ở cột “Đơn vị tính” đúng như trong danh mục chỉ tiêu "
            "(ví dụ: %, tỷ đồng, người).",
        ),
        _not_null(
            "missing_ytd_value", "ytd_value", "block",
            "Thiếu số lũy kế từ đầu năm.",
            "Ghi số lũy kế từ đầu năm đến kỳ báo cáo ở cột “Lũy kế từ đầu năm”; "
            "nếu là số ước tính, ghi “Ước tính” ở cột “Tính chất số liệu”.",
        ),
        _at_least_zero(
            "negative_month_value", "month_value", "warn",
            "Số thực hiện trong tháng là số âm.",
            "Kiểm tra lại cột “Thực hiện tháng”; nếu số âm là đúng, giải thích ở cột “Ghi chú”.",
        ),
        Rule(
            "invalid_data_status", "ExpectColumnValuesToBeInSet",
            {"column": "data_status", "value_set": list(DATA_STATUS_CODES)}, "warn", "data_status",
            "Tính chất số liệu không thuộc các loại quy định.",
            "Ghi ở cột “Tính chất số liệu” một trong: Ước tính; Sơ bộ; Chính thức (hoặc để trống).",
            expected_vi="Ước tính; Sơ bộ; Chính thức",
        ),
        Rule(
            "duplicate_indicator_code", "ExpectColumnValuesToBeUnique",
            {"column": "indicator_code"}, "warn", "indicator_code",
            "Mã chỉ tiêu xuất hiện nhiều lần trong sheet.",
            "Mỗi chỉ tiêu chỉ báo cáo trên một dòng: gộp hoặc xoá các dòng trùng mã.",
        ),
    ),
    "disbursement": (
        _not_null(
            "missing_project_code", "project_code", "block",
            "Thiếu mã dự án.",
            "Ghi mã dự án ở cột “Mã dự án” đúng như trong danh mục dự án của kế hoạch.",
        ),
        _not_null(
            "missing_capital_source", "capital_source", "block",
            "Thiếu nguồn vốn.",
            "Ghi nguồn vốn ở cột “Nguồn vốn”, ví dụ: NSTW, NSĐP, ODA, CTMTQG, "
            "Thu tiền sử dụng đất, Xổ số kiến thiết.",
        ),
        _not_null(
            "missing_annual_plan", "annual_plan_vnd", "block",
            "Thiếu kế hoạch vốn năm.",
            "Ghi kế hoạch vốn năm được giao ở cột “Kế hoạch vốn năm” (đơn vị: triệu đồng); "
            "nếu chưa được giao vốn, ghi 0.",
        ),
        _at_least_zero(
            "negative_annual_plan", "annual_plan_vnd", "block",
            "Kế hoạch vốn năm là số âm.",
            "Ghi kế hoạch vốn năm là số không âm (đơn vị: triệu đồng).",
        ),
        _not_null(
            "missing_ytd_disbursed", "ytd_disbursed_vnd", "block",
            "Thiếu số lũy kế giải ngân.",
            "Ghi số vốn đã giải ngân từ đầu năm đến kỳ báo cáo ở cột “Lũy kế giải ngân” "
            "(đơn vị: triệu đồng); nếu chưa giải ngân, ghi 0.",
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
        Rule(
            "duplicate_project_capital_source", "ExpectCompoundColumnsToBeUnique",
            {"column_list": ["project_code", "capital_source"]}, "warn", "project_code",
            "Một dự án có nhiều dòng cùng nguồn vốn.",
            "Mỗi dự án chỉ ghi một dòng cho mỗi nguồn vốn: gộp hoặc xoá các dòng trùng.",
        ),
    ),
}


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
# planwatch GX File Data Context. Generated by `python -m planwatch.quality.suites`
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


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args:
        target = Path(args[0])
    else:
        from planwatch.config import load_settings

        target = load_settings().expectations_dir
    root = init_expectations(target)
    print(f"expectation suites written under {root}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
