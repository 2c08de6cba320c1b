"""`mailbot queue list|retry`: notices that are not on their way, and sending them again."""

from __future__ import annotations

import json
import sys

from mailbot.commands.common import add_config, load, open_register


def add_parser(sub) -> None:
    p = sub.add_parser("queue", help="notices that are not on their way: list them, send them again",
                       description="The outbox's stuck notices: 'unbuilt' (a template failed; the document "
                                   "was registered all the same), 'failed' (the relay refused them or every "
                                   "attempt was used) and 'deferred' (waiting for their turn under "
                                   "notices.max_per_hour).")
    add_config(p)
    qsub = p.add_subparsers(dest="action", metavar="ACTION")
    q = qsub.add_parser("list", help="unbuilt, failed and deferred notices, oldest first")
    add_config(q, nested=True)
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q = qsub.add_parser("retry", help="compose unbuilt notices again with today's templates; put failed ones "
                                      "back in line (the running daemon sends them)")
    add_config(q, nested=True)
    q.add_argument("ids", nargs="*", type=int, metavar="ID", help="outbox ids from `queue list`")
    q.add_argument("--all", action="store_true", help="every unbuilt and failed notice")


def run(args) -> int:
    from mailbot.dispatch.retry import retry_notices, stuck_notices

    rules = load(args)
    db = open_register(rules)
    if db is None:
        return 1
    if (args.action or "list") == "list":
        rows = stuck_notices(db)
        if getattr(args, "json", False):
            print(json.dumps(rows, ensure_ascii=False, indent=2))
            return 0
        if not rows:
            print("no stuck or deferred notice")
        for row in rows:
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
