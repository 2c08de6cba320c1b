"""The IMAP watcher's exactly-once state in the database, and the one fact it reads about messages.

`imap_folders` keeps, per (mailbox, watched folder), the UIDVALIDITY and the
UID high-water mark; `imap_seen` maps each (mailbox, folder, UIDVALIDITY, UID)
to its message and, once the source is flagged and moved, to `moved_to`.
Rows without `moved_to` are the sources still waiting to be moved: a crash
between receive and move leaves exactly those, and the watcher finishes them
first. Every SQL statement the IMAP watcher (`intake/imap/watcher`) runs is here.
"""

from __future__ import annotations

import sqlite_utils

from mailbot.store import schema as dbmod
from mailbot.store.schema import now_utc

GONE = "(gone)"                        # imap_seen.moved_to: the source vanished before we moved it

STATE_SCHEMA = """
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

# The sources not yet moved, and those of them the processor has decided.
NOT_MOVED_SQL = ("SELECT uid, message FROM imap_seen WHERE mailbox=? AND folder=? AND uidvalidity=? "
                 "AND moved_to IS NULL ORDER BY uid")
DECIDED_NOT_MOVED_SQL = ("SELECT s.uid FROM imap_seen s JOIN messages m ON m.id = s.message "
                         "WHERE s.mailbox=? AND s.folder=? AND s.moved_to IS NULL AND m.state != 'received' "
                         "LIMIT 100")

ADVANCE_SQL = ("UPDATE imap_folders SET last_seen_uid=MAX(last_seen_uid, ?), updated_at=? "
               "WHERE mailbox=? AND folder=? AND uidvalidity=?")


def ensure_schema(db: sqlite_utils.Database) -> None:
    """The watcher's tables and indexes (the database itself is created by `db.connect`)."""
    db.conn.executescript(STATE_SCHEMA)


def committed_outcome(db: sqlite_utils.Database, message: int) -> str | None:
    """The committed decision of a message, or None while it waits for processing.

    Read from the database, not from process()'s return value: the message
    may have been processed by another thread or before a crash.
    """
    row = db.conn.execute("SELECT state, decision FROM messages WHERE id=?", (message,)).fetchone()
    if row is None or row[0] == "received":
        return None
    return row[1] or "review"


class FolderState:
    """The exactly-once record of one watched folder of one mailbox."""

    def __init__(self, db: sqlite_utils.Database, mailbox: str, folder: str):
        self.db = db
        self.mailbox = mailbox
        self.folder = folder            # NFC, as configured: the key, not the server's spelling

    # -- UIDVALIDITY and the high-water mark -------------------------------------
    def known(self) -> tuple[int, int] | None:
        """(UIDVALIDITY, last seen UID) as recorded, or None before the first sync."""
        row = self.db.conn.execute("SELECT uidvalidity, last_seen_uid FROM imap_folders "
                                   "WHERE mailbox=? AND folder=?", (self.mailbox, self.folder)).fetchone()
        return None if row is None else (int(row[0]), int(row[1]))

    def start(self, uidvalidity: int) -> None:
        """First sync of the folder: nothing seen yet."""
        with dbmod.transaction(self.db) as c:
            c.execute("INSERT INTO imap_folders(mailbox, folder, uidvalidity, last_seen_uid, updated_at) "
                      "VALUES (?, ?, ?, 0, ?)", (self.mailbox, self.folder, uidvalidity, now_utc()))

    def change_uidvalidity(self, uidvalidity: int) -> None:
        """The server renumbered the folder: the high-water mark goes back to 0, the old
        UIDVALIDITY is kept as `previous_uidvalidity`."""
        with dbmod.transaction(self.db) as c:
            c.execute("UPDATE imap_folders SET previous_uidvalidity=uidvalidity, uidvalidity=?, "
                      "last_seen_uid=0, updated_at=? WHERE mailbox=? AND folder=?",
                      (uidvalidity, now_utc(), self.mailbox, self.folder))

    def advance(self, uidvalidity: int, uid: int) -> None:
        """Every UID up to `uid` has been dealt with (or vanished)."""
        with dbmod.transaction(self.db) as c:
            c.execute(ADVANCE_SQL, (uid, now_utc(), self.mailbox, self.folder, uidvalidity))

    # -- seen UIDs and their moves ---------------------------------------------------
    def record_seen(self, uidvalidity: int, uid: int, message: int | None, moved_to: str | None = None) -> None:
        """UID → message, and the high-water mark, in one transaction."""
        with dbmod.transaction(self.db) as c:
            c.execute("INSERT INTO imap_seen(mailbox, folder, uidvalidity, uid, message, moved_to) "
                      "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(mailbox, folder, uidvalidity, uid) "
                      "DO UPDATE SET message=excluded.message, moved_to=COALESCE(moved_to, excluded.moved_to)",
                      (self.mailbox, self.folder, uidvalidity, uid, message, moved_to))
            c.execute(ADVANCE_SQL, (uid, now_utc(), self.mailbox, self.folder, uidvalidity))

    def mark_moved(self, uidvalidity: int, uids: list[int], target: str) -> None:
        with dbmod.transaction(self.db) as c:
            c.executemany("UPDATE imap_seen SET moved_to=? WHERE mailbox=? AND folder=? AND uidvalidity=? AND uid=?",
                          [(target, self.mailbox, self.folder, uidvalidity, uid) for uid in uids])

    def mark_gone(self, uidvalidity: int, uid: int) -> None:
        """The source left the folder before we moved it (moved by us before a crash, or by a person)."""
        self.mark_moved(uidvalidity, [uid], GONE)

    def waiting_to_move(self, uidvalidity: int) -> list[tuple[int, int | None]]:
        """(uid, message) of the sources received but not yet moved, in UID order."""
        rows = self.db.conn.execute(NOT_MOVED_SQL, (self.mailbox, self.folder, uidvalidity)).fetchall()
        return [(int(uid), message) for uid, message in rows]

    def decided_waiting(self) -> list[int]:
        """UIDs (at most 100) whose message the processor has decided but whose source is not moved yet."""
        rows = self.db.conn.execute(DECIDED_NOT_MOVED_SQL, (self.mailbox, self.folder)).fetchall()
        return [uid for (uid,) in rows]
