"""Rules that reload safely (issue 15.5), against the running daemon: a valid change applies to
the next message without a restart; an invalid one is refused, the clerk told, the daemon keeps
serving on the last good rules; nothing is lost or doubled while reloading under load; SIGHUP
no longer stops `mailbot run`."""

from __future__ import annotations

import signal
import smtplib
import socket
import subprocess
import sys
import time
from email import message_from_bytes, policy

from mailbot.util import samples
from mailbot.util.netutil import free_port
from tests.support.bot import DOCX_TYPE, OFFICE, mail, relay_yaml, rules_text

CLERK = "vanthu.noibo@quangngai.gov.vn"
NOTICES = (f"notices: {{from_address: {OFFICE}, clerk_address: {CLERK}, retry_base_seconds: 0.2, "
           "retry_max_seconds: 1}\n")
ROUTES = """
people: [{id: pct1, name: Nguyễn Văn An, address: pct1@quangngai.gov.vn}]
routes: [{name: Tất cả, assign: {handler: pct1}}]
"""


def docx(n: int):
    return ("cv.docx", samples.docx(["SỞ TÀI CHÍNH", f"Số: {n}/STC-NS", "V/v dự toán"]), DOCX_TYPE)


def rewrite(bot, relay, extra: str) -> None:
    path = bot.rules.base_dir / "rules.yaml"
    path.write_text(rules_text(bot.rules.base_dir, bot.port, relay_yaml(relay), NOTICES + extra), encoding="utf-8")


def wait_for(predicate, seconds: float = 15, what: str = "") -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_valid_change_applies_to_the_next_message(bot_factory, relay):
    bot = bot_factory(NOTICES, watch_rules=True)
    bot.send(mail(subject="Trước", files=[docx(1)]))
    bot.settle()
    assert bot.query("SELECT count(*) FROM outbox WHERE kind = 'forward'") == [(0,)]

    rewrite(bot, relay, ROUTES)
    bot.daemon.request_reload()
    wait_for(lambda: bot.daemon.rules_watcher.reloads == 1, what="the reload")
    bot.send(mail(subject="Sau", files=[docx(2)]))
    bot.settle()
    assert bot.query("SELECT recipient FROM outbox WHERE kind = 'forward'") == [("pct1@quangngai.gov.vn",)]
    assert bot.query("SELECT count(*) FROM entries") == [(2,)]


def test_an_edited_file_is_noticed_without_a_signal(bot_factory, relay):
    bot = bot_factory(NOTICES, watch_rules=True)
    rewrite(bot, relay, ROUTES)
    wait_for(lambda: bot.daemon.rules_watcher.reloads == 1, what="the file change to be noticed")
    assert bot.daemon.rules.routes[0].name == "Tất cả"


def test_an_invalid_change_is_refused_and_the_daemon_keeps_serving(bot_factory, relay):
    bot = bot_factory(NOTICES, watch_rules=True)
    rewrite(bot, relay, "routes: [{name: Sai, assign: {handler: khong-ai}}]\n")
    bot.daemon.request_reload()
    wait_for(lambda: any(m.rcpt_tos == [CLERK] for m in relay.messages), what="the clerk's alert")
    alert = message_from_bytes(next(m.raw for m in relay.messages if m.rcpt_tos == [CLERK]), policy=policy.default)
    body = alert.get_body(("plain",)).get_content()
    assert "KHÔNG được áp dụng" in body and "no person 'khong-ai'" in body and "line " in body
    assert bot.daemon.rules_watcher.reloads == 0 and bot.daemon.rules.routes == []

    bot.send(mail(subject="Vẫn nhận", files=[docx(3)]))
    bot.settle()
    assert bot.query("SELECT email_subject FROM entries") == [("Vẫn nhận",)]
    assert any(m.rcpt_tos == ["vanthu@stc.quangngai.gov.vn"] for m in relay.messages)
    # The same broken file again: told once, not at every look.
    bot.daemon.request_reload()
    time.sleep(0.5)
    assert sum(m.rcpt_tos == [CLERK] for m in relay.messages) == 1


def test_nothing_is_lost_or_doubled_while_reloading_under_load(bot_factory, relay):
    bot = bot_factory(NOTICES + "limits: {inspect_workers: 2}\n", watch_rules=True)
    total = 120
    with smtplib.SMTP("127.0.0.1", bot.port, timeout=30) as smtp:
        for n in range(1, total + 1):
            msg = samples.email(f"cong.dan{n}@gmail.com", OFFICE, f"Đơn {n}", "Kính gửi.", [docx(n)])
            smtp.sendmail(msg["From"], [OFFICE], msg.as_bytes(policy=policy.SMTP))
            if n % 20 == 0:
                rewrite(bot, relay, ROUTES if (n // 20) % 2 else "limits: {inspect_workers: 1}\n")
                bot.daemon.request_reload()
    wait_for(lambda: bot.query("SELECT count(*) FROM messages WHERE state = 'received'") == [(0,)], 120,
             what="every message processed")
    bot.settle()
    assert bot.daemon.rules_watcher.reloads >= 3
    numbers = [n for (n,) in bot.query("SELECT arrival_number FROM entries ORDER BY arrival_number")]
    assert numbers == list(range(1, total + 1))
    receipts = sorted(m.rcpt_tos[0] for m in relay.messages if b"X-Mailbot-Notice: receipt" in m.raw)
    assert receipts == sorted(f"cong.dan{n}@gmail.com" for n in range(1, total + 1))


def test_sighup_reloads_the_real_daemon_instead_of_stopping_it(tmp_path):
    port = free_port()
    config = tmp_path / "rules.yaml"
    config.write_text(rules_text(tmp_path, port), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "mailbot", "run", "--config", str(config)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        proc.send_signal(signal.SIGHUP)
        time.sleep(1.5)
        assert proc.poll() is None, "SIGHUP stopped the daemon"
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
            msg = mail(subject="Sau SIGHUP", files=[docx(9)])
            smtp.sendmail(msg["From"], [OFFICE], msg.as_bytes(policy=policy.SMTP))
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0
    assert "signal SIGHUP: reloading the rules" in err and "rules.yaml reloaded" in err
