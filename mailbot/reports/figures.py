"""Every figure of the report for leaders, from rows already read from the register. Pure.

Definitions (docs/DESIGN.md §8, report):
- received: every message of the period that was decided and is not a delivery again —
  registered (a số đến), refused, held for review or quarantined; counted by legal receipt
  time (ngày đến, QĐ 57 Art. 11.2).
- fully electronic: registered and no paper copy needed; paper required: the sender was asked
  for the paper original; paper received: the clerk recorded it (`register paper-received`).
- from other agencies: the sender's domain is one of `senders.trusted_domains` (a registered
  document from such a domain was authenticated, else it would have been quarantined).
- acknowledgement time: from delivery to the moment the receipt (or refusal) was sent.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from typing import Any, Callable, Iterable

ACK_KINDS = ("receipt", "refusal")


def percent(share: float | None) -> int | None:
    """A share as whole percent (half up, as people round)."""
    return None if share is None else int(math.floor(share * 100 + 0.5))


def target_sentence(share: float | None, target: float) -> str:
    """The share against the target in words: "đạt 64%, thấp hơn mục tiêu 70% là 6 điểm"."""
    goal = percent(target)
    if share is None:
        return f"chưa có văn bản nào từ các cơ quan trong kỳ để so với mục tiêu {goal}%"
    got = percent(share)
    if got < goal:
        return f"đạt {got}%, thấp hơn mục tiêu {goal}% là {goal - got} điểm"
    if got > goal:
        return f"đạt {got}%, vượt mục tiêu {goal}% là {got - goal} điểm"
    return f"đạt {got}%, bằng mục tiêu {goal}%"


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def nearest_rank(values: list[float], q: float) -> float | None:
    """The q-quantile by the nearest-rank method (a value that occurred), or None."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def _grouped(rows: Iterable[dict[str, Any]], key: Callable[[dict[str, Any]], str],
             order: list[str] | None = None) -> list[dict[str, Any]]:
    """Registered documents per group: total, fully electronic, paper required, paper received;
    largest groups first (or in `order`, keeping empty groups)."""
    groups: dict[str, Counter] = {name: Counter() for name in order or ()}
    for row in rows:
        counts = groups.setdefault(key(row), Counter())
        counts["documents"] += 1
        counts["fully_electronic"] += not row["paper_copy_required"]
        counts["paper_required"] += bool(row["paper_copy_required"])
        counts["paper_received"] += bool(row["paper_received"])
    names = list(groups) if order else sorted(groups, key=lambda n: (-groups[n]["documents"], n))
    return [{"name": name, **{k: groups[name][k] for k in
                              ("documents", "fully_electronic", "paper_required", "paper_received")}}
            for name in names]


def sender_domain(sender: str | None) -> str:
    return (sender or "").rpartition("@")[2] or "(không rõ)"


def compute(*, entries: list[dict[str, Any]], held: list[dict[str, Any]], notices: list[dict[str, Any]],
            months: list[str], is_agency: Callable[[str | None], bool], target: float,
            seconds_between: Callable[[str, str], float]) -> dict[str, Any]:
    """The report's figures. `entries`: registered rows of the period; `held`: messages of the
    period that took no number (`decision`, `reasons` codes, `mailbox`, `delivered_at`, `id`);
    `notices`: outbox rows of all those messages; `months`: YYYY-MM of the period."""
    registered = len(entries)
    paper_required = sum(bool(e["paper_copy_required"]) for e in entries)
    decisions = Counter(h["decision"] for h in held)
    refused_reasons = Counter(code for h in held if h["decision"] == "refuse" for code in dict.fromkeys(h["reasons"]))
    trusted = sum(e["signature_verdict"] == "trusted-signed" for e in entries)
    agency = [e for e in entries if is_agency(e["sender"])]
    agency_electronic = sum(not e["paper_copy_required"] for e in agency)
    share = _share(agency_electronic, len(agency))

    delivered = {e["message"]: e["delivered_at"] for e in entries} | {h["id"]: h["delivered_at"] for h in held}
    first_ack: dict[int, str] = {}
    for n in notices:
        if n["kind"] in ACK_KINDS and n["state"] == "sent" and n["sent_at"]:
            if n["message"] not in first_ack or n["sent_at"] < first_ack[n["message"]]:
                first_ack[n["message"]] = n["sent_at"]
    waits = [seconds_between(delivered[m], sent) for m, sent in first_ack.items() if m in delivered]
    kinds = sorted({n["kind"] for n in notices})

    return {
        "received": registered + len(held),
        "registered": registered,
        "fully_electronic": registered - paper_required,
        "paper_required": paper_required,
        "paper_received": sum(bool(e["paper_received"]) for e in entries),
        "trusted_signed": trusted,
        "trusted_signed_share": _share(trusted, registered),
        "refused": decisions["refuse"],
        "refused_by_reason": [{"code": c, "messages": n} for c, n in
                              sorted(refused_reasons.items(), key=lambda kv: (-kv[1], kv[0]))],
        "review": decisions["review"],
        "quarantine": decisions["quarantine"],
        "agency_documents": len(agency),
        "agency_fully_electronic": agency_electronic,
        "electronic_share": share,
        "target_electronic_share": target,
        "target_sentence": target_sentence(share, target),
        "by_agency": _grouped(entries, lambda e: e["organ_name"] or sender_domain(e["sender"])),
        "by_type": _grouped(entries, lambda e: e["type_name"] or "(chưa rõ loại)"),
        "by_mailbox": _grouped(entries, lambda e: e["mailbox"] or "(không rõ)"),
        "by_month": _grouped(entries, lambda e: e["arrival_date"][:7], order=months),
        "acknowledgement": {
            "count": len(waits),
            "median_seconds": statistics.median(waits) if waits else None,
            "p95_seconds": nearest_rank(waits, 0.95),
        },
        "notices": {
            "sent": sum(n["state"] == "sent" for n in notices),
            "failed": sum(n["state"] == "failed" for n in notices),
            "pending": sum(n["state"] not in ("sent", "failed") for n in notices),
            "by_kind": [{"kind": k,
                         "sent": sum(n["kind"] == k and n["state"] == "sent" for n in notices),
                         "failed": sum(n["kind"] == k and n["state"] == "failed" for n in notices)}
                        for k in kinds],
        },
    }
