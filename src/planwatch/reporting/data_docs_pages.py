"""The pages of GX's Data Docs as planwatch publishes them: offline, under the
one Content-Security-Policy, the run's submissions on the index, and the
runs index (``data/reports/data_docs/index.html``).

GX writes its pages with its own templates (``quality.data_docs``); what
planwatch adds to them is rendered from ``templates/`` (``pages``): the CSP
meta, the run's summary, the offline note, the runs index.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from planwatch.quality.data_docs import Site
from planwatch.reporting.pages import render
from planwatch.vocabulary.statuses import SUBMISSION_STATUS_LABELS_VI
from planwatch.vocabulary.templates import SHEET_NAMES_VI

# Where GX's index holds its content; the run's summary goes first in it.
_SUMMARY_ANCHOR = '<div class="container-fluid pt-4 pb-4 pl-5 pr-5">'
# What GX's pages fetch from the Internet, and its newsletter banner: an offline
# reader waits for none of it, and no page tells GX's servers it was opened.
_REMOTE_LOGO = re.compile(r'src="https://great-expectations-web-assets[^"]*?([\w-]+\.(?:svg|png))[^"]*"')
_REMOTE_STYLESHEET = re.compile(r"<link\b[^>]*\bhref=[\"']?(?:https?:)?//[^>]*>\s*", re.I)
_REMOTE_SCRIPT = re.compile(r"<script\b[^>]*\bsrc=[\"']?(?:https?:)?//[^>]*>\s*</script>\s*", re.I)
_NEWSLETTER = re.compile(r"<footer>(?:(?!</footer>).)*newsletter(?:(?!</footer>).)*</footer>\s*",
                         re.I | re.S)
_HEAD = re.compile(r"<head\b[^>]*>", re.I)


def _fragment(template: str, **data: object) -> str:
    return render(template, **data).strip()


def publish(site: Site, statuses: Mapping[int, str]) -> Path:
    """Make ``site`` what planwatch publishes: the run's submissions, with the
    status the warehouse holds for each (``statuses``), at the top of its index;
    every page offline and under the CSP. Returns its index.html."""
    add_run_summary(site, statuses)
    make_offline(site.out)
    return site.index


def add_run_summary(site: Site, statuses: Mapping[int, str]) -> None:
    """A plain-HTML list of the run's submissions at the top of index.html.

    GX fills its index tables with JavaScript loaded from public CDNs; on an
    offline machine they stay empty. This list works without JavaScript.
    """
    rows = []
    for record, link in site.links:
        template = SHEET_NAMES_VI.get(record["template"], record["template"])
        for sub in record["submissions"]:
            status = statuses.get(sub["submission_id"], "")
            rows.append({"link": link, "label": sub["label"], "template": template,
                         "row_count": sub["row_count"], "blocking": sub["blocking"],
                         "warnings": sub["warnings"],
                         "status": SUBMISSION_STATUS_LABELS_VI.get(status, status)})
    section = _fragment("_data_docs_summary.html", rows=rows)
    text = site.index.read_text(encoding="utf-8")
    if _SUMMARY_ANCHOR in text:
        text = text.replace(_SUMMARY_ANCHOR, _SUMMARY_ANCHOR + section, 1)
    else:
        text = text.replace("</body>", section + "</body>", 1)
    site.index.write_text(text, encoding="utf-8")


def make_offline(out: Path) -> None:
    """Every page of the site at ``out`` works without a network: GX's stylesheets
    and scripts from public CDNs and its newsletter footer are removed (the
    site's own inline style, ``plugins/custom_data_docs/styles``, lays it out),
    the remote logo becomes the copy in ``static/images``; and every page carries
    the Content-Security-Policy of every page planwatch writes (``pages.CSP``):
    no script runs, nothing is fetched, so a clerk's text GX shows cannot run."""
    csp_meta = _fragment("_csp_meta.html")
    offline_note = _fragment("_data_docs_offline_note.html")
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
        if csp_meta not in cleaned:
            cleaned = _HEAD.sub(lambda head: head.group(0) + csp_meta, cleaned, count=1)
        if offline_note not in cleaned and page.name == "index.html":
            cleaned = cleaned.replace(_SUMMARY_ANCHOR, _SUMMARY_ANCHOR + offline_note, 1)
        if cleaned != text:
            page.write_text(cleaned, encoding="utf-8")


def write_runs_index(root: Path | str) -> Path:
    """``root/index.html``: a link to each run's Data Docs site (``root/<run>/``)."""
    root = Path(root)
    runs = sorted((p.parent.name for p in root.glob("*/index.html")), reverse=True)
    index = root / "index.html"
    index.write_text(render("data_docs_runs.html", runs=runs), encoding="utf-8")
    return index
