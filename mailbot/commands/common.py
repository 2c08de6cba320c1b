"""What several commands share: the --config option, loading the rules, reading a named file."""

from __future__ import annotations

import argparse
import sys

CONFIG_HELP = "configuration file (default: ./rules.yaml, then /etc/mailbot/rules.yaml)"


def add_config(p: argparse.ArgumentParser, nested: bool = False) -> None:
    # Nested parsers (register list …) must not reset a --config given before the action.
    p.add_argument("--config", metavar="RULES.yaml", default=argparse.SUPPRESS if nested else None,
                   help=CONFIG_HELP)


def load(args):
    from mailbot.config import load_rules

    return load_rules(args.config)


def load_optional(args):
    """The configuration, or None when none is given or found (verify and ocr work without)."""
    from mailbot.config import ConfigError, load_rules

    try:
        return load_rules(args.config)
    except ConfigError:
        if args.config:
            raise
        return None


def read_input(path: str) -> bytes | None:
    """A file named on the command line; None after telling the user (both languages) why not."""
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        print(f"Không mở được tệp {path}: {exc.strerror or exc}  [cannot open {path}]", file=sys.stderr)
        return None


def open_register(rules):
    """The register's database, or None after saying there is none yet."""
    from mailbot.store import schema

    if not rules.db_path.exists():
        print(f"no register yet at {rules.db_path}", file=sys.stderr)
        return None
    return schema.connect(rules.db_path)


def moment(text: str):
    """An aware ISO 8601 time given on the command line (argparse type)."""
    from datetime import datetime

    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 time, e.g. 2026-12-04T17:40+07:00") from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no UTC offset: write it as e.g. 2026-12-04T17:40+07:00")
    return value
