"""Apply a decision in one transaction: entry + số đến, attachments, audit, outbox.

Invariants carried here:
- the số đến is taken from the (book, year) counter inside the same
  transaction as the entry: no gap, no duplicate, restart-safe (invariant 6);
- a message row is processed once: the state check is inside the transaction
  (BEGIN IMMEDIATE holds the write lock), so a retry after a crash is a no-op;
- the same document arriving again (same Message-ID in the same mailbox) is
  recorded as a duplicate, not registered and not acknowledged (invariant 2);
- at most one notice of each kind per message and recipient (UNIQUE in outbox).
"""

from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Callable

import sqlite_utils

from mailbot.register import links
from mailbot.store import audit, entries, messages, ocr_jobs, outbox
from mailbot.store.schema import transaction, utc_iso
from mailbot.model import Decision, DocumentFields, MessageReport
from mailbot.util.textfold import fold

log = logging.getLogger("mailbot.register.apply")


@dataclass(frozen=True)
class Registered:
    """What the transaction did, for logs and for building notices."""

    message: int
    state: str                     # processed | duplicate | already-done
    outcome: str | None
    entry: int | None = None
    book: str | None = None
    year: int | None = None
    arrival_number: int | None = None
    duplicate_of: int | None = None
    same_document_as: int | None = None   # entry id of an earlier entry with the same số, ký hiệu and issuer
    resent_of: dict | None = None         # the same files registered before: that entry (not numbered again)
    related: dict | None = None           # the entry this one corrects or answers (`links.Related`)
    differences: tuple[str, ...] = ()     # a corrected version: what differs from the earlier entry


@dataclass(frozen=True)
class Notice:
    kind: str
    recipient: str
    subject: str
    message_id: str
    raw: bytes
    envelope_sender: str = ""
    state: str = "pending"         # pending, or unbuilt: its templates failed (see `error`)
    error: str | None = None
    compose: str | None = None     # unbuilt: JSON of what composing it again needs
    not_before: datetime | None = None   # not sent before this time (a forward waits for office hours)


# Builds the notices once the số đến is known (called inside the transaction).
NoticeBuilder = Callable[[Registered], list[Notice]]


def ensure_books(db: sqlite_utils.Database, books: list[tuple[str, str]]) -> None:
    with transaction(db) as conn:
        for book_id, name in books:
            entries.save_book(conn, book_id, name)


def _find_duplicate(conn: sqlite3.Connection, message: int, mailbox: str | None,
                    message_id: str | None) -> int | None:
    if not message_id:
        return None
    return messages.processed_with_message_id(conn, message_id, mailbox, other_than=message)


def same_document(conn: sqlite3.Connection, entry: int, doc: DocumentFields | None) -> int | None:
    """An earlier entry with the same number, notation and issuer (NĐ 30/2020 Phụ lục VI III.1.h)."""
    if not (doc and doc.code_number and doc.code_notation and doc.organ_name):
        return None
    return entries.same_document(conn, doc.code_number, doc.code_notation, doc.organ_name, other_than=entry)


def _reasons_json(decision: Decision) -> list[dict]:
    return [r.to_json() for r in decision.reasons]


def _insert_attachments(conn: sqlite3.Connection, message: int, report: MessageReport) -> None:
    for position, att in enumerate(report.attachments, start=1):
        attachment = entries.insert_attachment(
            conn, message=message, position=position, filename=att.filename,
            original_filename=att.original_filename, declared_type=att.declared_type, format=att.format,
            mime=att.mime, size=att.size, sha256=att.sha256, pages=att.pages, allowed=int(att.allowed),
            reason_code=att.reason.code if att.reason else None,
            reason_vi=att.reason.message_vi if att.reason else None,
            flags=json.dumps(list(att.flags)),
        )
        for sig in att.signature.signatures if att.signature else ():
            entries.insert_signature(
                conn, attachment=attachment, field=sig.field, signer=sig.signer,
                signer_org=sig.signer_org, serial=sig.serial, issuer=sig.issuer,
                verdict=sig.verdict, intact=sig.intact, trusted=sig.trusted,
                modified_after_signing=sig.modified_after_signing, signing_time=sig.signing_time,
                timestamp_time=sig.timestamp_time,
                reasons_vi=json.dumps(list(sig.reasons_vi), ensure_ascii=False),
            )


def _signature_verdict(report: MessageReport) -> str | None:
    for att in report.attachments:
        if att.allowed and att.signature:
            return att.signature.document.verdict
    return None


_DOCUMENT_COLUMNS = ("code", "code_number", "code_notation", "type_name", "organ_name", "parent_organ",
                     "place", "issued_date", "subject", "urgency", "secrecy", "signer_name",
                     "signer_position", "signer_competence", "signer_title")


def _recipient(route) -> str | None:
    """The register's "Đơn vị hoặc người nhận" (NĐ 30/2020 Phụ lục IV): unit and handler."""
    if route is None:
        return None
    parts = [p for p in (route.unit_name or route.unit, route.handler_name) if p]
    return " / ".join(parts) or None


def _insert_entry(conn: sqlite3.Connection, msg: dict, report: MessageReport,
                  decision: Decision, arrival: datetime, number: int) -> int:
    doc = report.document or DocumentFields()
    return entries.insert_entry(
        conn, book=decision.book, year=arrival.year, arrival_number=number, arrival_date=arrival.isoformat(),
        delivered_at=msg["delivered_at"], message=msg["id"], mailbox=msg["mailbox"],
        message_id=report.message_id, sender=report.sender, email_subject=report.subject,
        **{name: getattr(doc, name) for name in _DOCUMENT_COLUMNS},
        to_places=json.dumps(list(doc.to_places or ()), ensure_ascii=False),
        page_amount=sum(a.pages or 0 for a in report.attachments if a.allowed) or None,
        decision=decision.outcome, paper_copy_required=int(decision.paper_copy_required),
        signature_verdict=_signature_verdict(report),
        route=json.dumps(decision.route.to_json(), ensure_ascii=False) if decision.route else None,
        recipient_unit=_recipient(decision.route),
        due_date=decision.route.deadline.isoformat() if decision.route and decision.route.deadline else None,
        search_text=search_text(report), field_sources=json.dumps(report.document_sources, ensure_ascii=False),
        sender_class=report.sender_class, sender_name=doc.sender_name, sender_address=doc.sender_address,
        addressee=doc.addressee,
    )


def search_text(report: MessageReport) -> str:
    """What `register search` finds an entry by (folded): sender, subjects, số/ký hiệu whole and
    in parts (a clerk types "QĐ-SNV" or "57" alone), issuer, signer, the petitioner, file names
    and the beginning of the body."""
    doc = report.document or DocumentFields()
    return fold(" ".join(str(x) for x in (
        report.subject, report.sender, doc.code, doc.code_number, doc.code_notation, doc.subject,
        doc.organ_name, doc.type_name, doc.signer_name, doc.sender_name, doc.addressee,
        *(a.filename for a in report.attachments), report.body_text[:2000]) if x))


@dataclass(frozen=True)
class NoticeCaps:
    per_recipient_per_hour: int = 100
    per_hour: int = 1000
    window_seconds: int = 3600


def notice_caps(rules) -> NoticeCaps:
    n = rules.notices
    return NoticeCaps(n.max_per_recipient_per_hour, n.max_per_hour, n.cap_window_seconds)


# Notices to the office's own people: never paced by the sending cap (the clerk must hear
# of a held message at once) and not counted in it.
INTERNAL_KINDS = frozenset({"alert", "notice-failed", "notices-deferred", "forward"})



def _recipient_capped(conn: sqlite3.Connection, notice: Notice, caps: NoticeCaps, now: datetime) -> str | None:
    """Loop protection, keyed on the correspondent: why this notice must not be queued, or None."""
    if notice.kind in INTERNAL_KINDS:
        return None          # the clerk must hear of every held message
    since = (now - timedelta(seconds=caps.window_seconds)).isoformat(timespec="seconds")
    mine = outbox.queued_to_since(conn, notice.recipient, since)
    if mine >= caps.per_recipient_per_hour:
        return f"cap of {caps.per_recipient_per_hour} notices per window to {notice.recipient} reached"
    return None


def send_slot(conn: sqlite3.Connection, caps: NoticeCaps, now: datetime) -> datetime:
    """The earliest time a new notice may go out under the office-wide cap.

    Slots are handed out in order: the new notice may not go before the one `per_hour`
    places ahead of it has been out for a whole window. So no window ever holds more than
    `per_hour` sends, and a burst is spread over the following windows, in arrival order,
    instead of being dropped.
    """
    slot = outbox.slot_places_back(conn, caps.per_hour - 1)
    if slot is None:
        return now
    earliest = datetime.fromisoformat(slot) + timedelta(seconds=caps.window_seconds)
    return max(now, earliest)


# Builds the one alert that tells the clerk notices are being deferred (given the send time
# of the first deferred one), or None when there is nobody to tell.
DeferralAlert = Callable[[datetime], "Notice | None"]


def queue_notice(conn: sqlite3.Connection, message: int, entry: int | None, notice: Notice,
                 caps: NoticeCaps, now: datetime, deferral_alert: DeferralAlert | None) -> None:
    """Put one notice in the outbox (inside the caller's transaction): unbuilt ones kept for a
    retry, over the correspondent's cap suppressed, over the office-wide cap deferred."""
    if notice.state == "unbuilt":
        # Recorded so it is neither lost nor silently dropped: `mailbot queue retry`
        # (or the dispatcher, once the cause is fixed) composes it again from `compose`.
        outbox.queue_unbuilt(conn, message=message, kind=notice.kind, recipient=notice.recipient,
                             message_id=notice.message_id, envelope_sender=notice.envelope_sender,
                             send_at=utc_iso(now), error=notice.error, compose=notice.compose)
        audit.append(conn, "notice-unbuilt", message=message, entry=entry, kind=notice.kind, to=notice.recipient,
                     error=notice.error)
        return
    capped = _recipient_capped(conn, notice, caps, now)
    if capped:
        audit.append(conn, "notice-suppressed", message=message, kind=notice.kind, to=notice.recipient,
                     reason=capped)
        log.warning("notice %s to %s not queued: %s", notice.kind, notice.recipient, capped)
        return
    internal = notice.kind in INTERNAL_KINDS
    send_at = now if internal else send_slot(conn, caps, now)
    if notice.not_before is not None and notice.not_before > send_at:
        send_at = notice.not_before
    queued = outbox.queue(conn, message=message, kind=notice.kind, recipient=notice.recipient,
                          subject=notice.subject, message_id=notice.message_id, raw=notice.raw,
                          envelope_sender=notice.envelope_sender, send_at=utc_iso(send_at),
                          scheduled_at=None if internal else utc_iso(send_at))
    if not queued:
        return
    if internal:
        audit.append(conn, "notice-queued", message=message, entry=entry, kind=notice.kind, to=notice.recipient)
        return
    if send_at <= now:
        outbox.close_deferral(conn)   # the episode, if any, is over
        audit.append(conn, "notice-queued", message=message, entry=entry, kind=notice.kind, to=notice.recipient)
        return
    audit.append(conn, "notice-deferred", message=message, entry=entry, kind=notice.kind, to=notice.recipient,
                 send_at=utc_iso(send_at), reason=f"office cap of {caps.per_hour} notices per window reached")
    if outbox.open_deferral(conn, utc_iso(now)):
        log.warning("office cap of %d notices per %d s reached: notices are deferred, not dropped "
                    "(first deferred one goes at %s)", caps.per_hour, caps.window_seconds, utc_iso(send_at))
        alert = deferral_alert(send_at) if deferral_alert else None
        if alert is not None:
            queue_notice(conn, message, entry, alert, caps, now, None)


@dataclass(frozen=True)
class Reopen:
    """A held message (review, quarantine) decided again: by a person (`by`, e.g. "clerk",
    through `via`: a folder or a command) or re-inspected with today's rules (`by` None)."""

    by: str | None
    via: str
    folder: str | None = None


def _reopenable(conn: sqlite3.Connection, msg: dict, reopen: Reopen | None) -> bool:
    """Only a message still held, with no entry, may be decided again."""
    return (reopen is not None and msg["state"] == "processed" and msg["decision"] in messages.HELD
            and entries.of_message(conn, msg["id"]) is None)


def apply(db: sqlite_utils.Database, message: int, report: MessageReport, decision: Decision,
          arrival: datetime, build_notices: NoticeBuilder, caps: NoticeCaps = NoticeCaps(),
          deferral_alert: DeferralAlert | None = None, reopen: Reopen | None = None) -> Registered:
    """Register one processed message. `arrival` is the legal receipt time (office time zone).
    With `reopen`, a message held earlier is decided again through the same path (a release
    takes its số đến here like any accepted message); anything else is already done."""
    with transaction(db) as conn:
        msg = messages.load(conn, message)
        if msg is None:
            raise LookupError(f"message {message} is not recorded")
        reopened = _reopenable(conn, msg, reopen)
        if msg["state"] != "received" and not reopened:
            return Registered(message, "already-done", msg["decision"])

        summary = {"reasons": _reasons_json(decision), "sender": report.sender,
                   "subject": report.subject, "problems": [p.to_json() for p in report.problems]}
        if reopened:
            assert reopen is not None
            summary["overrides"] = {"decision": msg["decision"], "by": reopen.by, "via": reopen.via,
                                    "folder": reopen.folder}
            audit.append(conn, "reopened", message=message, was=msg["decision"], now=decision.outcome,
                         by=reopen.by, via=reopen.via, folder=reopen.folder)
            entries.forget_attachments(conn, message)   # the new inspection's files replace them
        duplicate_of = None if reopened else _find_duplicate(conn, message, msg["mailbox"], report.message_id)
        if duplicate_of is not None:
            messages.mark_duplicate(conn, message, duplicate_of=duplicate_of, decision=decision.outcome,
                                    message_id=report.message_id, report=json.dumps(summary, ensure_ascii=False))
            audit.append(conn, "duplicate", message=message, duplicate_of=duplicate_of,
                         message_id=report.message_id)
            return Registered(message, "duplicate", decision.outcome, duplicate_of=duplicate_of)

        result = Registered(message, "processed", decision.outcome)
        resent = links.resent_of(conn, message, report) if decision.registers else None
        if resent is not None:
            # The same files again, under any Message-ID: no new number; the sender hears the old one.
            result = Registered(message, "processed", decision.outcome, resent_of=resent)
            audit.append(conn, "resent", message=message, entry=resent["entry"], book=resent["book"],
                         arrival_number=resent["arrival_number"], year=resent["year"])
        elif decision.registers and decision.book:
            number = entries.next_number(conn, decision.book, arrival.year)
            entry = _insert_entry(conn, msg, report, decision, arrival, number)
            same = same_document(conn, entry, report.document)
            result = Registered(message, "processed", decision.outcome, entry, decision.book,
                                arrival.year, number, same_document_as=same)
            audit.append(conn, "registered", message=message, entry=entry, book=decision.book,
                         year=arrival.year, arrival_number=number)
            if decision.ocr_pending and report.main_attachment is not None:
                ocr_jobs.queue(conn, message, entry, report.main_attachment + 1)
                audit.append(conn, "ocr-queued", message=message, entry=entry)
            if same is not None:
                # Registered all the same (it may be a corrected re-issue); the clerk decides.
                earlier = entries.number_of(conn, same)
                differences = links.differences(conn, same, report)
                entries.set_notes(conn, entry, (
                    f"Trùng số, ký hiệu và cơ quan ban hành với văn bản số đến {earlier[2]}/{earlier[1]} "
                    f"({earlier[0]})" + (f"; khác: {'; '.join(differences)}" if differences else "")))
                entries.link(conn, entry, same, "correction")
                result = replace(result, related=links.related(conn, same, "correction"),
                                 differences=differences)
                audit.append(conn, "same-document", message=message, entry=entry, earlier_entry=same,
                             differences=list(differences))
            else:
                answered = entries.replied_to(conn, list(report.references))
                if answered is not None and answered != entry:
                    entries.link(conn, entry, answered, "reply")
                    result = replace(result, related=links.related(conn, answered, "reply"))
                    audit.append(conn, "linked", message=message, entry=entry, related_to=answered, kind="reply")
        _insert_attachments(conn, message, report)

        now = datetime.now(timezone.utc)
        for notice in build_notices(result):
            queue_notice(conn, message, result.entry, notice, caps, now, deferral_alert)

        messages.mark_processed(conn, message, decision=decision.outcome, message_id=report.message_id,
                                report=json.dumps(summary, ensure_ascii=False))
        audit.append(conn, "decided", message=message, entry=result.entry, decision=decision.outcome,
                     reasons=[r.code for r in decision.reasons])
    log.info("message %s: %s%s", message, decision.outcome,
             f", book {result.book} no. {result.arrival_number}/{result.year}" if result.entry else "")
    return result


def mark_paper_received(db: sqlite_utils.Database, entry: int, **detail) -> bool:
    """Record the paper original (audited once, with `detail`: how it was told); False when it
    was recorded already."""
    with transaction(db) as conn:
        if not entries.mark_paper_received(conn, entry):
            return False
        audit.append(conn, "paper-received", entry=entry, **detail)
    return True
