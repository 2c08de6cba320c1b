"""The facts a notice template may use, gathered from the report and the register."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from mailbot.config import Mailbox, Rules
from mailbot.decide.workcalendar import receipt_time_vi
from mailbot.inspect.body_document import BODY_FLAG
from mailbot.inspect.sender_class import address_word
from mailbot.inspect.signature_text import summary_vi
from mailbot.model import Decision, DocumentFields, MessageReport, NoticePlan, SignatureReport
from mailbot.register.apply import Notice, Registered
from mailbot.util.errors import short_error

log = logging.getLogger("mailbot.dispatch.notices")


def vietnamese_time(moment: datetime) -> str:
    return f"{moment:%H:%M} ngày {moment:%d/%m/%Y}"


def _signature_line(signature: SignatureReport | None) -> str | None:
    if signature is None:
        return None
    try:
        return summary_vi(signature)
    except Exception:  # noqa: BLE001 - a notice must go out even if the summary fails
        return None


def document_context(doc: DocumentFields | None) -> dict[str, Any]:
    """The document fields templates may use (dispatch/compose `_DOCUMENT_KEYS`)."""
    doc = doc or DocumentFields()
    return {"code": doc.code, "type_name": doc.type_name, "subject": doc.subject, "organ_name": doc.organ_name,
            "urgency": doc.urgency, "sender_name": doc.sender_name}


ALERT_TITLES = {
    "urgent": "Văn bản khẩn đã đến, đã chuyển ngay",
    "nobody": "Văn bản chưa có người xử lý (người được phân công vắng mặt)",
    "review": "Thư cần xem xét",
    "quarantine": "Thư bị giữ lại, cần người có thẩm quyền xử lý",
    "same-document": "Văn bản trùng số, ký hiệu",
}


def _day(iso: str | None) -> str:
    return f"{datetime.fromisoformat(iso):%d/%m/%Y}" if iso else "?"


def _resent(reg: Registered) -> dict[str, Any] | None:
    """The earlier entry a re-sent document is registered under, and its paper state."""
    earlier = reg.resent_of
    if earlier is None:
        return None
    if not earlier["paper_copy_required"]:
        paper = None
    elif earlier["paper_received"]:
        when = earlier.get("paper_received_at")
        paper = "Bản giấy (bản chính) đã được nhận" + (f" ngày {_day(when)}" if when else "") + "."
    else:
        paper = "Bản giấy (bản chính) theo thông báo trước vẫn đang chờ; không cần gửi thêm bản điện tử."
    return {"arrival_number": earlier["arrival_number"], "year": earlier["year"],
            "arrival_date": _day(earlier["arrival_date"]), "paper": paper}


def alert_plan(rules: Rules, reg: Registered) -> NoticePlan | None:
    """The clerk hears of a document registered twice under one number (NĐ 30 Phụ lục VI III.1.h)."""
    if reg.same_document_as is not None and rules.notices.clerk_address:
        return NoticePlan("alert", rules.notices.clerk_address)
    return None


def _alert(decision: Decision, reg: Registered, report: MessageReport) -> dict[str, Any]:
    lines = []
    route = decision.route
    doc = report.document or DocumentFields()
    if reg.same_document_as is not None:
        kind = "same-document"
        earlier = reg.related or {}
        lines.append(f"Văn bản số {doc.code} của {doc.organ_name} đã có trong sổ với số đến "
                     f"{earlier.get('arrival_number', '?')} (ngày đến {_day(earlier.get('arrival_date'))}); "
                     f"bản mới vào sổ với số đến {reg.arrival_number}/{reg.year}, liên kết với bản trước")
        if reg.differences:
            lines.append("Khác với bản trước: " + "; ".join(reg.differences))
    elif route is not None and route.nobody_available:
        kind = "nobody"
    elif route is not None and route.urgent:
        kind = "urgent"
    else:
        kind = decision.outcome
    if route is not None and route.urgent:
        sent = ", ".join(route.forward_to) or "chưa chuyển được cho ai"
        lines.append(f"Văn bản {doc.urgency} số đến {reg.arrival_number}/{reg.year}: đã chuyển ngay "
                     f"cho {sent}")
    if route is not None and route.nobody_available:
        lines.append(f"Theo quy tắc “{route.name}”, người được phân công và những người thay đều vắng mặt: "
                     "văn thư cần chỉ định người xử lý")
    if decision.outcome != "quarantine" and report.subject:
        lines.append(f"Tiêu đề thư: “{report.subject}”")   # withheld for quarantined mail
    # Reasons belong to a held message; an accepted one's alert says what happened in `lines`.
    held = decision.outcome in ("review", "quarantine")
    reasons = [{"code": r.code, "message_vi": r.message_vi} for r in decision.reasons] if held else []
    return {"title": ALERT_TITLES.get(kind, "Thư cần xem xét"), "message": reg.message, "lines": lines,
            "reasons": reasons}


BODY_MISSING = ("attachment_missing", "body_too_short")


def addressing(writer: str, sender: str | None, document: DocumentFields | None) -> dict[str, Any]:
    """How a notice speaks to its reader: `sender_class`, `you` ("Quý cơ quan", "Ông/Bà", "Quý
    đơn vị") and the `salutation` of its "Kính gửi" line."""
    return {"sender_class": writer, "you": address_word(writer),
            "salutation": salutation(sender, document, writer)}


def salutation(sender: str | None, document: DocumentFields | None, writer: str) -> str:
    """The "Kính gửi" of a notice: the issuing body for an agency, "Ông/Bà name" for a person,
    the business's name for an organisation, the address alone when no name was read."""
    doc = document or DocumentFields()
    address = sender or ""
    if writer == "agency":
        name = doc.organ_name
    elif writer == "citizen":
        name = f"Ông/Bà {doc.sender_name}" if doc.sender_name else None
    else:
        name = doc.sender_name or doc.organ_name
    return f"{name} ({address})" if name and address else (name or address)


def notice_context(rules: Rules, report: MessageReport, decision: Decision, reg: Registered,
                   arrival: datetime, mailbox: Mailbox | None, book_name: str | None,
                   delivered_at: datetime | None = None) -> dict[str, Any]:
    """`arrival`: the legal receipt time; `delivered_at`: when the mail reached us (the receipt
    states both when they differ: Decision 57/2014 Art. 11.2)."""
    attachment_reasons = {a.reason for a in report.attachments if a.reason is not None}
    writer = report.sender_class or "agency"
    return {
        "office_name": rules.office.name,
        "office_address": rules.office.address,
        **addressing(writer, report.sender, report.document),
        "body_missing": any(r.code in BODY_MISSING for r in decision.reasons),
        "mailbox_address": mailbox.address if mailbox else rules.notices.from_address,
        "email_subject": report.subject,
        "email_date": report.date,
        "sender": report.sender,
        "book_name": book_name,
        "arrival_number": reg.arrival_number,
        "year": reg.year,
        "arrival_date": receipt_time_vi(delivered_at or arrival, arrival),
        "document": document_context(report.document),
        "attachments": [
            {
                "filename": a.filename,
                "format": a.format,
                "allowed": a.allowed,
                "reason_vi": a.reason.message_vi if a.reason else None,
                "signature_line": _signature_line(a.signature),
                "body": BODY_FLAG in a.flags,
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
        "resent": _resent(reg),
        "related": reg.related,
        "forward": _forward(rules, report, decision, arrival),
    }


def _forward(rules: Rules, report: MessageReport, decision: Decision, arrival: datetime) -> dict[str, Any]:
    """What a forward says about the routing (per recipient: `role` and `recipient_name` are
    added by build_notices)."""
    route = decision.route
    if route is None:
        return {"route": None, "urgent": False, "role": None, "recipient_name": None, "unit_name": None,
                "handler_name": None, "deadline": None, "deadline_source": None, "dossier": None,
                "substitutions": [], "paper": "", "signature": None}
    lines = []
    for sub in route.substitutions:
        until = f" đến hết ngày {sub.until:%d/%m/%Y}" if sub.until else ""
        if sub.deputy_name:
            lines.append(f"Ông/Bà {sub.person_name} vắng mặt{until}; văn bản được chuyển cho người thay: "
                         f"{sub.deputy_name}.")
        else:
            lines.append(f"Ông/Bà {sub.person_name} vắng mặt{until} và không có người thay trong danh sách; "
                         "văn thư sẽ chỉ định người xử lý.")
    if decision.ocr_pending:
        paper = "đang đọc bản quét; văn thư sẽ báo sau nếu cần bản giấy"
    elif decision.paper_copy_required:
        paper = "cần bản giấy (bản chính) — đang chờ cơ quan gửi"
    else:
        paper = "không cần bản giấy"
    main = report.attachments[report.main_attachment] if report.main_attachment is not None else None
    return {"route": route.name, "urgent": route.urgent, "role": None, "recipient_name": None,
            "unit_name": route.unit_name, "handler_name": route.handler_name,
            "deadline": f"{route.deadline:%d/%m/%Y}" if route.deadline else None,
            "deadline_source": route.deadline_source, "dossier": route.dossier, "substitutions": lines,
            "paper": paper, "signature": _signature_line(main.signature) if main else None}


def _recipient_name(rules: Rules, address: str) -> str | None:
    person = next((p for p in rules.people if p.address == address.lower()), None)
    if person is not None:
        return person.name
    unit = next((u for u in rules.units if u.address == address.lower()), None)
    return unit.name if unit is not None else None


# -- building the notices of one message ------------------------------------------

# The kinds a configuration can send from templates (`mailbot check` renders each).
TEMPLATE_KINDS = ("receipt", "receipt-again", "refusal", "paper-copy", "alert", "forward")

KIND_NAMES_VI = {
    "receipt": "biên nhận văn bản",
    "receipt-again": "biên nhận văn bản gửi lại",
    "refusal": "thông báo không tiếp nhận",
    "paper-copy": "đề nghị gửi bản giấy",
    "alert": "cảnh báo cho văn thư",
    "forward": "chuyển văn bản để xử lý",
}


def build_notices(rules: Rules, plans: Sequence[NoticePlan], context: dict[str, Any], *, message: int,
                  in_reply_to: str | None, references: Sequence[str], seed: str,
                  original: Callable[[], bytes] | None = None, not_before: datetime | None = None) -> list[Notice]:
    """The notices of one message, composed from templates.

    A notice whose template fails does not stop anything: it comes back `unbuilt`, with
    the error and what composing it again needs, and the clerk gets a plain-text alert
    that needs no template. The document is registered all the same."""
    from mailbot.dispatch.compose import compose_notice

    envelope = rules.smtp.envelope_sender if rules.smtp else ""
    out: list[Notice] = []
    failed: list[Notice] = []
    for plan in plans:
        values, attach, wait = context, None, None
        if plan.kind == "forward":
            # The recipient's own view; the original travels with it; an urgent document
            # goes at once, the others at the legal receipt time (office hours).
            values = {**context, "forward": {**context["forward"], "role": plan.role,
                                             "recipient_name": _recipient_name(rules, plan.to)}}
            attach = original() if original is not None else None
            wait = None if context["forward"]["urgent"] else not_before
        try:
            composed = compose_notice(plan.kind, values, rules, recipient=plan.to, in_reply_to=None
                                      if plan.kind == "forward" else in_reply_to, references=references,
                                      seed=seed, original=attach, urgent=bool(values["forward"]["urgent"])
                                      if plan.kind == "forward" else False)
        except Exception as exc:  # noqa: BLE001 - a broken template must not stop the register
            notice = _unbuilt(rules, plan, values, exc, in_reply_to=in_reply_to, references=references,
                              seed=seed, envelope=envelope, attach=attach is not None)
            log.error("message %s: cannot compose the %s notice to %s: %s", message, plan.kind, plan.to,
                      notice.error)
            failed.append(notice)
            out.append(notice)
        else:
            out.append(Notice(plan.kind, plan.to, composed.subject, composed.message_id, composed.raw, envelope,
                              not_before=wait))
    if failed:
        alert = _failure_alert(rules, failed, context, message=message, seed=seed, envelope=envelope)
        if alert is not None:
            out.append(alert)
    return out


def _unbuilt(rules: Rules, plan: NoticePlan, context: dict[str, Any], exc: Exception, *,
             in_reply_to: str | None, references: Sequence[str], seed: str, envelope: str,
             attach: bool = False) -> Notice:
    from mailbot.dispatch.compose import notice_message_id

    inputs = {"context": context, "in_reply_to": in_reply_to, "references": list(references), "seed": seed,
              "original": seed if attach else None}
    return Notice(plan.kind, plan.to, "", notice_message_id(rules, plan.kind, plan.to, seed), b"", envelope,
                  state="unbuilt", error=short_error(exc),
                  compose=json.dumps(inputs, ensure_ascii=False, default=str))


def _failure_alert(rules: Rules, failed: list[Notice], context: dict[str, Any], *, message: int, seed: str,
                   envelope: str) -> Notice | None:
    """Plain text, no template: it must not depend on what just failed."""
    from mailbot.dispatch.compose import compose_plain

    to = rules.notices.clerk_address
    if not to:
        log.error("message %s: no notices.clerk_address to tell about the failed notice(s)", message)
        return None
    number = context.get("arrival_number")
    registered = (f"đã vào sổ với số đến {number}/{context.get('year')}" if number
                  else "đã được xử lý")
    lines = [f"Kính gửi: bộ phận Văn thư {rules.office.name}", "",
             f"Thư #{message} gửi đến hộp thư {context.get('mailbox_address')} {registered}, nhưng hệ thống "
             "không soạn được thông báo sau đây do lỗi mẫu thư (template):", ""]
    for notice in failed:
        lines.append(f"  - {KIND_NAMES_VI.get(notice.kind, notice.kind)} gửi {notice.recipient}")
        lines.append(f"    Lỗi: {notice.error}")
    lines += ["", "Thông báo chưa gửi được lưu lại, không bị mất. Sau khi quản trị viên sửa mẫu thư, "
              "thông báo sẽ được soạn và gửi lại (tự động, hoặc bằng lệnh: mailbot queue retry --all).",
              "", "Đây là thư tự động của hệ thống văn thư điện tử."]
    composed = compose_plain("notice-failed", f"[mailbot] Không soạn được thông báo — thư #{message}",
                             "\n".join(lines) + "\n", rules, recipient=to, seed=seed)
    return Notice("notice-failed", to, composed.subject, composed.message_id, composed.raw, envelope)


def deferral_alert(rules: Rules, message: int, seed: str) -> Callable[[datetime], Notice | None]:
    """The one alert that tells the clerk notices are being paced by the office-wide cap."""
    def build(first_send_at: datetime) -> Notice | None:
        from mailbot.dispatch.compose import compose_plain

        to = rules.notices.clerk_address
        if not to:
            return None
        local = first_send_at.astimezone(ZoneInfo(rules.office.timezone))
        caps = rules.notices
        text = "\n".join([
            f"Kính gửi: bộ phận Văn thư {rules.office.name}", "",
            f"Số thông báo gửi ra đã chạm giới hạn {caps.max_per_hour} thư trong "
            f"{_window_vi(caps.cap_window_seconds)}. Các thông báo tiếp theo (biên nhận, đề nghị gửi bản giấy…) "
            "KHÔNG bị hủy: chúng được xếp hàng và gửi lần lượt theo thứ tự thư đến, ngay khi giới hạn cho phép; "
            f"thông báo đầu tiên bị gửi chậm sẽ đi lúc {vietnamese_time(local)}.", "",
            "Văn bản vẫn được vào sổ ngay khi đến. Xem hàng đợi bằng lệnh: mailbot status", "",
            "Thư này chỉ gửi một lần cho mỗi đợt gửi chậm.", "",
            "Đây là thư tự động của hệ thống văn thư điện tử."]) + "\n"
        composed = compose_plain("notices-deferred", "[mailbot] Thông báo gửi ra đang được gửi chậm do vượt giới hạn",
                                 text, rules, recipient=to, seed=seed)
        envelope = rules.smtp.envelope_sender if rules.smtp else ""
        return Notice("notices-deferred", to, composed.subject, composed.message_id, composed.raw, envelope)
    return build


def _window_vi(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"{seconds // 3600} giờ"
    if seconds % 60 == 0:
        return f"{seconds // 60} phút"
    return f"{seconds} giây"


def sample_context(rules: Rules) -> dict[str, Any]:
    """A realistic context with every key filled (`mailbot check` renders the templates with it):
    an accepted document with one refused attachment, a paper copy required, a duplicate alert."""
    from mailbot.model import AttachmentReport, Reason

    pdf = AttachmentReport(filename="giay-moi.pdf", original_filename="giay-moi.pdf",
                           declared_type="application/pdf", size=52_000, sha256="0" * 64, format="pdf",
                           mime="application/pdf", allowed=True, pages=2)
    exe = AttachmentReport(filename="setup.exe", original_filename="setup.exe",
                           declared_type="application/octet-stream", size=1_000, sha256="1" * 64, format=None,
                           mime="application/x-dosexec", allowed=False,
                           reason=Reason("format_not_allowed", "Định dạng tệp không được chấp nhận.",
                                         "format not allowed", "QĐ 57/2014 Điều 4.2.c"))
    report = MessageReport(
        sha256="2" * 64, size=60_000, readable=True, message_id="<mau@so-mau.gov.vn>",
        subject="Gửi Giấy mời họp", sender="vanthu@so-mau.gov.vn", date="2026-12-07T08:00:00+07:00",
        attachments=(pdf, exe),
        document=DocumentFields(code="15/GM-UBND", type_name="Giấy mời", subject="Họp giao ban tháng 12",
                                organ_name="Ủy ban nhân dân tỉnh Quảng Ngãi", urgency="Hỏa tốc"))
    paper = Reason("paper_required", "Văn bản chưa có chữ ký số tin cậy.", "no trusted signature",
                   "QĐ 57/2014 Điều 8.1")
    from datetime import date

    from mailbot.decide.routing import RouteResult, Substitution

    route = RouteResult(name="Tờ trình gửi UBND tỉnh", unit="tonghop", unit_name="Phòng Tổng hợp",
                        handler="pct2", handler_name="Trần Thị Bình", assigned="pct1",
                        forward_to=("pct2@example.gov.vn",), deadline=date(2026, 12, 14), deadline_source="route",
                        urgent=True, substitutions=(Substitution("pct1", "Nguyễn Văn An", "pct2", "Trần Thị Bình",
                                                                 date(2026, 12, 9)),), why=("Tờ trình gửi UBND tỉnh",))
    decision = Decision("accept", (paper,), paper_copy_required=True, paper_reason=paper, route=route)
    book = rules.books[0] if rules.books else None
    reg = Registered(message=1, state="processed", outcome="accept", entry=1, book=book.id if book else None,
                     year=2026, arrival_number=15, same_document_as=0,
                     resent_of={"entry": 1, "book": book.id if book else None, "arrival_number": 12, "year": 2026,
                                "arrival_date": "2026-12-01T08:00:00+07:00", "paper_copy_required": True,
                                "paper_received": True, "paper_received_at": "2026-12-03T09:00:00+07:00"},
                     related={"book": book.id if book else None, "arrival_number": 12,
                              "arrival_date": "2026-12-01T08:00:00+07:00", "kind": "correction", "entry": 1},
                     differences=("số trang 2 → 3",))
    arrival = datetime(2026, 12, 7, 8, 0, tzinfo=ZoneInfo(rules.office.timezone))
    mailbox = rules.mailboxes[0] if rules.mailboxes else None
    return notice_context(rules, report, decision, reg, arrival, mailbox, book.name if book else None)
