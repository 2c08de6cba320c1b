"""What the daemon tells systemd: READY, WATCHDOG while it makes progress, STATUS, RELOADING.

The main loop calls `tick()` about twice a second. READY=1 goes out once the
SMTP listener is bound and every IMAP mailbox has finished its first sync (a
mailbox whose server is down counts once its first attempt failed, so one
agency's outage does not keep the unit from starting; STATUS says which one).
WATCHDOG=1 goes out only from the main loop, and only while no worker thread
has died or sat inside one step without progress for `stall_seconds`: a hung
main loop or a stuck worker stops the pings and systemd restarts the unit.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from mailbot.runtime.notify import Notifier

log = logging.getLogger("mailbot.runtime.service")


class Watched(Protocol):
    name: str

    def stalled(self, now: float, limit: float) -> bool: ...


class Supervisor:
    # How long one worker step may go without progress before the watchdog stops. Every
    # inspection is killed at limits.inspect_seconds and SMTP has timeouts, so only a real
    # hang lasts this long.
    stall_seconds = 300.0
    # How often the STATUS line is recomputed (it reads the database).
    status_seconds = 5.0

    def __init__(self, notifier: Notifier, workers: Callable[[], Sequence[Watched]],
                 counts: Callable[[], tuple[int, int]], mailbox_count: int, imap_mailboxes: Sequence[str]):
        """`counts()` → (messages waiting, notices not yet sent); `imap_mailboxes`: ids READY waits for."""
        self.notifier = notifier
        self.workers = workers
        self.counts = counts
        self.mailbox_count = mailbox_count
        self.mailboxes = list(imap_mailboxes)
        self._synced: set[str] = set()
        self._failing: set[str] = set()
        self._lock = threading.Lock()
        self.listening = False
        self.ready = False
        self._status: str | None = None
        self._status_at = 0.0
        self._ping_at = 0.0

    # -- reports from the intake threads ------------------------------------------------

    def mailbox_record(self, record: dict[str, Any]) -> None:
        """An IMAP watcher's health record (any thread)."""
        box = record.get("mailbox")
        with self._lock:
            if record.get("last_sync") or record.get("last_error"):
                self._synced.add(box)
            if record.get("connected") or record.get("last_sync") and not record.get("errors_in_row"):
                self._failing.discard(box)
            elif record.get("last_error"):
                self._failing.add(box)

    # -- the main loop -------------------------------------------------------------------

    def stalled(self, now: float | None = None) -> list[str]:
        now = time.monotonic() if now is None else now
        return [w.name for w in self.workers() if w.stalled(now, self.stall_seconds)]

    def tick(self) -> None:
        now = time.monotonic()
        if not self.ready and self.listening and set(self.mailboxes) <= self._synced:
            self.ready = True
            self._status = self.status_line()
            self._status_at = now
            self.notifier.ready(self._status)
            log.info("mailbot ready: %s", self._status)
        if self.notifier.watchdog_seconds and now - self._ping_at >= self.notifier.watchdog_seconds / 2:
            stuck = self.stalled(now)
            if stuck:
                log.error("no progress in %s: watchdog pings stop, systemd will restart the service",
                          ", ".join(stuck))
            else:
                self._ping_at = now
                self.notifier.watchdog()
        if self.ready and now - self._status_at >= self.status_seconds:
            self._status_at = now
            line = self.status_line()
            if line != self._status:
                self._status = line
                self.notifier.status(line)

    def status_line(self) -> str:
        """"3 hộp thư, 0 thư chờ, 1 thông báo chưa gửi" (Vietnamese: systemctl status shows it)."""
        try:
            waiting, unsent = self.counts()
        except Exception as exc:  # noqa: BLE001 - a locked database must not stop the main loop
            log.warning("status counts unavailable: %s", exc)
            return self._status or "đang chạy"
        parts = [f"{self.mailbox_count} hộp thư", f"{waiting} thư chờ", f"{unsent} thông báo chưa gửi"]
        with self._lock:
            failing = sorted(self._failing)
        if failing:
            parts.append("mất kết nối: " + ", ".join(failing))
        return ", ".join(parts)

    # -- reload and stop -----------------------------------------------------------------

    def reloading(self) -> None:
        self.notifier.reloading()

    def reloaded(self) -> None:
        self.notifier.ready(self.status_line())

    def stopping(self) -> None:
        self.notifier.stopping("đang dừng: xử lý xong thư đang làm, thư còn lại để lại trên máy chủ")
