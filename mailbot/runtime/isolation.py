"""Inspection of untrusted content, isolated in worker processes under limits.

`Inspector.inspect(raw)` gives the same `MessageReport` as
`inspect.message.inspect_message`, but the work (MIME walk, libmagic, pypdf,
pyHanko, office/ODF/RTF readers) runs in a persistent worker process with

- a memory limit: `RLIMIT_AS` = the worker's address space after start-up
  plus `limits.inspect_memory_mb` — the budget one message may use on top of
  the loaded libraries (so a small budget stays meaningful);
- a wall-time limit per message (`limits.inspect_seconds`), enforced by the
  parent, which kills the worker when it is exceeded;
- `RLIMIT_CPU` as a backstop, re-armed before each message, so a worker
  looping on its own (parent gone, pipe stuck) still dies.

A message that exceeds a limit or kills its worker (MemoryError, segfault,
abort, SIGKILL) yields `MessageReport(readable=False, problems=(Reason(
"inspection_timeout" | "inspection_memory" | "inspection_crashed", …),))`, so
`decide()` sends it to review; the worker is replaced and the daemon, its
other threads and the other mailboxes go on. `inspect()` never raises.

Workers are spawned (never forked from a threaded daemon) once and reused;
each builds its own trust store once and hands inspection the DNS look-up
for DKIM keys (`dns`, passed by reference: `runtime.resolvers.dns_txt` is
imported in the worker, no resolver state crosses the process boundary).
Several threads may call `inspect()` at the same time: each call takes one
idle worker for itself (one pipe per worker, no shared queue), so up to
`workers` messages run in parallel and the rest wait their turn. `workers=0`
inspects in-process, without limits (tools, tests, `mailbot explain`).
"""

from __future__ import annotations

import errno
import hashlib
import logging
import multiprocessing
import os
import pickle
import queue
import resource
import signal
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mailbot.config import Rules
from mailbot.model import MessageReport, Reason
from mailbot.runtime.resolvers import dns_txt

if TYPE_CHECKING:
    from mailbot.inspect.sender import DnsTxt

log = logging.getLogger("mailbot.runtime.isolation")

RULE = "mailbot: giới hạn an toàn"
START_SECONDS = 120.0          # a worker must be ready (imports, trust store) within this
RECYCLE_AFTER = 1000           # messages per worker, then a fresh one (slow leaks, fragmentation)
MEMORY_MARK = "MemoryError"    # how parsers that catch everything report an allocation failure

_MB = 1024 * 1024


@dataclass(frozen=True)
class Measure:
    """What one inspection cost, as seen from the parent and (peak RSS) from the worker."""

    outcome: str                 # ok | timeout | memory | crashed | failed
    seconds: float               # wall time in the parent, transfer included
    worker_seconds: float | None = None   # inspect_message alone, inside the worker
    peak_rss_mb: float | None = None      # worker's peak RSS during this message (Linux VmHWM, reset per message)
    worker_pid: int | None = None


def _reason(code: str, vi: str, en: str) -> Reason:
    return Reason(code, vi, en, RULE)


def timeout_reason(seconds: float) -> Reason:
    return _reason("inspection_timeout",
                   f"Kiểm tra thư vượt quá thời gian cho phép ({seconds:g} giây); văn thư sẽ kiểm tra trực tiếp.",
                   f"inspection took longer than {seconds:g} s; the worker was stopped; kept for review")


def memory_reason(megabytes: int) -> Reason:
    return _reason("inspection_memory",
                   f"Kiểm tra thư vượt quá giới hạn bộ nhớ ({megabytes} MB); văn thư sẽ kiểm tra trực tiếp.",
                   f"inspection needed more than its {megabytes} MB memory budget; kept for review")


def crashed_reason(detail: str) -> Reason:
    return _reason("inspection_crashed",
                   "Bộ kiểm tra thư bị lỗi khi đọc thư này; văn thư sẽ kiểm tra trực tiếp.",
                   f"the inspection worker died on this message ({detail}); kept for review")


def failed_reason(detail: str) -> Reason:
    # Same code as Pipeline.evaluate uses for an exception out of inspect_message.
    return _reason("inspection_failed", "Lỗi khi kiểm tra thư.", f"inspection failed: {detail}")


@dataclass(frozen=True)
class _Source:
    """One message to inspect: its bytes (sent through the pipe) or its spool file."""

    sha256: str
    size: int
    raw: bytes | None = None
    path: str | None = None

    @classmethod
    def of(cls, raw: bytes) -> _Source:
        return cls(hashlib.sha256(raw).hexdigest(), len(raw), raw=raw)

    def read(self) -> bytes:
        if self.raw is not None:
            return self.raw
        with open(self.path, "rb") as fh:
            return fh.read()


def unreadable_report(source: _Source, reason: Reason) -> MessageReport:
    return MessageReport(sha256=source.sha256, size=source.size, readable=False, problems=(reason,))


# -- the worker process -------------------------------------------------------

def _status_kb(*keys: str) -> dict[str, int]:
    out: dict[str, int] = {}
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                key, _, value = line.partition(":")
                if key in keys:
                    out[key] = int(value.split()[0])
    except (OSError, ValueError):
        pass
    return out


def _reset_peak_rss() -> None:
    try:   # Linux ≥ 4.0: "5" resets VmHWM to the current RSS
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
    except OSError:
        pass


def _mentions_memory_error(report: MessageReport) -> bool:
    """Parsers catch Exception (MemoryError included) and report it as text: find it."""
    reasons = list(report.problems)
    for att in report.attachments:
        if att.reason is not None:
            reasons.append(att.reason)
    return any(MEMORY_MARK in r.message_en for r in reasons)


class _MemoryErrorLog(logging.Handler):
    """Notices a MemoryError that a parser swallowed but logged."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.seen = False

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and isinstance(record.exc_info[1], MemoryError):
            self.seen = True
            return
        try:
            if MEMORY_MARK in record.getMessage():
                self.seen = True
        except Exception:  # noqa: BLE001 - a broken log call is not our business
            pass


def _warm_up(rules: Rules, trust: Any) -> None:
    """Load every lazily imported parser and libmagic's database before the limits apply."""
    from mailbot.inspect import message

    for name in ("pdf", "signatures", "document", "extract", "sender", "formats", "text", "legacy"):
        try:
            __import__(f"mailbot.inspect.{name}")
        except Exception:  # noqa: BLE001 - a missing optional reader shows up per message
            pass
    try:
        from mailbot.util import samples

        raw = samples.email("a@b.gov.vn", "c@d.gov.vn", "warm-up", "x",
                            [("a.pdf", samples.pdf(["x"]), "application/pdf"),
                             ("b.docx", samples.docx(["x"]),
                              "application/vnd.openxmlformats-officedocument.wordprocessingml.document")]).as_bytes()
        message.inspect_message(raw, rules, trust=trust)
    except Exception:
        log.debug("warm-up inspection failed", exc_info=True)


def _worker_main(conn, rules: Rules, memory_mb: int, cpu_seconds: float, log_level: int,
                 dns: DnsTxt | None = None) -> None:
    logging.basicConfig(level=log_level,
                        format="%(asctime)s inspect-worker[%(process)d] %(levelname)s %(name)s: %(message)s")
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)     # the daemon stops us, not Ctrl-C
    except (ValueError, OSError):
        pass
    from mailbot.inspect.message import inspect_message
    from mailbot.trust import trust_store

    trust = trust_store(rules)
    _warm_up(rules, trust)
    baseline_kb = _status_kb("VmSize").get("VmSize", 0)
    limit = baseline_kb * 1024 + memory_mb * _MB
    # Parsers that catch Exception also swallow MemoryError, sometimes silently: an address
    # space that came this close to the limit means an allocation may have failed unseen.
    # (VmPeak never goes down, but a worker that came close is replaced at once.)
    margin = min(32 * _MB, memory_mb * _MB // 8)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))    # SIGXCPU/SIGSEGV: no core file of mail content
    except (ValueError, OSError) as exc:
        log.warning("could not limit worker memory: %s", exc)
    watcher = _MemoryErrorLog()
    logging.getLogger().addHandler(watcher)
    conn.send(("ready", os.getpid(), baseline_kb // 1024))

    while True:
        too_big = False
        try:
            task = conn.recv()
            if task is None:
                return
            kind, envelope_from, path = task
            # A spooled message is read here from its file: the daemon never loads it.
            raw = conn.recv_bytes() if kind == "inspect" else None
        except MemoryError:
            too_big = True
        except OSError as exc:
            if exc.errno != errno.ENOMEM:   # reading the message into memory can fail this way too
                return                      # the parent is gone
            too_big = True
        except EOFError:
            return                          # the parent is gone
        if too_big:
            # Answered out of the except block: its traceback keeps the half-received buffer.
            try:
                conn.send_bytes(_MEMORY_REPLY)
            except Exception:  # noqa: BLE001 - the parent sees the worker die instead
                pass
            return
        # Backstop: this message may use `cpu_seconds` more CPU, then SIGXCPU.
        used = resource.getrusage(resource.RUSAGE_SELF)
        soft = int(used.ru_utime + used.ru_stime + cpu_seconds) + 1
        try:
            resource.setrlimit(resource.RLIMIT_CPU, (soft, resource.RLIM_INFINITY))
        except (ValueError, OSError):
            pass
        _reset_peak_rss()
        watcher.seen = False
        started = time.perf_counter()
        try:
            if raw is None:
                with open(path, "rb") as fh:
                    raw = fh.read()
            report = inspect_message(raw, rules, envelope_from=envelope_from, trust=trust, dns=dns)
            near_limit = _status_kb("VmPeak").get("VmPeak", 0) * 1024 > limit - margin
            status = "memory" if (watcher.seen or near_limit or _mentions_memory_error(report)) else "ok"
            payload: Any = report if status == "ok" else None
        except MemoryError:
            status, payload = "memory", None
        except BaseException as exc:  # noqa: BLE001 - a parser bug: reported, the worker lives on
            status, payload = "failed", f"{type(exc).__name__}: {exc}"[:500]
        elapsed = time.perf_counter() - started
        del raw
        peak = _status_kb("VmHWM").get("VmHWM")
        if not _reply(conn, (status, payload, elapsed, peak / 1024 if peak else None)):
            return
        if status == "memory":
            return                          # the heap may be in a poor state: the parent replaces us


# Pickled in advance: when the address space is exhausted, even pickling a small tuple can fail.
_MEMORY_REPLY = pickle.dumps(("memory", None, 0.0, None))


def _reply(conn, message: tuple) -> bool:
    try:
        conn.send(message)
        return True
    except MemoryError:
        try:
            conn.send_bytes(_MEMORY_REPLY)
            return True
        except Exception:  # noqa: BLE001
            return False
    except Exception as exc:  # noqa: BLE001 - e.g. a report that does not pickle
        try:
            conn.send(("failed", f"result could not be sent back: {type(exc).__name__}: {exc}"[:500],
                       message[2], message[3]))
            return True
        except Exception:  # noqa: BLE001
            return False


# -- the parent side ----------------------------------------------------------

class _Worker:
    def __init__(self, ctx, rules: Rules, memory_mb: int, cpu_seconds: float, cpu: int | None = None,
                 dns: DnsTxt | None = None):
        parent, child = ctx.Pipe(duplex=True)
        self.conn = parent
        self.process = ctx.Process(
            target=_worker_main, name="mailbot-inspect",
            args=(child, rules, memory_mb, cpu_seconds, logging.getLogger().getEffectiveLevel(), dns),
            daemon=True)
        self.process.start()
        child.close()
        self.ready = False
        self.pid: int | None = self.process.pid
        self.cpu = cpu
        if cpu is not None and self.pid:
            try:
                os.sched_setaffinity(self.pid, {cpu})
            except OSError as exc:      # e.g. the CPU went offline: run anywhere
                log.warning("could not keep inspection worker %d on CPU %d: %s", self.pid, cpu, exc)
                self.cpu = None
        self.baseline_mb: int | None = None
        self.tasks = 0

    def wait_ready(self, timeout: float) -> bool:
        if self.ready:
            return True
        try:
            if not self.conn.poll(timeout):
                return False
            message = self.conn.recv()
        except (EOFError, OSError):
            return False
        if message[0] != "ready":
            return False
        _, self.pid, self.baseline_mb = message
        self.ready = True
        return True

    def alive(self) -> bool:
        return self.process.is_alive()

    def stop(self, graceful: bool = True) -> None:
        if graceful and self.process.is_alive():
            try:
                self.conn.send(None)
                self.process.join(2)
            except (OSError, ValueError):
                pass
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        try:
            self.conn.close()
        except OSError:
            pass
        try:
            self.process.close()
        except ValueError:
            pass


def _cpus_to_pin(workers: int) -> list[int]:
    """The CPUs to spread inspection workers over, one each in turn: the CPUs this process
    may use, when there are two or more workers and two or more CPUs; else none. Left to
    the scheduler, busy workers are moved between CPUs and, on a loaded machine, spend up
    to a third more CPU time per message (benchmarks/README.md)."""
    try:
        cpus = sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return []
    return cpus if workers >= 2 and len(cpus) >= 2 else []


class Inspector:
    """Inspects raw messages in limited worker processes. Thread-safe; `inspect()` never raises."""

    def __init__(self, rules: Rules, *, workers: int | None = None, trust: Any = None,
                 dns: DnsTxt | None = dns_txt):
        """`dns`: the DKIM key look-up handed to inspection (default: the system resolver;
        None: no look-ups). Workers get it pickled: a module-level function, or None."""
        self.rules = rules
        self.dns = dns
        limits = rules.limits
        self.workers = limits.inspect_workers if workers is None else workers
        self.seconds = float(limits.inspect_seconds)
        self.memory_mb = int(limits.inspect_memory_mb)
        self._trust = trust            # in-process mode only: workers build their own
        self._trust_lock = threading.Lock()
        self._closed = False
        self._lock = threading.Lock()
        self._all: set[_Worker] = set()
        self._idle: queue.Queue[_Worker | None] = queue.Queue()
        self._cpus = _cpus_to_pin(self.workers) if limits.inspect_pin_cpus else []
        if self.workers > 0:
            self._ctx = multiprocessing.get_context("spawn")
            for _ in range(self.workers):
                self._idle.put(self._spawn())

    # -- public -------------------------------------------------------------
    def inspect(self, raw: bytes, envelope_from: str | None = None) -> MessageReport:
        return self.inspect_measured(raw, envelope_from)[0]

    def inspect_file(self, path: str, envelope_from: str | None = None, *,
                     sha256: str, size: int) -> MessageReport:
        """`inspect()` of a spooled message (`sha256`, `size`: its known identity): the
        worker reads the file itself, so the caller never holds the message in memory."""
        return self.inspect_file_measured(path, envelope_from, sha256=sha256, size=size)[0]

    def inspect_file_measured(self, path: str, envelope_from: str | None = None, *,
                              sha256: str, size: int) -> tuple[MessageReport, Measure]:
        return self._measured(_Source(sha256, size, path=str(path)), envelope_from)

    def inspect_measured(self, raw: bytes, envelope_from: str | None = None) -> tuple[MessageReport, Measure]:
        """`inspect()` plus what it cost (benchmarks, the hostile-input tests)."""
        return self._measured(_Source.of(raw), envelope_from)

    def _measured(self, source: _Source, envelope_from: str | None) -> tuple[MessageReport, Measure]:
        started = time.perf_counter()
        try:
            if self.workers <= 0:
                report, outcome = self._in_process(source, envelope_from), "ok"
                measure = Measure(outcome, time.perf_counter() - started)
            else:
                report, measure = self._in_worker(source, envelope_from, started)
        except BaseException as exc:
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            log.exception("inspector failed")
            report = unreadable_report(source, failed_reason(f"{type(exc).__name__}: {exc}"))
            measure = Measure("failed", time.perf_counter() - started)
        if measure.outcome != "ok":
            log.warning("inspection of message %s… ended %s after %.1f s",
                        report.sha256[:12], measure.outcome, measure.seconds)
        return report, measure

    def close(self) -> None:
        """Stop the idle workers; a busy one is stopped when its message is done."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                break
            if worker is not None:
                self._retire(worker, graceful=True)
        self._idle.put(None)

    def __enter__(self) -> Inspector:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def pids(self) -> list[int]:
        with self._lock:
            return [w.pid for w in self._all if w.pid]

    # -- in-process ---------------------------------------------------------
    def _in_process(self, source: _Source, envelope_from: str | None) -> MessageReport:
        from mailbot.inspect.message import inspect_message

        if self._trust is None:
            with self._trust_lock:
                if self._trust is None:
                    from mailbot.trust import trust_store

                    self._trust = trust_store(self.rules)
        try:
            return inspect_message(source.read(), self.rules, envelope_from=envelope_from, trust=self._trust,
                                   dns=self.dns)
        except Exception as exc:
            log.exception("in-process inspection failed")
            return unreadable_report(source, failed_reason(f"{type(exc).__name__}: {exc}"[:500]))

    # -- workers ------------------------------------------------------------
    def _spawn(self) -> _Worker:
        worker = _Worker(self._ctx, self.rules, self.memory_mb, max(self.seconds * 2, self.seconds + 5),
                         cpu=self._free_cpu(), dns=self.dns)
        with self._lock:
            self._all.add(worker)
        return worker

    def _free_cpu(self) -> int | None:
        """The CPU (of those to pin to) with the fewest live workers; None when not pinning."""
        if not self._cpus:
            return None
        with self._lock:
            taken = [w.cpu for w in self._all]
        return min(self._cpus, key=lambda cpu: (taken.count(cpu), cpu))

    def _retire(self, worker: _Worker, graceful: bool) -> None:
        with self._lock:
            self._all.discard(worker)
        worker.stop(graceful=graceful)

    def _give_back(self, worker: _Worker, replace: bool, graceful: bool = False) -> None:
        if replace:
            self._retire(worker, graceful)
            with self._lock:
                closed = self._closed
            self._idle.put(None if closed else self._spawn())
        else:
            with self._lock:
                closed = self._closed
            if closed:
                self._retire(worker, graceful=True)
            self._idle.put(None if closed else worker)

    def _take(self) -> _Worker | None:
        worker = self._idle.get()
        if worker is None:
            self._idle.put(None)         # closed: let every other waiter see it too
        return worker

    def _in_worker(self, source: _Source, envelope_from: str | None,
                   started: float) -> tuple[MessageReport, Measure]:
        worker = self._take()
        if worker is None:
            return unreadable_report(source, failed_reason("the inspector is closed")), Measure("failed", 0.0)
        replace = True
        try:
            if not worker.wait_ready(START_SECONDS) or not worker.alive():
                # Not this message's fault: one fresh worker gets one more try.
                self._retire(worker, graceful=False)
                worker = self._spawn()
                if not worker.wait_ready(START_SECONDS):
                    code = worker.process.exitcode
                    return (unreadable_report(source, crashed_reason(f"worker could not start (exit code {code})")),
                            Measure("crashed", time.perf_counter() - started))
            started = time.perf_counter()     # the clock runs for the message, not the start-up
            report, measure = self._exchange(worker, source, envelope_from, started)
            replace = measure.outcome not in ("ok", "failed")
            worker.tasks += 1
            graceful = False
            if not replace and (worker.tasks >= RECYCLE_AFTER or self._swollen(measure)):
                replace, graceful = True, True
            self._give_back(worker, replace, graceful)
            worker = None
            return report, measure
        finally:
            if worker is not None:                       # an unexpected error above
                self._give_back(worker, replace=True)

    def _swollen(self, measure: Measure) -> bool:
        """A worker whose heap grew past half its budget is replaced between messages."""
        return measure.peak_rss_mb is not None and measure.peak_rss_mb > self.memory_mb / 2 + 200

    def _exchange(self, worker: _Worker, source: _Source, envelope_from: str | None,
                  started: float) -> tuple[MessageReport, Measure]:
        pid = worker.pid
        try:
            if source.path is not None:
                worker.conn.send(("inspect-file", envelope_from, source.path))
            else:
                worker.conn.send(("inspect", envelope_from, None))
                try:
                    worker.conn.send_bytes(source.raw)
                except BrokenPipeError:
                    # A worker that cannot hold the message answers "memory" and exits
                    # without reading the rest: its answer is in the pipe.
                    if not worker.conn.poll(1.0):
                        raise
            remaining = self.seconds - (time.perf_counter() - started)
            if remaining <= 0 or not worker.conn.poll(remaining):
                worker.process.kill()
                return (unreadable_report(source, timeout_reason(self.seconds)),
                        Measure("timeout", time.perf_counter() - started, worker_pid=pid))
            status, payload, worker_seconds, peak = worker.conn.recv()
        except (EOFError, OSError):
            return self._died(worker, source, started)
        seconds = time.perf_counter() - started
        if status == "ok":
            return payload, Measure("ok", seconds, worker_seconds, peak, pid)
        if status == "memory":
            return (unreadable_report(source, memory_reason(self.memory_mb)),
                    Measure("memory", seconds, worker_seconds, peak, pid))
        return (unreadable_report(source, failed_reason(str(payload))),
                Measure("failed", seconds, worker_seconds, peak, pid))

    def _died(self, worker: _Worker, source: _Source, started: float) -> tuple[MessageReport, Measure]:
        worker.process.join(5)
        code = worker.process.exitcode
        seconds = time.perf_counter() - started
        if code == -signal.SIGXCPU:
            return (unreadable_report(source, timeout_reason(self.seconds)),
                    Measure("timeout", seconds, worker_pid=worker.pid))
        if code is not None and code < 0:
            try:
                detail = f"killed by {signal.Signals(-code).name}"
            except ValueError:
                detail = f"killed by signal {-code}"
        else:
            detail = f"exit code {code}"
        return unreadable_report(source, crashed_reason(detail)), Measure("crashed", seconds, worker_pid=worker.pid)
