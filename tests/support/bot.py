"""A mailbot daemon in the test process: SMTP intake on loopback, notices to the test relay."""

from __future__ import annotations

import re
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from pathlib import Path

import pytest

from mailbot.store import schema as dbmod
from mailbot.util import samples
from mailbot.config import Rules, parse_rules
from mailbot.runtime.daemon import Daemon
from mailbot.util.netutil import free_port

OFFICE = "ubnd@quangngai.gov.vn"
MTA = "mx.quangngai.gov.vn"       # our MTA's authserv-id: its Authentication-Results are trusted
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def rules_text(workdir: Path, port: int, relay_yaml: str = "", extra: str = "") -> str:
    """The bot's rules.yaml; a top-level section in `extra` replaces the one here (rules.yaml refuses
    a section written twice)."""
    base = f"""\
office: {{name: Văn phòng UBND tỉnh Quảng Ngãi, timezone: Asia/Ho_Chi_Minh}}
storage: {{data_dir: {workdir}/data, outbox_dir: {workdir}/outbox}}
books: [{{id: den-ubnd, name: Sổ văn bản đến}}]
mailboxes: [{{id: ubnd, address: {OFFICE}, register: den-ubnd}}]
smtp_intake: {{host: 127.0.0.1, port: {port}}}
notices: {{from_address: {OFFICE}, from_name: Văn thư UBND tỉnh, retry_base_seconds: 0.2, retry_max_seconds: 1}}
senders: {{authserv_id: {MTA}}}
"""
    replaced = set(re.findall(r"^(\w+):", extra, flags=re.MULTILINE))
    kept = "".join(line for line in base.splitlines(keepends=True) if line.split(":", 1)[0] not in replaced)
    return f"{kept}{relay_yaml}\n{extra}\n"


def relay_yaml(relay) -> str:
    cfg = relay.smtp_relay()
    lines = ["smtp:", f"  host: {cfg.host}", f"  port: {cfg.port}", f"  security: {cfg.security}"]
    for key in ("username", "password_file", "password_env", "cafile"):
        value = getattr(cfg, key)
        if value:
            lines.append(f"  {key}: {value}")
    return "\n".join(lines)


def mail(sender: str = "vanthu@stc.quangngai.gov.vn", subject: str = "Giấy mời họp",
         files: list[tuple[str, bytes, str]] = (), headers: dict[str, str] | None = None,
         body: str = "Kính gửi Văn phòng UBND tỉnh.", authenticated: bool = True) -> EmailMessage:
    """A message as our MTA hands it on; `authenticated=False` leaves out its Authentication-Results."""
    return samples.email(sender, OFFICE, subject, body, files, headers,
                         authserv_id=MTA if authenticated else None)


@dataclass
class Bot:
    rules: Rules
    daemon: Daemon
    port: int

    def send(self, msg: EmailMessage | bytes, envelope_from: str | None = None) -> None:
        raw = msg if isinstance(msg, bytes) else msg.as_bytes(policy=SMTP_POLICY)
        sender = envelope_from if envelope_from is not None else (
            "" if isinstance(msg, bytes) else str(msg["From"]))
        with smtplib.SMTP("127.0.0.1", self.port, timeout=30) as smtp:
            smtp.sendmail(sender, [OFFICE], raw)

    def settle(self) -> None:
        assert self.daemon.wait_settled(60), "mailbot did not finish processing in 60 s"

    def db(self):
        return dbmod.connect(self.rules.db_path)

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        conn = self.db()
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()


@pytest.fixture
def bot_factory(tmp_path, relay):
    started: list[Daemon] = []

    def make(extra: str = "", with_relay: bool = True, watch_rules: bool = False) -> Bot:
        """`watch_rules`: the daemon reloads rules.yaml on request and when the file changes."""
        port = free_port()
        text = rules_text(tmp_path, port, relay_yaml(relay) if with_relay else "", extra)
        path = tmp_path / "rules.yaml"
        path.write_text(text, encoding="utf-8")
        rules = parse_rules(text, path)
        daemon = Daemon(rules, config_path=path if watch_rules else None)
        daemon.start()
        started.append(daemon)
        return Bot(rules, daemon, port)

    yield make
    for daemon in started:
        daemon.stop()


@pytest.fixture
def bot(bot_factory) -> Bot:
    return bot_factory()
