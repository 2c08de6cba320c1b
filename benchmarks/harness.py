"""The servers and the daemon under test, and the context every phase gets.

- `TimedRelay`: testbed.relay.Relay that timestamps each captured notice by its In-Reply-To;
- `Daemon`: `python -m mailbot run --config rules.yaml` as a child process, with an RSS sampler;
- `Feeder`: APPENDs messages to a benchmark user's INBOX;
- `Ctx`: what a phase needs (arguments, sizes, workload, Dovecot, relay, spare users, results);
- `start_servers`: Dovecot with the benchmark users, and the relay, stopped on exit;
- `harness_confined`: Dovecot, the relay and the feeder confined to some CPUs for a block.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.common import MTA, OFFICE, ROOT
from benchmarks.host import confine, descendants, proc_status
from benchmarks.workload import Workload


class TimedRelay:
    """testbed.relay.Relay, plus the arrival time of each captured message by In-Reply-To."""

    def __init__(self, folder: Path):
        from testbed.relay import Relay, make_tls_files

        outer = self

        class _Relay(Relay):
            def _capture(self, item):  # runs in aiosmtpd's thread, right after DATA
                now = time.monotonic()
                head = item.raw[:8192]
                m = re.search(rb"^In-Reply-To:\s*(<[^>\r\n]*>)", head, re.M | re.I)
                kind = re.search(rb"^X-Mailbot-Notice:\s*(\S+)", head, re.M | re.I)
                with outer.lock:
                    outer.count += 1
                    if m:
                        key = m.group(1).decode("ascii", "replace")
                        outer.first.setdefault(key, now)
                        outer.kinds.setdefault(key, []).append(kind.group(1).decode() if kind else "?")

        folder.mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()
        self.count = 0
        self.first: dict[str, float] = {}       # original Message-ID → time the first notice arrived
        self.kinds: dict[str, list[str]] = {}
        self.relay = _Relay(make_tls_files(folder / "tls"), folder)

    def start(self) -> None:
        self.relay.start()

    def stop(self) -> None:
        self.relay.stop()

    def acked(self, mid: str) -> float | None:
        with self.lock:
            return self.first.get(mid)

    def yaml(self) -> str:
        r = self.relay
        return (f"smtp:\n  host: {r.host}\n  port: {r.port}\n  security: starttls\n  username: {r.username}\n"
                f"  password_file: {r.password_file}\n  cafile: {r.cafile}\n  timeout_seconds: 10\n")


class Daemon:
    """`python -m mailbot run --config …` as a child process, with an RSS sampler."""

    def __init__(self, workdir: Path, *, dovecot, user: str, relay: TimedRelay, trust_files: dict,
                 inspect_workers: int, name: str, command: list[str] | None = None,
                 cpus: set[int] | None = None):
        self.command = command or [sys.executable, "-m", "mailbot"]
        self.cpus = cpus          # CPU affinity of the daemon and (inherited) its workers; None = all
        self.workdir = workdir / name
        self.workdir.mkdir(parents=True)
        self.name = name
        password = self.workdir / "imap.password"
        password.write_text(dovecot.users[user] + "\n", encoding="utf-8")
        self.config = self.workdir / "rules.yaml"
        self.config.write_text(f"""\
# Written by benchmarks/run.py ({name})
office: {{name: Văn phòng UBND tỉnh Quảng Ngãi, timezone: Asia/Ho_Chi_Minh}}
storage: {{data_dir: {self.workdir}/data}}
books: [{{id: den-ubnd, name: Sổ đăng ký văn bản đến}}]
mailboxes:
  - id: ubnd
    address: {OFFICE}
    register: den-ubnd
    imap: {{host: 127.0.0.1, port: {dovecot.port}, tls: none, username: {user}, password_file: {password}}}
notices:
  from_address: {OFFICE}
  from_name: Văn thư UBND tỉnh
  retry_base_seconds: 1
  retry_max_seconds: 5
  # Raised from 20/h per recipient and 1000/h overall: the benchmark measures throughput,
  # not the flood guard (which otherwise suppresses acknowledgements after 20 per sender).
  max_per_recipient_per_hour: 10000000
  max_per_hour: 10000000
senders: {{trusted_domains: ["*.gov.vn"], authserv_id: {MTA}}}
limits: {{inspect_workers: {inspect_workers}}}
trust:
  roots: [{trust_files['root']}]
  intermediates: [{trust_files['intermediate']}]
  crls: [{trust_files['crl_root']}, {trust_files['crl_inter']}]
{relay.yaml()}""", encoding="utf-8")
        self.db_path = self.workdir / "data" / "mailbot.sqlite3"
        self.log_path = self.workdir / "daemon.log"
        self.proc: subprocess.Popen | None = None
        self.samples: list[tuple[float, int, int, int]] = []  # (monotonic, VmRSS incl. children, VmHWM, own VmRSS)
        self.sample_every = 0.25
        self._stop_sampler = threading.Event()
        self.started_at = 0.0

    def start(self) -> None:
        self._log = open(self.log_path, "ab")
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.started_at = time.monotonic()
        cpus = self.cpus
        self.proc = subprocess.Popen([*self.command, "run", "--config", str(self.config)],
                                     cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT, env=env,
                                     start_new_session=True,
                                     preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None)
        threading.Thread(target=self._sample, daemon=True, name=f"rss-{self.name}").start()

    def _sample(self) -> None:
        while not self._stop_sampler.is_set() and self.proc is not None and self.proc.poll() is None:
            st = proc_status(self.proc.pid)
            rss = st.get("VmRSS", 0) + sum(proc_status(k).get("VmRSS", 0) for k in descendants(self.proc.pid))
            if st:
                self.samples.append((time.monotonic(), rss, st.get("VmHWM", 0), st.get("VmRSS", 0)))
            self._stop_sampler.wait(self.sample_every)

    def wait_ready(self, timeout: float = 30.0) -> float:
        """Seconds from start until the IMAP watcher logged that it is connected and watching."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"daemon {self.name} exited ({self.proc.returncode}):\n{self.log_tail()}")
            if b"connected; watching" in self.log_path.read_bytes():
                return time.monotonic() - self.started_at
            time.sleep(0.01)
        raise RuntimeError(f"daemon {self.name} not ready within {timeout}s:\n{self.log_tail()}")

    def status(self) -> dict[str, int]:
        return proc_status(self.proc.pid) if self.proc else {}

    def log_tail(self, n: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def errors(self) -> list[str]:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return []
        return [l for l in lines if " ERROR " in l or "Traceback" in l][:20]

    def stop(self) -> None:
        self._stop_sampler.set()
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        self._log.close()

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=30)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()


class Feeder:
    """APPENDs messages to the benchmark user's INBOX over one IMAP connection."""

    def __init__(self, dovecot, user: str):
        from imapclient import IMAPClient

        self.client = IMAPClient("127.0.0.1", port=dovecot.port, ssl=False, timeout=60)
        self.client.login(user, dovecot.users[user])
        self.appended: dict[str, float] = {}     # Message-ID → monotonic time the APPEND completed
        self.wall: dict[str, float] = {}         # Message-ID → time.time() of the same moment

    def append(self, mid: str, raw: bytes) -> float:
        self.client.append("INBOX", raw)
        now = time.monotonic()
        self.appended[mid] = now
        self.wall[mid] = time.time()
        return now

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client.logout()


def wait_acks(relay: TimedRelay, mids: list[str], timeout: float, daemon: Daemon | None = None) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with relay.lock:
            missing = [m for m in mids if m not in relay.first]
        if not missing:
            return True
        if daemon is not None and daemon.proc is not None and daemon.proc.poll() is not None:
            raise RuntimeError(f"daemon {daemon.name} died:\n{daemon.log_tail()}")
        time.sleep(0.02)
    return False


@dataclass
class Ctx:
    args: argparse.Namespace
    size: dict
    workdir: Path
    work: Workload
    dovecot: Any
    relay: TimedRelay
    users: list[str]
    results: dict = field(default_factory=dict)
    stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)

    def user(self) -> str:
        return self.users.pop(0)

    def daemon(self, name: str, workers: int, command: list[str] | None = None,
               cpus: set[int] | None = None) -> Daemon:
        d = Daemon(self.workdir, dovecot=self.dovecot, user=self.user(), relay=self.relay,
                   trust_files=self.work.trust_files, inspect_workers=workers, name=name, command=command,
                   cpus=cpus)
        self.stack.callback(d.stop)
        return d


def daemon_user(daemon: Daemon) -> str:
    m = re.search(r"username: (\S+?),", daemon.config.read_text(encoding="utf-8"))
    return m.group(1)


def decisions(daemon: Daemon) -> dict[str, int]:
    return dict(daemon.query("SELECT coalesce(decision, state), count(*) FROM messages GROUP BY 1"))


def harness_pids(ctx: Ctx) -> list[int]:
    """This process (relay, feeder) and every process of Dovecot's process group."""
    group = os.getpgid(ctx.dovecot.proc.pid)
    dovecot = [int(p) for p in os.listdir("/proc") if p.isdigit() and _pgid(int(p)) == group]
    return [os.getpid(), *dovecot]


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except OSError:
        return None


@contextlib.contextmanager
def harness_confined(ctx: Ctx, cpus: set[int]):
    """Dovecot, the relay and the feeder on `cpus` while the block runs; then back on all."""
    everywhere = os.sched_getaffinity(0)
    confine(harness_pids(ctx), cpus)
    try:
        yield
    finally:
        confine(harness_pids(ctx), everywhere)


def start_servers(stack: contextlib.ExitStack, workdir: Path) -> tuple[Any, TimedRelay, list[str]]:
    """A private Dovecot with the benchmark users (one fresh account per daemon run) and the timed
    relay, both started now and stopped when `stack` closes."""
    from testbed.dovecot import Dovecot

    dovecot = Dovecot(workdir)
    users = [f"bench{i}" for i in range(1, 25)]
    for u in users:
        dovecot.add_user(u, password=f"pw-{u}")
    stack.callback(dovecot.cleanup)
    dovecot.start()
    relay = TimedRelay(workdir / "relay")
    relay.start()
    stack.callback(relay.stop)
    return dovecot, relay, users
