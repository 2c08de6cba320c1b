"""The scheduled reports for leaders in `mailbot run` (mailbot/reports/schedule.py): a worker
that wakes at the send time and sends what is due through the relay, or writes it to the
outbox folder as an .eml file when no relay is configured."""

from __future__ import annotations

import logging
import re
import threading
from datetime import datetime, timezone

from mailbot.config import Rules
from mailbot.runtime.daemon import Worker

log = logging.getLogger("mailbot.runtime.reports")


def deliverer(rules: Rules):
    """deliver(raw, recipients) for this configuration."""
    from mailbot.dispatch import smtp
    from mailbot.util.durable import write_durably

    def through_relay(raw: bytes, recipients: list[str]) -> None:
        password = rules.smtp.password()
        with smtp.Session(rules.smtp, password) as session:
            for recipient in recipients:
                session.send(raw, envelope_sender=rules.smtp.envelope_sender, recipient=recipient)

    def to_folder(raw: bytes, recipients: list[str]) -> None:
        subject_id = re.search(rb"^Message-ID: <report-([0-9a-f]+)@", raw, flags=re.MULTILINE | re.IGNORECASE)
        name = f"report-{subject_id.group(1).decode() if subject_id else 'x'}.eml"
        write_durably(rules.outbox_dir / name, raw)

    return through_relay if rules.smtp else to_folder


class ReportWorker(Worker):
    def __init__(self, rules: Rules, stop: threading.Event):
        super().__init__("reports", stop, idle_seconds=900.0)
        self.rules = rules
        self.clock = lambda: datetime.now(timezone.utc)   # tests set a fixed moment before start
        self.checks = 0                                    # steps completed (tests wait on it)

    def setup(self) -> None:
        from mailbot.decide.workcalendar import WorkCalendar
        from mailbot.store import schema as db

        self.db = db.connect(self.rules.db_path)
        self.calendar = WorkCalendar(self.rules.office)

    def teardown(self) -> None:
        self.db.conn.close()

    def run(self) -> None:
        try:
            super().run()
        finally:
            if hasattr(self, "db"):
                self.teardown()

    def step(self) -> float | None:
        from mailbot.reports.schedule import next_check_seconds, send_due_reports

        now = self.clock()
        send_due_reports(self.db, self.rules, deliverer(self.rules), now, self.calendar)
        self.checks += 1
        return next_check_seconds(self.rules, self.calendar, now)
