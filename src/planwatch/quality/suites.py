"""The expectation suites, one per template, built from ``quality.rules``.

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
(annual plan + carried-over plan, see ``validate.prepare_frame``), and every
frame the columns that set each row beside its history (``quality.history``).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planwatch.quality.rules import RULES
from planwatch.vocabulary.templates import TEMPLATES

if TYPE_CHECKING:
    from great_expectations.data_context import AbstractDataContext

# Names used in the committed great_expectations.yml.
DATASOURCE_NAME = "planwatch_frames"
BATCH_DEFINITION_NAME = "whole_sheet"
DATA_DOCS_SITE_NAME = "planwatch_site"


_ID_NAMESPACE = uuid.UUID("6f1c63c4-5c1e-4d5e-9d43-8a3f0b7c2e11")



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
