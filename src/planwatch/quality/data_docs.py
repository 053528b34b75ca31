"""GX Data Docs, built from the validation records a run left in the data folder.

Every batch validation (one template's suite over many sheets, ``validate``)
is recorded as a JSON file under ``data/reports/validations/<run>/``: the GX
result and the submissions it judged. ``build_data_docs`` reads a run's
records, so that the task that builds the site need not be the process that
validated (under a scheduler every task is a process of its own). The pages
GX wrote are then made offline and safe, and the run's submissions listed with
the status the warehouse holds for each, by ``reporting.data_docs_pages``.

The site is ``planwatch_site`` from ``expectations/gx/great_expectations.yml``
(section and index settings); only its ``base_directory`` is replaced by the
runtime folder given here, so nothing is written under the committed
expectations/ folder. The records are put in the context's in-memory
validation results store just for the build; the lasting record of every check
is audit.validation_results.
"""

from __future__ import annotations

import copy
import hashlib
import json
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from planwatch.quality.suites import DATA_DOCS_SITE_NAME
from planwatch.quality.validate import ValidationOutcome, Validator
from planwatch.text import safe_label
from planwatch.vocabulary.problems import Problem


@dataclass(frozen=True)
class Judged:
    """One validated sheet: its submission and every problem it was told
    (catalog rules as well as GX)."""

    submission_id: int
    outcome: ValidationOutcome
    problems: Sequence[Problem]


def record_validations(folder: Path, judged: Sequence[Judged]) -> list[Path]:
    """Write one record per GX validation (a batch of one template's sheets)."""
    by_result: dict[int, list[Judged]] = {}
    for item in judged:
        if item.outcome.gx_result is not None:
            by_result.setdefault(id(item.outcome.gx_result), []).append(item)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for items in by_result.values():
        first = items[0].outcome
        record = {
            "template": first.template, "suite_name": first.suite_name,
            "validated_at": first.validated_at.isoformat(),
            "submissions": [{
                "submission_id": i.submission_id, "label": i.outcome.label,
                "row_count": i.outcome.row_count,
                "blocking": sum(p.is_blocking for p in i.problems),
                "warnings": sum(not p.is_blocking for p in i.problems)} for i in items],
            "gx_result": first.gx_result.to_json_dict(),
        }
        key = hashlib.sha256(",".join(str(i.submission_id) for i in items).encode()).hexdigest()
        path = folder / f"{first.template}-{key[:16]}.json"
        partial = path.with_suffix(".part")
        partial.write_text(json.dumps(record, ensure_ascii=False, default=str), encoding="utf-8")
        partial.replace(path)
        paths.append(path)
    return paths


def read_validations(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]


@dataclass(frozen=True)
class Site:
    """A Data Docs site GX built: its folder, its index.html, and each record
    with the link (relative to the folder) to its validation page."""

    out: Path
    index: Path
    links: list[tuple[Mapping[str, Any], str | None]]


def build_data_docs(
    records: Sequence[Mapping[str, Any]],
    out_dir: Path | str,
    *,
    validator: Validator,
) -> Site:
    """Write GX's Data Docs site of ``records`` into ``out_dir``. Making its pages
    safe and offline, and the run's summary on its index, is the page writer's
    (``reporting.data_docs_pages.publish``)."""
    from great_expectations.core.expectation_validation_result import (
        ExpectationSuiteValidationResultSchema,
    )
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )
    from great_expectations.render.renderer.site_builder import SiteBuilder

    context = validator.context
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)

    store = context.validation_results_store
    _clear(store)
    keyed: list[tuple[Mapping[str, Any], Any]] = []
    schema = ExpectationSuiteValidationResultSchema()
    try:
        for record in records:
            result = schema.load(record["gx_result"])
            labels = [s["label"] for s in record["submissions"]]
            name = safe_label(f"{record['template']}-{labels[0]}"
                              + (f"-and-{len(labels) - 1}-more" if len(labels) > 1 else ""))
            run_id = RunIdentifier(run_name=name,
                                   run_time=datetime.fromisoformat(record["validated_at"]))
            result.meta["run_id"] = run_id
            # Shown as "Data asset" on the validation page.
            result.meta["batch_kwargs"] = {"data_asset_name": record["template"],
                                           "submissions": ", ".join(labels)}
            key = ValidationResultIdentifier(
                expectation_suite_identifier=ExpectationSuiteIdentifier(
                    name=record["suite_name"]),
                run_id=run_id, batch_identifier=name)
            store.set(key, result)
            keyed.append((record, key))

        site_config: dict[str, Any] = copy.deepcopy(
            dict(context.variables.data_docs_sites[DATA_DOCS_SITE_NAME])
        )
        site_config.pop("class_name", None)
        site_config.pop("module_name", None)
        backend = dict(site_config.pop("store_backend"))
        backend["base_directory"] = str(out)
        builder = SiteBuilder(
            data_context=context,
            store_backend=backend,
            site_name=DATA_DOCS_SITE_NAME,
            runtime_environment={"root_directory": context.root_directory},
            **site_config,
        )
        builder.build()
        links = [
            (record, _relative_link(builder.get_resource_url(key, only_if_exists=False), out))
            for record, key in keyed
        ]
    finally:
        _clear(store)
    index = out / "index.html"
    if not index.is_file():
        raise RuntimeError(f"Data Docs build wrote no {index}")
    return Site(out, index, links)


def _relative_link(url: str | None, out: Path) -> str | None:
    if not url:
        return None
    path = Path(urllib.parse.unquote(urllib.parse.urlparse(url).path))
    try:
        return path.resolve().relative_to(out).as_posix()
    except ValueError:
        return url


def _clear(store: Any) -> None:
    for key in list(store.list_keys()):
        store.remove_key(key)
