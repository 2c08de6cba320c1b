"""`mailbot run`: the daemon."""

from __future__ import annotations

from mailbot.commands.common import add_config, load


def add_parser(sub) -> None:
    p = sub.add_parser("run", help="run the daemon (SMTP intake, IMAP mailboxes, dispatch)",
                       description="Run the daemon. rules.yaml is reloaded on SIGHUP and whenever the file "
                                   "changes; an invalid file is refused (logged with its lines, the clerk told) "
                                   "and the last good rules stay in use. SIGTERM stops it.")
    add_config(p)


def run(args) -> int:
    from pathlib import Path

    from mailbot.config import DEFAULT_CONFIG_PATHS
    from mailbot.runtime.daemon import Daemon
    from mailbot.runtime.notify import Notifier

    rules = load(args)
    # The file the rules came from: reloaded on SIGHUP and whenever it changes.
    path = Path(args.config) if args.config else next(p for p in DEFAULT_CONFIG_PATHS if p.is_file())
    # Under systemd (Type=notify): READY, WATCHDOG and STATUS go to $NOTIFY_SOCKET.
    Daemon(rules, config_path=path.resolve(), notifier=Notifier.from_environ()).run_forever()
    return 0
