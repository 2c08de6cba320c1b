"""The facts a notice template may use, gathered from the report and the register."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .config import Mailbox, Rules
from .model import Decision, MessageReport, NoticePlan
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


ALERT_TITLES = {
    "review": "Thư cần xem xét",
    "quarantine": "Thư bị giữ lại, cần người có thẩm quyền xử lý",
    "same-document": "Văn bản trùng số, ký hiệu",
}


def alert_plan(rules: Rules, reg: Registered) -> NoticePlan | None:
    """The clerk hears of a document registered twice under one number (NĐ 30 Phụ lục VI III.1.h)."""
    if reg.same_document_as is not None and rules.notices.clerk_address:
        return NoticePlan("alert", rules.notices.clerk_address)
    return None


def _alert(decision: Decision, reg: Registered, report: MessageReport) -> dict[str, Any]:
    lines = []
    if reg.same_document_as is not None:
        kind = "same-document"
        doc = report.document or {}
        lines.append(f"Văn bản số {doc.get('code')} của {doc.get('organ_name')} đã có trong sổ; "
                     f"bản mới vào sổ với số đến {reg.arrival_number}/{reg.year}")
    else:
        kind = decision.outcome
    if decision.outcome != "quarantine" and report.subject:
        lines.append(f"Tiêu đề thư: “{report.subject}”")   # withheld for quarantined mail
    return {"title": ALERT_TITLES.get(kind, "Thư cần xem xét"), "message": reg.message, "lines": lines}


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
        "paper": {
            "required": decision.paper_copy_required,
            "reason_vi": decision.paper_reason.message_vi if decision.paper_reason else None,
            "rule": decision.paper_reason.rule if decision.paper_reason else None,
        },
        "alert": _alert(decision, reg, report),
    }
