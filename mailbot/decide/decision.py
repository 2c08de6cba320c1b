"""Inspection report + rules → decision with reasons. Pure.

For now (the spine): accept when at least one allowed document is attached,
refuse when none is, review when the message could not be read. Who gets a
notice is decided here too, so `mailbot explain` shows exactly what would be
sent — including nothing, for automated mail (invariant 3).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timezone

from mailbot.config import Mailbox, Rules
from mailbot.decide.routing import route_document
from mailbot.model import Decision, MessageReport, NoticePlan, Reason
from mailbot.inspect.text import FLAG_TCVN3, LEGACY_FLAGS
from mailbot.decide.paper import decide_paper
from mailbot.inspect.body_document import BODY_FLAG, missing_reason
from mailbot.inspect.sender_class import address_word, sender_class
from mailbot.inspect.sender_domains import is_agency_domain

ART_4 = "QĐ 57/2014/QĐ-UBND Điều 4.2.c"
ART_12 = "QĐ 57/2014/QĐ-UBND Điều 12"

# Problems that mean the message was not fully inspected: a person must look.
_REVIEW_PROBLEMS = {
    "too_many_parts", "too_deep", "walk_failed", "attachment_inspection_failed",
    "undecodable_part", "message_too_large", "headers_too_large",
}


def _accepted(report: MessageReport, n: int) -> Reason:
    if any(BODY_FLAG in a.flags for a in report.attachments):
        return Reason("accepted_body", "Đã tiếp nhận nội dung thư điện tử làm văn bản đến.",
                      "no attachment: the body of the email is registered as a text document", ART_4)
    return Reason(
        "accepted",
        f"Đã tiếp nhận {n} tệp văn bản đúng định dạng.",
        f"{n} attachment(s) in an allowed format; the document is registered",
        ART_4,
    )


NO_DOCUMENT = Reason(
    "no_allowed_attachment",
    "Thư không kèm tệp văn bản nào đúng định dạng quy định "
    "(txt, rtf, doc, docx, odt, csv, xls, xlsx, ods, pdf).",
    "no attachment in an allowed format; the message is refused",
    ART_4,
)

UNREADABLE = Reason(
    "unreadable",
    "Không đọc được thư; văn thư sẽ kiểm tra trực tiếp.",
    "the message could not be read; kept for a person to review",
    "mailbot: không làm mất thư",
)

INCOMPLETE = Reason(
    "inspection_incomplete",
    "Thư chưa được kiểm tra đầy đủ; văn thư sẽ kiểm tra trực tiếp.",
    "the message was not fully inspected (limits or parser failure); kept for review",
    "mailbot: giới hạn an toàn",
)

NOT_AUTHENTICATED = Reason(
    "sender_not_authenticated",
    "Chưa xác thực được người gửi là cơ quan nhà nước; văn thư sẽ kiểm tra trực tiếp.",
    "the sender claims an agency domain but is not authenticated; quarantined for review",
    "mailbot: xác thực người gửi")

NO_SENDER = Reason(
    "sender_ambiguous",
    "Thư không có đúng một địa chỉ người gửi.",
    "the message does not have exactly one From address",
    "mailbot: xác thực người gửi",
)


def no_reply_reason(report: MessageReport, rules: Rules) -> Reason | None:
    if report.automated is not None:
        return report.automated
    sender = report.sender or ""
    if sender in rules.own_addresses():
        return Reason("own_address", "Thư từ chính hộp thư của hệ thống, không phản hồi.",
                      f"sender {sender} is one of our own addresses", "mailbot: chống vòng lặp thư")
    if sender in {a.lower() for a in rules.senders.other_mailbots}:
        return Reason("other_mailbot", "Thư từ một hệ thống tự động khác, không phản hồi.",
                      f"sender {sender} is configured as another mailbot", "mailbot: chống vòng lặp thư")
    return None


def _unreadable_documents(report: MessageReport) -> Reason | None:
    """An attachment in an allowed format that cannot actually be read (damaged, a parser
    bomb): a person must look before it takes a number."""
    names = [a.filename for a in report.attachments if a.allowed and "pdf-unreadable" in a.flags]
    if report.main_attachment is not None and (
            "extract-failed" in report.text_flags
            or any(p.code == "document_reading_failed" for p in report.problems)):
        names.append(report.attachments[report.main_attachment].filename)
    if not names:
        return None
    listed = ", ".join(f"“{n}”" for n in dict.fromkeys(names))
    return Reason(
        "document_unreadable",
        f"Tệp {listed} đúng định dạng nhưng không đọc được nội dung (có thể bị hỏng); "
        "văn thư sẽ kiểm tra trực tiếp.",
        f"{listed}: allowed format but the content cannot be read (damaged or hostile); kept for review",
        "mailbot: giới hạn an toàn")


def _secret_document(report: MessageReport) -> Reason | None:
    mark = report.document.secrecy if report.document is not None else None
    if not mark:
        return None
    return Reason(
        "secret_document",
        f"Văn bản có dấu độ mật “{mark}”: không xử lý qua mạng; chuyển người có thẩm quyền xử lý theo quy định.",
        f"document stamped {mark!r}: secret documents are outside network exchange; quarantined for a person",
        "QĐ 57/2014/QĐ-UBND Điều 1.2")


OCR_PENDING = Reason(
    "ocr_pending",
    "Văn bản là bản quét (ảnh); hệ thống đang đọc nội dung để vào sổ đầy đủ. Nếu văn bản còn phải "
    "gửi kèm bản giấy, văn thư sẽ thông báo sau.",
    "scanned document without a text layer: registered now, fields and the paper decision follow OCR",
    "QĐ 57/2014/QĐ-UBND Điều 10.2, 12")


def _needs_ocr(report: MessageReport, rules: Rules) -> bool:
    return rules.ocr.enabled and report.main_attachment is not None and "text-empty" in report.text_flags


def _not_unicode(report: MessageReport, you: str) -> Reason | None:
    legacy = [f for f in report.text_flags if f in LEGACY_FLAGS]
    if not legacy:
        return None
    names = ", ".join(sorted({"TCVN3 (ABC)" if f == FLAG_TCVN3 else "VNI" for f in legacy}))
    return Reason(
        "not_unicode",
        f"Văn bản dùng bảng mã cũ {names}, chưa theo chuẩn Unicode TCVN 6909:2001; hệ thống đã chuyển đổi "
        f"để vào sổ. Kính đề nghị {you} soạn thảo văn bản bằng bảng mã Unicode.",
        f"text in a legacy Vietnamese encoding ({names}); converted for the register; sender asked to use Unicode",
        "QĐ 57/2014/QĐ-UBND Điều 4.2.b")


def _alerts(rules: Rules, *recipients: str | None) -> tuple[NoticePlan, ...]:
    """Alert the first configured person among `recipients` (none configured: the review folder tells)."""
    for address in recipients:
        if address:
            return (NoticePlan("alert", address),)
    return ()


def decide_alerts(rules: Rules) -> tuple[NoticePlan, ...]:
    """Who hears of a message held for review."""
    return _alerts(rules, rules.notices.clerk_address)


def _held(outcome: str, reasons: tuple[Reason, ...], rules: Rules, *contacts: str | None) -> Decision:
    return Decision(outcome, reasons, _alerts(rules, *contacts, rules.notices.clerk_address))


def writer_of(report: MessageReport, rules: Rules) -> str:
    """The sender class inspection found; for a report made without one (tests, old reports),
    decided here the same way."""
    if report.sender_class is not None:
        return report.sender_class
    domain = (report.sender or "").rpartition("@")[2]
    return sender_class(report.sender_auth, report.sender, report.document,
                        agency_domain=is_agency_domain(domain, rules.senders.trusted_domains))


def decide(report: MessageReport, rules: Rules, mailbox: Mailbox | None = None,
           arrival: datetime | None = None,
           add_working_days: Callable[[date, int], date] | None = None) -> Decision:
    """`arrival`: the legal receipt time (routing looks at absences and counts deadlines from
    it); `add_working_days` counts a deadline on the office calendar."""
    if not report.readable:
        return _held("review", (UNREADABLE, *report.problems), rules)
    incomplete = [p for p in report.problems if p.code in _REVIEW_PROBLEMS]
    if incomplete:
        return _held("review", (INCOMPLETE, *incomplete), rules)
    if report.sender is None:
        return _held("review", (NO_SENDER,), rules)
    damaged = _unreadable_documents(report)
    if damaged is not None:
        return _held("review", (damaged,), rules)
    secret = _secret_document(report)
    if secret is not None:
        # Nothing about the content leaves mailbot: no receipt, the security contact is told.
        return _held("quarantine", (secret,), rules, rules.notices.security_contact)
    auth = report.sender_auth
    if auth is not None and auth.policy == "quarantine":
        return _held("quarantine", (auth.reason or NOT_AUTHENTICATED,), rules)
    return judge(report, rules, mailbox, arrival, add_working_days)


def judge(report: MessageReport, rules: Rules, mailbox: Mailbox | None = None,
          arrival: datetime | None = None, add_working_days: Callable[[date, int], date] | None = None,
          *, released: Reason | None = None) -> Decision:
    """Accept or refuse a message nothing holds. `released`: a person has registered a held
    message (decide/clerk.py) — accepted whatever it carries, this reason first."""
    book = mailbox.book if mailbox else rules.default_book()
    refused = [a for a in report.attachments if not a.allowed]
    allowed = [a for a in report.attachments if a.allowed]
    no_reply = no_reply_reason(report, rules)
    auth = report.sender_auth

    writer = writer_of(report, rules)
    you = address_word(writer)
    reasons: list[Reason] = [released] if released else []
    if allowed or released:
        outcome = "accept"
        if allowed:
            reasons.append(_accepted(report, len(allowed)))
    else:
        outcome = "refuse"
        # A person's or business's mail without any file: say what its body lacks.
        personal = writer != "agency" and not report.attachments
        reasons.append(missing_reason(report.body_text, you) if personal else NO_DOCUMENT)
    reasons.extend(a.reason for a in refused if a.reason is not None)
    if outcome == "accept" and auth is not None and auth.policy == "citizen" and auth.reason is not None:
        reasons.append(auth.reason)     # a note on an accepted document only: one outcome per notice

    unicode_note = _not_unicode(report, you)
    if unicode_note is not None:
        reasons.append(unicode_note)

    paper = None
    ocr_pending = outcome == "accept" and _needs_ocr(report, rules)
    if ocr_pending:
        reasons.append(OCR_PENDING)
    elif outcome == "accept":
        signature = report.main_signature
        exempt = signature is not None and signature.document.paper_exempt
        paper = decide_paper(report.document, exempt, rules.paper_copy, writer, rules.office)
        reasons.append(paper.reason)

    notices: tuple[NoticePlan, ...] = ()
    if no_reply is not None:
        reasons.append(no_reply)
    elif report.sender is None:
        pass                      # only a released message gets here without one sender: nobody to tell
    elif outcome == "accept":
        notices = (NoticePlan("receipt", report.sender),)
        if paper is not None and paper.required:
            notices += (NoticePlan("paper-copy", report.sender),)
    else:
        notices = (NoticePlan("refusal", report.sender),)

    decision = Decision(
        outcome=outcome,
        reasons=tuple(reasons),
        notices=notices,
        book=book if outcome == "accept" else None,
        paper_copy_required=bool(paper and paper.required),
        paper_reason=paper.reason if paper else None,
        ocr_pending=ocr_pending,
    )
    if outcome == "accept":
        decision = _routed(decision, report, rules, mailbox, arrival, add_working_days)
    return decision


def _routed(decision: Decision, report: MessageReport, rules: Rules, mailbox: Mailbox | None,
            arrival: datetime | None, add_working_days: Callable[[date, int], date] | None) -> Decision:
    """The routes of rules.yaml applied: who gets the document, in which book, and whom
    the clerk must hear from (an urgent document, nobody available to handle it)."""
    route = route_document(rules, report, decision, mailbox, arrival or datetime.now(timezone.utc),
                           add_working_days)
    if route is None:
        return decision
    plans = list(decision.notices)
    plans += [NoticePlan("forward", a, role="handle") for a in route.forward_to]
    plans += [NoticePlan("forward", a, role="cc") for a in route.cc]
    clerk = rules.notices.clerk_address
    if clerk and (route.urgent or route.nobody_available) and clerk not in route.forward_to + route.cc:
        plans.append(NoticePlan("alert", clerk))
    book = route.book if route.book and any(b.id == route.book for b in rules.books) else decision.book
    return replace(decision, notices=tuple(plans), route=route, book=book)
