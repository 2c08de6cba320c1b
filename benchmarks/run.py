#!/usr/bin/env python3
"""mailbot benchmark: the real daemon against a real Dovecot and an aiosmtpd relay on loopback.

    .venv/bin/python benchmarks/run.py            # --quick (default): a few minutes on 2 cores
    .venv/bin/python benchmarks/run.py --full     # 10,000-message RSS drift, 1M-entry register search

What runs (everything on 127.0.0.1, everything stopped again on exit, Ctrl-C or error):
- a private Dovecot (testbed/dovecot.py) and a STARTTLS+AUTH aiosmtpd relay
  (testbed/relay.py) that timestamps every captured message;
- `python -m mailbot run --config rules.yaml` as a child process (the real daemon path:
  IMAP IDLE in, spool, inspect, register, SMTP out, IMAP MOVE), one mailbox on the
  benchmark Dovecot, notices to the relay, trust roots from the test PKI;
- a reproducible workload (seeded): the typical message is one signed 2-page PDF + one
  .docx (~70 KB); the mix adds a 2 MB and a 25 MB signed PDF, unsigned documents and
  refusals (an .exe named .pdf, a macro workbook).

It prints a table and writes JSON + the table to benchmarks/results/. See benchmarks/README.md
for what every number means and the targets (reported, never asserted).

Layout (benchmarks/): this file parses the arguments and runs the phases in order;
  common.py      paths, the office's addresses, log / percentile helpers
  workload.py    signed documents and the messages that carry them (seeded)
  harness.py     the timed relay, the daemon child process, the feeder, the phase context, pinning
  host.py        /proc readings (RSS, CPU time, process trees), CPU affinity, the machine description
  primitives.py  phase "primitives": the raw libraries and servers on the typical message
  throughput.py  phases "throughput" (rounds, RSS drift) and "profile" (py-spy)
  latency.py     phases "cli" (cold start) and "latency" (open loop, Poisson arrivals)
  memory.py      phase "mix": peak RSS of large messages, the other message classes
  search.py      phase "search": register search and số đến commits on a big register
  render.py      the targets and their verdicts, the text table, the JSON + text files
The servers and the test PKI come from testbed/ (shared with the tests).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import signal
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

# Run as a script (`python benchmarks/run.py`), Python puts benchmarks/ first on sys.path, where
# the modules' plain names (common, host, search, …) could shadow installed ones: the repo root
# goes there instead, and the modules are imported as the package `benchmarks`.
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.common import RESULTS, log  # noqa: E402
from benchmarks.harness import Ctx, start_servers  # noqa: E402
from benchmarks.host import machine  # noqa: E402
from benchmarks.latency import phase_cli, phase_latency  # noqa: E402
from benchmarks.memory import mem_probe, phase_mix  # noqa: E402
from benchmarks.primitives import phase_primitives  # noqa: E402
from benchmarks.render import TARGETS, render, save  # noqa: E402
from benchmarks.search import phase_search  # noqa: E402
from benchmarks.throughput import phase_profile, phase_throughput  # noqa: E402
from benchmarks.workload import Workload  # noqa: E402

SIZES = {
    # tp: messages per throughput run; drift: messages of the all-cores run whose RSS is followed;
    # latency: open-loop arrivals (Poisson, `rate` per second); search: register entries.
    "quick": dict(tp=300, drift=2000, latency=80, rate=1.5, search=100_000, search_reps=5,
                  commit_reps=40, prim_reps=15, backlog=64, rounds=3),
    # smoke: seconds-long check that every phase works (numbers meaningless)
    "smoke": dict(tp=40, drift=80, latency=10, rate=3, search=5000, search_reps=2,
                  commit_reps=5, prim_reps=3, backlog=8, rounds=1),
    "full": dict(tp=1000, drift=10_000, latency=400, rate=1.5, search=1_000_000, search_reps=5,
                 commit_reps=100, prim_reps=30, backlog=64, rounds=3),
}

PHASES = ("cli", "primitives", "throughput", "latency", "mix", "search", "profile")
# profile (py-spy) only when asked: --profile
DEFAULT_PHASES = tuple(p for p in PHASES if p != "profile")
PHASE_RUNNERS = {"cli": phase_cli, "primitives": phase_primitives, "throughput": phase_throughput,
                 "latency": phase_latency, "mix": phase_mix, "search": phase_search, "profile": phase_profile}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--quick", dest="mode", action="store_const", const="quick",
                   help="300 msgs per throughput run, RSS drift over 2,000, search on 100k (default)")
    g.add_argument("--full", dest="mode", action="store_const", const="full",
                   help="1,000 msgs per throughput run, RSS drift over 10,000, search on 1M")
    g.add_argument("--smoke", dest="mode", action="store_const", const="smoke",
                   help="tiny sizes: checks that every phase runs (numbers meaningless)")
    ap.add_argument("--phases", default=",".join(DEFAULT_PHASES), help=f"comma list of {', '.join(PHASES)}")
    ap.add_argument("--profile", action="store_true",
                    help="also run a py-spy profile of the 1-worker daemon (needs: pip install py-spy)")
    ap.add_argument("--seed", type=int, default=20261105)
    ap.add_argument("--out", type=Path, default=RESULTS, help="folder for the JSON and text results")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, databases)")
    ap.set_defaults(mode="quick")
    args = ap.parse_args()
    phases = [p.strip() for p in args.phases.split(",") if p.strip()] + (["profile"] if args.profile else [])
    unknown = set(phases) - set(PHASES)
    if unknown:
        ap.error(f"unknown phase(s): {', '.join(sorted(unknown))}")
    size = dict(SIZES[args.mode])

    started = time.monotonic()
    results: dict[str, Any] = {"mode": args.mode, "started": datetime.now().astimezone().isoformat(timespec="seconds"),
                               "sizes": size, "seed": args.seed, "targets": TARGETS, "machine": machine(),
                               "command": " ".join([Path(sys.executable).name, *sys.argv])}
    workdir = Path(tempfile.mkdtemp(prefix="mailbot-bench-"))
    workdir.chmod(0o711)

    def on_term(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_term)
    with contextlib.ExitStack() as stack:
        if not args.keep:
            stack.callback(shutil.rmtree, workdir, True)
        else:
            stack.callback(log, f"kept {workdir}")
        log(f"workdir {workdir}; building the workload (seed {args.seed})")
        work = Workload(workdir, args.seed)
        dovecot, relay, users = start_servers(stack, workdir)
        ctx = Ctx(args, size, workdir, work, dovecot, relay, users, results)
        stack.enter_context(ctx.stack)
        log(f"Dovecot on 127.0.0.1:{dovecot.port}, relay on 127.0.0.1:{relay.relay.port}")
        try:
            for name in PHASES:
                if name in phases:
                    PHASE_RUNNERS[name](ctx)
        except KeyboardInterrupt:
            log("interrupted: stopping everything")
            results["interrupted"] = True
            raise
        finally:
            results["elapsed_s"] = time.monotonic() - started
            if not results.get("interrupted"):
                text = render(results)
                print(text)
                base = save(results, text, args.out, args.mode)
                log(f"results: {base}.json and .txt")
    return 0


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "--mem-probe":
        print(json.dumps(mem_probe(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else "")))
        sys.exit(0)
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
