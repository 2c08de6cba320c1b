"""IMAP intake against a real Dovecot (Debian dovecot-imapd) on loopback.

The server is started by the fixtures below with a throw-away configuration;
when it cannot be started the tests FAIL (they never skip). The watcher is
exercised with a small stand-in pipeline of the same interface (FakePipeline)
so the IMAP layer is tested on its own: exactly-once, moves, UIDVALIDITY,
restarts, over-size messages, Vietnamese folder names, polling fallback.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import socket
import sqlite3
import ssl
import threading
import time
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from email.header import decode_header, make_header
from email.utils import make_msgid
from pathlib import Path

import pytest

from mailbot.store import schema as dbmod
from mailbot.config import ConfigError, parse_rules
from mailbot.intake import imap as imapmod
from mailbot.intake.imap import (Backoff, ImapConfigError, ImapOptions, ImapWatcher, check_transport,
                                 match_folder, open_client, plan_batches, same_folder, target_folder,
                                 uids_after)
from mailbot.store import imap as imap_state
from mailbot.store.imap import FolderState
from mailbot.commands.status import format_status, status_command
from mailbot.runtime.health import read_status, write_status
from testbed.dovecot import CAPABILITIES_WITHOUT_IDLE_AND_MOVE, Dovecot, DovecotError

DONE, REFUSED, REVIEW = "Đã vào sổ", "Từ chối", "Cần xem xét"
FAST = ImapOptions(idle_timeout_seconds=20, poll_seconds=0.5, backoff_initial_seconds=0.2,
                   backoff_max_seconds=1.0, connect_timeout_seconds=5, read_timeout_seconds=10)


# -- a stand-in pipeline ----------------------------------------------------------

@dataclass(frozen=True)
class Received:
    message: int
    sha256: str
    duplicate: bool


class FakePipeline:
    """Same contract as mailbot.runtime.pipeline.Pipeline: same bytes → same row; process() registers once.

    Outcome from the Subject: "refuse" → refuse, "review" → review, "hold" →
    None (not decided yet); otherwise accept. Over-size messages → review.
    """

    def __init__(self, rules, db=None):
        self.db = db or dbmod.connect(rules.db_path)

    def _insert(self, sha, size, *, subject, source, mailbox, delivered_at, oversize=False):
        with dbmod.transaction(self.db) as c:
            row = c.execute("SELECT id FROM messages WHERE sha256=?", (sha,)).fetchone()
            if row:
                return Received(row[0], sha, True)
            cur = c.execute(
                "INSERT INTO messages(sha256, size, spool_path, source, mailbox, delivered_at, spooled_at, report) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (sha, size, f"/fake/{sha}", source, mailbox, delivered_at.isoformat(),
                 datetime.now(timezone.utc).isoformat(), json.dumps({"subject": subject, "oversize": oversize})))
            return Received(cur.lastrowid, sha, False)

    def receive(self, raw, *, source, delivered_at, mailbox=None, envelope_from=None, envelope_to=()):
        assert delivered_at.tzinfo is not None, "delivered_at must be aware"
        m = re.search(rb"^Subject: ?(.*?)\r?$", raw, re.M)
        subject = m.group(1).decode("utf-8", "replace") if m else ""
        return self._insert(hashlib.sha256(raw).hexdigest(), len(raw), subject=subject, source=source,
                            mailbox=mailbox, delivered_at=delivered_at)

    def receive_oversize(self, *, mailbox, size, delivered_at, summary_headers, source="imap"):
        sha = hashlib.sha256(b"oversize\n%d\n" % size + summary_headers).hexdigest()
        return self._insert(sha, size, subject="(over-size)", source=source, mailbox=mailbox,
                            delivered_at=delivered_at, oversize=True)

    def process(self, message):
        with dbmod.transaction(self.db) as c:
            state, decision, report = c.execute(
                "SELECT state, decision, report FROM messages WHERE id=?", (message,)).fetchone()
            if state == "processed":
                return decision
            info = json.loads(report)
            subject = info["subject"].lower()
            if "hold" in subject:
                return None
            outcome = ("review" if info["oversize"] or "review" in subject
                       else "refuse" if "refuse" in subject else "accept")
            now = datetime.now(timezone.utc).isoformat()
            c.execute("UPDATE messages SET state='processed', decision=?, processed_at=? WHERE id=?",
                      (outcome, now, message))
            c.execute("INSERT INTO audit(at, message, event, detail) VALUES (?, ?, 'registered', ?)",
                      (now, message, json.dumps({"outcome": outcome})))
            return outcome


def query(db_path, sql: str, params: tuple = ()) -> list[tuple]:
    """Read the database the way a bystander does: read-only, no schema work, no write lock."""
    if not Path(db_path).exists():
        return []
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    try:
        return conn.execute(sql, params).fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return []
        raise
    finally:
        conn.close()


def registrations(db_path) -> dict[int, int]:
    """message id → times registered (must be 1 for every message)."""
    return dict(query(db_path, "SELECT message, COUNT(*) FROM audit WHERE event='registered' GROUP BY message"))


# -- fixtures and helpers --------------------------------------------------------

def new_dovecot(**kwargs) -> Dovecot:
    """A configured, not yet started Dovecot; the test FAILS (never skips) when it is missing."""
    try:
        return Dovecot(**kwargs)
    except DovecotError as exc:
        pytest.fail(f"Dovecot is needed by the IMAP tests: {exc}", pytrace=False)


def start_dovecot(server: Dovecot) -> Dovecot:
    try:
        return server.start()
    except DovecotError as exc:
        server.cleanup()
        pytest.fail(f"Dovecot could not be started (the IMAP tests need it): {exc}", pytrace=False)


@pytest.fixture(scope="module")
def dovecot():
    # Accounts are created before the start: Dovecot sees later passwd-file changes only after a delay.
    server = new_dovecot()
    for i in range(1, 21):
        server.add_user(f"u{i}", password=f"pw-u{i}")
    server.add_user("oauth", password="not-this-one", oauth_token="ya29.token-thử")
    start_dovecot(server)
    server.free_users = [f"u{i}" for i in range(1, 21)]
    yield server
    server.cleanup()


def fresh_user(server: Dovecot) -> str:
    return server.free_users.pop(0)


@pytest.fixture
def user(dovecot):
    """A fresh IMAP account on the shared server."""
    return fresh_user(dovecot)


def message(subject: str, body: str = "Kính gửi: Văn phòng.", *, size: int = 0) -> bytes:
    text = (f"From: Sở Tư pháp <vanthu@stp.example.gov.vn>\r\nTo: office@example.gov.vn\r\n"
            f"Subject: {subject}\r\nMessage-ID: {make_msgid(domain='stp.example.gov.vn')}\r\n"
            f"Date: Mon, 10 Nov 2025 08:00:00 +0700\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n")
    raw = text.encode("utf-8")
    if size > len(raw):
        raw += (b"x" * 76 + b"\r\n") * ((size - len(raw)) // 78 + 1)
    return raw


def make_rules(tmp_path: Path, server: Dovecot, accounts: list[dict], extra: str = ""):
    """rules.yaml with one mailbox per account dict: {user, inbox?, port?, password?, folders?}."""
    lines = [extra, "storage:", f"  data_dir: {tmp_path / 'data'}", f"  outbox_dir: {tmp_path / 'outbox'}",
             "books:", "  - {id: den, name: Sổ đến}", "mailboxes:"]
    for acc in accounts:
        pw = tmp_path / f"{acc['user']}.password"
        pw.write_text(acc.get("password", server.users.get(acc["user"], "x")) + "\n", encoding="utf-8")
        secret = f"password_file: {pw}"
        if "token" in acc:
            token = tmp_path / f"{acc['user']}.token"
            token.write_text(acc["token"] + "\n", encoding="utf-8")
            secret = f"oauth2_token_file: {token}"
        folders = acc.get("folders", {"done": DONE, "refused": REFUSED, "review": REVIEW})
        lines += [f"  - id: {acc['user']}", f"    address: {acc['user']}@example.gov.vn", "    register: den",
                  f"    imap: {{host: 127.0.0.1, port: {acc.get('port', server.port)}, tls: none, "
                  f"username: {acc['user']}, {secret}, inbox: \"{acc.get('inbox', 'INBOX')}\"}}",
                  f"    folders: {json.dumps(folders, ensure_ascii=False)}"]
    path = tmp_path / "rules.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return parse_rules(path.read_text(encoding="utf-8"), path)


def mailbox_of(rules, mailbox_id: str):
    return next(mb for mb in rules.mailboxes if mb.id == mailbox_id)


def wait_for(predicate, timeout: float = 15.0, interval: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@contextmanager
def watching(rules, mailbox_ids: list[str], options: ImapOptions = FAST, pipeline=FakePipeline):
    stop = threading.Event()
    wakes = []
    watchers = [ImapWatcher(rules, mailbox_of(rules, m), lambda: pipeline(rules), lambda: wakes.append(1),
                            stop, options=options,
                            report_status=lambda record: write_status(rules.data_dir, record["mailbox"], record))
                for m in mailbox_ids]
    threads = [threading.Thread(target=w.run, name=f"test-imap-{w.mailbox.id}", daemon=True) for w in watchers]
    for t in threads:
        t.start()
    try:
        yield watchers
    finally:
        stop.set()
        for t in threads:
            t.join(15)
        assert not any(t.is_alive() for t in threads), "a watcher did not stop"


def wait_connected(watcher: ImapWatcher, timeout: float = 10.0) -> None:
    wait_for(lambda: watcher.status()["connected"] and watcher.status()["last_sync"], timeout,
             what=f"{watcher.mailbox.id} connected and synced")


def subjects(server: Dovecot, user: str, folder: str) -> list[str]:
    name = server.find_folder(user, folder)
    if name is None:
        return []
    out = []
    for _uid, raw, _flags in server.messages(user, name):
        m = re.search(rb"^Subject: (.*?)\r?$", raw, re.M)
        out.append(str(make_header(decode_header(m.group(1).decode()))) if m else "")
    return out


# -- pure helpers -----------------------------------------------------------------

def test_uids_after_filters_the_star_answer():
    # UID SEARCH UID 11:* answers 10 when 10 is the highest UID: it must not come back.
    assert uids_after([10], 10) == []
    assert uids_after([12, 11, 10], 10) == [11, 12]


def test_plan_batches_bounds_count_bytes_and_isolates_oversize():
    sizes = {1: 10, 2: 10, 3: 10, 4: 500, 5: 60, 6: 60, 8: 10}
    plan = plan_batches([1, 2, 3, 4, 5, 6, 7, 8], sizes, limit=100, max_count=2, max_bytes=100)
    assert plan == [("fetch", [1, 2]), ("fetch", [3]), ("oversize", [4]), ("fetch", [5]), ("fetch", [6, 8])]


def test_folder_names_match_across_nfc_and_nfd():
    nfd = unicodedata.normalize("NFD", DONE)
    assert nfd != DONE and same_folder(nfd, DONE)
    assert match_folder(DONE, ["INBOX", nfd]) == nfd
    assert match_folder("inbox", ["INBOX"]) == "INBOX"
    assert match_folder(REFUSED, ["INBOX", nfd]) is None


def test_target_folder_by_outcome():
    rules = parse_rules("books: [{id: den, name: x}]\n")
    folders = __import__("mailbot.config", fromlist=["Folders"]).Folders()
    assert target_folder("accept", folders) == folders.done
    assert target_folder("refuse", folders) == folders.refused
    assert target_folder("review", folders) == target_folder("quarantine", folders) == folders.review
    assert rules.limits.max_message_bytes > 0


def test_backoff_grows_with_jitter_and_resets():
    import random
    b = Backoff(1, 8, rng=random.Random(1))
    delays = [b.next() for _ in range(6)]
    for delay, ceiling in zip(delays, [1, 2, 4, 8, 8, 8], strict=True):
        assert ceiling / 2 <= delay <= ceiling
    b.reset()
    assert b.next() <= 1


def test_lookups_of_sources_still_to_move_read_only_those(tmp_path):
    """A year of a busy mailbox is 100,000 seen UIDs: the watcher's lookups on every sync and
    IDLE step must go through the index of the few not yet moved, never the whole history
    (an older database gets the index, and loses the one it replaces, when it is opened)."""
    db = dbmod.connect(tmp_path / "m.sqlite3")
    db.conn.execute("CREATE INDEX imap_seen_pending ON imap_seen(mailbox, folder, uidvalidity, moved_to)")
    db.conn.executescript(imap_state.STATE_SCHEMA)
    indexes = {r[0] for r in db.conn.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'imap_seen'")}
    assert "imap_seen_waiting" in indexes and "imap_seen_pending" not in indexes
    for sql, args in ((imap_state.NOT_MOVED_SQL, ("ubnd", "INBOX", 1)),
                      (imap_state.DECIDED_NOT_MOVED_SQL, ("ubnd", "INBOX"))):
        plan = " ".join(str(row[-1]) for row in db.conn.execute("EXPLAIN QUERY PLAN " + sql, args))
        assert "imap_seen_waiting" in plan and "TEMP B-TREE" not in plan, plan


def test_plaintext_refused_except_loopback(tmp_path):
    remote = ("books: [{id: den, name: x}]\nmailboxes:\n"
              "  - {id: a, address: a@x.gov.vn, register: den, imap: {host: mail.x.gov.vn, port: 143, tls: none, "
              "username: a, password_env: X}}\n")
    with pytest.raises(ConfigError, match="line 3: .*only for a server on loopback"):
        parse_rules(remote)
    rules = parse_rules(
        "books: [{id: den, name: x}]\nmailboxes:\n"
        "  - {id: b, address: b@x.gov.vn, register: den, imap: {host: 127.0.0.1, port: 143, tls: none, "
        "username: b, password_env: X}}\n")
    check_transport(rules.mailboxes[0].imap)
    # The watcher refuses it too, should settings ever bypass validation.
    unchecked = rules.mailboxes[0].imap.model_copy(update={"host": "mail.x.gov.vn"})
    with pytest.raises(ImapConfigError, match="plaintext"):
        check_transport(unchecked)
    with pytest.raises(ImapConfigError):
        ImapOptions(idle_timeout_seconds=29 * 60).checked()


# -- against Dovecot ------------------------------------------------------------------

def test_tls_implicit_and_starttls_verify_the_certificate(dovecot, user, tmp_path):
    rules = make_rules(tmp_path, dovecot, [{"user": user}])
    imap = rules.mailboxes[0].imap
    good = ImapOptions(cafile=str(dovecot.cafile), connect_timeout_seconds=5, read_timeout_seconds=5)
    for tls, port in (("implicit", dovecot.tls_port), ("starttls", dovecot.port)):
        settings = imap.model_copy(update={"tls": tls, "port": port, "host": "localhost"})
        client = open_client(settings, good)
        try:
            assert client.socket().version() in ("TLSv1.2", "TLSv1.3")
            assert client.select_folder("INBOX")
        finally:
            client.logout()
    # Without the test CA the certificate is not trusted: refused, never downgraded.
    settings = imap.model_copy(update={"tls": "implicit", "port": dovecot.tls_port, "host": "localhost"})
    with pytest.raises(ssl.SSLError):
        open_client(settings, ImapOptions(connect_timeout_seconds=5, read_timeout_seconds=5))


def test_two_mailboxes_registered_and_moved_through_idle(dovecot, tmp_path, capsys):
    users = [fresh_user(dovecot), fresh_user(dovecot)]
    rules = make_rules(tmp_path, dovecot, [{"user": u} for u in users])
    latencies = []
    with watching(rules, users) as watchers:
        for w in watchers:
            wait_connected(w)
        for i, u in enumerate(users):
            for subject in (f"Giấy mời họp {i}", f"Công văn refuse {i}"):
                sent = time.monotonic()
                dovecot.append(u, message(subject))
                before = sum(registrations(rules.db_path).values())
                wait_for(lambda before=before: sum(registrations(rules.db_path).values()) > before, 10, 0.01,
                         "registration through IDLE")
                latencies.append(time.monotonic() - sent)
        for u in users:
            wait_for(lambda u=u: dovecot.count(u, "INBOX") == 0, 10, what="inbox emptied")
    assert sorted(registrations(rules.db_path).values()) == [1, 1, 1, 1]
    for i, u in enumerate(users):
        assert subjects(dovecot, u, DONE) == [f"Giấy mời họp {i}"]
        assert subjects(dovecot, u, REFUSED) == [f"Công văn refuse {i}"]
        for _uid, _raw, flags in dovecot.messages(u, dovecot.find_folder(u, DONE)):
            assert imapmod.KEYWORD.encode() in flags and b"\\Seen" not in flags
    # The legal delivery time is the server's INTERNALDATE, with its offset.
    assert all(datetime.fromisoformat(d).tzinfo for (d,) in query(rules.db_path, "SELECT delivered_at FROM messages"))
    with capsys.disabled():
        print(f"\n[IMAP IDLE] arrival→registration latency over {len(latencies)} messages: "
              f"min {min(latencies) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms, "
              f"mean {sum(latencies) / len(latencies) * 1000:.0f} ms")


def test_xoauth2_token_file_login(dovecot, tmp_path):
    rules = make_rules(tmp_path, dovecot, [{"user": "oauth", "token": "ya29.token-thử"}])
    with watching(rules, ["oauth"]) as (w,):
        wait_connected(w)
        dovecot.append("oauth", message("Đăng nhập bằng OAuth"))
        wait_for(lambda: dovecot.count("oauth", "INBOX") == 0, 10, what="moved")
    assert re.search(r"Login: user=<oauth>, method=XOAUTH2", dovecot.log_text())


class FreezingProxy:
    """A TCP relay to the server that can turn every open connection into a black hole."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.frozen: set[int] = set()
        self.generation = 0
        self.sockets: list[socket.socket] = []
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            self.sockets += [client, upstream]
            gen = self.generation
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b, gen), daemon=True).start()

    def _pump(self, src, dst, gen):
        while True:
            try:
                data = src.recv(65536)
            except OSError:
                return
            if not data:
                return
            if gen in self.frozen:
                continue                      # swallowed: the peer hears nothing, no FIN, no RST
            try:
                dst.sendall(data)
            except OSError:
                return

    def freeze_open_connections(self):
        self.frozen.add(self.generation)
        self.generation += 1

    def close(self):
        self.closed = True
        self.listener.close()
        for s in self.sockets:
            try:
                s.close()
            except OSError:
                pass


def test_dead_connection_is_detected_and_replaced(dovecot, user, tmp_path):
    proxy = FreezingProxy(dovecot.port)
    try:
        rules = make_rules(tmp_path, dovecot, [{"user": user, "port": proxy.port}])
        options = ImapOptions(**{**FAST.__dict__, "idle_timeout_seconds": 2, "read_timeout_seconds": 2})
        with watching(rules, [user], options) as (w,):
            wait_connected(w)
            proxy.freeze_open_connections()   # e.g. a NAT box forgot the connection
            dovecot.append(user, message("Sau khi mất kết nối"))
            wait_for(lambda: dovecot.count(user, "INBOX") == 0, 20, what="caught up on a new connection")
            assert "timed out" in (w.status()["last_error"] or "")
    finally:
        proxy.close()


def test_vietnamese_folders_created_and_nfd_spelling_reused(dovecot, user, tmp_path):
    inbox = "Hộp thư đến"
    nfd_done = unicodedata.normalize("NFD", DONE)
    dovecot.create_folder(user, nfd_done)      # a mail client created it in NFD
    rules = make_rules(tmp_path, dovecot, [{"user": user, "inbox": inbox}])
    with watching(rules, [user]) as (w,):
        wait_connected(w)
        dovecot.append(user, message("Kế hoạch số 59/KH-UBND"), folder=dovecot.find_folder(user, inbox))
        wait_for(lambda: dovecot.count(user, nfd_done) == 1, 10, what="message moved to the NFD folder")
    names = dovecot.folders(user)
    nfc_names = [unicodedata.normalize("NFC", n) for n in names]
    for wanted in (inbox, DONE, REFUSED, REVIEW):
        assert nfc_names.count(wanted) == 1, names
    assert nfd_done in names and DONE not in names     # reused, not duplicated
    assert dovecot.count(user, inbox) == 0


def test_oversize_message_is_not_downloaded(dovecot, user, tmp_path):
    rules = make_rules(tmp_path, dovecot, [{"user": user}])
    options = ImapOptions(**{**FAST.__dict__, "max_message_bytes": 100_000})
    big = message("Hồ sơ quá lớn", size=3_000_000)
    dovecot.append(user, big)
    dovecot.append(user, message("Giấy mời nhỏ"))
    with watching(rules, [user], options) as (w,):
        wait_for(lambda: dovecot.count(user, "INBOX") == 0, 15, what="inbox emptied")
    # Dovecot's logout line counts the bytes each session sent; so far only the watcher
    # and small helper commands (APPEND, STATUS) have used this account.
    time.sleep(0.3)
    sent = [int(m) for m in re.findall(rf"imap\({user}\).*Logged out in=\d+ out=(\d+)", dovecot.log_text())]
    assert sent, dovecot.log_tail()
    assert max(sent) < 200_000, f"the over-size message was downloaded: out={sent}"
    assert subjects(dovecot, user, REVIEW) == ["Hồ sơ quá lớn"]
    assert subjects(dovecot, user, DONE) == ["Giấy mời nhỏ"]
    rows = query(rules.db_path, "SELECT size, decision FROM messages ORDER BY id")
    assert rows[0][0] == len(big) and rows[0][1] == "review"


class StreamingPipeline(FakePipeline):
    """FakePipeline that also takes big messages in pieces, keeping what it was given."""

    taken: dict[str, list[int]] = {}

    def receive_stream(self, chunks, *, source, delivered_at, mailbox=None, envelope_from=None, envelope_to=()):
        pieces = [bytes(c) for c in chunks]
        raw = b"".join(pieces)
        StreamingPipeline.taken[hashlib.sha256(raw).hexdigest()] = [len(p) for p in pieces]
        return self.receive(raw, source=source, delivered_at=delivered_at, mailbox=mailbox)


def test_big_message_is_fetched_in_pieces_in_order_with_the_small_ones(dovecot, user, tmp_path, monkeypatch):
    monkeypatch.setattr("mailbot.intake.imap.watcher.STREAM_CHUNK_BYTES", 64 * 1024)
    rules = make_rules(tmp_path, dovecot, [{"user": user}])
    small_before, big, small_after = message("Giấy mời 1"), message("Hồ sơ lớn", size=300_000), message("Giấy mời 2")
    for raw in (small_before, big, small_after):
        dovecot.append(user, raw)
    StreamingPipeline.taken = {}
    with watching(rules, [user], pipeline=StreamingPipeline):
        wait_for(lambda: dovecot.count(user, "INBOX") == 0, 15, what="inbox emptied")
    [(sha, pieces)] = StreamingPipeline.taken.items()
    assert sha == hashlib.sha256(big).hexdigest()                   # the same bytes, whole
    assert len(pieces) >= 4 and max(pieces) <= 64 * 1024
    rows = query(rules.db_path, "SELECT sha256 FROM messages ORDER BY id")
    assert [r[0] for r in rows] == [hashlib.sha256(m).hexdigest() for m in (small_before, big, small_after)]
    assert subjects(dovecot, user, DONE) == ["Giấy mời 1", "Hồ sơ lớn", "Giấy mời 2"]


def test_plan_batches_streams_big_messages_alone():
    sizes = {1: 10, 2: 80, 3: 10, 4: 500}
    plan = plan_batches([1, 2, 3, 4], sizes, limit=100, max_count=5, max_bytes=1000, stream_above=50)
    assert plan == [("fetch", [1]), ("stream", [2]), ("fetch", [3]), ("oversize", [4])]


def test_crash_between_register_and_move_is_finished_on_restart(dovecot, user, tmp_path, monkeypatch):
    rules = make_rules(tmp_path, dovecot, [{"user": user}])
    dovecot.append(user, message("Quyết định 1"))
    dovecot.append(user, message("Quyết định 2"))
    # As if the process died right after each register commit: nothing moved, nothing noted.
    with monkeypatch.context() as m:
        m.setattr(ImapWatcher, "_move", lambda self, uid, target: None)
        m.setattr(FolderState, "mark_moved", lambda self, uidvalidity, uids, target: None)
        with watching(rules, [user]) as (w,):
            wait_for(lambda: len(registrations(rules.db_path)) == 2, 10, what="registered before the crash")
    assert dovecot.count(user, "INBOX") == 2        # registered, not moved
    with watching(rules, [user]) as (w,):
        wait_for(lambda: dovecot.count(user, "INBOX") == 0, 10, what="pending moves finished")
    assert sorted(registrations(rules.db_path).values()) == [1, 1]
    assert sorted(subjects(dovecot, user, DONE)) == ["Quyết định 1", "Quyết định 2"]
    assert query(rules.db_path, "SELECT COUNT(*) FROM imap_seen WHERE moved_to IS NULL") == [(0,)]


def test_uidvalidity_change_rebuilds_by_hash_without_registering_twice(dovecot, user, tmp_path):
    inbox = "Văn bản đến"
    rules = make_rules(tmp_path, dovecot, [{"user": user, "inbox": inbox}])
    a, b, c = message("Tờ trình A"), message("Báo cáo hold B"), message("Thông báo C")
    dovecot.create_folder(user, inbox)
    dovecot.append(user, a, folder=inbox)
    dovecot.append(user, b, folder=inbox)            # "hold": received, not yet decided → stays
    with watching(rules, [user]) as (w,):
        wait_for(lambda: subjects(dovecot, user, DONE) == ["Tờ trình A"], 10, what="A done")
        wait_for(lambda: w.status()["waiting"] == 1, 5, what="B waiting")
    old = dovecot.uidvalidity(user, inbox)
    # The folder is deleted and recreated: new UIDVALIDITY, same messages back (A moved back by a clerk).
    dovecot.delete_folder(user, inbox)
    dovecot.create_folder(user, inbox)
    assert dovecot.uidvalidity(user, inbox) != old
    for raw in (a, b, c):
        dovecot.append(user, raw, folder=inbox)
    with watching(rules, [user]) as (w,):
        wait_for(lambda: sorted(subjects(dovecot, user, DONE)) == ["Thông báo C", "Tờ trình A", "Tờ trình A"],
                 10, what="A again and C moved")
    assert sorted(registrations(rules.db_path).values()) == [1, 1]    # A and C; B still held
    assert query(rules.db_path, "SELECT COUNT(*) FROM messages") == [(3,)]
    row = query(rules.db_path, "SELECT uidvalidity, previous_uidvalidity FROM imap_folders")
    assert row == [(dovecot.uidvalidity(user, inbox), old)]
    assert subjects(dovecot, user, inbox) == ["Báo cáo hold B"]


def test_dovecot_restart_mid_idle_reconnects_and_catches_up(dovecot, user, tmp_path):
    rules = make_rules(tmp_path, dovecot, [{"user": user}])
    with watching(rules, [user]) as (w,):
        wait_connected(w)
        dovecot.append(user, message("Trước khi khởi động lại"))
        wait_for(lambda: dovecot.count(user, "INBOX") == 0, 10, what="first message")
        time.sleep(0.3)                              # the watcher is back in IDLE
        dovecot.stop()
        dovecot.start()
        dovecot.append(user, message("Sau khi khởi động lại"))    # arrives while the watcher reconnects
        wait_for(lambda: dovecot.count(user, "INBOX") == 0 and len(registrations(rules.db_path)) == 2,
                 15, what="catch-up after the restart")
        assert w.status()["connected"]
        assert w.status()["last_error"]             # the disconnect was seen and recorded
    assert sorted(registrations(rules.db_path).values()) == [1, 1]


def test_polling_fallback_and_copy_uid_expunge_without_move(tmp_path):
    server = new_dovecot(capabilities=CAPABILITIES_WITHOUT_IDLE_AND_MOVE)
    server.add_user("old", password="pw-old")
    try:
        start_dovecot(server)
        rules = make_rules(tmp_path, server, [{"user": "old"}])
        # A message a person marked \Deleted, which mailbot cannot decide yet ("hold"):
        # a bare EXPUNGE would destroy it.
        server.append("old", message("Công văn hold"), flags=(b"\\Deleted",))
        with watching(rules, ["old"]) as (w,):
            wait_connected(w)
            assert w.status()["mode"] == "poll"
            server.append("old", message("Giấy mời"))
            wait_for(lambda: subjects(server, "old", DONE) == ["Giấy mời"], 10, what="moved by COPY")
            wait_for(lambda: subjects(server, "old", "INBOX") == ["Công văn hold"], 5,
                     what="only that UID expunged")
    finally:
        server.cleanup()


def test_one_failing_mailbox_does_not_stall_the_others(dovecot, user, tmp_path):
    closed_port = socket.socket()
    closed_port.bind(("127.0.0.1", 0))
    port = closed_port.getsockname()[1]
    closed_port.close()
    rules = make_rules(tmp_path, dovecot, [{"user": user},
                                            {"user": "nobody1", "password": "wrong"},
                                            {"user": "nobody2", "port": port}])
    with watching(rules, [user, "nobody1", "nobody2"]) as (good, bad_login, bad_port):
        wait_connected(good)
        dovecot.append(user, message("Vẫn nhận được"))
        wait_for(lambda: dovecot.count(user, "INBOX") == 0, 10, what="good mailbox works")
        wait_for(lambda: bad_login.status()["last_error"] and bad_port.status()["last_error"], 10,
                 what="errors recorded")
        # The status file is written once the move is recorded: wait for it, not for the server.
        wait_for(lambda: {r["mailbox"]: r for r in read_status(rules)}[user]["waiting"] == 0, 10,
                 what="the status file to show nothing waiting")
        records = {r["mailbox"]: r for r in read_status(rules)}
        assert records[user]["connected"] and records[user]["waiting"] == 0
        assert not records["nobody1"]["connected"] and "LoginError" in records["nobody1"]["last_error"]
        assert not records["nobody2"]["connected"] and records["nobody2"]["last_error"]
        out = io.StringIO()
        assert status_command(rules, out=out) == 0
        text = out.getvalue()
        assert f"{user}" in text and "connected (idle)" in text and "LoginError" in text
        out = io.StringIO()
        status_command(rules, as_json=True, out=out)
        assert {r["mailbox"] for r in json.loads(out.getvalue())["mailboxes"]} == {user, "nobody1", "nobody2"}
    # After the daemon stopped, status says so.
    assert "connected (idle)" not in format_status(read_status(rules))


# -- with the real pipeline and daemon ---------------------------------------------------

def office_yaml() -> str:
    """The office, and our MTA's authserv-id: the test mails carry its Authentication-Results."""
    from tests.support import bot

    mta = getattr(bot, "MTA", "mx.quangngai.gov.vn")
    return ("office: {name: Văn phòng UBND tỉnh Quảng Ngãi, timezone: Asia/Ho_Chi_Minh}\n"
            f"senders: {{authserv_id: {mta}}}\n")


def document_mail(subject: str) -> bytes:
    from email.policy import SMTP as SMTP_POLICY

    from mailbot.util import samples
    from tests.support.bot import DOCX_TYPE, mail

    docx = ("Giấy mời.docx", samples.docx(["GIẤY MỜI", subject]), DOCX_TYPE)
    return mail(subject=subject, files=[docx]).as_bytes(policy=SMTP_POLICY)


def entries(db_path) -> list[tuple]:
    return query(db_path, "SELECT message, book, year, arrival_number, email_subject FROM entries "
                          "ORDER BY arrival_number")


def acknowledged(relay) -> list[str]:
    """Message-IDs answered by receipts that went through the relay."""
    from email import message_from_bytes, policy

    out = []
    for captured in relay.messages:
        notice = message_from_bytes(captured.raw, policy=policy.default)
        if notice["Auto-Submitted"] and notice["In-Reply-To"]:
            out.append(str(notice["In-Reply-To"]).strip())
    return out


def test_daemon_registers_acknowledges_and_moves_mail_of_two_mailboxes(dovecot, relay, tmp_path, capsys):
    from mailbot.runtime.daemon import Daemon
    from tests.support.bot import relay_yaml

    users = [fresh_user(dovecot), fresh_user(dovecot)]
    notices = "notices: {from_address: ubnd@quangngai.gov.vn, retry_base_seconds: 0.2, retry_max_seconds: 1}\n"
    rules = make_rules(tmp_path, dovecot, [{"user": u} for u in users],
                       extra=office_yaml() + notices + relay_yaml(relay) + "\n")
    daemon = Daemon(rules)
    daemon.start()
    latencies = []
    try:
        watchers = [t.watcher for t in daemon.watchers]
        for w in watchers:
            wait_connected(w)
        sent_ids = []
        for i, u in enumerate(users):
            count = len(entries(rules.db_path))
            raw = document_mail(f"Giấy mời họp giao ban {i}")
            sent_ids.append(re.search(rb"^Message-ID: (.*?)\r?$", raw, re.M | re.I).group(1).decode())
            sent = time.monotonic()
            dovecot.append(u, raw)
            wait_for(lambda count=count: len(entries(rules.db_path)) > count, 20, 0.01, "registration")
            latencies.append(time.monotonic() - sent)
        for u in users:
            wait_for(lambda u=u: dovecot.count(u, "INBOX") == 0, 10, what="moved")
        wait_for(lambda: set(sent_ids) <= set(acknowledged(relay)), 20,
                 what="an acknowledgement of each message through the relay")
    finally:
        daemon.stop()
    rows = entries(rules.db_path)
    assert [r[3] for r in rows] == [1, 2]
    for i, u in enumerate(users):
        assert subjects(dovecot, u, DONE) == [f"Giấy mời họp giao ban {i}"]
    assert {m.rcpt_tos[0] for m in relay.messages} == {"vanthu@stc.quangngai.gov.vn"}
    assert all(m.tls and m.login for m in relay.messages)
    with capsys.disabled():
        print("\n[IMAP IDLE + real pipeline] arrival→registration: "
              + ", ".join(f"{x * 1000:.0f} ms" for x in latencies))


def test_kill_9_while_200_messages_arrive_registers_each_exactly_once(dovecot, tmp_path, capsys):
    import os
    import random
    import signal
    import subprocess
    import sys

    user = fresh_user(dovecot)
    rules = make_rules(tmp_path, dovecot, [{"user": user}], extra=office_yaml())
    config = tmp_path / "rules.yaml"
    total = 200
    mails = [document_mail(f"Công văn số {i:03d}") for i in range(total)]
    log_path = tmp_path / "daemon.log"
    rng = random.Random(os.environ.get("MAILBOT_TEST_SEED", "kill9"))

    def feed():
        for raw in mails:
            dovecot.append(user, raw)
            time.sleep(0.05)

    def start_daemon():
        with open(log_path, "ab") as log:
            return subprocess.Popen([sys.executable, "-m", "mailbot", "run", "--config", str(config)],
                                    stdout=log, stderr=subprocess.STDOUT, cwd=Path(__file__).parent.parent)

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    kills = 0
    proc = start_daemon()
    try:
        early = False
        while feeder.is_alive() or kills < 3:
            # Random moments, but never two early kills in a row: a fresh daemon first
            # starts its inspection worker, and the pipeline sends a message cut off
            # many times during processing to review (repeated_failure).
            delay = rng.uniform(1.5 if early else 0.3, 2.5)
            early = delay < 1.5
            time.sleep(delay)
            proc.kill()                         # SIGKILL: no cleanup at all
            proc.wait(10)
            kills += 1
            proc = start_daemon()
        feeder.join()
        wait_for(lambda: dovecot.count(user, "INBOX") == 0 and len(entries(rules.db_path)) >= total, 90, 0.2,
                 "all messages registered and moved after the last restart")
        # `mailbot status` shows the live daemon's watcher.
        wait_for(lambda: (read_status(rules)[0].get("pid") == proc.pid and read_status(rules)[0]["connected"]
                          and read_status(rules)[0].get("waiting") == 0), 10, what="status of the live daemon")
        out = subprocess.run([sys.executable, "-m", "mailbot", "status", "--config", str(config)],
                             capture_output=True, text=True, timeout=30, cwd=Path(__file__).parent.parent)
        assert out.returncode == 0 and "connected (idle)" in out.stdout and "waiting 0" in out.stdout, out
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
    rows = entries(rules.db_path)
    numbers = [r[3] for r in rows]
    assert numbers == list(range(1, total + 1)), "a gap or a duplicate in số đến"
    assert len({r[0] for r in rows}) == total
    assert sorted(r[4] for r in rows) == [f"Công văn số {i:03d}" for i in range(total)]
    done = dovecot.find_folder(user, DONE)
    moved = [raw for _uid, raw, _flags in dovecot.messages(user, done)]
    ids = [re.search(rb"^Message-ID: (.*?)\r?$", raw, re.M | re.I).group(1) for raw in moved]
    assert len(ids) == total and len(set(ids)) == total, "every source message moved exactly once"
    assert dovecot.count(user, "INBOX") == 0
    with capsys.disabled():
        print(f"\n[kill -9] {kills} kills while {total} messages arrived: {total} registered once, "
              f"numbers 1..{total}, all moved")
