"""`desk_moves`: what mailbot did with each message a clerk moved into an action folder
(intake/imap/desk.py), keyed by its IMAP identity so a message is looked at once.
The action itself is idempotent (register.apply's state check, `paper_received_at`,
`done_at`), so a crash between the action and this row repeats nothing on restart."""

from __future__ import annotations

from typing import Any

from mailbot.store.schema import Connection, dict_rows, now_utc


def seen(conn: Connection, mailbox: str, folder: str, uidvalidity: int, uid: int) -> bool:
    return conn.execute("SELECT 1 FROM desk_moves WHERE mailbox = ? AND folder = ? AND uidvalidity = ? AND uid = ?",
                        (mailbox, folder, uidvalidity, uid)).fetchone() is not None


def record(conn: Connection, *, mailbox: str, folder: str, uidvalidity: int, uid: int, message: int | None,
           action: str, outcome: str, detail: str | None = None) -> None:
    conn.execute("INSERT OR IGNORE INTO desk_moves(mailbox, folder, uidvalidity, uid, message, action, outcome, "
                 "detail, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (mailbox, folder, uidvalidity, uid, message, action, outcome, detail, now_utc()))


def unknown_since(conn: Connection, since: str) -> list[dict[str, Any]]:
    """Messages dropped into action folders that mailbot never saw, since `since` (UTC ISO)."""
    return dict_rows(conn, "SELECT mailbox, folder, uid, detail, at FROM desk_moves WHERE outcome = 'unknown' "
                           "AND at >= ? ORDER BY at", (since,))


def moves_of(conn: Connection, message: int) -> list[dict[str, Any]]:
    return dict_rows(conn, "SELECT mailbox, folder, action, outcome, at FROM desk_moves WHERE message = ? "
                           "ORDER BY at", (message,))
