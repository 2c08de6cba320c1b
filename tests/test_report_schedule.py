"""Scheduled reports (issue 18.3): due on the first working day after the period closes, from
`reports.send_at`; sent once per period and recipient list, also across a restart at the send
time; a delivery that failed or was cut off by a crash is sent again with the same Message-ID."""

from __future__ import annotations

import io
import time as clock
from datetime import datetime
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

from mailbot.config import parse_rules
from mailbot.decide.workcalendar import WorkCalendar
from mailbot.reports.schedule import due_reports, send_due_reports
from mailbot.runtime.daemon import Daemon
from mailbot.store import schema, statistics
from mailbot.util.netutil import free_port
from tests.support.bot import relay_yaml, rules_text

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
LEADERS = ["chutich@quangngai.gov.vn", "chanhvanphong@quangngai.gov.vn"]


def rules_for(tmp_path, extra: str = ""):
    text = f"""\
office: {{name: Văn phòng UBND tỉnh Quảng Ngãi}}
storage: {{data_dir: data}}
reports:
  target_electronic_share: 0.7
  send_at: "08:00"
  schedules:
    - {{period: quarter, recipients: [{', '.join(LEADERS)}]}}
{extra}"""
    return parse_rules(text, tmp_path / "rules.yaml")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def test_due_on_the_first_working_day_after_the_period_from_send_at(tmp_path):
    rules = rules_for(tmp_path)
    calendar = WorkCalendar(rules.office)
    # Q4 2026 closes on Thursday 31/12; 1/1 is Tết Dương lịch, then a weekend: Monday 4/1/2027.
    assert due_reports(rules, calendar, at("2027-01-02T09:00")) == []
    assert due_reports(rules, calendar, at("2027-01-04T07:59")) == []
    (due,) = due_reports(rules, calendar, at("2027-01-04T08:00"))
    assert due.period.key == "2026-Q4" and due.send_from == at("2027-01-04T08:00")
    # Q1 2026: Wednesday 1/4 is a working day.
    (due,) = due_reports(rules, calendar, at("2026-04-01T08:30"))
    assert due.period.key == "2026-Q1"


def test_sent_once_per_period_across_restarts_and_again_after_a_failure(tmp_path):
    rules = rules_for(tmp_path)
    sent: list[tuple[bytes, list[str]]] = []
    db = schema.connect(rules.db_path)

    def broken(raw, recipients):
        raise OSError("relay down")

    assert send_due_reports(db, rules, broken, at("2026-04-01T08:00")) == []
    assert statistics.report_runs(db)[0]["state"] == "failed"
    assert send_due_reports(db, rules, lambda raw, to: sent.append((raw, to)), at("2026-04-01T08:15")) == ["2026-Q1"]
    assert send_due_reports(db, rules, lambda raw, to: sent.append((raw, to)), at("2026-04-01T09:00")) == []
    db.conn.close()
    # A restart: a new connection to the same register, at the same send time.
    db = schema.connect(rules.db_path)
    assert send_due_reports(db, rules, lambda raw, to: sent.append((raw, to)), at("2026-04-01T08:15")) == []
    assert len(sent) == 1 and sent[0][1] == LEADERS
    (run,) = statistics.report_runs(db)
    assert (run["period"], run["state"], run["attempts"]) == ("2026-Q1", "sent", 2)

    # A crash after the relay took the mail and before it was marked sent: sent again, with
    # the same Message-ID (the recipients' clients show it once).
    class Crash(BaseException):
        pass

    def accepted_then_crash(raw, to):
        sent.append((raw, to))
        raise Crash

    try:
        send_due_reports(db, rules, accepted_then_crash, at("2026-07-01T08:00"))
    except Crash:
        pass
    assert statistics.report_run_state(db, "2026-Q2", ",".join(sorted(LEADERS))) == "sending"
    assert send_due_reports(db, rules, lambda raw, to: sent.append((raw, to)), at("2026-07-01T08:01")) == ["2026-Q2"]
    ids = [message_from_bytes(raw, policy=policy.default)["Message-ID"] for raw, _ in sent]
    assert ids[1] == ids[2] != ids[0]
    assert send_due_reports(db, rules, lambda raw, to: sent.append((raw, to)), at("2026-07-02T08:00")) == []
    assert len(sent) == 3


def test_the_report_mail_has_summary_chart_and_workbook(tmp_path):
    from openpyxl import load_workbook

    rules = rules_for(tmp_path)
    db = schema.connect(rules.db_path)
    sent = []
    send_due_reports(db, rules, lambda raw, to: sent.append(raw), at("2027-01-04T08:00"))
    msg = message_from_bytes(sent[0], policy=policy.default)
    assert msg["Subject"] == "Báo cáo tình hình tiếp nhận văn bản điện tử — Quý IV năm 2026"
    assert msg["Auto-Submitted"] == "auto-generated" and msg["To"] == ", ".join(LEADERS)
    text = msg.get_body(("plain",)).get_content()
    assert "- Văn bản đến trong kỳ: 0" in text and "chưa có văn bản nào từ các cơ quan" in text
    html = msg.get_body(("html",))
    assert 'src="cid:bieu-do-thang@mailbot"' in html.get_content()
    (image,) = [p for p in msg.walk() if p.get_content_type() == "image/png"]
    assert image["Content-ID"] == "<bieu-do-thang@mailbot>" and image.get_content()[:4] == b"\x89PNG"
    (attachment,) = list(msg.iter_attachments())
    assert attachment.get_filename() == "bao-cao-2026-Q4.xlsx"
    wb = load_workbook(io.BytesIO(attachment.get_content()))
    assert wb.sheetnames[0] == "Tổng hợp"


def _wait(predicate, seconds: float = 60) -> None:
    deadline = clock.monotonic() + seconds
    while not predicate():
        assert clock.monotonic() < deadline, "the report worker did not run"
        clock.sleep(0.05)


def test_the_daemon_mails_the_report_through_the_relay_once_across_a_restart(tmp_path, relay):
    extra = f"""reports:
  schedules: [{{period: quarter, recipients: [{LEADERS[0]}]}}]
"""
    text = rules_text(tmp_path, free_port(), relay_yaml(relay), extra)
    (tmp_path / "rules.yaml").write_text(text, encoding="utf-8")
    rules = parse_rules(text, tmp_path / "rules.yaml")
    for _ in range(2):    # the second daemon is a restart at the same send time
        daemon = Daemon(rules)
        daemon.reports.clock = lambda: at("2026-04-01T08:00")
        daemon.start()
        try:
            _wait(lambda: daemon.reports.checks >= 1)
        finally:
            daemon.stop()
    reports = [m for m in relay.messages if m.rcpt_tos == [LEADERS[0]]]
    assert len(reports) == 1
    msg = message_from_bytes(reports[0].raw, policy=policy.default)
    assert msg["Subject"].endswith("Quý I năm 2026")
