"""Faults around the daemon: the end state always equals the no-fault end state."""

from __future__ import annotations

import os
import resource
import smtplib
import sqlite3
import subprocess
import sys
import threading
import time
from email.policy import SMTP
from pathlib import Path

from mailbot.util import samples
from mailbot.util.netutil import free_port
from tests.support.bot import DOCX_TYPE, OFFICE, mail, relay_yaml, rules_text
from tests.test_restart import ROOT, settled, wait_port

DOC = ("gm.docx", samples.docx(["SỞ TÀI CHÍNH", "Số: 5/GM-STC", "GIẤY MỜI", "Họp"]), DOCX_TYPE)


def start_limited(config: Path, port: int, max_file_bytes: int | None) -> subprocess.Popen:
    def limit():   # runs in the child: every file it writes is capped, like a nearly full disk
        if max_file_bytes is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (max_file_bytes, max_file_bytes))

    proc = subprocess.Popen([sys.executable, "-m", "mailbot", "run", "--config", str(config)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=limit)
    wait_port(port, proc)
    return proc


def test_full_disk_keeps_the_message_with_the_sender_and_writes_nothing_half(tmp_path, relay):
    port = free_port()
    config = tmp_path / "rules.yaml"
    config.write_text(rules_text(tmp_path, port, relay_yaml(relay)), encoding="utf-8")
    filler = ("anh-chup.bin", os.urandom(3_000_000), "application/octet-stream")   # refused, but big
    big = mail(subject="Hồ sơ lớn", files=[DOC, filler]).as_bytes(policy=SMTP)

    proc = start_limited(config, port, max_file_bytes=1_000_000)
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
            try:
                smtp.sendmail("vanthu@stc.quangngai.gov.vn", [OFFICE], big)
                raise AssertionError("the message was accepted although it could not be stored")
            except smtplib.SMTPDataError as exc:
                assert exc.smtp_code == 451       # temporary: the sending MTA keeps it and retries
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    spool = tmp_path / "data" / "spool"
    leftovers = [p for p in spool.rglob("*") if p.is_file()]
    assert leftovers == []                         # no partial file, no temp file
    conn = sqlite3.connect(tmp_path / "data" / "mailbot.sqlite3")
    assert conn.execute("SELECT count(*) FROM messages").fetchone()[0] == 0
    conn.close()

    # Space is back: the MTA's retry is registered once, like a delivery that never failed.
    proc = start_limited(config, port, max_file_bytes=None)
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
            smtp.sendmail("vanthu@stc.quangngai.gov.vn", [OFFICE], big)
        settled(tmp_path / "data" / "mailbot.sqlite3")
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    conn = sqlite3.connect(tmp_path / "data" / "mailbot.sqlite3")
    assert conn.execute("SELECT arrival_number FROM entries").fetchall() == [(1,)]
    conn.close()
    assert len(relay.messages) == 1


def test_database_held_busy_by_another_writer_delays_but_loses_nothing(bot, relay):
    holder = sqlite3.connect(bot.rules.db_path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")          # e.g. a backup or a report holding the write lock
    released = threading.Event()

    def release_later():
        time.sleep(3)
        holder.execute("COMMIT")
        released.set()

    threading.Thread(target=release_later, daemon=True).start()
    for i in range(3):
        doc = ("gm.docx", samples.docx(["SỞ TÀI CHÍNH", f"Số: {5 + i}/GM-STC", "GIẤY MỜI", "Họp"]), DOCX_TYPE)
        bot.send(mail(subject=f"Văn bản {i}", files=[doc]))   # spooling waits for the lock (distinct files)
    assert released.wait(10)
    bot.settle()
    rows = bot.query("SELECT arrival_number, email_subject FROM entries ORDER BY arrival_number")
    assert rows == [(1, "Văn bản 0"), (2, "Văn bản 1"), (3, "Văn bản 2")]
    assert len(relay.messages) == 3
