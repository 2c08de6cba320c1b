"""Who handles a registered document: the routes of rules.yaml applied to it. Pure.

Routes are tried in order; the first that matches applies and ends the search
unless it says `continue: true` (then later matches add their forwards, cc and
missing assignments). A person away on the document's arrival date is replaced
by the deputy of that absence, else by their standing deputy, following the
chain (a loop or a chain of absent people ends it: the clerk must decide).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from fnmatch import fnmatchcase
from typing import Any

from mailbot.config import Condition, Mailbox, Person, Route, Rules
from mailbot.model import Decision, MessageReport
from mailbot.util.textfold import fold

URGENT = ("Hỏa tốc", "Thượng khẩn")
MAX_DEPUTY_CHAIN = 10

# "trước ngày 15/12/2026", "trước ngày 15 tháng 12 năm 2026" (folded: no accents, lower case).
_BY_DATE = re.compile(r"\btruoc ngay\s+(\d{1,2})\s*(?:[/.-]|thang)\s*(\d{1,2})\s*(?:[/.-]|nam)\s*(\d{4})\b")


@dataclass(frozen=True)
class Substitution:
    """`person` was away on the arrival date; `deputy` (None: nobody) handles it instead."""

    person: str
    person_name: str
    deputy: str | None
    deputy_name: str | None
    until: date | None

    def to_json(self) -> dict[str, Any]:
        return {"person": self.person, "deputy": self.deputy, "until": self.until.isoformat() if self.until else None}


@dataclass(frozen=True)
class RouteResult:
    name: str | None                       # the first route that matched
    unit: str | None = None
    unit_name: str | None = None
    handler: str | None = None             # the person who handles it (deputy when the assignee is away)
    handler_name: str | None = None
    assigned: str | None = None            # the person the route named
    forward_to: tuple[str, ...] = ()       # addresses that get the document to handle
    cc: tuple[str, ...] = ()               # addresses that get it for information
    deadline: date | None = None
    deadline_source: str | None = None     # "document" | "route"
    urgent: bool = False
    dossier: str | None = None
    book: str | None = None
    tried: tuple[tuple[str, bool], ...] = ()
    substitutions: tuple[Substitution, ...] = ()
    nobody_available: bool = False         # the assignee and every deputy are away: the clerk decides
    why: tuple[str, ...] = field(default=())   # the matched routes' names, for the forward's "why"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "unit": self.unit, "handler": self.handler,
            "forward_to": list(self.forward_to), "cc": list(self.cc),
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "urgent": self.urgent, "tried": [{"name": n, "matched": m} for n, m in self.tried],
            "dossier": self.dossier, "substitutions": [s.to_json() for s in self.substitutions],
            "nobody_available": self.nobody_available,
        }


def _doc(report: MessageReport, name: str) -> Any:
    return getattr(report.document, name) if report.document is not None else None


def _signature_verdict(report: MessageReport) -> str | None:
    signature = report.main_signature
    if signature is None:
        return "unsigned" if report.main_attachment is not None else None
    return signature.document.verdict


def _sender_matches(sender: str | None, patterns: list[str]) -> bool:
    if not sender:
        return False
    sender = sender.lower()
    domain = sender.rpartition("@")[2]
    for pattern in (p.lower().strip() for p in patterns):
        target = sender if "@" in pattern else domain
        if fnmatchcase(target, pattern):
            return True
    return False


def _has_words(text: str, phrases: list[str]) -> bool:
    """A phrase matches on word boundaries, case-, accent- and đ-insensitive."""
    folded = f" {fold(text)} "
    return any(f" {fold(p).strip()} " in folded for p in phrases if fold(p).strip())


def matches(cond: Condition, report: MessageReport, decision: Decision, mailbox: Mailbox | None) -> bool:
    checks: list[bool] = []
    if cond.all is not None:
        checks.append(all(matches(c, report, decision, mailbox) for c in cond.all))
    if cond.any is not None:
        checks.append(any(matches(c, report, decision, mailbox) for c in cond.any))
    if cond.not_ is not None:
        checks.append(not matches(cond.not_, report, decision, mailbox))
    if cond.mailbox is not None:
        checks.append(mailbox is not None and mailbox.id in cond.mailbox)
    if cond.sender is not None:
        checks.append(_sender_matches(report.sender, cond.sender))
    if cond.organ is not None:
        checks.append(_has_words(_doc(report, "organ_name") or "", cond.organ))
    if cond.type is not None:
        checks.append(fold(_doc(report, "type_name") or "") in {fold(t) for t in cond.type})
    if cond.urgency is not None:
        checks.append(_doc(report, "urgency") in cond.urgency)
    if cond.secrecy is not None:
        checks.append(_doc(report, "secrecy") in cond.secrecy)
    if cond.words is not None:
        checks.append(_has_words(f"{_doc(report, 'subject') or ''} \n {report.subject or ''}", cond.words))
    if cond.signature is not None:
        checks.append(_signature_verdict(report) in cond.signature)
    if cond.paper_required is not None:
        checks.append(decision.paper_copy_required == cond.paper_required)
    return all(checks)


def stated_deadline(report: MessageReport) -> date | None:
    """A date the document itself sets ("trước ngày 15/12/2026"), from its trích yếu, the email
    subject or the body."""
    for text in (_doc(report, "subject"), report.subject, report.body_text):
        for m in _BY_DATE.finditer(fold(text or "")):
            day, month, year = (int(g) for g in m.groups())
            try:
                return date(year, month, day)
            except ValueError:
                continue
    return None


def _resolve(people: dict[str, Person], person_id: str, day: date) -> tuple[Person | None, list[Substitution], bool]:
    """The person who handles work for `person_id` on `day`, the substitutions made, and whether
    the chain ended with nobody available."""
    subs: list[Substitution] = []
    seen: set[str] = set()
    current = people.get(person_id)
    while current is not None:
        absence = current.absence_on(day)
        if absence is None:
            return current, subs, False
        seen.add(current.id)
        nxt_id = absence.deputy or current.deputy
        nxt = people.get(nxt_id) if nxt_id and nxt_id not in seen and len(seen) < MAX_DEPUTY_CHAIN else None
        subs.append(Substitution(current.id, current.name, nxt.id if nxt else None, nxt.name if nxt else None,
                                 absence.end))
        current = nxt
    return None, subs, True


def route_document(rules: Rules, report: MessageReport, decision: Decision, mailbox: Mailbox | None,
                   arrival: datetime, add_working_days: Callable[[date, int], date] | None = None) -> RouteResult | None:
    """The routing of an accepted document (None when rules.yaml has no routes)."""
    if not rules.routes:
        return None
    people = {p.id: p for p in rules.people}
    units = {u.id: u for u in rules.units}
    day = arrival.date()
    tried: list[tuple[str, bool]] = []
    matched: list[Route] = []
    for route in rules.routes:
        hit = route.when is None or matches(route.when, report, decision, mailbox)
        tried.append((route.name, hit))
        if hit:
            matched.append(route)
            if not route.continue_:
                break
    if not matched:
        return RouteResult(name=None, tried=tuple(tried), urgent=_doc(report, "urgency") in URGENT)

    unit_id = next((r.assign.unit for r in matched if r.assign and r.assign.unit), None)
    assigned = next((r.assign.handler for r in matched if r.assign and r.assign.handler), None)
    handler, subs, nobody = (None, [], False)
    if assigned:
        handler, subs, nobody = _resolve(people, assigned, day)
    if unit_id is None and handler is not None and handler.unit:
        unit_id = handler.unit
    unit = units.get(unit_id) if unit_id else None

    forward: list[str] = []
    if handler is not None:
        forward.append(handler.address)
    elif unit is not None and unit.address and not assigned:
        forward.append(unit.address)
    for r in matched:
        forward += r.forward
    cc = [a for r in matched for a in r.cc]
    secret = _doc(report, "secrecy") is not None
    if secret:                      # outside network exchange (QĐ 57/2014 Art. 1.2): never forwarded
        forward, cc = [], []

    deadline, source = None, None
    spec = next((r.deadline for r in matched if r.deadline), None)
    if spec is not None:
        stated = stated_deadline(report) if spec.from_document else None
        if stated is not None:
            deadline, source = stated, "document"
        elif spec.working_days and add_working_days is not None:
            deadline, source = add_working_days(day, spec.working_days), "route"

    return RouteResult(
        name=matched[0].name, unit=unit_id, unit_name=unit.name if unit else None,
        handler=handler.id if handler else None, handler_name=handler.name if handler else None,
        assigned=assigned, forward_to=tuple(dict.fromkeys(forward)),
        cc=tuple(a for a in dict.fromkeys(cc) if a not in forward),
        deadline=deadline, deadline_source=source, urgent=_doc(report, "urgency") in URGENT,
        dossier=next((r.dossier for r in matched if r.dossier), None),
        book=next((r.book for r in matched if r.book), None),
        tried=tuple(tried), substitutions=tuple(subs), nobody_available=nobody,
        why=tuple(r.name for r in matched))
