"""The clerk's desk through a real Dovecot: an IMAP client acting as the clerk moves messages
into the action folders; each action applies once, is audited with its folder, and the
notices it sends reach the relay once — also across a kill -9 after the register write."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from mailbot.config import parse_rules
from mailbot.runtime.daemon import Daemon
from mailbot.store import schema as dbmod
from mailbot.util import samples
from tests.support.bot import DOCX_TYPE, MTA, relay_yaml
from tests.test_imap import fresh_user, new_dovecot, start_dovecot, wait_for

AGENCY = "vanthu@stc.quangngai.gov.vn"
REVIEW, DONE, RELEASE, PAPER, HANDLED = "Cần xem xét", "Đã vào sổ", "Vào sổ", "Đã nhận bản giấy", "Đã giải quyết"


@pytest.fixture(scope="module")
def dovecot():
    server = new_dovecot()
    for i in range(1, 5):
        server.add_user(f"d{i}", password=f"pw-d{i}")
    start_dovecot(server)
    server.free_users = [f"d{i}" for i in range(1, 5)]
    yield server
    server.cleanup()


def rules_text(tmp_path: Path, server, user: str, extra: str = "") -> str:
    pw = tmp_path / "imap.password"
    pw.write_text(server.users[user] + "\n", encoding="utf-8")
    return f"""\
office: {{name: Văn phòng UBND tỉnh}}
storage: {{data_dir: {tmp_path}/data, outbox_dir: {tmp_path}/outbox}}
books: [{{id: den, name: Sổ văn bản đến}}]
mailboxes:
  - id: ubnd
    address: {user}@quangngai.gov.vn
    register: den
    imap: {{host: 127.0.0.1, port: {server.port}, tls: none, username: {user}, password_file: {pw},
            poll_seconds: 0.5, use_idle: false}}
    folders: {{actions_poll_seconds: 0.3}}
notices: {{from_address: {user}@quangngai.gov.vn, retry_base_seconds: 0.2, retry_max_seconds: 1}}
senders: {{authserv_id: mx.sai.example}}
limits: {{inspect_workers: 0}}
{extra}
"""


def document_mail(to: str, subject: str, sender: str = AGENCY) -> bytes:
    docx = samples.docx(["SỞ TÀI CHÍNH", f"Số: {abs(hash(subject)) % 900 + 100}/STC-VP", "CÔNG VĂN", subject])
    msg = samples.email(sender, to, subject, "Kính gửi Văn phòng.", [(f"{subject}.docx", docx, DOCX_TYPE)],
                        authserv_id=MTA if sender == AGENCY else None)
    return bytes(msg)


def query(rules, sql: str, params: tuple = ()) -> list[tuple]:
    db = dbmod.connect(rules.db_path)
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.conn.close()


def move(server, user: str, subject: str, source: str, target: str) -> None:
    """What the clerk does in Thunderbird: find the message by its subject, drag it to `target`
    (once mailbot has created that folder)."""
    wait_for(lambda: server.find_folder(user, target), 30, what=f"folder {target!r}")
    with server.client(user) as c:
        c.select_folder(server.find_folder(user, source))
        uids = c.search(["SUBJECT", subject], charset="UTF-8")
        assert len(uids) == 1, (subject, source, uids)
        c.move(uids, server.find_folder(user, target) or target)


def folder_subjects(server, user: str, folder: str) -> list[str]:
    name = server.find_folder(user, folder)
    if name is None:
        return []
    return [str(message_from_bytes(raw, policy=policy.default)["Subject"]) for _u, raw, _f in server.messages(user, name)]


def test_moving_messages_acts_once_and_is_audited(dovecot, tmp_path, relay):
    user = fresh_user(dovecot)
    office = f"{user}@quangngai.gov.vn"
    text = rules_text(tmp_path, dovecot, user, relay_yaml(relay))
    rules = parse_rules(text, tmp_path / "rules.yaml")
    for subject in ("Công văn về dự toán", "Công văn về nhân sự"):
        dovecot.append(user, document_mail(office, subject))                   # held: the MTA's id is misspelt
    dovecot.append(user, document_mail(office, "Đơn của công dân", "dan@gmail.com"))   # accepted at once
    daemon = Daemon(rules)
    daemon.start()
    try:
        wait_for(lambda: len(folder_subjects(dovecot, user, REVIEW)) == 2 and folder_subjects(dovecot, user, DONE),
                 30, what="the three messages decided and moved")
        assert daemon.wait_settled(30)
        relay.messages.clear()
        wanted = {RELEASE, PAPER, HANDLED, "Từ chối/Sai định dạng", "Từ chối/Không thuộc thẩm quyền"}
        wait_for(lambda: wanted <= set(dovecot.folders(user)), 30, what="the action folders created")

        move(dovecot, user, "Công văn về dự toán", REVIEW, RELEASE)
        move(dovecot, user, "Công văn về nhân sự", REVIEW, "Từ chối/Không thuộc thẩm quyền")
        move(dovecot, user, "Đơn của công dân", DONE, PAPER)
        dovecot.append(user, document_mail(office, "Thư lạ", "la@example.com"), folder=HANDLED)
        wait_for(lambda: query(rules, "SELECT count(*) FROM desk_moves")[0][0] == 4, 30, what="four moves handled")
        assert daemon.wait_settled(30)

        entries = query(rules, "SELECT e.arrival_number, e.email_subject, e.paper_received_at IS NOT NULL "
                               "FROM entries e ORDER BY e.arrival_number")
        assert entries == [(1, "Đơn của công dân", 1), (2, "Công văn về dự toán", 0)]
        refused = query(rules, "SELECT decision FROM messages WHERE report LIKE '%nhân sự%'")
        assert refused == [("refuse",)]
        sent = sorted((m.rcpt_tos[0], str(message_from_bytes(m.raw, policy=policy.default)["Subject"]))
                      for m in relay.messages)
        # The release: receipt and paper-copy request as for any accepted message; the refusal; each once.
        assert [(to, subject.split(" — ")[0]) for to, subject in sent] == [
            (AGENCY, "Không tiếp nhận văn bản"), (AGENCY, "Đã nhận văn bản"), (AGENCY, "Đề nghị gửi bản giấy")]
        refusal = next(message_from_bytes(m.raw, policy=policy.default) for m in relay.messages
                       if "Không tiếp nhận" in str(message_from_bytes(m.raw, policy=policy.default)["Subject"]))
        assert "Không thuộc thẩm quyền" in refusal.get_body(("plain",)).get_content()
        audit = {(event, json.loads(detail).get("folder")) for event, detail in query(
            rules, "SELECT event, detail FROM audit WHERE event IN ('reopened', 'paper-received')")}
        assert audit == {("reopened", RELEASE), ("reopened", "Từ chối/Không thuộc thẩm quyền"),
                         ("paper-received", PAPER)}
        assert query(rules, "SELECT folder, outcome FROM desk_moves WHERE message IS NULL") == [(HANDLED, "unknown")]
        # The messages rest where the clerk put them.
        assert folder_subjects(dovecot, user, RELEASE) == ["Công văn về dự toán"]
        assert folder_subjects(dovecot, user, PAPER) == ["Đơn của công dân"]

        # Closing the case: the entry is marked done, once, even when moved there again.
        move(dovecot, user, "Đơn của công dân", PAPER, HANDLED)
        wait_for(lambda: query(rules, "SELECT done_at FROM entries WHERE arrival_number = 1")[0][0], 30,
                 what="the entry marked done")
        move(dovecot, user, "Đơn của công dân", HANDLED, PAPER)
        wait_for(lambda: query(rules, "SELECT count(*) FROM desk_moves")[0][0] == 6, 30, what="moved back")
        assert query(rules, "SELECT count(*) FROM audit WHERE event IN ('done', 'paper-received')") == [(2,)]
        assert daemon.wait_settled(30)
        assert len(relay.messages) == 3
    finally:
        daemon.stop()


def test_kill_9_after_the_register_write_releases_exactly_once(dovecot, tmp_path):
    user = fresh_user(dovecot)
    office = f"{user}@quangngai.gov.vn"
    config = tmp_path / "rules.yaml"
    config.write_text(rules_text(tmp_path, dovecot, user), encoding="utf-8")
    rules = parse_rules(config.read_text(encoding="utf-8"), config)
    dovecot.append(user, document_mail(office, "Công văn khẩn"))

    def run(crash: bool) -> subprocess.Popen:
        env = {k: v for k, v in os.environ.items() if k != "MAILBOT_CRASH_AT"}
        if crash:
            env["MAILBOT_CRASH_AT"] = "desk-after-action"
        return subprocess.Popen([sys.executable, "-m", "mailbot", "run", "--config", str(config)], env=env,
                                stdout=subprocess.DEVNULL, stderr=open(tmp_path / "daemon.log", "ab"),
                                cwd=Path(__file__).parent.parent)

    proc = run(crash=True)
    try:
        wait_for(lambda: folder_subjects(dovecot, user, REVIEW), 30, what="the message held")
        move(dovecot, user, "Công văn khẩn", REVIEW, RELEASE)
        assert proc.wait(30) == 86                 # died right after registering, before desk_moves
    finally:
        if proc.poll() is None:
            proc.kill()
    assert query(rules, "SELECT count(*) FROM entries") == [(1,)]
    assert query(rules, "SELECT count(*) FROM desk_moves") == [(0,)]
    proc = run(crash=False)
    try:
        wait_for(lambda: query(rules, "SELECT count(*) FROM desk_moves")[0][0] == 1, 30, what="the move seen again")
    finally:
        proc.terminate()
        proc.wait(15)
    assert query(rules, "SELECT arrival_number FROM entries") == [(1,)]
    assert query(rules, "SELECT outcome FROM desk_moves") == [("already",)]
    assert query(rules, "SELECT count(*) FROM audit WHERE event = 'reopened'") == [(1,)]
    assert query(rules, "SELECT count(*) FROM outbox WHERE kind = 'receipt'") == [(1,)]
