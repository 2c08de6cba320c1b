"""The legal receipt time in the register, the receipt and the forwards (issue 15.1, 15.4):
mail outside office hours counts from the next working period (QĐ 57/2014 Art. 11.2); an
urgent document is forwarded at once even at night, the others when the office opens."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

from mailbot.config import parse_rules
from mailbot.runtime.pipeline import Pipeline
from mailbot.util import samples
from tests.support.bot import DOCX_TYPE, mail

VN = ZoneInfo("Asia/Ho_Chi_Minh")
FRIDAY_NIGHT = datetime(2026, 12, 4, 22, 0, tzinfo=VN)
MONDAY_OPEN = datetime(2026, 12, 7, 7, 0, tzinfo=VN)


def pipeline(tmp_path) -> Pipeline:
    rules = parse_rules(f"""
office: {{name: Văn phòng UBND tỉnh Quảng Ngãi}}
storage: {{data_dir: {tmp_path}/data, outbox_dir: {tmp_path}/outbox}}
books: [{{id: den, name: Sổ văn bản đến}}]
mailboxes: [{{id: ubnd, address: ubnd@quangngai.gov.vn, register: den}}]
notices: {{from_address: ubnd@quangngai.gov.vn}}
senders: {{authserv_id: mx.quangngai.gov.vn}}
limits: {{inspect_workers: 0}}
people: [{{id: pct1, name: Nguyễn Văn An, address: pct1@quangngai.gov.vn}}]
routes: [{{name: Tất cả, assign: {{handler: pct1}}}}]
""", tmp_path / "rules.yaml")
    return Pipeline(rules)


def ingest(p: Pipeline, lines: list[str], at: datetime):
    raw = mail(subject="Công văn", files=[("cv.docx", samples.docx(lines), DOCX_TYPE)]).as_bytes(policy=policy.SMTP)
    received = p.receive(raw, source="file", delivered_at=at, mailbox="ubnd")
    return p.process(received.message)


def outbox(p: Pipeline, message: int) -> dict[str, tuple[datetime, bytes]]:
    rows = p.db.execute("SELECT kind, next_attempt_at, raw FROM outbox WHERE message = ?", (message,)).fetchall()
    return {kind: (datetime.fromisoformat(at), raw) for kind, at, raw in rows}


def test_friday_night_mail_is_received_monday_morning_and_the_receipt_says_so(tmp_path):
    p = pipeline(tmp_path)
    reg = ingest(p, ["SỞ TÀI CHÍNH", "Số: 12/STC-NS", "V/v dự toán"], FRIDAY_NIGHT)
    arrival, delivered = p.db.execute("SELECT arrival_date, delivered_at FROM entries WHERE id = ?",
                                      (reg.entry,)).fetchone()
    assert datetime.fromisoformat(arrival) == MONDAY_OPEN
    assert datetime.fromisoformat(delivered) == FRIDAY_NIGHT
    notices = outbox(p, reg.message)
    receipt = message_from_bytes(notices["receipt"][1], policy=policy.default).get_body(("plain",)).get_content()
    assert ("Thời điểm tiếp nhận: 07:00 ngày 07/12/2026 (thư đến hệ thống lúc 22:00 ngày 04/12/2026, "
            "ngoài giờ hành chính — Điều 11.2)") in receipt
    assert notices["receipt"][0] <= datetime.now(timezone.utc)


def test_the_forward_waits_for_the_office_to_open(tmp_path):
    p = pipeline(tmp_path)
    # A Friday night a few weeks ahead: the legal receipt time is still to come.
    day = datetime.now(VN).date() + timedelta(days=21)
    friday = datetime.combine(day + timedelta(days=(4 - day.weekday()) % 7), time(22, 0), tzinfo=VN)
    reg = ingest(p, ["SỞ TÀI CHÍNH", "Số: 15/STC-NS", "V/v dự toán"], friday)
    opens = p.calendar.legal_receipt_time(friday)
    assert opens > friday and opens.hour == 7
    notices = outbox(p, reg.message)
    assert notices["receipt"][0] <= datetime.now(timezone.utc)       # the sender hears at once
    assert notices["forward"][0] == opens                             # the handler when the office opens


def test_urgent_document_at_night_is_forwarded_at_once_marked_high(tmp_path):
    p = pipeline(tmp_path)
    reg = ingest(p, ["SỞ TÀI CHÍNH", "Số: 13/STC-NS", "HỎA TỐC", "V/v phòng chống bão"], FRIDAY_NIGHT)
    when, raw = outbox(p, reg.message)["forward"]
    assert when <= datetime.now(timezone.utc)
    forward = message_from_bytes(raw, policy=policy.default)
    assert forward["Importance"] == "high" and forward["X-Priority"].startswith("1")


def test_a_message_inside_office_hours_keeps_its_time(tmp_path):
    p = pipeline(tmp_path)
    at = datetime(2026, 12, 8, 9, 15, tzinfo=VN)
    reg = ingest(p, ["SỞ TÀI CHÍNH", "Số: 14/STC-NS", "V/v dự toán"], at)
    (arrival,) = p.db.execute("SELECT arrival_date FROM entries WHERE id = ?", (reg.entry,)).fetchone()
    assert datetime.fromisoformat(arrival) == at
