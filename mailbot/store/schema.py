"""The one SQLite file: schema and connection settings.

Tables
- messages      every raw message ever received (spooled first), with its state
- books, counters   register books and their yearly số đến counters
- entries       the incoming-document register (one row per registered document)
- attachments   the files of each message, with their format outcome
- signatures    one row per PDF signature found
- audit         append-only event log (UPDATE/DELETE refused by triggers)
- outbox        notices to send, with retry state
- ocr_jobs      scans to read after registration
- imap_seen     (mailbox, folder, uidvalidity, uid) → message, for exactly-once IMAP intake
                (its companion `imap_folders` is created by `store.imap`)

The queries live beside it, one module per table family: `messages`, `entries` (books,
counters, entries, attachments, signatures), `outbox`, `audit`, `ocr_jobs`, `imap`. Their
functions take a connection — the one a caller's `transaction()` gives, or the database
itself outside a transaction — and never open a transaction of their own, except
`imap.FolderState`, whose every method is one.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

import sqlite_utils

# What the table modules' functions take: both have execute(sql, params).
Connection = sqlite3.Connection | sqlite_utils.Database

SCHEMA = """
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
    -- document fields (docs/DESIGN.md §8); empty until read from the document
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


def _v1_outbox_pacing(conn: sqlite3.Connection) -> None:
    """Notices deferred under the office's sending cap, and notices that could not be composed."""
    conn.execute("ALTER TABLE outbox ADD COLUMN scheduled_at TEXT")   # send slot under the global cap
    conn.execute("ALTER TABLE outbox ADD COLUMN compose TEXT")        # JSON inputs to compose it again
    conn.execute("CREATE INDEX IF NOT EXISTS outbox_scheduled ON outbox(scheduled_at) "
                 "WHERE scheduled_at IS NOT NULL")


def _v2_report_runs(conn: sqlite3.Connection) -> None:
    """Scheduled reports for leaders: one row per report period and recipient list, so each
    period's report goes out once, through restarts (`store.statistics`)."""
    conn.execute("CREATE TABLE IF NOT EXISTS report_runs ("
                 "period TEXT NOT NULL, recipients TEXT NOT NULL, "
                 "state TEXT NOT NULL, "            # sending | sent | failed
                 "attempts INTEGER NOT NULL DEFAULT 0, error TEXT, "
                 "started_at TEXT NOT NULL, finished_at TEXT, "
                 "PRIMARY KEY (period, recipients))")


def _v3_desk(conn: sqlite3.Connection) -> None:
    """The clerk's desk: when paper originals came and cases were closed, what each folder move
    did, and the runs of scheduled jobs (one per job and slot)."""
    conn.execute("ALTER TABLE entries ADD COLUMN paper_received_at TEXT")   # when the paper original came
    conn.execute("ALTER TABLE entries ADD COLUMN done_at TEXT")             # handled (NĐ 30 Art. 24)
    conn.execute("""
        CREATE TABLE IF NOT EXISTS desk_moves (
            mailbox TEXT NOT NULL, folder TEXT NOT NULL, uidvalidity INTEGER NOT NULL, uid INTEGER NOT NULL,
            message INTEGER REFERENCES messages(id),  -- NULL: a message mailbot never saw
            action TEXT NOT NULL,                     -- release | refuse | paper | done
            outcome TEXT NOT NULL,                    -- applied | already | not-applicable | unknown
            detail TEXT,
            at TEXT NOT NULL,
            PRIMARY KEY (mailbox, folder, uidvalidity, uid))""")
    conn.execute("""
        CREATE TABLE IF NOT EXISTS job_runs (
            job TEXT NOT NULL, slot TEXT NOT NULL,    -- e.g. digest, 2026-12-08
            started_at TEXT NOT NULL, finished_at TEXT, outcome TEXT,
            PRIMARY KEY (job, slot))""")


def _v4_raw_retention(conn: sqlite3.Connection) -> None:
    """When the raw message was removed from the spool under storage.keep_raw_days (NULL: kept)."""
    conn.execute("ALTER TABLE messages ADD COLUMN raw_removed_at TEXT")


def _v5_citizens(conn: sqlite3.Connection) -> None:
    """Who wrote (sender class, a person's or business's name, address, addressee), entries a
    clerk voided, links between entries (a re-sent copy, a corrected version, a reply), and who
    received the paper original when."""
    for column in ("sender_class TEXT", "sender_name TEXT", "sender_address TEXT", "addressee TEXT",
                   "void INTEGER NOT NULL DEFAULT 0", "void_reason TEXT",
                   "related_to INTEGER REFERENCES entries(id)", "related_kind TEXT",
                   "paper_received_by TEXT"):      # paper_received_at: added by _v3_desk
        conn.execute(f"ALTER TABLE entries ADD COLUMN {column}")
    # Re-sent documents are found by the bytes of their files.
    conn.execute("CREATE INDEX IF NOT EXISTS attachments_sha256 ON attachments(sha256)")
    conn.execute("CREATE INDEX IF NOT EXISTS entries_message_id ON entries(message_id)")
    # An entry's history (`register history N`) is read from the audit by entry and message.
    conn.execute("CREATE INDEX IF NOT EXISTS audit_entry ON audit(entry)")
    conn.execute("CREATE INDEX IF NOT EXISTS audit_message ON audit(message)")


# Forward migrations: MIGRATIONS[n] upgrades a register at PRAGMA user_version n to n + 1.
# Version 0 is SCHEMA above, as every register made before versions were recorded has it.
# Append only; never edit a migration that has shipped.
MIGRATIONS = (_v1_outbox_pacing, _v2_report_runs, _v3_desk, _v4_raw_retention, _v5_citizens)
SCHEMA_VERSION = len(MIGRATIONS)


class SchemaTooNew(RuntimeError):
    """The register was written by a newer mailbot: this one refuses to touch it."""


def schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def pre_upgrade_path(path: Path, version: int) -> Path:
    """Where the copy of a register taken before upgrading it from `version` goes."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return path.parent / "backups" / f"pre-upgrade-v{version}-to-v{SCHEMA_VERSION}-{stamp}.sqlite3"


def snapshot(source: Path, target: Path) -> None:
    """A consistent copy of the database file `source`, taken while others write to it
    (SQLite online backup in one step: one read transaction, the state as of its start)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    conn = sqlite3.connect(Path(source).resolve().as_uri() + "?mode=ro", uri=True, timeout=30)
    copy = sqlite3.connect(str(partial))
    try:
        conn.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")     # one self-contained file
    finally:
        copy.close()
        conn.close()
    fd = os.open(partial, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(partial, target)


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    if schema_version(conn) == SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")          # another process may be migrating the same file
    try:
        version = schema_version(conn)       # read again under the lock: it may have done it
        if version > SCHEMA_VERSION:
            raise SchemaTooNew(f"the register {path} is at schema version {version}, newer than this "
                               f"mailbot ({SCHEMA_VERSION}): upgrade mailbot, or restore the pre-upgrade backup")
        if version < SCHEMA_VERSION and conn.execute("SELECT count(*) FROM messages").fetchone()[0]:
            # A register in use: keep it as it was, so the upgrade can be undone (docs/ADMIN.md).
            # Taken (through a second connection) under our write lock: nothing slips in between.
            snapshot(path, pre_upgrade_path(path, version))
        for step in MIGRATIONS[version:]:
            step(conn)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def connect(path: Path | str) -> sqlite_utils.Database:
    """Open (and create or upgrade) the database. One connection per thread."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout=30000")   # first: two threads may create the file at once
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")   # a committed registration survives power loss
    conn.execute("PRAGMA foreign_keys=ON")
    try:
        conn.executescript(SCHEMA)
        conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', '0')")
        _migrate(conn, path)
        if conn.execute("SELECT 1 FROM meta WHERE key = 'fts_built'").fetchone() is None:
            # A register from before the search index: index what is there, once.
            conn.execute("INSERT INTO entries_fts(entries_fts) VALUES ('rebuild')")
            conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('fts_built', '1')")
    except BaseException:
        conn.close()
        raise
    return sqlite_utils.Database(conn)


def connect_readonly(path: Path | str) -> sqlite3.Connection | None:
    """The register opened for reading only (no creation, no migration), or None when there is
    none yet: `mailbot explain` looks up earlier entries without changing anything."""
    path = Path(path)
    if not path.exists():
        return None
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)


class transaction:
    """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on error: the write lock is taken up front."""

    def __init__(self, db: sqlite_utils.Database):
        self.conn = db.conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None:
            self.conn.execute("COMMIT")
        else:
            self.conn.execute("ROLLBACK")
        return False


def utc_iso(moment: datetime) -> str:
    """A send time as the outbox stores it: UTC, fixed width (to the microsecond), so that
    times compare correctly as text."""
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def now_utc() -> str:
    """Now, as the register's `…_at` columns store it: UTC, ISO 8601, to the second."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def dict_rows(conn: Connection, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """The rows of a query as dicts keyed by column name."""
    cursor = conn.execute(sql, params)
    columns = [c[0] for c in cursor.description]
    return [dict(zip(columns, row)) for row in cursor.fetchall()]


def dict_row(conn: Connection, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
    """The first row of a query as a dict, or None."""
    cursor = conn.execute(sql, params)
    row = cursor.fetchone()
    return None if row is None else dict(zip([c[0] for c in cursor.description], row))
