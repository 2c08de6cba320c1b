"""`mailbot init`: a first rules.yaml, its folders and the password placeholders."""

from __future__ import annotations

import argparse


def add_parser(sub) -> None:
    p = sub.add_parser("init", help="write a commented rules.yaml, folders and secret placeholders into DIR",
                       description="Start a new installation in DIR (e.g. /etc/mailbot/stc for the unit "
                                   "mailbot@stc): rules.yaml from the documented example with the agency's "
                                   "values, secrets/ with a placeholder password file (mode 600), and the "
                                   "data folder. Refuses to overwrite an existing rules.yaml. Then: "
                                   "mailbot check --config DIR/rules.yaml")
    p.add_argument("dir", metavar="DIR", help="folder for rules.yaml and secrets/ (created)")
    p.add_argument("--agency", required=True, help='the agency\'s name, e.g. "Sở Tài chính tỉnh Quảng Ngãi"')
    p.add_argument("--address", required=True, help="the official mailbox, e.g. vanthu@stc.quangngai.gov.vn")
    p.add_argument("--imap-host", help="IMAP server of that mailbox (TLS on 993); without it: SMTP intake only")
    p.add_argument("--imap-user", help="IMAP login (default: the address)")
    p.add_argument("--id", dest="mailbox_id", help="short id of the mailbox and instance (default: the first "
                                                    "label of the domain: stc)")
    p.add_argument("--data-dir", help="register and spool (default: DIR/data; for mailbot@ID: /var/lib/mailbot/ID)")
    p.add_argument("--credentials", help="folder the password is read from at run time (default: DIR/secrets; "
                                         "under the unit mailbot@ID: /run/credentials/mailbot@ID.service)")
    p.add_argument("--port", type=int, default=2525, help="SMTP intake port on 127.0.0.1 (one per instance)")


def run(args: argparse.Namespace) -> int:
    import os
    from pathlib import Path

    from mailbot.config import ConfigError, check_address, parse_rules
    from mailbot.config.starter import Starter, mailbox_id, render
    from mailbot.util.durable import write_durably

    target = Path(args.dir).resolve()
    config = target / "rules.yaml"
    if config.exists():
        raise ConfigError(config, ["it exists already; init never overwrites a configuration (edit it, "
                                   "or choose another folder)"])
    try:
        address = check_address(args.address)
    except ValueError as exc:
        raise ConfigError(config, [f"--address: {exc}"]) from None
    secrets = target / "secrets"
    data_dir = Path(args.data_dir).resolve() if args.data_dir else target / "data"
    ident = args.mailbox_id or mailbox_id(address)
    # The secret is named after the mailbox, as the units' LoadCredential= lines name it.
    password = (Path(args.credentials) if args.credentials else secrets) / ident
    text = render(Starter(agency=args.agency.strip(), address=address, data_dir=str(data_dir),
                          mailbox_id=ident, imap_host=args.imap_host, imap_user=args.imap_user,
                          password_file=str(password), smtp_port=args.port))
    parse_rules(text, source=str(config))      # what init writes must load; a ConfigError says why
    target.mkdir(parents=True, exist_ok=True)
    secrets.mkdir(mode=0o700, exist_ok=True)
    data_dir.mkdir(parents=True, exist_ok=True)
    written = [config]
    write_durably(config, text.encode("utf-8"))
    config.chmod(0o640)     # readable by the service's group (chown root:mailbot), never by others
    if args.imap_host and not (secrets / ident).exists():
        # A placeholder: the administrator writes the real password here (mode 600).
        fd = os.open(secrets / ident, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write("replace-with-the-mailbox-password\n")
        written.append(secrets / ident)
    for path in written:
        print(f"wrote {path}")
    print(f"data folder: {data_dir}")
    print(f"next: edit {config} (units, people, routes, trust roots), then: mailbot check --config {config}")
    return 0
