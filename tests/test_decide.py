"""The decision and the never-answer rules, on plain data."""

import pytest

from mailbot.config import Limits, Mailbox, Rules
from mailbot.decide.decision import decide
from mailbot.inspect.message import automated_reason
from mailbot.inspect.mime import parse_message
from mailbot.model import AttachmentReport, DocumentFields, MessageReport, Reason, SenderAuth

RULES = Rules(mailboxes=[Mailbox(id="ubnd", address="ubnd@quangngai.gov.vn", register="den")],
              senders={"other_mailbots": ["bot@tinh-khac.gov.vn"]})
MAILBOX = RULES.mailboxes[0]


def attachment(allowed: bool, code: str | None = None) -> AttachmentReport:
    reason = Reason(code, "vi", "en") if code else None
    return AttachmentReport("a", "a", "application/pdf", 1, "0" * 64, "pdf" if allowed else None, "x", allowed, reason)


def report(*atts, sender="vanthu@stc.quangngai.gov.vn", **kw) -> MessageReport:
    return MessageReport(sha256="0" * 64, size=1, readable=True, sender=sender,
                         from_addresses=(sender,) if sender else (), attachments=atts, **kw)


def test_accept_when_one_allowed_document_is_attached():
    d = decide(report(attachment(True), attachment(False, "macro_enabled")), RULES, MAILBOX)
    assert d.outcome == "accept" and d.book == "den"
    # No document fields were read: a document of unknown type needs paper unless trusted-signed.
    assert [r.code for r in d.reasons] == ["accepted", "macro_enabled", "paper_required_unsigned"]
    assert [(n.kind, n.to) for n in d.notices] == [("receipt", "vanthu@stc.quangngai.gov.vn"),
                                                   ("paper-copy", "vanthu@stc.quangngai.gov.vn")]
    assert d.paper_copy_required


def test_electronic_only_document_needs_no_paper():
    d = decide(report(attachment(True), document=DocumentFields(type_name="Giấy mời")), RULES, MAILBOX)
    assert d.paper_copy_required is False and [n.kind for n in d.notices] == ["receipt"]


def test_secret_document_is_quarantined_and_only_the_security_contact_is_told():
    rules = Rules(mailboxes=RULES.mailboxes, notices={"security_contact": "baomat@quangngai.gov.vn",
                                                      "clerk_address": "vt@quangngai.gov.vn"})
    d = decide(report(attachment(True), document=DocumentFields(type_name="Công văn", secrecy="Mật")), rules, MAILBOX)
    assert d.outcome == "quarantine" and d.reasons[0].code == "secret_document"
    assert [(n.kind, n.to) for n in d.notices] == [("alert", "baomat@quangngai.gov.vn")]
    assert d.book is None


def test_unauthenticated_agency_sender_is_quarantined():
    auth = SenderAuth(False, "none", True, "quarantine", Reason("sender_forged_agency", "vi", "en"))
    d = decide(report(attachment(True), sender_auth=auth), RULES, MAILBOX)
    assert d.outcome == "quarantine" and d.notices == () and d.reasons[0].code == "sender_forged_agency"
    citizen = SenderAuth(False, "none", False, "citizen", Reason("sender_not_authenticated", "vi", "en"))
    d = decide(report(attachment(True), sender_auth=citizen), RULES, MAILBOX)
    assert d.outcome == "accept" and "sender_not_authenticated" in [r.code for r in d.reasons]


def test_refuse_when_none_is():
    d = decide(report(attachment(False, "archive")), RULES, MAILBOX)
    assert d.outcome == "refuse" and d.book is None
    assert [r.code for r in d.reasons] == ["no_allowed_attachment", "archive"]
    assert [n.kind for n in d.notices] == ["refusal"]


def test_review_when_unreadable_or_incomplete():
    assert decide(MessageReport(sha256="0" * 64, size=1, readable=False), RULES).outcome == "review"
    limited = report(attachment(True), problems=(Reason("too_many_parts", "vi", "en"),))
    d = decide(limited, RULES)
    assert d.outcome == "review" and d.notices == ()


def test_no_single_sender_goes_to_review():
    d = decide(report(attachment(True), sender=None), RULES)
    assert d.outcome == "review" and d.reasons[0].code == "sender_ambiguous"


@pytest.mark.parametrize("sender", ["ubnd@quangngai.gov.vn", "bot@tinh-khac.gov.vn"])
def test_own_and_other_robot_addresses_are_never_answered(sender):
    d = decide(report(attachment(True), sender=sender), RULES, MAILBOX)
    assert d.outcome == "accept" and d.notices == ()


HEADERS = [
    (b"Auto-Submitted: auto-replied", "auto_submitted"),
    (b"Auto-Submitted: auto-generated; owner-email=x@y", "auto_submitted"),
    (b"List-Id: <news.quangngai.gov.vn>", "mailing_list"),
    (b"List-Unsubscribe: <mailto:u@x>", "mailing_list"),
    (b"Precedence: junk", "bulk_precedence"),
    (b"X-Autoreply: yes", "auto_reply_header"),
    (b"X-Auto-Response-Suppress: OOF, AutoReply", "auto_response_suppressed"),
    (b"Return-Path: <>", "null_sender"),
]


@pytest.mark.parametrize("header,code", HEADERS)
def test_automated_mail_is_recognised(header, code):
    raw = b"From: a@b.gov.vn\r\nSubject: x\r\n" + header + b"\r\n\r\nbody\r\n"
    assert automated_reason(parse_message(raw, Limits()), None).code == code


def test_ordinary_mail_is_answered():
    raw = b"From: a@b.gov.vn\r\nSubject: x\r\nAuto-Submitted: no\r\n\r\nbody\r\n"
    assert automated_reason(parse_message(raw, Limits()), "a@b.gov.vn") is None


def test_null_envelope_and_robot_senders():
    raw = b"From: a@b.gov.vn\r\nSubject: x\r\n\r\nbody\r\n"
    assert automated_reason(parse_message(raw, Limits()), "").code == "null_sender"
    raw = b"From: MAILER-DAEMON@mx.b.gov.vn\r\nSubject: x\r\n\r\nbody\r\n"
    assert automated_reason(parse_message(raw, Limits()), "x@y").code == "robot_sender"


@pytest.mark.parametrize("flag,name", [("text-legacy-tcvn3", "TCVN3"), ("text-legacy-vni", "VNI")])
def test_sender_is_told_politely_when_the_document_is_not_unicode(flag, name):
    d = decide(report(attachment(True), text_flags=(flag,), document=DocumentFields(type_name="Giấy mời")), RULES, MAILBOX)
    note = next(r for r in d.reasons if r.code == "not_unicode")
    assert name in note.message_vi and "TCVN 6909:2001" in note.message_vi
    assert note.rule.endswith("Điều 4.2.b")
    assert decide(report(attachment(True), text_flags=("text-nfd",)), RULES, MAILBOX).reasons[-1].code != "not_unicode"
