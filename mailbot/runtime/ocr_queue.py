"""Scanned documents read after registration, off the hot path (issue: OCR).

A scan is registered and acknowledged at once (Decision 57/2014 Art. 12
wants the sender told immediately); the register transaction queues an
`ocr_jobs` row. This worker reads the scan in a separate process (Tesseract
takes seconds a page), then in one transaction fills the entry's fields that
are still empty — only those read with enough confidence; the rest are left
for the clerk — applies the paper-copy decision, queues the paper-copy notice
when one is needed and re-checks for a duplicate số / ký hiệu.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import sqlite3
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

import sqlite_utils

from mailbot.config import Ocr, Rules
from mailbot.store import audit, entries, messages, ocr_jobs, outbox
from mailbot.store.schema import transaction
from mailbot.decide.paper import decide_paper
from mailbot.model import DocumentFields
from mailbot.register.apply import notice_caps, queue_notice, same_document
from mailbot.spool.store import Spool
from mailbot.util.textfold import fold

log = logging.getLogger("mailbot.ocr")

FIELDS = ("code", "code_number", "code_notation", "type_name", "organ_name", "parent_organ", "place",
          "issued_date", "subject", "urgency", "secrecy", "signer_name", "signer_position",
          "signer_competence", "signer_title", "to_places")
MAX_ATTEMPTS = 2


def _read_scan(data: bytes, fmt: str, settings: dict, time_limit: float):
    """Runs in an OCR worker process, which runs the OCR programs (runtime/ocr_engine)."""
    from mailbot.inspect.ocr import ocr_document
    from mailbot.runtime.ocr_engine import TesseractEngine

    return ocr_document(data, fmt, Ocr(**settings), engine=TesseractEngine(),
                        deadline=time.monotonic() + time_limit)


def claim(db: sqlite_utils.Database) -> dict[str, Any] | None:
    with transaction(db) as conn:
        job = ocr_jobs.next_pending(conn)
        if job is None:
            return None
        ocr_jobs.mark_running(conn, job["id"])
    return job


def requeue_interrupted(db: sqlite_utils.Database) -> None:
    """Jobs a crash left 'running' are taken up again."""
    ocr_jobs.requeue_running(db)


def scanned_attachment(rules: Rules, db: sqlite_utils.Database, job: dict) -> tuple[bytes, str]:
    from mailbot.inspect.mime import parse_message

    sha = messages.sha256_of(db, job["message"])
    fmt = entries.attachment_format(db, job["message"], job["attachment_position"])
    parsed = parse_message(Spool(rules.spool_dir).load(sha), rules.limits)
    return parsed.parts[job["attachment_position"] - 1].payload, fmt or "pdf"


class OcrRunner:
    """One pool of OCR processes for the daemon."""

    def __init__(self, rules: Rules, db: sqlite_utils.Database):
        self.rules = rules
        self.db = db
        self.pool = ProcessPoolExecutor(max(1, rules.ocr.workers), mp_context=multiprocessing.get_context("spawn"))

    def close(self) -> None:
        self.pool.shutdown(cancel_futures=True)

    def run_one(self) -> bool:
        """Read one pending scan. False when there is nothing to do."""
        job = claim(self.db)
        if job is None:
            return False
        settings = self.rules.ocr
        try:
            data, fmt = scanned_attachment(self.rules, self.db, job)
            future = self.pool.submit(_read_scan, data, fmt, settings.model_dump(), settings.time_limit_seconds)
            result = future.result(timeout=settings.time_limit_seconds + 30)
            error = result.error
        except Exception as exc:  # noqa: BLE001 - a failed read is recorded, never fatal
            result, error = None, f"{type(exc).__name__}: {exc}"
        if result is not None and result.text.strip() and error in (None, "timeout"):
            complete(self.rules, self.db, job, result)
        else:
            fail(self.db, job, error or "no text recognised")
        return True


def fail(db: sqlite_utils.Database, job: dict, error: str) -> None:
    state = "pending" if job["attempts"] + 1 < MAX_ATTEMPTS else "failed"
    with transaction(db) as conn:
        ocr_jobs.record_failure(conn, job["id"], state, error)
        audit.append(conn, "ocr-failed" if state == "failed" else "ocr-retry", message=job["message"],
                     entry=job["entry"], error=error)
    log.warning("OCR of entry %s failed (%s)%s", job["entry"], error, "" if state == "failed" else "; will retry")


def _confident_fields(rules: Rules, result: Any, email_subject: str | None) -> tuple[dict, dict, list]:
    from mailbot.inspect.document import read_document
    from mailbot.inspect.ocr import field_confidence

    read = read_document(result.text, email_subject=email_subject)
    confidence = field_confidence(read.to_json(), result)
    kept, sources, doubtful = {}, {}, []
    for name in FIELDS:
        value = getattr(read, name)
        if not value:
            continue
        score = confidence.get(name, result.confidence)
        if read.sources.get(name) == "text" and score < rules.ocr.min_confidence:
            doubtful.append(name)          # left for the clerk rather than guessed
            continue
        kept[name] = value
        sources[name] = f"ocr:{score:.0f}" if read.sources.get(name) == "text" else read.sources.get(name, "")
    return kept, sources, doubtful


def complete(rules: Rules, db: sqlite_utils.Database, job: dict, result: Any) -> None:
    entry = entries.load(db, job["entry"])
    kept, sources, doubtful = _confident_fields(rules, result, entry["email_subject"])
    updates = {name: value for name, value in kept.items() if not entry.get(name)}
    if "to_places" in updates:
        updates["to_places"] = json.dumps(updates["to_places"], ensure_ascii=False)
    stored = {k: entry.get(k) for k in FIELDS} | {"to_places": json.loads(entry.get("to_places") or "null")}
    document = DocumentFields.from_mapping({**stored, **kept})
    exempt = entry["signature_verdict"] == "trusted-signed"
    paper = decide_paper(document, exempt, rules.paper_copy, entry.get("sender_class") or "agency", rules.office)
    field_sources = {**json.loads(entry["field_sources"] or "{}"),
                     **{k: v for k, v in sources.items() if k in updates}}
    search = fold(" ".join(str(x) for x in (entry["search_text"], document.code,
                                             document.subject, document.organ_name,
                                             document.type_name) if x))
    with transaction(db) as conn:
        if ocr_jobs.state_of(conn, job["id"]) == "done":
            return
        entries.fill_fields(conn, entry["id"], updates,
                            field_sources=json.dumps(field_sources, ensure_ascii=False),
                            paper_copy_required=paper.required, search_text=search)
        ocr_jobs.mark_done(conn, job["id"], result.confidence, result.error)
        audit.append(conn, "ocr-completed", message=job["message"], entry=entry["id"], filled=sorted(updates),
                     left_for_clerk=doubtful, confidence=round(result.confidence, 1), paper=paper.reason.code)
        if paper.required:
            _queue_paper_notice(conn, rules, entry, document, paper)
        earlier = same_document(conn, entry["id"], document)
        if earlier is not None:
            audit.append(conn, "same-document", message=job["message"], entry=entry["id"], earlier_entry=earlier)
    log.info("OCR of entry %s: %d field(s) filled, %d left for the clerk, paper: %s",
             entry["id"], len(updates), len(doubtful), paper.reason.code)


def _queue_paper_notice(conn: sqlite3.Connection, rules: Rules, entry: dict, document: DocumentFields,
                        paper) -> None:
    from mailbot.model import NoticePlan
    from mailbot.dispatch.notices import (addressing, build_notices, deferral_alert, document_context,
                                          vietnamese_time)

    sender = entry["sender"]
    if not sender or sender in rules.own_addresses():
        return
    # Only a sender who was answered at registration is answered again: automated mail,
    # robots and capped correspondents got no receipt, so they get no paper request either.
    if not outbox.has_notice(conn, entry["message"], "receipt", sender):
        log.info("entry %s: paper original needed, but %s was not answered at registration: no request",
                 entry["id"], sender)
        return
    mailbox = next((m for m in rules.mailboxes if m.id == entry["mailbox"]), None)
    arrival = datetime.fromisoformat(entry["arrival_date"]).astimezone(ZoneInfo(rules.office.timezone))
    context = {
        "office_name": rules.office.name,
        "mailbox_address": mailbox.address if mailbox else rules.notices.from_address,
        "email_subject": entry["email_subject"] or "", "email_date": None, "sender": sender,
        "book_name": next((b.name for b in rules.books if b.id == entry["book"]), None),
        "arrival_number": entry["arrival_number"], "year": entry["year"],
        "arrival_date": vietnamese_time(arrival),
        "document": document_context(document),
        "attachments": [], "reasons": [], "decision": "accept",
        "paper": {"required": True, "reason_vi": paper.reason.message_vi, "rule": paper.reason.rule},
        "alert": {"title": "", "message": entry["message"], "lines": []},
        **addressing(entry.get("sender_class") or "agency", sender, document),
    }
    sha = messages.sha256_of(conn, entry["message"])
    notices = build_notices(rules, [NoticePlan("paper-copy", sender)], context, message=entry["message"],
                            in_reply_to=entry["message_id"], references=(), seed=sha)
    now = datetime.now(timezone.utc)
    for notice in notices:
        queue_notice(conn, entry["message"], entry["id"], notice, notice_caps(rules), now,
                     deferral_alert(rules, entry["message"], sha))
