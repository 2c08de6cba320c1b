"""Health of the intake sources, for `mailbot status`.

Each IMAP watcher writes its own small JSON file under `<data_dir>/status/`
(durably: temp file, fsync, rename; util/durable), so threads never share a
file and a reader never sees half a record. `mailbot status`
(commands/status.py) prints one line per configured mailbox: connected?, last
sync, messages waiting, last error.

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
from pathlib import Path
from typing import Any

from mailbot.util.durable import write_atomically

STATUS_DIRNAME = "status"


def status_dir(data_dir: Path) -> Path:
    return Path(data_dir) / STATUS_DIRNAME


def status_path(data_dir: Path, mailbox: str) -> Path:
    return status_dir(data_dir) / f"imap-{mailbox}.json"


def write_status(data_dir: Path, mailbox: str, record: dict[str, Any]) -> None:
    """Replace the mailbox's status file atomically (no fsync: it is rewritten at every sync, and
    one per message halved the intake rate). Never raises (health is best effort)."""
    text = json.dumps(record, ensure_ascii=False, indent=1, default=str)
    try:
        write_atomically(status_path(data_dir, mailbox), text.encode("utf-8"))
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
