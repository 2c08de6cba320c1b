"""`mailbot queue list|show|retry|release|refuse`: every queue that can hold work, for administrators.

Queues: review and quarantine (messages held for a person), outbox (notices not on their
way), ocr (scans not read). Ids say their queue: review-12, quarantine-7, outbox-34, ocr-5
(a bare number is an outbox row). See mailbot/runtime/queues.py.
"""

from __future__ import annotations

import getpass
import json
import sys

from mailbot.commands.common import add_config, load, open_register

QUEUE_NAMES = ("review", "quarantine", "outbox", "ocr")


def add_parser(sub) -> None:
    p = sub.add_parser("queue", help="held messages, stuck notices and failed OCR: list, show, retry, "
                                     "release, refuse",
                       description="Every queue that can hold work. review / quarantine: messages held for a "
                                   "person (release registers them like an accepted message; refuse sends the "
                                   "sender a refusal). outbox: notices 'unbuilt' (a template failed), 'failed' "
                                   "(the relay refused them or every attempt was used) and 'deferred' (waiting "
                                   "under notices.max_per_hour). ocr: scans waiting or whose reading failed. "
                                   "Ids name their queue: review-12, quarantine-7, outbox-34, ocr-5.")
    add_config(p)
    qsub = p.add_subparsers(dest="action", metavar="ACTION")
    q = qsub.add_parser("list", help="the items of one queue or of all, oldest first")
    add_config(q, nested=True)
    q.add_argument("queue", nargs="?", choices=QUEUE_NAMES, help="one queue (default: all)")
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q = qsub.add_parser("show", help="everything about one item (a held message's reasons and audit trail)")
    add_config(q, nested=True)
    q.add_argument("id", metavar="ID", help="e.g. review-12")
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q = qsub.add_parser("retry", help="inspect held messages again with today's rules and trust; compose or "
                                      "send notices again; read failed scans again (the running daemon sends "
                                      "and reads)")
    add_config(q, nested=True)
    q.add_argument("ids", nargs="*", metavar="ID", help="ids from `queue list`")
    q.add_argument("--all", action="store_true", help="every held message, unbuilt or failed notice and failed scan")
    q = qsub.add_parser("release", help="register held messages as accepted (số đến, receipt, routing), "
                                        "recorded as a person's decision")
    add_config(q, nested=True)
    q.add_argument("ids", nargs="+", metavar="ID", help="review-N or quarantine-N")
    q.add_argument("--by", default=None, help="who decided (default: the login name)")
    q = qsub.add_parser("refuse", help="refuse held messages: the sender gets a refusal with the reason")
    add_config(q, nested=True)
    q.add_argument("ids", nargs="+", metavar="ID", help="review-N or quarantine-N")
    q.add_argument("--reason", default="", help="the reason, in Vietnamese, as the sender will read it "
                                                "(default: “Văn bản không đủ điều kiện tiếp nhận”)")
    q.add_argument("--by", default=None, help="who decided (default: the login name)")


def _ids(texts: list[str]):
    from mailbot.runtime.queues import parse_id

    return [parse_id(t) for t in texts]


def run(args) -> int:
    from mailbot.runtime.queues import QueueIdError

    rules = load(args)
    db = open_register(rules)
    if db is None:
        return 1
    action = args.action or "list"
    try:
        if action == "list":
            return _list(db, args.__dict__.get("queue"), getattr(args, "json", False))
        if action == "show":
            return _show(db, args.id, args.json)
        if action == "retry":
            return _retry(rules, db, args)
        return _decide(rules, db, args, action)
    except QueueIdError as exc:
        print(str(exc), file=sys.stderr)
        return 2


def _list(db, queue: str | None, as_json: bool) -> int:
    from mailbot.runtime.queues import items

    rows = items(db, queue)
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return 0
    if not rows:
        print(f"the {queue} queue is empty" if queue else "every queue is empty")
    for row in rows:
        print(_line(row))
    return 0


def _line(row: dict) -> str:
    if row["queue"] in ("review", "quarantine"):
        why = "; ".join(r["message_en"] or r["code"] for r in row["reasons"])
        return (f"{row['id']:<16} since {row['since']}  from {row['sender'] or '?'}  "
                f"“{row['subject'] or ''}”: {why}")
    if row["queue"] == "outbox":
        when = f" goes at {row['next_attempt_at']}" if row["state"] == "deferred" else ""
        error = f": {row['last_error']}" if row["last_error"] else ""
        return (f"{row['id']:<16} {row['state']:<9} {row['kind']:<12} to {row['recipient']} "
                f"(message #{row['message']}){when}{error}")
    error = f": {row['error']}" if row.get("error") else ""
    return (f"{row['id']:<16} {row['state']:<9} entry {row['arrival_number']}/{row['year']} ({row['book']}), "
            f"{row['attempts']} attempt(s){error}")


def _show(db, text: str, as_json: bool) -> int:
    from mailbot.runtime.queues import parse_id, show

    item = parse_id(text)
    found = show(db, item)
    if found is None:
        print(f"{item}: no such item in the {item.queue} queue (see `mailbot queue list {item.queue}`)",
              file=sys.stderr)
        return 1
    if as_json:
        print(json.dumps(found, ensure_ascii=False, indent=2, default=str))
        return 0
    for key, value in found.items():
        if key == "audit":
            print("audit:")
            for event in value:
                print(f"  {event['at']} {event['event']} {json.dumps(event['detail'], ensure_ascii=False)}")
        elif key == "reasons":
            print("reasons:")
            for r in value:
                print(f"  {r['code']}: {r['message_en']} / {r['message_vi']}")
        else:
            print(f"{key}: {value}")
    return 0


def _desk_factory(rules, db):
    opened = []

    def make():
        from mailbot.runtime.desk import Desk
        from mailbot.runtime.pipeline import Pipeline

        pipeline = Pipeline(rules, db)
        opened.append(pipeline)
        return Desk(pipeline)

    return make, opened


def _retry(rules, db, args) -> int:
    from mailbot.runtime.queues import retry

    if not args.ids and not args.all:
        print("queue retry: give ids (see `mailbot queue list`) or --all", file=sys.stderr)
        return 2
    make, opened = _desk_factory(rules, db)
    try:
        results = retry(rules, db, make, None if args.all else _ids(args.ids))
    finally:
        for pipeline in opened:
            pipeline.close()
    if not results:
        print("nothing to retry")
        return 0
    bad = False
    for item, result, detail in results:
        bad |= result in ("not-found", "still-unbuilt")
        print(f"{item}: {_RESULTS.get(result, result)}" + (f" ({detail})" if detail else ""))
    return 1 if bad else 0


_RESULTS = {"queued": "queued (the running daemon takes it from here)",
            "still-unbuilt": "still cannot be composed", "still-held": "inspected again: still held",
            "registered": "inspected again: accepted and registered", "refused": "inspected again: refused",
            "already": "already decided", "not-held": "not held any more", "not-found": "not found"}


def _decide(rules, db, args, action: str) -> int:
    items = _ids(args.ids)
    wrong = [str(i) for i in items if i.queue not in ("review", "quarantine")]
    if wrong:
        print(f"queue {action}: only held messages (review-N, quarantine-N) can be {action}d, not "
              f"{', '.join(wrong)}", file=sys.stderr)
        return 2
    by = args.by or _login()
    make, opened = _desk_factory(rules, db)
    desk = make()
    bad = False
    try:
        for item in items:
            if not _held_as(db, item):
                print(f"{item}: not held in {item.queue} (see `mailbot queue list`)", file=sys.stderr)
                bad = True
                continue
            if action == "release":
                done = desk.release(item.number, by=by, via=f"mailbot queue release {item}")
            else:
                done = desk.refuse(item.number, args.reason, by=by, via=f"mailbot queue refuse {item}")
            reg = done.registered
            if done.result == "registered" and reg is not None:
                print(f"{item}: registered as số đến {reg.arrival_number}/{reg.year} in {reg.book}")
            elif done.result == "refused":
                print(f"{item}: refused; the sender is told")
            else:
                bad = True
                print(f"{item}: {_RESULTS.get(done.result, done.result)}", file=sys.stderr)
    finally:
        for pipeline in opened:
            pipeline.close()
    return 1 if bad else 0


def _held_as(db, item) -> bool:
    from mailbot.runtime.queues import show

    return show(db, item) is not None


def _login() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in a bare container
        return "administrator"
