"""The auditor's report: one self-contained HTML page per plan × month, and an index.

``data/reports/auditor/<plan>/<YYYY-MM>.html`` says, in Vietnamese, for one
month of one plan: the deadline and whether the month is closed (and by whom),
each agency's compliance, what failed and why (rule, sheet, row, column, value,
what was expected, the earlier value and its file), the figures restated, the
month's data-quality scorecard, every file received with a link to its
receipt, and the evidence packs recorded. ``data/reports/auditor/index.html``
lists the months of every plan. The pages load nothing (inline style, no
script, a Content-Security-Policy that forbids fetching), link only by
relative paths (receipts, Data Docs, the index), and print on A4. The sections
are plain data (``auditor_sections`` and friends) shown by the templates
``auditor_month.html`` and ``auditor_index.html`` (``pages``).

The data is read as the role whose URL the caller gives (the auditor) through
``warehouse.auditor_report``; rendering (``render_month``, ``render_index``) is
pure.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from planwatch.catalog import load_catalogs
from planwatch.config import Settings
from planwatch.errors import UserError
from planwatch.reporting import auditor_quality as quality
from planwatch.reporting import auditor_records as records
from planwatch.reporting import auditor_sections as sections
from planwatch.reporting.pages import Code, Definitions, Link, Para, Section, render, table
from planwatch.reporting.vietnamese import (
    DASH,
    datetime_vi,
    month_vi,
    number_vi,
)
from planwatch.warehouse import auditor_report as queries
from planwatch.warehouse.auditor_report import IndexData, MonthData

TITLE_VI = "Báo cáo kiểm toán dữ liệu"
SYSTEM_VI = "planwatch — hệ thống theo dõi thực hiện kế hoạch"


@dataclass(frozen=True)
class Links:
    """Relative links from a page in ``here`` to files under ``home`` (where
    audit's paths start) and to the other reports under ``reports``."""

    home: Path
    here: Path
    reports: Path

    def to(self, target: Path) -> str:
        return Path(os.path.relpath(target, self.here)).as_posix()

    def under_home(self, path: str | None) -> str | None:
        """A path as audit records it (relative to home, or absolute)."""
        return self.to(self.home / path) if path else None

    @property
    def index(self) -> str:
        return self.to(self.reports / "auditor" / "index.html")

    @property
    def data_docs(self) -> str:
        return self.to(self.reports / "data_docs" / "index.html")

    @property
    def dbt_docs(self) -> str:
        return self.to(self.reports / "dbt_docs" / "index.html")


TOC = (("tuan-thu", "Tình hình gửi báo cáo"), ("loi", "Lỗi và cảnh báo"),
       ("dieu-chinh", "Số liệu thay đổi sau hạn gửi"),
       ("chat-luong", "Bảng điểm chất lượng dữ liệu"), ("tep", "Các tệp đã nhận"),
       ("chung-cu", "Hồ sơ chứng cứ"), ("khoa-so", "Lịch sử khóa sổ"))


def _others(links: Links, *, with_index: bool) -> list:
    """Links to the other reports (and to the index, from a month's page)."""
    others = [Link(links.data_docs, "Kết quả kiểm tra của Great Expectations (Data Docs)"),
              Link(links.dbt_docs, "Tài liệu mô hình dữ liệu (dbt docs)")]
    if with_index:
        others.insert(0, Link(links.index, "Danh sách các kỳ"))
    return sections.separated(others, " · ")


def _page(template: str, *, title: str, heading: str, blocks: Sequence, timezone: str,
          generated_at: dt.datetime, missing: Sequence[str] = (), **more) -> str:
    return render(template, title=title, kicker=f"{TITLE_VI} · {SYSTEM_VI}", heading=heading,
                  sections=blocks, system=SYSTEM_VI, timezone=timezone,
                  generated_at=generated_at, missing=list(missing), **more)


def render_month(data: MonthData, *, links: Links, timezone: str,
                 generated_at: dt.datetime) -> str:
    """The page of ``data``'s plan × month (a whole HTML document)."""
    ctx = sections.Context(timezone=timezone, receipt=links.under_home)
    return _page(
        "auditor_month.html",
        title=f"{TITLE_VI} {month_vi(data.period)} — kế hoạch {data.plan_code}",
        heading=f"Báo cáo {month_vi(data.period)} — kế hoạch {data.plan_code}",
        facts=Definitions(list(sections.header_pairs(data, ctx))), toc=TOC,
        others=_others(links, with_index=True),
        blocks=[sections.compliance_section(data, ctx),
                quality.failures_section(data, ctx),
                quality.restatements_section(data, ctx),
                quality.scorecard_section(data, ctx),
                records.files_section(data, ctx),
                records.evidence_section(data, ctx, links.under_home),
                sections.events_section(data, ctx)],
        timezone=timezone, generated_at=generated_at, missing=data.missing)


# -- the index ---------------------------------------------------------------------


def _month_line(row: dict, plan_code: str, timezone: str) -> list:
    period = row["period"]
    state = DASH
    if row.get("action") == "close":
        state = f"Đã khóa sổ {datetime_vi(row['occurred_at'], timezone)} ({row['actor']})"
    elif row.get("action") == "reopen":
        state = f"Mở lại {datetime_vi(row['occurred_at'], timezone)} ({row['actor']})"
    else:
        state = "Chưa khóa sổ"
    counts = [number_vi(row.get(k)) for k in (
        "expected_count", "on_time_count", "late_count", "rejected_count", "missing_count",
        "file_count", "rejected_file_count", "warned_file_count", "restatement_count")]
    return [Link(f"{plan_code}/{period}.html", f"Tháng {period[5:]}/{period[:4]}"),
            *counts, state]


def render_index(plans: Sequence[IndexData], *, links: Links, timezone: str,
                 generated_at: dt.datetime) -> str:
    """``auditor/index.html``: every plan's months, each linking to its page."""
    headers = ["Kỳ", "Biểu phải gửi", "Đúng hạn", "Trễ hạn", "Bị từ chối", "Chưa gửi",
               "Tệp đã nhận", "Tệp bị từ chối", "Tệp có lưu ý", "Bài nộp điều chỉnh",
               "Khóa sổ"]
    blocks: list = []
    for data in plans:
        plan = data.plan or {}
        parts: list = [Para(plan.get("plan_title_vi") or "", "lead")]
        if data.months:
            parts.append(table(headers, [_month_line(r, data.plan_code, timezone)
                                         for r in data.months],
                               numeric=range(1, 10), id_=f"ky-{data.plan_code}"))
        else:
            parts.append(sections.empty("Chưa có kỳ nào có số liệu."))
        blocks.append(Section(f"ke-hoach-{data.plan_code}", f"Kế hoạch {data.plan_code}", parts))
    unattributed = plans[0].unattributed if plans else []
    if unattributed:
        rows = [[f.get("agency_code") or "Không rõ", Code(f["file_name"]),
                 datetime_vi(f["received_at"], timezone),
                 sections.badge(f["status"], sections.status_vi(f["status"])),
                 Link(links.under_home(f.get("receipt_path")), "Biên nhận")]
                for f in unattributed]
        blocks.append(Section("khong-ro-ky", "Tệp không xác định được kỳ báo cáo", [
            Para("Các tệp này không thuộc trang của kỳ nào."),
            table(["Đơn vị", "Tệp", "Nhận lúc", "Kết quả", "Biên nhận"], rows)]))
    return _page(
        "auditor_index.html", title=f"{TITLE_VI} — các kỳ báo cáo",
        heading=f"{TITLE_VI}: các kỳ báo cáo",
        lead="Mỗi kỳ có một trang: tình hình gửi báo cáo của từng đơn vị, lỗi và cảnh báo, "
             "điều chỉnh số liệu, bảng điểm chất lượng dữ liệu, biên nhận và hồ sơ chứng cứ.",
        others=_others(links, with_index=False), blocks=blocks,
        timezone=timezone, generated_at=generated_at)


# -- writing -----------------------------------------------------------------------


@dataclass(frozen=True)
class Written:
    index: Path
    pages: list[Path]


def reports_folder(settings: Settings) -> Path:
    return settings.reports_dir / "auditor"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".part")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


def write_auditor_reports(settings: Settings, url: str, *, plan_code: str | None = None,
                          periods: Sequence[str] | None = None,
                          now: dt.datetime | None = None) -> Written:
    """Write the pages of ``periods`` (default: every month with anything owed or
    received) of ``plan_code`` (default: every plan, or with ``periods`` every
    plan covering one of them), reading through ``url`` (the auditor's), then
    the index of every month written so far."""
    generated_at = now or dt.datetime.now(dt.UTC)
    catalogs = load_catalogs(settings.catalog_dir)
    if plan_code:
        plans = [catalogs.get(plan_code).plan_code]
    else:
        plans = [c.plan_code for c in catalogs
                 if not periods or any(c.plan.covers(p) for p in periods)]
    out = reports_folder(settings)
    pages: list[Path] = []
    with queries.connect(url) as conn:
        if not queries.marts_built(conn):
            raise UserError("the marts are not built yet: run planwatch build first")
        for code in plans:
            here = out / code
            links = Links(home=settings.home, here=here, reports=settings.reports_dir)
            for period in periods or queries.report_periods(conn, code):
                data = queries.read_month(conn, code, period)
                path = here / f"{period}.html"
                _write(path, render_month(data, links=links, timezone=settings.timezone,
                                          generated_at=generated_at))
                pages.append(path)
        # The index lists what is on disk, so a page written earlier stays listed.
        all_plans = [c.plan_code for c in catalogs]
        index_data = [queries.read_index(conn, code, sorted(
            p.stem for p in (out / code).glob("????-??.html"))) for code in all_plans]
    index = out / "index.html"
    _write(index, render_index([d for d in index_data if d.months] or index_data[:1],
                               links=Links(settings.home, out, settings.reports_dir),
                               timezone=settings.timezone, generated_at=generated_at))
    return Written(index, pages)
