"""`mailbot verify FILE.pdf`: the signature report of one PDF."""

from __future__ import annotations

import json
import sys

from mailbot.commands.common import add_config, load_optional, read_input


def add_parser(sub) -> None:
    p = sub.add_parser("verify", help="signature report for one PDF")
    add_config(p)
    p.add_argument("file", metavar="FILE.pdf")
    p.add_argument("--json", action="store_true", help="stable JSON output (documented in README)")


def run(args) -> int:
    return verify_command(args.file, load_optional(args), args.json)


def verify_command(path: str, rules, as_json: bool) -> int:
    """Prints the report; 0 ok, 1 unreadable file."""
    from mailbot.inspect.signature_text import describe
    from mailbot.inspect.signatures import verify_pdf
    from mailbot.trust import empty_trust_store, trust_store

    data = read_input(path)
    if data is None:
        return 1
    trust = trust_store(rules) if rules is not None else empty_trust_store()
    for problem in trust.problems:
        print(f"warning: {problem}", file=sys.stderr)
    if rules is None:
        print("warning: no rules.yaml: no trusted roots, signatures are checked for integrity only",
              file=sys.stderr)
    report = verify_pdf(data, trust)
    if as_json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print(describe(report))
    return 1 if report.document.verdict == "unreadable" else 0
