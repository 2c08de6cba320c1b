"""How a new message relates to the register (inside the registering transaction).

- **Re-sent**: every file in an allowed format is byte-identical to the files of
  an entry already registered (under any Message-ID). It takes no new số đến;
  the sender is told the earlier number, and the paper-copy state is the
  earlier entry's (invariant 2, docs/DESIGN.md §3.2).
- **Corrected**: the same số, ký hiệu and issuer with different bytes (a
  "thay thế" version) is registered and linked to the earlier entry; the clerk
  is told both numbers and what differs.
- **Reply**: a message whose In-Reply-To/References name a registered message
  or one of our notices is linked to that entry.

The shapes returned here are the JSON of `explain` (`duplicate_of`, `related_to`)
and of `register export` (`related_to`).
"""

from __future__ import annotations

from typing import Any

from mailbot.model import MessageReport
from mailbot.store import entries
from mailbot.store.schema import Connection

_VERDICTS_VI = {
    "unsigned": "chưa ký số", "trusted-signed": "ký số tin cậy", "signed-untrusted": "ký số chưa xác minh",
    "signed-invalid": "chữ ký số không hợp lệ", "indeterminate": "chữ ký số chưa xác định",
    "unreadable": "không đọc được",
}


def _allowed_files(report: MessageReport) -> list[str]:
    return sorted({a.sha256 for a in report.attachments if a.allowed})


def reference(row: dict[str, Any], kind: str | None = None) -> dict[str, Any]:
    """{book, arrival_number, arrival_date} of an entry (with `kind` for a link)."""
    out = {"book": row["book"], "arrival_number": row["arrival_number"], "arrival_date": row["arrival_date"]}
    if kind:
        out["kind"] = kind
    return out


def resent_of(conn: Connection, message: int, report: MessageReport) -> dict[str, Any] | None:
    """The earlier entry holding exactly these files, with its paper-copy state; or None."""
    found = entries.registered_with_files(conn, _allowed_files(report), other_than_message=message)
    if found is None:
        return None
    row = entries.load(conn, found)
    return {**reference(row), "entry": found, "year": row["year"],
            "paper_copy_required": bool(row["paper_copy_required"]),
            "paper_received": bool(row["paper_received"]), "paper_received_at": row.get("paper_received_at")}


def preview(conn: Connection, report: MessageReport) -> tuple[dict | None, dict | None]:
    """(`duplicate_of`, `related_to`) of a message as registering it would find them, read only:
    what `mailbot explain` shows. A message already in the register is not its own duplicate."""
    from mailbot.store import messages

    own = messages.find_by_sha256(conn, report.sha256) or -1
    resent = resent_of(conn, own, report) if any(a.allowed for a in report.attachments) else None
    if resent is not None:
        return reference(resent), None
    doc = report.document
    same = (entries.same_document(conn, doc.code_number, doc.code_notation, doc.organ_name, other_than=-1)
            if doc and doc.code_number and doc.code_notation and doc.organ_name else None)
    if same is not None and entries.load(conn, same)["message"] != own:
        return None, related(conn, same, "correction")
    answered = entries.replied_to(conn, list(report.references))
    return None, related(conn, answered, "reply") if answered is not None else None


def related(conn: Connection, entry: int, kind: str) -> dict[str, Any]:
    return {**reference(entries.load(conn, entry), kind), "entry": entry}


def differences(conn: Connection, earlier: int, report: MessageReport) -> tuple[str, ...]:
    """What a corrected version changes, in the clerk's words: pages, signature, date."""
    row = entries.load(conn, earlier)
    doc = report.document
    out = []
    pages = sum(a.pages or 0 for a in report.attachments if a.allowed) or None
    if pages != row["page_amount"]:
        out.append(f"số trang {row['page_amount'] or '?'} → {pages or '?'}")
    verdict = next((a.signature.document.verdict for a in report.attachments if a.allowed and a.signature), None)
    if verdict != row["signature_verdict"]:
        out.append(f"chữ ký số: {_VERDICTS_VI.get(row['signature_verdict'], 'không có')} → "
                   f"{_VERDICTS_VI.get(verdict, 'không có')}")
    issued = doc.issued_date if doc else None
    if issued != row["issued_date"]:
        out.append(f"ngày văn bản {row['issued_date'] or '?'} → {issued or '?'}")
    if not out:
        out.append("nội dung tệp (các thông tin khác giống nhau)")
    return tuple(out)
