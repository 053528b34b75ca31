"""GX Data Docs for a run's validations, built once per run.

The site is ``planwatch_site`` from ``expectations/gx/great_expectations.yml``
(section and index settings); only its ``base_directory`` is replaced by the
runtime folder given here (e.g. ``data/reports/data_docs/``), so nothing is
written under the committed expectations/ folder. The run's validation results
are put in the context's in-memory validation results store just for the build:
the site shows the suites and this run's validations (pages left from an earlier
run in the same folder are removed). The lasting record of every validation is
audit.validation_results.
"""

from __future__ import annotations

import copy
import html
import re
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planwatch.quality.suites import DATA_DOCS_SITE_NAME
from planwatch.quality.validate import ValidationOutcome, Validator
from planwatch.text import safe_label
from planwatch.vocabulary.problems import Problem
from planwatch.vocabulary.statuses import SUBMISSION_STATUS_LABELS_VI
from planwatch.vocabulary.templates import SHEET_NAMES_VI


@dataclass(frozen=True)
class DocsEntry:
    """One validated sheet: its submission and every problem found (catalog rules
    as well as GX). What the submission became is read from the warehouse when
    the site is built (a later version may have superseded it since)."""

    outcome: ValidationOutcome
    submission_id: int
    problems: tuple[Problem, ...] = ()


def build_data_docs(
    entries: Iterable[DocsEntry],
    out_dir: Path | str,
    *,
    validator: Validator,
    statuses: Mapping[int, str],
) -> Path:
    """Write the Data Docs site for ``entries`` into ``out_dir``; returns its index.html.

    ``statuses`` maps each submission to the status the warehouse holds for it."""
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
    used: set[tuple[str, str, str]] = set()
    keyed: list[tuple[DocsEntry, Any]] = []
    try:
        for entry in entries:
            outcome = entry.outcome
            if outcome.gx_result is None:
                continue
            run_name = safe_label(outcome.label)
            batch_identifier = safe_label(f"{outcome.template}-{outcome.label}")
            run_time = outcome.validated_at
            while (outcome.suite_name, run_name, batch_identifier) in used:
                batch_identifier += "_"
            used.add((outcome.suite_name, run_name, batch_identifier))
            run_id = RunIdentifier(run_name=run_name, run_time=run_time)
            outcome.gx_result.meta["run_id"] = run_id
            # Shown as "Data asset" on the validation page.
            outcome.gx_result.meta["batch_kwargs"] = {
                "data_asset_name": outcome.template,
                "submission": outcome.label,
            }
            key = ValidationResultIdentifier(
                expectation_suite_identifier=ExpectationSuiteIdentifier(name=outcome.suite_name),
                run_id=run_id,
                batch_identifier=batch_identifier,
            )
            store.set(key, outcome.gx_result)
            keyed.append((entry, key))

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
            (entry, _relative_link(builder.get_resource_url(key, only_if_exists=False), out))
            for entry, key in keyed
        ]
    finally:
        _clear(store)
    index = out / "index.html"
    if not index.is_file():
        raise RuntimeError(f"Data Docs build wrote no {index}")
    _add_run_summary(index, links, statuses)
    _drop_remote_logo(out)
    return index


def _relative_link(url: str | None, out: Path) -> str | None:
    if not url:
        return None
    path = Path(urllib.parse.unquote(urllib.parse.urlparse(url).path))
    try:
        return path.resolve().relative_to(out).as_posix()
    except ValueError:
        return url


_SUMMARY_ANCHOR = '<div class="container-fluid pt-4 pb-4 pl-5 pr-5">'


def _add_run_summary(index: Path, links: list[tuple[DocsEntry, str | None]],
                     statuses: Mapping[int, str]) -> None:
    """A plain-HTML list of the run's validations at the top of index.html.

    GX fills its index tables with JavaScript loaded from public CDNs; on an
    offline machine they stay empty. This list works without JavaScript.
    """
    rows = []
    for entry, link in links:
        outcome, status = entry.outcome, statuses.get(entry.submission_id, "")
        blocking = sum(p.is_blocking for p in entry.problems)
        label = html.escape(outcome.label)
        cell = f'<a href="{html.escape(link)}">{label}</a>' if link else label
        rows.append(
            "<tr>"
            f"<td>{cell}</td>"
            f"<td>{html.escape(SHEET_NAMES_VI.get(outcome.template, outcome.template))}</td>"
            f"<td>{outcome.row_count}</td>"
            f"<td>{html.escape(SUBMISSION_STATUS_LABELS_VI.get(status, status))}</td>"
            f"<td>{blocking}</td>"
            f"<td>{len(entry.problems) - blocking}</td>"
            "</tr>"
        )
    section = (
        '<section id="planwatch-run-summary" class="mb-4">'
        "<h3>Kết quả kiểm tra dữ liệu của lượt chạy (validations in this run)</h3>"
        '<table class="table table-sm table-bordered">'
        "<thead><tr><th>Bài nộp</th><th>Biểu</th><th>Số dòng</th><th>Kết quả</th>"
        "<th>Lỗi phải sửa</th><th>Cảnh báo</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )
    text = index.read_text(encoding="utf-8")
    if _SUMMARY_ANCHOR in text:
        text = text.replace(_SUMMARY_ANCHOR, _SUMMARY_ANCHOR + section, 1)
    else:
        text = text.replace("</body>", section + "</body>", 1)
    index.write_text(text, encoding="utf-8")


_REMOTE_LOGO = re.compile(r'src="https://great-expectations-web-assets[^"]*"')


def _drop_remote_logo(out: Path) -> None:
    """GX pages load their logo from GX's servers with the context id in the URL; drop it."""
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        cleaned = _REMOTE_LOGO.sub('src="data:,"', text)
        if cleaned != text:
            page.write_text(cleaned, encoding="utf-8")


def _clear(store: Any) -> None:
    for key in list(store.list_keys()):
        store.remove_key(key)


def write_runs_index(root: Path | str) -> Path:
    """``root/index.html``: a link to each run's Data Docs site (``root/<run>/``)."""
    root = Path(root)
    runs = sorted((p.parent.name for p in root.glob("*/index.html")), reverse=True)
    items = "".join(f'<li><a href="{html.escape(urllib.parse.quote(run))}/index.html">'
                    f"{html.escape(run)}</a></li>" for run in runs)
    index = root / "index.html"
    index.write_text(
        "<!doctype html><html lang='vi'><head><meta charset='utf-8'>"
        "<title>Kết quả kiểm tra dữ liệu (Great Expectations Data Docs)</title></head><body>"
        "<h1>Kết quả kiểm tra dữ liệu theo lượt chạy</h1>"
        f"<p>Mỗi lượt tiếp nhận có một trang Data Docs riêng.</p><ul>{items}</ul>"
        "</body></html>", encoding="utf-8")
    return index
