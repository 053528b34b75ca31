"""The auditor's report on what was received and recorded: every file of the
month with its receipt, and the evidence packs. Pure, as ``auditor_sections``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from planwatch.reporting.auditor_sections import (
    Context,
    badge,
    empty,
    not_built,
    pick,
    section,
    status_vi,
    template_vi,
)
from planwatch.reporting.html_page import Markup, join, link, table, tag
from planwatch.reporting.vietnamese import datetime_vi, number_vi
from planwatch.vocabulary.statuses import SUBMISSION_CHANNEL_LABELS_VI
from planwatch.warehouse.auditor_report import (
    EVIDENCE_PACKS,
    SUBMISSION_FILES,
    MonthData,
    Row,
)
from planwatch.warehouse.summary import LOADED

# -- files received, evidence packs ------------------------------------------------


def files_table(files: Sequence[Row], ctx: Context) -> Markup:
    """One line per file received: who sent it (the agency itself, or the
    Department's import), each of its sheet sets (a submission) with the outcome
    it got, its problems, its hash and its receipt."""
    grouped: dict[tuple[Any, ...], list[Row]] = {}
    for f in files:
        key = (f.get("file_sha256"), f.get("received_at"), f["file_name"])
        grouped.setdefault(key, []).append(f)
    rows = []
    for (sha256, received_at, file_name), subs in grouped.items():
        outcomes = join(tag("div", join([
            template_vi(s.get("template")), ": ", badge(s["status"], status_vi(s["status"])),
            f" bản {number_vi(s['version'])}, {number_vi(s.get('row_count'))} dòng"
            if s.get("version") and s["status"] in LOADED else ""])) for s in subs)
        problems = sum(s.get("problem_count") or 0 for s in subs)
        blocking = sum(s.get("blocking_count") or 0 for s in subs)
        via = SUBMISSION_CHANNEL_LABELS_VI.get(subs[0].get("submitted_via") or "")
        rows.append([join([subs[0].get("agency_code") or "Không rõ",
                           tag("div", via, class_="via") if via else ""]),
                     tag("span", file_name, class_="code"),
                     datetime_vi(received_at, ctx.timezone), outcomes,
                     f"{number_vi(blocking)} / {number_vi(problems - blocking)}",
                     tag("span", (sha256 or "")[:16], class_="code", title=sha256),
                     link(ctx.receipt(subs[0].get("receipt_path")), "Biên nhận")])
    headers = ["Đơn vị", "Tệp", "Nhận lúc", "Biểu: kết quả", "Lỗi / lưu ý", "SHA-256",
               "Biên nhận"]
    return table(headers, rows, numeric=[4], cls="files",
                 widths=["13%", "20%", "9%", "29%", "7%", "14%", "8%"])


def files_section(data: MonthData, ctx: Context) -> Markup:
    title = "Các tệp đã nhận"
    if data.files is None:
        return section("tep", title, not_built(SUBMISSION_FILES))
    if not data.files:
        return section("tep", title, empty("Chưa nhận được tệp nào cho kỳ này."))
    names = len({(f["file_sha256"], f["received_at"]) for f in data.files})
    return section("tep", title, tag("p", f"{number_vi(names)} tệp đã nhận, gồm "
                                          f"{number_vi(len(data.files))} biểu. Biên nhận là "
                                          "trang đơn vị nhận được về tệp đã gửi; SHA-256 là "
                                          "mã băm của đúng các byte đã nhận (16 ký tự đầu)."),
                   files_table(data.files, ctx))


def evidence_section(data: MonthData, ctx: Context,
                     pack_link: Callable[[str | None], str | None]) -> Markup:
    title = "Hồ sơ chứng cứ"
    if data.evidence_packs is None:
        return section("chung-cu", title, not_built(EVIDENCE_PACKS))
    if not data.evidence_packs:
        return section("chung-cu", title, empty(
            "Chưa lập hồ sơ chứng cứ nào cho kỳ này (lệnh planwatch evidence)."))
    rows = []
    for p in data.evidence_packs:
        path = pick(p, "pack_path", "path", "out_dir", "folder")
        rows.append([p.get("agency_code"), datetime_vi(_when(p.get("created_at")),
                                                       ctx.timezone),
                     p.get("created_by"), tag("code", p.get("manifest_sha256")),
                     tag("code", p.get("previous_manifest_sha256")),
                     link(pack_link(path), path) if path else "Không ghi nhận"])
    return section("chung-cu", title, tag(
        "p", "Mỗi hồ sơ có tệp kê khai (manifest) với mã băm của từng tệp, nối chuỗi với hồ "
             "sơ trước của cùng đơn vị; kiểm tra bằng planwatch evidence --verify."),
        table(["Đơn vị", "Lập lúc", "Người lập", "Mã băm manifest", "Hồ sơ trước",
               "Thư mục"], rows))


def _when(value: Any) -> Any:
    """A timestamp that came back as JSON text (``to_jsonb``) as a datetime."""
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return value


