"""`mailbot queue …` and `mailbot status` on a register holding every kind of stuck item:
held for review, quarantined, a failed notice, a failed OCR job."""

from __future__ import annotations

import json
from email import message_from_bytes, policy

import pytest

from mailbot import cli
from mailbot.config import load_rules
from mailbot.runtime.pipeline import Pipeline
from mailbot.store import ocr_jobs, outbox
from mailbot.store.schema import transaction
from tests.support.bot import DOCX_TYPE, MTA, OFFICE, mail

CLERK = "vanthu.noibo@quangngai.gov.vn"
AGENCY = "vanthu@stc.quangngai.gov.vn"


def rules_yaml(tmp_path, authserv: str) -> str:
    return f"""\
office: {{name: Văn phòng UBND tỉnh Quảng Ngãi}}
storage: {{data_dir: {tmp_path}/data}}
books: [{{id: den, name: Sổ văn bản đến}}]
mailboxes: [{{id: ubnd, address: {OFFICE}, register: den}}]
notices: {{from_address: {OFFICE}, clerk_address: {CLERK}}}
senders: {{authserv_id: {authserv}}}
limits: {{inspect_workers: 0}}
"""


def document(title: str) -> tuple[str, bytes, str]:
    from mailbot.util import samples

    return (f"{title}.docx", samples.docx(["SỞ TÀI CHÍNH", "Số: 12/GM-STC", "GIẤY MỜI", title]), DOCX_TYPE)


@pytest.fixture
def register(tmp_path):
    """A register with: an accepted scan whose OCR failed (entry 1) and a failed receipt;
    two agency mails quarantined because our MTA's authserv-id is written wrong; an
    over-size message held for review."""
    config = tmp_path / "rules.yaml"
    config.write_text(rules_yaml(tmp_path, "mx.sai.example"), encoding="utf-8")
    pipeline = Pipeline(load_rules(str(config)), dns=None)
    ids = {}

    def take(name, msg):
        ids[name] = pipeline.receive(msg.as_bytes(), source="file", mailbox="ubnd").message
        pipeline.process(ids[name])

    take("citizen", mail("dan@gmail.com", "Đơn kiến nghị", [document("Đơn kiến nghị")], authenticated=False))
    take("invitation", mail(AGENCY, "Giấy mời họp", [document("Họp giao ban quý IV")]))
    take("report", mail(AGENCY, "Báo cáo tháng", [document("Báo cáo tháng 11")]))
    stub = pipeline.receive_oversize(mailbox="ubnd", size=90_000_000, delivered_at=None,
                                     summary_headers=f"From: {AGENCY}\r\nSubject: Hồ sơ lớn\r\n".encode())
    ids["oversize"] = stub.message
    pipeline.process(stub.message)
    with transaction(pipeline.db) as conn:
        entry = conn.execute("SELECT id FROM entries WHERE message = ?", (ids["citizen"],)).fetchone()[0]
        ocr_jobs.queue(conn, ids["citizen"], entry, 1)
        job = ocr_jobs.next_pending(conn)["id"]
        ocr_jobs.record_failure(conn, job, "failed", "tesseract: out of memory")
        receipt = conn.execute("SELECT id FROM outbox WHERE kind = 'receipt'").fetchone()[0]
        outbox.fail(conn, receipt, "550 mailbox unavailable")
    ids.update(ocr=job, receipt=receipt)
    pipeline.close()
    yield config, pipeline.db, ids
    pipeline.db.conn.close()


def mailbot(config, capsys, *args) -> tuple[int, str, str]:
    code = cli.main([*args[:2], "--config", str(config), *args[2:]]) if len(args) >= 2 else \
        cli.main([*args, "--config", str(config)])
    out, err = capsys.readouterr()
    return code, out, err


def test_every_queue_is_listed_with_ids_that_name_it(register, capsys):
    config, db, ids = register
    code, out, _ = mailbot(config, capsys, "queue", "list", "--json")
    assert code == 0
    listed = {row["id"]: row for row in json.loads(out)}
    assert set(listed) == {f"quarantine-{ids['invitation']}", f"quarantine-{ids['report']}",
                           f"review-{ids['oversize']}", f"outbox-{ids['receipt']}", f"ocr-{ids['ocr']}"}
    assert listed[f"quarantine-{ids['invitation']}"]["reasons"][0]["code"] == "sender_forged_agency"
    assert listed[f"review-{ids['oversize']}"]["reasons"][0]["code"] == "not_downloaded_too_large"
    assert listed[f"outbox-{ids['receipt']}"]["last_error"] == "550 mailbox unavailable"
    assert listed[f"ocr-{ids['ocr']}"]["error"] == "tesseract: out of memory"

    code, out, _ = mailbot(config, capsys, "queue", "list", "quarantine")
    assert [line.split()[0] for line in out.splitlines()] == [f"quarantine-{ids['invitation']}",
                                                             f"quarantine-{ids['report']}"]
    code, out, _ = mailbot(config, capsys, "status", "--json")
    queues = json.loads(out)["queues"]
    assert {name: q["size"] for name, q in queues.items()} == {"review": 1, "quarantine": 2, "outbox": 1, "ocr": 1}
    assert queues["quarantine"]["oldest"] is not None and queues["ocr"]["failed"] == 1


def test_show_gives_the_reasons_and_the_audit_trail(register, capsys):
    config, db, ids = register
    code, out, _ = mailbot(config, capsys, "queue", "show", f"quarantine-{ids['report']}", "--json")
    assert code == 0
    shown = json.loads(out)
    assert shown["sender"] == AGENCY and shown["subject"] == "Báo cáo tháng"
    assert [e["event"] for e in shown["audit"]][:1] == ["received"]
    assert "decided" in [e["event"] for e in shown["audit"]]
    # An id of the wrong queue is not quietly taken for another.
    code, _, err = mailbot(config, capsys, "queue", "show", f"review-{ids['report']}")
    assert code == 1 and "no such item in the review queue" in err
    code, _, err = mailbot(config, capsys, "queue", "show", "hello-3")
    assert code == 2 and "not a queue id" in err


def test_retry_after_the_trust_is_fixed_accepts_the_held_message(register, capsys, tmp_path):
    config, db, ids = register
    held = f"quarantine-{ids['invitation']}"
    code, out, _ = mailbot(config, capsys, "queue", "retry", held)
    assert code == 0 and "still held" in out and "sender_forged_agency" in out
    assert db.execute("SELECT count(*) FROM entries").fetchone()[0] == 1

    config.write_text(rules_yaml(tmp_path, MTA), encoding="utf-8")      # the administrator fixes it
    code, out, _ = mailbot(config, capsys, "queue", "retry", held)
    assert code == 0 and "accepted and registered" in out
    number, decision = db.execute("SELECT arrival_number, decision FROM entries WHERE message = ?",
                                  (ids["invitation"],)).fetchone()
    assert (number, decision) == (2, "accept")
    assert db.execute("SELECT state, decision FROM messages WHERE id = ?",
                      (ids["invitation"],)).fetchone() == ("processed", "accept")
    assert db.execute("SELECT kind, recipient FROM outbox WHERE message = ? AND kind = 'receipt'",
                      (ids["invitation"],)).fetchall() == [("receipt", AGENCY)]
    reopened = db.execute("SELECT detail FROM audit WHERE message = ? AND event = 'reopened'",
                          (ids["invitation"],)).fetchall()
    assert [json.loads(d) for (d,) in reopened] == [
        {"was": "quarantine", "now": "accept", "by": None, "via": "queue retry", "folder": None}]
    # Not held any more: gone from its queue; retrying it again changes nothing.
    code, out, _ = mailbot(config, capsys, "queue", "retry", held)
    assert code == 1 and "not found" in out
    assert db.execute("SELECT count(*) FROM entries").fetchone()[0] == 2


def test_retry_all_puts_the_failed_notice_and_scan_back_in_line(register, capsys):
    config, db, ids = register
    code, out, _ = mailbot(config, capsys, "queue", "retry", "--all")
    assert f"outbox-{ids['receipt']}: queued" in out and f"ocr-{ids['ocr']}: queued" in out
    assert f"review-{ids['oversize']}: inspected again: still held" in out
    assert db.execute("SELECT state FROM outbox WHERE id = ?", (ids["receipt"],)).fetchone() == ("pending",)
    assert db.execute("SELECT state, attempts, error FROM ocr_jobs").fetchone() == ("pending", 0, None)
    code, out, _ = mailbot(config, capsys, "queue", "list", "ocr")
    assert out.strip().startswith(f"ocr-{ids['ocr']}")   # still listed: waiting for the OCR worker


def test_release_registers_as_the_clerks_decision_and_only_once(register, capsys):
    config, db, ids = register
    held = f"review-{ids['oversize']}"
    code, out, _ = mailbot(config, capsys, "queue", "release", held, "--by", "lan")
    assert code == 0 and out.strip() == f"{held}: registered as số đến 2/{_year(db)} in den"
    report = json.loads(db.execute("SELECT report FROM messages WHERE id = ?", (ids["oversize"],)).fetchone()[0])
    assert report["reasons"][0]["code"] == "released_by_clerk"
    assert report["overrides"] == {"decision": "review", "by": "lan", "via": f"mailbot queue release {held}",
                                   "folder": None}
    raw = db.execute("SELECT raw FROM outbox WHERE message = ? AND kind = 'receipt'", (ids["oversize"],)).fetchone()
    assert message_from_bytes(raw[0], policy=policy.default)["To"] == AGENCY
    code, _, err = mailbot(config, capsys, "queue", "release", held)
    assert code == 1 and "not held" in err
    assert db.execute("SELECT max(arrival_number), count(*) FROM entries").fetchone() == (2, 2)


def test_refuse_sends_the_clerks_reason_and_registers_nothing(register, capsys):
    config, db, ids = register
    held = f"quarantine-{ids['report']}"
    code, out, _ = mailbot(config, capsys, "queue", "refuse", held, "--reason", "Không thuộc thẩm quyền giải quyết")
    assert code == 0 and "refused" in out
    assert db.execute("SELECT count(*) FROM entries WHERE message = ?", (ids["report"],)).fetchone() == (0,)
    assert db.execute("SELECT decision FROM messages WHERE id = ?", (ids["report"],)).fetchone() == ("refuse",)
    raw = db.execute("SELECT raw FROM outbox WHERE message = ? AND kind = 'refusal'", (ids["report"],)).fetchone()[0]
    body = message_from_bytes(raw, policy=policy.default).get_body(("plain",)).get_content()
    assert "Không thuộc thẩm quyền giải quyết" in body
    code, _, err = mailbot(config, capsys, "queue", "release", f"outbox-{ids['receipt']}")
    assert code == 2 and "only held messages" in err


def _year(db) -> int:
    return db.execute("SELECT max(year) FROM entries").fetchone()[0]
