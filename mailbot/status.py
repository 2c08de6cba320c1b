"""Health of the intake sources, for `mailbot status`.

Each IMAP watcher writes its own small JSON file under `<data_dir>/status/`
(atomically: temp file + rename), so threads never share a file and a reader
never sees half a record. `status_command(rules)` prints one line per
configured mailbox: connected?, last sync, messages waiting, last error.

`--json` prints {"mailboxes": [records], "notices": outbox summary}; a record:
    mailbox, address, kind ("imap"), connected (bool), mode ("idle" | "poll" |
    null), host, last_sync (ISO 8601 UTC or null), waiting (int), last_error
    (str or null), last_error_at, errors_in_row, moved (sources moved since
    the watcher started), uidvalidity, updated_at, pid, daemon_running (bool,
    computed when read).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO

STATUS_DIRNAME = "status"


def status_dir(data_dir: Path) -> Path:
    return Path(data_dir) / STATUS_DIRNAME


def status_path(data_dir: Path, mailbox: str) -> Path:
    return status_dir(data_dir) / f"imap-{mailbox}.json"


def write_status(data_dir: Path, mailbox: str, record: dict[str, Any]) -> None:
    """Replace the mailbox's status file atomically. Never raises (health is best effort)."""
    path = status_path(data_dir, mailbox)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False, indent=1, default=str)
        os.replace(tmp, path)
    except OSError:
        pass


def _pid_alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_status(rules) -> list[dict[str, Any]]:
    """One record per configured IMAP mailbox (a stub when it never ran)."""
    records = []
    for mb in rules.mailboxes:
        if mb.imap is None:
            continue
        path = status_path(rules.data_dir, mb.id)
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            record = {"mailbox": mb.id, "address": mb.address, "kind": "imap", "connected": False,
                      "mode": None, "host": mb.imap.host, "last_sync": None, "waiting": None,
                      "last_error": None, "last_error_at": None, "updated_at": None, "pid": None}
        record["daemon_running"] = _pid_alive(record.get("pid"))
        if not record["daemon_running"]:
            record["connected"] = False
        records.append(record)
    return records


def _ago(iso: str | None, now: datetime) -> str:
    if not iso:
        return "never"
    try:
        then = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    seconds = int((now - then).total_seconds())
    if seconds < 60:
        return f"{seconds}s ago"
    if seconds < 3600:
        return f"{seconds // 60}m ago"
    if seconds < 86400:
        return f"{seconds // 3600}h ago"
    return f"{seconds // 86400}d ago"


def format_status(records: list[dict[str, Any]], now: datetime | None = None) -> str:
    now = now or datetime.now(timezone.utc)
    if not records:
        return "No IMAP mailbox is configured (mailboxes: … imap: in rules.yaml)."
    lines = []
    for r in records:
        if r.get("updated_at") is None:
            state = "never started"
        elif not r.get("daemon_running"):
            state = "daemon not running"
        elif r.get("connected"):
            state = f"connected ({r.get('mode') or '?'})"
        else:
            state = "disconnected"
        waiting = "?" if r.get("waiting") is None else str(r["waiting"])
        line = (f"{r['mailbox']:<16} {state:<20} last sync {_ago(r.get('last_sync'), now):<10} "
                f"waiting {waiting:<4}")
        if r.get("last_error"):
            line += f" last error ({_ago(r.get('last_error_at'), now)}): {r['last_error']}"
        lines.append(line)
    return "\n".join(lines)


def notice_queue(rules) -> dict[str, Any] | None:
    """The outbox in numbers (None before the register exists)."""
    if not Path(rules.db_path).exists():
        return None
    from . import db as dbmod
    from .dispatch.retry import outbox_summary

    db = dbmod.connect(rules.db_path)
    try:
        return outbox_summary(db)
    finally:
        db.conn.close()


def format_notices(summary: dict[str, Any] | None) -> str:
    if summary is None:
        return "Notices: no register yet."
    line = f"Notices: {summary['pending']} pending"
    if summary["deferred"]:
        line += (f" ({summary['deferred']} deferred by the office-wide cap, the last going at "
                 f"{summary['deferred_until']})")
    line += f", {summary['unbuilt']} not composed, {summary['failed']} failed, {summary['sent']} sent"
    if summary["unbuilt"] or summary["failed"]:
        line += " — see `mailbot queue list`, then `mailbot queue retry --all`"
    return line


def status_command(rules, *, as_json: bool = False, out: TextIO | None = None) -> int:
    """`mailbot status`: the health of every IMAP mailbox and the notice queue. Exit code 0."""
    out = out or sys.stdout
    records = read_status(rules)
    notices = notice_queue(rules)
    if as_json:
        json.dump({"mailboxes": records, "notices": notices}, out, ensure_ascii=False, indent=2, default=str)
        out.write("\n")
    else:
        out.write(format_status(records) + "\n" + format_notices(notices) + "\n")
    return 0
