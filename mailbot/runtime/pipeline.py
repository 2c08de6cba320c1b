"""The straight path of one message: spool → inspect → decide → register + outbox.

`receive()` is the only thing an intake source must call before it tells its
source anything (SMTP 250, IMAP flag/move): after it returns, the message is
fsynced on disk and recorded. `process()` does the rest and is idempotent, so
a crash anywhere is repaired by calling it again (`process_pending()` at start).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Iterable, Sequence
from zoneinfo import ZoneInfo

import sqlite_utils

from mailbot.store import audit, messages, schema as dbmod
from mailbot.config import Mailbox, Rules
from mailbot.decide.decision import decide, decide_alerts
from mailbot.decide.workcalendar import WorkCalendar
from mailbot.util.errors import short_error
from mailbot.util.faults import crash_point
from mailbot.inspect.message import inspect_message
from mailbot.inspect.mime import parse_message, problem
from mailbot.model import Decision, MessageReport, NoticePlan, Reason
from mailbot.dispatch.notices import deferral_alert
from mailbot.register.apply import Notice, Registered, Reopen, apply, ensure_books, notice_caps
from mailbot.runtime.resolvers import dns_txt
from mailbot.spool.store import Spool

if TYPE_CHECKING:
    from mailbot.inspect.sender import DnsTxt

log = logging.getLogger("mailbot.runtime.pipeline")

# Spooled in place of a message too large to download: this line, the size, the header.
OVERSIZE_MARK = b"X-Mailbot-Oversize-Stub: "

# A message whose processing was cut off this many times is not inspected again.
# Parsers run in isolated workers (a poison file kills a worker and ends in review on
# its own), so this only guards against a message that brings the daemon itself down;
# it must stay well above what unrelated restarts (kill -9, power cuts) can cause.
MAX_ATTEMPTS = 10

REPEATED_FAILURE = Reason(
    "repeated_failure",
    "Không xử lý được thư sau nhiều lần thử; văn thư sẽ kiểm tra trực tiếp.",
    f"processing failed {MAX_ATTEMPTS} times; kept for a person to review",
    "mailbot: không làm mất thư",
)


@dataclass(frozen=True)
class Job:
    """A pending message taken up for processing."""

    message: int
    row: dict[str, Any]
    mailbox: Mailbox | None
    attempt: int
    started: float = field(default_factory=time.monotonic)


def log_event(job: Job, result: Registered, decision: Decision, message_id: str | None) -> None:
    """One line per decided message, key=value, for grep and journald (`journalctl -u mailbot`)."""
    fields = {
        "event": "message-" + (result.state if result.state != "processed" else "decided"),
        "mailbox": job.mailbox.id if job.mailbox else "-",
        "message": job.message,
        "message_id": message_id or "-",
        "so_den": f"{result.book}/{result.year}/{result.arrival_number}" if result.arrival_number else "-",
        "decision": result.outcome or "-",
        "notices": ",".join(sorted({n.kind for n in decision.notices})) or "-",
        "duration_ms": round((time.monotonic() - job.started) * 1000),
    }
    log.info(" ".join(f"{k}={json.dumps(v, ensure_ascii=False) if isinstance(v, str) and (' ' in v or not v) else v}"
                      for k, v in fields.items()))


@dataclass(frozen=True)
class Received:
    message: int          # messages.id
    sha256: str
    duplicate: bool       # the same bytes were already recorded


class Pipeline:
    def __init__(self, rules: Rules, db: sqlite_utils.Database | None = None, *, trust: Any = None,
                 dns: DnsTxt | None = dns_txt):
        """`dns`: the DKIM key look-up handed to inspection (default: the system resolver;
        None: no look-ups)."""
        self.rules = rules
        self.dns = dns
        self.db = db or dbmod.connect(rules.db_path)
        self.spool = Spool(rules.spool_dir)
        self.tz = ZoneInfo(rules.office.timezone)
        self.calendar = WorkCalendar(rules.office)
        self._trust = trust
        self._inspector: Any = None
        self._inspector_lock = threading.Lock()
        self.caps = notice_caps(rules)
        ensure_books(self.db, [(b.id, b.name) for b in rules.books])

    # -- intake ---------------------------------------------------------------
    def receive(self, raw: bytes, *, source: str, delivered_at: datetime | None = None,
                mailbox: str | None = None, envelope_from: str | None = None,
                envelope_to: Sequence[str] = ()) -> Received:
        """Store the raw bytes durably and record them. Nothing can be lost after this."""
        delivered_at = delivered_at or datetime.now(timezone.utc)
        sha256, path = self.spool.store(raw)
        return self._record(sha256, path, len(raw), source=source, delivered_at=delivered_at, mailbox=mailbox,
                            envelope_from=envelope_from, envelope_to=envelope_to)

    def receive_stream(self, chunks: Iterable[bytes], *, source: str, delivered_at: datetime | None = None,
                       mailbox: str | None = None, envelope_from: str | None = None,
                       envelope_to: Sequence[str] = ()) -> Received:
        """`receive()` of a message given in pieces, never held whole in memory (big IMAP
        messages). If `chunks` raises, nothing is stored or recorded."""
        delivered_at = delivered_at or datetime.now(timezone.utc)
        sha256, path, size = self.spool.store_chunks(chunks)
        return self._record(sha256, path, size, source=source, delivered_at=delivered_at, mailbox=mailbox,
                            envelope_from=envelope_from, envelope_to=envelope_to)

    def _record(self, sha256: str, path, size: int, *, source: str, delivered_at: datetime,
                mailbox: str | None, envelope_from: str | None, envelope_to: Sequence[str]) -> Received:
        delivered_at = delivered_at.astimezone(timezone.utc)
        crash_point("after-spool")
        with dbmod.transaction(self.db) as conn:
            known = messages.find_by_sha256(conn, sha256)
            if known is not None:
                audit.append(conn, "received-again", message=known, source=source)
                return Received(known, sha256, True)
            message = messages.record_received(
                conn, sha256=sha256, size=size, spool_path=str(path), source=source, mailbox=mailbox,
                envelope_from=envelope_from, envelope_to=json.dumps(list(envelope_to)),
                delivered_at=delivered_at.isoformat(), spooled_at=datetime.now(timezone.utc).isoformat())
            audit.append(conn, "received", message=message, source=source, size=size, sha256=sha256)
        log.info("received message %s (%d bytes, %s, sha256 %s…)", message, size, source, sha256[:12])
        return Received(message, sha256, False)

    def receive_oversize(self, *, mailbox: str, size: int, delivered_at: datetime | None,
                         summary_headers: bytes, source: str = "imap") -> Received:
        """Record a message too large to download, from its header only (it stays on the server).
        Idempotent: the same header and size give the same row."""
        stub = OVERSIZE_MARK + f"{size}\n".encode() + summary_headers
        return self.receive(stub, source=source, delivered_at=delivered_at, mailbox=mailbox)

    # -- processing -----------------------------------------------------------
    @property
    def trust(self) -> Any:
        if self._trust is None:
            from mailbot.trust import trust_store

            self._trust = trust_store(self.rules)
        return self._trust

    @property
    def inspector(self) -> Any:
        """Runs inspections in worker processes under limits (started on first use)."""
        if self._inspector is None:
            with self._inspector_lock:
                if self._inspector is None:
                    from mailbot.runtime.isolation import Inspector

                    self._inspector = Inspector(self.rules, trust=self._trust, dns=self.dns)
        return self._inspector

    def close(self) -> None:
        if self._inspector is not None:
            self._inspector.close()

    def warm_up(self) -> None:
        """Start the inspection workers (or import the parsers) now, not inside the first message."""
        if self.rules.limits.inspect_workers > 0:
            _ = self.inspector
        else:
            from mailbot.inspect import document, extract, pdf, sender, signatures  # noqa: F401

            _ = self.trust

    def pending(self, limit: int | None = None) -> list[int]:
        """Messages received and not yet registered, oldest first (at most `limit`)."""
        return messages.pending_ids(self.db, limit)

    def process_pending(self) -> list[Registered]:
        """Every pending message, one by one, oldest first (the daemon's processor
        pipelines inspections instead: see daemon.Processor)."""
        return [r for r in (self.process(m) for m in self.pending()) if r is not None]

    def mailbox(self, mailbox_id: str | None) -> Mailbox | None:
        return next((m for m in self.rules.mailboxes if m.id == mailbox_id), None)

    def process(self, message: int) -> Registered | None:
        job = self.begin(message)
        if job is None:
            return None
        return self.finish(job, *self.evaluate_job(job))

    def begin(self, message: int) -> Job | None:
        """Load a pending message and count the attempt (database work: the caller's thread)."""
        row = messages.load(self.db, message)
        if row is None or row["state"] != "received":
            return None
        # Count the attempt first: a message that kills the worker every time
        # must end in review, not in an endless crash loop.
        messages.count_attempt(self.db, message)
        return Job(message, row, self.mailbox(row["mailbox"]), row["attempts"] + 1)

    def outcome(self, message: int) -> tuple[str, str | None, int | None]:
        """(state, decision, duplicate_of) of a recorded message."""
        return messages.outcome(self.db, message)

    def record_failure(self, message: int, exc: BaseException) -> None:
        """Keep why processing a message failed (it stays pending and is tried again)."""
        error = short_error(exc, 1000)
        messages.record_failure(self.db, message, error)

    def evaluate_job(self, job: Job) -> tuple[MessageReport, Decision]:
        """Inspection and decision of one job: no database, safe in a worker thread."""
        if job.attempt > MAX_ATTEMPTS:
            report = MessageReport(sha256=job.row["sha256"], size=job.row["size"], readable=False)
            return report, Decision("review", (REPEATED_FAILURE,))
        sha256 = job.row["sha256"]
        if self.spool.starts_with(sha256, OVERSIZE_MARK):
            return self._oversize(self.spool.load(sha256))
        if self.rules.limits.inspect_workers > 0:
            report = self.inspect_spooled(sha256, job.row["size"], job.row["envelope_from"])
            return report, self.decide(report, job.mailbox, self.arrival(job.row["delivered_at"]))
        return self.evaluate(self.spool.load(sha256), job.mailbox, job.row["envelope_from"])

    def inspect_spooled(self, sha256: str, size: int, envelope_from: str | None) -> MessageReport:
        """Inspection in a worker that reads the spool file itself: the daemon never holds
        a big message in memory."""
        return self.inspector.inspect_file(self.spool.path_for(sha256), envelope_from, sha256=sha256, size=size)

    def _oversize(self, stub: bytes) -> tuple[MessageReport, Decision]:

        size_line, _, headers = stub[len(OVERSIZE_MARK):].partition(b"\n")
        size = int(size_line or 0)
        parsed = parse_message(headers + b"\r\n\r\n", self.rules.limits)
        limit = self.rules.limits.max_message_bytes
        reason = Reason(
            "not_downloaded_too_large",
            f"Thư quá lớn ({size // (1024 * 1024)} MB, giới hạn {limit // (1024 * 1024)} MB) nên chưa được "
            "tải về; thư vẫn nằm trong hộp thư, văn thư sẽ xử lý trực tiếp.",
            f"message of {size} bytes is over the {limit}-byte limit: left on the server, not downloaded",
            "mailbot: giới hạn an toàn")
        report = MessageReport(sha256=hashlib.sha256(stub).hexdigest(), size=size, readable=False,
                               message_id=parsed.message_id, subject=parsed.subject,
                               from_addresses=parsed.from_addresses,
                               sender=parsed.from_addresses[0] if len(parsed.from_addresses) == 1 else None)
        return report, Decision("review", (reason,), decide_alerts(self.rules))

    def finish(self, job: Job, report: MessageReport, decision: Decision, *,
               reopen: Reopen | None = None) -> Registered:
        """Register the decision. `reopen`: a held message decided again (runtime/desk.py)."""
        crash_point("after-inspect")
        arrival = self.arrival(job.row["delivered_at"])
        delivered = datetime.fromisoformat(job.row["delivered_at"])
        result = apply(self.db, job.message, report, decision, arrival,
                       lambda reg: self._notices(reg, report, decision, arrival, job.mailbox, delivered), self.caps,
                       deferral_alert(self.rules, job.message, report.sha256), reopen=reopen)
        crash_point("after-register")
        log_event(job, result, decision, report.message_id)
        return result

    def arrival(self, delivered_at: str | datetime) -> datetime:
        """The legal receipt time (ngày đến) of a message delivered at `delivered_at`: that time
        within office hours, else the start of the next working period (QĐ 57/2014 Art. 11.2)."""
        moment = datetime.fromisoformat(delivered_at) if isinstance(delivered_at, str) else delivered_at
        return self.calendar.legal_receipt_time(moment)

    def decide(self, report: MessageReport, mailbox: Mailbox | None, arrival: datetime) -> Decision:
        return decide(report, self.rules, mailbox, arrival, self.calendar.add_working_days)

    def evaluate(self, raw: bytes, mailbox: Mailbox | None, envelope_from: str | None = None,
                 delivered_at: datetime | None = None) -> tuple[MessageReport, Decision]:
        """Inspection and decision without side effects (`mailbot explain`; `delivered_at`:
        when it reached us, default now). Never raises."""
        if self.rules.limits.inspect_workers > 0:
            report = self.inspector.inspect(raw, envelope_from)
        else:
            report = self._inspect_here(raw, envelope_from)
        return report, self.decide(report, mailbox, self.arrival(delivered_at or datetime.now(timezone.utc)))

    def _inspect_here(self, raw: bytes, envelope_from: str | None) -> MessageReport:
        try:
            return inspect_message(raw, self.rules, envelope_from=envelope_from, trust=self.trust, dns=self.dns)
        except Exception as exc:  # noqa: BLE001 - a bug in a parser must not lose the message
            log.exception("inspection failed")
            return MessageReport(
                sha256=hashlib.sha256(raw).hexdigest(), size=len(raw), readable=False,
                problems=(problem("inspection_failed", "Lỗi khi kiểm tra thư.",
                                  f"inspection failed: {type(exc).__name__}: {exc}"),))

    # -- notices --------------------------------------------------------------
    def _notices(self, reg: Registered, report: MessageReport, decision: Decision,
                 arrival: datetime, mailbox: Mailbox | None, delivered: datetime) -> list[Notice]:
        from mailbot.dispatch.notices import alert_plan, build_notices, notice_context

        if reg.state != "processed":
            return []
        plans = list(decision.notices)
        if reg.resent_of is not None:
            # Registered before: one short receipt naming the earlier số đến, nothing else.
            plans = [NoticePlan("receipt-again", p.to) for p in plans if p.kind == "receipt"]
        extra = alert_plan(self.rules, reg)
        if extra is not None and extra not in plans:
            plans.append(extra)
        if not plans:
            return []
        book_name = next((b.name for b in self.rules.books if b.id == reg.book), None)
        context = notice_context(self.rules, report, decision, reg, arrival, mailbox, book_name, delivered)
        return build_notices(self.rules, plans, context, message=reg.message, in_reply_to=report.message_id,
                             references=report.references, seed=report.sha256,
                             original=lambda: self.spool.load(report.sha256), not_before=arrival)
