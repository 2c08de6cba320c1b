"""`outbox`: the notices to send and their retry state (pending → sent | failed; unbuilt
until composed), and the meta key that marks a deferral episode under the office-wide cap.

`UNIQUE (message, kind, recipient)`: at most one notice of a kind per message and person
(docs/DESIGN.md §3.3). Send times (`next_attempt_at`, `scheduled_at`) are written by the
callers in a fixed-width UTC form, so they compare correctly as text.
"""

from __future__ import annotations

from typing import Any, Sequence

from mailbot.store.schema import Connection, dict_row, dict_rows, now_utc

_DEFERRAL_OPEN = "notices_deferred_since"   # meta key: set while a deferral episode lasts


# -- queueing (inside the register transaction) ---------------------------------------

def queue(conn: Connection, *, message: int, kind: str, recipient: str, subject: str, message_id: str,
          raw: bytes, envelope_sender: str, send_at: str, scheduled_at: str | None) -> bool:
    """A composed notice, pending from `send_at` (`scheduled_at`: its slot under the office-wide
    cap, None when exempt). False when the message already has this kind of notice to this person."""
    cursor = conn.execute(
        "INSERT OR IGNORE INTO outbox(message, kind, recipient, subject, message_id, raw, envelope_sender, "
        "state, attempts, next_attempt_at, created_at, scheduled_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)",
        (message, kind, recipient, subject, message_id, raw, envelope_sender, send_at, now_utc(), scheduled_at))
    return cursor.rowcount > 0


def queue_unbuilt(conn: Connection, *, message: int, kind: str, recipient: str, message_id: str,
                  envelope_sender: str, send_at: str, error: str | None, compose: str | None) -> None:
    """A notice whose templates failed: kept with why (`error`) and what composing it again
    needs (`compose`, JSON), for `mailbot queue retry` or the dispatcher."""
    conn.execute(
        "INSERT OR IGNORE INTO outbox(message, kind, recipient, subject, message_id, raw, envelope_sender, "
        "state, attempts, next_attempt_at, created_at, last_error, compose) "
        "VALUES (?, ?, ?, '', ?, X'', ?, 'unbuilt', 0, ?, ?, ?, ?)",
        (message, kind, recipient, message_id, envelope_sender, send_at, now_utc(), error, compose))


def queued_to_since(conn: Connection, recipient: str, since: str) -> int:
    """How many notices to `recipient` were queued since `since` (the per-correspondent cap)."""
    return conn.execute("SELECT count(*) FROM outbox WHERE recipient = ? AND created_at >= ?",
                        (recipient, since)).fetchone()[0]


def slot_places_back(conn: Connection, places: int) -> str | None:
    """The send slot `places` places back from the latest one handed out (0: the latest), or
    None when fewer slots were ever handed out."""
    row = conn.execute("SELECT scheduled_at FROM outbox WHERE scheduled_at IS NOT NULL "
                       "ORDER BY scheduled_at DESC LIMIT 1 OFFSET ?", (places,)).fetchone()
    return None if row is None else row[0]


def has_notice(conn: Connection, message: int, kind: str, recipient: str) -> bool:
    """Whether a notice of this kind to this person was queued for the message."""
    return conn.execute("SELECT 1 FROM outbox WHERE message = ? AND kind = ? AND recipient = ?",
                        (message, kind, recipient)).fetchone() is not None


def open_deferral(conn: Connection, since: str) -> bool:
    """Mark a deferral episode as open; True when it was not open already."""
    return conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)",
                        (_DEFERRAL_OPEN, since)).rowcount > 0


def close_deferral(conn: Connection) -> None:
    """The deferral episode, if any, is over."""
    conn.execute("DELETE FROM meta WHERE key = ?", (_DEFERRAL_OPEN,))


# -- sending --------------------------------------------------------------------------

def pending_times(conn: Connection) -> list[tuple[int, str]]:
    """(id, next_attempt_at as stored) of every pending notice."""
    return conn.execute("SELECT id, next_attempt_at FROM outbox WHERE state = 'pending'").fetchall()


def load_pending(conn: Connection, notice: int) -> dict[str, Any] | None:
    """What sending a notice needs, or None when it is no longer pending."""
    return dict_row(conn, "SELECT id, message, kind, recipient, message_id, raw, envelope_sender, attempts, "
                          "created_at FROM outbox WHERE id = ? AND state = 'pending'", (notice,))


def claim(conn: Connection, notice: int, attempts: int, lease_until: str) -> bool:
    """Count an attempt and push the next one to `lease_until`, if the row is still pending with
    `attempts` attempts (compare-and-set: two dispatchers never send a row together)."""
    cursor = conn.execute(
        "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ? "
        "WHERE id = ? AND state = 'pending' AND attempts = ?",
        (lease_until, notice, attempts))
    return cursor.rowcount == 1


def reschedule(conn: Connection, notice: int, when: str, error: str) -> None:
    """A pending notice not sent now: tried again at `when`, with why it was not sent."""
    conn.execute("UPDATE outbox SET next_attempt_at = ?, last_error = ? WHERE id = ? AND state = 'pending'",
                 (when, error, notice))


def fail(conn: Connection, notice: int, error: str) -> None:
    """A pending notice given up for good."""
    conn.execute("UPDATE outbox SET state = 'failed', last_error = ? WHERE id = ? AND state = 'pending'",
                 (error, notice))


def mark_sent(conn: Connection, notice: int, sent_at: str) -> None:
    conn.execute("UPDATE outbox SET state = 'sent', sent_at = ?, last_error = NULL WHERE id = ?",
                 (sent_at, notice))


# -- what is stuck, and trying it again -------------------------------------------------

def counts_by_state(conn: Connection) -> dict[str, int]:
    return dict(conn.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall())


def deferred(conn: Connection, now: str) -> tuple[int, str | None]:
    """(how many notices wait for a send slot after `now`, when the last of them goes)."""
    count, last = conn.execute(
        "SELECT count(*), max(next_attempt_at) FROM outbox WHERE state = 'pending' AND scheduled_at > ? "
        "AND attempts = 0", (now,)).fetchone()
    return count, last


def oldest_unsent(conn: Connection) -> str | None:
    """When the oldest notice still pending or unbuilt was queued."""
    return conn.execute("SELECT min(created_at) FROM outbox WHERE state IN ('pending', 'unbuilt')").fetchone()[0]


def stuck(conn: Connection, now: str) -> list[dict[str, Any]]:
    """Unbuilt, failed, and pending-but-deferred-past-`now` notices, oldest first."""
    return dict_rows(
        conn,
        "SELECT id, message, kind, recipient, state, attempts, next_attempt_at, created_at, last_error "
        "FROM outbox WHERE state IN ('unbuilt', 'failed') "
        "OR (state = 'pending' AND scheduled_at > ? AND attempts = 0) ORDER BY id", (now,))


def retryable(conn: Connection, ids: Sequence[int] | None, *, include_failed: bool) -> list[int]:
    """Ids of the unbuilt (and failed) notices, of those in `ids` when given, in order."""
    where = "state = 'unbuilt'" + (" OR state = 'failed'" if include_failed else "")
    query = f"SELECT id FROM outbox WHERE ({where})"
    params: list[Any] = []
    if ids is not None:
        if not ids:
            return []
        query += f" AND id IN ({', '.join('?' for _ in ids)})"
        params = list(ids)
    return [row_id for (row_id,) in conn.execute(query + " ORDER BY id", params).fetchall()]


def load_for_retry(conn: Connection, notice: int) -> tuple[int, str, str, str, str | None]:
    """(message, kind, recipient, state, compose JSON) of a notice."""
    return tuple(conn.execute("SELECT message, kind, recipient, state, compose FROM outbox WHERE id = ?",
                              (notice,)).fetchone())


def requeue_failed(conn: Connection, notice: int, send_at: str) -> None:
    """A failed notice back in line, with a fresh count of attempts."""
    conn.execute("UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = ? "
                 "WHERE id = ? AND state = 'failed'", (send_at, notice))


def note_error(conn: Connection, notice: int, error: str) -> None:
    conn.execute("UPDATE outbox SET last_error = ? WHERE id = ?", (error, notice))


def store_composed(conn: Connection, notice: int, *, subject: str, message_id: str, raw: bytes,
                   send_at: str) -> None:
    """An unbuilt notice composed at last: pending from its send slot `send_at`."""
    conn.execute(
        "UPDATE outbox SET state = 'pending', subject = ?, message_id = ?, raw = ?, next_attempt_at = ?, "
        "scheduled_at = ?, last_error = NULL, compose = NULL WHERE id = ? AND state = 'unbuilt'",
        (subject, message_id, raw, send_at, send_at, notice))


def overview(conn: Connection) -> list[tuple[str, str, str, str]]:
    """(kind, recipient, subject, state) of every notice, oldest first."""
    return conn.execute("SELECT kind, recipient, subject, state FROM outbox ORDER BY id").fetchall()


def load_any(conn: Connection, notice: int) -> dict[str, Any] | None:
    """One notice in any state, without its bytes."""
    return dict_row(conn, "SELECT id, message, kind, recipient, subject, message_id, state, attempts, "
                          "next_attempt_at, scheduled_at, last_error, created_at, sent_at FROM outbox WHERE id = ?",
                    (notice,))
