"""`mailbot report --period P`: the statistics leaders ask for, as XLSX, CSV, JSON or HTML."""

from __future__ import annotations

import sys

from mailbot.commands.common import add_config, load, open_register

FORMATS = ("json", "csv", "html", "xlsx")


def add_parser(sub) -> None:
    p = sub.add_parser("report", help="periodic statistics for leaders (electronic share, refusals, timings)")
    add_config(p)
    p.add_argument("--period", required=True, metavar="PERIOD",
                   help="2026-Q4 (quarter), 2026-H2 (half year), 2026 (year), 2026-10 (month) "
                        "or 2026-10-01..2026-12-31; counted by ngày đến (legal receipt date)")
    p.add_argument("--book", metavar="ID", help="one register book (default: all)")
    p.add_argument("--format", choices=FORMATS, default=None,
                   help="default: from the -o file's extension, else json")
    p.add_argument("--output", "-o", metavar="FILE", help="write to FILE (xlsx needs a file)")


def run(args) -> int:
    from mailbot.reports.gather import build_report
    from mailbot.reports.periods import parse_period

    try:
        period = parse_period(args.period)
    except ValueError as exc:
        print(f"--period: {exc}", file=sys.stderr)
        return 2
    fmt = args.format or _format_of(args.output)
    if fmt == "xlsx" and not args.output:
        print("--format xlsx writes a workbook: give the file with -o FILE.xlsx", file=sys.stderr)
        return 2
    rules = load(args)
    if args.book and args.book not in {b.id for b in rules.books}:
        print(f"unknown register book {args.book!r} (defined: {', '.join(b.id for b in rules.books)})",
              file=sys.stderr)
        return 1
    db = open_register(rules)
    if db is None:
        return 1
    data = build_report(db, rules, period, book=args.book)
    write_output(args.output, render(data, fmt))
    if args.output:
        print(f"{args.output}: {period.label} — {data['received']} văn bản đến; {data['target_sentence']}")
    return 0


def render(data, fmt: str) -> bytes:
    from mailbot.reports import render as text
    from mailbot.reports.xlsx import to_xlsx

    if fmt == "xlsx":
        return to_xlsx(data)
    return {"json": text.to_json, "csv": text.to_csv, "html": text.to_html}[fmt](data).encode("utf-8")


def _format_of(path: str | None) -> str:
    suffix = (path or "").rsplit(".", 1)[-1].lower() if path and "." in path else ""
    return suffix if suffix in FORMATS else "json"


def write_output(path: str | None, data: bytes) -> None:
    """Bytes to FILE, or to standard output."""
    if path:
        with open(path, "wb") as fh:
            fh.write(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
