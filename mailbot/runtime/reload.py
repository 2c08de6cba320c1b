"""Rules that reload safely: on SIGHUP, and when rules.yaml changes on disk.

A valid file is handed to every worker, which takes it at its next step boundary
(nothing in hand is cut off or done twice). An invalid file is refused: the
problems go to the log with their lines, the clerk (or the security contact) is
told once per version of the file, and the daemon keeps running on the last
good rules. Sections that need a restart (storage, mailboxes, the SMTP
listener) keep their running values; the log says so.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from pathlib import Path

from mailbot.config import ConfigError, Rules, load_rules

log = logging.getLogger("mailbot.reload")

# Changing these needs a restart: the listener, the watchers and the database are already open.
RESTART_ONLY = ("storage", "mailboxes", "smtp_intake")


class RulesWatcher(threading.Thread):
    """Watches one rules file; calls `apply(rules)` with each new valid version."""

    def __init__(self, path: Path, current: Rules, apply: Callable[[Rules], None], stop: threading.Event,
                 *, poll_seconds: float = 2.0, after_reload: Callable[[], None] | None = None):
        """`after_reload()`: called after every attempt, applied or refused (systemd's READY=1)."""
        super().__init__(name="rules-watcher", daemon=True)
        self.path = Path(path)
        self.current = current
        self.apply = apply
        self.stop_event = stop
        self.poll_seconds = poll_seconds
        self.after_reload = after_reload
        self.requested = threading.Event()
        self._seen = self._fingerprint()
        self._refused: bytes | None = None     # the invalid version already reported
        self.reloads = 0                       # valid versions applied (tests, status)

    def request(self) -> None:
        """Reload now (SIGHUP)."""
        self.requested.set()

    def run(self) -> None:
        while not self.stop_event.is_set():
            asked = self.requested.wait(self.poll_seconds)
            self.requested.clear()
            if self.stop_event.is_set():
                break
            fingerprint = self._fingerprint()
            if asked or fingerprint != self._seen:
                self._seen = fingerprint
                try:
                    self.reload(asked)
                except Exception:  # noqa: BLE001 - a reload bug must not stop the daemon
                    log.exception("reloading %s failed; the running rules stay in use", self.path)
                if asked and self.after_reload is not None:
                    self.after_reload()

    def reload(self, asked: bool = True) -> bool:
        """Load the file; apply it when valid. Returns True when new rules were applied."""
        log.info("%s: reloading %s", "signal" if asked else "file changed", self.path)
        try:
            new = load_rules(self.path)
        except ConfigError as exc:
            self._refuse(exc)
            return False
        self._refused = None
        kept = [key for key in RESTART_ONLY if getattr(new, key) != getattr(self.current, key)]
        if kept:
            log.warning("rules.yaml: changes to %s take effect at the next restart; the running values stay",
                        ", ".join(kept))
            new = new.model_copy(update={key: getattr(self.current, key) for key in RESTART_ONLY})
        self.current = new
        self.apply(new)
        self.reloads += 1
        log.info("rules.yaml reloaded: the next message uses the new rules")
        return True

    def _fingerprint(self) -> bytes | None:
        try:
            return hashlib.sha256(self.path.read_bytes()).digest()
        except OSError:
            return None

    def _refuse(self, exc: ConfigError) -> None:
        for problem in exc.problems:
            log.error("rules.yaml refused: %s", problem)
        log.error("rules.yaml is invalid: the daemon keeps running on the last good rules")
        if self._refused == self._seen:
            return                              # this version was reported already
        self._refused = self._seen
        from mailbot.dispatch.direct import tell_office

        lines = ["Kính gửi: bộ phận Văn thư và quản trị hệ thống", "",
                 f"Tệp cấu hình {self.path} vừa được sửa nhưng có lỗi, nên KHÔNG được áp dụng. Hệ thống vẫn "
                 "chạy bình thường với cấu hình đúng gần nhất; không thư nào bị mất.", "",
                 "Lỗi (bằng tiếng Anh, kèm số dòng) — the file was refused:"]
        lines += [f"  - {p}" for p in exc.problems]
        lines += ["", "Sửa tệp rồi lưu lại: hệ thống tự nạp lại (hoặc: systemctl reload mailbot). "
                  "Kiểm tra trước bằng lệnh: mailbot check", "", "Đây là thư tự động của hệ thống văn thư điện tử."]
        tell_office(self.current, "config-invalid", "[mailbot] Cấu hình rules.yaml có lỗi, chưa được áp dụng",
                    "\n".join(lines) + "\n", seed=(self._seen or b"").hex())
