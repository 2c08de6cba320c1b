"""`mailbot verify-data`: the register is sound, every raw message is there, no số đến is missing."""

from __future__ import annotations

from mailbot.commands.common import add_config, load


def add_parser(sub) -> None:
    p = sub.add_parser("verify-data", help="check register integrity, spool hashes and số đến series; exit 1 "
                                           "on any problem",
                       description="Check the register (SQLite integrity and references), that every raw "
                                   "message still kept is in the spool with the right SHA-256, and that "
                                   "each book's số đến run 1, 2, 3 … each year without a gap, as far as its "
                                   "counter went. Read-only; safe while the daemon runs.")
    p.add_argument("--json", action="store_true", help="print {ok, problems, checked}")
    add_config(p)


def report(result, json_out: bool) -> int:
    import json

    if json_out:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        for problem in result.problems:
            print(f"problem: {problem}")
        if result.ok:
            print(f"data OK: {result.checked.get('entries', 0)} entries, "
                  f"{result.checked.get('spool_files', 0)} raw messages checked")
    return 0 if result.ok else 1


def run(args) -> int:
    from mailbot.runtime.datakeeping import verify_data

    return report(verify_data(load(args)), args.json)
