"""A register exactly as mailbot 0.1 wrote it: PRAGMA user_version 0, the baseline schema.

`build_legacy_register(path)` writes one with raw SQL of that schema: two register books,
entries numbered across two years (2025 and 2026), attachments, a signature, notices sent,
pending and failed, the audit log, IMAP state and OCR jobs — what an office upgrading from
0.1 has on disk. The DDL below is a frozen copy of what 0.1 executed (mailbot/db.py SCHEMA
and the IMAP watcher's STATE_SCHEMA as of commit 98bb8a0). It must never follow later
schema changes: it is what the migrations start from (docs/DESIGN.md §10, a schema change).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

# Frozen: the SCHEMA of mailbot/db.py in 0.1. Never edit it; a schema change is a new migration.
V0_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);

CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    size INTEGER NOT NULL,
    spool_path TEXT NOT NULL,
    source TEXT NOT NULL,               -- smtp | file | imap
    mailbox TEXT,                       -- configured mailbox id, when known
    envelope_from TEXT,
    envelope_to TEXT,                   -- JSON list
    message_id TEXT,                    -- Message-ID header as received, when readable
    delivered_at TEXT NOT NULL,         -- ISO 8601 with offset: when the message reached us / the server
    spooled_at TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'received',  -- received | processed | duplicate
    decision TEXT,                      -- accept | refuse | review | quarantine
    duplicate_of INTEGER REFERENCES messages(id),
    report TEXT,                        -- JSON: reasons and inspection summary
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    processed_at TEXT
);
CREATE INDEX IF NOT EXISTS messages_state ON messages(state);
CREATE INDEX IF NOT EXISTS messages_mid ON messages(mailbox, message_id);

CREATE TABLE IF NOT EXISTS books (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS counters (
    book TEXT NOT NULL REFERENCES books(id),
    year INTEGER NOT NULL,
    last_number INTEGER NOT NULL,
    PRIMARY KEY (book, year)
);

CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY,
    book TEXT NOT NULL REFERENCES books(id),
    year INTEGER NOT NULL,
    arrival_number INTEGER NOT NULL,    -- số đến
    arrival_date TEXT NOT NULL,         -- legal receipt time (ngày đến)
    delivered_at TEXT NOT NULL,
    message INTEGER NOT NULL UNIQUE REFERENCES messages(id),
    mailbox TEXT,
    message_id TEXT,
    sender TEXT,
    email_subject TEXT,
    -- document fields (DESIGN §8); empty until read from the document
    code TEXT, code_number TEXT, code_notation TEXT, type_name TEXT,
    organ_name TEXT, parent_organ TEXT, place TEXT, issued_date TEXT,
    subject TEXT, urgency TEXT, secrecy TEXT,
    signer_name TEXT, signer_position TEXT, signer_competence TEXT, signer_title TEXT,
    to_places TEXT,                     -- JSON list
    page_amount INTEGER,
    field_sources TEXT,                 -- JSON: field → where it was read from
    -- register columns of Decree 30 Phụ lục VI not filled automatically yet
    field TEXT, recipient_unit TEXT, due_date TEXT, storage_place TEXT, notes TEXT,
    decision TEXT NOT NULL,
    paper_copy_required INTEGER NOT NULL DEFAULT 0,
    paper_received INTEGER NOT NULL DEFAULT 0,
    signature_verdict TEXT,
    route TEXT,                         -- JSON
    search_text TEXT,                   -- folded (no diacritics, đ→d, lower case) for search
    created_at TEXT NOT NULL,
    UNIQUE (book, year, arrival_number)
);

CREATE INDEX IF NOT EXISTS entries_same_document ON entries(code_number, code_notation, organ_name);

-- Register search: the folded text (no diacritics, đ→d, lower case) indexed by FTS5,
-- kept in step with entries by triggers inside the same transactions.
-- '/' stays inside a token so a code like 1234/qd is one word; detail=none keeps the index small.
CREATE VIRTUAL TABLE IF NOT EXISTS entries_fts USING fts5(
    search_text, content='entries', content_rowid='id', tokenize="unicode61 tokenchars '/'",
    prefix='2 3 4', detail=none);
CREATE TRIGGER IF NOT EXISTS entries_fts_insert AFTER INSERT ON entries BEGIN
    INSERT INTO entries_fts(rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER IF NOT EXISTS entries_fts_update AFTER UPDATE OF search_text ON entries BEGIN
    INSERT INTO entries_fts(entries_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
    INSERT INTO entries_fts(rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER IF NOT EXISTS entries_fts_delete AFTER DELETE ON entries BEGIN
    INSERT INTO entries_fts(entries_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
END;

CREATE TABLE IF NOT EXISTS attachments (
    id INTEGER PRIMARY KEY,
    message INTEGER NOT NULL REFERENCES messages(id),
    position INTEGER NOT NULL,
    filename TEXT NOT NULL,
    original_filename TEXT,
    declared_type TEXT,
    format TEXT,
    mime TEXT,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    pages INTEGER,
    allowed INTEGER NOT NULL,
    reason_code TEXT,
    reason_vi TEXT,
    flags TEXT,                         -- JSON list
    UNIQUE (message, position)
);

CREATE TABLE IF NOT EXISTS signatures (
    id INTEGER PRIMARY KEY,
    attachment INTEGER NOT NULL REFERENCES attachments(id),
    field TEXT,
    signer TEXT, signer_org TEXT, serial TEXT, issuer TEXT,
    verdict TEXT, intact INTEGER, trusted INTEGER, modified_after_signing INTEGER,
    signing_time TEXT, timestamp_time TEXT,
    reasons_vi TEXT                     -- JSON list
);

CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    message INTEGER REFERENCES messages(id),
    entry INTEGER REFERENCES entries(id),
    event TEXT NOT NULL,
    detail TEXT                         -- JSON
);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;

CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY,
    message INTEGER NOT NULL REFERENCES messages(id),
    kind TEXT NOT NULL,                 -- receipt | refusal | paper-copy | review | forward | alert
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    message_id TEXT NOT NULL UNIQUE,    -- deterministic: a resend carries the same id
    raw BLOB NOT NULL,                  -- the complete RFC 5322 message
    envelope_sender TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'pending',   -- pending | sent | failed
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    UNIQUE (message, kind, recipient)   -- at most one notice of a kind per message and person
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox(state, next_attempt_at);
CREATE INDEX IF NOT EXISTS outbox_recent ON outbox(recipient, created_at);
CREATE INDEX IF NOT EXISTS outbox_created ON outbox(created_at);

CREATE TABLE IF NOT EXISTS ocr_jobs (
    id INTEGER PRIMARY KEY,
    message INTEGER NOT NULL REFERENCES messages(id),
    entry INTEGER NOT NULL UNIQUE REFERENCES entries(id),
    attachment_position INTEGER NOT NULL,   -- attachments.position of the scanned document
    state TEXT NOT NULL DEFAULT 'pending',  -- pending | running | done | failed
    attempts INTEGER NOT NULL DEFAULT 0,
    confidence REAL,
    error TEXT,
    created_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX IF NOT EXISTS ocr_jobs_state ON ocr_jobs(state);

CREATE TABLE IF NOT EXISTS imap_seen (
    mailbox TEXT NOT NULL,
    folder TEXT NOT NULL,
    uidvalidity INTEGER NOT NULL,
    uid INTEGER NOT NULL,
    message INTEGER REFERENCES messages(id),
    moved_to TEXT,                      -- folder the source was moved to, once done
    PRIMARY KEY (mailbox, folder, uidvalidity, uid)
);
"""

# Frozen: the IMAP watcher's STATE_SCHEMA in 0.1 (mailbot/intake/imap.py), run on each watcher start.
V0_IMAP_SCHEMA = """
CREATE TABLE IF NOT EXISTS imap_folders (
    mailbox TEXT NOT NULL,              -- configured mailbox id
    folder TEXT NOT NULL,               -- watched folder, NFC
    uidvalidity INTEGER NOT NULL,
    last_seen_uid INTEGER NOT NULL DEFAULT 0,   -- every UID up to here is in imap_seen (or vanished)
    previous_uidvalidity INTEGER,       -- the one before the last change, for the record
    updated_at TEXT NOT NULL,
    PRIMARY KEY (mailbox, folder)
);
-- Only the sources still to be moved: looked up on every sync and IDLE step, while a busy
-- mailbox has seen 100,000 UIDs in a year (the index it replaces served the lookup without
-- a UIDVALIDITY only by scanning them all: 10 ms each time).
DROP INDEX IF EXISTS imap_seen_pending;
CREATE INDEX IF NOT EXISTS imap_seen_waiting ON imap_seen(mailbox, folder, uidvalidity, uid)
    WHERE moved_to IS NULL;
"""


# What 0.1 kept in `meta`: it wrote schema_version '1' while PRAGMA user_version stayed 0.
V0_META = (("schema_version", "1"), ("fts_built", "1"))

BOOKS = (("den", "Sổ văn bản đến"), ("mat", "Sổ văn bản mật đến"))

# The tables 0.1 had, each with the columns it had (a migration may add columns, never drop one).
V0_TABLES = ("meta", "messages", "books", "counters", "entries", "attachments", "signatures", "audit",
             "outbox", "ocr_jobs", "imap_seen", "imap_folders")


@dataclass
class LegacyRegister:
    """What was written, for the tests to check against."""

    path: Path
    last_numbers: dict[tuple[str, int], int] = field(default_factory=dict)   # (book, year) → last số đến
    entries: list[tuple[str, int, int]] = field(default_factory=list)         # (book, year, số đến)
    pending_message: int | None = None     # received, not yet processed (0.1 stopped before it)
    outbox_states: dict[str, int] = field(default_factory=dict)


def _audit(conn: sqlite3.Connection, at: str, event: str, message: int | None = None,
           entry: int | None = None, **detail) -> None:
    conn.execute("INSERT INTO audit(at, message, entry, event, detail) VALUES (?, ?, ?, ?, ?)",
                 (at, message, entry, event, json.dumps(detail, ensure_ascii=False)))


def _message(conn: sqlite3.Connection, n: int, delivered_at: str, *, source: str = "smtp",
             mailbox: str = "ubnd", sender: str = "vanthu@sotc.quangngai.gov.vn", state: str = "processed",
             decision: str | None = "accept", duplicate_of: int | None = None) -> int:
    sha256 = f"{n:064x}"
    cur = conn.execute(
        "INSERT INTO messages(sha256, size, spool_path, source, mailbox, envelope_from, envelope_to, "
        "message_id, delivered_at, spooled_at, state, decision, duplicate_of, report, attempts, processed_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (sha256, 20_000 + n, f"/var/lib/mailbot/spool/{sha256[:2]}/{sha256}.eml", source, mailbox, sender,
         json.dumps(["vanthu@ubnd.quangngai.gov.vn"]), f"<m{n}@sotc.quangngai.gov.vn>", delivered_at,
         delivered_at, state, None if state == "received" else decision, duplicate_of,
         None if state == "received" else json.dumps({"reasons": [{"code": "accepted"}]}),
         0 if state == "received" else 1, None if state == "received" else delivered_at))
    _audit(conn, delivered_at, "received", cur.lastrowid, source=source, size=20_000 + n, sha256=sha256)
    return cur.lastrowid


def _entry(conn: sqlite3.Connection, legacy: LegacyRegister, message: int, book: str, arrival: str,
           delivered_at: str, *, code_number: str, code_notation: str, subject: str, folded: str,
           organ: str = "Sở Tài chính tỉnh Quảng Ngãi", paper_copy_required: int = 0,
           paper_received: int = 0, field_sources: dict | None = None, notes: str | None = None) -> int:
    year = int(arrival[:4])
    conn.execute("INSERT INTO counters(book, year, last_number) VALUES (?, ?, 1) "
                 "ON CONFLICT(book, year) DO UPDATE SET last_number = last_number + 1", (book, year))
    (number,) = conn.execute("SELECT last_number FROM counters WHERE book = ? AND year = ?",
                             (book, year)).fetchone()
    cur = conn.execute(
        "INSERT INTO entries(book, year, arrival_number, arrival_date, delivered_at, message, mailbox, message_id, "
        "sender, email_subject, code, code_number, code_notation, type_name, organ_name, place, issued_date, "
        "subject, signer_name, signer_position, to_places, page_amount, field_sources, notes, decision, "
        "paper_copy_required, paper_received, signature_verdict, search_text, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, 'ubnd', ?, 'vanthu@sotc.quangngai.gov.vn', ?, ?, ?, ?, 'Công văn', ?, "
        "'Quảng Ngãi', ?, ?, 'Nguyễn Văn An', 'Giám đốc', ?, 2, ?, ?, 'accept', ?, ?, ?, ?, ?)",
        (book, year, number, arrival, delivered_at, message, f"<m{message}@sotc.quangngai.gov.vn>",
         f"V/v {subject}", f"{code_number}/{code_notation}", code_number, code_notation, organ,
         arrival[:10], subject, json.dumps(["UBND tỉnh Quảng Ngãi"], ensure_ascii=False),
         json.dumps(field_sources or {"subject": "text"}), notes, paper_copy_required, paper_received,
         "trusted-signed" if book == "den" else None, folded, delivered_at))
    entry = cur.lastrowid
    _audit(conn, delivered_at, "registered", message, entry, book=book, year=year, arrival_number=number)
    legacy.entries.append((book, year, number))
    legacy.last_numbers[(book, year)] = number
    return entry


def _attachment(conn: sqlite3.Connection, message: int, position: int, filename: str, fmt: str,
                signer: str | None = None) -> None:
    cur = conn.execute(
        "INSERT INTO attachments(message, position, filename, original_filename, declared_type, format, mime, "
        "size, sha256, pages, allowed, reason_code, reason_vi, flags) "
        "VALUES (?, ?, ?, ?, 'application/octet-stream', ?, ?, 18000, ?, 2, 1, NULL, NULL, '[]')",
        (message, position, filename, filename, fmt, "application/pdf" if fmt == "pdf" else "application/zip",
         f"{message * 10 + position:064x}"))
    if signer:
        conn.execute(
            "INSERT INTO signatures(attachment, field, signer, signer_org, serial, issuer, verdict, intact, "
            "trusted, modified_after_signing, signing_time, timestamp_time, reasons_vi) "
            "VALUES (?, 'Signature1', ?, 'Sở Tài chính tỉnh Quảng Ngãi', '5f3a', 'Ban Cơ yếu Chính phủ', "
            "'trusted', 1, 1, 0, '2025-12-29T08:00:00+07:00', NULL, '[]')", (cur.lastrowid, signer))


def _notice(conn: sqlite3.Connection, legacy: LegacyRegister, message: int, kind: str, state: str,
            created_at: str, *, attempts: int = 0, next_attempt_at: str | None = None,
            last_error: str | None = None, sent_at: str | None = None) -> None:
    conn.execute(
        "INSERT INTO outbox(message, kind, recipient, subject, message_id, raw, envelope_sender, state, attempts, "
        "next_attempt_at, last_error, created_at, sent_at) VALUES (?, ?, 'vanthu@sotc.quangngai.gov.vn', ?, ?, ?, "
        "'', ?, ?, ?, ?, ?, ?)",
        (message, kind, f"[{kind}] thư số {message}", f"<{kind}.{message}@mailbot.ubnd.quangngai.gov.vn>",
         f"Subject: {kind} {message}\r\n\r\nxin chao\r\n".encode(), state, attempts,
         next_attempt_at or created_at, last_error, created_at, sent_at))
    _audit(conn, created_at, "notice-queued", message, kind=kind, to="vanthu@sotc.quangngai.gov.vn")
    legacy.outbox_states[state] = legacy.outbox_states.get(state, 0) + 1


def build_legacy_register(path: Path | str) -> LegacyRegister:
    """Write a 0.1 register at `path` (a new file) and describe what it holds."""
    path = Path(path)
    legacy = LegacyRegister(path)
    conn = sqlite3.connect(str(path), isolation_level=None)
    try:
        # As 0.1 opened every register (connect() of mailbot/db.py, then the IMAP watcher's tables).
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.executescript(V0_SCHEMA)
        conn.executescript(V0_IMAP_SCHEMA)
        conn.execute("BEGIN")
        conn.executemany("INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)", V0_META)
        conn.executemany("INSERT INTO books(id, name) VALUES (?, ?)", BOOKS)

        # 2025: three documents in the book of incoming documents, one refusal, the last one
        # received at 23:30 on 31 December office time (16:30 UTC).
        m1 = _message(conn, 1, "2025-12-29T02:10:00+00:00")
        _attachment(conn, m1, 1, "1520-STC-QLNS.pdf", "pdf", signer="Nguyễn Văn An")
        e1 = _entry(conn, legacy, m1, "den", "2025-12-29T09:10:00+07:00", "2025-12-29T02:10:00+00:00",
                    code_number="1520", code_notation="STC-QLNS", subject="dự toán ngân sách năm 2026",
                    folded="v/v du toan ngan sach nam 2026 1520/stc-qlns so tai chinh 1520-stc-qlns.pdf")
        _notice(conn, legacy, m1, "receipt", "sent", "2025-12-29T02:10:01+00:00", attempts=1,
                sent_at="2025-12-29T02:10:02+00:00")
        _audit(conn, "2025-12-29T02:10:01+00:00", "decided", m1, e1, decision="accept", reasons=["accepted"])

        m2 = _message(conn, 2, "2025-12-30T03:00:00+00:00")
        _attachment(conn, m2, 1, "to-trinh.docx", "docx")
        e2 = _entry(conn, legacy, m2, "den", "2025-12-30T10:00:00+07:00", "2025-12-30T03:00:00+00:00",
                    code_number="88", code_notation="TTr-STC", subject="đề nghị bổ sung kinh phí",
                    folded="v/v de nghi bo sung kinh phi 88/ttr-stc so tai chinh to-trinh.docx",
                    paper_copy_required=1, paper_received=1)
        _notice(conn, legacy, m2, "receipt", "sent", "2025-12-30T03:00:01+00:00", attempts=1,
                sent_at="2025-12-30T03:00:03+00:00")
        _notice(conn, legacy, m2, "paper-copy", "sent", "2025-12-30T03:00:01+00:00", attempts=2,
                sent_at="2025-12-30T03:05:00+00:00")
        _audit(conn, "2026-01-02T01:00:00+00:00", "paper-received", None, e2)

        m3 = _message(conn, 3, "2025-12-31T09:00:00+00:00", sender="nguoidan@gmail.com", decision="refuse")
        _attachment(conn, m3, 1, "anh.exe", "exe")
        _notice(conn, legacy, m3, "refusal", "failed", "2025-12-31T09:00:01+00:00", attempts=8,
                last_error="gave up after 8 attempts: 550 5.1.1 mailbox unavailable")
        _audit(conn, "2025-12-31T09:00:01+00:00", "decided", m3, decision="refuse",
               reasons=["no_allowed_attachment"])

        m4 = _message(conn, 4, "2025-12-31T16:30:00+00:00")
        _attachment(conn, m4, 1, "45-UBND.pdf", "pdf")
        _entry(conn, legacy, m4, "den", "2025-12-31T23:30:00+07:00", "2025-12-31T16:30:00+00:00",
               code_number="45", code_notation="UBND-KT", subject="kế hoạch công tác tháng 1",
               folded="v/v ke hoach cong tac thang 1 45/ubnd-kt so tai chinh 45-ubnd.pdf")

        # 2026: a new series; a scan read by OCR, the same message delivered again (a duplicate),
        # a secret document in its own book, the same document sent again, one message not yet
        # processed when 0.1 was stopped — the last three from IMAP.
        m5 = _message(conn, 5, "2026-01-02T02:00:00+00:00")
        _attachment(conn, m5, 1, "scan.pdf", "pdf")
        e5 = _entry(conn, legacy, m5, "den", "2026-01-02T09:00:00+07:00", "2026-01-02T02:00:00+00:00",
                    code_number="12", code_notation="QĐ-STC", subject="quyết định giao dự toán",
                    folded="v/v quyet dinh giao du toan 12/qd-stc so tai chinh scan.pdf",
                    field_sources={"subject": "ocr:91", "code": "ocr:88"})
        conn.execute("INSERT INTO ocr_jobs(message, entry, attachment_position, state, attempts, confidence, "
                     "created_at, finished_at) VALUES (?, ?, 1, 'done', 1, 90.5, ?, ?)",
                     (m5, e5, "2026-01-02T02:00:01+00:00", "2026-01-02T02:00:09+00:00"))
        _audit(conn, "2026-01-02T02:00:09+00:00", "ocr-completed", m5, e5, filled=["code", "subject"])
        _notice(conn, legacy, m5, "receipt", "sent", "2026-01-02T02:00:01+00:00", attempts=1,
                sent_at="2026-01-02T02:00:02+00:00")
        m6 = _message(conn, 6, "2026-01-02T02:05:00+00:00", state="duplicate", duplicate_of=m5)
        _audit(conn, "2026-01-02T02:05:01+00:00", "duplicate", m6, duplicate_of=m5)

        m7 = _message(conn, 7, "2026-01-05T01:00:00+00:00", source="imap")
        _attachment(conn, m7, 1, "mat.pdf", "pdf")
        _entry(conn, legacy, m7, "mat", "2026-01-05T08:00:00+07:00", "2026-01-05T01:00:00+00:00",
               code_number="3", code_notation="STC-M", subject="văn bản mật", folded="v/v van ban mat 3/stc-m")
        m8 = _message(conn, 8, "2026-01-05T02:00:00+00:00", source="imap")
        _attachment(conn, m8, 1, "scan-2.pdf", "pdf")
        e8 = _entry(conn, legacy, m8, "den", "2026-01-05T09:00:00+07:00", "2026-01-05T02:00:00+00:00",
                    code_number="12", code_notation="QĐ-STC", subject="quyết định giao dự toán",
                    folded="v/v quyet dinh giao du toan 12/qd-stc so tai chinh scan-2.pdf",
                    notes="Trùng số, ký hiệu và cơ quan ban hành với văn bản số đến 1/2026 (den)")
        _audit(conn, "2026-01-05T02:00:01+00:00", "same-document", m8, e8, earlier_entry=e5)
        conn.execute("INSERT INTO ocr_jobs(message, entry, attachment_position, created_at) VALUES (?, ?, 1, ?)",
                     (m8, e8, "2026-01-05T02:00:01+00:00"))
        _notice(conn, legacy, m8, "receipt", "pending", "2026-01-05T02:00:01+00:00", attempts=2,
                next_attempt_at="2026-01-05T02:10:00+00:00", last_error="421 4.3.2 try again later")
        m9 = _message(conn, 9, "2026-01-06T01:30:00+00:00", source="imap", state="received")
        legacy.pending_message = m9

        conn.executemany("INSERT INTO imap_seen(mailbox, folder, uidvalidity, uid, message, moved_to) "
                         "VALUES ('ubnd', 'INBOX', 1700000000, ?, ?, ?)",
                         [(101, m7, "Đã xử lý"), (102, m8, "Đã xử lý"), (103, m9, None)])
        conn.execute("INSERT INTO imap_folders(mailbox, folder, uidvalidity, last_seen_uid, updated_at) "
                     "VALUES ('ubnd', 'INBOX', 1700000000, 103, '2026-01-06T01:30:01+00:00')")
        conn.execute("COMMIT")
    finally:
        conn.close()
    return legacy
