"""The hostile-input corpus through the real pipeline, with inspection isolated in a worker.

For every case (tests/support/hostile.py): `process()` returns, the raw message
is kept in the spool and hashes to the recorded sha256, a decision is stored
with reasons that name a code, and the outcome is one the case allows. Time and
the worker's peak RSS per message are printed (never asserted: docs/DESIGN.md §7) and
summed up in one line at the end of the module.
"""

from __future__ import annotations

import hashlib
import json
import resource
import time
from pathlib import Path

import pytest

from mailbot.config import load_rules
from mailbot.runtime.isolation import Inspector, Measure
from mailbot.runtime.pipeline import Pipeline
from tests.support import hostile

SUMMARY: list[tuple[str, float, Measure, str]] = []


class IsolatedPipeline(Pipeline):
    """The pipeline with its Inspector given, keeping what each inspection cost."""

    def __init__(self, rules, inspector: Inspector):
        super().__init__(rules)
        self._inspector = inspector
        self.last: Measure | None = None

    def inspect_spooled(self, sha256, size, envelope_from):
        report, self.last = self.inspector.inspect_file_measured(
            self.spool.path_for(sha256), envelope_from, sha256=sha256, size=size)
        return report


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory, request):
    work = tmp_path_factory.mktemp("hostile")
    path = work / "rules.yaml"
    path.write_text(f"""\
office: {{name: Văn phòng UBND tỉnh Quảng Ngãi, timezone: Asia/Ho_Chi_Minh}}
storage: {{data_dir: {work}/data, outbox_dir: {work}/outbox}}
books: [{{id: den-ubnd, name: Sổ văn bản đến}}]
mailboxes: [{{id: ubnd, address: {hostile.OFFICE}, register: den-ubnd}}]
notices: {{from_address: {hostile.OFFICE}, clerk_address: vanthu@quangngai.gov.vn}}
senders: {{authserv_id: {hostile.MTA}}}
limits: {{inspect_workers: 1, inspect_seconds: 20, inspect_memory_mb: 512}}
""", encoding="utf-8")
    rules = load_rules(path)
    inspector = Inspector(rules)
    yield IsolatedPipeline(rules, inspector)
    inspector.close()
    _print_summary(request)


def _print_summary(request) -> None:
    if not SUMMARY:
        return
    slowest = max(SUMMARY, key=lambda s: s[1])
    peaks = [(s[2].peak_rss_mb or 0, s[0]) for s in SUMMARY]
    biggest = max(peaks)
    outcomes: dict[str, int] = {}
    for *_, decision in SUMMARY:
        outcomes[decision] = outcomes.get(decision, 0) + 1
    line = (f"hostile corpus: {len(SUMMARY)} cases; slowest {slowest[0]} {slowest[1]:.2f} s "
            f"(inspection {slowest[2].outcome}); highest worker peak RSS {biggest[0]:.0f} MB ({biggest[1]}); "
            f"test process max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB; "
            f"decisions {outcomes}")
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            _write(reporter, line)
    else:
        print(line)


def _write(reporter, line: str) -> None:
    reporter.write_line("")
    reporter.write_line(line)
    for name, seconds, measure, decision in SUMMARY:
        peak = f"{measure.peak_rss_mb:.0f} MB" if measure.peak_rss_mb else "-"
        reporter.write_line(f"  {name:24s} {seconds:6.2f} s  worker peak {peak:>7s}  "
                            f"inspection {measure.outcome:8s} → {decision}")


@pytest.mark.parametrize("case", hostile.CASES, ids=[c.name for c in hostile.CASES])
def test_hostile_message_is_kept_decided_and_explained(pipeline, case):
    raw = case.build()
    sha = hashlib.sha256(raw).hexdigest()
    received = pipeline.receive(raw, source="test", mailbox="ubnd", envelope_from=hostile.SENDER)
    assert not received.duplicate

    started = time.perf_counter()
    pipeline.process(received.message)                   # returns: the daemon would go on
    seconds = time.perf_counter() - started

    state, decision, spool_path, stored_sha, report = pipeline.db.execute(
        "SELECT state, decision, spool_path, sha256, report FROM messages WHERE id = ?",
        (received.message,)).fetchone()
    # Raw message kept, byte for byte.
    assert stored_sha == sha
    assert hashlib.sha256(Path(spool_path).read_bytes()).hexdigest() == sha
    # Decided, with reasons that name their code.
    assert state == "processed" and decision
    reasons = json.loads(report)["reasons"]
    assert reasons and all(r["code"] and r["message_vi"] and r["message_en"] for r in reasons)
    stored_codes = {r["code"] for r in reasons} | {p["code"] for p in json.loads(report)["problems"]}
    if case.codes:
        assert stored_codes & case.codes, stored_codes
    measure = pipeline.last
    assert measure is not None and measure.seconds < pipeline.rules.limits.inspect_seconds + 10
    if measure.outcome != "ok":                          # a limit was hit: review, and it says which
        assert decision == "review" and stored_codes & {
            "inspection_timeout", "inspection_memory", "inspection_crashed", "inspection_failed"}
    SUMMARY.append((case.name, seconds, measure, decision))
    peak = f"{measure.peak_rss_mb:.0f} MB" if measure.peak_rss_mb else "-"
    if decision not in case.outcomes and case.finding:
        pytest.xfail(f"{decision}: {case.finding}")
    assert decision in case.outcomes, (decision, report)
    print(f"{case.name}: {len(raw)} bytes, {seconds:.2f} s, worker peak RSS {peak}, "
          f"inspection {measure.outcome}, decision {decision}, codes {sorted(stored_codes)}")


def _large_legit_message() -> bytes:
    from email.policy import SMTP

    from mailbot.util import samples

    return samples.email(hostile.SENDER, hostile.OFFICE, "Hồ sơ dự án", "Kính gửi Văn phòng UBND tỉnh.",
                         [("hoso.pdf", samples.pdf(["HỒ SƠ"]) + b"%" * (12 * 1024 * 1024), "application/pdf")],
                         authserv_id=hostile.MTA).as_bytes(policy=SMTP)


@pytest.mark.parametrize("limits, build, code", [
    ({"inspect_memory_mb": 16}, _large_legit_message, "inspection_memory"),
    ({"inspect_seconds": 0.15},   # the 5,000 pages take ~0.45 s here
     lambda: hostile.with_attachment(b"5000.pdf", hostile.pdf_many_pages(), "application/pdf"), "inspection_timeout"),
], ids=["memory-16MB", "time-0.15s"])
def test_blown_limits_end_in_review_with_the_reason(pipeline, limits, build, code):
    """The same pipeline and database, an Inspector with tiny limits: review, and it says why."""
    rules = pipeline.rules.model_copy(update={"limits": pipeline.rules.limits.model_copy(update=limits)})
    raw = build()
    with Inspector(rules) as tiny:
        tiny.inspect(b"Subject: warm-up\r\n\r\nx")            # worker started: the clock is the message's
        strict = IsolatedPipeline(rules, tiny)
        received = strict.receive(raw, source="test", mailbox="ubnd", envelope_from=hostile.SENDER)
        started = time.perf_counter()
        strict.process(received.message)
        seconds = time.perf_counter() - started
        assert tiny.pids                                     # replaced, ready for the next message
    decision, report, spool_path = pipeline.db.execute(
        "SELECT decision, report, spool_path FROM messages WHERE id = ?", (received.message,)).fetchone()
    assert decision == "review"
    assert code in {p["code"] for p in json.loads(report)["problems"]}
    assert Path(spool_path).read_bytes() == raw
    assert strict.last.outcome == code.removeprefix("inspection_")
    SUMMARY.append((f"limit:{code}", seconds, strict.last, decision))
