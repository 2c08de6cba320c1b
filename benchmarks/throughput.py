"""Throughput: closed-loop runs of the daemon (one core, one core with the whole system, all
cores, one worker) in rounds, the long all-cores run that follows RSS, and the py-spy profile."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, log
from benchmarks.harness import Ctx, Daemon, Feeder, daemon_user, decisions, harness_confined
from benchmarks.host import cpu_snapshot
from benchmarks.primitives import phase_primitives


def closed_loop(ctx: Ctx, daemon: Daemon, tag: str, n: int, backlog: int, timeout: float) -> dict:
    """Keep about `backlog` messages waiting (APPENDed but not yet acknowledged): steady state."""
    feeder = Feeder(ctx.dovecot, daemon_user(daemon))
    mids: list[str] = []
    log(f"{daemon.name}: generating {n} typical messages")
    msgs = [ctx.work.typical(tag, i) for i in range(n)]
    acked_at_sample: list[tuple[float, int]] = []
    stop = threading.Event()

    with ctx.relay.lock:
        acked_before = len(ctx.relay.first)     # runs follow one another: new keys are this run's

    def count() -> int:
        with ctx.relay.lock:
            return len(ctx.relay.first) - acked_before

    def feed():
        try:
            for mid, raw in msgs:
                while not stop.is_set() and len(mids) - count() >= backlog:
                    time.sleep(0.005)
                if stop.is_set():
                    return
                mids.append(mid)
                feeder.append(mid, raw)
        finally:
            feeder.close()

    log(f"{daemon.name}: {n} messages, closed loop with {backlog} waiting")
    marks = {max(10, n // 10): None, n - 1: None}
    t0 = time.monotonic()
    th = threading.Thread(target=feed, daemon=True, name="feeder")
    th.start()
    last_report = t0
    try:
        while True:
            done = count()
            now = time.monotonic()
            acked_at_sample.append((now, done))
            for mark in marks:
                if marks[mark] is None and done >= mark + 1:
                    marks[mark] = (now, done, cpu_snapshot(daemon.proc.pid, ctx.dovecot.proc.pid))
            if done >= n:
                break
            if daemon.proc.poll() is not None:
                raise RuntimeError(f"daemon {daemon.name} died:\n{daemon.log_tail()}")
            if now - t0 > timeout:
                raise RuntimeError(f"{daemon.name}: only {done}/{n} acknowledged after {timeout:.0f}s:\n"
                                   f"{daemon.log_tail()}")
            if now - last_report > 15:
                log(f"{daemon.name}: {done}/{n} acknowledged")
                last_report = now
            time.sleep(0.05)
    finally:
        stop.set()
        th.join(10)
    with ctx.relay.lock:
        ack_times = sorted(ctx.relay.first[m] for m in mids)
        kinds = {}
        for m in mids:
            for k in ctx.relay.kinds.get(m, []):
                kinds[k] = kinds.get(k, 0) + 1
    cpu = None
    (a, b) = sorted(marks)
    if marks[a] and marks[b]:
        (ta, na, ca), (tb, nb, cb) = marks[a], marks[b]
        per_msg = {k: (cb[k] - ca[k]) / (nb - na) for k in ca}
        machine_total = per_msg.pop("machine (all processes)")
        ours = sum(per_msg.values())
        per_msg["other processes on the machine"] = max(0.0, machine_total - ours)
        cpu = {"window_acks": [na, nb], "cpu_s_per_message": per_msg,
               "cpu_s_per_message_total": machine_total,
               "cpu_utilisation_of_all_cores": machine_total * (nb - na) / ((tb - ta) * (os.cpu_count() or 1))}
    return {"n": n, "ack_times": ack_times, "acked_at": acked_at_sample, "start": t0, "cpu": cpu,
            "elapsed": ack_times[-1] - t0, "notice_kinds": kinds, "mids": mids}


def window_rate(ack_times: list[float], lo: int, hi: int) -> float:
    """Messages per second between the lo-th and hi-th acknowledgement (0-based, inclusive)."""
    hi = min(hi, len(ack_times) - 1)
    if hi <= lo:
        return float("nan")
    return (hi - lo) / (ack_times[hi] - ack_times[lo])


def phase_throughput(ctx: Ctx) -> None:
    n_tp, n_drift, backlog = ctx.size["tp"], ctx.size["drift"], ctx.size["backlog"]
    cores = len(os.sched_getaffinity(0))
    lo = max(10, n_tp // 10)
    out: dict[str, Any] = {"window": f"acknowledgements {lo}..{n_tp - 1} of each run (steady state, "
                                     f"closed loop with {backlog} messages waiting)", "cores": cores}

    def steady(name: str, tag: str, cpus: set[int] | None, workers: int = 1, harness_too: bool = False) -> dict:
        d = ctx.daemon(name, workers, cpus=cpus)
        d.start()
        d.wait_ready()
        with harness_confined(ctx, cpus) if harness_too else contextlib.nullcontext():
            r = closed_loop(ctx, d, tag, n_tp, backlog, timeout=max(600, n_tp * 2))
        rate = window_rate(r["ack_times"], lo, n_tp - 1)
        d.stop()
        return {"msgs_per_s": rate, "per_message_s": 1 / rate, "overall_msgs_per_s": n_tp / r["elapsed"],
                "cpu": r["cpu"], "decisions": decisions(d), "notice_kinds": r["notice_kinds"],
                "errors": d.errors(), "cpus": sorted(cpus) if cpus else None, "inspect_workers": workers}

    # The host's speed drifts on a shared VM by tens of per cent within minutes, so the runs the
    # ratios compare are made in rounds, side by side, and each figure is the median round's.
    # One core: the daemon and its inspection worker pinned to one CPU (the harness — Dovecot,
    # the relay, the feeder — is not pinned and runs mostly on the other). This is mailbot's
    # cost per message on one core, comparable with the serial sum of the primitives.
    # One core, system: the daemon, its worker, Dovecot, the relay and the feeder all confined to
    # that CPU; the all-cores run gives the same whole system every CPU, so this ratio compares
    # like with like (in the "one core" run the harness has the other CPU for free, which the
    # all-cores run must share; the ratio to it is reported too).
    one_cpu = {min(os.sched_getaffinity(0))}
    rounds: dict[str, list[dict]] = {"one_core": [], "one_core_system": [], "all_cores": []}
    for i in range(ctx.size["rounds"]):
        rounds["one_core"].append(steady(f"tp-onecore-{i}", f"tp0r{i}", one_cpu))
        if "primitives" in ctx.results:
            # The primitives again, right after this round's one-core run: the cost ratio pairs
            # measurements made within seconds of each other.
            phase_primitives(ctx, key=f"primitives_round{i}", idle_delay=False)
            ctx.results.setdefault("primitives_rounds", []).append(ctx.results.pop(f"primitives_round{i}"))
            rounds["one_core"][-1]["primitive_sum_s"] = ctx.results["primitives_rounds"][-1]["sum_seconds"]
        rounds["one_core_system"].append(steady(f"tp-onecore-system-{i}", f"tp3r{i}", one_cpu, harness_too=True))
        rounds["all_cores"].append(steady(f"tp-allcores-{i}", f"tp2r{i}", None, workers=cores))
        log(f"throughput, round {i + 1}: one core {rounds['one_core'][-1]['msgs_per_s']:.2f} msg/s, whole system "
            f"on one core {rounds['one_core_system'][-1]['msgs_per_s']:.2f}, {cores} workers "
            f"{rounds['all_cores'][-1]['msgs_per_s']:.2f}")
    for key, runs in rounds.items():
        out[key] = sorted(runs, key=lambda run: run["msgs_per_s"])[len(runs) // 2]
        out[key]["rounds_msgs_per_s"] = [run["msgs_per_s"] for run in runs]
    per_round = list(zip(rounds["all_cores"], rounds["one_core"], rounds["one_core_system"]))
    out["all_vs_one_core"] = statistics.median(a["msgs_per_s"] / c["msgs_per_s"] for a, c, _s in per_round)
    if all("primitive_sum_s" in c for c in rounds["one_core"]):
        out["one_core_vs_primitives"] = statistics.median(
            c["per_message_s"] / c["primitive_sum_s"] for c in rounds["one_core"])
    out["all_vs_one_core_system"] = statistics.median(a["msgs_per_s"] / s["msgs_per_s"] for a, _c, s in per_round)
    out["all_cores"]["note"] = ("limits.inspect_workers = number of isolated inspection worker processes "
                                "(mailbot/isolation.py), each kept on its own CPU; the processor keeps "
                                "2 × workers inspections in flight (daemon.Processor)")
    # One worker, not pinned: what `inspect_workers: 1` gives (the daemon's threads use another core).
    out["one_worker"] = steady("tp-1worker", "tp1", None)
    rate1, rate2 = out["one_worker"]["msgs_per_s"], out["all_cores"]["msgs_per_s"]
    out["all_vs_one"] = rate2 / rate1
    log(f"throughput, 1 worker: {rate1:.2f} msg/s; {cores} workers {out['all_vs_one_core_system']:.2f}× the "
        f"whole system on one core, {out['all_vs_one_core']:.2f}× mailbot alone on one core, "
        f"{out['all_vs_one']:.2f}× one worker")

    # The long all-cores run: memory over many messages, and the rate over all of them.
    d2 = ctx.daemon("tp-allcores-drift", cores)
    d2.sample_every = 0.5
    d2.start()
    d2.wait_ready()
    r2 = closed_loop(ctx, d2, "tp2", n_drift, backlog, timeout=max(900, n_drift * 2))
    tail_lo = int(n_drift * 0.9)
    out["drift_run"] = {"messages": n_drift, "overall_msgs_per_s": n_drift / r2["elapsed"],
                        "last_10pct_msgs_per_s": window_rate(r2["ack_times"], tail_lo, n_drift - 1),
                        "decisions": decisions(d2), "notice_kinds": r2["notice_kinds"], "errors": d2.errors()}

    # RSS drift: median RSS while acknowledgements 10–20 % vs 90–100 % of the run.
    acked = r2["acked_at"]

    def done_at(t: float) -> int:
        best = 0
        for when, count in acked:
            if when > t:
                break
            best = count
        return best

    samples = [(t, rss, own, done_at(t)) for t, rss, _hwm, own in d2.samples if t >= r2["start"]]
    # A short run (--smoke) may have no sample inside a window: then the nearest sample counts.
    early_s = [x for x in samples if 0.1 * n_drift <= x[3] < 0.2 * n_drift] or \
        [next((x for x in samples if x[3] >= 0.1 * n_drift), samples[0])]
    late_s = [x for x in samples if x[3] >= 0.9 * n_drift] or [samples[-1]]
    base, end = statistics.median(x[1] for x in early_s), statistics.median(x[1] for x in late_s)
    own_base, own_end = statistics.median(x[2] for x in early_s), statistics.median(x[2] for x in late_s)
    series = [(round(c), round(rss / 2**20, 1), round(own / 2**20, 1))
              for _t, rss, own, c in samples[:: max(1, len(samples) // 40)]]
    out["rss_drift"] = {
        "messages": n_drift, "rss_10_20pct_mib": base / 2**20, "rss_90_100pct_mib": end / 2**20,
        "drift_pct": (end - base) / base * 100, "peak_total_mib": max(r for _t, r, _o, _c in samples) / 2**20,
        "daemon_process_only": {"rss_10_20pct_mib": own_base / 2**20, "rss_90_100pct_mib": own_end / 2**20,
                                "drift_pct": (own_end - own_base) / own_base * 100},
        "series_acked_total_daemon_mib": series,
        "db_mib": d2.db_path.stat().st_size / 2**20,
    }
    log(f"RSS drift over {n_drift}: {base / 2**20:.1f} → {end / 2**20:.1f} MiB "
        f"({(end - base) / base * 100:+.1f} %)")
    d2.stop()
    ctx.results["throughput"] = out


def summarise_pyspy(path: Path, top: int = 20) -> dict:
    """Collapsed py-spy stacks (--format raw --threads --subprocesses --idle) → per thread: share of
    samples, the frames with the most inclusive samples and the hottest leaves."""
    from collections import Counter, defaultdict

    threads: Counter = Counter()
    incl: dict = defaultdict(Counter)
    leaf: dict = defaultdict(Counter)
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        ti = next((i for i, f in enumerate(frames) if f.startswith("thread (")), None)
        if ti is None:
            continue
        procs = [f for f in frames[:ti] if f.startswith("process")]
        kind = ("inspection worker" if procs and "spawn_main" in procs[-1]
                else "resource_tracker" if procs and "resource_tracker" in procs[-1] else "daemon")
        th = f"{kind}: {frames[ti].split(':', 1)[1].strip()}"
        n = int(count)
        threads[th] += n
        seen = set()
        for f in frames[ti + 1:]:
            key = re.sub(r":\d+\)$", ")", f)
            if key not in seen and not key.startswith(("Thread._bootstrap", "Thread.run (", "<module>", "_run_")):
                incl[th][key] += n
                seen.add(key)
        leaf[th][re.sub(r":\d+\)$", ")", frames[-1])] += n
    out = {}
    for th, n in threads.most_common():
        if th.startswith("resource_tracker"):
            continue
        out[th] = {"samples": n,
                   "inclusive_pct": {f: round(c / n * 100, 1) for f, c in incl[th].most_common(top)},
                   "self_pct": {f: round(c / n * 100, 1) for f, c in leaf[th].most_common(6)}}
    return out


def phase_profile(ctx: Ctx) -> None:
    """py-spy (wall clock, idle included) on the 1-worker daemon in the closed loop. Slower while profiled:
    its throughput is not comparable with the other runs."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        log("profile: py-spy not installed (pip install py-spy); skipped")
        return
    d = ctx.daemon("profile-1worker", 1)
    d.start()
    d.wait_ready()
    ctx.args.out.mkdir(parents=True, exist_ok=True)
    raw_path = ctx.args.out / f"{datetime.now().strftime('%Y%m%d-%H%M%S')}-{ctx.args.mode}-pyspy.txt"
    proc = subprocess.Popen([spy, "record", "--pid", str(d.proc.pid), "--rate", "100", "--format", "raw",
                             "--output", str(raw_path), "--subprocesses", "--threads", "--idle", "--nonblocking"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    n = max(60, ctx.size["tp"] // 2)
    r = closed_loop(ctx, d, "prof", n, ctx.size["backlog"], timeout=max(600, n * 3))
    proc.send_signal(signal.SIGINT)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(60)
    d.stop()
    threads = summarise_pyspy(raw_path) if raw_path.exists() else {}
    if raw_path.exists():          # collapsed stacks compress ~20×; flamegraph.pl / speedscope read them back
        import gzip

        gz = raw_path.with_suffix(".txt.gz")
        gz.write_bytes(gzip.compress(raw_path.read_bytes()))
        raw_path.unlink()
        raw_path = gz
    ctx.results["profile"] = {"messages": n, "raw_file": str(raw_path.relative_to(ROOT)) if raw_path.is_relative_to(ROOT) else str(raw_path),
                              "msgs_per_s_while_profiled": window_rate(r["ack_times"], n // 10, n - 1),
                              "cpu": r["cpu"], "threads": threads}
    log(f"profile: {raw_path}")
