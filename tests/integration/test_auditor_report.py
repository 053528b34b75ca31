"""The auditor's report of demo months, from a real warehouse, opened in headless
Chromium: the page renders its tables (a compliance row for every agency owing
that month, what failed for every rejected file, every file received), shows
hostile agency data as text, links receipts that exist, and requests nothing
from any network."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import psycopg
import pytest
from fixtures.browser import open_page, png_size, require_chromium, screenshot
from fixtures.plans import SHIPPED_PLAN
from fixtures.scenarios import AUDITOR_NAME, CLOSED, FORMULA, HOSTILE_CODE, MONTH

from planwatch.cli import main
from planwatch.config import Settings
from planwatch.demo.manifest import DemoManifest
from planwatch.reporting.auditor_report import Written, write_auditor_reports
from planwatch.reporting.evidence import write_pack
from planwatch.reporting.pages import CSP
from planwatch.vocabulary.statuses import SUBMISSION_STATUS_LABELS_VI
from planwatch.warehouse.roles import role_url

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def report(auditor_clone, tmp_path_factory: pytest.TempPathFactory):
    """Two demo months; between their ingest and the build, January closed (by
    ``AUDITOR_NAME``, as ``planwatch period close`` records it), a correction of
    January sent while it was closed, a hostile file for February
    (``fixtures.scenarios.auditor_months``); then an evidence pack of February, and
    the reports of both months."""
    built = auditor_clone("auditor")
    settings, url, manifest = built
    sent = built.data
    agency = sent["hostile"].split("_")[0]
    pack = write_pack(settings, read_url=role_url(settings, url, "transformer"),
                      record_url=role_url(settings, url, "loader"), agency_code=agency,
                      period=MONTH, out=tmp_path_factory.mktemp("pack") / "pack",
                      created_by="kiem.toan", progress=False)
    auditor = role_url(settings, url, "auditor")
    written = write_auditor_reports(settings, auditor, plan_code=SHIPPED_PLAN,
                                    periods=[CLOSED, MONTH])
    return Report(settings, url, auditor, manifest, sent["hostile"], sent["restated"],
                  pack.manifest_sha256, written)


@dataclass(frozen=True)
class Report:
    settings: Settings
    url: str
    auditor: str
    manifest: DemoManifest
    hostile: str  # the hostile file's name
    restated: str  # the correction sent while January was closed
    pack_sha256: str
    written: Written

    def page(self, period: str) -> Path:
        return self.written.index.parent / SHIPPED_PLAN / f"{period}.html"


class Dom(HTMLParser):
    """The rendered DOM as Chromium dumped it: elements with their attributes,
    the rows of each table by id, and the text."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.elements if t == tag]


def _owing(auditor: str, period: str) -> set[str]:
    with psycopg.connect(auditor) as conn:
        return {a for (a,) in conn.execute(
            "select distinct agency_code from marts.fct_submission where plan_code = %s and"
            " period = %s", (SHIPPED_PLAN, period))}


def _text(dom: Dom) -> str:
    return "".join(dom.text)


def test_the_page_renders_its_tables_in_chromium(report: Report, tmp_path: Path) -> None:
    opened = open_page(require_chromium(), report.page(MONTH), tmp_path / "net.json")
    dom = Dom(opened.dom)
    rows = [a for a in dom.all("tr") if a.get("data-agency")]
    owing = _owing(report.auditor, MONTH)
    assert {a["data-agency"] for a in rows} == owing != set()
    assert len(rows) == len(owing)  # one row per agency
    rejected = {f.path.rsplit("/", 1)[1] for f in report.manifest.files
                if f.period == MONTH and f.outcome == "invalid"} | {report.hostile}
    shown = {a["data-file"] for a in dom.all("div") if a.get("data-file")}
    assert rejected <= shown
    assert {a.get("id") for a in dom.all("section")} >= {
        "tuan-thu", "loi", "dieu-chinh", "chat-luong", "tep", "chung-cu", "khoa-so"}
    text = _text(dom)
    assert f"Báo cáo tháng {MONTH[5:]}/{MONTH[:4]}" in text
    assert "chậm nhất trong ngày Thứ Hai, 19/02/2024 (giờ Việt Nam)" in text  # the deadline
    assert "Nguồn: marts.fct_data_quality." in text and "Chưa có dữ liệu" not in text
    assert report.pack_sha256 in text  # the evidence pack recorded


def test_hostile_agency_data_is_shown_as_text_and_nothing_runs(report: Report,
                                                               tmp_path: Path) -> None:
    opened = open_page(require_chromium(), report.page(MONTH), tmp_path / "net.json")
    dom = Dom(opened.dom)
    assert dom.all("script") == [] and dom.all("img") == []
    text = _text(dom)
    assert HOSTILE_CODE in text and report.hostile in text and FORMULA in text
    assert "<title>Báo cáo kiểm toán dữ liệu" in opened.dom  # the title was not rewritten


def test_the_hostile_files_receipt_shows_it_as_text_and_nothing_runs(report: Report,
                                                                    tmp_path: Path) -> None:
    """The receipt the clerk reads about the hostile file (its name a script and a
    formula) is written by the same templates as the auditor's report: the name
    is text, the page requests nothing, and under its Content-Security-Policy
    even markup put into it by hand (a script, an ``onerror`` handler) does not run."""
    binary = require_chromium()
    with psycopg.connect(report.auditor) as conn:
        (path,) = conn.execute("select receipt_path from audit.submissions where file_name = %s"
                               " limit 1", (report.hostile,)).fetchone()
    receipt = report.settings.home / path
    html = receipt.read_text(encoding="utf-8")
    assert CSP in html and HOSTILE_CODE not in html  # escaped, not interpreted
    opened = open_page(binary, receipt, tmp_path / "receipt.json")
    dom = Dom(opened.dom)
    assert dom.all("script") == [] and dom.all("img") == [] and opened.page_requests == []
    assert report.hostile in _text(dom)  # the name, as the clerk sent it, shown as text
    assert "<title>Biên nhận báo cáo" in opened.dom  # the title was not rewritten
    forged = receipt.with_name("forged.html")
    forged.write_text(html.replace("<body>", f"<body>{HOSTILE_CODE}<img src=x "
                                             "onerror=\"document.title='y'\">", 1),
                      encoding="utf-8")
    try:
        dom_text = open_page(binary, forged, tmp_path / "forged.json").dom
    finally:
        forged.unlink()
    title = re.search(r"<title>([^<]*)</title>", dom_text)
    assert title and title.group(1) not in ("x", "y")  # neither the script nor the handler ran


def test_the_page_requests_nothing_and_links_only_what_exists(report: Report,
                                                              tmp_path: Path) -> None:
    binary = require_chromium()
    control = tmp_path / "control.html"  # the net log does see a page's requests
    control.write_text('<img src="http://example.invalid/x.png">', encoding="utf-8")
    assert open_page(binary, control, tmp_path / "control.json").page_requests == [
        "http://example.invalid/x.png"]
    for page in [*report.written.pages, report.written.index]:
        html = page.read_text(encoding="utf-8")
        assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:|//)""", html, re.I), page
        assert "url(" not in html and "@import" not in html
        opened = open_page(binary, page, tmp_path / f"{page.stem}.json")
        assert opened.page_requests == [], page
        for a in Dom(opened.dom).all("a"):
            target = unquote((a.get("href") or "").split("#")[0])
            if target and not target.endswith("docs/index.html"):  # Data Docs, dbt docs
                assert (page.parent / target).is_file(), (page, target)


def test_the_closed_month_says_by_whom_and_lists_what_was_restated(report: Report,
                                                                   tmp_path: Path) -> None:
    binary = require_chromium()
    dom = Dom(open_page(binary, report.page(CLOSED), tmp_path / "c.json").dom)
    text = _text(dom)
    assert re.search(r"Đã khóa sổ lúc \d\d:\d\d \d\d/\d\d/\d{4} bởi " + re.escape(AUDITOR_NAME),
                     text)
    with psycopg.connect(report.auditor) as conn:
        (changed,) = conn.execute(
            "select count(*) from marts.mart_restatements where plan_code = %s and period = %s"
            " and is_restatement and new_file_name = %s",
            (SHIPPED_PLAN, CLOSED, report.restated)).fetchone()
    assert changed > 0
    restated = [a for a in dom.all("table") if "restatements" in (a.get("class") or "")]
    assert restated and text.count(report.restated) >= changed  # every changed figure listed
    index = Dom(open_page(binary, report.written.index, tmp_path / "i.json").dom)
    links = {a.get("href") for a in index.all("a")}
    assert {f"{SHIPPED_PLAN}/{CLOSED}.html", f"{SHIPPED_PLAN}/{MONTH}.html"} <= links
    assert "Đã khóa sổ" in _text(index)


def test_a_screenshot_of_the_month(report: Report, tmp_path: Path) -> None:
    png = screenshot(require_chromium(), report.page(MONTH), tmp_path / "month.png")
    assert png_size(png) == (1280, 2000) and png.stat().st_size > 50_000  # not a blank page


def test_planwatch_audit_report_writes_a_month_as_the_auditor(report: Report, monkeypatch,
                                                              capsys) -> None:
    monkeypatch.setenv("PLANWATCH_HOME", str(report.settings.home))
    monkeypatch.setenv("WAREHOUSE_URL", report.url)
    report.page(MONTH).unlink()
    assert main(["audit-report", "--period", MONTH]) == 0
    out = capsys.readouterr().out
    assert "1 month page(s) written" in out and str(report.written.index) in out
    assert report.page(MONTH).is_file()


def test_gx_data_docs_work_offline_with_the_statuses_submissions_got(report: Report,
                                                                    tmp_path: Path) -> None:
    """The runs' Data Docs fetch nothing (GX's CDN stylesheets and scripts removed,
    its own inline style kept), carry no newsletter banner, and list the hostile
    file's sheet with the status the warehouse holds for it."""
    binary = require_chromium()
    sites = sorted((report.settings.reports_dir / "data_docs").glob("*/index.html"))
    pages = [p for site in sites for p in site.parent.rglob("*.html")]
    assert sites and pages
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert not re.search(r"""<(link|script|img)\b[^>]*(src|href)=["']?(https?:)?//""",
                             html, re.I), page
        assert "newsletter" not in html.lower(), page
    for page in [sites[0], next(p for p in pages if "/validations/" in p.as_posix())]:
        assert open_page(binary, page, tmp_path / f"{page.stem[:20]}.json").page_requests == []
    with psycopg.connect(report.auditor) as conn:
        agency, sha = conn.execute("select agency_code, file_sha256 from audit.submissions"
                                   " where file_name = %s", (report.hostile,)).fetchone()
    label = f"{agency}_{MONTH}_tasks_{sha[:8]}"
    site = next(s for s in sites if label in s.read_text(encoding="utf-8"))
    dom = open_page(binary, site, tmp_path / "site.json").dom
    status = re.search(re.escape(label) + r"</a></td><td>[^<]*</td><td>[^<]*</td><td>([^<]*)<",
                       dom)
    assert status and status.group(1) == SUBMISSION_STATUS_LABELS_VI["rejected"]


def test_no_script_runs_in_the_data_docs_even_one_a_renderer_let_through(
        report: Report, tmp_path: Path) -> None:
    """Every Data Docs page carries the same kind of Content-Security-Policy as
    the auditor's report: a clerk's text that GX's templates failed to escape
    would still not run. Shown with a real validation page, a hostile cell's
    script put in its body, opened in Chromium."""
    binary = require_chromium()
    root = report.settings.reports_dir / "data_docs"
    pages = sorted(root.rglob("*.html"))
    assert pages and all(CSP in p.read_text(encoding="utf-8") for p in pages)
    page = next(p for p in pages if "/validations/" in p.as_posix())
    hostile = page.with_name("hostile.html")
    hostile.write_text(page.read_text(encoding="utf-8").replace(
        "<body>", f"<body><p>{HOSTILE_CODE}</p><img src=x onerror=\"document.title='y'\">", 1),
        encoding="utf-8")
    try:
        dom = open_page(binary, hostile, tmp_path / "hostile.json").dom
    finally:
        hostile.unlink()
    title = re.search(r"<title>([^<]*)</title>", dom)
    assert title and title.group(1) not in ("x", "y")  # neither the script nor the handler ran
    assert "document.title='x'" in dom  # it was there, as inert markup


def test_each_agencys_record_to_date_counts_every_month_so_far(report: Report) -> None:
    """The page's on-time record is marts.mart_compliance_to_date's: the owed rows
    from January up to the month whose outcome is known, and those on time."""
    from planwatch.warehouse.auditor_report import connect, read_month

    with connect(report.auditor) as conn:
        data = read_month(conn, SHIPPED_PLAN, MONTH)
        counted = {a: (assessed, on_time) for a, assessed, on_time in conn.execute(
            "select agency_code, count(*) filter (where is_assessed),"
            " count(*) filter (where is_on_time) from marts.fct_submission"
            " where plan_code = %s and period <= %s group by agency_code",
            (SHIPPED_PLAN, MONTH))}
    shown = {r["agency_code"]: (r["ytd_assessed_count"], r["ytd_on_time_count"])
             for r in data.compliance}
    assert shown == {a: counted[a] for a in shown} and len(shown) > 10
    assert any(assessed > on_time for assessed, on_time in shown.values())
    page = report.page(MONTH).read_text(encoding="utf-8")
    assessed, on_time = next(iter(shown.values()))
    assert f"({on_time}/{assessed})" in page
