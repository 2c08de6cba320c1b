"""`mailbot register list|show|search|export` (reading the register) and
`edit|void|history|paper-received` (a clerk's corrections: commands/register_edit)."""

from __future__ import annotations

import json
import sys

from mailbot.commands.common import add_config, load, open_register
from mailbot.commands.register_edit import add_actions, run_action


def add_parser(sub) -> None:
    p = sub.add_parser("register", help="read the incoming-document register")
    add_config(p)
    rsub = p.add_subparsers(dest="action", metavar="ACTION")
    r = rsub.add_parser("list", help="entries, newest first")
    add_config(r, nested=True)
    r.add_argument("--book", help="register book id")
    r.add_argument("--year", type=int, help="calendar year of the số đến series")
    r.add_argument("--limit", type=int)
    r = rsub.add_parser("show", help="one entry, by số đến")
    add_config(r, nested=True)
    r.add_argument("number", type=int, metavar="N")
    r.add_argument("--book", help="register book id")
    r.add_argument("--year", type=int, help="year (default: the latest with that number)")
    r = rsub.add_parser("search", help="search entries; accents optional (dong = đồng)")
    add_config(r, nested=True)
    r.add_argument("text", metavar="TEXT")
    add_actions(rsub, add_config)
    r = rsub.add_parser("export", help="write the register as CSV (Vietnamese headings) or JSON lines")
    add_config(r, nested=True)
    r.add_argument("--format", choices=("csv", "jsonl"), default="jsonl")
    r.add_argument("--book")
    r.add_argument("--year", type=int)
    r.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of standard output")


def run(args) -> int:
    from mailbot.register import listing

    db = open_register(load(args))
    if db is None:
        return 1
    action = args.action or "list"
    if action == "list":
        rows = listing.list_entries(db, book=getattr(args, "book", None), year=getattr(args, "year", None),
                                    limit=getattr(args, "limit", None), newest_first=True)
        print(listing.format_table(rows) if rows else "(sổ trống — no entries)")
    elif action == "show":
        row = listing.find_entry(db, args.number, book=args.book, year=args.year)
        if row is None:
            print(f"no entry with số đến {args.number}", file=sys.stderr)
            return 1
        print(json.dumps(listing.entry_json(db, row), ensure_ascii=False, indent=2))
    elif action == "search":
        found = listing.search_entries(db, args.text)
        print(listing.format_table(found) if found else f"không tìm thấy — no entry matches {args.text!r}")
    elif action in ("edit", "void", "history", "paper-received"):
        row = listing.find_entry(db, args.number, book=args.book, year=args.year)
        if row is None:
            print(f"no entry with số đến {args.number}", file=sys.stderr)
            return 1
        return run_action(db, args, row)
    elif action == "export":
        out = open(args.output, "w", encoding="utf-8", newline="") if args.output else sys.stdout
        try:
            for chunk in listing.export_entries(db, args.format, book=args.book, year=args.year):
                out.write(chunk)
        finally:
            if args.output:
                out.close()
    return 0
