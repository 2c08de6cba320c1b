"""mailbot under systemd's rules: the unit's own syscall filter, Type=notify, the watchdog.

The daemon runs as a subprocess confined by the SystemCallFilter= lines of
systemd/mailbot.service (testbed/seccomp.py: libseccomp, kill on a denied call,
as systemd does) with 2 inspection workers pinned to CPUs, and talks to a
stand-in notification socket (tests/support/notify.py).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from email.policy import SMTP as SMTP_POLICY
from pathlib import Path

import pytest

from mailbot.runtime.daemon import Worker
from mailbot.runtime.notify import Notifier
from mailbot.runtime.service import Supervisor
from mailbot.store import schema as dbmod
from mailbot.util import samples
from mailbot.util.netutil import free_port
from tests.support.bot import DOCX_TYPE, mail, relay_yaml, rules_text
from tests.support.notify import NotifySocket
from tests.test_restart import send, settled, wait_port

ROOT = Path(__file__).resolve().parent.parent
UNIT = ROOT / "systemd" / "mailbot.service"
TEMPLATE = ROOT / "systemd" / "mailbot@.service"

needs_systemd_analyze = pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                                           reason="systemd-analyze is not installed (apt-get install systemd)")
# SQLite run by root fchown()s its journal files to the database's owner; the unit runs as
# User=mailbot, where it never does (testbed/seccomp.py).
AS_ROOT = ["--allow", "fchown"] if os.geteuid() == 0 else []
PINNED = "limits: {inspect_workers: 2, inspect_pin_cpus: true}"


def start(tmp_path: Path, port: int, relay, *, unit: Path | None = UNIT, notify: NotifySocket | None = None,
          env_extra: dict[str, str] | None = None) -> subprocess.Popen:
    config = tmp_path / "rules.yaml"
    config.write_text(rules_text(tmp_path, port, relay_yaml(relay), extra=PINNED), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAILBOT_", "NOTIFY_", "WATCHDOG_"))}
    if notify is not None:
        env.update(NOTIFY_SOCKET=notify.address, WATCHDOG_USEC="400000")
    env.update(env_extra or {})
    command = [sys.executable, "-m", "mailbot", "run", "--config", str(config)]
    if unit is not None:
        command = [sys.executable, "-m", "testbed.seccomp", str(unit), *AS_ROOT, "--", *command]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def stop(proc: subprocess.Popen) -> tuple[int, str]:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = proc.wait()
    return rc, proc.stderr.read().decode(errors="replace")


def documents(n: int):
    return [mail(subject=f"Văn bản {i}", files=[(f"vb{i}.docx", samples.docx(
        ["SỞ TÀI CHÍNH", f"Số: {i + 10}/GM-STC", "GIẤY MỜI", f"Họp {i}"]), DOCX_TYPE)]) for i in range(n)]


@needs_systemd_analyze
def test_daemon_with_two_pinned_workers_runs_under_the_units_filter(tmp_path, relay):
    assert len(os.sched_getaffinity(0)) >= 2, "pinning needs two CPUs"
    port = free_port()
    notify = NotifySocket()
    proc = start(tmp_path, port, relay, notify=notify)
    try:
        wait_port(port, proc)
        ready = notify.wait_for("READY=1")
        assert "STATUS=1 hộp thư, 0 thư chờ, 0 thông báo chưa gửi" in notify.messages[ready][1]
        for doc in documents(3):
            assert send(port, doc.as_bytes(policy=SMTP_POLICY), str(doc["From"]))
        settled(tmp_path / "data" / "mailbot.sqlite3")
        notify.wait_for("WATCHDOG=1", after=len(notify.messages))   # pings keep coming
        # SIGHUP: RELOADING=1, then READY=1 again once the rules are read.
        proc.send_signal(signal.SIGHUP)
        reloading = notify.wait_for("RELOADING=1")
        notify.wait_for("READY=1", after=reloading + 1)
        workers = subprocess.run(["pgrep", "-P", str(proc.pid), "-f", "multiprocessing"],
                                 capture_output=True, text=True).stdout.split()
    finally:
        rc, err = stop(proc)
        notify.close()
    assert rc == 0, f"the daemon ended with {rc} (-31 is SIGSYS: a call the unit forbids)\n{err[-3000:]}"
    assert "STOPPING=1" in notify.fields()
    conn = dbmod.connect(tmp_path / "data" / "mailbot.sqlite3")
    try:
        rows = conn.execute("SELECT arrival_number, decision FROM entries ORDER BY arrival_number").fetchall()
    finally:
        conn.close()
    assert rows == [(1, "accept"), (2, "accept"), (3, "accept")]
    assert sorted(m.rcpt_tos[0] for m in relay.messages) == ["vanthu@stc.quangngai.gov.vn"] * 3
    assert len(workers) >= 2, "the inspection workers were not running"
    assert "could not keep inspection worker" not in err, "pinning failed"


@needs_systemd_analyze
def test_the_old_filter_would_have_killed_the_daemon(tmp_path, relay):
    """The filter really bites: with @resources denied, as before, pinning kills the daemon."""
    old = tmp_path / "old.service"
    old.write_text("[Service]\nSystemCallFilter=@system-service\nSystemCallFilter=~@privileged @resources\n")
    proc = start(tmp_path, free_port(), relay, unit=old)
    try:
        rc = proc.wait(timeout=60)          # killed by the kernel as the workers are pinned
    finally:
        _, err = stop(proc)
    assert rc == -signal.SIGSYS, err[-2000:]


@needs_systemd_analyze
@pytest.mark.parametrize("command", [["tesseract", "--list-langs"], ["pdftoppm", "-v"]])
def test_ocr_programs_run_under_the_units_filter(command):
    if shutil.which(command[0]) is None:
        pytest.skip(f"{command[0]} is not installed")
    result = subprocess.run([sys.executable, "-m", "testbed.seccomp", str(UNIT), "--", *command],
                            cwd=ROOT, capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr.decode(errors="replace")[-2000:]


def test_a_hung_main_loop_stops_the_watchdog(tmp_path, relay):
    port = free_port()
    notify = NotifySocket()
    proc = start(tmp_path, port, relay, unit=None, notify=notify, env_extra={"MAILBOT_HANG_AT": "main-loop"})
    try:
        wait_port(port, proc)
        ready = notify.wait_for("READY=1")
        time.sleep(0.5)            # the tick that said READY=1 may have pinged once
        before = notify.count("WATCHDOG=1", after=ready)
        time.sleep(2.0)            # five watchdog intervals of 0.4 s
        pings = notify.count("WATCHDOG=1", after=ready) - before
        alive = proc.poll() is None
    finally:
        proc.kill()
        proc.wait()
        notify.close()
    assert alive
    assert pings == 0, "the watchdog was fed by a main loop that hangs"


class Stuck(Worker):
    def __init__(self, stop: threading.Event, release: threading.Event):
        super().__init__("processor", stop)
        self.release = release

    def step(self):
        self.release.wait()
        return None


def test_a_worker_stuck_in_one_step_stops_the_watchdog():
    notify = NotifySocket()
    stop, release = threading.Event(), threading.Event()
    worker = Stuck(stop, release)
    supervisor = Supervisor(Notifier(notify.address, watchdog_usec=1), lambda: [worker], lambda: (0, 0), 1, [])
    supervisor.stall_seconds = 0.3
    supervisor.listening = True
    worker.start()
    try:
        supervisor.tick()
        assert notify.wait_for("WATCHDOG=1", timeout=5) is not None
        deadline = time.monotonic() + 10
        while not supervisor.stalled() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert supervisor.stalled() == ["processor"]
        before = notify.count("WATCHDOG=1")
        supervisor.tick()
        supervisor.tick()
        time.sleep(0.2)
        assert notify.count("WATCHDOG=1") == before
        release.set()               # the step ends: pings resume
        deadline = time.monotonic() + 5
        while supervisor.stalled() and time.monotonic() < deadline:
            time.sleep(0.05)
        supervisor.tick()
        notify.wait_for("WATCHDOG=1", timeout=5, after=len(notify.messages) - 1)
    finally:
        stop.set()
        release.set()
        worker.wake()
        worker.join(5)
        notify.close()


@needs_systemd_analyze
@pytest.mark.parametrize("unit", [UNIT, TEMPLATE], ids=lambda p: p.name)
def test_exposure_stays_at_or_below_two(unit):
    out = subprocess.run(["systemd-analyze", "security", "--offline=yes", str(unit)],
                         capture_output=True, text=True).stdout
    line = next(l for l in out.splitlines() if "Overall exposure level" in l)
    score = float(line.split(":")[1].split()[0])
    assert score <= 2.0, line


def test_the_template_unit_keeps_the_filter_and_separates_instances():
    def lines(path: Path, key: str) -> list[str]:
        return [l for l in path.read_text(encoding="utf-8").splitlines() if l.startswith(key)]

    assert lines(TEMPLATE, "SystemCallFilter=") == lines(UNIT, "SystemCallFilter=")
    assert lines(TEMPLATE, "StateDirectory=") == ["StateDirectory=mailbot/%i"]
    assert "LoadCredential=%i:/etc/mailbot/%i/secrets/%i" in lines(TEMPLATE, "LoadCredential=")
    assert all("/etc/mailbot/%i/" in l for l in lines(TEMPLATE, "LoadCredential=") + lines(TEMPLATE, "ExecStart"))
    assert lines(TEMPLATE, "Type=") == lines(UNIT, "Type=") == ["Type=notify"]


def test_sigterm_during_a_burst_loses_nothing_and_answers_once(tmp_path, relay):
    """systemctl stop in the middle of a burst: each message is registered and acknowledged once,
    or still waits (spooled, or never accepted by SMTP, so with the sending MTA); a restart ends it."""
    from email import message_from_bytes, policy

    port = free_port()
    docs = documents(40)
    raws = [(d["Message-ID"], d.as_bytes(policy=SMTP_POLICY)) for d in docs]
    accepted: list[str] = []
    proc = start(tmp_path, port, relay, unit=None)
    wait_port(port, proc)
    db_path = tmp_path / "data" / "mailbot.sqlite3"

    def burst():
        for mid, raw in raws:
            if send(port, raw, "vanthu@stc.quangngai.gov.vn"):
                accepted.append(mid)

    sender = threading.Thread(target=burst, daemon=True)
    sender.start()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if db_path.exists() and len(_entries(db_path)) >= 8:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    rc = proc.wait(timeout=30)              # TimeoutStopSec=30s in the unit
    sender.join(120)
    assert rc == 0, proc.stderr.read().decode(errors="replace")[-3000:]
    registered = _entries(db_path)
    assert 0 < len(registered) < len(raws), "the stop did not fall in the middle of the burst"
    conn = dbmod.connect(db_path)
    try:
        rows = conn.execute("SELECT message_id, state FROM messages").fetchall()
    finally:
        conn.conn.close()
    # The Message-ID is read when the message is decided: those still waiting have none yet.
    assert len(rows) == len(accepted), "SMTP said 250 for a message that is not stored, or the reverse"
    assert {mid for mid, state in rows if state == "processed"} <= set(accepted)
    assert {state for _, state in rows} <= {"received", "processed"}

    proc = start(tmp_path, port, relay, unit=None)          # the restart picks up what waits
    try:
        wait_port(port, proc)
        for mid, raw in raws:
            if mid not in accepted:                           # the sending MTA retries
                assert send(port, raw, "vanthu@stc.quangngai.gov.vn")
        settled(db_path, timeout=120)
    finally:
        rc, err = stop(proc)
    assert rc == 0, err[-3000:]
    assert sorted(n for n, _ in _entries(db_path)) == list(range(1, len(raws) + 1))
    answered = [message_from_bytes(m.raw, policy=policy.default)["In-Reply-To"] for m in relay.messages]
    assert sorted(answered) == sorted(mid for mid, _ in raws), "a message was acknowledged twice or never"


def _entries(db_path: Path) -> list[tuple[int, str]]:
    import sqlite3

    conn = sqlite3.connect(db_path, timeout=30)
    try:
        return conn.execute("SELECT arrival_number, message_id FROM entries").fetchall()
    except sqlite3.OperationalError:
        return []                            # not created yet
    finally:
        conn.close()
