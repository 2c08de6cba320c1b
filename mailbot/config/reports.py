"""`reports:` — the periodic statistics for leaders (`mailbot report`) and who gets them.

A scheduled report is emailed once per closed period, on the first working day after it
closes, from `send_at` (office time), with the XLSX attached (`mailbot run`).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from mailbot.config.fields import ID, Address, Strict

_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class ReportSchedule(Strict):
    """One kind of period sent to a list of people."""

    period: Literal["month", "quarter", "half", "year"]
    recipients: list[Address] = Field(min_length=1)
    book: str | None = Field(None, pattern=ID)    # one register book, or all of them


class Reports(Strict):
    # Share of documents from other agencies that should be fully electronic (Directive 22/2012
    # §2.e: 70%); the report states how far the period is above or below it.
    target_electronic_share: float = Field(0.70, ge=0, le=1)
    send_at: str = "08:00"                      # office time on the first working day after the period
    schedules: list[ReportSchedule] = []

    @field_validator("send_at")
    @classmethod
    def _time(cls, value: str) -> str:
        if not _TIME.match(value):
            raise ValueError(f"write a time of day as HH:MM, e.g. 08:00 (found {value!r})")
        return value
