"""`mailbot web [--host 127.0.0.1] [--port 8001]`: the read-only register view for leaders and
clerks (Datasette, behind a login); `mailbot web passwd NAME --role leader|clerk`: add or change
an account in the file of hashed passwords (`web.users_file`)."""

from __future__ import annotations

import getpass
import sys

from mailbot.commands.common import add_config, load


def add_parser(sub) -> None:
    p = sub.add_parser("web", help="read-only web view of the register (login required)")
    add_config(p)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: put the "
                                                       "site's TLS reverse proxy in front)")
    p.add_argument("--port", type=int, default=8001, help="port (default 8001)")
    wsub = p.add_subparsers(dest="action", metavar="ACTION")
    r = wsub.add_parser("passwd", help="add an account or change its password and role")
    add_config(r, nested=True)
    r.add_argument("name", metavar="NAME")
    r.add_argument("--role", choices=("leader", "clerk"), required=True,
                   help="leader: the register and reports; clerk: also messages held for review")
    r.add_argument("--password-stdin", action="store_true", help="read the password from standard input")


def run(args) -> int:
    rules = load(args)
    from mailbot.web import accounts, app

    if getattr(args, "action", None) == "passwd":
        password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("Password: ")
        if len(password) < 8:
            print("the password must have at least 8 characters", file=sys.stderr)
            return 1
        path = app.users_file(rules)
        accounts.set_account(path, args.name, args.role, password)
        print(f"{args.name} ({args.role}) saved in {path}")
        return 0
    if not rules.db_path.exists():
        print(f"no register yet at {rules.db_path}", file=sys.stderr)
        return 1
    path = app.users_file(rules)
    if not accounts.read_accounts(path):
        print(f"no accounts in {path}: add one with `mailbot web passwd NAME --role leader`", file=sys.stderr)
        return 1
    print(f"register view on http://{args.host}:{args.port}/ (accounts: {path})", file=sys.stderr)
    app.serve(app.build(rules), args.host, args.port)
    return 0
