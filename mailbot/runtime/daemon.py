"""`mailbot run`: intake sources, the processing worker and the dispatcher, as threads.

Each thread owns its own SQLite connection. Intake sources only spool and
record, then wake the processor; the processor wakes the dispatcher. On start
the processor first finishes whatever a previous run left half-done.
"""

from __future__ import annotations

import logging
import signal
import sqlite3
import threading
import time
from pathlib import Path
from collections import deque
from concurrent.futures import Future
from typing import TYPE_CHECKING, Callable

from mailbot.config import Rules
from mailbot.runtime.notify import Notifier
from mailbot.runtime.service import Supervisor
from mailbot.util.faults import hang_point

if TYPE_CHECKING:
    from mailbot.runtime.pipeline import Job

log = logging.getLogger("mailbot.runtime.daemon")


class Worker(threading.Thread):
    """Runs `step()` whenever woken, or at least every `idle_seconds`."""

    def __init__(self, name: str, stop: threading.Event, idle_seconds: float = 30.0):
        super().__init__(name=name, daemon=True)
        self.stop_event = stop
        self.wakeup = threading.Event()
        self.idle_seconds = idle_seconds
        self._new_rules: Rules | None = None
        self.stepping_since: float | None = None   # monotonic start of the step in hand
        self.progress_at = time.monotonic()

    def progress(self) -> None:
        """Something got done inside a long step (the watchdog's sign of life)."""
        self.progress_at = time.monotonic()

    def stalled(self, now: float, limit: float) -> bool:
        """Dead while the daemon runs, or inside one step without progress for `limit` seconds."""
        if not self.is_alive():
            return self._started.is_set() and not self.stop_event.is_set()
        since = self.stepping_since
        return since is not None and now - max(since, self.progress_at) > limit

    def wake(self) -> None:
        self.wakeup.set()

    def update_rules(self, rules: Rules) -> None:
        """Take new rules at the next step boundary: nothing in hand is cut off or done twice."""
        self._new_rules = rules
        self.wake()

    def setup(self) -> None:  # runs in the thread: open connections here
        pass

    def teardown(self) -> None:  # runs in the thread: close what setup() opened
        pass

    def _take_new_rules(self) -> None:
        rules, self._new_rules = self._new_rules, None
        if rules is None:
            return
        self.teardown()
        self.rules = rules
        self.setup()
        log.info("%s: new rules in use", self.name)

    def step(self) -> float | None:
        """Do the work; return seconds until the next timed run, or None for idle_seconds."""
        raise NotImplementedError

    def run(self) -> None:
        self.setup()
        while not self.stop_event.is_set():
            self.stepping_since = time.monotonic()
            try:
                self._take_new_rules()
                delay = self.step()
            except Exception:  # noqa: BLE001 - keep the daemon going; the error is logged
                log.exception("%s failed; retrying shortly", self.name)
                delay = 5.0
            finally:
                self.stepping_since = None
            wait = self.idle_seconds if delay is None else max(0.0, min(delay, self.idle_seconds))
            self.wakeup.wait(wait)
            self.wakeup.clear()


class Processor(Worker):
    def __init__(self, rules: Rules, stop: threading.Event, on_done: Callable[[], None]):
        super().__init__("processor", stop)
        self.rules = rules
        self.on_done = on_done

    def setup(self) -> None:
        from concurrent.futures import ThreadPoolExecutor

        from mailbot.runtime.pipeline import Pipeline

        self.pipeline = Pipeline(self.rules)
        self.pipeline.warm_up()
        # Isolated inspections run in worker processes. This thread keeps `window` of them
        # in flight and registers the oldest as soon as it is ready, so no worker waits for
        # the database (pipelining, at 1 worker too) and số đến still follow receipt order.
        # In-process inspection (inspect_workers: 0) runs here, one message at a time.
        workers = self.rules.limits.inspect_workers
        self.window = 2 * workers if workers > 0 else 1
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="inspect") if workers > 0 else None

    def teardown(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)
        self.pipeline.close()

    def run(self) -> None:
        try:
            super().run()
        finally:
            if hasattr(self, "pipeline"):
                self.teardown()

    def step(self) -> float | None:
        inflight: deque[tuple[Job, Future | None]] = deque()
        # Messages that failed in this step: the others go on; these are tried again at the
        # next step, and a message that keeps failing ends in review (pipeline.MAX_ATTEMPTS).
        failed: set[int] = set()
        while not self.stop_event.is_set():
            if len(inflight) < self.window:
                self._top_up(inflight, failed)
            if not inflight:
                break
            job, future = inflight.popleft()
            try:
                report, decision = future.result() if future is not None else self.pipeline.evaluate_job(job)
                self.pipeline.finish(job, report, decision)
                hang_point("processor-step")
            except sqlite3.OperationalError:
                raise      # the database itself (locked, full disk): every message waits, none is blamed
            except Exception as exc:  # noqa: BLE001 - one poison message must not stop the others
                log.exception("message %s could not be processed (attempt %d); going on with the others",
                              job.message, job.attempt)
                self.pipeline.record_failure(job.message, exc)
                failed.add(job.message)
                continue
            finally:
                self.progress()
            self.on_done()
        # Left in flight only when stopping or on an error: those messages stay 'received'
        # and are taken up again by the next step (or the next start).
        return 5.0 if failed else None

    def _top_up(self, inflight: deque, failed: set[int]) -> None:
        busy = {job.message for job, _ in inflight}
        for message in self.pipeline.pending(limit=len(busy) + len(failed) + self.window):
            if len(inflight) >= self.window:
                break
            if message in busy or message in failed:
                continue
            job = self.pipeline.begin(message)
            if job is None:
                continue
            future = self.pool.submit(self.pipeline.evaluate_job, job) if self.pool is not None else None
            inflight.append((job, future))


class DispatchWorker(Worker):
    def __init__(self, rules: Rules, stop: threading.Event):
        super().__init__("dispatcher", stop)
        self.rules = rules
        self.busy = False   # True while a step runs: a claimed notice is in flight

    def setup(self) -> None:
        from mailbot.store import schema as db
        from mailbot.dispatch.outbox import Dispatcher

        self.dispatcher = Dispatcher(self.rules, db.connect(self.rules.db_path), keep_connection=True)

    # The relay connection stays open while notices keep coming, closed after this idle time.
    RELAY_IDLE_SECONDS = 5.0
    # Notices whose template failed are composed again this often (an administrator who
    # fixes an override template need not do anything else; `mailbot queue retry` is at once).
    RECOMPOSE_SECONDS = 300.0
    _next_recompose = 0.0

    def teardown(self) -> None:
        self.dispatcher.close()
        self.dispatcher.db.conn.close()

    def run(self) -> None:
        try:
            super().run()
        finally:
            if hasattr(self, "dispatcher"):
                self.teardown()

    def step(self) -> float | None:
        from datetime import datetime, timezone

        self.busy = True
        try:
            self._recompose_unbuilt()
            self.dispatcher.send_due()
        finally:
            self.busy = False
        waits = [self.dispatcher.close_idle(self.RELAY_IDLE_SECONDS)]
        due = self.dispatcher.next_due()
        if due is not None:
            waits.append((due - datetime.now(timezone.utc)).total_seconds())
        waits = [w for w in waits if w is not None]
        return min(waits) if waits else None


    def _recompose_unbuilt(self) -> None:
        import time

        from mailbot.dispatch.retry import retry_notices

        if time.monotonic() < self._next_recompose:
            return
        self._next_recompose = time.monotonic() + self.RECOMPOSE_SECONDS
        retry_notices(self.rules, self.dispatcher.db, include_failed=False)


class OcrWorker(Worker):
    """Reads scanned documents after registration (see mailbot/ocr_queue.py)."""

    def __init__(self, rules: Rules, stop: threading.Event, on_done: Callable[[], None]):
        super().__init__("ocr", stop)
        self.rules = rules
        self.on_done = on_done
        self.runner = None

    def setup(self) -> None:
        from mailbot.store import schema as db
        from mailbot.runtime.ocr_queue import OcrRunner, requeue_interrupted

        conn = db.connect(self.rules.db_path)
        requeue_interrupted(conn)
        self.runner = OcrRunner(self.rules, conn)

    def teardown(self) -> None:
        if self.runner is not None:
            self.runner.close()
            self.runner.db.conn.close()
            self.runner = None

    def run(self) -> None:
        try:
            super().run()
        finally:
            self.teardown()

    def step(self) -> float | None:
        while not self.stop_event.is_set() and self.runner.run_one():
            self.on_done()
        return None


class RetentionWorker(Worker):
    """Removes raw messages past storage.keep_raw_days once nothing waits for them, hourly."""

    def __init__(self, rules: Rules, stop: threading.Event):
        super().__init__("retention", stop, idle_seconds=3600)
        self.rules = rules

    def step(self) -> float | None:
        from mailbot.runtime.datakeeping import remove_old_raw
        from mailbot.store import schema as db

        conn = db.connect(self.rules.db_path)     # hourly: not worth keeping open
        try:
            remove_old_raw(self.rules, conn)
        finally:
            conn.conn.close()
        return None


class Daemon:
    def __init__(self, rules: Rules, config_path: Path | None = None, notifier: Notifier | None = None):
        """`config_path`: the rules file, reloaded on SIGHUP and when it changes (none: fixed rules).
        `notifier`: how systemd is told (none: not under systemd)."""
        self.rules = rules
        self.supervisor = Supervisor(notifier or Notifier(None), self._workers, self._counts,
                                     len(rules.mailboxes), [m.id for m in rules.mailboxes if m.imap is not None])
        self.config_path = config_path
        self.stop_event = threading.Event()
        self.rules_watcher = None
        if config_path is not None:
            from mailbot.runtime.reload import RulesWatcher

            # Made now, started once everything runs: a SIGHUP in between is kept, not lost.
            self.rules_watcher = RulesWatcher(config_path, rules, self.apply_rules, self.stop_event,
                                              after_reload=self.supervisor.reloaded)
        self.dispatcher = DispatchWorker(rules, self.stop_event)
        self.ocr = OcrWorker(rules, self.stop_event, self.dispatcher.wake) if rules.ocr.enabled else None
        self.processor = Processor(rules, self.stop_event, self._processed)
        self.reports = None
        if rules.reports.schedules:
            from mailbot.runtime.report_worker import ReportWorker

            self.reports = ReportWorker(rules, self.stop_event)
        self.retention = RetentionWorker(rules, self.stop_event) if rules.storage.keep_raw_days else None
        self.smtp = None
        self.watchers: list[threading.Thread] = []
        self.desks: list[threading.Thread] = []      # the clerk's action folders, one per IMAP mailbox

    def _processed(self) -> None:
        self.dispatcher.wake()
        if self.ocr is not None:
            self.ocr.wake()

    def _workers(self) -> list[Worker]:
        return [w for w in (self.processor, self.dispatcher, self.ocr, self.reports, self.retention)
                if w is not None]

    def start(self) -> None:
        from mailbot.runtime.pipeline import Pipeline

        Pipeline(self.rules)   # creates the database and books before any thread needs them
        for worker in self._workers():
            worker.start()
        if self.rules.smtp_intake is not None:
            from mailbot.intake.smtp import SmtpIntake

            self.smtp = SmtpIntake(self.rules, self.processor.wake, self._pipeline)
            self.smtp.start()
        self.supervisor.listening = True      # the listener is bound (or there is none)
        self._start_imap()
        if self.rules_watcher is not None:
            self.rules_watcher.start()
        log.info("mailbot running: %d mailbox(es), SMTP intake %s, notices via %s",
                 len(self.rules.mailboxes),
                 "on" if self.smtp else "off",
                 f"{self.rules.smtp.host}:{self.rules.smtp.port}" if self.rules.smtp else self.rules.outbox_dir)

    def apply_rules(self, rules: Rules) -> None:
        """New valid rules: each worker takes them at its next step boundary."""
        self.rules = rules
        for worker in self._workers():
            worker.update_rules(rules)

    def request_reload(self) -> None:
        if self.rules_watcher is not None:
            self.supervisor.reloading()
            self.rules_watcher.request()

    def _counts(self) -> tuple[int, int]:
        """(messages waiting, notices not yet sent), for the STATUS line."""
        from mailbot.store import messages, outbox, schema as db

        conn = db.connect(self.rules.db_path)
        try:
            unsent = sum(n for state, n in outbox.counts_by_state(conn).items() if state != "sent")
            return messages.count_waiting(conn), unsent
        finally:
            conn.close()

    def _pipeline(self):
        """A pipeline for an intake thread (each thread its own SQLite connection)."""
        from mailbot.runtime.pipeline import Pipeline

        return Pipeline(self.rules)

    def _start_imap(self) -> None:
        imap_boxes = [m for m in self.rules.mailboxes if m.imap is not None]
        if not imap_boxes:
            return
        from mailbot.runtime import health as status
        from mailbot.intake.imap import start_watchers

        data_dir = self.rules.data_dir

        def write_status(record: dict) -> None:      # each watcher's health file, read by `mailbot status`
            self.supervisor.mailbox_record(record)
            status.write_status(data_dir, record["mailbox"], record)

        self.watchers = start_watchers(self.rules, imap_boxes, self.processor.wake, self.stop_event,
                                       pipeline_factory=self._pipeline, status_writer=write_status)
        from mailbot.intake.imap.desk import start_desks

        # The clerk's action folders: their own connection per mailbox (runtime/desk.py acts).
        self.desks = start_desks(self.rules, self.dispatcher.wake, self.stop_event, desk_factory=self._desk)

    def _desk(self):
        from mailbot.runtime.desk import Desk

        return Desk(self._pipeline())

    def stop(self) -> None:
        self.stop_event.set()
        if self.smtp is not None:
            self.smtp.stop()
        for worker in self._workers():
            worker.wake()
        for thread in (*self._workers(), *self.watchers, *self.desks):
            thread.join(timeout=10)
        log.info("mailbot stopped")

    def wait_settled(self, timeout: float = 30.0) -> bool:
        """Block until no message waits for processing and no notice is due (demo, tests)."""
        import time
        from datetime import datetime, timezone

        from mailbot.store import messages, schema as db

        conn = db.connect(self.rules.db_path)
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                now = datetime.now(timezone.utc).isoformat()
                sending = self.dispatcher.busy
                busy = messages.unfinished_work(conn, now)
                if not (busy or sending or self.dispatcher.busy):
                    return True
                for worker in self._workers():
                    worker.wake()
                time.sleep(0.05)
            return False
        finally:
            conn.close()

    def run_forever(self) -> None:
        def _signal(signum, _frame):
            log.info("signal %s: stopping", signal.Signals(signum).name)
            self.stop_event.set()

        def _reload(signum, _frame):
            log.info("signal SIGHUP: reloading the rules")
            self.request_reload()

        signal.signal(signal.SIGTERM, _signal)
        signal.signal(signal.SIGINT, _signal)
        signal.signal(signal.SIGHUP, _reload)
        self.start()
        # Wake up now and then: a signal the kernel hands to another thread only sets a flag,
        # which the main thread acts on when it next runs Python code. The watchdog is fed
        # from here only, so a hung main loop stops it (runtime/service.py).
        while not self.stop_event.wait(0.5):
            self.supervisor.tick()
            hang_point("main-loop")
        self.supervisor.stopping()
        self.stop()
