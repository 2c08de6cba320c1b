"""Apply a systemd unit's own SystemCallFilter= to a command, without systemd.

    python -m testbed.seccomp UNIT [--allow CALL]... -- COMMAND [ARGS...]

reads every `SystemCallFilter=` line of UNIT, expands the @groups with
`systemd-analyze syscall-filter` (the same tables systemd compiles in), builds
the allow list as systemd does (an allow list implies @default; `~` lines take
calls out again), loads it with libseccomp (default action: kill the process,
as systemd does without SystemCallErrorNumber=) and execs COMMAND. The filter
is inherited by every thread, child and exec'd program, like under systemd.

`--allow CALL` adds a call the unit does not need but the test run does: the
tests run as root, and SQLite run by root hands its journal files back to the
database's owner with fchown(); under the unit (User=mailbot) it never does.

libseccomp is reached through ctypes: Debian's python3-seccomp is built for
the system interpreter and cannot be imported into the project's venv; the C
library it wraps (libseccomp2) is on every Debian machine that has systemd.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

SCMP_ACT_KILL_PROCESS = 0x80000000
SCMP_ACT_ALLOW = 0x7FFF0000


@cache
def group(name: str) -> frozenset[str]:
    """The system calls of one @group, nested groups expanded."""
    out = subprocess.run(["systemd-analyze", "syscall-filter", name], check=True,
                         capture_output=True, text=True).stdout
    calls: set[str] = set()
    for line in out.splitlines()[1:]:
        item = line.strip()
        if not item or item.startswith("#"):
            continue
        calls |= group(item) if item.startswith("@") else {item}
    return frozenset(calls)


def expand(items: list[str]) -> set[str]:
    calls: set[str] = set()
    for item in items:
        calls |= group(item) if item.startswith("@") else {item}
    return calls


def unit_filter(unit_text: str) -> set[str]:
    """The system calls a unit allows, from its SystemCallFilter= lines (allow-list form only)."""
    allowed: set[str] | None = None
    for line in unit_text.splitlines():
        line = line.strip()
        if not line.startswith("SystemCallFilter="):
            continue
        value = line.split("=", 1)[1].strip()
        if value.startswith("~"):
            if allowed is None:
                raise ValueError("a deny-only filter is not what the mailbot units use")
            allowed -= expand(value[1:].split())
        else:
            if allowed is None:
                allowed = set(group("@default"))
            allowed |= expand(value.split())
    if allowed is None:
        raise ValueError("the unit has no SystemCallFilter=")
    return allowed


def load(allowed: set[str]) -> None:
    """Confine this process (and everything it starts) to `allowed`; anything else kills it."""
    lib = ctypes.CDLL(ctypes.util.find_library("seccomp") or "libseccomp.so.2", use_errno=True)
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint]
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    ctx = lib.seccomp_init(SCMP_ACT_KILL_PROCESS)
    if not ctx:
        raise OSError("seccomp_init failed")
    try:
        for name in sorted(allowed):
            number = lib.seccomp_syscall_resolve_name(name.encode())
            if number < 0:          # not a call on this architecture (e.g. 32-bit only): skip
                continue
            rc = lib.seccomp_rule_add(ctx, SCMP_ACT_ALLOW, number, 0)
            if rc != 0:
                raise OSError(-rc, f"seccomp_rule_add({name})")
        rc = lib.seccomp_load(ctx)  # also sets no_new_privs, as NoNewPrivileges=yes does
        if rc != 0:
            raise OSError(-rc, "seccomp_load")
    finally:
        lib.seccomp_release(ctx)


def main(argv: list[str]) -> None:
    unit, *rest = argv
    extra: set[str] = set()
    while rest[:1] == ["--allow"] and len(rest) > 1:
        extra.add(rest[1])
        rest = rest[2:]
    if rest[:1] != ["--"] or len(rest) < 2:
        sys.exit("usage: python -m testbed.seccomp UNIT [--allow CALL]... -- COMMAND [ARGS...]")
    command = rest[1:]
    allowed = unit_filter(Path(unit).read_text(encoding="utf-8")) | extra
    program = shutil.which(command[0]) or command[0]
    load(allowed)
    os.execv(program, command)


if __name__ == "__main__":
    main(sys.argv[1:])
