"""Inspector: the same reports as in-process inspection, under wall-time and memory limits."""

from __future__ import annotations

import os
import pickle
import signal
import threading
import time
from email.policy import SMTP

import pytest

from mailbot.util import samples
from mailbot.config import Rules
from mailbot.decide.decision import decide
from mailbot.inspect.message import inspect_message
from mailbot.runtime.isolation import Inspector
from mailbot.trust import trust_store
from tests.support import hostile

DOCX = hostile.DOCX


def typical_message(seed: int = 0) -> bytes:
    """About 70 KB: a text body, a signed-looking PDF and a docx, as agencies send them."""
    lines = [f"Dòng {i}: Kính gửi các sở, ban, ngành tỉnh Quảng Ngãi về việc tổ chức hội nghị số "
             f"{(i + seed) * 7919 % 10007}" for i in range(480)]
    pdf = samples.pdf(["ỦY BAN NHÂN DÂN", "TỈNH QUẢNG NGÃI", f"Số: {59 + seed}/KH-UBND", "KẾ HOẠCH"] + lines)
    return samples.email("vanthu@stc.quangngai.gov.vn", "ubnd@quangngai.gov.vn", f"Kế hoạch {seed}",
                         "Kính gửi Văn phòng UBND tỉnh. " * 60,
                         [("kh.pdf", pdf, "application/pdf"), ("kh.docx", samples.docx(lines), DOCX)],
                         authserv_id=hostile.MTA).as_bytes(policy=SMTP)


def rules(**limits) -> Rules:
    base = {"inspect_workers": 1, "inspect_seconds": 20, "inspect_memory_mb": 512}
    base.update(limits)
    return Rules(senders={"authserv_id": hostile.MTA}, limits=base)


@pytest.fixture(scope="module")
def inspector():
    with Inspector(rules()) as ins:
        yield ins


def codes(report) -> list[str]:
    return [p.code for p in report.problems]


def test_worker_report_equals_in_process_report_and_pickles(inspector):
    raw = typical_message()
    assert 50_000 < len(raw) < 100_000
    r = rules()
    expected = inspect_message(raw, r, trust=trust_store(r))
    got, measure = inspector.inspect_measured(raw)
    assert measure.outcome == "ok" and measure.peak_rss_mb and measure.worker_pid in inspector.pids
    assert got == expected
    assert pickle.loads(pickle.dumps(got)) == got
    assert decide(got, r).outcome == "accept"


def test_in_process_mode_has_no_workers():
    with Inspector(rules(), workers=0) as ins:
        report = ins.inspect(typical_message(1))
        assert report.readable and ins.pids == []
        assert ins.inspect(b"").problems[0].code == "empty_message"


def test_timeout_kills_the_worker_and_the_next_message_is_fine():
    slow = hostile.with_attachment(b"5000.pdf", hostile.pdf_many_pages(), "application/pdf")
    with Inspector(rules(inspect_seconds=0.15)) as ins:     # the 5,000 pages take ~0.45 s here
        ins.inspect(b"Subject: warm\r\n\r\nx")            # the worker is up: the clock is the message's
        before = ins.pids
        started = time.monotonic()
        report, measure = ins.inspect_measured(slow)
        assert time.monotonic() - started < 5
        assert measure.outcome == "timeout" and not report.readable
        assert codes(report) == ["inspection_timeout"]
        assert report.sha256 == hostile.hashlib_sha256(slow) and report.size == len(slow)
        assert decide(report, ins.rules).outcome == "review"
        assert "inspection_timeout" in [r.code for r in decide(report, ins.rules).reasons]
        assert ins.pids != before                            # replaced
        assert ins.inspect(b"Subject: ok\r\n\r\nfine").readable


def test_memory_limit_on_a_legit_large_message():
    """A 16 MB budget cannot hold a message with a 12 MB attachment (17 MB encoded, 12 MB decoded, the PDF
    reader's own work): review, not a dead daemon."""
    big = samples.email("vanthu@stc.quangngai.gov.vn", "ubnd@quangngai.gov.vn", "Hồ sơ", "Kính gửi",
                        [("hoso.pdf", samples.pdf(["HỒ SƠ"]) + os.urandom(12 * 1024 * 1024), "application/pdf")],
                        authserv_id=hostile.MTA).as_bytes(policy=SMTP)
    with Inspector(rules(inspect_memory_mb=16)) as ins:
        report, measure = ins.inspect_measured(big)
        assert measure.outcome == "memory", measure
        assert codes(report) == ["inspection_memory"] and "16 MB" in report.problems[0].message_vi
        assert decide(report, ins.rules).outcome == "review"
        assert ins.inspect(typical_message(2)).readable     # a fresh worker takes the next one
    with Inspector(rules(inspect_memory_mb=512)) as ins:    # the same message fits a real budget
        assert ins.inspect(big).readable


def test_a_worker_that_dies_mid_message_is_reported_and_replaced():
    slow = hostile.with_attachment(b"5000.pdf", hostile.pdf_many_pages(), "application/pdf")
    with Inspector(rules()) as ins:
        ins.inspect(b"Subject: warm\r\n\r\nx")
        pid = ins.pids[0]
        threading.Timer(0.3, os.kill, (pid, signal.SIGSEGV)).start()
        report, measure = ins.inspect_measured(slow)
        assert measure.outcome == "crashed" and codes(report) == ["inspection_crashed"]
        assert "SIGSEGV" in report.problems[0].message_en
        assert ins.pids and ins.pids != [pid]
        assert ins.inspect(typical_message(3)).readable


def test_a_worker_killed_while_idle_does_not_blame_the_next_message():
    with Inspector(rules()) as ins:
        ins.inspect(b"Subject: warm\r\n\r\nx")
        os.kill(ins.pids[0], signal.SIGKILL)
        time.sleep(0.2)
        report, measure = ins.inspect_measured(typical_message(4))
        assert measure.outcome == "ok" and report.readable


def test_threads_share_the_workers_and_get_their_own_reports():
    messages = [typical_message(10 + i) for i in range(6)]
    results: dict[int, object] = {}
    with Inspector(rules(inspect_workers=2)) as ins:
        def run(i: int) -> None:
            results[i] = ins.inspect(messages[i])

        threads = [threading.Thread(target=run, args=(i,)) for i in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert len(set(ins.pids)) == 2
    for i, raw in enumerate(messages):
        assert results[i].readable and results[i].sha256 == hostile.hashlib_sha256(raw)
        assert results[i].subject == f"Kế hoạch {10 + i}"


CPUS = sorted(os.sched_getaffinity(0))
needs_two_cpus = pytest.mark.skipif(len(CPUS) < 2, reason="needs a machine with two or more CPUs")


def affinity(pid: int) -> set[int]:
    return os.sched_getaffinity(pid)


@needs_two_cpus
def test_workers_are_spread_one_per_cpu_and_a_replacement_takes_the_freed_cpu():
    workers = len(CPUS)
    with Inspector(rules(inspect_workers=workers)) as ins:
        pids = ins.pids
        assert sorted(min(affinity(pid)) for pid in pids) == CPUS
        assert all(len(affinity(pid)) == 1 for pid in pids)
        victim = pids[-1]
        freed = affinity(victim)
        os.kill(victim, signal.SIGKILL)
        time.sleep(0.2)
        for i in range(workers + 1):      # every worker is taken once: the dead one is replaced
            assert ins.inspect(typical_message(20 + i)).readable
        assert victim not in ins.pids and len(ins.pids) == workers
        replacement = next(pid for pid in ins.pids if pid not in pids)
        assert affinity(replacement) == freed


@needs_two_cpus
@pytest.mark.parametrize("workers, pin", [(1, True), (2, False)], ids=["one-worker", "pinning-off"])
def test_workers_are_left_to_the_scheduler(workers, pin):
    with Inspector(rules(inspect_workers=workers, inspect_pin_cpus=pin)) as ins:
        assert ins.pids and all(affinity(pid) == set(CPUS) for pid in ins.pids)


def test_closed_inspector_answers_without_raising_and_leaves_no_process():
    ins = Inspector(rules())
    ins.inspect(b"Subject: x\r\n\r\ny")
    pids = ins.pids
    ins.close()
    report = ins.inspect(b"Subject: x\r\n\r\ny")
    assert not report.readable and codes(report) == ["inspection_failed"]
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_workers_use_the_dns_lookup_handed_in():
    """The DKIM key look-up crosses into the worker (by reference); None means no look-ups."""
    from tests.support.dkim_keys import FakeDNS, message, rsa_key, sign

    key = rsa_key("quangngai.gov.vn", "mail")
    raw = sign(message("Sở Tài chính <vanthu@stc.quangngai.gov.vn>"), key)
    with Inspector(rules(), dns=FakeDNS().publish(key)) as ins:
        auth = ins.inspect(raw).sender_auth
        assert auth.authenticated and auth.method == "dkim"
    with Inspector(rules(), dns=None) as ins:
        auth = ins.inspect(raw).sender_auth
        assert not auth.authenticated and auth.reason.code == "sender_unverified_dns"
