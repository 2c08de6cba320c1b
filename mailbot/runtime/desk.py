"""The clerk's desk: what a person does with held messages and registered documents, whether
told by moving a message between IMAP folders (intake/imap/desk.py) or by an administrator's
`mailbot queue …` command. Every action goes through the ordinary pipeline (spool → inspect →
decide → register.apply), so a released message takes its số đến, receipt and route exactly
as an accepted one does, and applying an action twice changes nothing the second time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from mailbot.decide.clerk import release_decision, refuse_decision
from mailbot.model import Decision
from mailbot.register.apply import Registered, Reopen, mark_paper_received
from mailbot.runtime.pipeline import Job, Pipeline
from mailbot.store import audit, entries, messages
from mailbot.store.schema import transaction

log = logging.getLogger("mailbot.runtime.desk")


@dataclass(frozen=True)
class Done:
    """What an action did. `result`: registered | refused | still-held (retry) | not-held |
    paper-received | done | already | not-registered | unknown."""

    message: int | None
    result: str
    registered: Registered | None = None
    decision: Decision | None = None

    @property
    def changed(self) -> bool:
        return self.result in ("registered", "refused", "paper-received", "done")


class Desk:
    """Actions on one register; `pipeline` carries the rules, the trust store and the database."""

    def __init__(self, pipeline: Pipeline):
        self.pipeline = pipeline
        self.db = pipeline.db

    # -- held messages ----------------------------------------------------------
    def _held_job(self, message: int) -> Job | None:
        if messages.held_one(self.db, message) is None:
            return None
        row = messages.load(self.db, message)
        return Job(message, row, self.pipeline.mailbox(row["mailbox"]), attempt=1)

    def _register(self, job: Job, decision: Decision, report, reopen: Reopen) -> Done:
        reg = self.pipeline.finish(job, report, decision, reopen=reopen)
        if reg.state == "already-done":
            return Done(job.message, "already", reg)
        return Done(job.message, "registered" if reg.entry else "refused", reg, decision)

    def retry(self, message: int) -> Done:
        """Inspect a held message again with today's rules and trust: decided anew when nothing
        holds it any more, left held otherwise."""
        job = self._held_job(message)
        if job is None:
            return Done(message, "not-held")
        report, decision = self.pipeline.evaluate_job(job)
        if decision.outcome in messages.HELD:
            log.info("message %d inspected again: still held (%s)", message,
                     ", ".join(r.code for r in decision.reasons))
            return Done(message, "still-held", decision=decision)
        return self._register(job, decision, report, Reopen(None, "queue retry"))

    def release(self, message: int, *, by: str, via: str, folder: str | None = None) -> Done:
        """Register a held message as the person decided (inspected again for its fields)."""
        job = self._held_job(message)
        if job is None:
            return self._not_held(message)
        report, _automatic = self.pipeline.evaluate_job(job)
        arrival = self.pipeline.arrival(job.row["delivered_at"])
        decision = release_decision(report, self.pipeline.rules, job.mailbox, arrival,
                                    self.pipeline.calendar.add_working_days, by=by, via=via)
        return self._register(job, decision, report, Reopen(by, via, folder))

    def refuse(self, message: int, reason: str, *, by: str, via: str, folder: str | None = None) -> Done:
        """Refuse a held message with the person's reason; the sender gets the refusal notice."""
        job = self._held_job(message)
        if job is None:
            return self._not_held(message)
        report, _automatic = self.pipeline.evaluate_job(job)
        decision = refuse_decision(report, self.pipeline.rules, reason, by=by, via=via)
        return self._register(job, decision, report, Reopen(by, via, folder))

    def _not_held(self, message: int) -> Done:
        found = messages.outcome(self.db, message)
        return Done(message, "unknown" if found is None else "already")

    # -- registered documents ------------------------------------------------------
    def paper_received(self, message: int, *, via: str, folder: str | None = None) -> Done:
        """The paper original of a registered document has come (QĐ 57/2014 Art. 8.3)."""
        entry = entries.of_message(self.db, message)
        if entry is None:
            return Done(message, "not-registered")
        changed = mark_paper_received(self.db, entry["id"], via=via, folder=folder)
        return Done(message, "paper-received" if changed else "already")

    def done(self, message: int, *, via: str, folder: str | None = None) -> Done:
        """The document has been dealt with (the follow-up book, NĐ 30/2020 Art. 24)."""
        entry = entries.of_message(self.db, message)
        if entry is None:
            return Done(message, "not-registered")
        with transaction(self.db) as conn:
            changed = entries.mark_done(conn, entry["id"])
            if changed:
                audit.append(conn, "done", message=message, entry=entry["id"], via=via, folder=folder)
        return Done(message, "done" if changed else "already")
