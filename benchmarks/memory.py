"""Large messages and the mix: peak RSS of the daemon and its workers for a 2 MB and a 25 MB
signed PDF, each raw primitive's peak on the 25 MB message in a fresh process (`run.py
--mem-probe`), and the latency and decisions of the unsigned and refused classes."""

from __future__ import annotations

import io
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, log
from benchmarks.harness import Ctx, Feeder, daemon_user, wait_acks
from benchmarks.host import descendants, proc_kind, proc_status, reset_hwm
from benchmarks.primitives import to_der

RUN_SCRIPT = Path(__file__).with_name("run.py")   # `run.py --mem-probe` calls mem_probe


def phase_mix(ctx: Ctx) -> None:
    """Peak RSS for the 2 MB and 25 MB messages (VmHWM reset before each), then the small mix."""
    d = ctx.daemon("mix", 1)
    feeder = Feeder(ctx.dovecot, daemon_user(d))
    d.start()
    d.wait_ready()
    warm = [ctx.work.typical("mixwarm", i) for i in range(3)]
    for mid, raw in warm:
        feeder.append(mid, raw)
    assert wait_acks(ctx.relay, [m for m, _ in warm], 60, d), d.log_tail()
    time.sleep(1.0)
    out: dict[str, Any] = {"inspect_workers": 1}
    rss_items = {}
    for label, size in (("2MB", 2_000_000), ("25MB", 25_000_000)):
        mid, raw = ctx.work.big("mix", size, size)
        time.sleep(0.5)
        procs = [d.proc.pid, *descendants(d.proc.pid)]
        before = {p: proc_status(p) for p in procs}
        d.sample_every = 0.01
        can_reset = all([reset_hwm(p) for p in procs])
        t_start = time.monotonic()
        feeder.append(mid, raw)
        ok = wait_acks(ctx.relay, [mid], 300, d)
        time.sleep(0.2)
        procs_after = [d.proc.pid, *descendants(d.proc.pid)]
        after = {p: proc_status(p) for p in procs_after}
        peak_sampled = max((r for t, r, _h, _o in d.samples if t >= t_start), default=0)
        d.sample_every = 0.25
        att = len(ctx.work._big[size].signed)
        per_process = {("daemon" if p == d.proc.pid else f"{proc_kind(p)} {p}"):
                       {"hwm_mib": after[p].get("VmHWM", 0) / 2**20,
                        "rss_before_mib": before.get(p, {}).get("VmRSS", 0) / 2**20,
                        "replaced_during": p not in before}
                       for p in procs_after}
        hwm_sum = sum(v["hwm_mib"] for v in per_process.values())
        # What handling the message cost: each process's peak above its own RSS just before.
        added = sum(v["hwm_mib"] - v["rss_before_mib"] for v in per_process.values())
        rss_items[label] = {
            "message_bytes": len(raw), "pdf_bytes": att, "acked": ok,
            "latency_s": (ctx.relay.acked(mid) or float("nan")) - feeder.appended[mid],
            "rss_before_total_mib": sum(st.get("VmRSS", 0) for st in before.values()) / 2**20,
            "peak_hwm_sum_mib": hwm_sum if can_reset else None,
            "peak_added_mib": added if can_reset else None,
            "peak_sampled_total_mib": peak_sampled / 2**20,
            "per_process": per_process,
            "hwm_reset": can_reset,
            "decision": d.query("SELECT decision FROM messages WHERE message_id = ?", (mid,)),
        }
        log(f"mix {label}: peak RSS (sum of per-process peaks) {hwm_sum:.0f} MiB, sampled total "
            f"{peak_sampled / 2**20:.0f} MiB, latency {rss_items[label]['latency_s']:.2f}s")
    out["big"] = rss_items
    log("mix: peak RSS of the raw primitives on the 25 MB message, each in a fresh process")
    mid, raw = ctx.work.big("mix", 25_000_000, 25_000_000)
    import email
    from email import policy
    pdf = next(p.get_content() for p in email.message_from_bytes(raw, policy=policy.default).iter_attachments()
               if p.get_filename().endswith(".pdf"))
    out["primitive_memory_25mb"] = probe_memory(ctx, raw, pdf)
    del raw, pdf
    big = rss_items["25MB"]
    peak = big["peak_hwm_sum_mib"] or big["peak_sampled_total_mib"]
    out["rss_25mb_target_mib"] = 2 * 25_000_000 / 2**20 + 80
    out["rss_25mb_peak_mib"] = peak
    out["rss_25mb_added_mib"] = big.get("peak_added_mib")
    out["rss_idle_mib"] = big["rss_before_total_mib"]

    classes = {"unsigned_docx": ctx.work.unsigned_docx, "unsigned_pdf": ctx.work.unsigned_pdf,
               "refusal_exe": ctx.work.refusal_exe, "refusal_xlsm": ctx.work.refusal_xlsm}
    per_class = {}
    for label, make in classes.items():
        lat, mids = [], []
        for i in range(3):
            mid, raw = make(f"mix-{label}", 100 + i)
            time.sleep(0.7)
            feeder.append(mid, raw)
            assert wait_acks(ctx.relay, [mid], 60, d), f"{label}: no notice\n{d.log_tail()}"
            lat.append(ctx.relay.acked(mid) - feeder.appended[mid])
            mids.append(mid)
        q = d.query("SELECT decision, count(*) FROM messages WHERE message_id IN (%s) GROUP BY 1"
                    % ",".join("?" * len(mids)), tuple(mids))
        with ctx.relay.lock:
            kinds = sorted({k for m in mids for k in ctx.relay.kinds.get(m, [])})
        per_class[label] = {"latency_median_s": statistics.median(lat), "decisions": dict(q), "notices": kinds,
                            "message_bytes": len(raw)}
    out["classes"] = per_class
    out["errors"] = d.errors()
    feeder.close()
    d.stop()
    ctx.results["mix"] = out


def mem_probe(kind: str, path: str, trust_dir: str = "") -> dict:
    """Peak RSS of one raw primitive on one file, in a fresh process (`run.py --mem-probe`)."""
    def peak() -> float:    # VmHWM: ru_maxrss survives exec on Linux and would show the parent's peak
        return proc_status(os.getpid()).get("VmHWM", 0) / 2**20

    if kind == "email_parse":
        import email
        from email import policy
    elif kind == "pypdf_text":
        from pypdf import PdfReader
    elif kind == "pyhanko_validate":
        from asn1crypto import x509 as asn1_x509
        from pyhanko.pdf_utils.reader import PdfFileReader
        from pyhanko.sign.validation import validate_pdf_signature
        from pyhanko_certvalidator import ValidationContext
    data = Path(path).read_bytes()
    base = peak()
    if kind == "email_parse":
        m = email.message_from_bytes(data, policy=policy.default)
        parts = [p.get_content() for p in m.walk() if not p.is_multipart()]
        assert parts
    elif kind == "pypdf_text":
        r = PdfReader(io.BytesIO(data), strict=False)
        for page in r.pages:
            page.extract_text()
    elif kind == "pyhanko_validate":
        roots = [asn1_x509.Certificate.load(to_der(Path(trust_dir, "root.pem").read_bytes()))]
        inters = [asn1_x509.Certificate.load(to_der(Path(trust_dir, "intermediate.pem").read_bytes()))]
        r = PdfFileReader(io.BytesIO(data), strict=False)
        vc = ValidationContext(trust_roots=roots, other_certs=inters, allow_fetching=False)
        validate_pdf_signature(r.embedded_signatures[0], signer_validation_context=vc)
    return {"file_mib": len(data) / 2**20, "before_mib": base, "peak_mib": peak(), "added_mib": peak() - base}


def probe_memory(ctx: Ctx, raw: bytes, pdf: bytes) -> dict:
    folder = ctx.workdir / "memprobe"
    folder.mkdir(exist_ok=True)
    (folder / "m.eml").write_bytes(raw)
    (folder / "d.pdf").write_bytes(pdf)
    out = {}
    for kind, name in (("email_parse", "m.eml"), ("pypdf_text", "d.pdf"), ("pyhanko_validate", "d.pdf")):
        res = subprocess.run([sys.executable, str(RUN_SCRIPT), "--mem-probe", kind, str(folder / name),
                              str(Path(ctx.work.trust_files["root"]).parent)],
                             capture_output=True, text=True, cwd=ROOT)
        try:
            out[kind] = json.loads(res.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            out[kind] = {"error": res.stderr[-500:]}
    return out
