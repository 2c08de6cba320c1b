"""The watcher's health record: what `status()` answers and what goes to `report_status`.

The watcher does not know where the record ends up: whoever starts it hands in
a `report_status(record)` callable (the daemon writes the file `mailbot status`
reads). Reporting is best effort and never ends the watcher's thread.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from mailbot.intake.imap.plan import now_text
from mailbot.util.errors import short_error

StatusReporter = Callable[[dict[str, Any]], None]


@dataclass
class WatcherStatus:
    mailbox: str
    address: str
    host: str
    kind: str = "imap"
    connected: bool = False
    mode: str | None = None
    last_sync: str | None = None
    waiting: int | None = None
    last_error: str | None = None
    last_error_at: str | None = None
    errors_in_row: int = 0
    moved: int = 0                      # sources moved (decided) by this watcher since it started
    uidvalidity: int | None = None
    updated_at: str | None = None
    pid: int = field(default_factory=os.getpid)


class Health:
    """One watcher's `WatcherStatus`, changed under a lock and reported after each change."""

    def __init__(self, status: WatcherStatus, report: StatusReporter | None,
                 log: logging.Logger | logging.LoggerAdapter):
        self._status = status
        self._report = report
        self._lock = threading.Lock()
        self.log = log

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return dict(vars(self._status))

    def update(self, **changes: Any) -> None:
        with self._lock:
            for key, value in changes.items():
                setattr(self._status, key, value)
            self._status.updated_at = now_text()
        self.publish()

    def moved_one(self) -> None:
        with self._lock:
            self._status.moved += 1

    def error(self, exc: BaseException, what: str) -> None:
        self.log.warning("mailbox %s: %s; %s", self._status.mailbox, short_error(exc), what)
        with self._lock:
            self._status.errors_in_row += 1
        self.update(last_error=short_error(exc), last_error_at=now_text())

    def publish(self) -> None:
        if self._report is None:
            return
        try:
            self._report(self.snapshot())
        except Exception:  # health is best effort: it must never end the watcher's thread
            self.log.exception("mailbox %s: reporting the watcher's status failed", self._status.mailbox)
