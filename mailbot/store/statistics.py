"""Reading the register for periodic reports (`mailbot report`), and the record of scheduled
report runs (`report_runs`, one row per report period and recipient list, so a report goes
out once per period, also across restarts).

Entries are selected by their legal receipt time (`arrival_date`, ISO 8601 in the office
time zone, so the bounds compare as text when given in the same zone). Messages that took
no number carry only `delivered_at` (UTC): they are read over a wider window and the caller
keeps those whose legal receipt time falls inside the period.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from mailbot.store.schema import Connection, dict_rows, now_utc


def entries_received(conn: Connection, start: str, end: str, book: str | None = None) -> list[dict[str, Any]]:
    """Entries whose ngày đến lies in [start, end) (ISO 8601, office time zone), in register order."""
    sql = ("SELECT id, book, year, arrival_number, arrival_date, delivered_at, message, mailbox, sender, "
           "organ_name, type_name, decision, paper_copy_required, paper_received, signature_verdict "
           "FROM entries WHERE arrival_date >= ? AND arrival_date < ?")
    params: list[Any] = [start, end]
    if book:
        sql += " AND book = ?"
        params.append(book)
    return dict_rows(conn, sql + " ORDER BY book, year, arrival_number", tuple(params))


def unregistered_delivered(conn: Connection, start_utc: str, end_utc: str) -> list[dict[str, Any]]:
    """Messages decided without taking a number (refused, held for review, quarantined), not
    deliveries again, delivered in [start_utc, end_utc) (UTC ISO 8601)."""
    return dict_rows(conn, (
        "SELECT m.id, m.mailbox, m.delivered_at, m.decision, m.report FROM messages m "
        "WHERE m.state = 'processed' AND m.delivered_at >= ? AND m.delivered_at < ? "
        "AND NOT EXISTS (SELECT 1 FROM entries e WHERE e.message = m.id) ORDER BY m.id"),
        (start_utc, end_utc))


def notices_of(conn: Connection, message_ids: Iterable[int]) -> list[dict[str, Any]]:
    """The notices queued for these messages: kind, state and when each was sent."""
    return dict_rows(conn, (
        "SELECT message, kind, state, sent_at FROM outbox "
        "WHERE message IN (SELECT value FROM json_each(?)) ORDER BY message, id"),
        (json.dumps(list(message_ids)),))


def entries_in_range(conn: Connection, book: str, start: str, end: str, first: int | None = None,
                     last: int | None = None) -> list[dict[str, Any]]:
    """A book's entries with ngày đến in [start, end) (and số đến in [first, last] when given),
    every column, in register order: what the printed register shows."""
    sql = "SELECT * FROM entries WHERE book = ? AND arrival_date >= ? AND arrival_date < ?"
    params: list[Any] = [book, start, end]
    if first is not None:
        sql += " AND arrival_number >= ?"
        params.append(first)
    if last is not None:
        sql += " AND arrival_number <= ?"
        params.append(last)
    return dict_rows(conn, sql + " ORDER BY year, arrival_number", tuple(params))


def book_name(conn: Connection, book: str) -> str | None:
    row = conn.execute("SELECT name FROM books WHERE id = ?", (book,)).fetchone()
    return row[0] if row else None


# -- scheduled report runs ----------------------------------------------------------------

def report_run_state(conn: Connection, period: str, recipients: str) -> str | None:
    """`sending`, `sent`, `failed`, or None when this report was never started."""
    row = conn.execute("SELECT state FROM report_runs WHERE period = ? AND recipients = ?",
                       (period, recipients)).fetchone()
    return row[0] if row else None


def start_report_run(conn: Connection, period: str, recipients: str) -> None:
    """Record that the report for `period` to `recipients` (a stable text key) is being sent.
    A run left `sending` by a crash is sent again: the same Message-ID, at least once."""
    conn.execute("INSERT INTO report_runs(period, recipients, state, attempts, started_at) "
                 "VALUES (?, ?, 'sending', 1, ?) ON CONFLICT(period, recipients) DO UPDATE SET "
                 "state = 'sending', attempts = attempts + 1, started_at = excluded.started_at",
                 (period, recipients, now_utc()))


def finish_report_run(conn: Connection, period: str, recipients: str, state: str,
                      error: str | None = None) -> None:
    """How a run ended: `sent`, or `failed` with why (a failed run is tried again later)."""
    conn.execute("UPDATE report_runs SET state = ?, error = ?, finished_at = ? WHERE period = ? AND recipients = ?",
                 (state, error, now_utc(), period, recipients))


def report_runs(conn: Connection) -> list[dict[str, Any]]:
    return dict_rows(conn, "SELECT * FROM report_runs ORDER BY started_at, period")
