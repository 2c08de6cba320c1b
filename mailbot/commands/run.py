"""`mailbot run`: the daemon."""

from __future__ import annotations

from mailbot.commands.common import add_config, load


def add_parser(sub) -> None:
    p = sub.add_parser("run", help="run the daemon (SMTP intake, IMAP mailboxes, dispatch)")
    add_config(p)


def run(args) -> int:
    from mailbot.runtime.daemon import Daemon

    Daemon(load(args)).run_forever()
    return 0
