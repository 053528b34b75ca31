"""The monthly briefing of the demo year's last month, from the shared warehouse read
as the BI reader: every figure it shows equals one this test computes by its own
queries on the marts (other marts, or other SQL, than the product's), the page marks
each figure it prints and prints it as computed here, the PDF renders (pdftoppm),
the page loads nothing from any network (headless Chromium), and a second run on
unchanged data leaves the archive as it was."""

from __future__ import annotations

import csv
import dataclasses
import json
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from fixtures import HISTORICAL
from fixtures.browser import open_page, require_chromium
from fixtures.plans import SHIPPED_PLAN

from planwatch.flow.ingestor import Ingestor
from planwatch.reporting.briefing_archive import issue_briefing
from planwatch.reporting.vietnamese import number_vi, percent_vi
from planwatch.vocabulary.periods import months_between
from planwatch.vocabulary.statuses import TASK_STATUS_LABELS_VI
from planwatch.vocabulary.templates import SPECS
from planwatch.warehouse import periods
from planwatch.warehouse.mart_builds import build_marts
from planwatch.warehouse.roles import role_url

pytestmark = pytest.mark.integration
MONTH = "2024-12"


def _own_figures(conn: psycopg.Connection, month: str) -> dict[str, Decimal | int | None]:
    """The briefing's figures by key, computed here from the marts."""
    months = months_between(f"{month[:4]}-01", month)
    previous = months[-2]
    out: dict[str, Decimal | int | None] = {}
    plan = {"plan": SHIPPED_PLAN}
    statuses = ["on_time", "late", "rejected", "missing", "not_yet_due"]
    owed = conn.execute(  # mart_submission_owed: the same statuses, its own mart
        "select period, compliance_status from marts.mart_submission_owed o "
        "where plan_code = %(plan)s and exists (select 1 from marts.fct_submission f "
        "where f.plan_code = o.plan_code and f.period = o.period)", plan).fetchall()
    for m in months:
        these = [s for p, s in owed if p == m]
        for status in statuses:
            out[f"compliance.{status}.{m}"] = these.count(status)
        out[f"compliance.expected.{m}"] = len(these)
        assessed = len([s for s in these if s != "not_yet_due"])
        out[f"compliance.on_time_rate.{m}"] = (
            Decimal(these.count("on_time")) / assessed).quantize(Decimal("0.0001")) \
            if assessed else None
    indicators = conn.execute(
        "select period, indicator_code, attainment_ratio, ytd_value, is_attained, "
        "is_projected_attained from marts.fct_indicator_value where plan_code = %(plan)s",
        plan).fetchall()
    out["targets.total"] = conn.execute(
        "select count(distinct indicator_code) from marts.dim_indicator "
        "where plan_code = %(plan)s", plan).fetchone()[0]
    for m in (previous, month):
        these = [r for r in indicators if r[0] == m]
        out[f"targets.reported.{m}"] = len(these)
        out[f"targets.attained.{m}"] = len([r for r in these if r[4]])
        out[f"targets.projected.{m}"] = len([r for r in these if r[5]])
    for _, code, ratio, ytd, _, _ in (r for r in indicators if r[0] == month):
        out[f"targets.attainment.{code}.{month}"] = ratio
        out[f"targets.ytd.{code}.{month}"] = ytd
    for period, annual, in_month, ytd, rate, key_rate in conn.execute(
            "select period, annual_plan_vnd, month_disbursed_vnd, ytd_disbursed_vnd, "
            "disbursement_rate, key_project_disbursement_rate "
            "from marts.mart_disbursement_progress where plan_code = %(plan)s", plan):
        if period <= month:
            out.update({f"disbursement.annual_plan.{period}": annual,
                        f"disbursement.month.{period}": in_month,
                        f"disbursement.ytd.{period}": ytd, f"disbursement.rate.{period}": rate,
                        f"disbursement.key_rate.{period}": key_rate})
    for code, source, rate in conn.execute(
            "select project_code, capital_source, disbursement_rate from marts.fct_disbursement "
            "where plan_code = %(plan)s and period = %(month)s", {**plan, "month": month}):
        out[f"disbursement.project_rate.{code}.{source}.{month}"] = rate
    tasks = conn.execute("select period, task_status, is_completed, is_delayed, "
                         "reporting_agency_code, task_code from marts.fct_task_progress "
                         "where plan_code = %(plan)s", plan).fetchall()
    out["tasks.total"] = conn.execute("select count(distinct task_code) from marts.dim_task "
                                      "where plan_code = %(plan)s", plan).fetchone()[0]
    for m in months:
        these = [r for r in tasks if r[0] == m]
        for status in ("completed", "completed_late", "in_progress", "delayed", "not_started",
                       "recurring"):
            out[f"tasks.{status}.{m}"] = len([r for r in these if r[1] == status])
        out[f"tasks.reported.{m}"] = len(these)
        out[f"tasks.done.{m}"] = len([r for r in these if r[2]])
        out[f"tasks.behind.{m}"] = len([r for r in these if r[3]])
    lead = dict(conn.execute("select task_code, lead_agency_code from marts.dim_task "
                             "where plan_code = %(plan)s", plan).fetchall())
    for r in tasks:
        if r[0] == month and r[3]:
            key = f"tasks.delayed_by_agency.{lead[r[5]]}.{month}"
            out[key] = int(out.get(key) or 0) + 1
    scorecard = conn.execute(
        "select period, agency_code, submission_count, rejected_count, failed_check_count, "
        "problem_count from marts.mart_data_quality_scorecard where plan_code = %(plan)s",
        plan).fetchall()
    for m in months:
        these = [r for r in scorecard if r[0] == m]
        for n, measure in enumerate(("submissions", "rejected", "failed_checks", "problems")):
            out[f"quality.{measure}.{m}"] = sum(r[2 + n] for r in these)
    for _, agency, *_, problems in (r for r in scorecard if r[0] == month):
        out[f"quality.problems_by_agency.{agency}.{month}"] = problems
    changed = conn.execute("select period, is_restatement from marts.mart_restatements "
                           "where plan_code = %(plan)s", plan).fetchall()
    out[f"quality.changed.{month}"] = len([r for r in changed if r[0] <= month])
    out[f"quality.restated.{month}"] = len([r for r in changed if r[0] <= month and r[1]])
    for key in ("compliance.on_time_rate", "targets.attained", "disbursement.rate",
                "tasks.done", "quality.rejected"):
        now, before = out[f"{key}.{month}"], out[f"{key}.{previous}"]
        out[f"{key}.change.{month}"] = Decimal(now) - Decimal(before)  # type: ignore[arg-type]
    return out


def _shown(key: str, value: Decimal | int | None, unit: str) -> str:
    """How the page writes a figure, for the figure this test computed."""
    if value is None:
        return "—"
    if key.split(".")[1] in ("on_time_rate", "rate", "key_rate", "project_rate", "attainment"):
        if ".change." in key:
            return f"{number_vi(abs(Decimal(value)) * 100, 1)} điểm phần trăm"
        return percent_vi(value)
    if key.startswith("disbursement."):
        return f"{number_vi(Decimal(value) / 10**9, 1)} tỷ đồng"
    if key.startswith("targets.ytd."):
        number = number_vi(value, None)
        return f"{number}%" if unit == "%" else \
            f"hạng {number}" if unit.startswith("thứ hạng") else f"{number} {unit}"
    return number_vi(abs(Decimal(value)), 0)


@pytest.fixture(scope="module")
def issued(demo_year, tmp_path_factory: pytest.TempPathFactory):
    settings, url, _ = demo_year
    reader = role_url(settings, url, "bi_reader")
    own_home = tmp_path_factory.mktemp("briefing-home")
    mine = dataclasses.replace(settings, home=own_home)  # reports of its own: demo_year is shared
    first = issue_briefing(mine, reader, SHIPPED_PLAN, MONTH)
    with psycopg.connect(reader) as conn:
        own = _own_figures(conn, MONTH)
    return mine, reader, first, own


def test_every_figure_is_one_computed_here_and_the_page_prints_it_so(issued) -> None:
    _, _, first, own = issued
    record = json.loads((first.folder / "figures.json").read_text(encoding="utf-8"))
    figures = record["figures"]
    assert record["as_of"] and record["period"] == MONTH
    # The top lists (lagging projects, agencies) are a few of the keys computed here.
    listed = ("disbursement.project_rate.", "tasks.delayed_by_agency.",
              "quality.problems_by_agency.")
    assert set(figures) == {k for k in own if not k.startswith(listed)} | \
        {k for k in figures if k.startswith(listed)}
    for key, shown in figures.items():
        value = own[key]
        expected = value if value is None or isinstance(value, int) else str(value)
        if shown["value"] != expected:
            assert Decimal(str(shown["value"])) == Decimal(str(value)), key
    html = first.html.read_text(encoding="utf-8")
    marked = re.findall(r'<b class="so" data-so="([^"]+)">([^<]*)</b>', html)
    assert len(marked) >= 5 * 3 * 2  # each page's cards and sentences
    for key, text in marked:
        assert text == _shown(key, own[key], figures[key]["unit"]), key
    # Who has not reported this month is named.
    for name in ("Chưa gửi báo cáo", "Tình hình gửi báo cáo", "Chỉ tiêu chủ yếu",
                 "Giải ngân vốn đầu tư công", "Nhiệm vụ", "Chất lượng dữ liệu"):
        assert name in html
    assert html.count("<svg") == 5 and "<script" not in html


def test_the_pdf_renders_a_page_per_theme(issued, tmp_path: Path) -> None:
    _, _, first, _ = issued
    if shutil.which("pdftoppm") is None:
        pytest.skip("no pdftoppm (Debian: apt-get install poppler-utils)")
    done = subprocess.run(["pdftoppm", "-r", "40", "-png", str(first.pdf), str(tmp_path / "p")],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    pages = sorted(tmp_path.glob("p-*.png"))
    assert len(pages) == 5 and all(p.stat().st_size > 5000 for p in pages)
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(first.pdf), "-"], capture_output=True,
                              text=True, check=True).stdout
        assert "Giải ngân vốn đầu tư công" in text and "tỷ đồng" in text


def test_a_second_run_on_unchanged_data_changes_nothing(issued) -> None:
    mine, reader, first, _ = issued
    archive = mine.reports_dir / "briefings"
    before = {p: p.read_bytes() for p in archive.rglob("*") if p.is_file()}
    again = issue_briefing(mine, reader, SHIPPED_PLAN, MONTH)
    assert not again.is_new and again.folder == first.folder
    assert {p: p.read_bytes() for p in archive.rglob("*") if p.is_file()} == before


def test_the_page_requests_nothing(issued, tmp_path: Path) -> None:
    _, _, first, _ = issued
    opened = open_page(require_chromium(), first.html, tmp_path / "net.json")
    assert opened.page_requests == []
    assert opened.dom.count("<svg") == 5


def test_a_restatement_after_issue_is_reported_by_the_next_briefing(year_clone) -> None:
    """November's briefing issued; then November closed and a correction of it sent
    (the agency with the most tasks behind schedule reports them back on schedule,
    everything else as it was), the marts built again; the next briefing,
    December's, lists November's figures that changed, as shown then and as they
    are now."""
    settings, url, manifest = year_clone("briefing-restated")
    reader = role_url(settings, url, "bi_reader")
    november = issue_briefing(settings, reader, SHIPPED_PLAN, "2024-11")
    shown = json.loads((november.folder / "figures.json").read_text(encoding="utf-8"))
    with psycopg.connect(reader) as conn:
        agency = conn.execute(
            "select reporting_agency_code from marts.fct_task_progress where plan_code = %s "
            "and period = '2024-11' group by 1 order by count(*) filter (where task_status = "
            "'delayed') desc, 1 limit 1", (SHIPPED_PLAN,)).fetchone()[0]
        reported = conn.execute(
            "select task_code, task_status, percent_complete, completed_date "
            "from marts.fct_task_progress where plan_code = %s and period = '2024-11' "
            "and reporting_agency_code = %s order by task_code", (SHIPPED_PLAN, agency)).fetchall()
    sent = next(f for f in manifest.files if f.period == "2024-11" and f.agency_code == agency)
    path = settings.inbox_dir / Path(sent.path).parent / f"{agency}_2024-11_v9_nhiem_vu.csv"
    with psycopg.connect(role_url(settings, url, "loader")) as conn:
        periods.close(conn, SHIPPED_PLAN, "2024-11", actor="Kiểm tra viên")
    with path.open("w", encoding="utf-8", newline="") as out:
        rows = csv.writer(out, delimiter=";")
        rows.writerow([f.template_header() for f in SPECS["tasks"].fields])
        for n, (code, status, percent, done) in enumerate(reported, 1):
            status = "in_progress" if status == "delayed" else status
            rows.writerow([str(n), code, "", TASK_STATUS_LABELS_VI[status],
                           "" if percent is None else str(percent).replace(".", ","),
                           f"{done:%d/%m/%Y}" if done else "", "Điều chỉnh sau khi khóa sổ",
                           "", ""])
    Ingestor(settings, role_url(settings, url, "loader")).ingest_inbox(
        settings.inbox_dir, progress=False, dating=HISTORICAL)
    build_marts(role_url(settings, url, "transformer"), settings)

    december = issue_briefing(settings, reader, SHIPPED_PLAN, "2024-12")
    assert december.is_new and december.changed > 0
    record = json.loads((december.folder / "figures.json").read_text(encoding="utf-8"))
    changed = record["changes_since"]["keys"]
    assert record["changes_since"]["period"] == "2024-11" and len(changed) == december.changed
    # What changed is exactly what November showed and the marts now hold otherwise.
    with psycopg.connect(reader) as conn:
        now = _own_figures(conn, "2024-11")
    differs = sorted(k for k, v in shown["figures"].items() if k in now and (
        v["value"] is None) != (now[k] is None) or (v["value"] is not None and now.get(k)
                                                    is not None and Decimal(str(v["value"]))
                                                    != Decimal(str(now[k]))))
    assert "tasks.in_progress.2024-11" in changed
    assert set(differs) <= set(changed)
    html = december.html.read_text(encoding="utf-8")
    assert "Số liệu đã thay đổi so với bản tin trước" in html
    assert "Số nhiệm vụ «Đang thực hiện» tháng 11/2024" in html
    # November's issue is as it was.
    assert json.loads((november.folder / "figures.json").read_text(encoding="utf-8")) == shown
