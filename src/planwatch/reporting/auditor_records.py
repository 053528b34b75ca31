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
from planwatch.reporting.pages import Block, Code, Lines, Link, Para, Section, Table, table
from planwatch.reporting.vietnamese import datetime_vi, number_vi
from planwatch.vocabulary.statuses import FILE_TIME, SUBMISSION_CHANNEL_LABELS_VI
from planwatch.warehouse.auditor_report import (
    EVIDENCE_PACKS,
    SUBMISSION_FILES,
    MonthData,
    Row,
)
from planwatch.warehouse.summary import LOADED

# -- files received, evidence packs ------------------------------------------------


def files_table(files: Sequence[Row], ctx: Context) -> Table:
    """One line per file received: who sent it (the agency itself, or the
    Department's import), each of its sheet sets (a submission) with the outcome
    it got, its problems, its hash and its receipt."""
    grouped: dict[tuple[Any, ...], list[Row]] = {}
    for f in files:
        key = (f.get("file_sha256"), f.get("received_at"), f["file_name"])
        grouped.setdefault(key, []).append(f)
    rows = []
    for (sha256, _received_at, file_name), subs in grouped.items():
        outcomes = Lines([[
            template_vi(s.get("template")), ": ", badge(s["status"], status_vi(s["status"])),
            f" bản {number_vi(s['version'])}, {number_vi(s.get('row_count'))} dòng"
            if s.get("version") and s["status"] in LOADED else ""] for s in subs], boxes=True)
        problems = sum(s.get("problem_count") or 0 for s in subs)
        blocking = sum(s.get("blocking_count") or 0 for s in subs)
        via = SUBMISSION_CHANNEL_LABELS_VI.get(subs[0].get("submitted_via") or "")
        rows.append([Lines([subs[0].get("agency_code") or "Không rõ", via], boxes=True,
                           cls="via") if via else subs[0].get("agency_code") or "Không rõ",
                     Code(file_name),
                     received_vi(subs[0], ctx), outcomes,
                     f"{number_vi(blocking)} / {number_vi(problems - blocking)}",
                     Code((sha256 or "")[:16], title=sha256),
                     Link(ctx.receipt(subs[0].get("receipt_path")), "Biên nhận")])
    headers = ["Đơn vị", "Tệp", "Nhận lúc", "Biểu: kết quả", "Lỗi / lưu ý", "SHA-256",
               "Biên nhận"]
    return table(headers, rows, numeric=[4], cls="files",
                 widths=["13%", "20%", "9%", "29%", "7%", "14%", "8%"])


def received_vi(file: Row, ctx: Context) -> Lines:
    """When a file was received, and by whose clock when it is not the server's:
    the file's own time, in an operator's import of old files (named, with the
    database role that ran it) or before planwatch stamped its own time."""
    when = datetime_vi(file.get("received_at"), ctx.timezone)
    if file.get("received_at_kind") != FILE_TIME:
        return Lines([when])
    who = file.get("historical_operator_name")
    note = (f"giờ ghi trên tệp, nhập hồ sơ cũ bởi {who} (vai trò {file.get('historical_db_role')})"
            if who else "giờ ghi trên tệp (nhận trước khi máy chủ tự ghi giờ nhận)")
    return Lines([when, note], boxes=True, cls="note")


def files_section(data: MonthData, ctx: Context) -> Section:
    title = "Các tệp đã nhận"
    if data.files is None:
        return section("tep", title, not_built(SUBMISSION_FILES))
    if not data.files:
        return section("tep", title, empty("Chưa nhận được tệp nào cho kỳ này."))
    names = len({(f["file_sha256"], f["received_at"]) for f in data.files})
    return section("tep", title, Para(f"{number_vi(names)} tệp đã nhận, gồm "
                                      f"{number_vi(len(data.files))} biểu. Biên nhận là "
                                      "trang đơn vị nhận được về tệp đã gửi; SHA-256 là "
                                      "mã băm của đúng các byte đã nhận (16 ký tự đầu)."),
                   files_table(data.files, ctx), *refused_blocks(data.refused or [], ctx))


def refused_blocks(refused: Sequence[Row], ctx: Context) -> list[Block]:
    """Files refused before they were read (above the size limit): none is kept."""
    if not refused:
        return []
    rows = [[f.get("agency_code") or "Không rõ", Code(f["file_name"]),
             datetime_vi(f["received_at"], ctx.timezone),
             f"{number_vi(f['file_size'] / 2**20, 1)} MB", f.get("reason_vi") or "",
             Link(ctx.receipt(f.get("receipt_path")), "Biên nhận")] for f in refused]
    return [Block("Tệp bị từ chối không mở (vượt giới hạn dung lượng)", [
        Para("Các tệp này không được đọc, tính mã băm hay lưu bản sao."),
        table(["Đơn vị", "Tệp", "Nhận lúc", "Dung lượng", "Lý do", "Biên nhận"], rows,
              cls="refused")], cls="refused")]


def evidence_section(data: MonthData, ctx: Context,
                     pack_link: Callable[[str | None], str | None]) -> Section:
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
                     p.get("created_by"), Code(p.get("manifest_sha256"), tag="code"),
                     Code(p.get("previous_manifest_sha256"), tag="code"),
                     Code(p["signing_key_id"], tag="code") if p.get("signing_key_id") else
                     "Chưa ký",
                     Link(pack_link(path), path) if path else "Không ghi nhận"])
    return section("chung-cu", title, Para(
        "Mỗi hồ sơ là một gói BagIt có danh mục mã băm của từng tệp, nối chuỗi với hồ "
        "sơ trước của cùng đơn vị, và được ký bằng khoá của Sở (minisign) khi đã cấu "
        "hình khoá; kiểm tra bằng planwatch evidence --verify."),
        table(["Đơn vị", "Lập lúc", "Người lập", "Mã băm của gói", "Hồ sơ trước",
               "Khoá ký", "Thư mục"], rows))


def _when(value: Any) -> Any:
    """A timestamp that came back as JSON text (``to_jsonb``) as a datetime."""
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return value


