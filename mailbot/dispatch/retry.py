"""Notices that are not on their way: what is stuck in the outbox, and sending it again.

Three kinds of rows need a person or a second try:
- `unbuilt`: its template failed when the document was registered (the document was
  registered all the same); composed again from the inputs kept in `compose`;
- `failed`: the relay refused it for good, or every attempt was used up; set pending
  again with a fresh count of attempts;
- deferred: pending, but its send slot under the office-wide cap is still ahead (not
  stuck: shown so an administrator knows why a receipt has not left yet).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

import sqlite_utils

from mailbot.config import Rules
from mailbot.store import audit, outbox as outbox_rows
from mailbot.store.schema import transaction, utc_iso
from mailbot.register.apply import notice_caps, send_slot
from mailbot.dispatch.compose import compose_notice
from mailbot.spool.store import Spool
from mailbot.util.errors import short_error

log = logging.getLogger("mailbot.dispatch")



def outbox_summary(db: sqlite_utils.Database, now: datetime | None = None) -> dict[str, Any]:
    """Counts by state, the deferred notices and when the last of them goes, the oldest unsent."""
    now = now or datetime.now(timezone.utc)
    counts = outbox_rows.counts_by_state(db)
    deferred, last = outbox_rows.deferred(db, utc_iso(now))
    oldest = outbox_rows.oldest_unsent(db)
    return {"pending": counts.get("pending", 0), "deferred": deferred, "deferred_until": last,
            "unbuilt": counts.get("unbuilt", 0), "failed": counts.get("failed", 0),
            "sent": counts.get("sent", 0), "oldest_unsent": oldest}


def stuck_notices(db: sqlite_utils.Database, now: datetime | None = None) -> list[dict[str, Any]]:
    """Unbuilt, failed and deferred notices, oldest first."""
    now = now or datetime.now(timezone.utc)
    rows = outbox_rows.stuck(db, utc_iso(now))
    for row in rows:
        if row["state"] == "pending":
            row["state"] = "deferred"
    return rows


def retry_notices(rules: Rules, db: sqlite_utils.Database, ids: Sequence[int] | None = None,
                  *, include_failed: bool = True) -> list[tuple[int, str, str | None]]:
    """Try again: compose unbuilt notices with today's templates, put failed ones back in line.
    `ids` None means every such row. Returns (id, state now, error or None) per row tried."""
    return [_retry_one(rules, db, row_id)
            for row_id in outbox_rows.retryable(db, ids, include_failed=include_failed)]


def _retry_one(rules: Rules, db: sqlite_utils.Database, row_id: int) -> tuple[int, str, str | None]:
    message, kind, recipient, state, inputs = outbox_rows.load_for_retry(db, row_id)
    now = datetime.now(timezone.utc)
    if state == "failed":
        with transaction(db) as conn:
            outbox_rows.requeue_failed(conn, row_id, utc_iso(now))
            audit.append(conn, "notice-retry", message=message, kind=kind, to=recipient, was="failed")
        log.info("notice %d (%s to %s) put back in line", row_id, kind, recipient)
        return row_id, "pending", None
    try:
        spec = json.loads(inputs or "{}")
        original = Spool(rules.spool_dir).load(spec["original"]) if spec.get("original") else None
        forward = spec["context"].get("forward") or {}
        composed = compose_notice(kind, spec["context"], rules, recipient=recipient,
                                  in_reply_to=spec.get("in_reply_to"), references=spec.get("references") or (),
                                  seed=spec["seed"], original=original,
                                  urgent=kind == "forward" and bool(forward.get("urgent")))
    except Exception as exc:  # noqa: BLE001 - still broken: say why, keep the row
        error = short_error(exc)
        outbox_rows.note_error(db, row_id, error)
        log.warning("notice %d (%s to %s) still cannot be composed: %s", row_id, kind, recipient, error)
        return row_id, "unbuilt", error
    with transaction(db) as conn:
        send_at = send_slot(conn, notice_caps(rules), now)
        outbox_rows.store_composed(conn, row_id, subject=composed.subject, message_id=composed.message_id,
                                   raw=composed.raw, send_at=utc_iso(send_at))
        audit.append(conn, "notice-retry", message=message, kind=kind, to=recipient, was="unbuilt")
    log.info("notice %d (%s to %s) composed and queued", row_id, kind, recipient)
    return row_id, "pending", None
