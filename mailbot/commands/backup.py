"""`mailbot backup DEST`: the register and the spool, consistent, while the daemon runs."""

from __future__ import annotations

from mailbot.commands.common import add_config, load


def add_parser(sub) -> None:
    p = sub.add_parser("backup", help="copy the register and raw messages into DEST with a manifest of hashes",
                       description="Write a consistent backup into DEST (a new or empty folder): an online "
                                   "snapshot of the register, the raw message of every row in it, and "
                                   "manifest.json with the hash of every file (written last). Safe while "
                                   "the daemon runs. Restore with: mailbot restore DEST")
    p.add_argument("dest", metavar="DEST")
    p.add_argument("--json", action="store_true", help="print the manifest")
    add_config(p)


def run(args) -> int:
    import json
    from pathlib import Path

    from mailbot.runtime.datakeeping import backup

    manifest = backup(load(args), Path(args.dest))
    if args.json:
        print(json.dumps(manifest, ensure_ascii=False, indent=2))
    else:
        numbers = ", ".join(f"{c['book']} {c['year']}: 1–{c['last_number']}" for c in manifest["counters"])
        print(f"backup written to {args.dest}: register (schema {manifest['schema_version']}), "
              f"{len(manifest['spool'])} raw message(s); số đến {numbers or 'none yet'}")
    return 0
