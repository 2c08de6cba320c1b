"""The facts a notice template may use, gathered from the report and the register."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .config import Mailbox, Rules
from .model import Decision, MessageReport
from .register import Registered


def vietnamese_time(moment: datetime) -> str:
    return f"{moment:%H:%M} ngày {moment:%d/%m/%Y}"


def _signature_line(signature: dict | None) -> str | None:
    if not signature:
        return None
    try:
        from .inspect.signatures import summary_vi

        return summary_vi(signature)
    except Exception:  # noqa: BLE001 - a notice must go out even if the summary fails
        return None


def notice_context(rules: Rules, report: MessageReport, decision: Decision, reg: Registered,
                   arrival: datetime, mailbox: Mailbox | None, book_name: str | None) -> dict[str, Any]:
    doc = report.document or {}
    attachment_reasons = {a.reason for a in report.attachments if a.reason is not None}
    return {
        "office_name": rules.office.name,
        "mailbox_address": mailbox.address if mailbox else rules.notices.from_address,
        "email_subject": report.subject,
        "email_date": report.date,
        "sender": report.sender,
        "book_name": book_name,
        "arrival_number": reg.arrival_number,
        "year": reg.year,
        "arrival_date": vietnamese_time(arrival),
        "document": {k: doc.get(k) for k in ("code", "type_name", "subject", "organ_name")},
        "attachments": [
            {
                "filename": a.filename,
                "format": a.format,
                "allowed": a.allowed,
                "reason_vi": a.reason.message_vi if a.reason else None,
                "signature_line": _signature_line(a.signature),
            }
            for a in report.attachments
        ],
        # Attachment-level reasons are shown beside each attachment, not twice.
        "reasons": [{"code": r.code, "message_vi": r.message_vi} for r in decision.reasons
                    if r not in attachment_reasons],
        "decision": decision.outcome,
    }
