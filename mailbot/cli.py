"""The `mailbot` command line: the contract other tools and scripts rely on (docs/DESIGN.md §8).

Each command family lives in its own module under `mailbot/commands/` with
`add_parser(subparsers)` and `run(args) -> exit code`; this file only puts
them together. Exit codes: 0 ok, 1 user or configuration error (the message
says what to fix), 2 usage. Heavy libraries are imported inside the commands
so that `mailbot --help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

EPILOG = """\
configuration: --config defaults to ./rules.yaml, then /etc/mailbot/rules.yaml.
Start with `mailbot init` (a commented rules.yaml from the documented example).
Exit codes: 0 ok, 1 user or configuration error, 2 usage error.
"""

# In the order `--help` lists them.
COMMANDS = ("init", "demo", "run", "check", "ingest", "explain", "verify", "ocr", "status", "register",
            "report", "queue", "backup", "restore", "verify_data", "web")


def _module(name: str):
    return importlib.import_module(f"mailbot.commands.{name}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mailbot",
        description="Intake, register and dispatch of documents arriving by email at the official "
                    "mailboxes of Vietnamese state agencies (Decision 57/2014/QĐ-UBND, Decree 30/2020/NĐ-CP).",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--log-level", default=os.environ.get("MAILBOT_LOG_LEVEL"),
                        help="DEBUG, INFO, WARNING or ERROR (default INFO, WARNING for demo; "
                             "env MAILBOT_LOG_LEVEL)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        _module(name).add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    # Whatever slips through, what we print is valid UTF-8: an undecodable byte is shown
    # escaped (\udcff → \\udcff), never written raw (the C locale's default would).
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="backslashreplace")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    level = args.log_level or ("WARNING" if args.command == "demo" else "INFO")
    logging.basicConfig(level=getattr(logging, level.upper(), logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    # pyHanko logs a full traceback for every untrusted certificate; our reports say it better.
    logging.getLogger("pyhanko").setLevel(logging.ERROR)
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.ERROR)
    from mailbot.config import ConfigError
    from mailbot.store.schema import SchemaTooNew

    try:
        return _module(args.command.replace("-", "_")).run(args)
    except (ConfigError, SchemaTooNew) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `mailbot register list | head`: the reader has gone; that is not an error. Point
        # stdout at /dev/null so the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
