"""`ocr_jobs`: scans queued by the register transaction, read later by the OCR worker
(pending → running → done | failed; a crash leaves `running`, requeued at start)."""

from __future__ import annotations

from typing import Any

from mailbot.store.schema import Connection, dict_row, dict_rows, now_utc


def queue(conn: Connection, message: int, entry: int, attachment_position: int) -> None:
    """Read the scan at `attachment_position` (from 1) of the message registered as `entry`."""
    conn.execute("INSERT INTO ocr_jobs(message, entry, attachment_position, created_at) "
                 "VALUES (?, ?, ?, ?)", (message, entry, attachment_position, now_utc()))


def next_pending(conn: Connection) -> dict[str, Any] | None:
    """The oldest pending job, every column, or None."""
    return dict_row(conn, "SELECT * FROM ocr_jobs WHERE state = 'pending' ORDER BY id LIMIT 1")


def mark_running(conn: Connection, job: int) -> None:
    """Taken up: one more attempt."""
    conn.execute("UPDATE ocr_jobs SET state = 'running', attempts = attempts + 1 WHERE id = ?", (job,))


def requeue_running(conn: Connection) -> None:
    """Jobs a crash left running are pending again."""
    conn.execute("UPDATE ocr_jobs SET state = 'pending' WHERE state = 'running'")


def state_of(conn: Connection, job: int) -> str:
    return conn.execute("SELECT state FROM ocr_jobs WHERE id = ?", (job,)).fetchone()[0]


def record_failure(conn: Connection, job: int, state: str, error: str) -> None:
    """A read that failed: `state` pending (tried again) or failed (given up)."""
    conn.execute("UPDATE ocr_jobs SET state = ?, error = ?, finished_at = ? WHERE id = ?",
                 (state, error, now_utc(), job))


def mark_done(conn: Connection, job: int, confidence: float, error: str | None) -> None:
    conn.execute("UPDATE ocr_jobs SET state = 'done', confidence = ?, error = ?, finished_at = ? WHERE id = ?",
                 (confidence, error, now_utc(), job))


def stuck(conn: Connection) -> list[dict[str, Any]]:
    """Failed jobs and those still waiting, oldest first, with the entry they fill."""
    return dict_rows(conn, "SELECT j.id, j.message, j.entry, j.state, j.attempts, j.error, j.created_at, "
                           "j.finished_at, e.book, e.year, e.arrival_number FROM ocr_jobs j "
                           "JOIN entries e ON e.id = j.entry WHERE j.state IN ('pending', 'running', 'failed') "
                           "ORDER BY j.id")


def load(conn: Connection, job: int) -> dict[str, Any] | None:
    return dict_row(conn, "SELECT * FROM ocr_jobs WHERE id = ?", (job,))


def requeue_failed(conn: Connection, job: int) -> bool:
    """A failed job pending again with a fresh count of attempts; False when it had not failed."""
    return conn.execute("UPDATE ocr_jobs SET state = 'pending', attempts = 0, error = NULL, finished_at = NULL "
                        "WHERE id = ? AND state = 'failed'", (job,)).rowcount == 1


def summary(conn: Connection) -> dict[str, tuple[int, str | None]]:
    """state → (how many jobs, when the oldest was queued), for pending, running and failed."""
    rows = conn.execute("SELECT state, count(*), min(created_at) FROM ocr_jobs "
                        "WHERE state IN ('pending', 'running', 'failed') GROUP BY state").fetchall()
    return {s: (n, oldest) for s, n, oldest in rows}
