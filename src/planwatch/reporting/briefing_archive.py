"""Issuing the monthly briefing: the HTML page, the PDF, and the archive.

``data/reports/briefings/<plan>/<YYYY-MM>/<issued at>/`` holds one issued
briefing, unchanged for ever: ``briefing.html``, ``briefing.pdf`` and
``figures.json`` (every figure it showed, by key, with the marts' as-of and the
time it was issued). An issue is written in a folder of its own that appears
whole (a hidden folder renamed into place), never over another. Issuing again
while the month's figures are what the latest issue of that month showed is a
no-op. When figures the previous issued briefing showed (the latest one of the
plan, of this month or an earlier one) are no longer what the marts hold, the
new briefing lists them, as shown then and as they are now.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from planwatch.config import Settings
from planwatch.reporting import briefing_text as text
from planwatch.reporting.briefing import Briefing, Figure, read_briefing
from planwatch.reporting.briefing_charts import svg
from planwatch.reporting.briefing_pdf import write_pdf
from planwatch.reporting.pages import drawn, render
from planwatch.reporting.vietnamese import datetime_vi, month_vi, zone_vi

FIGURES = "figures.json"
HTML = "briefing.html"
PDF = "briefing.pdf"
SYSTEM_VI = "planwatch — hệ thống theo dõi thực hiện kế hoạch"


@dataclass(frozen=True)
class Issued:
    folder: Path
    is_new: bool  # False: the latest issue already shows these figures
    changed: int = 0  # figures of the previous issue that changed since

    @property
    def said(self) -> str:
        """What a command prints of it."""
        if not self.is_new:
            return f"briefing unchanged since its latest issue: {self.html}, {self.pdf}"
        changed = (f"; {self.changed} figure(s) of the previous briefing changed since, "
                   "listed first") if self.changed else ""
        return f"briefing issued: {self.html}, {self.pdf}{changed}"

    @property
    def html(self) -> Path:
        return self.folder / HTML

    @property
    def pdf(self) -> Path:
        return self.folder / PDF


def archive_folder(settings: Settings, plan_code: str, period: str | None = None) -> Path:
    folder = settings.reports_dir / "briefings" / plan_code
    return folder / period if period else folder


def issues(settings: Settings, plan_code: str) -> list[dict[str, Any]]:
    """Every issued briefing of the plan (its figures.json, and ``folder``),
    in the order they were issued."""
    found = []
    for path in archive_folder(settings, plan_code).glob(f"????-??/*/{FIGURES}"):
        if path.parent.name.startswith("."):
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        found.append({**data, "folder": path.parent})
    return sorted(found, key=lambda d: (d["issued_at"], d["period"]))


def latest_issues(settings: Settings) -> list[Path]:
    """The newest issued briefing of each plan's latest month (its HTML page)."""
    out = []
    for plan in sorted((settings.reports_dir / "briefings").glob("*")):
        found = sorted(p for p in plan.glob(f"????-??/*/{HTML}")
                       if not p.parent.name.startswith("."))
        if found:
            out.append(found[-1])
    return out


def _changes(conn: psycopg.Connection, previous: dict[str, Any]) -> list[text.Change]:
    """The figures ``previous`` showed that the marts now hold otherwise."""
    now = read_briefing(conn, previous["plan_code"], previous["period"]).figures
    out = []
    for key, shown in sorted(previous["figures"].items()):
        issued = Figure.from_json(key, shown)
        current = now.get(key)
        if current is None or current.as_json()["value"] != shown["value"]:
            out.append(text.Change(issued, current))
    return out


def _parts(sentence: text.Sentence) -> list[tuple[str, str | None]]:
    """A sentence for the template: (text, figure key or None) per part."""
    return [(p.text, p.key) if isinstance(p, Figure) else (p, None) for p in sentence]


def _heading(b: Briefing) -> tuple[str, str]:
    kicker = f"Bản tin điều hành · {b.issuer_name_vi} · kế hoạch {b.plan_code}"
    return kicker, f"Bản tin {month_vi(b.period)}: tình hình thực hiện kế hoạch"


def _footer(b: Briefing, timezone: str) -> str:
    as_of = datetime_vi(b.as_of, timezone) if b.as_of else "—"
    return (f"Số liệu của kho dữ liệu tính đến {as_of} ({zone_vi(timezone)}); "
            "số viết theo cách Việt Nam (1.234.567,5). Lập tự động bởi planwatch.")


def render_html(b: Briefing, pages: Sequence[text.Page], changes: Sequence[text.Sentence], *,
                timezone: str, issued_at: dt.datetime) -> str:
    kicker, heading = _heading(b)
    return render(
        "briefing.html", title=heading, kicker=kicker, heading=heading,
        plan_title=b.plan_title_vi, as_of=b.as_of, issued_at=issued_at, timezone=timezone,
        system=SYSTEM_VI, changes=[_parts(s) for s in changes],
        pages=[{"theme": p.theme, "number": n, "title": p.title_vi,
                "cards": [(label, f.text, f.key) for label, f in p.key_figures],
                "chart": drawn(svg(p.theme, b)),
                "sentences": [_parts(s) for s in p.sentences]}
               for n, p in enumerate(pages, 1)])


def _write_issue(folder: Path, b: Briefing, record: dict[str, Any], html: str,
                 pages: Sequence[text.Page], changes: Sequence[text.Sentence],
                 timezone: str) -> None:
    """The issue's three files in a hidden folder beside ``folder``, then renamed
    to it: the folder appears whole, or not at all."""
    partial = folder.with_name(f".{folder.name}.part")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    (partial / HTML).write_text(html, encoding="utf-8")
    kicker, heading = _heading(b)
    write_pdf(partial / PDF, b, pages, kicker=kicker, heading=heading,
              footer=_footer(b, timezone), changes=changes)
    (partial / FIGURES).write_text(json.dumps(record, ensure_ascii=False, indent=1,
                                              sort_keys=True) + "\n", encoding="utf-8")
    for path in partial.iterdir():
        os.chmod(path, 0o444)  # archived unchanged
    os.rename(partial, folder)  # fails, never replaces, if the folder exists


def issue_briefing(settings: Settings, url: str, plan_code: str, period: str, *,
                   now: dt.datetime | None = None) -> Issued:
    """Issue the briefing of ``plan_code`` × ``period``, reading the marts through
    ``url`` (the BI reader's); a no-op when the latest issue of the month shows
    the same figures."""
    issued_at = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    with psycopg.connect(url) as conn:
        b = read_briefing(conn, plan_code, period)
        figures = b.values()
        earlier = [i for i in issues(settings, plan_code) if i["period"] <= period]
        same = [i for i in earlier if i["period"] == period]
        if same and same[-1]["figures"] == figures:
            return Issued(same[-1]["folder"], is_new=False)
        previous = earlier[-1] if earlier else None
        changes = _changes(conn, previous) if previous else []
    pages = text.pages(b)
    change_sentences = text.changes_sentences(
        changes, previous["period"], datetime_vi(dt.datetime.fromisoformat(
            previous["issued_at"]), settings.timezone)) if previous and changes else []
    record = {"plan_code": plan_code, "period": period, "figures": figures,
              "as_of": b.as_of.isoformat() if b.as_of else None,
              "issued_at": issued_at.isoformat(),
              "changes_since": {"period": previous["period"], "issued_at": previous["issued_at"],
                                "keys": [c.issued.key for c in changes]} if previous else None}
    html = render_html(b, pages, change_sentences, timezone=settings.timezone,
                       issued_at=issued_at)
    folder = archive_folder(settings, plan_code, period) / f"{issued_at:%Y%m%dT%H%M%S%fZ}"
    _write_issue(folder, b, record, html, pages, change_sentences, settings.timezone)
    return Issued(folder, is_new=True, changed=len(changes))
