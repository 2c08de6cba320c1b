"""`mailbot register edit|void|history|paper-received`: a clerk's corrections, each audited."""

from __future__ import annotations

import getpass
import json
import sys


def add_actions(rsub, add_config) -> None:
    def numbered(name: str, help_: str):
        r = rsub.add_parser(name, help=help_)
        add_config(r, nested=True)
        r.add_argument("number", type=int, metavar="N", help="số đến")
        r.add_argument("--book", help="register book id")
        r.add_argument("--year", type=int, help="year (default: the latest with that number)")
        return r

    r = numbered("edit", "correct fields of entry N: FIELD=VALUE … (audited with before/after)")
    r.add_argument("assignments", nargs="+", metavar="FIELD=VALUE", help="e.g. subject=\"Về việc …\" page_amount=3")
    r.add_argument("--by", required=True, metavar="NAME", help="who makes the change")
    r.add_argument("--reason", required=True, help="why (kept in the audit)")
    r = numbered("void", "mark entry N void; its number stays taken and is never reused")
    r.add_argument("--by", default=None, metavar="NAME", help="who voids it (default: your login name)")
    r.add_argument("--reason", required=True, help="why (kept in the audit)")
    r = numbered("history", "the audit trail of entry N")
    r.add_argument("--json", action="store_true", help="one JSON object per event")
    r = numbered("paper-received", "record that the paper original of entry N has arrived")
    r.add_argument("--date", metavar="YYYY-MM-DD", help="the day it arrived (default: today)")
    r.add_argument("--by", default=None, metavar="NAME", help="who received it (default: your login name)")
    r.add_argument("--force", action="store_true", help="record it even though the entry needs no paper")
    r.add_argument("--undo", action="store_true", help="take back a paper-received record made by mistake")


def run_action(db, args, row) -> int:
    from mailbot.register import corrections

    number = f"{row['arrival_number']}/{row['year']} ({row['book']})"
    by = getattr(args, "by", None) or getpass.getuser()
    try:
        if args.action == "edit":
            change = corrections.edit(db, row["id"], corrections.parse_assignments(args.assignments),
                                      by=by, reason=args.reason)
            for key, value in change.after.items():
                if change.before[key] != value:
                    print(f"{key}: {change.before[key]!r} → {value!r}")
            print(f"entry {number}: " + ("corrected" if change.changed else "nothing changed (already so)"))
        elif args.action == "void":
            change = corrections.void(db, row["id"], by=by, reason=args.reason)
            print(f"entry {number}: " + ("void; its number stays taken" if change.changed else "already void"))
        elif args.action == "history":
            for event in corrections.history(db, row["id"]):
                print(json.dumps(event, ensure_ascii=False) if args.json else _event_line(event))
        elif args.undo:
            change = corrections.undo_paper_received(db, row["id"], by=by)
            print(f"entry {number}: " + ("paper-received record taken back" if change.changed
                                         else "no paper-received record to take back"))
        else:
            change = corrections.paper_received(db, row["id"], by=by, on=args.date, force=args.force)
            after = change.after
            print(f"entry {number}: paper original " + (
                f"received {after['paper_received_at']} by {after['paper_received_by']}" if change.changed else
                f"already recorded ({after['paper_received_at'] or 'date unknown'}, "
                f"{after['paper_received_by'] or 'person unknown'})"))
    except corrections.CorrectionError as exc:
        print(f"entry {number}: {exc}", file=sys.stderr)
        return 1
    return 0


def _event_line(event: dict) -> str:
    detail = {k: v for k, v in event.items() if k not in ("at", "event")}
    return f"{event['at'][:19].replace('T', ' ')}  {event['event']:<22} {json.dumps(detail, ensure_ascii=False)}"
