"""Command line: the contract other tools and scripts rely on (DESIGN §8).

Exit codes: 0 ok, 1 user or configuration error (the message says what to
fix), 2 usage. Heavy libraries are imported inside the commands so that
`mailbot --help` stays fast.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

EPILOG = """\
configuration: --config defaults to ./rules.yaml, then /etc/mailbot/rules.yaml.
Start from the documented example rules.yaml in the source tree.
Exit codes: 0 ok, 1 user or configuration error, 2 usage error.
"""


def _add_config(p: argparse.ArgumentParser, nested: bool = False) -> None:
    # Nested parsers (register list …) must not reset a --config given before the action.
    p.add_argument("--config", metavar="RULES.yaml", default=argparse.SUPPRESS if nested else None,
                   help="configuration file (default: ./rules.yaml, then /etc/mailbot/rules.yaml)")


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

    p = sub.add_parser("demo", help="run the whole flow locally on bundled sample messages and print what happened")
    p.add_argument("--workdir", metavar="DIR",
                   help="where the demo keeps its register, spool and outbox (default: a new temporary folder)")

    p = sub.add_parser("run", help="run the daemon (SMTP intake, IMAP mailboxes, dispatch)")
    _add_config(p)

    p = sub.add_parser("check", help="validate the configuration; exit 1 with line-numbered errors")
    _add_config(p)

    p = sub.add_parser("ingest", help="fully process message files (.eml) as if they had just been received")
    _add_config(p)
    p.add_argument("files", nargs="+", metavar="FILE.eml")
    p.add_argument("--mailbox", metavar="ID", help="mailbox id the files belong to (default: from To/Cc)")
    p.add_argument("--no-send", action="store_true", help="queue notices but do not send them now")

    p = sub.add_parser("explain", help="dry run: inspection and decision for one message; changes nothing")
    _add_config(p)
    p.add_argument("file", metavar="FILE.eml")
    p.add_argument("--mailbox", metavar="ID", help="mailbox id to decide for (default: from To/Cc)")
    p.add_argument("--json", action="store_true", help="stable JSON output (documented in README)")

    p = sub.add_parser("verify", help="signature report for one PDF")
    _add_config(p)
    p.add_argument("file", metavar="FILE.pdf")
    p.add_argument("--json", action="store_true", help="stable JSON output (documented in README)")

    p = sub.add_parser("ocr", help="recognised text of a scanned PDF or image (troubleshooting)")
    _add_config(p)
    p.add_argument("file", metavar="FILE")
    p.add_argument("--json", action="store_true", help="lines with confidences, fields read, field confidence")

    p = sub.add_parser("status", help="health of the daemon and of each mailbox")
    _add_config(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser("register", help="read the incoming-document register")
    _add_config(p)
    rsub = p.add_subparsers(dest="action", metavar="ACTION")
    r = rsub.add_parser("list", help="entries in order of số đến")
    _add_config(r, nested=True)
    r.add_argument("--book", help="register book id")
    r.add_argument("--year", type=int, help="calendar year of the số đến series")
    r.add_argument("--limit", type=int)
    r = rsub.add_parser("show", help="one entry, by số đến")
    _add_config(r, nested=True)
    r.add_argument("number", type=int, metavar="N")
    r.add_argument("--book", help="register book id")
    r.add_argument("--year", type=int, help="year (default: the latest with that number)")
    r = rsub.add_parser("search", help="search entries; accents optional (dong = đồng)")
    _add_config(r, nested=True)
    r.add_argument("text", metavar="TEXT")
    r = rsub.add_parser("paper-received", help="record that the paper original of entry N has arrived")
    _add_config(r, nested=True)
    r.add_argument("number", type=int, metavar="N")
    r.add_argument("--book", help="register book id")
    r.add_argument("--year", type=int, help="year (default: the latest with that number)")
    r = rsub.add_parser("export", help="write the register as CSV (Vietnamese headings) or JSON lines")
    _add_config(r, nested=True)
    r.add_argument("--format", choices=("csv", "jsonl"), default="jsonl")
    r.add_argument("--book")
    r.add_argument("--year", type=int)
    r.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of standard output")

    p = sub.add_parser("queue", help="notices that are not on their way: list them, send them again",
                       description="The outbox's stuck notices: 'unbuilt' (a template failed; the document "
                                   "was registered all the same), 'failed' (the relay refused them or every "
                                   "attempt was used) and 'deferred' (waiting for their turn under "
                                   "notices.max_per_hour).")
    _add_config(p)
    qsub = p.add_subparsers(dest="action", metavar="ACTION")
    q = qsub.add_parser("list", help="unbuilt, failed and deferred notices, oldest first")
    _add_config(q, nested=True)
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q = qsub.add_parser("retry", help="compose unbuilt notices again with today's templates; put failed ones "
                                      "back in line (the running daemon sends them)")
    _add_config(q, nested=True)
    q.add_argument("ids", nargs="*", type=int, metavar="ID", help="outbox ids from `queue list`")
    q.add_argument("--all", action="store_true", help="every unbuilt and failed notice")
    return parser


def _rules(args):
    from .config import load_rules

    return load_rules(args.config)


# -- commands -------------------------------------------------------------

def cmd_check(args) -> int:
    rules = _rules(args)
    problems: list[str] = []
    try:
        from .trust import check_trust

        problems += check_trust(rules)
    except ImportError:
        pass
    for mb in rules.mailboxes:
        if mb.imap and not (mb.imap.password_file or mb.imap.password_env or mb.imap.oauth2_token_file):
            problems.append(f"mailbox {mb.id}: no password_file, password_env or oauth2_token_file for IMAP")
        if mb.imap and mb.imap.password_file and not Path(mb.imap.password_file).is_file():
            problems.append(f"mailbox {mb.id}: password file {mb.imap.password_file} does not exist")
    if rules.smtp and rules.smtp.password_file and not Path(rules.smtp.password_file).is_file():
        problems.append(f"smtp: password file {rules.smtp.password_file} does not exist")
    problems += _template_problems(rules)
    if not rules.trust.roots:
        print("warning: trust.roots: no trusted root certificate configured; no PDF signature can be "
              "called trusted and no paper copy is waived (see the trust: section of rules.yaml)",
              file=sys.stderr)
    if problems:
        print(f"{args.config or 'rules.yaml'}: configuration problems:", file=sys.stderr)
        for p in problems:
            print(f"  - {p}", file=sys.stderr)
        return 1
    print(f"configuration OK: {len(rules.mailboxes)} mailbox(es), {len(rules.books)} register book(s), "
          f"SMTP intake {'on' if rules.smtp_intake else 'off'}, "
          f"notices {'via ' + rules.smtp.host if rules.smtp else 'to ' + str(rules.outbox_dir)}")
    return 0


def _template_problems(rules) -> list[str]:
    """Every notice template the configuration can use, rendered with a sample document."""
    from .dispatch.compose import template_problems
    from .notices import TEMPLATE_KINDS, sample_context

    return [f"notice template {p}" for p in template_problems(rules, TEMPLATE_KINDS, sample_context(rules))]


def cmd_run(args) -> int:
    from .daemon import Daemon

    rules = _rules(args)
    Daemon(rules).run_forever()
    return 0


def cmd_ingest(args) -> int:
    from .dispatch.outbox import Dispatcher
    from .intake.files import delivery_time, mailbox_for_file, read_message_file
    from .pipeline import Pipeline

    rules = _rules(args)
    pipeline = Pipeline(rules)
    status = 0
    for name in args.files:
        path = Path(name)
        try:
            raw = read_message_file(path, rules.limits.max_message_bytes)
        except (OSError, ValueError) as exc:
            print(f"{name}: cannot read: {exc}", file=sys.stderr)
            status = 1
            continue
        mailbox = pipeline.mailbox(args.mailbox) if args.mailbox else mailbox_for_file(rules, raw)
        if args.mailbox and mailbox is None:
            print(f"unknown mailbox {args.mailbox!r}", file=sys.stderr)
            return 1
        received = pipeline.receive(raw, source="file", delivered_at=delivery_time(raw),
                                    mailbox=mailbox.id if mailbox else None)
        result = pipeline.process(received.message)
        print(_ingest_line(name, pipeline, received.message, result))
    pipeline.close()
    if not args.no_send:
        Dispatcher(rules, pipeline.db).send_due()
    return status


def _ingest_line(name: str, pipeline, message: int, result) -> str:
    row = pipeline.db.execute("SELECT state, decision, duplicate_of FROM messages WHERE id = ?",
                              (message,)).fetchone()
    state, decision, duplicate_of = row
    if state == "duplicate":
        return f"{name}: duplicate of message {duplicate_of}, not registered again"
    if result is None:
        return f"{name}: already processed ({decision})"
    number = f", số đến {result.arrival_number}/{result.year} ({result.book})" if result.entry else ""
    return f"{name}: {decision}{number}"


def cmd_explain(args) -> int:
    from .explain import explain_json, explain_text
    from .intake.files import mailbox_for_file, read_message_file

    rules = _rules(args)
    try:
        raw = read_message_file(Path(args.file), rules.limits.max_message_bytes)
    except (OSError, ValueError) as exc:
        print(f"{args.file}: cannot read: {exc}", file=sys.stderr)
        return 1
    pipeline = _dry_pipeline(rules)
    mailbox = pipeline.mailbox(args.mailbox) if args.mailbox else mailbox_for_file(rules, raw)
    report, decision = pipeline.evaluate(raw, mailbox)
    data = explain_json(report, decision)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(explain_text(data))
    return 0


def _dry_pipeline(rules):
    """A pipeline whose storage is a throw-away folder: explain changes nothing real."""
    import tempfile

    from .pipeline import Pipeline

    tmp = tempfile.mkdtemp(prefix="mailbot-explain-")
    # In-process inspection: one message needs no worker start-up (Ctrl-C ends a runaway parser).
    dry = rules.model_copy(update={"storage": rules.storage.model_copy(update={"data_dir": tmp}),
                                   "limits": rules.limits.model_copy(update={"inspect_workers": 0})})
    return Pipeline(dry)


def _optional_rules(args):
    """The configuration, or None when none is given or found (verify and ocr work without)."""
    from .config import ConfigError, load_rules

    try:
        return load_rules(args.config)
    except ConfigError:
        if args.config:
            raise
        return None


def cmd_verify(args) -> int:
    from .inspect.signatures import verify_command

    return verify_command(args.file, _optional_rules(args), args.json)


def cmd_ocr(args) -> int:
    from .ocr_cmd import ocr_command

    return ocr_command(args.file, _optional_rules(args), args.json)


def cmd_status(args) -> int:
    from .status import status_command

    return status_command(_rules(args), as_json=args.json)


def cmd_register(args) -> int:
    from . import db as dbmod
    from . import listing

    rules = _rules(args)
    if not rules.db_path.exists():
        print(f"no register yet at {rules.db_path}", file=sys.stderr)
        return 1
    db = dbmod.connect(rules.db_path)
    action = args.action or "list"
    if action == "list":
        print(listing.format_table(listing.list_entries(
            db, book=getattr(args, "book", None), year=getattr(args, "year", None),
            limit=getattr(args, "limit", None))))
    elif action == "show":
        row = listing.find_entry(db, args.number, book=args.book, year=args.year)
        if row is None:
            print(f"no entry with số đến {args.number}", file=sys.stderr)
            return 1
        print(json.dumps(listing.entry_json(db, row), ensure_ascii=False, indent=2))
    elif action == "search":
        print(listing.format_table(listing.search_entries(db, args.text)))
    elif action == "paper-received":
        row = listing.find_entry(db, args.number, book=args.book, year=args.year)
        if row is None:
            print(f"no entry with số đến {args.number}", file=sys.stderr)
            return 1
        from .register import mark_paper_received

        mark_paper_received(db, row["id"])
        print(f"entry {row['arrival_number']}/{row['year']} ({row['book']}): paper original received")
    elif action == "export":
        out = open(args.output, "w", encoding="utf-8", newline="") if args.output else sys.stdout
        try:
            for chunk in listing.export_entries(db, args.format, book=args.book, year=args.year):
                out.write(chunk)
        finally:
            if args.output:
                out.close()
    return 0


def cmd_queue(args) -> int:
    from . import db as dbmod
    from .dispatch.retry import retry_notices, stuck_notices

    rules = _rules(args)
    if not rules.db_path.exists():
        print(f"no register yet at {rules.db_path}", file=sys.stderr)
        return 1
    db = dbmod.connect(rules.db_path)
    action = args.action or "list"
    if action == "list":
        rows = stuck_notices(db)
        if getattr(args, "json", False):
            print(json.dumps(rows, ensure_ascii=False, indent=2))
        elif not rows:
            print("no stuck or deferred notice")
        for row in rows if not getattr(args, "json", False) else ():
            when = f" goes at {row['next_attempt_at']}" if row["state"] == "deferred" else ""
            error = f": {row['last_error']}" if row["last_error"] else ""
            print(f"{row['id']:>6} {row['state']:<9} {row['kind']:<12} to {row['recipient']} "
                  f"(message #{row['message']}){when}{error}")
        return 0
    if not args.ids and not args.all:
        print("queue retry: give outbox ids (see `mailbot queue list`) or --all", file=sys.stderr)
        return 2
    results = retry_notices(rules, db, None if args.all else args.ids)
    if not results:
        print("nothing to retry" + (f" among ids {', '.join(map(str, args.ids))}" if args.ids else ""))
        return 1 if args.ids else 0
    for row_id, state, error in results:
        print(f"{row_id}: {'queued for sending' if state == 'pending' else 'still cannot be composed: ' + str(error)}")
    return 1 if any(state != "pending" for _, state, _ in results) else 0


def cmd_demo(args) -> int:
    from .demo import run_demo

    return run_demo(args.workdir)


COMMANDS = {
    "demo": cmd_demo, "run": cmd_run, "check": cmd_check, "ingest": cmd_ingest,
    "explain": cmd_explain, "verify": cmd_verify, "ocr": cmd_ocr, "status": cmd_status, "register": cmd_register,
    "queue": cmd_queue,
}


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
    from .config import ConfigError

    try:
        return COMMANDS[args.command](args)
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
