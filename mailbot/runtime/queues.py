"""Every queue that can hold work, for administrators (Mailman's shunt and unshunt):

- `review`, `quarantine`: messages held for a person (decided, no entry);
- `outbox`: notices not on their way (unbuilt, failed, deferred under the office cap);
- `ocr`: scans waiting to be read or whose reading failed.

An item's id names its queue and its row: `review-12` and `quarantine-7` are message ids,
`outbox-34` an outbox row, `ocr-5` an OCR job. A bare number means an outbox row, as
`mailbot queue retry 34` always did.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

import sqlite_utils

from mailbot.dispatch.retry import retry_notices, stuck_notices
from mailbot.store import audit, messages, ocr_jobs, outbox
from mailbot.store.schema import transaction

QUEUES = ("review", "quarantine", "outbox", "ocr")
_ID = re.compile(r"^(?:(review|quarantine|outbox|ocr)-)?(\d+)$")


class QueueIdError(ValueError):
    """An id that names no queue item (the message says what to write instead)."""


@dataclass(frozen=True)
class ItemId:
    queue: str
    number: int

    def __str__(self) -> str:
        return f"{self.queue}-{self.number}"


def parse_id(text: str) -> ItemId:
    found = _ID.match(text.strip().lower())
    if not found:
        raise QueueIdError(f"{text!r} is not a queue id: write e.g. review-12, quarantine-7, outbox-34 or ocr-5 "
                           "(see `mailbot queue list`)")
    return ItemId(found.group(1) or "outbox", int(found.group(2)))


def _held_item(row: dict[str, Any]) -> dict[str, Any]:
    report = json.loads(row.get("report") or "{}")
    return {"id": f"{row['decision']}-{row['id']}", "queue": row["decision"], "message": row["id"],
            "mailbox": row["mailbox"], "since": row["delivered_at"], "sender": report.get("sender"),
            "subject": report.get("subject"),
            "reasons": [{"code": r.get("code"), "message_en": r.get("message_en"),
                         "message_vi": r.get("message_vi")} for r in report.get("reasons", ())]}


def _outbox_item(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "id": f"outbox-{row['id']}", "queue": "outbox", "since": row["created_at"]}


def _ocr_item(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "id": f"ocr-{row['id']}", "queue": "ocr", "since": row["created_at"]}


def items(db: sqlite_utils.Database, queue: str | None = None, now: datetime | None = None) -> list[dict[str, Any]]:
    """The items of one queue (all queues when None), each queue oldest first."""
    out: list[dict[str, Any]] = []
    for name in ((queue,) if queue else QUEUES):
        if name in messages.HELD:
            out += [_held_item(r) for r in messages.held(db, name)]
        elif name == "outbox":
            out += [_outbox_item(r) for r in stuck_notices(db, now)]
        elif name == "ocr":
            out += [_ocr_item(r) for r in ocr_jobs.stuck(db)]
    return out


def show(db: sqlite_utils.Database, item: ItemId) -> dict[str, Any] | None:
    """Everything about one item: the row, and for held messages their audit trail."""
    if item.queue in messages.HELD:
        row = messages.held_one(db, item.number)
        if row is None or row["decision"] != item.queue:
            return None
        return {**_held_item(row), "sha256": row["sha256"], "decided_at": row["processed_at"],
                "audit": audit.of_message(db, item.number)}
    if item.queue == "outbox":
        row = outbox.load_any(db, item.number)
        return None if row is None else {**row, "id": str(item), "queue": "outbox"}
    row = ocr_jobs.load(db, item.number)
    return None if row is None else {**row, "id": str(item), "queue": "ocr"}


def summary(db: sqlite_utils.Database, now: datetime | None = None) -> dict[str, dict[str, Any]]:
    """Per queue: how many items wait and when the oldest came (for `mailbot status`)."""
    held = messages.held_summary(db)
    out = {name: {"size": held.get(name, (0, None))[0], "oldest": held.get(name, (0, None))[1]}
           for name in messages.HELD}
    stuck = stuck_notices(db, now)
    out["outbox"] = {"size": len(stuck), "oldest": min((r["created_at"] for r in stuck), default=None)}
    ocr = ocr_jobs.summary(db)
    out["ocr"] = {"size": sum(n for n, _ in ocr.values()),
                  "failed": ocr.get("failed", (0, None))[0],
                  "oldest": min((o for _, o in ocr.values() if o), default=None)}
    return out


def retry_ocr(db: sqlite_utils.Database, job: int) -> bool:
    """A failed OCR job read again by the running daemon's OCR worker."""
    with transaction(db) as conn:
        row = ocr_jobs.load(conn, job)
        if row is None or not ocr_jobs.requeue_failed(conn, job):
            return False
        audit.append(conn, "ocr-retry", message=row["message"], entry=row["entry"], by="queue retry")
    return True


# -- acting on items ---------------------------------------------------------------------

# (item id, what happened, detail or None) for each item acted on.
Result = tuple[str, str, str | None]


def retry(rules, db: sqlite_utils.Database, desk_factory: Callable[[], Any], ids: list[ItemId] | None) -> list[Result]:
    """Retry the given items, or every retryable item of every queue when `ids` is None:
    held messages inspected again, notices composed or sent again, failed OCR jobs read again."""
    if ids is None:
        ids = [ItemId(m["decision"], m["id"]) for m in messages.held(db)]
        ids += [ItemId("outbox", n) for n in outbox.retryable(db, None, include_failed=True)]
        ids += [ItemId("ocr", j["id"]) for j in ocr_jobs.stuck(db) if j["state"] == "failed"]
    results: list[Result] = []
    desk = None
    for item in ids:
        if item.queue in messages.HELD:
            if show(db, item) is None:
                results.append((str(item), "not-found", f"no message {item.number} held in {item.queue}"))
                continue
            desk = desk or desk_factory()
            done = desk.retry(item.number)
            detail = ", ".join(r.code for r in done.decision.reasons) if done.decision else None
            results.append((str(item), done.result, detail))
        elif item.queue == "outbox":
            tried = retry_notices(rules, db, [item.number])
            if not tried:
                results.append((str(item), "not-found", "not an unbuilt or failed notice"))
            for _row, state, error in tried:
                results.append((str(item), "queued" if state == "pending" else "still-unbuilt", error))
        else:
            ok = retry_ocr(db, item.number)
            results.append((str(item), "queued" if ok else "not-found", None if ok else "not a failed OCR job"))
    return results
