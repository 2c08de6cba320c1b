"""`mailbot check`: validate the configuration, its files and its templates."""

from __future__ import annotations

import sys
from pathlib import Path

from mailbot.commands.common import add_config, load


def add_parser(sub) -> None:
    p = sub.add_parser("check", help="validate the configuration; exit 1 with line-numbered errors")
    add_config(p)


def problems(rules) -> list[str]:
    """Everything wrong with a loaded configuration that loading itself cannot see."""
    from mailbot.trust import check_trust

    found: list[str] = list(check_trust(rules))
    for mb in rules.mailboxes:
        if mb.imap and not (mb.imap.password_file or mb.imap.password_env or mb.imap.oauth2_token_file):
            found.append(f"mailbox {mb.id}: no password_file, password_env or oauth2_token_file for IMAP")
        if mb.imap and mb.imap.password_file and not Path(mb.imap.password_file).is_file():
            found.append(f"mailbox {mb.id}: password file {mb.imap.password_file} does not exist")
    if rules.smtp and rules.smtp.password_file and not Path(rules.smtp.password_file).is_file():
        found.append(f"smtp: password file {rules.smtp.password_file} does not exist")
    return found + template_problems(rules)


def template_problems(rules) -> list[str]:
    """Every notice template the configuration can use, rendered with a sample document."""
    from mailbot.dispatch.compose import template_problems as render_all
    from mailbot.dispatch.notices import TEMPLATE_KINDS, sample_context

    return [f"notice template {p}" for p in render_all(rules, TEMPLATE_KINDS, sample_context(rules))]


def run(args) -> int:
    rules = load(args)
    found = problems(rules)
    if not rules.trust.roots:
        print("warning: trust.roots: no trusted root certificate configured; no PDF signature can be "
              "called trusted and no paper copy is waived (see the trust: section of rules.yaml)",
              file=sys.stderr)
    if found:
        print(f"{args.config or 'rules.yaml'}: configuration problems:", file=sys.stderr)
        for p in found:
            print(f"  - {p}", file=sys.stderr)
        return 1
    print(f"configuration OK: {len(rules.mailboxes)} mailbox(es), {len(rules.books)} register book(s), "
          f"SMTP intake {'on' if rules.smtp_intake else 'off'}, "
          f"notices {'via ' + rules.smtp.host if rules.smtp else 'to ' + str(rules.outbox_dir)}")
    return 0
