"""Queries behind backup, restore, verify-data and raw-message retention."""

from __future__ import annotations

from collections.abc import Iterator

from mailbot.store.schema import Connection


def integrity(conn: Connection) -> list[str]:
    """SQLite's own checks: 'ok' when the file is sound, then any broken reference."""
    result = [row[0] for row in conn.execute("PRAGMA integrity_check").fetchall()]
    result += [f"{table} row {rowid} refers to a missing {parent} row"
               for table, rowid, parent, _ in conn.execute("PRAGMA foreign_key_check").fetchall()]
    return result


def kept_raw(conn: Connection) -> Iterator[tuple[str, int]]:
    """(sha256, size) of every message whose raw bytes must be in the spool."""
    yield from conn.execute("SELECT sha256, size FROM messages WHERE raw_removed_at IS NULL ORDER BY id")


def numbers(conn: Connection) -> Iterator[tuple[str, int, int]]:
    """(book, year, số đến) of every entry, in order."""
    yield from conn.execute("SELECT book, year, arrival_number FROM entries ORDER BY book, year, arrival_number")


def counters(conn: Connection) -> dict[tuple[str, int], int]:
    return {(book, year): last for book, year, last in
            conn.execute("SELECT book, year, last_number FROM counters").fetchall()}


def entries_without_decided_message(conn: Connection) -> list[int]:
    return [row[0] for row in conn.execute(
        "SELECT e.id FROM entries e JOIN messages m ON m.id = e.message WHERE m.state != 'processed'")]


def raw_removable(conn: Connection, before: str) -> list[tuple[int, str]]:
    """(id, sha256) of messages done with before `before` whose raw bytes nothing waits for:
    decided and accepted or refused (review and quarantine wait for a person), no notice
    still to send (a notice or forward may be composed from the raw message again), no scan
    waiting to be read, no paper original awaited."""
    return conn.execute(
        "SELECT m.id, m.sha256 FROM messages m "
        "WHERE m.raw_removed_at IS NULL AND m.state IN ('processed', 'duplicate') "
        "AND m.processed_at IS NOT NULL AND m.processed_at < ? "
        "AND coalesce(m.decision, '') IN ('accept', 'refuse') "
        "AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.message = m.id AND o.state != 'sent') "
        "AND NOT EXISTS (SELECT 1 FROM ocr_jobs j WHERE j.message = m.id AND j.state IN ('pending', 'running')) "
        "AND NOT EXISTS (SELECT 1 FROM entries e WHERE e.message = m.id "
        "                AND e.paper_copy_required = 1 AND e.paper_received = 0) "
        "ORDER BY m.id", (before,)).fetchall()


def mark_raw_removed(conn: Connection, message: int, at: str) -> None:
    conn.execute("UPDATE messages SET raw_removed_at = ? WHERE id = ?", (at, message))
