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
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import random
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "benchmarks" / "results"
OFFICE = "ubnd@quangngai.gov.vn"
MTA = "mx.quangngai.gov.vn"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

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


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def pct(values: list[float], p: float) -> float | None:
    """Percentile with linear interpolation (numpy's default); None for no data."""
    if not values:
        return None
    s = sorted(values)
    k = (len(s) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def ms(x: float | None) -> str:
    return "—" if x is None else f"{x * 1000:.1f} ms"


# =====================================================================================
# Workload: documents and messages (reproducible from --seed)
# =====================================================================================

AGENCIES = [
    ("vanthu@stc.quangngai.gov.vn", "SỞ TÀI CHÍNH", "STC"),
    ("vanthu@syt.quangngai.gov.vn", "SỞ Y TẾ", "SYT"),
    ("vanthu@sgddt.quangngai.gov.vn", "SỞ GIÁO DỤC VÀ ĐÀO TẠO", "SGDĐT"),
    ("vanthu@stnmt.quangngai.gov.vn", "SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG", "STNMT"),
    ("vanthu@skhdt.quangngai.gov.vn", "SỞ KẾ HOẠCH VÀ ĐẦU TƯ", "SKHĐT"),
    ("vanthu@snv.quangngai.gov.vn", "SỞ NỘI VỤ", "SNV"),
    ("vanthu@binhson.quangngai.gov.vn", "ỦY BAN NHÂN DÂN HUYỆN BÌNH SƠN", "UBND"),
    ("vanthu@ducpho.quangngai.gov.vn", "ỦY BAN NHÂN DÂN THỊ XÃ ĐỨC PHỔ", "UBND"),
]

TOPICS = [
    "triển khai công tác chuyển đổi số năm 2027",
    "tăng cường công tác phòng, chống dịch bệnh mùa đông",
    "kiểm tra công tác quản lý đất đai trên địa bàn tỉnh",
    "tổ chức hội nghị tổng kết công tác năm 2026",
    "thực hiện chương trình mục tiêu quốc gia xây dựng nông thôn mới",
    "phòng, chống thiên tai và tìm kiếm cứu nạn năm 2027",
]


def _pdf_stream(data: bytes, extra: bytes = b"", compress: bool = True) -> bytes:
    if compress:
        data = zlib.compress(data)
        extra = b"/Filter /FlateDecode " + extra
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def build_pdf(pages: list[list[str]], *, image_bytes: int = 0, seed: int = 0) -> tuple[bytes, dict[str, int]]:
    """An A4 PDF as Word's "Save as PDF" writes Vietnamese (Type0 font, Identity-H, ToUnicode),
    text streams uncompressed (so a number can be swapped in place), and optionally one
    incompressible RGB picture (a scanned annex, a seal) of about `image_bytes`."""
    chars = sorted({ch for page in pages for line in page for ch in line} | set("0123456789"))
    cid = {ch: i + 1 for i, ch in enumerate(chars)}
    objects: list[bytes] = [b"", b""]

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    cmap_lines = []
    for i in range(0, len(chars), 100):
        block = chars[i:i + 100]
        cmap_lines.append(b"%d beginbfchar" % len(block))
        cmap_lines += [b"<%04X> <%s>" % (cid[ch], ch.encode("utf-16-be").hex().upper().encode()) for ch in block]
        cmap_lines.append(b"endbfchar")
    cmap = (b"/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            b"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
            b"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
            + b"\n".join(cmap_lines) + b"\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
    to_unicode = add(_pdf_stream(cmap))
    descriptor = add(b"<< /Type /FontDescriptor /FontName /ABCDEF+TimesNewRomanPSMT /Flags 32 "
                     b"/FontBBox [0 -216 1000 891] /ItalicAngle 0 /Ascent 891 /Descent -216 "
                     b"/CapHeight 662 /StemV 80 >>")
    descendant = add(b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /ABCDEF+TimesNewRomanPSMT "
                     b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
                     b"/FontDescriptor %d 0 R /DW 500 /CIDToGIDMap /Identity >>" % descriptor)
    font = add(b"<< /Type /Font /Subtype /Type0 /BaseFont /ABCDEF+TimesNewRomanPSMT "
               b"/Encoding /Identity-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>" % (descendant, to_unicode))
    image = None
    if image_bytes:
        side = int((image_bytes / 3) ** 0.5) + 1
        pixels = random.Random(seed).randbytes(side * side * 3)
        image = add(_pdf_stream(pixels, b"/Type /XObject /Subtype /Image /Width %d /Height %d "
                                        b"/ColorSpace /DeviceRGB /BitsPerComponent 8 " % (side, side),
                                compress=False))
    kids = []
    for n, page in enumerate(pages):
        ops = [b"BT", b"/F1 13 Tf", b"16 TL", b"60 780 Td"]
        for line in page:
            ops.append(b"<" + "".join(f"{cid[ch]:04X}" for ch in line).encode() + b"> '")
        ops.append(b"ET")
        resources = b"/Font << /F1 %d 0 R >>" % font
        if image and n == len(pages) - 1:
            ops.append(b"q 140 0 0 140 380 90 cm /Im1 Do Q")
            resources += b" /XObject << /Im1 %d 0 R >>" % image
        content = add(_pdf_stream(b"\n".join(ops), compress=False))
        kids.append(add(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << %s >> "
                        b"/Contents %d 0 R >>" % (resources, content)))
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    from mailbot.samples import pdf_file

    return pdf_file(objects), cid


def document_pages(organ: str, notation: str, topic: str, *, title: str = "KẾ HOẠCH") -> list[list[str]]:
    return [
        ["ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI" if organ.startswith("SỞ") else "TỈNH QUẢNG NGÃI", organ,
         f"Số: 00000/{notation}", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
         "Quảng Ngãi, ngày 05 tháng 11 năm 2026", title, topic[:1].upper() + topic[1:],
         "I. MỤC ĐÍCH, YÊU CẦU",
         "1. Triển khai đồng bộ, hiệu quả các nhiệm vụ được giao.",
         "2. Phân công rõ trách nhiệm của từng cơ quan, đơn vị."],
        ["II. NỘI DUNG THỰC HIỆN",
         "1. Các cơ quan, đơn vị xây dựng kế hoạch chi tiết, gửi về trước ngày 30/11/2026.",
         "2. Báo cáo kết quả thực hiện định kỳ hằng quý.",
         "Nơi nhận:", "- UBND tỉnh (b/c);", "- Lưu: VT.",
         "KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Nguyễn Văn An"],
    ]


class SignedTemplate:
    """A PDF signed once with pyHanko; variants with another document number get a fresh,
    valid CMS signature in ~0.2 ms (cryptography's PKCS#7 builder over the same /ByteRange)."""

    def __init__(self, pki, pages: list[list[str]], *, image_bytes: int, seed: int):
        from testbed import pki as pkimod

        pdf, self.cid = build_pdf(pages, image_bytes=image_bytes, seed=seed)
        self.pki = pki
        self.signed = pkimod.sign(pdf, pki.signer, chain=[pki.intermediate])
        self.marker = self._digits("00000")
        assert self.signed.count(self.marker) == 1, "number marker must occur once"
        m = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", self.signed)
        self.r0, self.r1, self.r2, self.r3 = map(int, m.groups())
        assert self.signed.index(self.marker) < self.r1

    def _digits(self, text: str) -> bytes:
        return "".join(f"{self.cid[ch]:04X}" for ch in text).encode()

    def variant(self, number: int) -> bytes:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.serialization import Encoding, pkcs7

        data = self.signed.replace(self.marker, self._digits(f"{number:05d}"))
        covered = data[self.r0:self.r1] + data[self.r2:self.r2 + self.r3]
        der = (pkcs7.PKCS7SignatureBuilder().set_data(covered)
               .add_signer(self.pki.signer.cert, self.pki.signer.key, hashes.SHA256())
               .add_certificate(self.pki.intermediate.cert)
               .sign(Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary]))
        hexed = der.hex().encode()
        room = self.r2 - self.r1 - 2
        assert len(hexed) <= room
        return data[:self.r1 + 1] + hexed + b"0" * (room - len(hexed)) + data[self.r2 - 1:]


class Workload:
    def __init__(self, workdir: Path, seed: int):
        from testbed import pki as pkimod

        self.seed = seed
        self.rng = random.Random(seed)
        self.pki = pkimod.make_pki()
        self.trust_files = self.pki.write(workdir / "trust")
        self.templates = []
        for k, (address, organ, short) in enumerate(AGENCIES):
            pages = document_pages(organ, f"KH-{short}", TOPICS[k % len(TOPICS)])
            self.templates.append(SignedTemplate(self.pki, pages, image_bytes=37_000, seed=seed + k))
        self._big: dict[int, SignedTemplate] = {}

    # -- messages -----------------------------------------------------------------
    def _email(self, tag: str, i: int, sender: str, subject: str, body: str,
               files: list[tuple[str, bytes, str]], authenticated: bool = True) -> tuple[str, bytes]:
        from email.policy import SMTP as SMTP_POLICY

        from mailbot import samples

        msg = samples.email(sender, OFFICE, subject, body, files, authserv_id=MTA if authenticated else None)
        mid = f"<bench-{tag}-{i}.{self.seed}@{sender.rpartition('@')[2]}>"
        msg.replace_header("Message-ID", mid)
        msg.replace_header("Date", "Thu, 05 Nov 2026 09:%02d:%02d +0700" % (i // 60 % 60, i % 60))
        msg.set_boundary(f"=-bench-{tag}-{i}-=")
        return mid, msg.as_bytes(policy=SMTP_POLICY)

    def _docx(self, organ: str, i: int) -> bytes:
        from mailbot import samples

        return samples.docx([organ, f"Phụ lục kèm theo Kế hoạch số {i:05d}",
                             "Danh sách các cơ quan, đơn vị phối hợp thực hiện:"]
                            + [f"{n}. Phòng chuyên môn số {n} — đầu mối: chuyên viên {n}" for n in range(1, 25)])

    def typical(self, tag: str, i: int) -> tuple[str, bytes]:
        """One signed 2-page PDF (~50 KB) + one .docx: ~70 KB on the wire."""
        k = i % len(AGENCIES)
        sender, organ, _short = AGENCIES[k]
        pdf = self.templates[k].variant(i % 100_000)
        return self._email(tag, i, sender, f"Kế hoạch số {i:05d} về {TOPICS[k % len(TOPICS)]}",
                           f"Kính gửi Văn phòng UBND tỉnh.\n{organ} gửi Kế hoạch (bản ký số đính kèm).\nTrân trọng.",
                           [(f"KH-{i:05d}.pdf", pdf, "application/pdf"),
                            (f"Phu-luc-{i:05d}.docx", self._docx(organ, i), DOCX_TYPE)])

    def big(self, tag: str, i: int, size: int) -> tuple[str, bytes]:
        """A signed PDF of about `size` bytes (a scanned annex inside) + the .docx."""
        if size not in self._big:
            sender, organ, short = AGENCIES[0]
            self._big[size] = SignedTemplate(self.pki, document_pages(organ, f"KH-{short}", TOPICS[0]),
                                             image_bytes=size - 20_000, seed=self.seed + size)
        sender, organ, _ = AGENCIES[0]
        pdf = self._big[size].variant(i % 100_000)
        return self._email(tag, i, sender, f"Hồ sơ kèm bản quét ({len(pdf) // 1_000_000} MB) số {i:05d}",
                           "Kính gửi Văn phòng UBND tỉnh. Hồ sơ đính kèm.",
                           [(f"Ho-so-{i:05d}.pdf", pdf, "application/pdf"),
                            (f"Phu-luc-{i:05d}.docx", self._docx(organ, i), DOCX_TYPE)])

    def unsigned_docx(self, tag: str, i: int) -> tuple[str, bytes]:
        from mailbot import samples

        sender, organ, short = AGENCIES[i % len(AGENCIES)]
        doc = samples.docx([organ, f"Số: {i}/GM-{short}", "GIẤY MỜI",
                            "Họp giao ban công tác quý IV năm 2026", "Thời gian: 08 giờ 00, ngày 25/11/2026."])
        return self._email(tag, i, sender, f"Giấy mời họp giao ban số {i}", "Kính gửi Văn phòng UBND tỉnh.",
                           [(f"Giay-moi-{i}.docx", doc, DOCX_TYPE)])

    def unsigned_pdf(self, tag: str, i: int) -> tuple[str, bytes]:
        sender, organ, short = AGENCIES[i % len(AGENCIES)]
        pages = document_pages(organ, f"TTr-{short}", "phê duyệt dự toán kinh phí năm 2027", title="TỜ TRÌNH")
        pages[0][2] = f"Số: {i}/TTr-{short}"
        pdf, _ = build_pdf(pages)
        return self._email(tag, i, sender, f"Tờ trình số {i} phê duyệt dự toán", "Kính gửi UBND tỉnh.",
                           [(f"To-trinh-{i}.pdf", pdf, "application/pdf")])

    def refusal_exe(self, tag: str, i: int) -> tuple[str, bytes]:
        sender = AGENCIES[i % len(AGENCIES)][0]
        exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00" + bytes(2000)
        return self._email(tag, i, sender, f"Tài liệu gửi Văn phòng {i}", "Xin gửi tài liệu.",
                           [(f"tai-lieu-{i}.pdf", exe, "application/pdf")])

    def refusal_xlsm(self, tag: str, i: int) -> tuple[str, bytes]:
        from mailbot import samples

        sender = AGENCIES[i % len(AGENCIES)][0]
        book = samples.xlsm([["Chỉ tiêu", "Số liệu"], ["Thu ngân sách", "1200"]])
        return self._email(tag, i, sender, f"Báo cáo số liệu tháng 10 ({i})", "Gửi báo cáo số liệu.",
                           [(f"bao-cao-{i}.xlsm", book, "application/vnd.ms-excel.sheet.macroEnabled.12")])


# =====================================================================================
# Services: Dovecot, the relay, the daemon
# =====================================================================================

class TimedRelay:
    """testbed.relay.Relay, plus the arrival time of each captured message by In-Reply-To."""

    def __init__(self, folder: Path):
        from testbed.relay import Relay, make_tls_files

        outer = self

        class _Relay(Relay):
            def _capture(self, item):  # runs in aiosmtpd's thread, right after DATA
                now = time.monotonic()
                head = item.raw[:8192]
                m = re.search(rb"^In-Reply-To:\s*(<[^>\r\n]*>)", head, re.M | re.I)
                kind = re.search(rb"^X-Mailbot-Notice:\s*(\S+)", head, re.M | re.I)
                with outer.lock:
                    outer.count += 1
                    if m:
                        key = m.group(1).decode("ascii", "replace")
                        outer.first.setdefault(key, now)
                        outer.kinds.setdefault(key, []).append(kind.group(1).decode() if kind else "?")

        folder.mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()
        self.count = 0
        self.first: dict[str, float] = {}       # original Message-ID → time the first notice arrived
        self.kinds: dict[str, list[str]] = {}
        self.relay = _Relay(make_tls_files(folder / "tls"), folder)

    def start(self) -> None:
        self.relay.start()

    def stop(self) -> None:
        self.relay.stop()

    def acked(self, mid: str) -> float | None:
        with self.lock:
            return self.first.get(mid)

    def yaml(self) -> str:
        r = self.relay
        return (f"smtp:\n  host: {r.host}\n  port: {r.port}\n  security: starttls\n  username: {r.username}\n"
                f"  password_file: {r.password_file}\n  cafile: {r.cafile}\n  timeout_seconds: 10\n")


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS / VmHWM (bytes) of a process; {} when it is gone."""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    key, value = line.split(":", 1)
                    out[key] = int(value.split()[0]) * 1024
    except OSError:
        pass
    return out


def descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    kids = [int(x) for x in f.read().split()]
                out += kids
                todo += kids
        except OSError:
            pass
    return out


TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rfind(")") + 2:].split()


def cpu_seconds(pid: int, *, reaped: bool = True) -> float:
    """utime + stime of a process (+ its reaped children's when `reaped`)."""
    st = _stat(pid)
    if st is None:
        return 0.0
    total = int(st[11]) + int(st[12]) + ((int(st[13]) + int(st[14])) if reaped else 0)
    return total / TICK


def group_cpu_seconds(pgrp: int) -> float:
    """CPU of every live process of a process group, plus the children they reaped."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            st = _stat(int(entry))
            if st is not None and int(st[2]) == pgrp:
                total += (int(st[11]) + int(st[12]) + int(st[13]) + int(st[14])) / TICK
    return total


def cpu_snapshot(daemon_pid: int, dovecot_pid: int) -> dict[str, float]:
    """CPU seconds used so far by the daemon's main process, its inspection workers, Dovecot and
    this benchmark process (relay, feeder, samplers)."""
    workers = sum(cpu_seconds(p, reaped=False) for p in descendants(daemon_pid))
    me = os.times()
    return {"machine (all processes)": machine_busy_seconds(),
            "daemon": cpu_seconds(daemon_pid, reaped=False),
            "inspection workers": workers + sum(int(x) for x in (_stat(daemon_pid) or [0] * 15)[13:15]) / TICK,
            "dovecot": group_cpu_seconds(dovecot_pid),
            "benchmark (relay, feeder)": me.user + me.system}


def machine_busy_seconds() -> float:
    """Busy CPU seconds of the whole machine so far (/proc/stat: all but idle and iowait)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    values = [int(x) for x in fields]
    return (sum(values[:8]) - values[3] - values[4]) / TICK


def proc_kind(pid: int) -> str:
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "process"
    return "resource_tracker" if b"resource_tracker" in cmd else ("inspection worker" if b"spawn_main" in cmd
                                                                   else "process")


def reset_hwm(pid: int) -> bool:
    """Reset the peak-RSS mark (VmHWM) of a process to its current RSS (Linux ≥ 4.0, needs root or owner)."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


class Daemon:
    """`python -m mailbot run --config …` as a child process, with an RSS sampler."""

    def __init__(self, workdir: Path, *, dovecot, user: str, relay: TimedRelay, trust_files: dict,
                 inspect_workers: int, name: str, command: list[str] | None = None,
                 cpus: set[int] | None = None):
        self.command = command or [sys.executable, "-m", "mailbot"]
        self.cpus = cpus          # CPU affinity of the daemon and (inherited) its workers; None = all
        self.workdir = workdir / name
        self.workdir.mkdir(parents=True)
        self.name = name
        password = self.workdir / "imap.password"
        password.write_text(dovecot.users[user] + "\n", encoding="utf-8")
        self.config = self.workdir / "rules.yaml"
        self.config.write_text(f"""\
# Written by benchmarks/run.py ({name})
office: {{name: Văn phòng UBND tỉnh Quảng Ngãi, timezone: Asia/Ho_Chi_Minh}}
storage: {{data_dir: {self.workdir}/data}}
books: [{{id: den-ubnd, name: Sổ đăng ký văn bản đến}}]
mailboxes:
  - id: ubnd
    address: {OFFICE}
    register: den-ubnd
    imap: {{host: 127.0.0.1, port: {dovecot.port}, tls: none, username: {user}, password_file: {password}}}
notices:
  from_address: {OFFICE}
  from_name: Văn thư UBND tỉnh
  retry_base_seconds: 1
  retry_max_seconds: 5
  # Raised from 20/h per recipient and 1000/h overall: the benchmark measures throughput,
  # not the flood guard (which otherwise suppresses acknowledgements after 20 per sender).
  max_per_recipient_per_hour: 10000000
  max_per_hour: 10000000
senders: {{trusted_domains: ["*.gov.vn"], authserv_id: {MTA}}}
limits: {{inspect_workers: {inspect_workers}}}
trust:
  roots: [{trust_files['root']}]
  intermediates: [{trust_files['intermediate']}]
  crls: [{trust_files['crl_root']}, {trust_files['crl_inter']}]
{relay.yaml()}""", encoding="utf-8")
        self.db_path = self.workdir / "data" / "mailbot.sqlite3"
        self.log_path = self.workdir / "daemon.log"
        self.proc: subprocess.Popen | None = None
        self.samples: list[tuple[float, int, int, int]] = []  # (monotonic, VmRSS incl. children, VmHWM, own VmRSS)
        self.sample_every = 0.25
        self._stop_sampler = threading.Event()
        self.started_at = 0.0

    def start(self) -> None:
        self._log = open(self.log_path, "ab")
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.started_at = time.monotonic()
        cpus = self.cpus
        self.proc = subprocess.Popen([*self.command, "run", "--config", str(self.config)],
                                     cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT, env=env,
                                     start_new_session=True,
                                     preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None)
        threading.Thread(target=self._sample, daemon=True, name=f"rss-{self.name}").start()

    def _sample(self) -> None:
        while not self._stop_sampler.is_set() and self.proc is not None and self.proc.poll() is None:
            st = proc_status(self.proc.pid)
            rss = st.get("VmRSS", 0) + sum(proc_status(k).get("VmRSS", 0) for k in descendants(self.proc.pid))
            if st:
                self.samples.append((time.monotonic(), rss, st.get("VmHWM", 0), st.get("VmRSS", 0)))
            self._stop_sampler.wait(self.sample_every)

    def wait_ready(self, timeout: float = 30.0) -> float:
        """Seconds from start until the IMAP watcher logged that it is connected and watching."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"daemon {self.name} exited ({self.proc.returncode}):\n{self.log_tail()}")
            if b"connected; watching" in self.log_path.read_bytes():
                return time.monotonic() - self.started_at
            time.sleep(0.01)
        raise RuntimeError(f"daemon {self.name} not ready within {timeout}s:\n{self.log_tail()}")

    def status(self) -> dict[str, int]:
        return proc_status(self.proc.pid) if self.proc else {}

    def log_tail(self, n: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def errors(self) -> list[str]:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return []
        return [l for l in lines if " ERROR " in l or "Traceback" in l][:20]

    def stop(self) -> None:
        self._stop_sampler.set()
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        self._log.close()

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=30)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()


class Feeder:
    """APPENDs messages to the benchmark user's INBOX over one IMAP connection."""

    def __init__(self, dovecot, user: str):
        from imapclient import IMAPClient

        self.client = IMAPClient("127.0.0.1", port=dovecot.port, ssl=False, timeout=60)
        self.client.login(user, dovecot.users[user])
        self.appended: dict[str, float] = {}     # Message-ID → monotonic time the APPEND completed
        self.wall: dict[str, float] = {}         # Message-ID → time.time() of the same moment

    def append(self, mid: str, raw: bytes) -> float:
        self.client.append("INBOX", raw)
        now = time.monotonic()
        self.appended[mid] = now
        self.wall[mid] = time.time()
        return now

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client.logout()


def wait_acks(relay: TimedRelay, mids: list[str], timeout: float, daemon: Daemon | None = None) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with relay.lock:
            missing = [m for m in mids if m not in relay.first]
        if not missing:
            return True
        if daemon is not None and daemon.proc is not None and daemon.proc.poll() is not None:
            raise RuntimeError(f"daemon {daemon.name} died:\n{daemon.log_tail()}")
        time.sleep(0.02)
    return False


# =====================================================================================
# Phases
# =====================================================================================

@dataclass
class Ctx:
    args: argparse.Namespace
    size: dict
    workdir: Path
    work: Workload
    dovecot: Any
    relay: TimedRelay
    users: list[str]
    results: dict = field(default_factory=dict)
    stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)

    def user(self) -> str:
        return self.users.pop(0)

    def daemon(self, name: str, workers: int, command: list[str] | None = None,
               cpus: set[int] | None = None) -> Daemon:
        d = Daemon(self.workdir, dovecot=self.dovecot, user=self.user(), relay=self.relay,
                   trust_files=self.work.trust_files, inspect_workers=workers, name=name, command=command,
                   cpus=cpus)
        self.stack.callback(d.stop)
        return d


def timeit(fn: Callable[[], Any], reps: int, warm: int = 2) -> dict:
    for _ in range(warm):
        fn()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return {"median": statistics.median(times), "p95": pct(times, 95), "min": min(times), "n": reps}


def phase_primitives(ctx: Ctx, key: str = "primitives", idle_delay: bool = True) -> None:
    """The raw libraries and servers on the typical message, in this process, one at a time.
    Stored under `key`; `idle_delay=False` skips Dovecot's IDLE notification delay."""
    import email
    from email import policy

    import magic
    from imapclient import IMAPClient
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext
    from pypdf import PdfReader

    reps = ctx.size["prim_reps"]
    mid, raw = ctx.work.typical("prim", 1)
    msg = email.message_from_bytes(raw, policy=policy.default)
    atts = [(p.get_filename(), p.get_content()) for p in msg.iter_attachments()]
    pdf = next(d for n, d in atts if n.endswith(".pdf"))
    out: dict[str, Any] = {"message_bytes": len(raw), "attachments": {n: len(d) for n, d in atts}}

    def mime_parse():
        m = email.message_from_bytes(raw, policy=policy.default)
        for part in m.walk():
            if not part.is_multipart():
                part.get_content()

    def libmagic():
        for _n, d in atts:
            magic.from_buffer(d, mime=True)

    from mailbot.inspect.hex_strings import stock_readers

    def pypdf_text():           # pypdf and pyHanko as shipped, even where mailbot's readers are installed
        with stock_readers("pypdf"):
            r = PdfReader(io.BytesIO(pdf), strict=False)
            for page in r.pages:
                page.extract_text()

    from asn1crypto import crl as asn1_crl
    from asn1crypto import x509 as asn1_x509

    def load(p):
        return asn1_x509.Certificate.load(_der(Path(p).read_bytes()))

    roots = [load(ctx.work.trust_files["root"])]
    inters = [load(ctx.work.trust_files["intermediate"])]
    crls = [asn1_crl.CertificateList.load(Path(ctx.work.trust_files[k]).read_bytes())
            for k in ("crl_root", "crl_inter")]

    def pyhanko_validate():
        with stock_readers("pyhanko"):
            r = PdfFileReader(io.BytesIO(pdf), strict=False)
            sig = r.embedded_signatures[0]
            vc = ValidationContext(trust_roots=roots, other_certs=inters, crls=crls, allow_fetching=False)
            status = validate_pdf_signature(sig, signer_validation_context=vc)
            assert status.bottom_line, status

    db_dir = ctx.workdir / f"prim-db-{key}"
    db_dir.mkdir()
    conn = sqlite3.connect(str(db_dir / "commit.sqlite3"), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")      # as mailbot.db.connect
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b BLOB)")
    row = ("x" * 400, os.urandom(600))

    def sqlite_commit():
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t(a, b) VALUES (?, ?)", row)
        conn.execute("COMMIT")

    spool = db_dir / "spool"
    spool.mkdir()
    counter = iter(range(10**9))

    def spool_fsync():
        p = spool / f"{next(counter)}.eml"
        with open(p, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        fd = os.open(spool, os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)

    # the acknowledgement mailbot would send, as bytes of a realistic size
    notice = (b"From: ubnd@quangngai.gov.vn\r\nTo: vanthu@stc.quangngai.gov.vn\r\nSubject: Bao nhan\r\n"
              b"Auto-Submitted: auto-replied\r\nIn-Reply-To: <prim@x>\r\nMessage-ID: <ack-prim@x>\r\n\r\n"
              + b"Da nhan van ban.\r\n" * 150)
    from mailbot.dispatch.smtp import send
    cfg = ctx.relay.relay.smtp_relay()

    def mailbot_send():       # mailbot.dispatch.smtp.send as the dispatcher calls it, once per notice
        send(notice, envelope_sender="", recipient="vanthu@stc.quangngai.gov.vn", relay=cfg,
             password=cfg.password())

    from mailbot.dispatch import smtp as smtpmod
    tls = smtpmod.tls_context(cfg)      # built once, as any long-running client would
    password = cfg.password()

    def smtp_send():          # the raw cost of one delivery: connect, EHLO, STARTTLS, EHLO, AUTH, MAIL/RCPT/DATA, QUIT
        client = smtpmod._Client(cfg.host, cfg.port, timeout=10)
        client.ehlo()
        client.starttls(context=tls)
        client.login(cfg.username, password)
        client.sendmail("", ["vanthu@stc.quangngai.gov.vn"], notice)
        client.quit()

    reuse = smtpmod._connect(cfg)
    smtpmod._secure(reuse, cfg, "relay")
    smtpmod._login(reuse, cfg, cfg.password(), "relay")

    def smtp_send_reused():
        reuse.sendmail("", ["vanthu@stc.quangngai.gov.vn"], notice)

    user = ctx.user()
    ctx.dovecot.append(user, raw)
    ctx.dovecot.append(user, ctx.work.typical("prim", 2)[1])
    client = IMAPClient("127.0.0.1", port=ctx.dovecot.port, ssl=False, timeout=30)
    client.login(user, ctx.dovecot.users[user])
    client.select_folder("INBOX")
    uid = client.search("ALL")[0]
    client.create_folder("Moved")

    def imap_fetch():
        data = client.fetch([uid], ["BODY.PEEK[]", "INTERNALDATE"])
        assert len(data[uid][b"BODY[]"]) >= len(raw) - 100

    moves = iter(range(10**9))

    def imap_move():         # mailbot per message: STORE keyword + MOVE (not in the sum)
        client.select_folder("INBOX")
        n = next(moves)
        client.append("INBOX", b"Subject: m%d\r\n\r\nx\r\n" % n)
        u = max(client.search("ALL"))
        t = time.perf_counter()
        client.add_flags([u], ["$MailbotDone"], silent=True)
        client.move([u], "Moved")
        return time.perf_counter() - t

    log("primitives: MIME, libmagic, pypdf, pyHanko, SQLite, SMTP, IMAP")
    prims = {
        "mime_parse": timeit(mime_parse, reps),
        "libmagic": timeit(libmagic, reps),
        "pypdf_open_text": timeit(pypdf_text, reps),
        "pyhanko_validate": timeit(pyhanko_validate, reps),
        "sqlite_commit": timeit(sqlite_commit, reps * 3),
        "smtp_send": timeit(smtp_send, reps),
        "imap_fetch": timeit(imap_fetch, reps),
    }
    move_times = [imap_move() for _ in range(reps)]
    extras = {
        "spool_write_fsync": timeit(spool_fsync, reps),
        "smtp_send_reused_connection": timeit(smtp_send_reused, reps),
        "mailbot dispatch.smtp.send (per notice)": timeit(mailbot_send, reps),
        "imap_store_and_move": {"median": statistics.median(move_times), "p95": pct(move_times, 95),
                                "min": min(move_times), "n": reps},
    }
    with contextlib.suppress(Exception):
        reuse.quit()
    client.logout()
    conn.close()

    total = sum(v["median"] for v in prims.values())
    out.update(primitives=prims, extras=extras, sum_seconds=total,
               sum_note="sum of medians of the primitives listed in the issue (IDLE delay excluded: "
                        "it adds latency, not CPU per message)")
    ctx.results[key] = out
    log(f"{key}: sum {ms(total)} per typical message")
    if not idle_delay:
        return

    # Dovecot's own IDLE notification delay: APPEND by one session → EXISTS seen by another in IDLE.
    idler = IMAPClient("127.0.0.1", port=ctx.dovecot.port, ssl=False, timeout=30)
    idler.login(user, ctx.dovecot.users[user])
    idler.select_folder("INBOX")
    appender = IMAPClient("127.0.0.1", port=ctx.dovecot.port, ssl=False, timeout=30)
    appender.login(user, ctx.dovecot.users[user])
    delays = []
    for n in range(max(8, reps // 2)):
        idler.idle()
        time.sleep(0.3 + 0.1 * (n % 5))         # arrivals at different moments of the IDLE
        appender.append("INBOX", b"Subject: idle %d\r\n\r\nx\r\n" % n)
        t0 = time.monotonic()
        got = None
        while time.monotonic() - t0 < 5:
            resp = idler.idle_check(timeout=0.5)
            if any(len(r) >= 2 and r[1] == b"EXISTS" for r in resp):
                got = time.monotonic() - t0
                break
        idler.idle_done()
        if got is not None:
            delays.append(got)
    idler.logout()
    appender.logout()
    extras["dovecot_idle_notification"] = {"median": statistics.median(delays), "p95": pct(delays, 95),
                                           "min": min(delays), "max": max(delays), "n": len(delays)}
    log(f"IDLE notification median {ms(extras['dovecot_idle_notification']['median'])}")


def _der(data: bytes) -> bytes:
    import base64

    if b"-----BEGIN" in data:
        body = b"".join(l for l in data.splitlines() if l and not l.startswith(b"-----"))
        return base64.b64decode(body)
    return data


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


def daemon_user(daemon: Daemon) -> str:
    m = re.search(r"username: (\S+?),", daemon.config.read_text(encoding="utf-8"))
    return m.group(1)


def window_rate(ack_times: list[float], lo: int, hi: int) -> float:
    """Messages per second between the lo-th and hi-th acknowledgement (0-based, inclusive)."""
    hi = min(hi, len(ack_times) - 1)
    if hi <= lo:
        return float("nan")
    return (hi - lo) / (ack_times[hi] - ack_times[lo])


def decisions(daemon: Daemon) -> dict[str, int]:
    return dict(daemon.query("SELECT coalesce(decision, state), count(*) FROM messages GROUP BY 1"))


def _tasks(pid: int) -> list[int]:
    try:
        return [int(t) for t in os.listdir(f"/proc/{pid}/task")]
    except OSError:
        return []


def confine(pids: list[int], cpus: set[int]) -> None:
    """CPU affinity of every thread of these processes (children forked later inherit it)."""
    for pid in pids:
        for tid in _tasks(pid):
            with contextlib.suppress(OSError):
                os.sched_setaffinity(tid, cpus)


def harness_pids(ctx: Ctx) -> list[int]:
    """This process (relay, feeder) and every process of Dovecot's process group."""
    group = os.getpgid(ctx.dovecot.proc.pid)
    dovecot = [int(p) for p in os.listdir("/proc") if p.isdigit() and _pgid(int(p)) == group]
    return [os.getpid(), *dovecot]


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except OSError:
        return None


@contextlib.contextmanager
def harness_confined(ctx: Ctx, cpus: set[int]):
    """Dovecot, the relay and the feeder on `cpus` while the block runs; then back on all."""
    everywhere = os.sched_getaffinity(0)
    confine(harness_pids(ctx), cpus)
    try:
        yield
    finally:
        confine(harness_pids(ctx), everywhere)


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
        roots = [asn1_x509.Certificate.load(_der(Path(trust_dir, "root.pem").read_bytes()))]
        inters = [asn1_x509.Certificate.load(_der(Path(trust_dir, "intermediate.pem").read_bytes()))]
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
        res = subprocess.run([sys.executable, __file__, "--mem-probe", kind, str(folder / name),
                              str(Path(ctx.work.trust_files["root"]).parent)],
                             capture_output=True, text=True, cwd=ROOT)
        try:
            out[kind] = json.loads(res.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            out[kind] = {"error": res.stderr[-500:]}
    return out


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


# -- register search ---------------------------------------------------------------------

PROVINCES = ["Đồng Nai", "Đà Nẵng", "Đắk Lắk", "Đắk Nông", "Điện Biên", "Đồng Tháp", "Quảng Ngãi", "Quảng Nam",
             "Bình Định", "Kon Tum", "Gia Lai", "Phú Yên", "Khánh Hòa", "Hà Nội", "Hải Phòng", "Cần Thơ",
             "Thừa Thiên Huế", "Nghệ An", "Thanh Hóa", "Lâm Đồng", "Bà Rịa - Vũng Tàu", "An Giang"]
DISTRICTS = ["Bình Sơn", "Sơn Tịnh", "Tư Nghĩa", "Nghĩa Hành", "Mộ Đức", "Đức Phổ", "Ba Tơ", "Minh Long",
             "Sơn Hà", "Sơn Tây", "Trà Bồng", "Lý Sơn"]
ORGANS = ["Sở Tài chính", "Sở Y tế", "Sở Giáo dục và Đào tạo", "Sở Tài nguyên và Môi trường", "Sở Nội vụ",
          "Sở Kế hoạch và Đầu tư", "Sở Xây dựng", "Sở Giao thông vận tải", "Công an tỉnh", "Thanh tra tỉnh",
          "Bộ Nội vụ", "Văn phòng Chính phủ", "Bộ Tài chính", "Kho bạc Nhà nước"]
TYPES = [("Công văn", ""), ("Quyết định", "QĐ"), ("Tờ trình", "TTr"), ("Báo cáo", "BC"), ("Kế hoạch", "KH"),
         ("Giấy mời", "GM"), ("Thông báo", "TB"), ("Chỉ thị", "CT")]
SUBJECTS = [
    "về việc tăng cường công tác quản lý đất đai tại {p}",
    "phê duyệt dự toán ngân sách năm {y} của huyện {d}",
    "về việc giao đất cho hộ gia đình, cá nhân tại xã {d}",
    "triển khai công tác phòng, chống dịch bệnh trên địa bàn {p}",
    "tổ chức hội nghị tổng kết công tác năm {y}",
    "về việc tuyển dụng viên chức ngành giáo dục năm {y}",
    "kết quả kiểm tra việc chấp hành pháp luật về đầu tư xây dựng tại {p}",
    "điều động cán bộ về công tác tại Ủy ban nhân dân huyện {d}",
    "hỗ trợ kinh phí khắc phục hậu quả thiên tai tại {p}",
    "về việc đề nghị thẩm định hồ sơ đường dây điện 110 kV {d} - {p}",
    "báo cáo tình hình kinh tế - xã hội tháng {m} năm {y}",
    "về việc phối hợp với tỉnh {p} trong công tác đối ngoại",
]

SEARCH_QUERIES = ["dong nai", "Đồng Nai", "dat dai", "đất đai", "quyet dinh", "dak lak", "Đắk Lắk",
                  "ubnd huyen binh son", "phong chong dich", "tuyen dung vien chuc", "1234/QĐ",
                  "thanh tra tinh", "ly son", "duong day dien 110 kv", "khong co van ban nay"]


def _entry_rows(n: int, seed: int):
    from mailbot.textfold import fold

    rng = random.Random(seed)
    for i in range(1, n + 1):
        tname, tcode = rng.choice(TYPES)
        organ = rng.choice(ORGANS)
        y = rng.choice([2024, 2025, 2026])
        subject = rng.choice(SUBJECTS).format(p=rng.choice(PROVINCES), d=rng.choice(DISTRICTS), y=y,
                                              m=rng.randint(1, 12))
        number = str(rng.randint(1, 9999))
        short = "".join(w[0] for w in organ.split()[1:]).upper() or "UB"
        notation = f"{tcode}-{'S' + short}" if tcode else f"S{short}-VP"
        code = f"{number}/{notation}"
        sender = f"vanthu@s{short.lower()}.quangngai.gov.vn"
        email_subject = f"{tname} số {code} {subject}"
        searchable = " ".join([email_subject, sender, code, f"{tname} {subject}", organ, tname,
                               f"{code.replace('/', '-')}.pdf"])
        yield i, y, number, notation, code, tname, organ, subject, sender, email_subject, fold(searchable)


def build_register(path: Path, n: int, seed: int) -> float:
    """A register of n entries in mailbot's schema (mailbot.db.connect), as mailbot fills it."""
    from mailbot import db as dbmod

    t0 = time.perf_counter()
    db = dbmod.connect(path)
    conn = db.conn
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("INSERT INTO books(id, name) VALUES ('den', 'Sổ đến')")
    conn.execute("BEGIN")
    batch_m, batch_e = [], []
    now = "2026-11-05T02:00:00+00:00"
    for (i, y, number, notation, code, tname, organ, subject, sender, email_subject, folded) in _entry_rows(n, seed):
        batch_m.append((i, f"{i:064x}", 70000, f"/spool/{i}", "imap", "ubnd", f"<{i}@bench>", now, now,
                        "processed", "accept"))
        batch_e.append((i, "den", y, i, now, now, i, "ubnd", f"<{i}@bench>", sender, email_subject, code, number,
                        notation, tname, organ, subject, "accept", folded, now))
        if len(batch_m) >= 20000:
            _flush(conn, batch_m, batch_e)
    _flush(conn, batch_m, batch_e)
    conn.execute(f"INSERT INTO counters(book, year, last_number) VALUES ('den', 2026, {n})")
    conn.execute("COMMIT")
    conn.execute("PRAGMA synchronous=FULL")
    conn.close()
    return time.perf_counter() - t0


def _flush(conn, batch_m, batch_e) -> None:
    conn.executemany("INSERT INTO messages(id, sha256, size, spool_path, source, mailbox, message_id, delivered_at, "
                     "spooled_at, state, decision) VALUES (?,?,?,?,?,?,?,?,?,?,?)", batch_m)
    conn.executemany("INSERT INTO entries(id, book, year, arrival_number, arrival_date, delivered_at, message, "
                     "mailbox, message_id, sender, email_subject, code, code_number, code_notation, type_name, "
                     "organ_name, subject, decision, search_text, created_at) "
                     "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", batch_e)
    batch_m.clear()
    batch_e.clear()


# The search as it was before commit a10fdd5 (LIKE over the folded text), kept here as the baseline.
def search_like(db, text: str, limit: int = 50) -> list[dict]:
    from mailbot.listing import _rows
    from mailbot.textfold import fold

    words = fold(text).split()
    if not words:
        return []
    sql = SELECT_ENTRY + " WHERE " + " AND ".join("e.search_text LIKE ? ESCAPE '\\'" for _ in words)
    params = tuple("%" + w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%" for w in words)
    return _rows(db, sql + f" ORDER BY e.id DESC LIMIT {int(limit)}", params)


# A prototype of the recommended refinement of mailbot's FTS5 search (NOT mailbot code).
FTS_PROTO = ("CREATE VIRTUAL TABLE bench_fts USING fts5(search_text, content='entries', content_rowid='id', "
             "tokenize=\"unicode61 remove_diacritics 2 tokenchars '/'\", prefix='2 3 4', detail=none)")


def fts_query(text: str) -> str | None:
    """Folded words (đ→d, no marks) → an FTS5 query: all words required, whole tokens except the
    last, which is a prefix (type-ahead). Measured at 1M entries: prefix on every word p95 130 ms
    ("co"*, "van"* merge huge doclists); last word only + prefix='2 3' 14 ms; + prefix='2 3 4' and
    detail=none (we never need phrases or positions) 2.5 ms."""
    from mailbot.textfold import fold

    words = [w for w in re.split(r"[^0-9a-z/]+", fold(text)) if w]
    if not words:
        return None
    return " AND ".join('"' + w.replace('"', '""') + '"' + ("*" if i == len(words) - 1 else "")
                        for i, w in enumerate(words))


SELECT_ENTRY = "SELECT e.*, m.spool_path FROM entries e JOIN messages m ON m.id = e.message"


def search_proto(db, text: str, limit: int = 50) -> list[dict]:
    """LIMIT inside the FTS subquery (rowid order: the index stops after `limit` matches) instead of
    materialising every match and sorting it outside."""
    from mailbot.listing import _rows

    q = fts_query(text)
    if q is None:
        return []
    return _rows(db, SELECT_ENTRY + " WHERE e.id IN (SELECT rowid FROM bench_fts WHERE bench_fts MATCH ? "
                     f"ORDER BY rowid DESC LIMIT {int(limit)}) ORDER BY e.id DESC", (q,))


def phase_search(ctx: Ctx) -> None:
    from mailbot import db as dbmod
    from mailbot.listing import search_entries

    n, reps = ctx.size["search"], ctx.size["search_reps"]
    path = ctx.workdir / "register" / "mailbot.sqlite3"
    log(f"register: building {n:,} entries (mailbot's schema and triggers)")
    build_s = build_register(path, n, ctx.args.seed)
    db = dbmod.connect(path)
    size_now = path.stat().st_size

    def measure(fn) -> tuple[dict, dict]:
        per_query, all_times, hits = {}, [], {}
        for q in SEARCH_QUERIES:
            fn(db, q)           # warm the page cache
            times = []
            for _ in range(reps):
                t = time.perf_counter()
                rows = fn(db, q)
                times.append(time.perf_counter() - t)
            per_query[q] = {"median_ms": statistics.median(times) * 1000, "hits": len(rows)}
            hits[q] = [r["id"] for r in rows]
            all_times += times
        return {"p50_ms": pct(all_times, 50) * 1000, "p95_ms": pct(all_times, 95) * 1000,
                "max_ms": max(all_times) * 1000, "per_query": per_query}, hits

    def insensitive(h: dict) -> bool:   # đ/d and marks: both spellings find the same entries
        return (h["dong nai"] == h["Đồng Nai"] and h["dat dai"] == h["đất đai"] and h["dak lak"] == h["Đắk Lắk"]
                and len(h["dat dai"]) > 0)

    log("register: timing mailbot.listing.search_entries (current)")
    cur, cur_hits = measure(search_entries)
    log("register: timing the LIKE search of before a10fdd5")
    like, like_hits = measure(search_like)
    cur["same_results_as_like"] = {q: cur_hits[q] == like_hits[q] for q in SEARCH_QUERIES}
    cur["diacritic_insensitive"] = insensitive(cur_hits)
    like["diacritic_insensitive"] = insensitive(like_hits)
    out: dict[str, Any] = {"entries": n, "build_s": build_s, "db_mib": size_now / 2**20, "queries": SEARCH_QUERIES,
                           "current": cur, "before_like": like}

    log("register: prototype FTS5 (prefix='2 3 4', detail=none, prefix on the last word, LIMIT inside)")
    t = time.perf_counter()
    db.conn.execute(FTS_PROTO)
    db.conn.execute("INSERT INTO bench_fts(bench_fts) VALUES ('rebuild')")
    proto_build = time.perf_counter() - t
    proto, proto_hits = measure(search_proto)
    proto.update(build_s=proto_build, index_mib=(path.stat().st_size - size_now) / 2**20,
                 same_results_as_like={q: proto_hits[q] == like_hits[q] for q in SEARCH_QUERIES},
                 diacritic_insensitive=insensitive(proto_hits))
    out["prototype"] = proto
    db.conn.execute("DROP TABLE bench_fts")
    db.conn.close()
    ctx.results["search"] = out
    log(f"search p95: current {cur['p95_ms']:.1f} ms, LIKE (before) {like['p95_ms']:.1f} ms, "
        f"prototype {proto['p95_ms']:.1f} ms")
    phase_commit(ctx, path)


def phase_commit(ctx: Ctx, path: Path) -> None:
    """số đến + entry in one transaction (mailbot.register.apply) on the big register."""
    import dataclasses

    from mailbot import db as dbmod
    from mailbot.config import parse_rules
    from mailbot.pipeline import Pipeline
    from mailbot.register import NoticeCaps, apply

    reps = ctx.size["commit_reps"]
    rules_path = ctx.workdir / "commit-rules.yaml"
    rules_path.write_text(
        f"storage: {{data_dir: {ctx.workdir / 'commit-data'}}}\nbooks: [{{id: den, name: Sổ đến}}]\n"
        f"mailboxes: [{{id: ubnd, address: {OFFICE}, register: den}}]\n"
        f"senders: {{trusted_domains: ['*.gov.vn'], authserv_id: {MTA}}}\n"
        f"limits: {{inspect_workers: 0}}\n"
        f"trust: {{roots: [{ctx.work.trust_files['root']}], intermediates: [{ctx.work.trust_files['intermediate']}]}}\n",
        encoding="utf-8")
    rules = parse_rules(rules_path.read_text(encoding="utf-8"), rules_path)
    pipe = Pipeline(rules)
    _mid, raw = ctx.work.typical("commit", 1)
    report, decision = pipe.evaluate(raw, rules.mailboxes[0])
    db = dbmod.connect(path)
    arrival = datetime(2026, 11, 5, 9, 0, tzinfo=timezone.utc)
    counter = iter(range(10_000_000, 20_000_000))

    def one() -> float:
        i = next(counter)
        db.conn.execute("INSERT INTO messages(id, sha256, size, spool_path, source, mailbox, delivered_at, spooled_at) "
                        "VALUES (?, ?, 1, '/x', 'imap', 'ubnd', ?, ?)", (i, f"c{i}", arrival.isoformat(),
                                                                         arrival.isoformat()))
        rep = dataclasses.replace(report, message_id=f"<commit-{i}@bench>")
        t = time.perf_counter()
        reg = apply(db, i, rep, decision, arrival, lambda r: [], NoticeCaps(10**9, 10**9))
        elapsed = time.perf_counter() - t
        assert reg.entry is not None, reg
        return elapsed

    def run() -> dict:
        for _ in range(3):
            one()
        times = [one() for _ in range(reps)]
        return {"p50_ms": pct(times, 50) * 1000, "p95_ms": pct(times, 95) * 1000, "n": reps}

    out = {"decision": decision.outcome, "document_fields": bool(report.document.get("code_number"))}
    out["current"] = run()
    indexes = [r[0] for r in db.conn.execute(
        "SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='entries' AND sql LIKE '%code_number%'")]
    for name in indexes:                 # as before a10fdd5: the duplicate-document check scans the register
        db.conn.execute(f"DROP INDEX {name}")
    out["without_same_document_index"] = run()
    db.conn.close()
    ctx.results["register_commit"] = out
    log(f"register commit (số đến + entry) on {ctx.size['search']:,}: p50 {out['current']['p50_ms']:.1f} ms; "
        f"without the same-document index {out['without_same_document_index']['p50_ms']:.1f} ms")


# =====================================================================================
# Machine, report
# =====================================================================================

def machine() -> dict:
    from importlib import metadata

    info: dict[str, Any] = {
        "hostname": platform.node(), "kernel": platform.release(), "python": platform.python_version(),
        "cpus_online": os.cpu_count(), "cpus_usable": len(os.sched_getaffinity(0)),
        "sqlite": sqlite3.sqlite_version, "loadavg_at_start": os.getloadavg(),
    }
    with contextlib.suppress(OSError):
        cpu = Path("/proc/cpuinfo").read_text()
        m = re.search(r"model name\s*:\s*(.*)", cpu)
        info["cpu"] = m.group(1).strip() if m else platform.processor()
        m = re.search(r"cpu MHz\s*:\s*(.*)", cpu)
        info["cpu_mhz"] = m.group(1).strip() if m else None
    with contextlib.suppress(OSError):
        m = re.search(r"MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text())
        info["mem_gib"] = round(int(m.group(1)) / 2**20, 1)
    with contextlib.suppress(Exception):
        info["dovecot"] = subprocess.run(["dovecot", "--version"], capture_output=True, text=True).stdout.strip()
    with contextlib.suppress(Exception):
        info["filesystem_tmp"] = subprocess.run(["df", "-T", tempfile.gettempdir()], capture_output=True,
                                                text=True).stdout.splitlines()[-1].split()[1]
    pkgs = {}
    for name in ("pypdf", "pyHanko", "pyhanko-certvalidator", "aiosmtpd", "IMAPClient", "python-magic",
                 "sqlite-utils", "cryptography"):
        with contextlib.suppress(Exception):
            pkgs[name] = metadata.version(name)
    info["packages"] = pkgs
    with contextlib.suppress(Exception):
        info["git_commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                            text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        info["git_dirty_files"] = len(dirty.splitlines())
    return info


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
        for label, key in (("current: mailbot.listing.search_entries", "current"),
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


# =====================================================================================
# main
# =====================================================================================

PHASES = ("cli", "primitives", "throughput", "latency", "mix", "search", "profile")
# profile (py-spy) only when asked: --profile
DEFAULT_PHASES = tuple(p for p in PHASES if p != "profile")


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

    from testbed.dovecot import Dovecot

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
        dovecot = Dovecot(workdir)
        users = [f"bench{i}" for i in range(1, 25)]
        for u in users:
            dovecot.add_user(u, password=f"pw-{u}")
        stack.callback(dovecot.cleanup)
        dovecot.start()
        relay = TimedRelay(workdir / "relay")
        relay.start()
        stack.callback(relay.stop)
        ctx = Ctx(args, size, workdir, work, dovecot, relay, users, results)
        stack.enter_context(ctx.stack)
        log(f"Dovecot on 127.0.0.1:{dovecot.port}, relay on 127.0.0.1:{relay.relay.port}")
        try:
            for name in PHASES:
                if name in phases:
                    globals()[f"phase_{name}"](ctx)
        except KeyboardInterrupt:
            log("interrupted: stopping everything")
            results["interrupted"] = True
            raise
        finally:
            results["elapsed_s"] = time.monotonic() - started
            if not results.get("interrupted"):
                text = render(results)
                print(text)
                args.out.mkdir(parents=True, exist_ok=True)
                stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
                base = args.out / f"{stamp}-{args.mode}"
                clean = json.loads(json.dumps(results, default=str))
                clean.get("throughput", {}).pop("raw", None)
                base.with_suffix(".json").write_text(json.dumps(clean, indent=2, ensure_ascii=False) + "\n",
                                                     encoding="utf-8")
                base.with_suffix(".txt").write_text(text + "\n", encoding="utf-8")
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
