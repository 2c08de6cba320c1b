"""A person's decision on a held message (review, quarantine): release it into the register,
or refuse it with a reason. Pure, like the automatic decision it overrides (NĐ 30/2020
Art. 21: receiving and checking documents is the văn thư's work; mailbot only prepares it)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from mailbot.config import Mailbox, Rules
from mailbot.decide.decision import no_reply_reason, judge
from mailbot.model import Decision, MessageReport, NoticePlan, Reason

ART_21 = "NĐ 30/2020/NĐ-CP Điều 21"

# The refusal reason when the clerk names none (folder "Từ chối" itself, `queue refuse` without --reason).
DEFAULT_REFUSAL = "Văn bản không đủ điều kiện tiếp nhận"


def released(by: str, via: str) -> Reason:
    return Reason("released_by_clerk", "Văn thư đã kiểm tra và cho vào sổ.",
                  f"released into the register by {by} ({via}), overriding the automatic hold", ART_21)


def refused(reason: str, by: str, via: str) -> Reason:
    text = " ".join(reason.split()) or DEFAULT_REFUSAL
    return Reason("refused_by_clerk", f"{text.rstrip('.')}.",
                  f"refused by {by} ({via}): {text}", ART_21)


def release_decision(report: MessageReport, rules: Rules, mailbox: Mailbox | None, arrival: datetime,
                     add_working_days: Callable[[date, int], date] | None, *, by: str, via: str) -> Decision:
    """Registered as accepted: số đến, receipt, paper request and routing as for any accepted message."""
    return judge(report, rules, mailbox, arrival, add_working_days, released=released(by, via))


def refuse_decision(report: MessageReport, rules: Rules, reason: str, *, by: str, via: str) -> Decision:
    """Refused with the clerk's reason; the sender is told unless the mail must not be answered."""
    why = refused(reason, by, via)
    no_reply = no_reply_reason(report, rules)
    if no_reply is not None or report.sender is None:
        return Decision("refuse", (why,) + ((no_reply,) if no_reply else ()))
    return Decision("refuse", (why,), (NoticePlan("refusal", report.sender),))
