"""Report periods as administrators write them, and their Vietnamese names.

`2026-Q4` (quý), `2026-H2` (6 tháng), `2026` (năm), `2026-10` (tháng), or
`2026-10-01..2026-12-31` (both days included). A period is a half-open range of days
[start, end) in the office time zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


@dataclass(frozen=True)
class Period:
    key: str          # as written (normalised): 2026-Q4
    start: date       # first day
    end: date         # the day after the last
    label: str        # Quý IV năm 2026

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes at midnight in the office time zone."""
        return (datetime.combine(self.start, time(), tz), datetime.combine(self.end, time(), tz))

    def months(self) -> list[str]:
        """YYYY-MM of every month the period touches, in order."""
        out, day = [], self.start.replace(day=1)
        while day < self.end:
            out.append(f"{day:%Y-%m}")
            day = (day + timedelta(days=32)).replace(day=1)
        return out


def _month_after(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1)


def parse_period(text: str) -> Period:
    """A period from its written form; ValueError saying what to write otherwise."""
    text = text.strip()
    if m := re.fullmatch(r"(\d{4})-[Qq]([1-4])", text):
        year, q = int(m[1]), int(m[2])
        return Period(f"{year}-Q{q}", date(year, 3 * q - 2, 1), _month_after(year, 3 * q),
                      f"Quý {_ROMAN[q]} năm {year}")
    if m := re.fullmatch(r"(\d{4})-[Hh]([12])", text):
        year, h = int(m[1]), int(m[2])
        label = f"6 tháng {'đầu' if h == 1 else 'cuối'} năm {year}"
        return Period(f"{year}-H{h}", date(year, 6 * h - 5, 1), _month_after(year, 6 * h), label)
    if m := re.fullmatch(r"(\d{4})", text):
        year = int(m[1])
        return Period(str(year), date(year, 1, 1), date(year + 1, 1, 1), f"Năm {year}")
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
        year, month = int(m[1]), int(m[2])
        if 1 <= month <= 12:
            return Period(f"{year}-{month:02d}", date(year, month, 1), _month_after(year, month),
                          f"Tháng {month} năm {year}")
    if m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", text):
        try:
            first, last = date.fromisoformat(m[1]), date.fromisoformat(m[2])
        except ValueError as exc:
            raise ValueError(f"{text!r}: {exc}") from None
        if last < first:
            raise ValueError(f"{text!r}: the last day comes before the first")
        return Period(f"{first}..{last}", first, last + timedelta(days=1),
                      f"Từ ngày {first:%d/%m/%Y} đến ngày {last:%d/%m/%Y}")
    raise ValueError(f"{text!r} is not a period: write 2026-Q4 (quarter), 2026-H2 (half year), "
                     "2026 (year), 2026-10 (month) or 2026-10-01..2026-12-31")


def period_containing(kind: str, day: date) -> Period:
    """The month, quarter, half or year that holds `day`."""
    if kind == "month":
        return parse_period(f"{day.year}-{day.month:02d}")
    if kind == "quarter":
        return parse_period(f"{day.year}-Q{(day.month - 1) // 3 + 1}")
    if kind == "half":
        return parse_period(f"{day.year}-H{1 if day.month <= 6 else 2}")
    if kind == "year":
        return parse_period(str(day.year))
    raise ValueError(f"unknown period kind {kind!r}")


def last_closed(kind: str, today: date) -> Period:
    """The latest period of this kind that ended before `today`."""
    current = period_containing(kind, today)
    return period_containing(kind, current.start - timedelta(days=1))
