"""`mailbot register list|show|search|export|print` (reading the register; printing it in the
Decree 30/2020 form) and `edit|void|history|paper-received` (a clerk's corrections:
commands/register_edit)."""

from __future__ import annotations

import argparse
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
    r = rsub.add_parser("print", help="the register in the Decree 30/2020 Phụ lục IV form, to print and sign")
    add_config(r, nested=True)
    r.add_argument("--book", required=True, metavar="ID", help="register book id")
    r.add_argument("--from", dest="first_day", required=True, type=_day, metavar="YYYY-MM-DD",
                   help="first ngày đến printed")
    r.add_argument("--to", dest="last_day", required=True, type=_day, metavar="YYYY-MM-DD",
                   help="last ngày đến printed (included)")
    r.add_argument("--numbers", type=_numbers, metavar="FIRST-LAST", help="only these số đến, e.g. 1-250")
    r.add_argument("--format", choices=("pdf", "xlsx"), default="pdf")
    r.add_argument("--output", "-o", required=True, metavar="FILE")


def run(args) -> int:
    from mailbot.register import listing

    rules = load(args)
    db = open_register(rules)
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
    elif action == "print":
        return _print(db, rules, args)
    return 0


def _print(db, rules, args) -> int:
    from mailbot.reports.register_form import printed_register

    if args.book not in {b.id for b in rules.books}:
        print(f"unknown register book {args.book!r} (defined: {', '.join(b.id for b in rules.books)})",
              file=sys.stderr)
        return 1
    if args.last_day < args.first_day:
        print("--to comes before --from", file=sys.stderr)
        return 2
    register = printed_register(db, rules, args.book, args.first_day, args.last_day, args.numbers)
    if args.format == "pdf":
        from mailbot.reports.register_pdf import FontMissing, to_pdf

        try:
            data = to_pdf(register)
        except FontMissing as exc:
            print(str(exc), file=sys.stderr)
            return 1
    else:
        from mailbot.reports.register_xlsx import to_xlsx

        data = to_xlsx(register)
    with open(args.output, "wb") as fh:
        fh.write(data)
    print(f"{args.output}: {len(register.rows)} entries of {args.book}, "
          f"{args.first_day:%d/%m/%Y}–{args.last_day:%d/%m/%Y}")
    return 0


def _day(text: str):
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: write YYYY-MM-DD, e.g. 2026-10-01") from None


def _numbers(text: str) -> tuple[int, int]:
    first, sep, last = text.partition("-")
    if not (sep and first.isdigit() and last.isdigit() and 1 <= int(first) <= int(last)):
        raise argparse.ArgumentTypeError(f"{text!r}: write the first and last số đến as FIRST-LAST, e.g. 1-250")
    return int(first), int(last)
