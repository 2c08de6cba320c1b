"""A daemon killed in the middle of processing ends, after restart, where no crash would have."""

from __future__ import annotations

import os
import smtplib
from email.policy import SMTP as SMTP_POLICY
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mailbot.store import schema as dbmod
from mailbot.util import samples
from mailbot.util.netutil import free_port
from tests.support.bot import DOCX_TYPE, OFFICE, mail, relay_yaml, rules_text

ROOT = Path(__file__).resolve().parent.parent


def wait_port(port: int, proc: subprocess.Popen, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"daemon exited early with {proc.returncode}: {proc.stderr.read().decode()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("daemon did not open its SMTP port")


def start(config: Path, port: int, crash_at: str | None = None) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "MAILBOT_CRASH_AT"}
    if crash_at:
        env["MAILBOT_CRASH_AT"] = crash_at
    proc = subprocess.Popen([sys.executable, "-m", "mailbot", "run", "--config", str(config)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_port(port, proc)
    return proc


def settled(db_path: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        conn = dbmod.connect(db_path)
        try:
            busy = conn.execute("SELECT (SELECT count(*) FROM messages WHERE state = 'received') + "
                                "(SELECT count(*) FROM outbox WHERE state != 'sent')").fetchone()[0]
            total = conn.execute("SELECT count(*) FROM messages").fetchone()[0]
        finally:
            conn.close()
        if total and not busy:
            return
        time.sleep(0.1)
    raise AssertionError("not settled")


def end_state(db_path: Path, relay) -> dict:
    conn = dbmod.connect(db_path)
    try:
        return {
            "entries": conn.execute("SELECT book, year, arrival_number, sender, email_subject, decision "
                                    "FROM entries ORDER BY id").fetchall(),
            "messages": conn.execute("SELECT state, decision FROM messages ORDER BY id").fetchall(),
            "outbox": conn.execute("SELECT kind, recipient, state FROM outbox ORDER BY id").fetchall(),
            "sent": sorted((m.rcpt_tos[0], m.raw.count(b"Auto-Submitted")) for m in relay.messages),
        }
    finally:
        conn.close()


def send(port: int, raw: bytes, sender: str) -> bool:
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            smtp.sendmail(sender, [OFFICE], raw)
        return True
    except (smtplib.SMTPException, OSError):
        return False


@pytest.mark.parametrize("crash_at", [None, "after-spool", "after-inspect", "after-register"])
def test_restart_reaches_the_no_crash_end_state(tmp_path, relay, crash_at):
    port = free_port()
    config = tmp_path / "rules.yaml"
    config.write_text(rules_text(tmp_path, port, relay_yaml(relay)), encoding="utf-8")
    db_path = tmp_path / "data" / "mailbot.sqlite3"
    docs = [mail(subject=f"Văn bản {i}", files=[(f"vb{i}.docx", samples.docx(["SỞ TÀI CHÍNH", f"Số: {i + 10}/GM-STC", "GIẤY MỜI", f"Họp {i}"]), DOCX_TYPE)])
            for i in range(2)]

    proc = start(config, port, crash_at)
    try:
        delivered = send(port, docs[0].as_bytes(policy=SMTP_POLICY), str(docs[0]["From"]))
        if crash_at:
            assert proc.wait(timeout=20) == 86, "the crash point was not reached"
            # A crash before the 250 leaves the message with the sending MTA, which retries.
            assert delivered == (crash_at != "after-spool")
            proc = start(config, port)
            if not delivered:
                assert send(port, docs[0].as_bytes(policy=SMTP_POLICY), str(docs[0]["From"]))
        assert send(port, docs[1].as_bytes(policy=SMTP_POLICY), str(docs[1]["From"]))
        settled(db_path)
    finally:
        proc.terminate()
        assert proc.wait(timeout=20) == 0, proc.stderr.read().decode()[-2000:]

    state = end_state(db_path, relay)
    year = state["entries"][0][1]
    assert state["entries"] == [
        ("den-ubnd", year, 1, "vanthu@stc.quangngai.gov.vn", "Văn bản 0", "accept"),
        ("den-ubnd", year, 2, "vanthu@stc.quangngai.gov.vn", "Văn bản 1", "accept"),
    ]
    assert state["messages"] == [("processed", "accept"), ("processed", "accept")]
    assert state["outbox"] == [("receipt", "vanthu@stc.quangngai.gov.vn", "sent")] * 2
    assert state["sent"] == [("vanthu@stc.quangngai.gov.vn", 1)] * 2


ROUTED = """
people: [{id: pct1, name: Nguyễn Văn An, address: pct1@quangngai.gov.vn}]
routes: [{name: Tất cả, assign: {handler: pct1}, cc: [chanh.vanphong@quangngai.gov.vn]}]
"""


def test_a_crash_between_registration_and_forwarding_forwards_once(tmp_path, relay):
    """The forwards are outbox rows of the registration transaction: killed right after it,
    the restarted daemon sends each one, once (an urgent document: due at once, day or night)."""
    port = free_port()
    config = tmp_path / "rules.yaml"
    config.write_text(rules_text(tmp_path, port, relay_yaml(relay), ROUTED), encoding="utf-8")
    db_path = tmp_path / "data" / "mailbot.sqlite3"
    doc = mail(subject="Hỏa tốc", files=[("cv.docx", samples.docx(["SỞ TÀI CHÍNH", "Số: 77/STC-NS", "HỎA TỐC",
                                                                    "V/v phòng chống bão"]), DOCX_TYPE)])
    proc = start(config, port, "after-register")
    try:
        assert send(port, doc.as_bytes(policy=SMTP_POLICY), str(doc["From"]))
        assert proc.wait(timeout=20) == 86, "the crash point was not reached"
        assert not relay.messages                      # nothing left before the crash
        proc = start(config, port)
        settled(db_path)
    finally:
        proc.terminate()
        assert proc.wait(timeout=20) == 0, proc.stderr.read().decode()[-2000:]
    sent = sorted((m.rcpt_tos[0], m.raw.split(b"X-Mailbot-Notice: ")[1].split(b"\r\n")[0].decode())
                  for m in relay.messages)
    assert sent == [("chanh.vanphong@quangngai.gov.vn", "forward"), ("pct1@quangngai.gov.vn", "forward"),
                    ("vanthu@stc.quangngai.gov.vn", "paper-copy"), ("vanthu@stc.quangngai.gov.vn", "receipt")]
