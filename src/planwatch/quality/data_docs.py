"""GX Data Docs, built from the validation records a run left in the data folder.

Every batch validation (one template's suite over many sheets, ``validate``)
is recorded as a JSON file under ``data/reports/validations/<run>/``: the GX
result and the submissions it judged. ``build_data_docs`` reads a run's
records, so that the task that builds the site need not be the process that
validated (under a scheduler every task is a process of its own), and shows
each submission with the status the warehouse holds for it.

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
import html
import json
import os
import re
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from planwatch.quality.suites import DATA_DOCS_SITE_NAME
from planwatch.quality.validate import ValidationOutcome, Validator
from planwatch.text import safe_label, shown
from planwatch.vocabulary.problems import Problem
from planwatch.vocabulary.statuses import SUBMISSION_STATUS_LABELS_VI
from planwatch.vocabulary.templates import SHEET_NAMES_VI


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


def build_data_docs(
    records: Sequence[Mapping[str, Any]],
    out_dir: Path | str,
    *,
    validator: Validator,
    statuses: Mapping[int, str],
) -> Path:
    """Write the Data Docs site of ``records`` into ``out_dir``; returns its index.html.

    ``statuses`` maps each submission to the status the warehouse holds for it."""
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
    _add_run_summary(index, links, statuses)
    make_offline(out)
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


def _add_run_summary(index: Path, links: list[tuple[Mapping[str, Any], str | None]],
                     statuses: Mapping[int, str]) -> None:
    """A plain-HTML list of the run's submissions at the top of index.html.

    GX fills its index tables with JavaScript loaded from public CDNs; on an
    offline machine they stay empty. This list works without JavaScript.
    """
    rows = []
    for record, link in links:
        template = SHEET_NAMES_VI.get(record["template"], record["template"])
        for sub in record["submissions"]:
            label = html.escape(shown(sub["label"]))
            cell = f'<a href="{html.escape(link)}">{label}</a>' if link else label
            status = statuses.get(sub["submission_id"], "")
            rows.append(
                "<tr>"
                f"<td>{cell}</td>"
                f"<td>{html.escape(template)}</td>"
                f"<td>{sub['row_count']}</td>"
                f"<td>{html.escape(SUBMISSION_STATUS_LABELS_VI.get(status, status))}</td>"
                f"<td>{sub['blocking']}</td>"
                f"<td>{sub['warnings']}</td>"
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


# What GX's pages fetch from the Internet, and its newsletter banner: an offline
# reader waits for none of it, and no page tells GX's servers it was opened.
_REMOTE_LOGO = re.compile(r'src="https://great-expectations-web-assets[^"]*?([\w-]+\.(?:svg|png))[^"]*"')
_REMOTE_STYLESHEET = re.compile(r"<link\b[^>]*\bhref=[\"']?(?:https?:)?//[^>]*>\s*", re.I)
_REMOTE_SCRIPT = re.compile(r"<script\b[^>]*\bsrc=[\"']?(?:https?:)?//[^>]*>\s*</script>\s*", re.I)
_NEWSLETTER = re.compile(r"<footer>(?:(?!</footer>).)*newsletter(?:(?!</footer>).)*</footer>\s*",
                         re.I | re.S)
# What a page of the site may load, as the auditor's report: its own inline style
# and the site's own images, no script at all (GX's needed its CDN's libraries,
# removed above), nothing fetched: a clerk's text GX shows cannot run.
DATA_DOCS_CSP = ("default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                 "base-uri 'none'; form-action 'none'")
_CSP_META = f'<meta http-equiv="Content-Security-Policy" content="{DATA_DOCS_CSP}">'
_HEAD = re.compile(r"<head\b[^>]*>", re.I)
# The sidebar's "how to" cards, the walkthrough modal: GX's help for its own users.
_OFFLINE_NOTE = (
    '<p id="planwatch-offline-note" class="mb-2" style="font-size:.85rem">'
    "Trang xem được không cần mạng: không tải tệp nào từ Internet (các nút lọc và sắp "
    "xếp của Great Expectations cần JavaScript từ Internet nên không có ở đây).</p>")


def make_offline(out: Path) -> None:
    """Every page of the site at ``out`` works without a network: GX's stylesheets
    and scripts from public CDNs and its newsletter footer are removed (the
    site's own inline style, ``plugins/custom_data_docs/styles``, lays it out),
    the remote logo becomes the copy in ``static/images``; and every page carries
    a Content-Security-Policy that runs no script (``DATA_DOCS_CSP``)."""
    images = out / "static" / "images"
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        to_images = Path(os.path.relpath(images, page.parent)).as_posix()

        def local_logo(match: re.Match[str], to_images: str = to_images) -> str:
            name = match.group(1)
            return f'src="{to_images}/{name}"' if (images / name).is_file() else 'src="data:,"'

        cleaned = _REMOTE_LOGO.sub(local_logo, text)
        cleaned = _REMOTE_SCRIPT.sub("", _REMOTE_STYLESHEET.sub("", cleaned))
        cleaned = _NEWSLETTER.sub("", cleaned)
        if _CSP_META not in cleaned:
            cleaned = _HEAD.sub(lambda head: head.group(0) + _CSP_META, cleaned, count=1)
        if _OFFLINE_NOTE not in cleaned and page.name == "index.html":
            cleaned = cleaned.replace(_SUMMARY_ANCHOR, _SUMMARY_ANCHOR + _OFFLINE_NOTE, 1)
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
        f"<!doctype html><html lang='vi'><head><meta charset='utf-8'>{_CSP_META}"
        "<title>Kết quả kiểm tra dữ liệu (Great Expectations Data Docs)</title></head><body>"
        "<h1>Kết quả kiểm tra dữ liệu theo lượt chạy</h1>"
        f"<p>Mỗi lượt tiếp nhận có một trang Data Docs riêng.</p><ul>{items}</ul>"
        "</body></html>", encoding="utf-8")
    return index
