"""End to end through the real SMTP listener and a real STARTTLS+AUTH relay."""

from __future__ import annotations

import hashlib
import json
import time
from email import message_from_bytes, policy
from email.header import decode_header, make_header

from mailbot.util import samples
from tests.support.bot import DOCX_TYPE, OFFICE, mail

DOCX = ("Giấy mời.docx", samples.docx(["SỞ TÀI CHÍNH", "Số: 125/GM-STC", "GIẤY MỜI", "Họp giao ban quý IV"]),
        DOCX_TYPE)
EXE_AS_PDF = ("tai-lieu.pdf", b"MZ\x90\x00" + b"\x00" * 60 + b"PE\x00\x00" + b"\x00" * 200, "application/pdf")


def subject_of(raw: bytes) -> str:
    return str(make_header(decode_header(message_from_bytes(raw)["Subject"])))


def notices(relay):
    return [message_from_bytes(m.raw, policy=policy.default) for m in relay.messages]


def test_accepted_document_is_registered_and_acknowledged(bot, relay):
    msg = mail(subject="Giấy mời họp giao ban", files=[DOCX])
    bot.send(msg)
    bot.settle()

    entries = bot.query("SELECT book, year, arrival_number, sender, email_subject, decision FROM entries")
    assert len(entries) == 1
    book, year, number, sender, subject, decision = entries[0]
    assert (book, number, sender, subject, decision) == (
        "den-ubnd", 1, "vanthu@stc.quangngai.gov.vn", "Giấy mời họp giao ban", "accept")

    assert len(relay.messages) == 1
    sent = relay.messages[0]
    assert sent.mail_from == "<>" and sent.rcpt_tos == ["vanthu@stc.quangngai.gov.vn"]
    assert sent.tls and sent.login            # STARTTLS, then AUTH
    ack = notices(relay)[0]
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ack["In-Reply-To"] == msg["Message-ID"]
    assert msg["Message-ID"] in ack["References"]
    subject_line = str(ack["Subject"])
    assert f"Số đến {number}/{year}" in subject_line and "Giấy mời họp giao ban" in subject_line
    body = ack.get_body(("plain",)).get_content()
    assert "Giấy mời.docx" in body


def test_message_without_an_allowed_document_is_refused_with_the_reason(bot, relay):
    bot.send(mail(subject="Tài liệu", files=[EXE_AS_PDF]))
    bot.settle()
    assert bot.query("SELECT count(*) FROM entries") == [(0,)]
    decision, report = bot.query("SELECT decision, report FROM messages")[0]
    assert decision == "refuse"
    codes = [r["code"] for r in json.loads(report)["reasons"]]
    assert codes[0] == "no_allowed_attachment" and "format_mismatch" in codes
    assert len(relay.messages) == 1
    refusal = notices(relay)[0]
    assert str(refusal["Subject"]).startswith("Không tiếp nhận văn bản")
    assert "tai-lieu.pdf" in refusal.get_body(("plain",)).get_content()


def test_unreadable_message_is_kept_for_review_and_not_answered(bot, relay):
    garbage = b"\x00\x01\x02 this is not a message \xff\xfe" * 10
    bot.send(garbage, envelope_from="x@example.com")
    bot.settle()
    (state, decision, path, sha), = bot.query("SELECT state, decision, spool_path, sha256 FROM messages")
    assert (state, decision) == ("processed", "review")
    with open(path, "rb") as fh:
        kept = fh.read()
    assert b"this is not a message" in kept and hashlib.sha256(kept).hexdigest() == sha
    assert relay.messages == []


def test_automated_mail_is_registered_but_never_answered(bot, relay):
    cases = [
        (mail(files=[DOCX], headers={"Auto-Submitted": "auto-generated"}), None),
        (mail(files=[DOCX], headers={"List-Id": "<tin-tuc.quangngai.gov.vn>"}), None),
        (mail(files=[DOCX], headers={"Precedence": "bulk"}), None),
        (mail(files=[DOCX]), ""),                                     # null envelope sender
        (mail(sender="MAILER-DAEMON@mx.quangngai.gov.vn", files=[DOCX]), None),
        (mail(sender=OFFICE, files=[DOCX]), None),                    # our own address
        (mail(subject="Vắng mặt", headers={"Auto-Submitted": "auto-replied"}), None),   # no document
    ]
    for msg, envelope in cases:
        bot.send(msg, envelope_from=envelope)
    bot.settle()
    decisions = [d for (d,) in bot.query("SELECT decision FROM messages ORDER BY id")]
    assert decisions == ["accept"] * 6 + ["refuse"]
    assert bot.query("SELECT count(*) FROM outbox") == [(0,)]
    assert relay.messages == []


def test_delivery_report_is_not_answered(bot, relay):
    bounce = (b"From: MAILER-DAEMON@mx.example.com\r\nTo: ubnd@quangngai.gov.vn\r\nSubject: Undelivered\r\n"
              b"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=B\r\n"
              b"\r\n--B\r\nContent-Type: text/plain\r\n\r\nfailed\r\n"
              b"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
              b"Final-Recipient: rfc822; a@b\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n--B--\r\n")
    bot.send(bounce, envelope_from="")
    bot.settle()
    assert bot.query("SELECT decision FROM messages") == [("refuse",)]
    assert relay.messages == []


def test_same_document_twice_is_registered_and_acknowledged_once(bot, relay):
    msg = mail(files=[DOCX])
    bot.send(msg)
    bot.send(msg)                                  # the same bytes again
    again = mail(files=[DOCX])
    del again["Message-ID"]
    again["Message-ID"] = msg["Message-ID"]        # redelivered with other headers
    again["Received"] = "from relay.example by mx; Mon, 23 Nov 2026 08:00:00 +0700"
    bot.send(again)
    bot.settle()
    assert bot.query("SELECT count(*) FROM entries") == [(1,)]
    assert bot.query("SELECT state FROM messages ORDER BY id") == [("processed",), ("duplicate",)]
    assert len(relay.messages) == 1


def test_numbers_follow_arrival_order_without_gaps(bot, relay):
    for i in range(5):   # five different documents (the same bytes again would not take a number)
        doc = samples.docx(["SỞ TÀI CHÍNH", f"Số: {125 + i}/GM-STC", "GIẤY MỜI", "Họp giao ban quý IV"])
        bot.send(mail(subject=f"Văn bản {i}", files=[("Giấy mời.docx", doc, DOCX_TYPE)]))
    bot.send(mail(subject="Không có tệp"))
    bot.settle()
    rows = bot.query("SELECT arrival_number, email_subject FROM entries ORDER BY arrival_number")
    assert rows == [(i + 1, f"Văn bản {i}") for i in range(5)]
    assert len(relay.messages) == 6


def test_notices_wait_for_the_relay_and_are_sent_once(bot, relay):
    relay.fail_next(2)
    bot.send(mail(files=[DOCX]))
    bot.settle()
    deadline = time.monotonic() + 20
    while bot.query("SELECT count(*) FROM outbox WHERE state = 'pending'") != [(0,)]:
        assert time.monotonic() < deadline, "the notice was never sent"
        time.sleep(0.1)
    assert len(relay.messages) == 1
    assert bot.query("SELECT state, attempts FROM outbox") == [("sent", 3)]
