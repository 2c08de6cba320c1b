"""The audit log: one row per event, append-only (triggers refuse UPDATE and DELETE).

Events and what they mean: docs/DESIGN.md §3.7.
"""

from __future__ import annotations

import json
from typing import Any

from mailbot.store.schema import Connection, dict_rows, now_utc


def append(conn: Connection, event: str, *, message: int | None = None, entry: int | None = None,
           **detail) -> None:
    """Record `event` now, about a message and/or an entry, with `detail` kept as JSON."""
    conn.execute(
        "INSERT INTO audit(at, message, entry, event, detail) VALUES (?, ?, ?, ?, ?)",
        (now_utc(), message, entry, event, json.dumps(detail, ensure_ascii=False, default=str)),
    )


def of_message(conn: Connection, message: int) -> list[dict[str, Any]]:
    """The events about one message, in order, their detail decoded."""
    rows = dict_rows(conn, "SELECT at, event, entry, detail FROM audit WHERE message = ? ORDER BY id", (message,))
    return [{**r, "detail": json.loads(r["detail"] or "{}")} for r in rows]


def of_entry(conn: Connection, entry: int) -> list[dict]:
    """The events about an entry (and about its message), oldest first, detail parsed."""
    rows = conn.execute(
        "SELECT at, event, detail FROM audit WHERE entry = ? OR message = (SELECT message FROM entries "
        "WHERE id = ?) ORDER BY id", (entry, entry)).fetchall()
    return [{"at": at, "event": event, **json.loads(detail or "{}")} for at, event, detail in rows]
