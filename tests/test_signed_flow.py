"""Signature reports flow into the register (one row per signature) and the receipt."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest

from testbed import pki as P
from tests.support.bot import mail


@pytest.fixture(scope="module")
def pki_files(tmp_path_factory):
    pki = P.make_pki()
    files = pki.write(tmp_path_factory.mktemp("trust"))
    signed = P.sign(P.make_pdf(2), pki.signer, chain=[pki.intermediate])
    both = P.sign(signed, pki.agency, chain=[pki.intermediate], field_name="Signature2")
    return pki, files, both


def test_signed_pdf_is_verified_registered_and_reported(bot_factory, relay, pki_files):
    pki, files, both = pki_files
    trust = (f"trust: {{roots: [{files['root']}], intermediates: [{files['intermediate']}], "
             f"crls: [{files['crl_root']}, {files['crl_inter']}]}}")
    bot = bot_factory(extra=trust)
    bot.send(mail(subject="Quyết định ký số", files=[("qd.pdf", both, "application/pdf")]))
    bot.send(mail(subject="Bản bị sửa", files=[("sua.pdf", P.replace_page_text(both, 0, "Sua"), "application/pdf")]))
    bot.settle()

    verdicts = bot.query("SELECT email_subject, signature_verdict, page_amount FROM entries ORDER BY id")
    assert verdicts[0] == ("Quyết định ký số", "trusted-signed", 2)
    assert verdicts[1][1] == "signed-invalid"

    rows = bot.query("SELECT s.field, s.signer, s.verdict, s.trusted FROM signatures s "
                     "JOIN attachments a ON a.id = s.attachment WHERE a.message = 1 ORDER BY s.id")
    assert [(f, v, t) for f, _, v, t in rows] == [("Signature1", "valid", 1), ("Signature2", "valid", 1)]
    assert pki.signer.name in rows[0][1]

    # Trusted-signed: receipt only. Changed after signing: receipt, and the paper original is asked for.
    kinds = sorted(m.raw.split(b"Message-ID: <mailbot.")[1].split(b".")[0].decode() for m in relay.messages)
    assert kinds == ["paper-copy", "receipt", "receipt"]
    receipts = {}
    for m in relay.messages:
        parsed = message_from_bytes(m.raw, policy=policy.default)
        if str(parsed["Message-ID"]).startswith("<mailbot.receipt."):
            receipts[str(parsed["In-Reply-To"])] = parsed.get_body(("plain",)).get_content()
    signed_text, changed_text = (receipts[k] for k in sorted(receipts, key=lambda k: "sua" in receipts[k]))
    assert "hợp lệ" in signed_text and "qd.pdf" in signed_text
    assert "thay đổi sau khi ký" in changed_text and "sua.pdf" in changed_text
