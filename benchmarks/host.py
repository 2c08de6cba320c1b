"""What the Linux host tells about processes and CPUs: RSS and CPU time from /proc, process
trees, CPU affinity of every thread, and a description of the machine for the report."""

from __future__ import annotations

import contextlib
import os
import platform
import re
import sqlite3
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS / VmHWM (bytes) of a process; {} when it is gone."""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    key, value = line.split(":", 1)
                    out[key] = int(value.split()[0]) * 1024
    except OSError:
        pass
    return out


def descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    kids = [int(x) for x in f.read().split()]
                out += kids
                todo += kids
        except OSError:
            pass
    return out


TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rfind(")") + 2:].split()


def cpu_seconds(pid: int, *, reaped: bool = True) -> float:
    """utime + stime of a process (+ its reaped children's when `reaped`)."""
    st = _stat(pid)
    if st is None:
        return 0.0
    total = int(st[11]) + int(st[12]) + ((int(st[13]) + int(st[14])) if reaped else 0)
    return total / TICK


def group_cpu_seconds(pgrp: int) -> float:
    """CPU of every live process of a process group, plus the children they reaped."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            st = _stat(int(entry))
            if st is not None and int(st[2]) == pgrp:
                total += (int(st[11]) + int(st[12]) + int(st[13]) + int(st[14])) / TICK
    return total


def cpu_snapshot(daemon_pid: int, dovecot_pid: int) -> dict[str, float]:
    """CPU seconds used so far by the daemon's main process, its inspection workers, Dovecot and
    this benchmark process (relay, feeder, samplers)."""
    workers = sum(cpu_seconds(p, reaped=False) for p in descendants(daemon_pid))
    me = os.times()
    return {"machine (all processes)": machine_busy_seconds(),
            "daemon": cpu_seconds(daemon_pid, reaped=False),
            "inspection workers": workers + sum(int(x) for x in (_stat(daemon_pid) or [0] * 15)[13:15]) / TICK,
            "dovecot": group_cpu_seconds(dovecot_pid),
            "benchmark (relay, feeder)": me.user + me.system}


def machine_busy_seconds() -> float:
    """Busy CPU seconds of the whole machine so far (/proc/stat: all but idle and iowait)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    values = [int(x) for x in fields]
    return (sum(values[:8]) - values[3] - values[4]) / TICK


def proc_kind(pid: int) -> str:
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "process"
    return "resource_tracker" if b"resource_tracker" in cmd else ("inspection worker" if b"spawn_main" in cmd
                                                                   else "process")


def reset_hwm(pid: int) -> bool:
    """Reset the peak-RSS mark (VmHWM) of a process to its current RSS (Linux ≥ 4.0, needs root or owner)."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _tasks(pid: int) -> list[int]:
    try:
        return [int(t) for t in os.listdir(f"/proc/{pid}/task")]
    except OSError:
        return []


def confine(pids: list[int], cpus: set[int]) -> None:
    """CPU affinity of every thread of these processes (children forked later inherit it)."""
    for pid in pids:
        for tid in _tasks(pid):
            with contextlib.suppress(OSError):
                os.sched_setaffinity(tid, cpus)


def machine() -> dict:
    from importlib import metadata

    info: dict[str, Any] = {
        "hostname": platform.node(), "kernel": platform.release(), "python": platform.python_version(),
        "cpus_online": os.cpu_count(), "cpus_usable": len(os.sched_getaffinity(0)),
        "sqlite": sqlite3.sqlite_version, "loadavg_at_start": os.getloadavg(),
    }
    with contextlib.suppress(OSError):
        cpu = Path("/proc/cpuinfo").read_text()
        m = re.search(r"model name\s*:\s*(.*)", cpu)
        info["cpu"] = m.group(1).strip() if m else platform.processor()
        m = re.search(r"cpu MHz\s*:\s*(.*)", cpu)
        info["cpu_mhz"] = m.group(1).strip() if m else None
    with contextlib.suppress(OSError):
        m = re.search(r"MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text())
        info["mem_gib"] = round(int(m.group(1)) / 2**20, 1)
    with contextlib.suppress(Exception):
        info["dovecot"] = subprocess.run(["dovecot", "--version"], capture_output=True, text=True).stdout.strip()
    with contextlib.suppress(Exception):
        info["filesystem_tmp"] = subprocess.run(["df", "-T", tempfile.gettempdir()], capture_output=True,
                                                text=True).stdout.splitlines()[-1].split()[1]
    pkgs = {}
    for name in ("pypdf", "pyHanko", "pyhanko-certvalidator", "aiosmtpd", "IMAPClient", "python-magic",
                 "sqlite-utils", "cryptography"):
        with contextlib.suppress(Exception):
            pkgs[name] = metadata.version(name)
    info["packages"] = pkgs
    with contextlib.suppress(Exception):
        info["git_commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                            text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        info["git_dirty_files"] = len(dirty.splitlines())
    return info
