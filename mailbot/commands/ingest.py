"""`mailbot ingest FILE.eml…`: full processing of message files, as if just received."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

from mailbot.commands.common import add_config, load, moment


def add_parser(sub) -> None:
    p = sub.add_parser("ingest", help="fully process message files (.eml) as if they had just been received")
    add_config(p)
    p.add_argument("files", nargs="+", metavar="FILE.eml")
    p.add_argument("--mailbox", metavar="ID", help="mailbox id the files belong to (default: from To/Cc)")
    p.add_argument("--no-send", action="store_true", help="queue notices but do not send them now")
    p.add_argument("--delivered-at", metavar="ISO-8601", type=moment,
                   help="when the messages reached the agency (default: now); the legal receipt time "
                        "(ngày đến) and the số đến series follow from it")


def run(args) -> int:
    from mailbot.dispatch.outbox import Dispatcher
    from mailbot.intake.files import mailbox_for_file, read_message_file
    from mailbot.runtime.pipeline import Pipeline

    rules = load(args)
    pipeline = Pipeline(rules)
    status = 0
    for name in args.files:
        path = Path(name)
        try:
            raw = read_message_file(path, rules.limits.max_message_bytes)
        except (OSError, ValueError) as exc:
            print(f"{name}: cannot read: {exc}", file=sys.stderr)
            status = 1
            continue
        mailbox = pipeline.mailbox(args.mailbox) if args.mailbox else mailbox_for_file(rules, raw)
        if args.mailbox and mailbox is None:
            print(f"unknown mailbox {args.mailbox!r}", file=sys.stderr)
            return 1
        # Delivered now (or when the administrator says): the sender's own Date: header would
        # let an entry be dated days back and out of order.
        received = pipeline.receive(raw, source="file", delivered_at=args.delivered_at or datetime.now(timezone.utc),
                                    mailbox=mailbox.id if mailbox else None)
        result = pipeline.process(received.message)
        print(_line(name, pipeline.outcome(received.message), result))
    pipeline.close()
    if not args.no_send:
        Dispatcher(rules, pipeline.db).send_due()
    return status


def _line(name: str, outcome: tuple[str, str | None, int | None], result) -> str:
    state, decision, duplicate_of = outcome
    if state == "duplicate":
        return f"{name}: duplicate of message {duplicate_of}, not registered again"
    if result is None:
        return f"{name}: already processed ({decision})"
    number = f", số đến {result.arrival_number}/{result.year} ({result.book})" if result.entry else ""
    if result.resent_of:
        earlier = result.resent_of
        number = (f", sent again: already registered as số đến {earlier['arrival_number']}/{earlier['year']} "
                  f"({earlier['book']}), not registered again")
    if result.related:
        number += f", linked to số đến {result.related['arrival_number']} ({result.related['kind']})"
    return f"{name}: {decision}{number}"
