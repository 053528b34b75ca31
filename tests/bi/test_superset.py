"""The dashboards as users get them: ``planwatch bi start`` over the demo year,
the bundle imported twice, every chart's data asked of Superset's REST API and
checked against figures this test reads from the marts itself, the connection
the BI reader's, and a screenshot of every dashboard in headless Chromium.

Outside ``make test`` (installing Superset takes minutes): ``make test-bi``.
``PLANWATCH_BI_SCREENSHOTS=DIR`` keeps the screenshots (docs/dashboards).
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import shutil
import time
import urllib.request
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from fixtures.browser import require_chromium

from planwatch.bi import server

pytestmark = [pytest.mark.integration, pytest.mark.bi]


class Api:
    """Superset's REST API as the admin: a bearer token, and for SQL Lab the
    session's CSRF token."""

    def __init__(self, url: str, password: str) -> None:
        self.url = url
        self.headers: dict[str, str] = {}
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        token = self.call("/api/v1/security/login", {"username": server.ADMIN,
                                                     "password": password, "provider": "db"})
        self.headers["Authorization"] = f"Bearer {token['access_token']}"
        self.headers["X-CSRFToken"] = self.call("/api/v1/security/csrf_token/")["result"]

    def call(self, path: str, body: dict | None = None) -> dict:
        request = urllib.request.Request(
            self.url + path, data=json.dumps(body).encode() if body is not None else None,
            headers={**({"Content-Type": "application/json"} if body is not None else {}),
                     **self.headers, "Referer": self.url})
        try:
            with self.opener.open(request, timeout=120) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return {"status": exc.code, **json.loads(exc.read() or b"{}")}


@pytest.fixture(scope="module")
def started(demo_year):
    settings, url = demo_year.settings, demo_year.url
    first = server.start(settings, url)
    assert first.running
    again = server.start(settings, url)  # the bundle imported a second time
    yield settings, url, first, again
    assert not server.stop(settings).running


@pytest.fixture(scope="module")
def api(started) -> Api:
    settings, _, state, _ = started
    return Api(state.url, server.admin_password(settings))


@pytest.fixture(scope="module")
def charts(api: Api) -> dict[str, dict]:
    """slice name -> {id, rows} of every chart Superset holds."""
    listed = api.call("/api/v1/chart/?q=(page_size:100)")["result"]
    out = {}
    for chart in listed:
        data = api.call(f"/api/v1/chart/{chart['id']}/data/")
        assert "result" in data, (chart["slice_name"], data)
        out[chart["slice_name"]] = {"id": chart["id"], "rows": data["result"][0]["data"]}
    return out


def _rows(url: str, sql: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchall()


def _num(value) -> float:
    return float(value) if value is not None else 0.0


def test_a_second_import_changes_nothing(started, api: Api) -> None:
    _, _, first, again = started
    assert again.dashboards == first.dashboards and len(first.dashboards) == 5
    bundle = Path(__file__).resolve().parents[2] / "bi" / "bundle"
    listed = api.call("/api/v1/chart/?q=(page_size:100)")
    assert listed["count"] == len(list((bundle / "charts").glob("*.yaml")))
    assert api.call("/api/v1/dashboard/?q=(page_size:100)")["count"] == 5
    assert api.call("/api/v1/dataset/?q=(page_size:100)")["count"] == \
        len(list((bundle / "datasets").rglob("*.yaml")))
    assert api.call("/api/v1/database/")["count"] == 1


def test_status_tells_the_address_and_where_the_password_is(started) -> None:
    settings, _, state, _ = started
    now = server.status(settings)
    assert now.running and now.url == state.url and now.url.startswith("http://127.0.0.1:")
    assert now.credentials.is_file() and now.credentials.stat().st_mode & 0o077 == 0


def test_no_secret_in_its_logs_or_command_lines(started, capsys, monkeypatch) -> None:
    """The admin's and the BI reader's passwords reach Superset on stdin and in its
    0600 files only: not in a log, not in any process's arguments, not printed."""
    from planwatch.cli import main
    from planwatch.warehouse.roles import role_password

    settings, _, state, _ = started
    hidden = [server.admin_password(settings), role_password(settings, "bi_reader")]
    monkeypatch.setenv("PLANWATCH_HOME", str(settings.home))
    assert main(["bi", "status"]) == 0
    shown = capsys.readouterr().out
    assert state.url in shown and all(s not in shown for s in hidden)
    logs = [p for p in server.Paths.of(settings).logs.rglob("*") if p.is_file()]
    assert logs
    for log in logs:
        text = log.read_bytes()
        assert not any(s.encode() in text for s in hidden), log
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes()
        except OSError:
            continue
        assert not any(s.encode() in args for s in hidden), cmdline


def test_no_chart_is_empty(charts) -> None:
    assert len(charts) >= 19
    assert [name for name, c in charts.items() if not c["rows"]] == []


def test_on_time_rate_equals_the_marts(charts, started) -> None:
    _, url, _, _ = started
    on_time, assessed = _rows(url, "select sum(on_time_count), sum(assessed_count) "
                                   "from marts.mart_submission_compliance")[0]
    [row] = charts["Tỷ lệ báo cáo đúng hạn"]["rows"]
    assert row["ty_le_dung_han"] == pytest.approx(float(on_time / assessed))
    heat = {(r["period"], r["agency_short_name_vi"]): r["ty_le_dung_han"]
            for r in charts["Tỷ lệ báo cáo đúng hạn theo đơn vị và tháng"]["rows"]}
    own = _rows(url, """
        select s.period, a.agency_short_name_vi,
               count(*) filter (where s.is_on_time), count(*) filter (where s.is_assessed)
        from marts.fct_submission s join marts.dim_agency a using (agency_key)
        group by 1, 2""")
    assert len(heat) == len(own)
    for period, agency, good, due in own:
        expected = float(good / due) if due else None
        assert heat[(period, agency)] == pytest.approx(expected), (period, agency)
    late = charts["Đơn vị chưa gửi, gửi trễ hoặc bị từ chối (tháng gần nhất trước)"]["rows"]
    assert len(late) == _rows(url, "select count(*) from marts.fct_submission where is_late "
                                   "or is_missing or is_rejected")[0][0]


def test_disbursement_curve_equals_the_marts(charts, started) -> None:
    _, url, _, _ = started
    curve = {r["period"]: r for r in charts["Giải ngân lũy kế so với mục tiêu hoàn thành 100% "
                                            "kế hoạch vốn năm (tỷ đồng)"]["rows"]}
    own = _rows(url, "select period, ytd_disbursed_vnd, annual_plan_vnd "
                     "from marts.mart_disbursement_progress")
    assert set(curve) == {p for p, _, _ in own}
    for period, ytd, plan in own:
        assert curve[period]["luy_ke_giai_ngan"] == pytest.approx(ytd / 1e9, abs=1e-3)
        assert curve[period]["muc_tieu_ke_hoach"] == pytest.approx(plan / 1e9, abs=1e-3)
    by_agency = {r["agency_short_name_vi"]: r for r in
                 charts["Kế hoạch vốn và đã giải ngân, theo đơn vị (tỷ đồng)"]["rows"]}
    own = _rows(url, """
        select a.agency_short_name_vi, sum(d.ytd_disbursed_vnd), sum(d.annual_plan_vnd)
        from marts.fct_disbursement d
        join marts.dim_agency a on a.agency_key = d.reporting_agency_key
        where d.month_key = (select max(l.month_key) from marts.fct_disbursement l
                             where l.plan_code = d.plan_code and l.project_code = d.project_code
                               and l.capital_source = d.capital_source)
        group by 1""")
    assert set(by_agency) == {a for a, _, _ in own}
    for agency, ytd, plan in own:
        assert by_agency[agency]["da_giai_ngan"] == pytest.approx(_num(ytd) / 1e9, abs=0.01)
        assert by_agency[agency]["ke_hoach_von"] == pytest.approx(_num(plan) / 1e9, abs=0.01)


def test_indicators_show_their_latest_value_and_the_plans_words(charts, started) -> None:
    _, url, _, _ = started
    table = {r["indicator_code"]: r for r in charts[
        "Chỉ tiêu: thực hiện lũy kế so với mục tiêu của kế hoạch (kỳ báo cáo gần nhất)"]["rows"]}
    own = _rows(url, """
        select distinct on (v.indicator_code) v.indicator_code, v.ytd_value, i.target_text,
               v.is_attained
        from marts.fct_indicator_value v join marts.dim_indicator i using (indicator_key)
        order by v.indicator_code, v.month_key desc""")
    assert set(table) == {code for code, *_ in own}
    for code, ytd, words, attained in own:
        assert Decimal(str(table[code]["ytd_value"])) == ytd
        assert table[code]["target_text"] == words
        assert table[code]["attainment_label_vi"] == {True: "Đạt", False: "Chưa đạt"}.get(
            attained, "Chưa so sánh được")


def test_tasks_by_status_equal_the_marts(charts, started) -> None:
    _, url, _, _ = started
    shown = defaultdict(int)
    for r in charts["Nhiệm vụ theo tình trạng, từng đơn vị (kỳ báo cáo gần nhất)"]["rows"]:
        shown[(r["agency_short_name_vi"], r["task_status_label_vi"])] += r["so_nhiem_vu"]
    own = _rows(url, """
        select a.agency_short_name_vi, s.label_vi, count(*)
        from (select distinct on (plan_code, task_code) * from marts.fct_task_progress
              order by plan_code, task_code, month_key desc) t
        join marts.dim_agency a on a.agency_key = t.reporting_agency_key
        join raw.vocab_task_statuses s on s.task_status = t.task_status
        group by 1, 2""")
    assert dict(shown) == {(a, s): n for a, s, n in own}
    delayed = charts["Nhiệm vụ chậm tiến độ (kỳ báo cáo gần nhất)"]["rows"]
    assert sorted(r["task_code"] for r in delayed) == sorted(
        code for (code,) in _rows(url, """
            select task_code from (select distinct on (plan_code, task_code) *
            from marts.fct_task_progress order by plan_code, task_code, month_key desc) t
            where is_delayed"""))


def test_data_quality_equals_the_marts(charts, started) -> None:
    _, url, _, _ = started
    card = charts["Bảng điểm chất lượng dữ liệu theo đơn vị"]["rows"]
    totals = _rows(url, "select sum(submission_count), sum(rejected_count), "
                        "sum(blocking_failure_count), sum(warning_count), sum(restatement_count) "
                        "from marts.mart_data_quality_scorecard")[0]
    shown = [sum(r[m] for r in card) for m in ("so_lan_gui", "so_bi_tu_choi", "so_loi_phai_sua",
                                              "so_luu_y", "so_dieu_chinh")]
    assert shown == [int(t) for t in totals]
    assert totals[4] > 0  # the demo year's restatement is on the dashboard
    rules = {r["rule_message_vi"]: r["so_van_de"] for r in
             charts["Quy tắc bị vi phạm nhiều nhất"]["rows"]}
    top = _rows(url, """
        select coalesce(v.message_vi, q.rule_code), count(*) from marts.fct_data_quality q
        left join raw.vocab_rules v using (rule_code)
        where q.is_failed and q.plan_code is not null and q.period is not null
        group by 1 order by 2 desc limit 3""")
    for message, count in top:
        assert rules[message] >= count  # one message may name rules of two severities


def test_superset_reads_as_the_bi_reader(api: Api) -> None:
    [database] = api.call("/api/v1/database/")["result"]
    run = {"database_id": database["id"], "runAsync": False, "schema": "marts",
           "sql": "select count(*) as n from marts.fct_submission"}
    assert api.call("/api/v1/sqllab/execute/", run)["data"][0]["n"] > 0
    refused = api.call("/api/v1/sqllab/execute/", {**run, "sql": "select count(*) from raw.tasks"})
    assert "permission denied" in json.dumps(refused).lower()
    uri = api.call(f"/api/v1/database/{database['id']}/connection")["result"]["sqlalchemy_uri"]
    assert uri.split("//")[1].startswith("planwatch_bi_reader:")


def test_every_dashboard_renders_in_chromium(started, charts, tmp_path: Path) -> None:
    require_chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    _, _, state, _ = started
    options = Options()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                "--window-size=1600,1200", f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(arg)
    options.binary_location = shutil.which("chromium") or ""
    driver = webdriver.Chrome(options=options,
                              service=Service(shutil.which("chromedriver") or "chromedriver"))
    keep = os.environ.get("PLANWATCH_BI_SCREENSHOTS")
    try:
        for title, address in server.dashboard_urls(state):
            driver.get(address + "?standalone=1")
            _wait_for_charts(driver)
            height = driver.execute_script("return document.body.scrollHeight")
            driver.set_window_size(1600, max(height, 900))
            _wait_for_charts(driver)
            text = driver.find_element("tag name", "body").text
            assert len(driver.find_elements("css selector", ".chart-container")) >= 2, title
            assert "No results" not in text and "Unexpected error" not in text, title
            png = tmp_path / f"{address.rstrip('/').rsplit('/', 1)[-1]}.png"
            driver.save_screenshot(str(png))
            assert png.stat().st_size > 50_000, title
            if keep:
                Path(keep).mkdir(parents=True, exist_ok=True)
                shutil.copy(png, Path(keep) / png.name)
    finally:
        driver.quit()


def _wait_for_charts(driver, timeout_s: float = 60) -> None:
    """Until every chart holder has drawn (no loading spinner left), then a moment
    for the charts' animations."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        holders = driver.find_elements("css selector", ".dashboard-chart, .chart-container")
        loading = driver.find_elements("css selector", ".loading, [data-test='loading-indicator']")
        if holders and not loading:
            break
        time.sleep(1)
    time.sleep(3)
