"""Latency and cold start: open-loop Poisson arrivals (APPEND → first notice at the relay), the
daemon's start with a message already waiting, and `mailbot --help` wall time."""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from benchmarks.common import ROOT, log, ms, pct
from benchmarks.harness import Ctx, Feeder, daemon_user, wait_acks


def phase_latency(ctx: Ctx) -> None:
    """Cold start, then open-loop Poisson arrivals: APPEND done → first notice at the relay."""
    n, rate = ctx.size["latency"], ctx.size["rate"]
    d = ctx.daemon("latency", 1)
    user = daemon_user(d)
    feeder = Feeder(ctx.dovecot, user)
    # A message already waiting when the daemon starts: time to its acknowledgement.
    first_mid, first_raw = ctx.work.typical("cold", 0)
    feeder.append(first_mid, first_raw)
    d.start()
    ready = d.wait_ready()
    assert wait_acks(ctx.relay, [first_mid], 60, d), f"no ack for the first message:\n{d.log_tail()}"
    first_ack = ctx.relay.acked(first_mid) - d.started_at
    cold = {"daemon_ready_s": ready, "first_waiting_message_acked_s": first_ack}
    log(f"cold start: IMAP watching after {ready:.2f}s, first waiting message acknowledged after {first_ack:.2f}s")

    rng = random.Random(ctx.args.seed + 7)
    msgs = [ctx.work.typical("lat", i) for i in range(n)]
    time.sleep(1.5)
    log(f"latency: {n} messages, Poisson arrivals at {rate}/s")
    next_at = time.monotonic()
    for mid, raw in msgs:
        next_at += rng.expovariate(rate)
        delay = next_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        feeder.append(mid, raw)
    mids = [m for m, _ in msgs]
    ok = wait_acks(ctx.relay, mids, 120, d)
    feeder.close()
    lat = [ctx.relay.acked(m) - feeder.appended[m] for m in mids if ctx.relay.acked(m) is not None]
    # Where the time goes: APPEND → spooled (IDLE wake-up + FETCH + spool) → notice sent.
    rows = {mid: (sp, sent) for mid, sp, sent in d.query(
        "SELECT m.message_id, m.spooled_at, o.sent_at FROM messages m JOIN outbox o ON o.message = m.id")}
    to_spool, spool_to_sent = [], []
    for m in mids:
        if m in rows and rows[m][1]:
            sp = datetime.fromisoformat(rows[m][0]).timestamp()
            sent = datetime.fromisoformat(rows[m][1]).timestamp()
            to_spool.append(sp - feeder.wall[m])
            spool_to_sent.append(sent - sp)
    d.stop()
    res = {
        "n": n, "acked": len(lat), "arrival_rate_per_s": rate, "all_acked": ok,
        "p50_s": pct(lat, 50), "p95_s": pct(lat, 95), "p99_s": pct(lat, 99), "max_s": max(lat),
        "stages": {
            "append_to_spooled": {"p50_s": pct(to_spool, 50), "p95_s": pct(to_spool, 95)},
            "spooled_to_notice_sent": {"p50_s": pct(spool_to_sent, 50), "p95_s": pct(spool_to_sent, 95)},
        },
        "inspect_workers": 1, "errors": d.errors(),
    }
    ctx.results["latency"] = res
    ctx.results.setdefault("cold_start", {}).update(cold)
    log(f"latency: p50 {ms(res['p50_s'])}, p95 {ms(res['p95_s'])}, p99 {ms(res['p99_s'])}")


def phase_cli(ctx: Ctx) -> None:
    times = {}
    for label, cmd in (("python -m mailbot --help", [sys.executable, "-m", "mailbot", "--help"]),
                       ("mailbot --help", [str(Path(sys.executable).parent / "mailbot"), "--help"])):
        if not Path(cmd[0]).exists():
            continue
        runs = []
        for _ in range(5):
            t = time.perf_counter()
            subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            runs.append(time.perf_counter() - t)
        times[label] = statistics.median(runs)
    bare = []
    for _ in range(5):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        bare.append(time.perf_counter() - t)
    times["python -c pass (interpreter alone)"] = statistics.median(bare)
    ctx.results.setdefault("cold_start", {})["help_s"] = times
    log("cold start: " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in times.items()))
