"""What a clerk changes in an entry after registration, each change audited with before/after.

- `edit`: correct fields the reader got wrong or could not read (never the số đến, the book,
  the arrival date or the files);
- `void`: an entry registered by mistake is marked void; its number stays taken and is never
  reused (Decree 30/2020 Art. 22: numbers run in order without gaps);
- `paper_received` / `undo_paper_received`: the paper original arrived (date, person); an entry
  that needs no paper is refused unless forced; recording it twice changes nothing;
- `history`: the audit trail of an entry.

Each is one transaction. The audit is append-only (store/audit), so a mistake is corrected by a
new event, never by rewriting an old one. The desk's folder actions call the same functions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlite_utils

from mailbot.store import audit, entries
from mailbot.store.entries import EDITABLE
from mailbot.store.schema import transaction
from mailbot.util.textfold import fold

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CHOICES = {
    "urgency": ("Hỏa tốc", "Thượng khẩn", "Khẩn"),
    "secrecy": ("Mật", "Tối mật", "Tuyệt mật"),
    "sender_class": ("agency", "organisation", "citizen"),
}


class CorrectionError(ValueError):
    """A change the register refuses, in words the clerk can act on."""


@dataclass(frozen=True)
class Change:
    entry: int
    changed: bool                   # False: nothing to do (already so)
    before: dict[str, Any]
    after: dict[str, Any]


def parse_assignments(items: list[str]) -> dict[str, Any]:
    """["subject=Về việc …", "page_amount=3", "signer_name="] → values (empty → None), checked."""
    out: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or name not in EDITABLE:
            raise CorrectionError(f"{item!r}: write FIELD=VALUE with FIELD one of: {', '.join(EDITABLE)}")
        out[name] = _checked(name, value.strip() or None)
    return out


def _checked(name: str, value: str | None) -> Any:
    if value is None:
        return None
    if name in ("issued_date", "due_date"):
        try:
            if not _ISO.match(value):
                raise ValueError
            date.fromisoformat(value)
        except ValueError:
            raise CorrectionError(f"{name}: write a date as YYYY-MM-DD, e.g. 2026-12-02 (found {value!r})") from None
    if name == "page_amount":
        if not value.isdigit() or int(value) < 1:
            raise CorrectionError(f"page_amount: write a whole number of pages, e.g. 3 (found {value!r})")
        return int(value)
    if name in _CHOICES and value not in _CHOICES[name]:
        raise CorrectionError(f"{name}: write one of {', '.join(_CHOICES[name])} (found {value!r})")
    return value


def _entry(conn, entry: int) -> dict[str, Any]:
    row = entries.load(conn, entry)
    if row is None:
        raise CorrectionError(f"no entry {entry}")
    return row


def edit(db: sqlite_utils.Database, entry: int, values: dict[str, Any], *, by: str, reason: str) -> Change:
    """Correct fields of an entry; the new values are searchable at once."""
    if not values:
        raise CorrectionError("nothing to change: give FIELD=VALUE")
    with transaction(db) as conn:
        row = _entry(conn, entry)
        if row["void"]:
            raise CorrectionError(f"entry {row['arrival_number']}/{row['year']} is void; it is not edited")
        before = {k: row[k] for k in values}
        changed = {k: v for k, v in values.items() if row[k] != v}
        if changed:
            search = fold(" ".join(str(x) for x in (row["search_text"], *changed.values()) if x))
            entries.update_fields(conn, entry, changed, search)
            audit.append(conn, "edited", entry=entry, by=by, reason=reason,
                         before={k: before[k] for k in changed}, after=changed)
    return Change(entry, bool(changed), before, {**before, **changed})


def void(db: sqlite_utils.Database, entry: int, *, by: str, reason: str) -> Change:
    """Mark an entry void; its số đến stays taken. Voiding it again changes nothing."""
    with transaction(db) as conn:
        row = _entry(conn, entry)
        if row["void"]:
            return Change(entry, False, {"void": True}, {"void": True})
        entries.set_void(conn, entry, reason)
        audit.append(conn, "voided", entry=entry, by=by, reason=reason, before={"void": False}, after={"void": True})
    return Change(entry, True, {"void": False}, {"void": True})


def paper_received(db: sqlite_utils.Database, entry: int, *, by: str, on: str | None = None,
                   force: bool = False) -> Change:
    """Record the paper original: when (`on`, default today) and who received it."""
    on = _checked("issued_date", on) if on else date.today().isoformat()
    with transaction(db) as conn:
        row = _entry(conn, entry)
        before = _paper(row)
        if row["paper_received"]:
            return Change(entry, False, before, before)          # recorded already: idempotent
        if not row["paper_copy_required"] and not force:
            raise CorrectionError(
                f"entry {row['arrival_number']}/{row['year']} needs no paper original "
                "(electronic only, or trusted-signed); use --force to record one anyway")
        entries.mark_paper_received(conn, entry, on, by)
        after = {"paper_received": True, "paper_received_at": on, "paper_received_by": by}
        audit.append(conn, "paper-received", entry=entry, by=by, before=before, after=after, forced=force)
    return Change(entry, True, before, after)


def undo_paper_received(db: sqlite_utils.Database, entry: int, *, by: str, reason: str | None = None) -> Change:
    """Take back a paper-received record made by mistake."""
    with transaction(db) as conn:
        row = _entry(conn, entry)
        before = _paper(row)
        if not row["paper_received"]:
            return Change(entry, False, before, before)
        entries.unmark_paper_received(conn, entry)
        after = {"paper_received": False, "paper_received_at": None, "paper_received_by": None}
        audit.append(conn, "paper-received-undone", entry=entry, by=by, reason=reason, before=before, after=after)
    return Change(entry, True, before, after)


def _paper(row: dict[str, Any]) -> dict[str, Any]:
    return {"paper_received": bool(row["paper_received"]), "paper_received_at": row["paper_received_at"],
            "paper_received_by": row["paper_received_by"]}


def history(db: sqlite_utils.Database, entry: int) -> list[dict[str, Any]]:
    """The audit trail of an entry, oldest first."""
    return audit.of_entry(db, entry)
