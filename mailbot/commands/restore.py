"""`mailbot restore SRC`: a backup into an empty data folder, never over a register."""

from __future__ import annotations

from mailbot.commands.common import add_config, load


def add_parser(sub) -> None:
    p = sub.add_parser("restore", help="put a backup into the (empty) data folder, then verify it",
                       description="Check every file of the backup SRC against its manifest, copy it into "
                                   "storage.data_dir (which must be empty or missing: nothing is "
                                   "overwritten), then run verify-data on the result. Stop the daemon first.")
    p.add_argument("src", metavar="SRC")
    add_config(p)


def run(args) -> int:
    from pathlib import Path

    from mailbot.commands.verify_data import report
    from mailbot.runtime.datakeeping import restore, verify_data

    rules = load(args)
    manifest = restore(rules, Path(args.src))
    print(f"restored {args.src} (taken {manifest['started_at']}) into {rules.data_dir}")
    return report(verify_data(rules), json_out=False)
