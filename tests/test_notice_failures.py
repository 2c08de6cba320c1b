"""A notice that cannot be composed never stops the register (issue 13.2), and everything
mailbot prints, stores or sends is valid UTF-8 even for hostile headers (issue 13.3)."""

from __future__ import annotations

import json
import subprocess
import sys
from email import message_from_bytes, policy

from mailbot.util import samples
from mailbot.dispatch.retry import retry_notices
from tests.support.bot import DOCX_TYPE, OFFICE, mail

CLERK = "vanthu.noibo@quangngai.gov.vn"


def giay_moi(code: str | None) -> tuple[str, bytes, str]:
    lines = ["SỞ TÀI CHÍNH"] + ([f"Số: {code}"] if code else []) + ["GIẤY MỜI", "Họp giao ban quý IV"]
    return ("Giấy mời.docx", samples.docx(lines), DOCX_TYPE)


# A receipt template an administrator broke: it fails for a document without a number
# (document.code is None) and works for the others.
BROKEN_RECEIPT = """{% set subject %}Biên nhận {{ document.code.split('/')[0] }}{% endset %}
Đã nhận văn bản số {{ document.code }}.
"""


def override(tmp_path, receipt_text: str):
    folder = tmp_path / "mau-thu"
    folder.mkdir(exist_ok=True)
    (folder / "receipt.txt.j2").write_text(receipt_text, encoding="utf-8")
    return folder


def test_broken_template_registers_alerts_and_is_retried_once_fixed(tmp_path, bot_factory, relay):
    folder = override(tmp_path, BROKEN_RECEIPT)
    bot = bot_factory(f"notices: {{from_address: {OFFICE}, clerk_address: {CLERK}, templates_dir: {folder}, "
                      "retry_base_seconds: 0.2, retry_max_seconds: 1}")
    bot.send(mail(subject="Giấy mời không số", files=[giay_moi(None)]))
    bot.send(mail(subject="Giấy mời có số", files=[giay_moi("125/GM-STC")]))
    bot.settle()

    # Both documents registered, with their numbers, in order.
    assert bot.query("SELECT arrival_number, email_subject FROM entries ORDER BY arrival_number") == [
        (1, "Giấy mời không số"), (2, "Giấy mời có số")]
    assert bot.query("SELECT count(*) FROM messages WHERE state = 'received'") == [(0,)]
    # The first receipt is recorded as not composed, with its reason; nothing was sent for it.
    unbuilt = bot.query("SELECT id, recipient, last_error FROM outbox WHERE state = 'unbuilt'")
    assert len(unbuilt) == 1 and "UndefinedError" in unbuilt[0][2]
    # The clerk is alerted in plain text (no template needed); the second receipt went normally.
    sent = {(m.rcpt_tos[0], message_from_bytes(m.raw, policy=policy.default)["X-Mailbot-Notice"])
            for m in relay.messages}
    assert sent == {(CLERK, "notice-failed"), ("vanthu@stc.quangngai.gov.vn", "receipt")}
    alert = next(message_from_bytes(m.raw, policy=policy.default) for m in relay.messages if m.rcpt_tos == [CLERK])
    body = alert.get_body(("plain",)).get_content()
    assert "số đến 1/" in body and "biên nhận văn bản" in body and "UndefinedError" in body
    assert alert["Auto-Submitted"] == "auto-replied"

    # Still broken: a retry keeps the row and says why.
    assert retry_notices(bot.rules, bot.db())[0][1] == "unbuilt"
    # Fixed: the retry composes it, and the daemon sends it exactly once.
    override(tmp_path, '{% set subject %}Biên nhận số đến {{ arrival_number }}{% endset %}Đã nhận.\n')
    relay.messages.clear()
    result = subprocess.run([sys.executable, "-m", "mailbot", "queue", "retry", "--all",
                             "--config", str(tmp_path / "rules.yaml")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    bot.daemon.dispatcher.wake()
    bot.settle()
    assert bot.query("SELECT state FROM outbox WHERE id = ?", (unbuilt[0][0],)) == [("sent",)]
    assert len(relay.messages) == 1
    receipt = message_from_bytes(relay.messages[0].raw, policy=policy.default)
    assert str(receipt["Subject"]) == "Biên nhận số đến 1"
    assert relay.messages[0].rcpt_tos == ["vanthu@stc.quangngai.gov.vn"]


def test_check_renders_every_template_and_names_the_broken_file(tmp_path):
    from tests.support.bot import rules_text

    folder = override(tmp_path, "{% set subject %}x{% endset %}{{ document.code.split('/')[0] }} {% if %}\n")
    (folder / "refusal.html.j2").write_text("<p>{{ no_such_value }}</p>\n", encoding="utf-8")
    config = tmp_path / "rules.yaml"
    config.write_text(rules_text(tmp_path, 2525, extra=f"notices: {{templates_dir: {folder}}}"), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "mailbot", "check", "--config", str(config)],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert f"{folder}/receipt.txt.j2, line 1" in result.stderr
    assert f"{folder}/refusal.html.j2" in result.stderr and "no_such_value" in result.stderr
    # The bundled templates all render.
    config.write_text(rules_text(tmp_path, 2525), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "mailbot", "check", "--config", str(config)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# -- hostile headers: strict UTF-8 everywhere ---------------------------------------------

HOSTILE = (b"From: \xff\xfe\x00\r\nTo: ubnd@quangngai.gov.vn\r\nSubject: \xc3\x28 bad \xff\r\n"
           b"Message-ID: <\xff\xfe@x>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nhello \xff\r\n")


def hostile_answerable() -> bytes:
    """Valid sender, hostile subject, Message-ID and attachment name: it gets a receipt."""
    msg = mail(subject="placeholder", files=[giay_moi("125/GM-STC")])
    raw = msg.as_bytes(policy=policy.SMTP)
    raw = raw.replace(b"Subject: placeholder", b"Subject: Gi\xe1\xba\xa5y m\xe1\xbb\x9di \xff\xfe\x01 h\xe1\xbb\x8dp")
    return raw


def strict(data: bytes) -> str:
    return data.decode("utf-8", errors="strict")


def test_explain_json_of_hostile_headers_is_strict_utf8(tmp_path):
    from tests.support.bot import rules_text

    config = tmp_path / "rules.yaml"
    config.write_text(rules_text(tmp_path, 2525), encoding="utf-8")
    (tmp_path / "bad.eml").write_bytes(HOSTILE)
    # The C locale makes Python write undecodable text raw unless told otherwise.
    out = subprocess.run([sys.executable, "-m", "mailbot", "explain", str(tmp_path / "bad.eml"), "--json",
                          "--config", str(config)], capture_output=True, env={"LC_ALL": "C", "PATH": "/usr/bin"})
    assert out.returncode == 0, out.stderr
    data = json.loads(strict(out.stdout))
    assert data["sender"] is None           # bytes nobody can own are no address to answer
    assert "\ufffd" in data["subject"] and data["notices"] == []
    strict(out.stderr)


def test_register_export_and_notice_of_hostile_headers_are_strict_utf8(bot, relay, tmp_path):
    bot.send(HOSTILE, envelope_from="")
    bot.send(hostile_answerable(), envelope_from="vanthu@stc.quangngai.gov.vn")
    bot.settle()
    subjects = [s for (s,) in bot.query("SELECT email_subject FROM entries")]
    assert len(subjects) == 1 and "\ufffd" in subjects[0]
    config = tmp_path / "rules.yaml"
    for fmt in ("csv", "jsonl"):
        out = subprocess.run([sys.executable, "-m", "mailbot", "register", "export", "--format", fmt,
                              "--config", str(config)], capture_output=True, env={"LC_ALL": "C", "PATH": "/usr/bin"})
        assert out.returncode == 0, out.stderr
        assert "Gi\u1ea5y m\u1eddi \ufffd\ufffd\ufffd h\u1ecdp" in strict(out.stdout)
    for (report,) in bot.query("SELECT report FROM messages"):
        strict(report.encode("utf-8"))
    receipts = [m for m in relay.messages if m.rcpt_tos == ["vanthu@stc.quangngai.gov.vn"]]
    assert len(receipts) == 1
    notice = message_from_bytes(receipts[0].raw, policy=policy.default)
    assert "\ufffd" in str(notice["Subject"])
    strict(notice.get_body(("plain",)).get_payload(decode=True))
    strict(notice.get_body(("html",)).get_payload(decode=True))
