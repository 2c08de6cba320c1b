"""Pipeline pieces that intake sources rely on."""

import json

from mailbot.config import parse_rules
from mailbot.runtime.pipeline import Pipeline


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


def _rules(tmp_path):
    return parse_rules(f"storage: {{data_dir: {tmp_path}}}\nbooks: [{{id: den, name: x}}]\n"
                       "mailboxes: [{id: ubnd, address: ubnd@quangngai.gov.vn, register: den}]\n")


def test_a_message_received_in_pieces_is_the_same_message(tmp_path):
    pipeline = Pipeline(_rules(tmp_path))
    raw = b"From: vanthu@stc.quangngai.gov.vn\r\nSubject: x\r\n\r\n" + bytes(range(256)) * 5000
    pieces = [raw[i:i + 4096] for i in range(0, len(raw), 4096)]
    streamed = pipeline.receive_stream(iter(pieces), source="imap", mailbox="ubnd")
    assert pipeline.spool.load(streamed.sha256) == raw
    assert pipeline.receive(raw, source="imap", mailbox="ubnd").message == streamed.message   # one row
    assert pipeline.db.execute("SELECT size FROM messages").fetchall() == [(len(raw),)]
    again = pipeline.receive_stream(iter(pieces), source="imap", mailbox="ubnd")
    assert again.duplicate and again.message == streamed.message
    assert not list(pipeline.spool.root.glob(".incoming.*"))


def test_a_fetch_that_breaks_midway_stores_and_records_nothing(tmp_path):
    pipeline = Pipeline(_rules(tmp_path))

    def pieces():
        yield b"From: a@b.gov.vn\r\n\r\n" + b"x" * 10_000
        raise ConnectionResetError("server gone")

    try:
        pipeline.receive_stream(pieces(), source="imap", mailbox="ubnd")
    except ConnectionResetError:
        pass
    else:
        raise AssertionError("the failure must reach the caller (the watcher reconnects)")
    assert pipeline.db.execute("SELECT count(*) FROM messages").fetchone() == (0,)
    assert [p for p in pipeline.spool.root.rglob("*") if p.is_file()] == []
