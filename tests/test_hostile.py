"""Bad input through the real listener: never crashes the daemon, never lost, always explained."""

from __future__ import annotations

import base64
from email.policy import SMTP

from mailbot.util import samples
from tests.support.bot import DOCX_TYPE, mail

CRLF = b"\r\n"


def big_attachment_message(megabytes: int) -> bytes:
    payload = base64.encodebytes(b"\0" * (megabytes * 1024 * 1024)).replace(b"\n", CRLF)
    return (b"From: a@stc.quangngai.gov.vn\r\nTo: ubnd@quangngai.gov.vn\r\nSubject: big\r\n"
            b"Message-ID: <big@stc>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
            b"--B\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=big.pdf\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n" + payload + b"--B--\r\n")


def test_hostile_messages_are_kept_and_the_daemon_keeps_going(bot, relay):
    docx = ("vb.docx", samples.docx(["GIẤY MỜI"]), DOCX_TYPE)
    good = mail(files=[docx]).as_bytes(policy=SMTP)
    truncated = good[: len(good) // 2]
    garbage_headers = (b"From: \xff\xfe <x@stc.quangngai.gov.vn>\r\nSubject: \x80\x81\x82\r\n"
                       b"Content-Type: multipart/mixed; boundary=\"\xff\"\r\n\r\n--\xff\r\n\r\n\x00\x01")
    huge_headers = (b"From: a@b.gov.vn\r\n"                                   # 360 KB of header lines
                    + b"".join(b"X-Filler-%d: %s\r\n" % (i, b"b" * 900) for i in range(400))
                    + CRLF + b"body\r\n")
    traversal = mail(files=[("../../../../etc/cron.d/x.docx", samples.docx(["x"]), DOCX_TYPE)])
    cases = [truncated, garbage_headers, huge_headers, big_attachment_message(50)]
    for raw in cases:
        bot.send(raw, envelope_from="x@example.com")
    bot.send(traversal)
    bot.send(mail(subject="Sau cùng", files=[docx]))
    bot.settle()

    rows = bot.query("SELECT state, decision, size FROM messages ORDER BY id")
    reports = [r for (r,) in bot.query("SELECT report FROM messages ORDER BY id")]
    assert all('"code"' in r for r in reports)                      # every decision names its reason
    assert len(rows) == 6 and all(state == "processed" for state, _, _ in rows)
    decisions = [d for _, d, _ in rows]
    assert decisions[2] == "review" and decisions[3] == "review"   # huge headers, 50 MB
    assert rows[3][2] > 50 * 1024 * 1024                            # stored whole
    assert decisions[4] == "accept" and decisions[5] == "accept"
    names = [n for (n,) in bot.query("SELECT filename FROM attachments WHERE message = 5")]
    assert names == ["x.docx"]
    # The daemon is alive and numbering carries on without a gap.
    assert bot.query("SELECT arrival_number FROM entries ORDER BY arrival_number")[-1][0] == \
        sum(1 for d in decisions if d == "accept")
