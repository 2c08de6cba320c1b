"""Two mailbots acknowledging into each other's mailbox: one acknowledgement each way, then silence."""

from __future__ import annotations

import sqlite3
import threading
import time
from email.policy import SMTP

import pytest

from mailbot.util import samples
from mailbot.config import parse_rules
from mailbot.runtime.daemon import Daemon
from tests.support.bot import DOCX_TYPE
from testbed.dovecot import Dovecot

MTA = "mx.example.gov.vn"


@pytest.fixture(scope="module")
def server():
    dovecot = Dovecot()
    for name in ("a", "b"):
        dovecot.add_user(name, password=f"pw-{name}")
    dovecot.start()
    yield dovecot
    dovecot.stop()
    dovecot.cleanup()


def bot_rules(tmp_path, server: Dovecot, name: str, relay) -> str:
    password = tmp_path / f"{name}.pw"
    password.write_text(f"pw-{name}\n", encoding="utf-8")
    cfg = relay.smtp_relay()
    return f"""\
storage: {{data_dir: {tmp_path / name}}}
books: [{{id: den, name: Sổ đến}}]
mailboxes:
  - id: {name}
    address: {name}@example.gov.vn
    register: den
    imap: {{host: 127.0.0.1, port: {server.port}, tls: none, username: {name}, password_file: {password},
            idle_timeout_seconds: 5, poll_seconds: 1}}
smtp: {{host: {cfg.host}, port: {cfg.port}, security: starttls, username: {cfg.username},
        password_file: {cfg.password_file}, cafile: {cfg.cafile}}}
notices: {{from_address: {name}@example.gov.vn}}
senders: {{authserv_id: {MTA}}}
"""


class Mta(threading.Thread):
    """Delivers what the relay accepted into the recipient's Dovecot mailbox, as the site MTA would,
    adding its Authentication-Results (the notices really are from the agency)."""

    def __init__(self, relay, server: Dovecot):
        super().__init__(daemon=True)
        self.relay, self.server = relay, server
        self.stop = threading.Event()
        self.delivered = 0

    def run(self) -> None:
        while not self.stop.is_set():
            for item in self.relay.messages[self.delivered:]:
                user = item.rcpt_tos[0].split("@")[0]
                stamp = samples.authentication_results(MTA, "x@example.gov.vn").encode()
                self.server.append(user, b"Authentication-Results: " + stamp + b"\r\n" + item.raw)
                self.delivered += 1
            time.sleep(0.1)


def test_two_mailbots_answer_each_other_once_then_stop(tmp_path, server, relay):
    daemons = []
    for name in ("a", "b"):
        path = tmp_path / f"{name}.yaml"
        path.write_text(bot_rules(tmp_path, server, name, relay), encoding="utf-8")
        daemon = Daemon(parse_rules(path.read_text(encoding="utf-8"), path))
        daemon.start()
        daemons.append(daemon)
    mta = Mta(relay, server)
    mta.start()
    try:
        # Each mailbox receives a document sent from the other bot's own address.
        for sender, user in (("b@example.gov.vn", "a"), ("a@example.gov.vn", "b")):
            doc = ("gm.docx", samples.docx(["SỞ NỘI VỤ", "Số: 7/GM-SNV", "GIẤY MỜI", "Họp"]), DOCX_TYPE)
            msg = samples.email(sender, f"{user}@example.gov.vn", "Giấy mời", "Kính gửi.", [doc],
                                authserv_id=MTA)
            server.append(user, msg.as_bytes(policy=SMTP))

        deadline = time.monotonic() + 30
        while len(relay.messages) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        # Each acknowledgement is delivered to the other bot, which must stay silent.
        deadline = time.monotonic() + 30
        while (mta.delivered < 2 or any(d.processor.pipeline.pending() for d in daemons)) \
                and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(3)    # long enough for any answer to an answer to show up
    finally:
        mta.stop.set()
        mta.join(5)
        for daemon in daemons:
            daemon.stop()

    assert sorted(m.rcpt_tos[0] for m in relay.messages) == ["a@example.gov.vn", "b@example.gov.vn"]
    assert all(b"Auto-Submitted: auto-replied" in m.raw for m in relay.messages)
    for daemon in daemons:
        conn = sqlite3.connect(daemon.rules.db_path)
        rows = conn.execute("SELECT decision, report FROM messages ORDER BY id").fetchall()
        conn.close()
        # The document and then the other bot's acknowledgement, answered by no one.
        assert [d for d, _ in rows] == ["accept", "refuse"]
        assert '"auto_submitted"' in rows[1][1]
