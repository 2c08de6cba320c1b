"""Paths, the office the benchmark mails, and small helpers every benchmark module uses."""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
OFFICE = "ubnd@quangngai.gov.vn"
MTA = "mx.quangngai.gov.vn"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


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
