"""The report of one period: read the register (store.statistics) and compute the figures."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import sqlite_utils

from mailbot.config import Rules
from mailbot.decide.workcalendar import WorkCalendar
from mailbot.inspect.sender_domains import is_agency_domain
from mailbot.reports import figures
from mailbot.reports.periods import Period
from mailbot.store import statistics

# A message delivered this long before a period can still be received (Art. 11.2) inside it:
# the next working period after a long Tết break is well within it.
_LOOKBACK = timedelta(days=20)


def _seconds_between(earlier: str, later: str) -> float:
    return (datetime.fromisoformat(later) - datetime.fromisoformat(earlier)).total_seconds()


def _book_of(rules: Rules, mailbox: str | None) -> str:
    for mb in rules.mailboxes:
        if mb.id == mailbox:
            return mb.book
    return rules.default_book()


def build_report(db: sqlite_utils.Database, rules: Rules, period: Period, book: str | None = None,
                 calendar: WorkCalendar | None = None) -> dict[str, Any]:
    """Every figure of the period (see figures.compute), with what the report is about."""
    tz = ZoneInfo(rules.office.timezone)
    calendar = calendar or WorkCalendar(rules.office)
    start, end = period.bounds(tz)
    entries = statistics.entries_received(db, start.isoformat(), end.isoformat(), book)
    # Messages without a number have only their delivery time: keep those legally received
    # (the start of the next working period when outside office hours) inside the period.
    held, described = [], {}
    window = ((start - _LOOKBACK).astimezone(timezone.utc).isoformat(), end.astimezone(timezone.utc).isoformat())
    for row in statistics.unregistered_delivered(db, *window):
        received = calendar.legal_receipt_time(datetime.fromisoformat(row["delivered_at"]))
        if not (start <= received < end) or (book and _book_of(rules, row["mailbox"]) != book):
            continue
        summary = json.loads(row["report"] or "{}")
        reasons = summary.get("reasons", [])
        held.append({**row, "reasons": [r.get("code") for r in reasons]})
        for r in reasons:
            described.setdefault(r.get("code"), r.get("message_vi"))
    notices = statistics.notices_of(db, [e["message"] for e in entries] + [h["id"] for h in held])
    patterns = rules.senders.trusted_domains
    figs = figures.compute(
        entries=entries, held=held, notices=notices, months=period.months(), target=rules.reports.target_electronic_share,
        is_agency=lambda sender: is_agency_domain(figures.sender_domain(sender), patterns),
        seconds_between=_seconds_between)
    for item in figs["refused_by_reason"]:
        item["description"] = described.get(item["code"])
    about = {
        "period": {"key": period.key, "label": period.label, "from": period.start.isoformat(),
                   "to": period.last_day.isoformat()},
        "office": rules.office.name,
        "book": book,
        "book_name": (statistics.book_name(db, book) if book else None),
        "generated_at": datetime.now(tz).isoformat(timespec="seconds"),
    }
    return {**about, **figs}
