"""What clerks and operators read: receipts and the monitoring summary (no database)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from planwatch.config import load_settings
from planwatch.reporting.receipts import receipt_of, render_html, write_receipt
from planwatch.reporting.summary import summary_text
from planwatch.vocabulary.problems import Problem
from planwatch.warehouse.submissions import FileWrite, SubmissionWrite
from planwatch.warehouse.summary import Disbursement, Month, Summary


def _write(*subs: SubmissionWrite) -> FileWrite:
    return FileWrite(file_name="<b>SDL</b>_2024-03.xlsx", inbox_path="2024-03/x.xlsx",
                     file_sha256="ab" * 32, file_size=10, archive_path="data/archive/x",
                     received_at=datetime(2024, 3, 18, 9, tzinfo=UTC),
                     received_at_kind="server_clock",
                     file_modified_at=datetime(2024, 3, 1, 9, tzinfo=UTC),
                     receipt_path="data/reports/receipts/x.html", code_version="t",
                     submissions=list(subs))


def test_a_receipt_lists_each_problem_once_and_says_the_whole_outcome() -> None:
    shared = Problem("legacy_encoding", "warn", "Bảng mã cũ.")
    bad = Problem("unknown_task_code", "block", "Mã '=HYPERLINK(1)' không có.", sheet="Nhiệm vụ",
                  row=5, value="=HYPERLINK(1)")
    tasks = SubmissionWrite("tasks", "SDL", "2024-03", "rejected", plan_code="P-2024",
                            rows=[{"source_row": 5}], problems=[shared, bad])
    indicators = SubmissionWrite("indicators", "SDL", "2024-03", "rejected",
                                 plan_code="P-2024", problems=[shared])
    receipt = receipt_of(_write(tasks, indicators), "Sở Du lịch")
    assert receipt["status"] == "rejected" and receipt["plan_code"] == "P-2024"
    assert [p["code"] for p in receipt["problems"]] == ["legacy_encoding", "unknown_task_code"]
    assert [s["row_count"] for s in receipt["submissions"]] == [0, 0]  # rejected: nothing loaded
    page = render_html(receipt)
    assert "Bị từ chối — cần gửi lại" in page and "Lỗi (phải sửa)" in page
    assert "<b>SDL</b>" not in page and "&lt;b&gt;SDL&lt;/b&gt;" in page


def test_a_receipt_is_written_as_a_page_and_its_json_twin(tmp_path: Path) -> None:
    ok = SubmissionWrite("tasks", "SDL", "2024-03", "accepted", rows=[{"source_row": 5}] * 3,
                         version=2)
    page = write_receipt(tmp_path / "r.html", _write(ok), None)
    data = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    assert data["status"] == "accepted" and data["submissions"][0]["row_count"] == 3
    assert "Phiên bản số 2" in page.read_text(encoding="utf-8")
    assert not list(tmp_path.glob("*.part"))


def test_the_summary_names_every_plan_and_where_outputs_are() -> None:
    summary = Summary(
        months=[Month("A-2024", "2024-01", 10, 9, 8, 1, 2, 1),
                Month("B-2031", "2031-01", 3, 3, 3, 0, 0, 0)],
        disbursement=[Disbursement("A-2024", "2024-12", 15_734_900_000_000,
                                   16_096_900_000_000, 0.9775)],
        statuses=[("accepted", 11), ("rejected", 1)], raw_rows=42)
    text = summary_text(summary, load_settings())
    assert "A-2024     2024-01" in text and "B-2031     2031-01" in text
    assert "planwatch db url --role bi_reader" in text and "postgresql://" not in text
    assert "15,734.9 of 16,096.9 billion VND = 97.8%" in text
    assert "accepted 11, rejected 1" in text and "raw rows loaded: 42" in text
    assert "receipts:" in text and "dbt docs:" in text
