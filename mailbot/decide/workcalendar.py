"""The office's working calendar and the legal receipt time (Decision 57/2014 Art. 11.2). Pure.

Art. 11.2: a document is received when it enters the agency's system; if that
moment is outside office hours, it counts as received at the start of the next
working period. So mail delivered at 12:10 counts from 13:30 the same day, and
mail delivered on Friday at 17:40 from 07:00 on the next working day.

What a working day is, in order (the first rule that applies decides):

1. `office.holidays.extra_workdays` — worked (make-up Saturdays announced by
   the Government; also the way to cancel a day the package has wrong);
2. `office.holidays.extra` — off (bridge days announced by the Government);
3. a public holiday of the `holidays` package for `office.holidays.country`
   (observed and substituted days included) — off;
4. a weekend day the package knows is worked (e.g. Saturday 22/08/2026,
   swapped for Monday 31/08/2026) — worked;
5. `office.days_off` (default Saturday and Sunday) — off; any other day is worked.

A working period `07:00-11:30` holds from 07:00:00 up to, not including,
11:30:00; the time between periods (the lunch break) is outside office hours.
All answers are in the office time zone (`office.timezone`); inputs must be
time-zone aware (UTC is fine).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays as _holidays

from mailbot.config import WEEKDAYS, Office, parse_period

ART_11_2 = "QĐ 57/2014/QĐ-UBND Điều 11.2"

# holiday_name() of a day off that only rules.yaml (holidays.extra) knows.
EXTRA_DAY_OFF_VI = "Ngày nghỉ bổ sung"

# No office goes this long without a working day; past it the configuration is wrong.
_SEARCH_DAYS = 2 * 366


@dataclass(frozen=True)
class _Year:
    names: dict[date, str]       # public holidays (incl. observed and substituted days)
    workdays: frozenset[date]    # weekend days worked in exchange for a substituted day


class WorkCalendar:
    """Working days and office hours of one office (`rules.office`)."""

    def __init__(self, office: Office):
        self.tz = ZoneInfo(office.timezone)
        self.periods: tuple[tuple[time, time], ...] = tuple(sorted(parse_period(p) for p in office.working_hours))
        self.days_off = frozenset(WEEKDAYS.index(name) for name in office.days_off)
        self.extra = frozenset(date.fromisoformat(d) for d in office.holidays.extra)
        self.extra_workdays = frozenset(date.fromisoformat(d) for d in office.holidays.extra_workdays)
        self.country = office.holidays.country
        probe = _holidays.country_holidays(self.country)
        self.language = "vi" if "vi" in getattr(probe, "supported_languages", ()) else None
        self._years: dict[int, _Year] = {}
        self._lock = threading.Lock()

    # -- days ------------------------------------------------------------------

    def holiday_name(self, day: date) -> str | None:
        """Why `day` is a day off besides the weekly ones (Vietnamese name where the package
        has one), or None when it is no holiday or is worked all the same."""
        day = self._day(day)
        if day in self.extra_workdays:
            return None
        name = self._year(day.year).names.get(day)
        if day in self.extra:
            return name or EXTRA_DAY_OFF_VI
        return name

    def is_working_day(self, day: date) -> bool:
        day = self._day(day)
        if day in self.extra_workdays:
            return True
        if day in self.extra:
            return False
        year = self._year(day.year)
        if day in year.names:
            return False
        if day in year.workdays:
            return True
        return day.weekday() not in self.days_off

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        return self._step(self._day(day), 1)

    def add_working_days(self, day: date, n: int) -> date:
        """`n` working days after `day` (before it when n < 0); `day` itself when n == 0.

        Deadlines "within n working days" count from the legal receipt date.
        """
        day = self._day(day)
        step = 1 if n >= 0 else -1
        for _ in range(abs(n)):
            day = self._step(day, step)
        return day

    # -- moments ---------------------------------------------------------------

    def local(self, moment: datetime) -> datetime:
        """`moment` in the office time zone; a naive datetime is refused."""
        if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"a time-zone-aware datetime is needed, not {moment!r}")
        return moment.astimezone(self.tz)

    def working_periods(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's working periods as (start, end) in the office time zone; [] on a day off."""
        day = self._day(day)
        if not self.is_working_day(day):
            return []
        return [(self._at(day, start), self._at(day, end)) for start, end in self.periods]

    def outside_hours(self, delivered_at: datetime) -> bool:
        """True when `delivered_at` falls on a day off or outside every working period."""
        local = self.local(delivered_at)
        if not self.is_working_day(local.date()):
            return True
        now = local.time()
        return not any(start <= now < end for start, end in self.periods)

    def next_working_period_start(self, moment: datetime) -> datetime:
        """The first start of a working period at or after `moment` (office time zone)."""
        local = self.local(moment)
        day = local.date()
        for _ in range(_SEARCH_DAYS):
            if self.is_working_day(day):
                for start, _end in self.periods:
                    candidate = self._at(day, start)
                    if candidate >= local:
                        return candidate
            day += timedelta(days=1)
        raise RuntimeError(self._no_working_day(local.date()))

    def legal_receipt_time(self, delivered_at: datetime) -> datetime:
        """When the document counts as received (Art. 11.2), in the office time zone:
        the delivery time itself inside office hours, else the start of the next
        working period. Its year is the year of the số đến series."""
        local = self.local(delivered_at)
        if not self.outside_hours(local):
            return local
        return self.next_working_period_start(local)

    def receipt_time_vi(self, delivered_at: datetime) -> str:
        """The Vietnamese sentence for a receipt notice (see receipt_time_vi())."""
        return receipt_time_vi(delivered_at, self.legal_receipt_time(delivered_at))

    # -- internals -------------------------------------------------------------

    def _day(self, day: date) -> date:
        if isinstance(day, datetime):   # a moment: its day in the office time zone
            return self.local(day).date()
        return day

    def _at(self, day: date, clock: time) -> datetime:
        return datetime.combine(day, clock, tzinfo=self.tz)

    def _step(self, day: date, step: int) -> date:
        start = day
        for _ in range(_SEARCH_DAYS):
            day += timedelta(days=step)
            if self.is_working_day(day):
                return day
        raise RuntimeError(self._no_working_day(start))

    def _no_working_day(self, day: date) -> str:
        return (f"no working day within {_SEARCH_DAYS} days of {day.isoformat()}: "
                "check office.days_off and office.holidays in rules.yaml")

    def _year(self, year: int) -> _Year:
        cached = self._years.get(year)
        if cached is not None:
            return cached
        with self._lock:
            cached = self._years.get(year)
            if cached is None:
                cached = self._years[year] = _national(self.country, self.language, year)
        return cached


def _national(country: str, language: str | None, year: int) -> _Year:
    """The package's holidays of `year` (in Vietnamese when it has the names).

    A substituted day is filed under the year of the holiday it extends, which may
    be the neighbouring one (31/12/2018 off, worked Saturday 05/01/2019), so the
    neighbouring years are computed too and filtered.
    """
    known = _holidays.country_holidays(country, years=range(year - 1, year + 2), language=language)
    names = {d: name for d, name in known.items() if d.year == year}
    workdays = frozenset(d for d in getattr(known, "weekend_workdays", ()) if d.year == year)
    return _Year(names=names, workdays=workdays)


def receipt_time_vi(delivered_at: datetime, legal: datetime) -> str:
    """'08:15 ngày 07/12/2026' inside office hours; outside them, the legal time with the
    delivery time and the rule: '07:00 ngày 07/12/2026 (thư đến hệ thống lúc 17:40 ngày
    04/12/2026, ngoài giờ hành chính — Điều 11.2)'. Times are shown in `legal`'s time zone."""
    if legal.tzinfo is None or delivered_at.tzinfo is None:
        raise ValueError("receipt_time_vi needs time-zone-aware datetimes")
    text = f"{legal:%H:%M} ngày {legal:%d/%m/%Y}"
    if legal <= delivered_at:
        return text
    came = delivered_at.astimezone(legal.tzinfo)
    return (f"{text} (thư đến hệ thống lúc {came:%H:%M} ngày {came:%d/%m/%Y}, "
            "ngoài giờ hành chính — Điều 11.2)")
