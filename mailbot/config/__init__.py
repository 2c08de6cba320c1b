"""rules.yaml → validated settings.

Errors name the line and say what to fix; an invalid file is refused as a
whole. Secrets never live in the file: only `password_file` / `password_env`.
Relative paths in the file are resolved against the file's own folder.

    errors.py   ConfigError; `line N: key.path: message`
    fields.py   shared value types: addresses, ids, ports, positive numbers
    office.py   office: working hours, days off, holidays
    routes.py   units:, people:, routes: (who handles a document) and their cross-checks
    models.py   every other section, and Rules (the whole file)
    wording.py  pydantic's errors in an administrator's words
    loading.py  YAML, the line index, repeated keys, cross-checks; parse_rules, load_rules
"""

from mailbot.config.errors import ConfigError, Lines, located
from mailbot.config.fields import Address, check_address
from mailbot.config.loading import DEFAULT_CONFIG_PATHS, load_rules, parse_rules
from mailbot.config.models import (Book, Folders, Formats, ImapSettings, Limits, Mailbox, Notices, Ocr, PaperCopy,
                                   PeriodicRule, Rules, Secret, Senders, SmtpIntake, SmtpRelay, Storage, Trust,
                                   is_loopback)
from mailbot.config.reports import ReportSchedule, Reports
from mailbot.config.office import WEEKDAYS, Holidays, Office, parse_period
from mailbot.config.routes import (SECRECIES, SIGNATURE_VERDICTS, URGENCIES, Absence, Assign, Condition, Deadline,
                                   Person, Route, Unit, check_routing)

__all__ = [
    "ConfigError", "Lines", "located", "Address", "check_address", "DEFAULT_CONFIG_PATHS", "load_rules",
    "parse_rules", "Book", "Folders", "Formats", "ImapSettings", "Limits", "Mailbox", "Notices", "Ocr",
    "PaperCopy", "PeriodicRule", "Rules", "Secret", "Senders", "SmtpIntake", "SmtpRelay", "Storage", "Trust",
    "is_loopback", "WEEKDAYS", "Holidays", "Office", "parse_period", "SECRECIES", "SIGNATURE_VERDICTS",
    "URGENCIES", "ReportSchedule", "Reports", "Absence", "Assign", "Condition", "Deadline", "Person", "Route", "Unit", "check_routing",
]
