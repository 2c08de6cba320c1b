"""`messages`: every raw message received, and its state (received → processed | duplicate).

A row is recorded right after the spool write and before the source hears anything
(docs/DESIGN.md §3.1); `sha256` is UNIQUE, so the same bytes find their row again.
"""

from __future__ import annotations

from typing import Any

from mailbot.store.schema import Connection, dict_row, dict_rows, now_utc


def find_by_sha256(conn: Connection, sha256: str) -> int | None:
    """The message already recorded with these bytes, if any."""
    row = conn.execute("SELECT id FROM messages WHERE sha256 = ?", (sha256,)).fetchone()
    return row[0] if row else None


def record_received(conn: Connection, *, sha256: str, size: int, spool_path: str, source: str,
                    mailbox: str | None, envelope_from: str | None, envelope_to: str,
                    delivered_at: str, spooled_at: str) -> int:
    """A newly spooled message, in state `received`; its id. `envelope_to` is a JSON list."""
    cur = conn.execute(
        "INSERT INTO messages(sha256, size, spool_path, source, mailbox, envelope_from, envelope_to, "
        "delivered_at, spooled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (sha256, size, spool_path, source, mailbox, envelope_from, envelope_to, delivered_at, spooled_at))
    return cur.lastrowid


def pending_ids(conn: Connection, limit: int | None = None) -> list[int]:
    """Messages received and not yet decided, oldest first (at most `limit`)."""
    return [r[0] for r in conn.execute(
        "SELECT id FROM messages WHERE state = 'received' ORDER BY id LIMIT ?",
        (-1 if limit is None else limit,)).fetchall()]


def load(conn: Connection, message: int) -> dict[str, Any] | None:
    """Every column of one message, or None when it is not recorded."""
    return dict_row(conn, "SELECT * FROM messages WHERE id = ?", (message,))


def sha256_of(conn: Connection, message: int) -> str:
    (sha256,) = conn.execute("SELECT sha256 FROM messages WHERE id = ?", (message,)).fetchone()
    return sha256


def count_attempt(conn: Connection, message: int) -> None:
    """One more try at processing the message (counted before inspection starts)."""
    conn.execute("UPDATE messages SET attempts = attempts + 1 WHERE id = ?", (message,))


def record_failure(conn: Connection, message: int, error: str) -> None:
    """Why the last try failed (the message stays `received`)."""
    conn.execute("UPDATE messages SET last_error = ? WHERE id = ?", (error, message))


def outcome(conn: Connection, message: int) -> tuple[str, str | None, int | None] | None:
    """(state, decision, duplicate_of), or None when the message is not recorded."""
    row = conn.execute("SELECT state, decision, duplicate_of FROM messages WHERE id = ?", (message,)).fetchone()
    return None if row is None else tuple(row)


def processed_with_message_id(conn: Connection, message_id: str, mailbox: str | None,
                              other_than: int) -> int | None:
    """The first processed message with this Message-ID in this mailbox (a delivery again)."""
    row = conn.execute(
        "SELECT id FROM messages WHERE message_id = ? AND mailbox IS ? AND id != ? "
        "AND state = 'processed' ORDER BY id LIMIT 1",
        (message_id, mailbox, other_than),
    ).fetchone()
    return row[0] if row else None


def mark_duplicate(conn: Connection, message: int, *, duplicate_of: int, decision: str,
                   message_id: str | None, report: str) -> None:
    """Decided as a delivery again of `duplicate_of`; `report` is JSON."""
    conn.execute(
        "UPDATE messages SET state = 'duplicate', duplicate_of = ?, decision = ?, message_id = ?, "
        "report = ?, processed_at = ? WHERE id = ?",
        (duplicate_of, decision, message_id, report, now_utc(), message))


def mark_processed(conn: Connection, message: int, *, decision: str, message_id: str | None,
                   report: str) -> None:
    """Decided (and registered, when it was accepted); `report` is JSON."""
    conn.execute(
        "UPDATE messages SET state = 'processed', decision = ?, message_id = ?, report = ?, "
        "processed_at = ? WHERE id = ?",
        (decision, message_id, report, now_utc(), message))


def overview(conn: Connection) -> list[tuple[int, str, str | None, str | None]]:
    """(id, state, decision, report JSON) of every message, oldest first."""
    return conn.execute("SELECT id, state, decision, report FROM messages ORDER BY id").fetchall()


def unfinished_work(conn: Connection, now: str) -> int:
    """How many things still wait: messages to decide, notices due at `now`, scans to read."""
    return conn.execute(
        "SELECT (SELECT count(*) FROM messages WHERE state = 'received') + "
        "(SELECT count(*) FROM outbox WHERE state = 'pending' AND next_attempt_at <= ?) + "
        "(SELECT count(*) FROM ocr_jobs WHERE state IN ('pending', 'running'))",
        (now,)).fetchone()[0]


# -- held for a person (review, quarantine): decided, not registered --------------------

HELD = ("review", "quarantine")

_HELD_SQL = ("SELECT m.id, m.decision, m.mailbox, m.delivered_at, m.processed_at, m.report, m.sha256 "
             "FROM messages m WHERE m.state = 'processed' AND m.decision IN ('review', 'quarantine') "
             "AND NOT EXISTS (SELECT 1 FROM entries e WHERE e.message = m.id)")


def held(conn: Connection, decision: str | None = None) -> list[dict[str, Any]]:
    """Messages held for a person (of one kind when `decision` is given), oldest first."""
    if decision is None:
        return dict_rows(conn, _HELD_SQL + " ORDER BY m.id")
    return dict_rows(conn, _HELD_SQL + " AND m.decision = ? ORDER BY m.id", (decision,))


def held_one(conn: Connection, message: int) -> dict[str, Any] | None:
    """One held message (as `held()` lists it), or None when it is not held."""
    return dict_row(conn, _HELD_SQL + " AND m.id = ?", (message,))


def held_summary(conn: Connection) -> dict[str, tuple[int, str | None]]:
    """decision → (how many held, when the oldest of them was delivered)."""
    rows = conn.execute("SELECT decision, count(*), min(delivered_at) FROM (" + _HELD_SQL + ") "
                        "GROUP BY decision").fetchall()
    return {d: (n, oldest) for d, n, oldest in rows}


def by_message_id(conn: Connection, mailbox: str | None, message_id: str) -> int | None:
    """The decided message of this mailbox with this Message-ID (not a duplicate), if exactly known."""
    rows = conn.execute("SELECT id FROM messages WHERE mailbox IS ? AND message_id = ? AND state = 'processed' "
                        "ORDER BY id", (mailbox, message_id)).fetchall()
    return rows[0][0] if len(rows) == 1 else None


def count_waiting(conn: Connection) -> int:
    """Messages recorded but not yet decided (the daemon's STATUS line)."""
    return conn.execute("SELECT count(*) FROM messages WHERE state = 'received'").fetchone()[0]


def counts_by_mailbox(conn: Connection) -> list[tuple[str | None, str, str | None, int]]:
    """(mailbox, state, decision, how many) of every message: `status --json` and the STATUS line."""
    return conn.execute("SELECT mailbox, state, decision, count(*) FROM messages "
                        "GROUP BY mailbox, state, decision ORDER BY mailbox, state, decision").fetchall()
