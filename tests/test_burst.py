"""A burst over the office-wide notice cap loses no receipt (issue 13.4).

1,500 citizens write within a minute or two; the cap is 500 notices per 20-second window
(the hour of a real office, shortened so the test ends). Through the real daemon, SMTP
intake and the STARTTLS+AUTH relay: every sender gets exactly one receipt, those past the
cap later than the others and in arrival order, no window carries more than the cap, and
the clerk hears of the deferral once.
"""

from __future__ import annotations

import smtplib
import time
from datetime import datetime, timedelta
from email import message_from_bytes, policy

from mailbot.util import samples
from tests.support.bot import DOCX_TYPE, OFFICE

CLERK = "vanthu.noibo@quangngai.gov.vn"
SENDERS = 1500
CAP, WINDOW = 500, 20



def giay_moi(n: int) -> tuple[str, bytes, str]:
    """A distinct invitation per sender (one số/ký hiệu twice would alert the clerk)."""
    return ("Giấy mời.docx", samples.docx(["SỞ TÀI CHÍNH", f"Số: {n}/GM-STC", "GIẤY MỜI", "Họp giao ban"]),
            DOCX_TYPE)


def test_burst_over_the_cap_defers_receipts_and_loses_none(bot_factory, relay):
    bot = bot_factory(f"notices: {{from_address: {OFFICE}, clerk_address: {CLERK}, max_per_hour: {CAP}, "
                      f"cap_window_seconds: {WINDOW}, retry_base_seconds: 0.2, retry_max_seconds: 1}}\n"
                      "limits: {inspect_workers: 2}")
    senders = [f"cong.dan{i:04d}@gmail.com" for i in range(SENDERS)]
    with smtplib.SMTP("127.0.0.1", bot.port, timeout=60) as smtp:
        for n, sender in enumerate(senders, start=1):
            msg = samples.email(sender, OFFICE, "Giấy mời họp", "Kính gửi Văn phòng.", [giay_moi(n)])
            smtp.sendmail(sender, [OFFICE], msg.as_bytes(policy=policy.SMTP))

    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        (sent,) = bot.query("SELECT count(*) FROM outbox WHERE kind = 'receipt' AND state = 'sent'")[0]
        if sent == SENDERS:
            break
        time.sleep(0.5)
    bot.settle()

    assert bot.query("SELECT count(*) FROM entries") == [(SENDERS,)]
    # Exactly one receipt per sender at the relay, none dropped or doubled.
    receipts = [m for m in relay.messages if m.rcpt_tos != [CLERK]]
    assert sorted(m.rcpt_tos[0] for m in receipts) == senders
    assert bot.query("SELECT count(*) FROM audit WHERE event = 'notice-suppressed'") == [(0,)]

    # Past the cap, notices went later, in the order the documents were registered.
    rows = bot.query("SELECT e.arrival_number, o.scheduled_at, o.sent_at FROM outbox o "
                     "JOIN entries e ON e.message = o.message WHERE o.kind = 'receipt' ORDER BY e.arrival_number")
    slots = [datetime.fromisoformat(r[1]) for r in rows]
    assert slots == sorted(slots)
    deferred = bot.query("SELECT count(*) FROM audit WHERE event = 'notice-deferred'")[0][0]
    assert deferred >= SENDERS - 2 * CAP        # the burst outlasts at most one window of sending
    for k in range(len(slots) - CAP):           # no window was given more than the cap
        assert slots[k + CAP] - slots[k] >= timedelta(seconds=WINDOW)
    # Sending follows the slots; it may lag a slot (a backlog at the relay), never precede it.
    assert all(datetime.fromisoformat(r[2]) >= datetime.fromisoformat(r[1]) for r in rows)
    sent_at = sorted(datetime.fromisoformat(r[2]) for r in rows)
    assert sent_at[-1] - sent_at[0] >= timedelta(seconds=2 * WINDOW)

    # The clerk was told once, in Vietnamese, when the deferral began.
    alerts = [message_from_bytes(m.raw, policy=policy.default) for m in relay.messages if m.rcpt_tos == [CLERK]]
    assert len(alerts) == 1
    assert alerts[0]["X-Mailbot-Notice"] == "notices-deferred"
    assert "KHÔNG bị hủy" in alerts[0].get_body(("plain",)).get_content()
