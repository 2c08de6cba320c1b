"""The working calendar and the legal receipt time (Decision 57/2014/QĐ-UBND Art. 11.2).

Where the dates come from:

- The `holidays` package (>= 0.109, country VN): Labor Code 2019 Art. 112 holidays
  (Tết Dương lịch; five Tết days from giao thừa with their observed days; Giỗ Tổ
  Hùng Vương 10/3 lunar; 30/4; 1/5; Quốc khánh 2/9 and one adjacent day; from 2026
  Ngày Văn hóa Việt Nam 24/11), observed days for holidays on a weekend, and the
  swaps it was told of — for 2026 only Quốc khánh: Monday 31/08 off, Saturday
  22/08 worked.
- 2026, announced by the Government and not in the package: Tết Dương lịch
  1–4/01/2026 with Friday 02/01 swapped for Saturday 10/01 (Official Letter
  12729/VPCP-KGVX, as reported in the press). Tết Bính Ngọ: civil servants off
  Saturday 14/02 to Sunday 22/02/2026 (the package's 16–20/02 plus two weekends:
  nothing needed in `extra`).
- 2027: no Government schedule had been published when these tests were written
  (December 2026). The bridge days used below (Thursday 11 and Friday 12/02/2027
  off, Saturdays 30/01 and 20/02/2027 worked) are ILLUSTRATIVE — the shape such an
  announcement takes — not the real decision. Put the real one in rules.yaml.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mailbot.config import ConfigError, Holidays, Office, load_rules, parse_rules
from mailbot.decide.workcalendar import EXTRA_DAY_OFF_VI, WorkCalendar, receipt_time_vi

EXAMPLE = Path(__file__).resolve().parent.parent / "rules.yaml"
VN = ZoneInfo("Asia/Ho_Chi_Minh")
UTC = timezone.utc

# Tết Dương lịch 2026 bridge (VPCP 12729/VPCP-KGVX): off Friday 02/01, worked Saturday 10/01.
EXTRA_2026 = ["2026-01-02"]
WORKDAYS_2026 = ["2026-01-10"]
# Illustrative only (see the module docstring): a Tết 2027 bridge in the Government's usual form.
EXTRA_2027 = ["2027-02-11", "2027-02-12"]
WORKDAYS_2027 = ["2027-01-30", "2027-02-20"]


def calendar(extra=(), workdays=(), **office) -> WorkCalendar:
    return WorkCalendar(Office(holidays=Holidays(extra=list(extra), extra_workdays=list(workdays)), **office))


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    """The office as rules.yaml would configure it for 2026–2027."""
    return calendar(EXTRA_2026 + EXTRA_2027, WORKDAYS_2026 + WORKDAYS_2027)


@pytest.fixture(scope="module")
def plain() -> WorkCalendar:
    """Defaults only: what the package knows, nothing from rules.yaml."""
    return calendar()


def vn(*args) -> datetime:
    return datetime(*args, tzinfo=VN)


def days_off(cal: WorkCalendar, first: date, last: date) -> list[date]:
    out, day = [], first
    while day <= last:
        if not cal.is_working_day(day):
            out.append(day)
        day += timedelta(days=1)
    return out


def span(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# -- what the package knows -------------------------------------------------------

def test_package_knows_the_statutory_holidays_of_2026_and_2027(plain):
    names = {d: plain.holiday_name(d) for d in span(date(2026, 1, 1), date(2027, 12, 31))}
    known = {d: n for d, n in names.items() if n}
    expected = {
        date(2026, 1, 1): "Tết Dương lịch",
        date(2026, 2, 16): "Giao thừa Tết Nguyên Đán",
        date(2026, 2, 17): "Tết Nguyên Đán",
        date(2026, 2, 20): "Mùng bốn Tết Nguyên Đán",
        date(2026, 4, 26): "Ngày Giỗ Tổ Hùng Vương",
        date(2026, 4, 27): "Ngày Giỗ Tổ Hùng Vương (nghỉ bù)",
        date(2026, 4, 30): "Ngày Chiến thắng",
        date(2026, 5, 1): "Ngày Quốc tế Lao động",
        date(2026, 8, 31): "Ngày nghỉ (thay cho ngày 22/08/2026)",
        date(2026, 9, 1): "Quốc khánh",
        date(2026, 9, 2): "Quốc khánh",
        date(2026, 11, 24): "Ngày Văn hóa Việt Nam",
        date(2027, 1, 1): "Tết Dương lịch",
        date(2027, 2, 4): "29 Tết",
        date(2027, 2, 6): "Tết Nguyên Đán",
        date(2027, 2, 10): "Mùng năm Tết Nguyên Đán",
        date(2027, 4, 16): "Ngày Giỗ Tổ Hùng Vương",
        date(2027, 5, 3): "Ngày Quốc tế Lao động (nghỉ bù)",
        date(2027, 9, 2): "Quốc khánh",
        date(2027, 9, 3): "Quốc khánh",
    }
    assert {d: known.get(d) for d in expected} == expected
    # …but not the Tết Dương lịch 2026 swap: that one must come from rules.yaml.
    assert plain.is_working_day(date(2026, 1, 2))
    assert not plain.is_working_day(date(2026, 1, 10))


# -- Tết --------------------------------------------------------------------------

def test_tet_2026_is_the_governments_nine_days(cal, plain):
    official = span(date(2026, 2, 14), date(2026, 2, 22))   # Sat 14/02 – Sun 22/02/2026
    assert days_off(plain, date(2026, 2, 9), date(2026, 2, 27)) == official
    assert days_off(cal, date(2026, 2, 9), date(2026, 2, 27)) == official
    # Giving the package's days again in extra changes nothing.
    assert days_off(calendar(["2026-02-16", "2026-02-20"]), date(2026, 2, 9), date(2026, 2, 27)) == official
    assert cal.legal_receipt_time(vn(2026, 2, 13, 17, 1)) == vn(2026, 2, 23, 7, 0)
    assert cal.legal_receipt_time(vn(2026, 2, 17, 9, 0)) == vn(2026, 2, 23, 7, 0)   # mùng 1, office hours


def test_tet_duong_lich_2026_bridge_and_make_up_saturday_from_rules_yaml(cal, plain):
    assert days_off(cal, date(2025, 12, 29), date(2026, 1, 10)) == span(date(2026, 1, 1), date(2026, 1, 4))
    assert cal.holiday_name(date(2026, 1, 2)) == EXTRA_DAY_OFF_VI
    assert cal.holiday_name(date(2026, 1, 1)) == "Tết Dương lịch"
    # Saturday 10/01/2026 is worked: Friday evening mail counts from Saturday morning.
    assert cal.is_working_day(date(2026, 1, 10)) and cal.holiday_name(date(2026, 1, 10)) is None
    assert cal.legal_receipt_time(vn(2026, 1, 9, 17, 30)) == vn(2026, 1, 10, 7, 0)
    assert cal.legal_receipt_time(vn(2026, 1, 10, 9, 0)) == vn(2026, 1, 10, 9, 0)
    # Without the override, the package alone would open on Friday 02/01 and close Saturday 10/01.
    assert plain.legal_receipt_time(vn(2025, 12, 31, 17, 30)) == vn(2026, 1, 2, 7, 0)
    assert cal.legal_receipt_time(vn(2025, 12, 31, 17, 30)) == vn(2026, 1, 5, 7, 0)
    assert plain.legal_receipt_time(vn(2026, 1, 9, 17, 30)) == vn(2026, 1, 12, 7, 0)


def test_tet_2027_with_bridge_days_from_rules_yaml(cal, plain):
    # Package: Thu 04/02 (29 Tết) – Wed 10/02/2027 (mùng 5), the observed days included.
    assert days_off(plain, date(2027, 2, 1), date(2027, 2, 21)) == (
        span(date(2027, 2, 4), date(2027, 2, 10)) + [date(2027, 2, 13), date(2027, 2, 14),
                                                      date(2027, 2, 20), date(2027, 2, 21)])
    # With the (illustrative) bridge: Thu 04/02 – Sun 14/02 off, Saturday 20/02 worked.
    assert days_off(cal, date(2027, 2, 1), date(2027, 2, 21)) == (
        span(date(2027, 2, 4), date(2027, 2, 14)) + [date(2027, 2, 21)])
    assert cal.holiday_name(date(2027, 2, 11)) == EXTRA_DAY_OFF_VI
    assert cal.legal_receipt_time(vn(2027, 2, 3, 17, 0)) == vn(2027, 2, 15, 7, 0)
    assert plain.legal_receipt_time(vn(2027, 2, 3, 17, 0)) == vn(2027, 2, 11, 7, 0)
    # Make-up Saturday before Tết.
    assert cal.legal_receipt_time(vn(2027, 1, 29, 18, 0)) == vn(2027, 1, 30, 7, 0)
    assert plain.legal_receipt_time(vn(2027, 1, 29, 18, 0)) == vn(2027, 2, 1, 7, 0)


# -- Giỗ Tổ, 30/4–1/5, Quốc khánh ------------------------------------------------------

def test_gio_to_2026_falls_on_sunday_and_is_observed_monday(cal):
    assert cal.holiday_name(date(2026, 4, 26)) == "Ngày Giỗ Tổ Hùng Vương"   # 10/3 Bính Ngọ
    assert not cal.is_working_day(date(2026, 4, 27))
    assert cal.legal_receipt_time(vn(2026, 4, 24, 17, 1)) == vn(2026, 4, 28, 7, 0)
    # Then 30/4 (Thu) and 1/5 (Fri): Wednesday evening → Monday 04/05.
    assert cal.legal_receipt_time(vn(2026, 4, 29, 17, 30)) == vn(2026, 5, 4, 7, 0)


def test_gio_to_2027_is_a_friday(cal):
    assert cal.holiday_name(date(2027, 4, 16)) == "Ngày Giỗ Tổ Hùng Vương"   # 10/3 Đinh Mùi
    assert cal.legal_receipt_time(vn(2027, 4, 15, 17, 30)) == vn(2027, 4, 19, 7, 0)
    assert cal.legal_receipt_time(vn(2027, 4, 16, 8, 0)) == vn(2027, 4, 19, 7, 0)


def test_quoc_khanh_2026_with_the_make_up_saturday_the_package_knows(cal):
    # 2026: 01/09 (Tue) + 02/09 (Wed), and Monday 31/08 swapped for Saturday 22/08.
    assert days_off(cal, date(2026, 8, 22), date(2026, 9, 6)) == (
        [date(2026, 8, 23)] + span(date(2026, 8, 29), date(2026, 9, 2)) + [date(2026, 9, 5), date(2026, 9, 6)])
    assert cal.is_working_day(date(2026, 8, 22)) and cal.holiday_name(date(2026, 8, 22)) is None
    assert cal.legal_receipt_time(vn(2026, 8, 21, 17, 30)) == vn(2026, 8, 22, 7, 0)
    assert cal.holiday_name(date(2026, 8, 31)) == "Ngày nghỉ (thay cho ngày 22/08/2026)"
    assert cal.legal_receipt_time(vn(2026, 8, 28, 17, 30)) == vn(2026, 9, 3, 7, 0)


def test_quoc_khanh_2027_pair_and_overriding_the_packages_choice_of_adjacent_day(cal):
    assert [cal.holiday_name(date(2027, 9, d)) for d in (1, 2, 3)] == [None, "Quốc khánh", "Quốc khánh"]
    # Should the Government pick 01/09 instead, rules.yaml says so and wins over the package.
    other = calendar(["2027-09-01"], ["2027-09-03"])
    assert days_off(other, date(2027, 8, 30), date(2027, 9, 3)) == [date(2027, 9, 1), date(2027, 9, 2)]
    assert other.holiday_name(date(2027, 9, 3)) is None


# -- office hours -------------------------------------------------------------------

def test_friday_1659_is_in_hours_1701_is_after_the_holiday(cal):
    # Friday 28/08/2026, then Sat–Wed off (Quốc khánh): first working period Thursday 03/09.
    in_hours = vn(2026, 8, 28, 16, 59)
    assert not cal.outside_hours(in_hours)
    assert cal.legal_receipt_time(in_hours) == in_hours
    late = vn(2026, 8, 28, 17, 1)
    assert cal.outside_hours(late)
    assert cal.legal_receipt_time(late) == vn(2026, 9, 3, 7, 0)
    # A period ends before its end minute: 17:00:00 itself is outside, 16:59:59 inside.
    assert cal.outside_hours(vn(2026, 8, 28, 17, 0))
    assert not cal.outside_hours(vn(2026, 8, 28, 16, 59, 59))
    assert not cal.outside_hours(vn(2026, 8, 28, 7, 0))


def test_lunch_break_counts_from_the_afternoon_period(cal):
    assert cal.outside_hours(vn(2026, 12, 7, 12, 10))
    assert cal.legal_receipt_time(vn(2026, 12, 7, 12, 10)) == vn(2026, 12, 7, 13, 30)
    assert cal.legal_receipt_time(vn(2026, 12, 7, 11, 30)) == vn(2026, 12, 7, 13, 30)
    assert cal.legal_receipt_time(vn(2026, 12, 7, 11, 29, 59)) == vn(2026, 12, 7, 11, 29, 59)
    assert cal.legal_receipt_time(vn(2026, 12, 7, 6, 59)) == vn(2026, 12, 7, 7, 0)


def test_new_years_eve_counts_in_the_new_year(cal):
    legal = cal.legal_receipt_time(vn(2026, 12, 31, 19, 45))
    assert legal == vn(2027, 1, 4, 7, 0)          # Fri 01/01 holiday, then the weekend
    assert legal.year == 2027                      # the số đến series of 2027
    assert cal.legal_receipt_time(vn(2026, 12, 31, 16, 0)).year == 2026


def test_utc_inputs_and_no_daylight_saving(cal):
    delivered = datetime(2026, 12, 4, 10, 40, tzinfo=UTC)   # Friday 17:40 in Vietnam
    legal = cal.legal_receipt_time(delivered)
    assert legal == datetime(2026, 12, 7, 0, 0, tzinfo=UTC)
    assert legal.tzinfo == VN and (legal.hour, legal.minute) == (7, 0)
    assert legal.utcoffset() == timedelta(hours=7)
    # UTC+7 all year: same offset in January and July, whatever zone the input came in.
    for moment in (datetime(2026, 1, 5, 1, 0, tzinfo=UTC),
                   datetime(2026, 7, 6, 3, 0, tzinfo=ZoneInfo("Europe/Paris"))):  # Paris in summer time
        local = cal.legal_receipt_time(moment)
        assert local.utcoffset() == timedelta(hours=7) and local == moment
    assert cal.legal_receipt_time(datetime(2026, 7, 6, 1, 0, tzinfo=ZoneInfo("Europe/Paris"))) == vn(2026, 7, 6, 7, 0)
    # A UTC midnight is already 07:00 in Vietnam (the day in the office zone counts).
    assert cal.is_working_day(datetime(2026, 12, 6, 23, 0, tzinfo=UTC))   # Monday 06:00 ICT
    with pytest.raises(ValueError):
        cal.legal_receipt_time(datetime(2026, 12, 4, 17, 40))           # naive


def test_next_working_period_start(cal):
    assert cal.next_working_period_start(vn(2026, 12, 7, 7, 0)) == vn(2026, 12, 7, 7, 0)
    assert cal.next_working_period_start(vn(2026, 12, 7, 8, 15)) == vn(2026, 12, 7, 13, 30)
    assert cal.next_working_period_start(vn(2026, 12, 4, 13, 31)) == vn(2026, 12, 7, 7, 0)
    assert cal.working_periods(date(2026, 12, 5)) == []
    assert cal.working_periods(date(2026, 12, 7)) == [(vn(2026, 12, 7, 7, 0), vn(2026, 12, 7, 11, 30)),
                                                      (vn(2026, 12, 7, 13, 30), vn(2026, 12, 7, 17, 0))]


def test_office_hours_and_days_off_come_from_the_rules():
    cal = calendar(working_hours=["13:00-17:00", "07:30-11:30"], days_off=["sunday"])
    assert cal.is_working_day(date(2026, 12, 5))                                  # a Saturday
    assert cal.legal_receipt_time(vn(2026, 12, 5, 12, 0)) == vn(2026, 12, 5, 13, 0)
    assert cal.legal_receipt_time(vn(2026, 12, 5, 17, 0)) == vn(2026, 12, 7, 7, 30)


# -- deadlines ------------------------------------------------------------------------

def test_add_working_days_across_tet(cal):
    assert cal.add_working_days(date(2026, 2, 12), 0) == date(2026, 2, 12)
    assert cal.add_working_days(date(2026, 2, 12), 1) == date(2026, 2, 13)
    assert cal.add_working_days(date(2026, 2, 12), 2) == date(2026, 2, 23)
    assert cal.add_working_days(date(2026, 2, 12), 3) == date(2026, 2, 24)
    assert cal.add_working_days(date(2026, 2, 23), -1) == date(2026, 2, 13)
    # 2027 with the bridge: a 5-working-day deadline from Tuesday 02/02/2027.
    assert cal.add_working_days(date(2027, 2, 2), 5) == date(2027, 2, 18)
    assert cal.next_working_day(date(2027, 2, 3)) == date(2027, 2, 15)


# -- the sentence in the receipt --------------------------------------------------------

def test_receipt_time_vi(cal):
    friday = datetime(2026, 12, 4, 10, 40, tzinfo=UTC)                   # 17:40 in Vietnam
    assert receipt_time_vi(friday, cal.legal_receipt_time(friday)) == (
        "07:00 ngày 07/12/2026 (thư đến hệ thống lúc 17:40 ngày 04/12/2026, "
        "ngoài giờ hành chính — Điều 11.2)")
    monday = datetime(2026, 12, 7, 1, 15, 42, tzinfo=UTC)                # 08:15:42 in Vietnam
    assert cal.receipt_time_vi(monday) == "08:15 ngày 07/12/2026"
    with pytest.raises(ValueError):
        receipt_time_vi(datetime(2026, 12, 4, 17, 40), vn(2026, 12, 7, 7, 0))


# -- rules.yaml ------------------------------------------------------------------------

def errors_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_rules(text, "t.yaml")
    return info.value.problems


def test_example_rules_give_a_calendar():
    cal = WorkCalendar(load_rules(EXAMPLE).office)
    assert cal.legal_receipt_time(vn(2026, 12, 4, 17, 40)) == vn(2026, 12, 7, 7, 0)


def test_office_section_accepts_plain_and_quoted_dates_and_vietnamese_day_names():
    rules = parse_rules("office:\n"
                        "  days_off: [Thứ Bảy, chủ nhật]\n"
                        "  holidays:\n"
                        "    extra:\n"
                        "      - 2026-01-02        # unquoted: YAML would make it a date\n"
                        "    extra_workdays: ['2026-01-10']\n")
    assert rules.office.days_off == ["saturday", "sunday"]
    assert rules.office.holidays.extra == ["2026-01-02"]
    assert rules.office.holidays.extra_workdays == ["2026-01-10"]
    assert parse_rules("office: {working_hours: ['7:30 - 11:30']}\n").office.working_hours == ["07:30-11:30"]
    assert Holidays(extra=[date(2026, 1, 2)]).extra == ["2026-01-02"]     # date objects from code
    # Older files still load: empty lists, quoted dates, no days_off key.
    old = parse_rules("office:\n  working_hours: ['07:00-11:30', '13:30-17:00']\n"
                      "  holidays: {country: VN, extra: ['2026-09-01'], extra_workdays: []}\n")
    assert old.office.days_off == ["saturday", "sunday"]


def test_impossible_date_is_named_with_its_line():
    problems = errors_of("office:\n  holidays:\n    extra:\n      - 2026-01-02\n      - 2026-02-30\n")
    assert problems == ["line 5: office.holidays.extra.1: 2026-02-30 is not a real date (no such day in "
                        "that month); check the calendar and write an existing day as YYYY-MM-DD"]
    assert errors_of("office:\n  holidays:\n    extra_workdays: [2/9/2026]\n")[0].startswith(
        "line 3: office.holidays.extra_workdays.0: '2/9/2026' is not a date; write it as YYYY-MM-DD")


def test_a_day_both_off_and_worked_is_refused():
    problems = errors_of("office:\n  holidays:\n    extra: [2026-01-02]\n"
                         "    extra_workdays:\n      - 2026-01-10\n      - 2026-01-02\n")
    assert problems == ["line 6: office.holidays.extra_workdays.1: 2026-01-02 is also listed under extra "
                        "(days off); a day is either off or worked: remove it from one of the two lists"]


def test_bad_working_periods_are_explained():
    problems = errors_of("office:\n  working_hours:\n    - 07:00-11:30\n    - 17:00-13:30\n"
                         "    - 7h-11h\n    - 25:00-26:00\n")
    assert problems[0] == ("line 4: office.working_hours.1: working period '17:00-13:30' ends before it "
                           "starts; write the start first, e.g. 13:30-17:00")
    assert problems[1].startswith("line 5: office.working_hours.2: working hours must look like 07:00-11:30")
    assert problems[2].startswith("line 6: office.working_hours.3: '25:00-26:00' is not a time of day")
    overlap = errors_of("office:\n  working_hours: ['07:00-11:30', '11:00-17:00']\n")
    assert overlap == ["line 2: office.working_hours: working periods '07:00-11:30' and '11:00-17:00' "
                       "overlap; write each period once, e.g. 07:00-17:00 for one continuous period"]
    assert "at least one working period" in errors_of("office: {working_hours: []}\n")[0]


def test_unknown_day_names_are_refused():
    problems = errors_of("office:\n  days_off:\n    - saturday\n    - Sonntag\n")
    assert problems[0].startswith("line 4: office.days_off.1: unknown day 'Sonntag'; write English day names")
    assert "every day of the week" in errors_of(
        "office: {days_off: [mon, tue, wed, thu, fri, sat, sun]}\n")[0]


def test_unknown_country_is_refused():
    assert errors_of("office: {holidays: {country: XX}}\n")[0].startswith(
        "line 1: office.holidays.country: unknown country 'XX'")
