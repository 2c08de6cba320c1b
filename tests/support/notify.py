"""A stand-in for systemd's notification socket: collects what a Type=notify daemon says."""

from __future__ import annotations

import os
import socket
import threading
import time


class NotifySocket:
    def __init__(self):
        self.name = f"mailbot-test-{os.getpid()}-{id(self):x}"
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind("\0" + self.name)          # abstract, as systemd's own socket may be
        self.sock.settimeout(0.2)
        self.messages: list[tuple[float, list[str]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._collect, daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        return "@" + self.name

    def _collect(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            self.messages.append((time.monotonic(), data.decode("utf-8").split("\n")))

    def fields(self) -> list[str]:
        return [f for _, fields in list(self.messages) for f in fields]

    def wait_for(self, field: str, timeout: float = 30, after: int = 0) -> int:
        """Index (in `messages`) of the first message from `after` on carrying `field`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for i, (_, fields) in enumerate(list(self.messages)[after:], start=after):
                if field in fields:
                    return i
            time.sleep(0.05)
        raise AssertionError(f"no {field} from the daemon in {timeout} s; got {self.messages}")

    def count(self, field: str, after: int = 0) -> int:
        return sum(field in fields for _, fields in list(self.messages)[after:])

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()
