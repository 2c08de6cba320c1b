"""Pipeline pieces that intake sources rely on."""

import json

from mailbot.config import parse_rules
from mailbot.pipeline import Pipeline


def test_oversize_message_is_recorded_from_its_header_and_sent_to_review(tmp_path):
    rules = parse_rules(f"storage: {{data_dir: {tmp_path}}}\nbooks: [{{id: den, name: x}}]\n"
                        "mailboxes: [{id: ubnd, address: ubnd@quangngai.gov.vn, register: den}]\n"
                        "notices: {clerk_address: vt@quangngai.gov.vn}\n")
    pipeline = Pipeline(rules)
    header = b"From: vanthu@stc.quangngai.gov.vn\r\nSubject: =?utf-8?q?H=E1=BB=93_s=C6=A1?=\r\nMessage-ID: <big@stc>\r\n"
    first = pipeline.receive_oversize(mailbox="ubnd", size=90_000_000, delivered_at=None, summary_headers=header)
    again = pipeline.receive_oversize(mailbox="ubnd", size=90_000_000, delivered_at=None, summary_headers=header)
    assert again.duplicate and again.message == first.message

    pipeline.process(first.message)
    decision, report = pipeline.db.execute("SELECT decision, report FROM messages").fetchone()
    report = json.loads(report)
    assert decision == "review"
    assert report["reasons"][0]["code"] == "not_downloaded_too_large"
    assert report["sender"] == "vanthu@stc.quangngai.gov.vn" and report["subject"] == "Hồ sơ"
    assert pipeline.db.execute("SELECT kind, recipient FROM outbox").fetchall() == [("alert", "vt@quangngai.gov.vn")]
    assert pipeline.db.execute("SELECT count(*) FROM entries").fetchone()[0] == 0
