"""The deadline event through real Airflow runs, a real warehouse and a real SMTP
server on loopback (aiosmtpd).

The made-up fixture plan (``tests/fixtures/plans/mau_2031``) is moved to 2025
in this test's copy of the project, so that its deadlines have passed. In
March 2025 SKHDT (also the Department that follows the plan) sends its
workbook filled in before the deadline, CUCA sends its template without
filling it in (every sheet rejected) and VIENB, which has no focal-point email
in the catalog, sends nothing. Nothing at all is sent for April. The
``submissions__deadline`` DAG runs with ``DAG.test()`` (as ``make run`` does):
the emails are read back from the SMTP server, the notices from the warehouse.
Then CUCA fills in the tasks sheet of the template it was sent, after the
deadline, and the DAG runs again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import hashlib
import html
import io
import json
import os
import re
import socket
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import psycopg
import pytest
from fixtures import HISTORICAL
from fixtures.inbox import agency_path
from fixtures.plans import FIXTURE_PLAN, project_with_fixture_plan

from planwatch.catalog import load_catalogs
from planwatch.flow.ingestor import Ingestor
from planwatch.orchestration.airflow_cli import run_dags
from planwatch.orchestration.submissions_deadline import deadline_events
from planwatch.warehouse.init import init_warehouse
from planwatch.workbooks.templates import build_template

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")

pytestmark = [pytest.mark.integration, pytest.mark.airflow]

DAG_ID = "submissions__deadline"
MARCH, APRIL = "2025-03", "2025-04"
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
SENDER = "theo-doi@planwatch.example"
DEPARTMENT = "vu-khtc@mau-2031.example"  # SKHDT's focal point, the plan's monitoring agency
CUCA = "cuc-a@mau-2031.example"
# What an agency writes in the columns the template leaves empty.
FILL = {"Tình trạng": "Đang thực hiện", "Lũy kế từ đầu năm": 1.5, "Nguồn vốn": "NSTW",
        "Kế hoạch vốn năm (triệu đồng)": 1000, "Lũy kế giải ngân (triệu đồng)": 100}
ALL_SHEETS = ("Nhiệm vụ", "Chỉ tiêu", "Giải ngân")


@dataclass
class Mail:
    mail_from: str
    rcpt_tos: list[str]
    message: email.message.EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        """The HTML body as a reader sees it: list items as ``- `` lines."""
        part = next(p for p in self.message.walk() if p.get_content_type() == "text/html")
        body = part.get_content()
        body = re.sub(r"<li>", "\n- ", body)
        body = re.sub(r"</(p|ul)>", "\n", body)
        return html.unescape(re.sub(r"<[^>]+>", "", body))

    @property
    def attachments(self) -> dict[str, bytes]:
        return {p.get_filename(): p.get_payload(decode=True) for p in self.message.walk()
                if p.get_filename()}


@dataclass
class Mailbox:
    """An aiosmtpd handler keeping every message it is given."""

    mails: list[Mail] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.original_content or envelope.content,
                                           policy=email.policy.default)
        self.mails.append(Mail(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def smtp_server():
    mailbox = Mailbox()
    controller = aiosmtpd_controller.Controller(mailbox, hostname="127.0.0.1",
                                                port=_free_port())
    controller.start()
    yield mailbox, controller.port
    controller.stop()


def _filled(data: bytes, sheets: tuple[str, ...]) -> bytes:
    """A template workbook with the named data sheets filled in and the other
    data sheets taken out (a blocking problem in one sheet rejects the file)."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    for ws in list(book.worksheets):
        if ws.title in ALL_SHEETS and ws.title not in sheets:
            book.remove(ws)
        if ws.title not in sheets:
            continue
        rows = list(ws.iter_rows())
        header = next(i for i, row in enumerate(rows) if row[0].value == "STT")
        columns = {cell.value: j for j, cell in enumerate(rows[header])}
        for row in rows[header + 1:]:
            for name, value in FILL.items():
                if name in columns:
                    row[columns[name]].value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _send(settings, name: str, data: bytes, at: dt.datetime) -> None:
    """A file in its agency's folder (the fixture plan's issuer's; the agency its
    name gives), arrived at ``at`` (its modification time)."""
    issuer = load_catalogs(settings.catalog_dir).get(FIXTURE_PLAN).plan.issuer_code
    path = agency_path(settings.inbox_dir, issuer, name.split("_")[0], at.strftime("%Y-%m"),
                       name)
    path.write_bytes(data)
    os.utime(path, (at.timestamp(), at.timestamp()))


def _in_2025(project: Path) -> None:
    plans = project / "catalog" / "plans.csv"
    text = plans.read_text(encoding="utf-8")
    moved = text.replace(",2031,01/KH-BM,2031-01-15,", ",2025,01/KH-BM,2025-01-15,")
    assert moved != text
    plans.write_text(moved, encoding="utf-8")


@dataclass
class Deadline:
    settings: object
    url: str
    catalog: object
    mailbox: Mailbox
    after_run: list[int]  # mails received after each DAG run


@pytest.fixture(scope="module")
def deadline(new_warehouse, tmp_path_factory: pytest.TempPathFactory, smtp_server):
    mailbox, port = smtp_server
    base, url = new_warehouse("deadline")
    project = project_with_fixture_plan(tmp_path_factory.mktemp("deadline_project"))
    _in_2025(project)
    settings = dataclasses.replace(base, project_dir=project)
    init_warehouse(url, settings)
    catalog = load_catalogs(settings.catalog_dir).get(FIXTURE_PLAN)
    assert catalog.plan.year == 2025
    _send(settings, "SKHDT_2025-03.xlsx",
          _filled(build_template(catalog, "SKHDT", MARCH), ALL_SHEETS),
          dt.datetime(2025, 3, 18, 9, tzinfo=HANOI))
    _send(settings, "CUCA_2025-03.xlsx", build_template(catalog, "CUCA", MARCH),
          dt.datetime(2025, 3, 15, 9, tzinfo=HANOI))
    Ingestor(settings, url).ingest_inbox(settings.inbox_dir, progress=False, dating=HISTORICAL)

    connection = {"conn_type": "smtp", "host": "127.0.0.1", "port": port,
                  "extra": {"disable_tls": True, "disable_ssl": True, "retry_limit": 0,
                            "timeout": 10}}
    after_run: list[int] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps(connection))
        patch.setenv("PLANWATCH_MAIL_FROM", SENDER)
        patch.delenv("PLANWATCH_SMTP_CONN_ID", raising=False)
        # When the DAG's schedule runs it: an hour after each month's deadline.
        # March 2025's last day is Wednesday the 19th; April's, the 19th being a
        # Saturday, Monday the 21st.
        events = {period: moment.isoformat() for moment, period
                  in deadline_events(settings).items()}
        assert (events[MARCH], events[APRIL]) == ("2025-03-20T01:00:00+07:00",
                                                  "2025-04-22T01:00:00+07:00")
        run_dags([(DAG_ID, events[MARCH]),  # the deadline
                  (DAG_ID, "2025-03-20T02:00:00+07:00"),  # run again: nothing changed
                  (DAG_ID, events[APRIL])],  # a month with nothing received
                 url, settings,
                 on_progress=lambda *_: after_run.append(len(mailbox.mails)))
    assert len(after_run) == 3
    return Deadline(settings, url, catalog, mailbox, after_run)


def _query(url: str, sql: str, *params) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


def _notices(url: str, period: str) -> list[tuple]:
    return _query(url, """
        select kind, agency_code, owed, owed_sha256, recipient, skipped_reason, message_id,
               sent_at is not null, dag_run_id
        from audit.deadline_notices where period = %s order by notice_id""", period)


def _by_recipient(mails: list[Mail]) -> dict[str, list[Mail]]:
    out: dict[str, list[Mail]] = {}
    for mail in mails:
        for rcpt in mail.rcpt_tos:
            out.setdefault(rcpt, []).append(mail)
    return out


def _sheets(data: bytes) -> tuple[list[str], dict]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    info = {r[0]: r[1] for r in book["Thông tin"].iter_rows(values_only=True)}
    return [ws.title for ws in book.worksheets if ws.sheet_state == "visible"], info


def test_at_the_deadline_each_owing_agency_and_the_department_get_one_email(
        deadline: Deadline) -> None:
    march = deadline.mailbox.mails[:deadline.after_run[0]]
    mails = _by_recipient(march)
    assert sorted(mails) == [CUCA, DEPARTMENT]  # SKHDT owes nothing; VIENB has no address
    assert all(len(m) == 1 for m in mails.values())
    assert all(m.mail_from == SENDER and m.message["From"] == SENDER for m in march)

    (reminder,) = mails[CUCA]
    assert reminder.message["To"] == CUCA
    assert reminder.subject == ("[Nhắc nhở] Báo cáo tháng 03/2025 của Cục A (mẫu) — "
                                "Kế hoạch MAU-2031")
    text = reminder.text
    assert "Kính gửi: Đầu mối mẫu B (Cục A (mẫu))," in text
    assert "chậm nhất trong ngày Thứ Tư, 19/03/2025 (giờ Việt Nam)" in text
    rejected = "Bị từ chối, chưa gửi lại bản đạt"
    assert [line for line in text.splitlines() if line.endswith(rejected)] == [
        f"- Nhiệm vụ (tiến độ thực hiện nhiệm vụ): {rejected}",
        f"- Chỉ tiêu (kết quả thực hiện chỉ tiêu): {rejected}",
        f"- Giải ngân (tình hình giải ngân vốn đầu tư công): {rejected}"]
    assert "biên nhận" in text and "CUCA_2025-03.xlsx" in text
    assert list(reminder.attachments) == ["CUCA_2025-03.xlsx"]
    sheets, info = _sheets(reminder.attachments["CUCA_2025-03.xlsx"])
    assert sheets == ["Thông tin", *ALL_SHEETS]
    assert (info["Mã đơn vị"], info["Kỳ báo cáo"], info["Mã kế hoạch"]) == (
        "CUCA", "03/2025", FIXTURE_PLAN)

    (summary,) = mails[DEPARTMENT]
    assert summary.subject == ("[Tổng hợp] Tình hình gửi báo cáo tháng 03/2025 — "
                               "Kế hoạch MAU-2031")
    assert summary.attachments == {}
    text = summary.text
    for line in ("- Đúng hạn: 3", "- Trễ hạn: 0", f"- {rejected}: 3", "- Chưa gửi: 2",
                 "- Chưa đến hạn: 0", "Các đơn vị còn nợ báo cáo (2):"):
        assert line in text.splitlines(), line
    owing = [line for line in text.splitlines() if line.startswith(("- CUCA", "- VIENB"))]
    assert [line.split(" — ")[0] for line in owing] == ["- CUCA", "- VIENB"]
    assert "Nhiệm vụ: Chưa gửi; Chỉ tiêu: Chưa gửi" in owing[1]
    assert "chưa có email đầu mối" in owing[1]
    assert "SKHDT —" not in text


def test_what_was_owed_and_sent_is_recorded_in_the_warehouse(deadline: Deadline) -> None:
    rows = _notices(deadline.url, MARCH)
    assert [(kind, agency) for kind, agency, *_ in rows] == [
        ("reminder", "CUCA"), ("reminder", "VIENB"), ("summary", "SKHDT")]
    cuca, vienb, summary = rows
    assert cuca[2] == [{"template": t, "status": "rejected"}
                       for t in ("tasks", "indicators", "disbursement")]
    assert (cuca[4], cuca[5], cuca[7]) == (CUCA, None, True)
    assert vienb[2] == [{"template": "tasks", "status": "missing"},
                        {"template": "indicators", "status": "missing"}]
    assert (vienb[4], vienb[5], vienb[6], vienb[7]) == (None, "no_contact_email", None, False)
    assert summary[2]["counts"] == {"on_time": 3, "late": 0, "rejected": 3, "missing": 2,
                                    "not_yet_due": 0}
    assert (summary[4], summary[7]) == (DEPARTMENT, True)
    for row in rows:  # the digest is of the recorded content, as canonical JSON
        canonical = json.dumps(row[2], sort_keys=True, ensure_ascii=False,
                               separators=(",", ":"))
        assert row[3] == hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    assert len({row[8] for row in rows}) == 1  # the run that recorded them
    sent = {m.rcpt_tos[0]: m.message["Message-ID"]
            for m in deadline.mailbox.mails[:deadline.after_run[0]]}
    assert sent == {CUCA: cuca[6], DEPARTMENT: summary[6]}


def test_running_again_with_nothing_changed_sends_and_records_nothing(
        deadline: Deadline) -> None:
    assert deadline.after_run[1] == deadline.after_run[0]
    # Every March notice is the first run's: the second one recorded none.
    assert len({row[8] for row in _notices(deadline.url, MARCH)}) == 1


def test_a_month_with_nothing_received_still_reminds_every_agency(deadline: Deadline) -> None:
    # Past the plan's reporting horizon: the mart has no April rows at all.
    assert _query(deadline.url, "select count(*) from marts.fct_submission"
                                " where period = %s", APRIL) == [(0,)]
    april = deadline.mailbox.mails[deadline.after_run[1]:deadline.after_run[2]]
    mails = _by_recipient(april)
    assert sorted(mails) == [CUCA, DEPARTMENT]
    subjects = sorted(m.subject for m in mails[DEPARTMENT])
    assert subjects == [
        "[Nhắc nhở] Báo cáo tháng 04/2025 của Vụ Kế hoạch - Tài chính (mẫu) — Kế hoạch MAU-2031",
        "[Tổng hợp] Tình hình gửi báo cáo tháng 04/2025 — Kế hoạch MAU-2031"]
    skhdt = next(m for m in mails[DEPARTMENT] if m.subject.startswith("[Nhắc nhở]"))
    assert [line for line in skhdt.text.splitlines() if line.endswith(": Chưa gửi")] == [
        "- Nhiệm vụ (tiến độ thực hiện nhiệm vụ): Chưa gửi",
        "- Chỉ tiêu (kết quả thực hiện chỉ tiêu): Chưa gửi",
        "- Giải ngân (tình hình giải ngân vốn đầu tư công): Chưa gửi"]
    assert list(skhdt.attachments) == ["SKHDT_2025-04.xlsx"]
    (cuca,) = mails[CUCA]
    assert "chậm nhất trong ngày Thứ Hai, 21/04/2025" in cuca.text  # 19/04: a Saturday
    summary = next(m for m in mails[DEPARTMENT] if m.subject.startswith("[Tổng hợp]"))
    assert "- Chưa gửi: 8" in summary.text.splitlines()
    recorded = {(kind, agency): (skipped, sent) for kind, agency, _, _, _, skipped, _, sent, _
                in _notices(deadline.url, APRIL)}
    assert recorded == {("reminder", "SKHDT"): (None, True), ("reminder", "CUCA"): (None, True),
                        ("reminder", "VIENB"): ("no_contact_email", False),
                        ("summary", "SKHDT"): (None, True)}


def test_past_the_horizon_what_is_owed_is_still_in_the_marts(deadline: Deadline) -> None:
    """fct_submission stops at the plan's reporting horizon; mart_submission_owed,
    which the notices read, has every month, with fct_submission's statuses
    where both have the month (one rule: int_submissions_classified)."""
    def statuses(mart: str, period: str) -> dict:
        return dict(((a, t), s) for a, t, s in _query(
            deadline.url, f"select agency_code, template, compliance_status from marts.{mart}"
                          " where plan_code = %s and period = %s", FIXTURE_PLAN, period))

    march = statuses("fct_submission", MARCH)
    assert len(march) == 8 and {"rejected", "missing", "on_time"} <= set(march.values())
    assert statuses("mart_submission_owed", MARCH) == march
    assert statuses("fct_submission", APRIL) == {}
    april = statuses("mart_submission_owed", APRIL)
    assert set(april) == set(march) and set(april.values()) == {"missing"}


@pytest.fixture(scope="module")
def after_change(deadline: Deadline, smtp_server):
    """CUCA fills in the tasks sheet of the template it was sent and sends only
    that sheet, after the deadline (tasks accepted, late; the other templates stay
    rejected); the DAG runs again for March."""
    mailbox, port = smtp_server
    (reminder,) = [m for m in mailbox.mails[:deadline.after_run[0]] if CUCA in m.rcpt_tos]
    template = reminder.attachments["CUCA_2025-03.xlsx"]
    _send(deadline.settings, "CUCA_2025-03_lan2.xlsx", _filled(template, ("Nhiệm vụ",)),
          dt.datetime(2025, 3, 22, 10, tzinfo=HANOI))
    Ingestor(deadline.settings, deadline.url).ingest_inbox(deadline.settings.inbox_dir,
                                                           progress=False, dating=HISTORICAL)
    before = len(mailbox.mails)
    connection = {"conn_type": "smtp", "host": "127.0.0.1", "port": port,
                  "extra": {"disable_tls": True, "disable_ssl": True, "retry_limit": 0,
                            "from_email": SENDER}}
    with pytest.MonkeyPatch.context() as patch:
        # The sender from the connection this time; the connection id from the setting.
        patch.setenv("AIRFLOW_CONN_PLANWATCH_MAIL", json.dumps(connection))
        patch.setenv("PLANWATCH_SMTP_CONN_ID", "planwatch_mail")
        patch.delenv("PLANWATCH_MAIL_FROM", raising=False)
        patch.delenv("AIRFLOW_CONN_SMTP_DEFAULT", raising=False)
        run_dags([(DAG_ID, "2025-03-25T01:00:00+07:00")], deadline.url, deadline.settings)
    return mailbox.mails[before:]


def test_a_change_in_what_is_owed_sends_exactly_one_new_reminder(
        deadline: Deadline, after_change: list[Mail]) -> None:
    submitted = _query(deadline.url, "select template, status from audit.submissions where"
                       " agency_code = 'CUCA' and file_name = 'CUCA_2025-03_lan2.xlsx'"
                       " order by template")
    assert submitted == [("tasks", "accepted")]
    mails = _by_recipient(after_change)
    assert sorted(mails) == [CUCA, DEPARTMENT]
    (reminder,) = mails[CUCA]
    (summary,) = mails[DEPARTMENT]
    assert summary.subject.startswith("[Tổng hợp]")  # its counts changed too
    assert all(m.mail_from == SENDER for m in after_change)
    owed_part, late_part = reminder.text.split("sau hạn")
    rejected = "Bị từ chối, chưa gửi lại bản đạt"
    assert [line for line in owed_part.splitlines() if line.startswith("- ")
            and line.endswith(rejected)] == [
        f"- Chỉ tiêu (kết quả thực hiện chỉ tiêu): {rejected}",
        f"- Giải ngân (tình hình giải ngân vốn đầu tư công): {rejected}"]
    assert "- Nhiệm vụ (tiến độ thực hiện nhiệm vụ): Trễ hạn" in late_part
    assert "- Trễ hạn: 1" in summary.text.splitlines()

    rows = _notices(deadline.url, MARCH)
    new = [row for row in rows if row[8] != rows[0][8]]  # not the first run's
    assert [(kind, agency) for kind, agency, *_ in new] == [
        ("reminder", "CUCA"), ("summary", "SKHDT")]
    assert all(row[7] for row in new)  # both sent
    assert new[0][2] == [{"template": "tasks", "status": "late"},
                         {"template": "indicators", "status": "rejected"},
                         {"template": "disbursement", "status": "rejected"}]
    assert new[0][6] == reminder.message["Message-ID"]
    # VIENB owes what it owed: nothing recorded again.
    assert [row[1] for row in rows if row[0] == "reminder"].count("VIENB") == 1


def test_a_notice_recorded_but_not_sent_goes_out_once_with_its_message_id(
        deadline: Deadline, smtp_server, monkeypatch: pytest.MonkeyPatch) -> None:
    """The task bodies the DAG calls, without Airflow: the mail server is down when
    May's notices are sent, so they stay recorded and unsent; the next run sends
    those same notices, once."""
    from planwatch.orchestration.submissions_deadline import record_notices, send_notices

    mailbox, port = smtp_server
    settings, period = deadline.settings, "2025-05"
    monkeypatch.setenv("PLANWATCH_MAIL_FROM", SENDER)
    monkeypatch.delenv("PLANWATCH_SMTP_CONN_ID", raising=False)
    down = {"conn_type": "smtp", "host": "127.0.0.1", "port": _free_port(),
            "extra": {"disable_tls": True, "disable_ssl": True, "retry_limit": 0}}
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps(down))
    first = record_notices(period, "first", settings)
    assert first["decided"] == {"reminder:send": 2, "reminder:record": 1, "summary:send": 1}
    before = len(mailbox.mails)
    with pytest.raises(ConnectionRefusedError):
        send_notices(first["notice_ids"], settings)
    assert len(mailbox.mails) == before
    assert [sent for *_, sent, _ in _notices(deadline.url, period)] == [False] * 4

    up = {**down, "port": port}
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps(up))
    again = record_notices(period, "again", settings)
    assert again["decided"] == {"reminder:resend": 2, "reminder:skip": 1, "summary:resend": 1}
    assert again["notice_ids"] == first["notice_ids"]
    assert send_notices(again["notice_ids"], settings) == {"sent": 3, "already_sent": 0}
    assert send_notices(again["notice_ids"], settings) == {"sent": 0, "already_sent": 3}
    mails = mailbox.mails[before:]
    rows = _notices(deadline.url, period)
    assert len(rows) == 4 and {row[8] for row in rows} == {"first"}
    assert sorted(m.message["Message-ID"] for m in mails) == sorted(
        row[6] for row in rows if row[6])
    assert sorted(m.rcpt_tos[0] for m in mails) == [CUCA, DEPARTMENT, DEPARTMENT]
