"""`desk_moves`: what mailbot did with each message a clerk moved into an action folder
(intake/imap/desk.py), keyed by its IMAP identity so a message is looked at once.
The action itself is idempotent (register.apply's state check, `paper_received_at`,
`done_at`), so a crash between the action and this row repeats nothing on restart."""

from __future__ import annotations

from mailbot.store.schema import Connection, now_utc


def seen(conn: Connection, mailbox: str, folder: str, uidvalidity: int, uid: int) -> bool:
    return conn.execute("SELECT 1 FROM desk_moves WHERE mailbox = ? AND folder = ? AND uidvalidity = ? AND uid = ?",
                        (mailbox, folder, uidvalidity, uid)).fetchone() is not None


def record(conn: Connection, *, mailbox: str, folder: str, uidvalidity: int, uid: int, message: int | None,
           action: str, outcome: str, detail: str | None = None) -> None:
    conn.execute("INSERT OR IGNORE INTO desk_moves(mailbox, folder, uidvalidity, uid, message, action, outcome, "
                 "detail, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (mailbox, folder, uidvalidity, uid, message, action, outcome, detail, now_utc()))

