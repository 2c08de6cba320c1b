"""Số đến: per book, per calendar year, from 1, never reused or skipped; one entry per message."""

import threading
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from mailbot.store import schema as dbmod
from mailbot.model import Decision, DocumentFields, MessageReport, NoticePlan, Reason
from mailbot.register.apply import Notice, apply, ensure_books
from mailbot.store.entries import next_number

VN = ZoneInfo("Asia/Ho_Chi_Minh")
ACCEPT = Decision("accept", (Reason("accepted", "vi", "en"),), (NoticePlan("receipt", "a@b.gov.vn"),), book="den")
REFUSE = Decision("refuse", (Reason("no_allowed_attachment", "vi", "en"),))


@pytest.fixture
def database(tmp_path):
    db = dbmod.connect(tmp_path / "r.sqlite3")
    ensure_books(db, [("den", "Sổ đến"), ("mat", "Sổ mật")])
    return db


def record(db, n: int, mid: str | None = None, mailbox: str = "ubnd") -> int:
    return db.execute(
        "INSERT INTO messages(sha256, size, spool_path, source, mailbox, delivered_at, spooled_at, message_id) "
        "VALUES (?, 1, 'x', 'file', ?, ?, ?, ?)",
        (f"{n:064x}", mailbox, "2026-11-20T01:00:00+00:00", "2026-11-20T01:00:00+00:00", mid)).lastrowid


def report(n: int, mid: str | None = None) -> MessageReport:
    return MessageReport(sha256=f"{n:064x}", size=1, readable=True, message_id=mid, sender="a@b.gov.vn")


def receipt(reg):
    return [Notice("receipt", "a@b.gov.vn", f"Số đến {reg.arrival_number}", f"<r{reg.message}@x>", b"raw")]


def test_numbers_run_from_one_per_book_and_year(database):
    at = datetime(2026, 11, 20, 9, 0, tzinfo=VN)
    numbers = [apply(database, record(database, i), report(i), ACCEPT, at, receipt).arrival_number
               for i in range(1, 4)]
    assert numbers == [1, 2, 3]
    other = Decision("accept", ACCEPT.reasons, book="mat")
    assert apply(database, record(database, 9), report(9), other, at, receipt).arrival_number == 1


def test_refused_messages_take_no_number(database):
    at = datetime(2026, 11, 20, 9, 0, tzinfo=VN)
    apply(database, record(database, 1), report(1), ACCEPT, at, receipt)
    refused = apply(database, record(database, 2), report(2), REFUSE, at, receipt)
    assert refused.entry is None and refused.arrival_number is None
    assert apply(database, record(database, 3), report(3), ACCEPT, at, receipt).arrival_number == 2


def test_year_boundary_in_office_time(database):
    # 23:59 on 31 December in Hà Nội is still 2026; one minute later a new series starts.
    last = datetime(2026, 12, 31, 23, 59, tzinfo=VN)
    first = last + timedelta(minutes=2)
    assert first.astimezone(timezone.utc).year == 2026    # UTC would still say 2026
    a = apply(database, record(database, 1), report(1), ACCEPT, last, receipt)
    b = apply(database, record(database, 2), report(2), ACCEPT, last, receipt)
    c = apply(database, record(database, 3), report(3), ACCEPT, first.astimezone(VN), receipt)
    assert [(a.year, a.arrival_number), (b.year, b.arrival_number), (c.year, c.arrival_number)] == \
        [(2026, 1), (2026, 2), (2027, 1)]


def test_applying_twice_registers_once_and_queues_one_notice(database):
    at = datetime(2026, 11, 20, 9, 0, tzinfo=VN)
    m = record(database, 1)
    first = apply(database, m, report(1), ACCEPT, at, receipt)
    again = apply(database, m, report(1), ACCEPT, at, receipt)
    assert first.state == "processed" and again.state == "already-done"
    assert database.execute("SELECT count(*) FROM entries").fetchone()[0] == 1
    assert database.execute("SELECT count(*) FROM outbox").fetchone()[0] == 1


def test_same_message_id_again_is_a_duplicate_without_number_or_notice(database):
    at = datetime(2026, 11, 20, 9, 0, tzinfo=VN)
    apply(database, record(database, 1, "<a@x>"), report(1, "<a@x>"), ACCEPT, at, receipt)
    dup = apply(database, record(database, 2, "<a@x>"), report(2, "<a@x>"), ACCEPT, at, receipt)
    assert dup.state == "duplicate" and dup.duplicate_of == 1
    assert database.execute("SELECT count(*) FROM entries").fetchone()[0] == 1
    assert database.execute("SELECT count(*) FROM outbox").fetchone()[0] == 1
    # The same Message-ID in another mailbox is that mailbox's own document.
    other = apply(database, record(database, 3, "<a@x>", "vanthu"), report(3, "<a@x>"), ACCEPT, at, receipt)
    assert other.state == "processed"


def test_failure_inside_the_transaction_leaves_no_trace(database):
    at = datetime(2026, 11, 20, 9, 0, tzinfo=VN)
    m = record(database, 1)

    def broken(reg):
        raise RuntimeError("template exploded")

    with pytest.raises(RuntimeError):
        apply(database, m, report(1), ACCEPT, at, broken)
    assert database.execute("SELECT count(*) FROM entries").fetchone()[0] == 0
    assert database.execute("SELECT state FROM messages WHERE id = ?", (m,)).fetchone()[0] == "received"
    # The number was not consumed: the next registration still gets 1.
    assert apply(database, m, report(1), ACCEPT, at, receipt).arrival_number == 1


def test_concurrent_writers_never_share_or_skip_a_number(tmp_path):
    path = tmp_path / "c.sqlite3"
    ensure_books(dbmod.connect(path), [("den", "Sổ đến")])
    got: list[int] = []
    lock = threading.Lock()

    def worker():
        conn = dbmod.connect(path)
        for _ in range(50):
            with dbmod.transaction(conn) as c:
                n = next_number(c, "den", 2026)
            with lock:
                got.append(n)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == list(range(1, 201))


def test_audit_is_append_only(database):
    at = datetime(2026, 11, 20, 9, 0, tzinfo=VN)
    apply(database, record(database, 1), report(1), ACCEPT, at, receipt)
    import sqlite3

    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        database.execute("UPDATE audit SET event = 'x'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        database.execute("DELETE FROM audit")


def test_rate_caps_stop_notice_floods_but_not_alerts(database):
    from mailbot.register.apply import NoticeCaps

    at = datetime(2026, 11, 20, 9, 0, tzinfo=VN)
    caps = NoticeCaps(per_recipient_per_hour=3, per_hour=100)

    def receipt_and_alert(reg):
        return receipt(reg) + [Notice("alert", "clerk@x", "a", f"<a{reg.message}@x>", b"raw")]

    for i in range(1, 6):
        apply(database, record(database, i), report(i), ACCEPT, at, receipt_and_alert, caps)
    kinds = database.execute("SELECT kind, count(*) FROM outbox GROUP BY kind ORDER BY kind").fetchall()
    assert kinds == [("alert", 5), ("receipt", 3)]
    suppressed = database.execute("SELECT count(*) FROM audit WHERE event = 'notice-suppressed'").fetchone()[0]
    assert suppressed == 2
    # All five documents are registered all the same.
    assert database.execute("SELECT count(*) FROM entries").fetchone()[0] == 5



def test_office_cap_defers_notices_in_order_and_alerts_once(database):
    """Over the office-wide cap nothing is dropped: later notices get later send slots, in
    arrival order, no window holds more than the cap, and the clerk hears of it once."""
    from mailbot.register.apply import NoticeCaps

    at = datetime(2026, 11, 20, 9, 0, tzinfo=VN)
    caps = NoticeCaps(per_recipient_per_hour=100, per_hour=3, window_seconds=600)
    alerts = []

    def deferral_alert(send_at):
        alerts.append(send_at)
        return Notice("notices-deferred", "clerk@x", "chậm", f"<d{len(alerts)}@x>", b"raw")

    def own_receipt(reg):
        return [Notice("receipt", f"s{reg.message}@dan.vn", "r", f"<r{reg.message}@x>", b"raw")]

    start = datetime.now(timezone.utc)
    for i in range(1, 11):
        apply(database, record(database, i), report(i), ACCEPT, at, own_receipt, caps, deferral_alert)
    rows = database.execute("SELECT message, next_attempt_at, scheduled_at FROM outbox WHERE kind = 'receipt' "
                            "ORDER BY message").fetchall()
    assert [r[0] for r in rows] == list(range(1, 11))          # every document acknowledged
    slots = [datetime.fromisoformat(r[1]) for r in rows]
    assert slots == sorted(slots)                               # in arrival order
    assert all(r[1] == r[2] for r in rows)
    assert all(s - start < timedelta(seconds=5) for s in slots[:3])     # the first three go at once
    for k in range(len(slots) - 3):                             # at most 3 in any 600-second window
        assert slots[k + 3] - slots[k] >= timedelta(seconds=600)
    assert len(alerts) == 1                                     # told once, with the first deferred slot
    assert alerts[0] == slots[3]
    alert_rows = database.execute("SELECT recipient, next_attempt_at, scheduled_at FROM outbox "
                                  "WHERE kind = 'notices-deferred'").fetchall()
    assert len(alert_rows) == 1 and alert_rows[0][2] is None    # the alert itself is not paced
    assert datetime.fromisoformat(alert_rows[0][1]) - start < timedelta(seconds=5)
    deferred = database.execute("SELECT count(*) FROM audit WHERE event = 'notice-deferred'").fetchone()[0]
    assert deferred == 7


def test_search_ignores_accents_and_finds_codes_and_older_registers(tmp_path):
    from dataclasses import replace

    from mailbot.register.listing import search_entries

    path = tmp_path / "s.sqlite3"
    db = dbmod.connect(path)
    ensure_books(db, [("den", "Sổ đến")])
    at = datetime(2026, 11, 20, 9, 0, tzinfo=VN)
    docs = [DocumentFields(code="1234/QĐ-UBND", subject="Thu hồi đất đai tại huyện Bình Sơn"),
            DocumentFields(code="59/KH-UBND", subject="Phòng chống lũ lụt tỉnh Đồng Nai")]
    for i, doc in enumerate(docs, start=1):
        apply(db, record(db, i), replace(report(i), document=doc), ACCEPT, at, receipt)

    def found(text):
        return [r["code"] for r in search_entries(db, text)]

    assert found("dat dai") == ["1234/QĐ-UBND"]
    assert found("ĐỒNG NAI") == ["59/KH-UBND"] and found("dong na") == ["59/KH-UBND"]
    assert found("1234/QĐ") == ["1234/QĐ-UBND"]
    assert found("khong co van ban nay") == []

    # A register written before the search index existed is indexed when opened.
    db.execute("DELETE FROM meta WHERE key = 'fts_built'")
    db.execute("INSERT INTO entries_fts(entries_fts) VALUES ('delete-all')")
    assert found("dat dai") == []
    db.close()
    db = dbmod.connect(path)
    assert found("dat dai") == ["1234/QĐ-UBND"]
