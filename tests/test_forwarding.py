"""Forwarding through the real relay (issue 15.4): the handler gets a Vietnamese summary and the
original message byte for byte, so the PDF inside still verifies; urgent documents go at once,
marked, and the clerk hears of them; secret documents are never forwarded."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from email import message_from_bytes, policy

import pytest

from mailbot.util import samples
from mailbot.inspect.signatures import verify_pdf
from mailbot.spool.store import Spool
from mailbot.trust import trust_store
from testbed import pki as P
from tests.support.bot import DOCX_TYPE, mail

CLERK = "vanthu.noibo@quangngai.gov.vn"

ROUTING = f"""
notices: {{from_address: ubnd@quangngai.gov.vn, clerk_address: {CLERK}, retry_base_seconds: 0.2, retry_max_seconds: 1}}
units: [{{id: tonghop, name: Phòng Tổng hợp, address: tonghop@quangngai.gov.vn}}]
people:
  - {{id: pct1, name: Nguyễn Văn An, address: pct1@quangngai.gov.vn, unit: tonghop}}
routes:
  - name: Văn bản của Sở Tài chính
    when: {{sender: [stc.quangngai.gov.vn]}}
    assign: {{handler: pct1}}
    cc: [chanh.vanphong@quangngai.gov.vn]
    deadline: {{working_days: 5}}
  - name: Mặc định
    assign: {{unit: tonghop}}
"""


@pytest.fixture(scope="module")
def signed_pdf(tmp_path_factory):
    pki = P.make_pki()
    files = pki.write(tmp_path_factory.mktemp("trust"))
    return files, P.sign(P.make_pdf(2), pki.signer, chain=[pki.intermediate])


def trust_yaml(files) -> str:
    return (f"trust: {{roots: [{files['root']}], intermediates: [{files['intermediate']}], "
            f"crls: [{files['crl_root']}, {files['crl_inter']}]}}")


def release_forwards(bot) -> None:
    """Forwards wait for office hours (the legal receipt time); the test may run at night:
    check they wait for exactly that time, then let them go."""
    waiting = bot.query("SELECT o.next_attempt_at, e.arrival_date FROM outbox o JOIN entries e "
                        "ON e.message = o.message WHERE o.kind = 'forward' AND o.state = 'pending'")
    for next_attempt, arrival in waiting:
        assert datetime.fromisoformat(next_attempt) == datetime.fromisoformat(arrival)
    conn = bot.db()
    conn.execute("UPDATE outbox SET next_attempt_at = ? WHERE kind = 'forward' AND state = 'pending'",
                 (datetime.now(timezone.utc).isoformat(),))
    conn.close()
    bot.daemon.dispatcher.wake()
    bot.settle()


def by_recipient(relay) -> dict[str, list]:
    out: dict[str, list] = {}
    for m in relay.messages:
        out.setdefault(m.rcpt_tos[0], []).append(message_from_bytes(m.raw, policy=policy.default))
    return out


def test_forward_carries_the_original_unchanged_and_its_signature_verifies(bot_factory, relay, signed_pdf):
    files, pdf = signed_pdf
    bot = bot_factory(ROUTING + trust_yaml(files))
    msg = mail(subject="Báo cáo quyết toán", files=[("bao-cao.pdf", pdf, "application/pdf")])
    bot.send(msg)
    bot.settle()
    release_forwards(bot)

    got = by_recipient(relay)
    assert set(got) == {"vanthu@stc.quangngai.gov.vn", "pct1@quangngai.gov.vn", "chanh.vanphong@quangngai.gov.vn"}
    forward = got["pct1@quangngai.gov.vn"][0]
    assert forward["X-Mailbot-Notice"] == "forward" and forward["Auto-Submitted"] == "auto-generated"
    assert str(forward["Subject"]).startswith("Chuyển xử lý: Số đến 1/")
    assert forward["Importance"] is None                      # not urgent
    text = forward.get_body(("plain",)).get_content()
    assert "Kính gửi: Nguyễn Văn An" in text and "Hạn xử lý:" in text
    assert "“Văn bản của Sở Tài chính”" in text and "hợp lệ" in text

    # The attached original is exactly what reached mailbot (the spooled bytes).
    attached = [p for p in forward.iter_attachments() if p.get_content_type() == "message/rfc822"]
    assert len(attached) == 1
    raw_forward = next(m.raw for m in relay.messages if m.rcpt_tos == ["pct1@quangngai.gov.vn"])
    (sha,) = bot.query("SELECT sha256 FROM messages")[0]
    original = Spool(bot.rules.spool_dir).load(sha)
    assert original in raw_forward
    inner = message_from_bytes(original, policy=policy.default)
    pdf_again = next(p for p in inner.iter_attachments() if p.get_filename() == "bao-cao.pdf").get_content()
    assert pdf_again == pdf
    assert verify_pdf(pdf_again, trust_store(bot.rules)).document.verdict == "trusted-signed"

    cc = got["chanh.vanphong@quangngai.gov.vn"][0]
    assert str(cc["Subject"]).startswith("Để biết: Số đến 1/")
    # The register records the route and the handler.
    route, recipient, due = bot.query("SELECT route, recipient_unit, due_date FROM entries")[0]
    assert '"handler": "pct1"' in route and '"name": "Văn bản của Sở Tài chính"' in route
    assert recipient == "Phòng Tổng hợp / Nguyễn Văn An" and due is not None
    # The export carries them too (README, JSON contract).
    from mailbot.register.listing import export_entries

    row = json.loads(next(export_entries(bot.db(), "jsonl")))
    assert (row["unit"], row["handler"], row["deadline"]) == ("tonghop", "pct1", due)
    assert row["route"]["name"] == "Văn bản của Sở Tài chính" and row["received_at"]


def test_urgent_document_is_marked_forwarded_at_once_and_the_clerk_told(bot_factory, relay):
    bot = bot_factory(ROUTING)
    docx = samples.docx(["SỞ TÀI CHÍNH", "Số: 77/STC-NS", "HỎA TỐC", "V/v bổ sung dự toán ngân sách"])
    bot.send(mail(subject="Công văn hỏa tốc", files=[("cv.docx", docx, DOCX_TYPE)]))
    bot.settle()
    got = by_recipient(relay)
    forward = got["pct1@quangngai.gov.vn"][0]
    assert forward["Importance"] == "high" and forward["X-Priority"].startswith("1")
    assert str(forward["Subject"]).startswith("[Hỏa tốc] Chuyển xử lý")
    alert = got[CLERK][0]
    assert "Văn bản khẩn" in str(alert["Subject"])
    assert "đã chuyển ngay" in alert.get_body(("plain",)).get_content()


def test_secret_documents_are_never_forwarded(bot_factory, relay):
    bot = bot_factory(ROUTING)
    docx = samples.docx(["SỞ TÀI CHÍNH", "Số: 78/STC-NS", "MẬT", "V/v dự toán"])
    bot.send(mail(subject="Văn bản mật", files=[("mat.docx", docx, DOCX_TYPE)]))
    bot.settle()
    assert "pct1@quangngai.gov.vn" not in by_recipient(relay)
    assert bot.query("SELECT count(*) FROM outbox WHERE kind = 'forward'") == [(0,)]
