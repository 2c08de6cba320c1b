"""What one running web view knows: the office's time zone, the accounts file, the limits for
reading spooled messages. Hung on the Datasette object as `datasette.mailbot`."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from mailbot.config import Limits


@dataclass
class WebContext:
    timezone: ZoneInfo
    users_file: Path
    limits: Limits
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("mailbot.web"))

    def today(self) -> date:
        """Today in the office time zone (the register's arrival dates are written in it)."""
        return datetime.now(self.timezone).date()
