"""Closing a month, without a database: who the actor is, what a state says, what
the status table and a restatement's receipt read, and what the CLI refuses
before it connects."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from planwatch.cli import main
from planwatch.reporting.periods import status_text
from planwatch.reporting.receipts import receipt_of, render_html, write_receipt
from planwatch.warehouse.periods import (
    CLOSE,
    REOPEN,
    PeriodEvent,
    PeriodEventRefused,
    PeriodState,
    Restatement,
    actor_name,
)
from planwatch.warehouse.submissions import FileWrite, SubmissionWrite
from planwatch.warehouse.tables import PERIOD_ACTIONS

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
CLOSED_AT = datetime(2024, 4, 20, 18, 30, tzinfo=UTC)  # 21/04/2024 01:30 in Huế


def _event(action: str, event_id: int = 1, reason: str | None = None) -> PeriodEvent:
    return PeriodEvent(event_id, "P-2024", "2024-03", action, "Lê Thị B (db role r)", reason,
                       CLOSED_AT)


def test_the_actor_is_by_else_the_environment_else_the_login(monkeypatch) -> None:
    assert actor_name("  Nguyễn Văn A ", {"PLANWATCH_ACTOR": "x"}) == "Nguyễn Văn A"
    assert actor_name(None, {"PLANWATCH_ACTOR": "Phòng Tổng hợp"}) == "Phòng Tổng hợp"
    monkeypatch.setenv("LOGNAME", "clerk")
    assert actor_name(None, {}) == "clerk"
    with pytest.raises(PeriodEventRefused):
        actor_name("  ", {})  # said, but blank: not silently the login name


def test_the_actions_are_the_ones_the_table_allows() -> None:
    assert {CLOSE, REOPEN} == set(PERIOD_ACTIONS)


def test_a_period_is_what_its_latest_event_left() -> None:
    never = PeriodState("P-2024", "2024-03")
    assert not never.closed and never.describe() == "P-2024 2024-03 is open (never closed)"
    closed = PeriodState("P-2024", "2024-03", _event(CLOSE))
    assert closed.closed and closed.by == "Lê Thị B (db role r)"
    assert closed.describe(HCM) == ("P-2024 2024-03 is closed since 2024-04-21 01:30 +0700 "
                                    "by Lê Thị B (db role r)")
    reopened = PeriodState("P-2024", "2024-03", _event(REOPEN, 2, "số liệu sai"))
    assert not reopened.closed and reopened.state == "open"
    assert "reopened by Lê Thị B (db role r): số liệu sai" in reopened.describe()


def test_the_status_table_has_a_row_per_month_and_lists_restatements() -> None:
    states = [PeriodState("P-2024", "2024-03", _event(CLOSE)),
              PeriodState("P-2024", "2024-04", _event(REOPEN, 2, "sửa số liệu")),
              PeriodState("P-2024", "2024-05")]
    late = Restatement(7, "SDL", "tasks", "accepted", CLOSED_AT, CLOSED_AT, "SDL_03.xlsx")
    text = status_text(states, {("P-2024", "2024-03"): 1}, tz=HCM, events=[_event(CLOSE)],
                       restatements=[late])
    lines = text.splitlines()
    assert lines[0].split() == ["plan", "month", "state", "since", "by", "restatements", "note"]
    assert lines[1].split()[:5] == ["P-2024", "2024-03", "closed", "2024-04-21", "01:30"]
    assert lines[1].split()[-1] == "1"
    assert "reopened: sửa số liệu" in lines[2]
    assert lines[3].split() == ["P-2024", "2024-05", "open", "-", "-", "0"]
    assert "events" in lines and any("SDL_03.xlsx" in line for line in lines)


def _write(*subs: SubmissionWrite) -> FileWrite:
    return FileWrite(file_name="SDL_2024-03.xlsx", inbox_path="2024-03/x.xlsx",
                     file_sha256="ab" * 32, file_size=10, archive_path="data/archive/x",
                     received_at=datetime(2024, 4, 25, 9, tzinfo=UTC),
                     received_at_kind="server_clock",
                     file_modified_at=datetime(2024, 4, 25, 9, tzinfo=UTC),
                     receipt_path="data/reports/receipts/x.html", code_version="t",
                     submissions=list(subs))


def test_a_restatement_receipt_says_the_month_was_published_and_not_replaced(
        tmp_path: Path) -> None:
    late = SubmissionWrite("tasks", "SDL", "2024-03", "accepted", plan_code="P-2024",
                           rows=[{"source_row": 5}], version=2, is_restatement=True,
                           period_closed_at=CLOSED_AT)
    page = write_receipt(tmp_path / "r.html", _write(late), "Sở Du lịch",
                         department_vi="Sở Kế hoạch và Đầu tư", timezone="Asia/Ho_Chi_Minh")
    data = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    assert data["is_restatement"] and data["submissions"][0]["is_restatement"]
    notice = data["restatement"]
    assert notice["period_closed_at"] == "2024-04-21T01:30:00+07:00"
    assert notice["closed_by_vi"] == "Sở Kế hoạch và Đầu tư"
    assert notice["message_vi"] == (
        "Kỳ báo cáo tháng 03/2024 đã được Sở Kế hoạch và Đầu tư khóa sổ (công bố số liệu) "
        "ngày 21/04/2024. Báo cáo này được ghi nhận là số liệu điều chỉnh sau khi đã công bố "
        "và không thay thế số liệu đã công bố.")
    html = page.read_text(encoding="utf-8")
    assert 'class="restatement"' in html and "ngày 21/04/2024" in html
    # the time received, told as the auditor's report tells it (09:00 UTC)
    assert data["received_at"] == "2024-04-25T09:00:00+00:00"
    assert "16:00 25/04/2024 (giờ Việt Nam (UTC+07:00))" in html


def test_a_receipt_for_an_open_month_says_nothing_of_restatements() -> None:
    ok = SubmissionWrite("tasks", "SDL", "2024-03", "accepted", plan_code="P-2024")
    receipt = receipt_of(_write(ok), None)
    assert receipt["is_restatement"] is False and receipt["restatement"] is None
    assert "điều chỉnh sau khi đã công bố" not in render_html(receipt)


@pytest.mark.parametrize("argv", [
    ["period", "reopen", "2024-03"],            # no reason
    ["period", "close", "2024-13"],             # not a month
    ["period", "close"],                        # no month
])
def test_the_cli_refuses_what_it_cannot_record(argv: list[str], capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    assert "usage: planwatch period" in capsys.readouterr().err


def test_a_month_no_plan_covers_is_refused_before_connecting(capsys) -> None:
    assert main(["period", "close", "1999-03"]) == 2
    assert "no plan of the catalog covers 1999-03" in capsys.readouterr().err
    assert main(["period", "status", "1999-03", "--plan", "NO-SUCH-PLAN"]) == 2
