"""Scheduled reports (`reports.schedules`): on the first working day after a period closes,
from `reports.send_at` office time, the period's report is emailed to its recipients — the
summary and chart in the body, the workbook attached — once per period and recipient list.

Each run is recorded in `report_runs` before the mail leaves and marked sent after the relay's
250, so a restart never sends a sent report again; a crash in between sends it again with the
same Message-ID (at least once, as notices are). Only the latest closed period of each kind
is sent: after a long outage old periods are not sent in a burst.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, formataddr
from typing import Callable
from zoneinfo import ZoneInfo

import sqlite_utils

from mailbot.config import ReportSchedule, Rules
from mailbot.decide.workcalendar import WorkCalendar
from mailbot.reports.chart import month_chart_png
from mailbot.reports.gather import build_report
from mailbot.reports.periods import Period, last_closed
from mailbot.reports.render import to_html
from mailbot.reports.tables import heading_lines, summary_rows
from mailbot.reports.xlsx import to_xlsx
from mailbot.store import statistics
from mailbot.store.schema import transaction

log = logging.getLogger("mailbot.reports.schedule")

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")

CHART_CID = "bieu-do-thang@mailbot"

# deliver(raw, recipients): returns once every recipient's copy was accepted, or raises.
Deliver = Callable[[bytes, list[str]], None]


@dataclass(frozen=True)
class Due:
    schedule: ReportSchedule
    period: Period
    send_from: datetime          # first working day after the period, at send_at (office time)

    @property
    def key(self) -> tuple[str, str]:
        """(period, recipients) as report_runs keys them; the book is part of the period key."""
        period = self.period.key + (f"/{self.schedule.book}" if self.schedule.book else "")
        return period, ",".join(sorted(a.lower() for a in self.schedule.recipients))


def first_working_day_after(calendar: WorkCalendar, period: Period) -> date:
    day = period.end
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return day


def due_reports(rules: Rules, calendar: WorkCalendar, now: datetime) -> list[Due]:
    """The schedules whose latest closed period may be sent at `now`."""
    tz = ZoneInfo(rules.office.timezone)
    local = now.astimezone(tz)
    hour, minute = map(int, rules.reports.send_at.split(":"))
    out = []
    for schedule in rules.reports.schedules:
        period = last_closed(schedule.period, local.date())
        send_from = datetime.combine(first_working_day_after(calendar, period), time(hour, minute), tz)
        if local >= send_from:
            out.append(Due(schedule, period, send_from))
    return out


def compose(rules: Rules, report: dict, key: tuple[str, str], recipients: list[str]) -> bytes:
    """The report mail: a Vietnamese summary (text and HTML with the chart inline) and the
    workbook attached. Its Message-ID depends only on the period and recipients."""
    chart = month_chart_png(report)
    msg = EmailMessage()
    msg["From"] = formataddr((rules.notices.from_name, rules.notices.from_address))
    msg["To"] = ", ".join(recipients)
    msg["Subject"] = f"Báo cáo tình hình tiếp nhận văn bản điện tử — {report['period']['label']}"
    msg["Date"] = format_datetime(datetime.now(ZoneInfo(rules.office.timezone)))
    digest = hashlib.sha256("|".join(key).encode("utf-8")).hexdigest()[:24]
    msg["Message-ID"] = f"<report-{digest}@{rules.notices.from_address.rpartition('@')[2]}>"
    msg["Auto-Submitted"] = "auto-generated"        # RFC 3834: robots must not answer it
    msg["X-Auto-Response-Suppress"] = "All"
    lines = heading_lines(report) + [""] + [f"- {label}: {value}" for label, value in summary_rows(report)]
    lines += ["", "Chi tiết theo tháng, cơ quan gửi, loại văn bản và hộp thư: xem tệp Excel đính kèm.", "",
              "(Thư này do mailbot gửi tự động theo lịch báo cáo.)"]
    msg.set_content("\n".join(lines))
    msg.add_alternative(to_html(report, chart_src=f"cid:{CHART_CID}"), subtype="html")
    # The chart travels inline with the HTML part (multipart/related): mail clients block data: URIs.
    msg.get_payload()[1].add_related(chart, maintype="image", subtype="png", cid=f"<{CHART_CID}>",
                                     filename="bieu-do.png")
    name = f"bao-cao-{report['period']['key'].replace('..', '_')}.xlsx"
    msg.add_attachment(to_xlsx(report), maintype=XLSX_TYPE[0], subtype=XLSX_TYPE[1], filename=name)
    return msg.as_bytes(policy=SMTP_POLICY)


def send_due_reports(db: sqlite_utils.Database, rules: Rules, deliver: Deliver, now: datetime,
                     calendar: WorkCalendar | None = None) -> list[str]:
    """Send every due report not sent yet; the period keys sent. A failed delivery is recorded
    and tried again at the next call."""
    calendar = calendar or WorkCalendar(rules.office)
    sent = []
    for due in due_reports(rules, calendar, now):
        period_key, recipients_key = due.key
        if statistics.report_run_state(db, period_key, recipients_key) == "sent":
            continue
        with transaction(db) as conn:
            statistics.start_report_run(conn, period_key, recipients_key)
        try:
            report = build_report(db, rules, due.period, book=due.schedule.book, calendar=calendar)
            deliver(compose(rules, report, due.key, list(due.schedule.recipients)), list(due.schedule.recipients))
        except Exception as exc:  # noqa: BLE001 - recorded and retried; the daemon goes on
            log.warning("report %s to %s not sent: %s", period_key, recipients_key, exc)
            with transaction(db) as conn:
                statistics.finish_report_run(conn, period_key, recipients_key, "failed", str(exc)[:500])
            continue
        with transaction(db) as conn:
            statistics.finish_report_run(conn, period_key, recipients_key, "sent")
        log.info("report %s sent to %s", period_key, recipients_key)
        sent.append(period_key)
    return sent


def next_check_seconds(rules: Rules, calendar: WorkCalendar, now: datetime, ceiling: float = 900.0) -> float:
    """How long the scheduler may sleep: until the next send time, at most `ceiling`."""
    tz = ZoneInfo(rules.office.timezone)
    local = now.astimezone(tz)
    hour, minute = map(int, rules.reports.send_at.split(":"))
    today = datetime.combine(local.date(), time(hour, minute), tz)
    target = today if local < today else today + timedelta(days=1)
    return max(1.0, min(ceiling, (target - local).total_seconds()))
