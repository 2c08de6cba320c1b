"""The dry-run view of one message: inspection + decision as stable JSON (docs/DESIGN.md §8)."""

from __future__ import annotations

import json
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mailbot.commands.common import add_config, load, moment as _moment

if TYPE_CHECKING:
    from mailbot.model import Decision, MessageReport


def explain_json(report: MessageReport, decision: Decision) -> dict[str, Any]:
    from mailbot.model import DocumentFields

    signature = report.main_signature
    return {
        "decision": decision.outcome,
        "reasons": [r.to_json() for r in decision.reasons],
        "paper_copy_required": decision.paper_copy_required,
        "sender_authenticated": bool(report.sender_auth and report.sender_auth.authenticated),
        "sender_auth": report.sender_auth.to_json() if report.sender_auth else None,
        "sender_class": report.sender_class,
        "sender": report.sender,
        "subject": report.subject,
        "message_id": report.message_id,
        "automated": report.automated.to_json() if report.automated else None,
        "attachments": [a.to_json() for a in report.attachments],
        "text_flags": list(report.text_flags),
        "problems": [p.to_json() for p in report.problems],
        "document": (report.document or DocumentFields()).to_json(),   # every key, null where not read
        "document_sources": report.document_sources,
        "main_attachment": (report.attachments[report.main_attachment].filename
                            if report.main_attachment is not None else None),
        "signature": signature.to_json() if signature is not None else None,
        "route": decision.route.to_json() if decision.route is not None else None,
        "book": decision.book,
        "notices": [n.to_json() for n in decision.notices],
        "duplicate_of": None,
        "related_to": None,
    }


def explain_text(data: dict[str, Any]) -> str:
    labels = {"accept": "TIẾP NHẬN (accept)", "refuse": "TỪ CHỐI (refuse)",
              "review": "CẦN XEM XÉT (review)", "quarantine": "CÁCH LY (quarantine)"}
    lines = [f"Quyết định / decision: {labels.get(data['decision'], data['decision'])}",
             f"Người gửi / sender: {data['sender'] or '—'}"
             f" ({'đã xác thực / authenticated' if data['sender_authenticated'] else 'chưa xác thực / not authenticated'})",
             f"Tiêu đề / subject: {data['subject'] or '—'}",
             "Lý do / reasons:"]
    for r in data["reasons"]:
        lines.append(f"  - [{r['code']}] {r['message_vi']}")
        lines.append(f"      {r['message_en']}" + (f"  ({r['rule']})" if r["rule"] else ""))
    lines.append("Tệp đính kèm / attachments:")
    for a in data["attachments"] or []:
        mark = "✓" if a["allowed"] else "✗"
        why = f" — {a['reason']['message_vi']}" if a["reason"] else ""
        lines.append(f"  {mark} {a['filename']} [{a['format'] or a['mime']}], {a['size']} bytes{why}")
    if not data["attachments"]:
        lines.append("  (không có)")
    fields = {k: v for k, v in data["document"].items() if v}
    if fields:
        lines.append("Văn bản / document" + (f" ({data['main_attachment']}):" if data["main_attachment"] else ":"))
        for key, value in fields.items():
            source = data["document_sources"].get(key)
            lines.append(f"  {key}: {value}" + (f"   [{source}]" if source and source != "text" else ""))
    lines.insert(2, f"Người viết / sender class: {data['sender_class'] or '—'}")
    if data.get("duplicate_of"):
        d = data["duplicate_of"]
        lines.append(f"Đã vào sổ trước đó / registered before: số đến {d['arrival_number']} ({d['book']}, "
                     f"{d['arrival_date'][:10]}) — không vào sổ lại")
    if data.get("related_to"):
        r = data["related_to"]
        lines.append(f"Liên quan / related to: số đến {r['arrival_number']} ({r['book']}), {r['kind']}")
    lines.append("Bản giấy / paper copy: " + ("cần gửi (required)" if data["paper_copy_required"] else "không cần"))
    notices = data["notices"]
    lines.append("Thông báo sẽ gửi / notices: " +
                 (", ".join(f"{n['kind']} → {n['to']}" for n in notices) if notices else "không (none)"))
    return "\n".join(lines)


def add_parser(sub) -> None:
    p = sub.add_parser("explain", help="dry run: inspection and decision for one message; changes nothing")
    add_config(p)
    p.add_argument("file", metavar="FILE.eml")
    p.add_argument("--mailbox", metavar="ID", help="mailbox id to decide for (default: from To/Cc)")
    p.add_argument("--json", action="store_true", help="stable JSON output (documented in README)")
    p.add_argument("--at", metavar="ISO-8601", type=_moment,
                   help="pretend the message was delivered at this time (default: now): the legal receipt "
                        "time, absences and deadlines follow from it")


def run(args) -> int:
    from mailbot.intake.files import mailbox_for_file, read_message_file

    rules = load(args)
    try:
        raw = read_message_file(Path(args.file), rules.limits.max_message_bytes)
    except (OSError, ValueError) as exc:
        print(f"{args.file}: cannot read: {exc}", file=sys.stderr)
        return 1
    pipeline = _dry_pipeline(rules)
    mailbox = pipeline.mailbox(args.mailbox) if args.mailbox else mailbox_for_file(rules, raw)
    delivered = args.at or datetime.now(timezone.utc)
    report, decision = pipeline.evaluate(raw, mailbox, delivered_at=delivered)
    data = explain_json(report, decision)
    data["duplicate_of"], data["related_to"] = _links(rules, report)
    if data["duplicate_of"] is not None:
        data["notices"] = [{"kind": "receipt-again", "to": n["to"]} for n in data["notices"] if n["kind"] == "receipt"]
    data["received_at"] = delivered.isoformat()
    data["arrival_date"] = pipeline.arrival(delivered).isoformat()
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(explain_text(data))
    return 0


def _links(rules, report) -> tuple[dict | None, dict | None]:
    """What the real register says of this message (read only): an earlier entry with the same
    files, or one it corrects or answers."""
    import sqlite3

    from mailbot.register.links import preview
    from mailbot.store.schema import connect_readonly

    try:
        conn = connect_readonly(rules.db_path)
    except sqlite3.Error:
        return None, None
    if conn is None:
        return None, None
    try:
        return preview(conn, report)
    except sqlite3.Error:       # a register from before these columns: nothing to say
        return None, None
    finally:
        conn.close()


def _dry_pipeline(rules):
    """A pipeline whose storage is a throw-away folder: explain changes nothing real."""
    from mailbot.runtime.pipeline import Pipeline

    tmp = tempfile.mkdtemp(prefix="mailbot-explain-")
    # In-process inspection: one message needs no worker start-up (Ctrl-C ends a runaway parser).
    dry = rules.model_copy(update={"storage": rules.storage.model_copy(update={"data_dir": tmp}),
                                   "limits": rules.limits.model_copy(update={"inspect_workers": 0})})
    return Pipeline(dry)
