"""The `office:` section of rules.yaml: working hours, weekly days off, public holidays.

`mailbot/decide/workcalendar.py` turns it into working days and the legal
receipt time (Decision 57/2014 Art. 11.2).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, time
from typing import Annotated, Any

from pydantic import BeforeValidator, ValidationInfo, field_validator

from mailbot.config.fields import Strict

_HOURS = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")

# Day names accepted in office.days_off (lower case, accents as typed in NFC), by weekday number.
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_NAMES = {
    **{name: i for i, name in enumerate(WEEKDAYS)},
    **{name[:3]: i for i, name in enumerate(WEEKDAYS)},
    "thứ hai": 0, "thứ ba": 1, "thứ tư": 2, "thứ năm": 3, "thứ sáu": 4, "thứ bảy": 5, "chủ nhật": 6,
    "thứ 2": 0, "thứ 3": 1, "thứ 4": 2, "thứ 5": 3, "thứ 6": 4, "thứ 7": 5, "cn": 6,
}


def parse_period(item: str) -> tuple[time, time]:
    """'07:00-11:30' → (07:00, 11:30); ValueError with what to write instead."""
    m = _HOURS.match(item.replace(" ", "")) if isinstance(item, str) else None
    if not m:
        raise ValueError(f"working hours must look like 07:00-11:30 (24-hour HH:MM-HH:MM), not {item!r}")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        raise ValueError(f"{item!r} is not a time of day; write hours 00-23 and minutes 00-59, "
                         "e.g. 13:30-17:00")
    start, end = time(h1, m1), time(h2, m2)
    if not start < end:
        raise ValueError(f"working period {item!r} ends before it starts; write the start first, "
                         f"e.g. {end:%H:%M}-{start:%H:%M}" if end < start else
                         f"working period {item!r} is empty; write a start before the end, e.g. 07:00-11:30")
    return start, end


def _period(item: str) -> str:
    start, end = parse_period(item)
    return f"{start:%H:%M}-{end:%H:%M}"


def _iso_date(value: Any) -> str:
    if isinstance(value, date):      # a date object given in code rather than in the file
        return value.isoformat()
    m = _ISO_DATE.match(value.strip()) if isinstance(value, str) else None
    if not m:
        raise ValueError(f"{value!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-09-01")
    try:
        return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        raise ValueError(f"{value} is not a real date (no such day in that month); "
                         "check the calendar and write an existing day as YYYY-MM-DD") from None


def _workday(value: Any, info: ValidationInfo) -> str:
    value = _iso_date(value)
    if value in info.data.get("extra", ()):
        raise ValueError(f"{value} is also listed under extra (days off); a day is either off or "
                         "worked: remove it from one of the two lists")
    return value


def _day_name(value: Any) -> str:
    key = unicodedata.normalize("NFC", str(value)).strip().lower()
    if key not in _DAY_NAMES:
        raise ValueError(f"unknown day {value!r}; write English day names (monday … sunday, e.g. "
                         "[saturday, sunday]) or Vietnamese ones (thứ hai … thứ bảy, chủ nhật)")
    return WEEKDAYS[_DAY_NAMES[key]]


IsoDate = Annotated[str, BeforeValidator(_iso_date)]
Workday = Annotated[str, BeforeValidator(_workday)]
DayName = Annotated[str, BeforeValidator(_day_name)]
Period = Annotated[str, BeforeValidator(_period)]


class Holidays(Strict):
    """Public holidays: the `holidays` package's calendar for `country`, adjusted by the office.

    `extra` and `extra_workdays` win over the package (the Government announces
    bridge days and make-up Saturdays each year, after any package release).
    """

    country: str = "VN"
    extra: list[IsoDate] = []            # ISO dates that are days off besides the national ones
    extra_workdays: list[Workday] = []   # ISO dates worked in exchange for a bridge holiday

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        import holidays

        if value.upper() not in holidays.list_supported_countries():
            raise ValueError(f"unknown country {value!r} for public holidays; write an ISO 3166 code, "
                             "e.g. VN")
        return value.upper()


class Office(Strict):
    name: str = "Văn phòng"
    # Where a person delivers a paper original by hand or by post (citizens' notices).
    address: str | None = None
    timezone: str = "Asia/Ho_Chi_Minh"
    # Decision 57/2014 Art. 11.2: mail entering the system outside these periods counts as
    # received at the start of the next one. A period holds from its start up to, not
    # including, its end.
    working_hours: list[Period] = ["07:00-11:30", "13:30-17:00"]
    days_off: list[DayName] = ["saturday", "sunday"]   # weekly days off
    holidays: Holidays = Holidays()

    @field_validator("working_hours")
    @classmethod
    def _hours(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("at least one working period is needed, e.g. [\"07:00-11:30\", \"13:30-17:00\"]")
        periods = sorted((parse_period(item), item) for item in value)
        for (earlier, a), (later, b) in zip(periods, periods[1:]):
            if later[0] < earlier[1]:
                raise ValueError(f"working periods {a!r} and {b!r} overlap; write each period once, "
                                 f"e.g. {earlier[0]:%H:%M}-{max(earlier[1], later[1]):%H:%M} "
                                 "for one continuous period")
        return value

    @field_validator("days_off")
    @classmethod
    def _some_working_day(cls, value: list[str]) -> list[str]:
        if len(set(value)) >= 7:
            raise ValueError("every day of the week is a day off; list only the weekly days off, "
                             "e.g. [saturday, sunday]")
        return value

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name like Asia/Ho_Chi_Minh)") from None
        return value
