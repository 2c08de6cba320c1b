"""`mailbot status`: the health of the daemon, its mailboxes, the notice queue and every other queue."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO

from mailbot.commands.common import add_config, load
from mailbot.runtime.health import read_status


def add_parser(sub) -> None:
    p = sub.add_parser("status", help="health of the daemon, of each mailbox and of the notice queue")
    add_config(p)
    p.add_argument("--json", action="store_true",
                   help='machine-readable: {"mailboxes": [one record per IMAP mailbox], "notices": {…}, '
                        '"queues": {queue: {"size", "oldest"}}}')


def run(args) -> int:
    return status_command(load(args), as_json=args.json)


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


def register_queues(rules) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The outbox in numbers, and every queue's size and oldest item (None, None before the
    register exists)."""
    if not Path(rules.db_path).exists():
        return None, None
    from mailbot.dispatch.retry import outbox_summary
    from mailbot.runtime.queues import summary
    from mailbot.store import schema as dbmod

    db = dbmod.connect(rules.db_path)
    try:
        return outbox_summary(db), summary(db)
    finally:
        db.conn.close()


def format_queues(queues: dict[str, Any] | None) -> str:
    if queues is None:
        return ""
    now = datetime.now(timezone.utc)
    parts = []
    for name, q in queues.items():
        oldest = f", oldest {_ago(q['oldest'], now)}" if q["size"] else ""
        failed = f", {q['failed']} failed" if q.get("failed") else ""
        parts.append(f"{name} {q['size']}{failed}{oldest}")
    line = "Queues: " + "; ".join(parts)
    if any(q["size"] for q in queues.values()):
        line += " — see `mailbot queue list`"
    return line


def message_counts(rules) -> dict[str, dict[str, int]] | None:
    """Per mailbox: received (all), registered, refused, held (review or quarantine), duplicate, waiting."""
    if not Path(rules.db_path).exists():
        return None
    from mailbot.store import messages, schema as dbmod

    db = dbmod.connect(rules.db_path)
    try:
        rows = messages.counts_by_mailbox(db)
    finally:
        db.conn.close()
    out: dict[str, dict[str, int]] = {}
    for mailbox, state, decision, n in rows:
        c = out.setdefault(mailbox or "-", dict.fromkeys(
            ("received", "registered", "refused", "held", "duplicate", "waiting"), 0))
        c["received"] += n
        key = ("waiting" if state == "received" else "duplicate" if state == "duplicate"
               else {"accept": "registered", "refuse": "refused"}.get(decision or "", "held"))
        c[key] += n
    return out


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
    notices, queues = register_queues(rules)
    if as_json:
        json.dump({"mailboxes": records, "notices": notices, "queues": queues,
                   "messages": message_counts(rules)}, out, ensure_ascii=False, indent=2, default=str)
        out.write("\n")
    else:
        out.write(format_status(records) + "\n" + format_notices(notices) + "\n")
        if queues is not None:
            out.write(format_queues(queues) + "\n")
    return 0
