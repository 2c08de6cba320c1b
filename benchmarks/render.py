"""The report: the targets, their verdicts, the text table, and the JSON + text files."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from benchmarks.common import ms


TARGETS = {
    "one_core_vs_primitives": "one-core throughput (daemon + 1 worker pinned to one CPU) ≥ 0.8 × 1/(primitive sum)"
                              "  ⇔  cost ratio ≤ 1.25",
    "all_cores_vs_one": "all-cores throughput ≥ 1.6 × one-core (2 cores), against two one-core runs: the whole "
                        "system (daemon, worker, Dovecot, relay, feeder) confined to one CPU, and mailbot alone "
                        "pinned to one CPU (the harness on the other)",
    "latency": "APPEND → ack p50 ≤ 0.65 s, p95 ≤ 1.0 s",
    "rss_25mb": "peak RSS for the 25 MB message ≤ 2 × 25 MB + 80 MB = 130 MB",
    "rss_drift": "RSS drift ≤ 5 % over the drift run (10,000 messages with --full)",
    "search": "register search p95 ≤ 20 ms on 1M entries (--full), diacritic-insensitive incl. đ/d",
    "cold_start": "`mailbot --help` fast; daemon ready in about 2 s",
}


def primitive_sum(r: dict) -> float:
    """The mean primitive sum: the measurement at the start and those of the rounds."""
    sums = [r["primitives"]["sum_seconds"]] + [p["sum_seconds"] for p in r.get("primitives_rounds", [])]
    return sum(sums) / len(sums)


def verdicts(r: dict) -> list[tuple[str, str, str, str]]:
    """(target, measured, goal, MET/MISSED) rows."""
    rows = []
    prim, tp = r.get("primitives"), r.get("throughput")
    if prim and tp:
        base = tp.get("one_core") or tp["one_worker"]
        total = base.get("primitive_sum_s") or primitive_sum(r)
        ratio = tp.get("one_core_vs_primitives") or base["per_message_s"] / total
        rows.append(("one core vs primitive sum", f"{ratio:.2f}× the sum (median round: {base['msgs_per_s']:.2f} "
                     f"msg/s vs 1/sum = {1 / total:.2f} msg/s)", "≤ 1.25×", "MET" if ratio <= 1.25 else "MISSED"))
    if tp:
        x, strict = tp.get("all_vs_one_core_system"), tp.get("all_vs_one_core")
        rate = f"{tp['all_cores']['msgs_per_s']:.2f} msg/s"
        if x is not None:
            rows.append(("all cores vs one core, system", f"{x:.2f}× ({rate}; the whole system on one CPU, then on all; "
                         "median of rounds)", "≥ 1.6× on 2 cores", "MET" if x >= 1.6 else "MISSED"))
        if strict is not None:
            rows.append(("all cores vs one core, mailbot", f"{strict:.2f}× ({rate}; the one-core run has the harness "
                         "on the other CPU)", "≥ 1.6× on 2 cores", "MET" if strict >= 1.6 else "MISSED"))
        d = tp["rss_drift"]
        rows.append((f"RSS drift over {d['messages']:,} msgs", f"{d['drift_pct']:+.1f} % "
                     f"({d['rss_10_20pct_mib']:.0f} → {d['rss_90_100pct_mib']:.0f} MiB)", "≤ 5 %",
                     "MET" if abs(d["drift_pct"]) <= 5 else "MISSED"))
    lat = r.get("latency")
    if lat:
        ok = lat["p50_s"] <= 0.65 and lat["p95_s"] <= 1.0
        rows.append(("APPEND → ack latency", f"p50 {lat['p50_s']:.3f} s, p95 {lat['p95_s']:.3f} s, "
                     f"p99 {lat['p99_s']:.3f} s", "p50 ≤ 0.65 s, p95 ≤ 1.0 s", "MET" if ok else "MISSED"))
    mix = r.get("mix")
    if mix:
        peak, goal, added = mix["rss_25mb_peak_mib"], mix["rss_25mb_target_mib"], mix.get("rss_25mb_added_mib")
        if added is not None:
            rows.append(("peak RSS added, 25 MB message", f"{added:.0f} MiB above idle (daemon + its workers)",
                         f"≤ {goal:.0f} MiB", "MET" if added <= goal else "MISSED"))
        rows.append(("peak RSS absolute, 25 MB msg", f"{peak:.0f} MiB, of which {mix.get('rss_idle_mib', 0):.0f} MiB "
                     "idle (daemon + isolated worker + resource tracker)", f"≤ {goal:.0f} MiB",
                     "MET" if peak <= goal else "MISSED"))
    s = r.get("search")
    if s:
        p95 = s["current"]["p95_ms"]
        scale = "" if s["entries"] >= 1_000_000 else f" (on {s['entries']:,}; the target is for 1M: --full)"
        rows.append(("register search p95", f"{p95:.1f} ms{scale}", "≤ 20 ms on 1M, đ/d-insensitive",
                     ("MET" if p95 <= 20 and s["current"]["diacritic_insensitive"] else "MISSED")
                     + ("" if s["entries"] >= 1_000_000 else " (at this size)")))
    cs = r.get("cold_start")
    if cs and "daemon_ready_s" in cs:
        rows.append(("daemon ready (IMAP watching)", f"{cs['daemon_ready_s']:.2f} s; first waiting message acked "
                     f"after {cs['first_waiting_message_acked_s']:.2f} s", "≈ 2 s",
                     "MET" if cs["daemon_ready_s"] <= 2.5 else "MISSED"))
    return rows


def render(r: dict) -> str:
    L = []
    m = r["machine"]
    L.append(f"mailbot benchmark — {r['mode']} — {r['started']}")
    L.append(f"machine: {m.get('cpu')} × {m['cpus_usable']} usable cpus, {m.get('mem_gib')} GiB, kernel {m['kernel']}, "
             f"Python {m['python']}, SQLite {m['sqlite']}, {m.get('dovecot', '').split(' ')[0] and 'Dovecot ' + m.get('dovecot', '').split(' ')[0]}, "
             f"fs {m.get('filesystem_tmp')}, commit {m.get('git_commit')} (+{m.get('git_dirty_files', 0)} modified files)")
    p = r.get("primitives")
    if p:
        L.append("")
        L.append(f"Raw primitives, typical message ({p['message_bytes'] / 1000:.0f} KB: "
                 + ", ".join(f"{k} {v / 1000:.0f} KB" for k, v in p["attachments"].items()) + "), median of runs")
        for k, v in p["primitives"].items():
            L.append(f"  {k:<32} {ms(v['median']):>10}")
        L.append(f"  {'SUM':<32} {ms(p['sum_seconds']):>10}   → 1/sum = {1 / p['sum_seconds']:.2f} msg/s")
        again = r.get("primitives_rounds")
        if again:
            L.append("  measured again right after each round's one-core run: SUM "
                     + ", ".join(ms(a["sum_seconds"]) for a in again) + f"; mean of all {ms(primitive_sum(r))}")
        L.append("  not in the sum:")
        for k, v in p["extras"].items():
            L.append(f"  {k:<32} {ms(v['median']):>10}" if len(k) <= 32 else f"  {k}  {ms(v['median'])}")
    tp = r.get("throughput")
    if tp:
        L.append("")
        L.append(f"Throughput (real daemon: IMAP IDLE → SMTP ack; {tp['window']})")
        o, a, c1 = tp["one_worker"], tp["all_cores"], tp.get("one_core")
        cs1 = tp.get("one_core_system")
        if c1:
            L.append(f"  one core          {c1['msgs_per_s']:6.2f} msg/s   {ms(c1['per_message_s'])}/msg   "
                     f"(daemon + 1 worker pinned to CPU {c1['cpus']}; Dovecot, relay, feeder not pinned)")
        if cs1:
            L.append(f"  one core, system  {cs1['msgs_per_s']:6.2f} msg/s   {ms(cs1['per_message_s'])}/msg   "
                     f"(daemon, worker, Dovecot, relay and feeder all on CPU {cs1['cpus']})")
        L.append(f"  1 worker          {o['msgs_per_s']:6.2f} msg/s   {ms(o['per_message_s'])}/msg   (not pinned)")
        L.append(f"  {a['inspect_workers']} workers         {a['msgs_per_s']:6.2f} msg/s   {ms(a['per_message_s'])}/msg   "
                 + (f"= {tp['all_vs_one_core_system']:.2f}× the system on one core, " if cs1 else "= ")
                 + (f"{tp['all_vs_one_core']:.2f}× one core, " if c1 else "")
                 + f"{tp['all_vs_one']:.2f}× one worker")
        dr = tp.get("drift_run") or a
        L.append(f"  {a['inspect_workers']} workers over {tp['rss_drift']['messages']:,} msgs (the RSS run): "
                 f"{dr['overall_msgs_per_s']:.2f} msg/s overall, {dr['last_10pct_msgs_per_s']:.2f} msg/s in the last 10 %")
        if c1 and "rounds_msgs_per_s" in c1:
            L.append("  rounds (msg/s): " + "; ".join(
                f"{label} " + ", ".join(f"{x:.1f}" for x in run_["rounds_msgs_per_s"])
                for label, run_ in (("one core", c1), ("one core, system", cs1), ("all cores", a)) if run_))
        if p:
            total = primitive_sum(r)
            L.append("  mailbot per-message cost / primitive sum: "
                     + (f"one core {tp['one_core_vs_primitives']:.2f} (median of the rounds, each against the sum "
                        "measured right after it), " if "one_core_vs_primitives" in tp else "")
                     + f"1 worker {o['per_message_s'] / total:.2f} (against the mean sum)")
        runs = ((("one core", c1),) if c1 else ()) + ((("one core, system", cs1),) if cs1 else ())
        for label, run_ in runs + (("1 worker", o), (f"{a['inspect_workers']} workers", a)):
            c = run_.get("cpu")
            if c:
                L.append(f"  CPU per message, {label}: " + ", ".join(
                    f"{k} {v * 1000:.1f} ms" for k, v in c["cpu_s_per_message"].items())
                    + f"; machine total {c['cpu_s_per_message_total'] * 1000:.1f} ms; all cores busy "
                    f"{c['cpu_utilisation_of_all_cores'] * 100:.0f} %")
        d = tp["rss_drift"]
        L.append(f"  RSS (daemon + inspection workers): {d['rss_10_20pct_mib']:.1f} MiB at 10–20 % → {d['rss_90_100pct_mib']:.1f} MiB at 90–100 % "
                 f"({d['drift_pct']:+.1f} %), peak {d['peak_total_mib']:.1f} MiB; database {d['db_mib']:.0f} MiB")
        dd = d["daemon_process_only"]
        L.append(f"  RSS of the daemon process alone: {dd['rss_10_20pct_mib']:.1f} → {dd['rss_90_100pct_mib']:.1f} MiB "
                 f"({dd['drift_pct']:+.1f} %)")
        dr = tp.get("drift_run") or a
        L.append(f"  decisions in the RSS run: {dr['decisions']}; notices: {dr['notice_kinds']}")
    lat = r.get("latency")
    if lat:
        L.append("")
        L.append(f"Latency APPEND → acknowledgement at the relay ({lat['acked']}/{lat['n']} messages, "
                 f"Poisson {lat['arrival_rate_per_s']}/s, 1 worker)")
        L.append(f"  p50 {ms(lat['p50_s'])}   p95 {ms(lat['p95_s'])}   p99 {ms(lat['p99_s'])}   max {ms(lat['max_s'])}")
        st = lat["stages"]
        L.append(f"  APPEND → spooled (IDLE wake-up, FETCH, spool): p50 {ms(st['append_to_spooled']['p50_s'])}, "
                 f"p95 {ms(st['append_to_spooled']['p95_s'])}")
        L.append(f"  spooled → notice sent (inspect, register, dispatch): p50 {ms(st['spooled_to_notice_sent']['p50_s'])}, "
                 f"p95 {ms(st['spooled_to_notice_sent']['p95_s'])}")
    mix = r.get("mix")
    if mix:
        L.append("")
        L.append("Large messages (VmHWM of the daemon and its inspection workers reset just before each; 1 worker)")
        for k, v in mix["big"].items():
            procs = ", ".join(f"{name} {p['hwm_mib']:.0f}" for name, p in v["per_process"].items())
            L.append(f"  {k}: message {v['message_bytes'] / 1e6:.1f} MB (PDF {v['pdf_bytes'] / 1e6:.1f} MB): "
                     f"peak RSS {v['peak_hwm_sum_mib'] or 0:.0f} MiB = sum of per-process peaks ({procs}), "
                     f"{v.get('peak_added_mib') or 0:.0f} MiB above each process's RSS before; "
                     f"sampled total peak {v['peak_sampled_total_mib']:.0f} MiB, before {v['rss_before_total_mib']:.0f} MiB "
                     f"(+{v['peak_sampled_total_mib'] - v['rss_before_total_mib']:.0f} MiB); "
                     f"latency {v['latency_s']:.2f} s, decision {v['decision']}")
        L.append(f"  target for 25 MB: ≤ {mix['rss_25mb_target_mib']:.0f} MiB")
        pm = mix.get("primitive_memory_25mb") or {}
        if pm:
            L.append("  raw primitives on the 25 MB message, added peak RSS in a fresh process: " + ", ".join(
                f"{k} +{v['added_mib']:.0f} MiB" if "added_mib" in v else f"{k} (failed)" for k, v in pm.items()))
        L.append("Mix (latency median of 3 each)")
        for k, v in mix["classes"].items():
            L.append(f"  {k:<14} {v['latency_median_s']:.2f} s   decisions {v['decisions']}   notices {v['notices']}")
    s = r.get("search")
    if s:
        L.append("")
        L.append(f"Register search, {s['entries']:,} entries ({s['db_mib']:.0f} MiB), {len(s['queries'])} queries × "
                 f"{r['sizes']['search_reps']} runs, warm cache")
        for label, key in (("current: mailbot.register.listing.search_entries", "current"),
                           ("before a10fdd5: LIKE over search_text", "before_like"),
                           ("prototype: FTS5 detail=none, prefix 2 3 4", "prototype")):
            v = s[key]
            extra = f"   index build {v['build_s']:.1f} s, +{v['index_mib']:.0f} MiB" if "build_s" in v else ""
            L.append(f"  {label:<42} p50 {v['p50_ms']:7.2f} ms  p95 {v['p95_ms']:7.2f} ms  max {v['max_ms']:7.2f} ms{extra}")
        for key in ("current", "prototype"):
            worst = sorted(s[key]["per_query"].items(), key=lambda kv: -kv[1]["median_ms"])[:3]
            same = sum(s[key]["same_results_as_like"].values())
            L.append(f"  slowest, {key}: " + ", ".join(f"{q!r} {v['median_ms']:.1f} ms ({v['hits']} hits)" for q, v in worst)
                     + f"; same entries as LIKE for {same}/{len(s['queries'])} queries")
        L.append(f"  diacritic-insensitive (Đồng Nai = dong nai, đất đai = dat dai, Đắk Lắk = dak lak): current "
                 f"{s['current']['diacritic_insensitive']}, prototype {s['prototype']['diacritic_insensitive']}")
    c = r.get("register_commit")
    if c:
        L.append(f"Số đến + entry commit (register.apply) on that register: p50 {c['current']['p50_ms']:.1f} ms, "
                 f"p95 {c['current']['p95_ms']:.1f} ms; without the same-document index (before a10fdd5) "
                 f"{c['without_same_document_index']['p50_ms']:.1f} / {c['without_same_document_index']['p95_ms']:.1f} ms")
    prof = r.get("profile")
    if prof:
        L.append("")
        L.append(f"Profile (py-spy, wall clock, 1 worker, {prof['messages']} msgs at "
                 f"{prof['msgs_per_s_while_profiled']:.1f} msg/s while profiled; raw stacks: {prof['raw_file']})")
        wrappers = ("Processor.run", "Worker.run", "Processor.step", "ImapWatcher.run", "ImapWatcher._session",
                    "ImapWatcher._idle_loop", "DispatchWorker.step", "Dispatcher.send_due", "spawn_main", "_main (",
                    "BaseProcess.", "_worker_main", "main (", "cmd_run", "Daemon.run_forever", "OcrWorker.run",
                    "require_capability", "Inspector.inspect (", "Inspector.inspect_measured", "Pipeline.evaluate (")
        for th, v in prof["threads"].items():
            if th.endswith(("MainThread", ": ocr")) and th.startswith("daemon"):
                continue
            hot = [(f.split(" (")[0], p) for f, p in v["inclusive_pct"].items()
                   if not f.startswith(wrappers) and p >= 3][:7]
            L.append(f"  {th}: " + "; ".join(f"{f} {p:.0f}%" for f, p in hot))
            L.append("      hottest leaves: " + "; ".join(f"{f.split(' (')[0]} {p:.0f}%" for f, p in v["self_pct"].items()))
    cs = r.get("cold_start")
    if cs:
        L.append("")
        L.append("Cold start: " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in cs.get("help_s", {}).items()))
        if "daemon_ready_s" in cs:
            L.append(f"  daemon: IMAP watching after {cs['daemon_ready_s']:.2f} s; a message waiting at start "
                     f"acknowledged after {cs['first_waiting_message_acked_s']:.2f} s")
    noisy = []
    if tp:
        for label in ("one_core", "one_core_system", "one_worker", "all_cores"):
            c = (tp.get(label) or {}).get("cpu") or {}
            other = (c.get("cpu_s_per_message") or {}).get("other processes on the machine", 0)
            if c and other > 0.1 * c["cpu_s_per_message_total"]:
                noisy.append(f"{label}: {other / c['cpu_s_per_message_total'] * 100:.0f} % of the machine's CPU "
                             "went to processes outside the benchmark")
    if m.get("loadavg_at_start", [0])[0] > 0.5 * m.get("cpus_usable", 1):
        noisy.append(f"load average {m['loadavg_at_start'][0]:.2f} at start")
    if noisy:
        L.append("")
        L.append("WARNING: the machine was not idle (" + "; ".join(noisy) + "): throughput and latency are "
                 "pessimistic, re-run on an idle machine")
    L.append("")
    L.append("Targets (reported, not asserted)")
    for name, measured, goal, verdict in verdicts(r):
        L.append(f"  {verdict:<7} {name:<30} {measured}   [{goal}]")
    errs = [(k, v["errors"]) for k, v in ((k, r.get(k) or {}) for k in ("latency", "mix")) if v.get("errors")]
    if tp:
        errs += [(k, tp[k]["errors"]) for k in ("one_core", "one_core_system", "one_worker", "all_cores", "drift_run")
                 if (tp.get(k) or {}).get("errors")]
    for k, e in errs:
        L.append(f"  daemon errors in {k}: {e[:3]}")
    L.append(f"\ntotal benchmark time {r['elapsed_s']:.0f} s")
    return "\n".join(L)


def save(results: dict, text: str, out: Path, mode: str) -> Path:
    """The results as JSON and the table as text: out/<date>-<mode>.json and .txt; returns the
    path without suffix."""
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    base = out / f"{stamp}-{mode}"
    clean = json.loads(json.dumps(results, default=str))
    clean.get("throughput", {}).pop("raw", None)
    base.with_suffix(".json").write_text(json.dumps(clean, indent=2, ensure_ascii=False) + "\n",
                                         encoding="utf-8")
    base.with_suffix(".txt").write_text(text + "\n", encoding="utf-8")
    return base
