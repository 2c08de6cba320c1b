"""The IMAP watcher: one thread and one connection per mailbox; connect, IDLE or poll, sync, move.

The design (exactly-once through crashes, the order of steps per message) is
described in the package's docstring, `mailbot/intake/imap/__init__.py`. The
pure decisions live in `plan`, the database state in `state`, the server
commands (connect, folders, fetch, move) in `client`, the health record in
`health`.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from typing import Any, Callable, Protocol, Sequence

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from mailbot.store import schema as dbmod
from mailbot.store.imap import FolderState, committed_outcome, ensure_schema
from mailbot.util.faults import crash_point
from mailbot.intake.imap.client import (ImapProtocolError, Vanished, close_client, fetch_pieces, fetch_sizes_and_dates, flag_and_move,
                     open_client, peek_header, prepare_folders)
from mailbot.intake.imap.health import Health, StatusReporter, WatcherStatus
from mailbot.intake.imap.plan import (Backoff, Folders, ImapConfigError, ImapOptions, aware, chunks, is_bye, is_wakeup, nfc, now_text,
                   plan_batches, target_folder, uid_set, uids_after)

log = logging.getLogger("mailbot.intake.imap")

GAP_CHECK_SECONDS = 1.0               # first, short IDLE after each sync (see _idle_loop)
HEADER_PEEK_BYTES = 64 * 1024          # what we read of an over-size message
STREAM_CHUNK_BYTES = 4 * 1024 * 1024   # a message bigger than this is fetched in pieces of this size


# -- what we need from the pipeline ---------------------------------------------

class ReceivedLike(Protocol):
    message: int
    sha256: str
    duplicate: bool


class PipelineLike(Protocol):
    def receive(self, raw: bytes, *, source: str, delivered_at: datetime, mailbox: str | None = None,
                envelope_from: str | None = None, envelope_to: Sequence[str] = ()) -> ReceivedLike: ...

    def process(self, message: int) -> str | None: ...

    # Optional: def receive_oversize(self, *, mailbox, size, delivered_at, summary_headers, source) -> ReceivedLike
    # Optional: def receive_stream(self, chunks, *, source, delivered_at, mailbox) -> ReceivedLike (big messages)


# -- the watcher ----------------------------------------------------------------

class ImapWatcher:
    """Watches one mailbox; `run()` blocks until `stop` is set. One thread, one connection.

    `report_status(record)` receives the watcher's health record (a dict of
    `WatcherStatus`) on every change, e.g. to write the file `mailbot status`
    reads; by default it goes nowhere (`status()` still answers).
    """

    def __init__(self, rules: Any, mailbox: Any, pipeline_factory: Callable[[], PipelineLike],
                 on_processed: Callable[[], None] | None = None, stop: threading.Event | None = None,
                 *, options: ImapOptions | None = None, process_inline: bool = True,
                 report_status: StatusReporter | None = None):
        if mailbox.imap is None:
            raise ImapConfigError(f"mailbox {mailbox.id!r} has no imap: settings")
        self.rules = rules
        self.mailbox = mailbox
        self.imap = mailbox.imap
        self.pipeline_factory = pipeline_factory
        # process_inline=True: the watcher calls pipeline.process() itself and then
        # `on_processed` (e.g. to wake the dispatcher). False (the daemon, which has
        # its own processor thread): the watcher only receives, calls `on_processed`
        # to wake that processor, and moves each source once its decision is committed.
        self.on_processed = on_processed or (lambda: None)
        self.process_inline = process_inline
        self._waiting = 0
        self._exists_mark = 0
        self._stuck: set[int] = set()      # decided, but the server refused the move: retried at re-issue
        self.stop = stop or threading.Event()
        self.options = options or ImapOptions.from_rules(rules, mailbox.imap)
        self.folder_key = nfc(self.imap.inbox)
        self.client: IMAPClient | None = None
        self.folders: Folders | None = None
        self.keywords_allowed = False
        self.pipeline: PipelineLike | None = None
        self.db = None
        self.state: FolderState | None = None
        self.log = logging.LoggerAdapter(log, {"mailbox": mailbox.id})
        self.health = Health(WatcherStatus(mailbox=mailbox.id, address=mailbox.address, host=self.imap.host),
                             report_status, self.log)

    # -- public ---------------------------------------------------------------
    def run(self) -> None:
        """Connect, sync, wait for mail; reconnect with backoff on any failure; return on stop."""
        backoff = Backoff(self.options.backoff_initial_seconds, self.options.backoff_max_seconds)
        self.health.publish()
        try:
            while not self.stop.is_set():
                try:
                    self._open_storage()
                    self._session(backoff)
                except Exception as exc:  # one mailbox failing must never end its thread
                    self._disconnect()
                    if self.stop.is_set():
                        break
                    if isinstance(exc, (ImapConfigError, LoginError)):
                        backoff.exhaust()     # retrying soon cannot fix a setting or a password
                    delay = backoff.next()
                    self.health.error(exc, f"retrying in {delay:.1f}s")
                    self.stop.wait(delay)
        finally:
            self._disconnect()
            self.health.update(connected=False, mode=None)
            if self.db is not None:
                self.db.conn.close()
            self.log.info("IMAP watcher of mailbox %s stopped", self.mailbox.id)

    def _open_storage(self) -> None:
        """Our own database connection and pipeline (each watcher thread has its own)."""
        if self.db is None:
            db = dbmod.connect(self.rules.db_path)
            ensure_schema(db)
            self.db = db
            self.state = FolderState(db, self.mailbox.id, self.folder_key)
        if self.pipeline is None:
            self.pipeline = self.pipeline_factory()

    def status(self) -> dict[str, Any]:
        return self.health.snapshot()

    # -- one connection's life -------------------------------------------------
    def _session(self, backoff: Backoff) -> None:
        imap = self.imap
        self.log.info("connecting to %s:%s for mailbox %s (%s)", imap.host, imap.port, self.mailbox.id, imap.tls)
        self.client = open_client(imap, self.options)
        self._stuck.clear()
        wanted = {"inbox": imap.inbox, **{k: getattr(self.mailbox.folders, k) for k in ("done", "refused", "review")}}
        self.folders = prepare_folders(self.client, wanted, mailbox=self.mailbox.id, log=self.log)
        idle = self.options.use_idle and self.client.has_capability("IDLE")
        self.health.update(connected=True, mode="idle" if idle else "poll")
        self.log.info("mailbox %s connected; watching %r with %s", self.mailbox.id, self.folders.inbox,
                      "IDLE" if idle else f"polling every {self.options.poll_seconds:g}s")
        self.sync()
        backoff.reset()
        if idle:
            self._idle_loop()
        else:
            self._poll_loop()

    def _disconnect(self) -> None:
        client, self.client = self.client, None
        close_client(client)
        self.health.update(connected=False)

    def _idle_loop(self) -> None:
        client = self.client
        assert client is not None
        # Dovecot's IDLE reports only changes made after IDLE began (mail that
        # lands between the end of a sync and the IDLE command is told at DONE),
        # and mail arriving less than ~0.5 s before DONE is told by neither IDLE
        # nor DONE, only by the next command. So every IDLE after a sync first
        # runs for GAP_CHECK_SECONDS and is ended with DONE + NOOP; if neither
        # brings news, the long IDLE follows at once.
        after_sync = True
        while not self.stop.is_set():
            client.idle()
            seconds = GAP_CHECK_SECONDS if after_sync else self.options.idle_timeout_seconds
            responses = self._wait_in_idle(client, seconds)
            done = client.idle_done()
            responses += list(done[1] or [])
            self.log.debug("mailbox %s: %s IDLE ended: %s", self.mailbox.id,
                           "short" if after_sync else "long", responses)
            if any(is_bye(r) for r in responses):
                raise ImapProtocolError(f"server said BYE: {responses}")
            if self.stop.is_set():
                return
            if after_sync and not responses:
                responses = list(client.noop()[1] or [])
                if not any(is_wakeup(r) or is_bye(r) for r in responses) and not self._decisions_ready():
                    after_sync = False
                    continue
            # A wake-up, a re-issue or a doubtful socket: in every case look for mail.
            if not after_sync:
                self._stuck.clear()          # after a long wait, try refused moves again
            self.sync()
            after_sync = True

    def _wait_in_idle(self, client: IMAPClient, seconds: float) -> list:
        """Block in IDLE until new mail, `seconds` passed, a BYE, a dead socket or stop."""
        deadline = time.monotonic() + seconds
        collected: list = []
        while not self.stop.is_set():
            if time.monotonic() >= deadline:
                break
            if self._decisions_ready():
                break
            started = time.monotonic()
            step = 0.25 if self._waiting and not self.process_inline else 1.0
            wait = min(step, max(0.05, deadline - started))
            responses = client.idle_check(timeout=wait)
            collected += responses
            if any(is_wakeup(r) or is_bye(r) for r in responses):
                break
            if not responses and time.monotonic() - started < wait / 2:
                # Readable but nothing parsed: EOF or a partial line. DONE will tell which.
                break
        return collected

    def _poll_loop(self) -> None:
        client = self.client
        assert client is not None
        while not self.stop.is_set():
            deadline = time.monotonic() + self.options.poll_seconds
            while not self.stop.is_set() and time.monotonic() < deadline and not self._decisions_ready():
                self.stop.wait(min(0.25, max(0.0, deadline - time.monotonic())))
            if self.stop.is_set():
                return
            if time.monotonic() >= deadline:
                self._stuck.clear()          # a full interval passed: try refused moves again
            client.noop()
            self.sync()

    def _decisions_ready(self) -> bool:
        """Has the processor decided a message whose source still waits to be moved?"""
        if self.process_inline or not self._waiting or self.state is None:
            return False
        return any(uid not in self._stuck for uid in self.state.decided_waiting())

    # -- sync ------------------------------------------------------------------
    def sync(self) -> int:
        """Take in everything not yet seen in the watched folder; return how many messages were handled.

        Repeats while it finds something, so mail that arrived during a sync is
        not left waiting for the next wake-up.
        """
        total = 0
        while not self.stop.is_set():
            handled = self._sync_once()
            total += handled
            if handled == 0 and not self._new_mail_announced():
                break
        return total

    def _exists_reports(self) -> int | None:
        """How many EXISTS reports imaplib has filed away on this connection (None: cannot tell)."""
        untagged = getattr(getattr(self.client, "_imap", None), "untagged_responses", None)
        return len(untagged.get("EXISTS", ())) if isinstance(untagged, dict) else None

    def _new_mail_announced(self) -> bool:
        """Did an EXISTS arrive with the answer to one of our commands since the SELECT?

        Dovecot reports mail that arrived while a command ran just before that
        command's tagged OK; imaplib files such reports away, and the server
        will not repeat them in IDLE. Without this check that mail would wait
        for the next IDLE re-issue.
        """
        reports = self._exists_reports()
        return reports is not None and reports > self._exists_mark

    def _sync_once(self) -> int:
        client, folders, state = self.client, self.folders, self.state
        assert client is not None and folders is not None and state is not None
        info = client.select_folder(folders.inbox)
        self._exists_mark = self._exists_reports() or 0
        uidvalidity = int(info[b"UIDVALIDITY"])
        self.keywords_allowed = b"\\*" in (info.get(b"PERMANENTFLAGS") or ())
        last_seen = self._load_state(uidvalidity)
        pending = state.waiting_to_move(uidvalidity)
        handled = 0
        if pending:
            handled += self._finish_pending(uidvalidity, pending)
        uidnext = info.get(b"UIDNEXT")
        new: list[int] = []
        if uidnext is None or int(uidnext) > last_seen + 1:
            new = uids_after(client.search(["UID", f"{last_seen + 1}:*"]), last_seen)
        self.health.update(waiting=len(new) + len(state.waiting_to_move(uidvalidity)))
        if new:
            self.log.info("mailbox %s: %d new message(s) in %r", self.mailbox.id, len(new), folders.inbox)
            handled += self._take_in(uidvalidity, new)
            if not self.process_inline:
                self._notify()              # the processor thread takes it from here
        waiting = len(state.waiting_to_move(uidvalidity))
        self._waiting = waiting
        self.health.update(last_sync=now_text(), waiting=waiting, uidvalidity=uidvalidity,
                           **({"errors_in_row": 0} if waiting == 0 else {}))
        return handled

    def _load_state(self, uidvalidity: int) -> int:
        """The UID high-water mark for this UIDVALIDITY (0 on a first sync or after a change)."""
        assert self.state is not None
        known = self.state.known()
        if known is not None and known[0] == uidvalidity:
            return known[1]
        if known is None:
            self.log.info("mailbox %s: first sync of %r (UIDVALIDITY %d)",
                          self.mailbox.id, self.folder_key, uidvalidity)
            self.state.start(uidvalidity)
        else:
            self.log.warning("mailbox %s: UIDVALIDITY of %r changed from %s to %d: reading the folder "
                             "again and matching messages by content hash (nothing is registered twice)",
                             self.mailbox.id, self.folder_key, known[0], uidvalidity)
            self.state.change_uidvalidity(uidvalidity)
        return 0

    # -- taking messages in ----------------------------------------------------
    def _take_in(self, uidvalidity: int, uids: list[int]) -> int:
        assert self.state is not None and self.client is not None
        meta = fetch_sizes_and_dates(self.client, uids)
        sizes = {uid: int(m[b"RFC822.SIZE"]) for uid, m in meta.items() if b"RFC822.SIZE" in m}
        streaming = getattr(self.pipeline, "receive_stream", None) is not None
        plan = plan_batches(uids, sizes, limit=self.options.max_message_bytes,
                            max_count=self.options.batch_size, max_bytes=self.options.batch_bytes,
                            stream_above=STREAM_CHUNK_BYTES if streaming else None)
        handled = 0
        for kind, batch in plan:
            if self.stop.is_set():
                break
            if kind == "oversize":
                uid = batch[0]
                self._take_oversize(uidvalidity, uid, sizes[uid], meta[uid].get(b"INTERNALDATE"))
                handled += 1
            elif kind == "stream":
                handled += self._take_streamed(uidvalidity, batch[0], meta[batch[0]].get(b"INTERNALDATE"))
            else:
                handled += self._take_batch(uidvalidity, batch, meta)
        # UIDs that vanished between SEARCH and FETCH are past us too.
        if uids and not self.stop.is_set():
            self.state.advance(uidvalidity, max(uids))
        return handled

    def _take_batch(self, uidvalidity: int, batch: list[int], meta: dict[int, dict]) -> int:
        """One body FETCH of a batch of explicit UIDs; returns how many were taken in."""
        client = self.client
        assert client is not None
        bodies = client.fetch(batch, ["BODY.PEEK[]", "INTERNALDATE"])
        handled = 0
        for uid in batch:
            data = bodies.get(uid)
            if data is None or b"BODY[]" not in data:
                self.log.warning("mailbox %s: UID %d vanished before it was read", self.mailbox.id, uid)
                continue
            when = data.get(b"INTERNALDATE") or meta[uid].get(b"INTERNALDATE")
            self._take_one(uidvalidity, uid, bytes(data[b"BODY[]"]), when)
            handled += 1
        return handled

    def _take_one(self, uidvalidity: int, uid: int, raw: bytes, when: datetime | None) -> None:
        assert self.pipeline is not None
        received = self.pipeline.receive(raw, source="imap", delivered_at=aware(when),
                                         mailbox=self.mailbox.id)
        self._took(uidvalidity, uid, received)

    def _take_streamed(self, uidvalidity: int, uid: int, when: datetime | None) -> int:
        """A big message: fetched in pieces written straight to the spool (never whole in
        memory). Returns 1 when taken in, 0 when the UID vanished meanwhile."""
        assert self.pipeline is not None and self.client is not None
        pieces = fetch_pieces(self.client, uid, STREAM_CHUNK_BYTES)
        try:
            received = self.pipeline.receive_stream(pieces, source="imap", delivered_at=aware(when),
                                                    mailbox=self.mailbox.id)
        except Vanished:
            self.log.warning("mailbox %s: UID %d vanished while it was read", self.mailbox.id, uid)
            return 0
        self._took(uidvalidity, uid, received)
        return 1

    def _took(self, uidvalidity: int, uid: int, received: ReceivedLike) -> None:
        assert self.state is not None
        crash_point("imap-after-receive")
        self.state.record_seen(uidvalidity, uid, received.message)
        if received.duplicate:
            self.log.info("mailbox %s: UID %d is message %d already received (same content)",
                          self.mailbox.id, uid, received.message)
        if self.process_inline:
            self._complete(uidvalidity, uid, received.message)

    def _take_oversize(self, uidvalidity: int, uid: int, size: int, when: datetime | None) -> None:
        """Record an over-size message from its header only, and send it to review."""
        assert self.client is not None and self.pipeline is not None
        assert self.folders is not None and self.state is not None
        self.log.warning("mailbox %s: UID %d is %d bytes, over the %d-byte limit: not downloaded",
                         self.mailbox.id, uid, size, self.options.max_message_bytes)
        headers = peek_header(self.client, uid, HEADER_PEEK_BYTES)
        receive_oversize = getattr(self.pipeline, "receive_oversize", None)
        if receive_oversize is None:
            self.log.error("mailbox %s: the pipeline cannot record over-size messages; "
                           "UID %d goes to %r unregistered", self.mailbox.id, uid, self.folders.review)
            self._move([uid], self.folders.review)
            self.state.record_seen(uidvalidity, uid, None, moved_to=self.folders.review)
            return
        received = receive_oversize(mailbox=self.mailbox.id, size=size, delivered_at=aware(when),
                                    summary_headers=headers, source="imap")
        self.state.record_seen(uidvalidity, uid, received.message)
        if self.process_inline:
            self._complete(uidvalidity, uid, received.message)

    # -- finishing: decision committed → flag and move the source -------------------
    def _complete(self, uidvalidity: int, uid: int, message: int) -> bool:
        """Register (inline mode; idempotent), then flag and move the source. False when it must wait."""
        ready = self._ready(uid, message)
        return ready is not None and self._move_all(uidvalidity, ready[0], [(uid, message, ready[1])]) == 1

    def _ready(self, uid: int, message: int) -> tuple[str, str] | None:
        """(target folder, outcome) of a registered message; None while it must wait."""
        assert self.pipeline is not None
        try:
            if self.process_inline:
                self.pipeline.process(message)
            outcome = committed_outcome(self.db, message)
        except Exception as exc:
            self.health.error(exc, f"processing message {message} (UID {uid}) failed; it stays in the inbox")
            self.log.exception("mailbox %s: processing message %d failed", self.mailbox.id, message)
            return None
        if outcome is None:
            if self.process_inline:
                self.log.warning("mailbox %s: message %d (UID %d) has no outcome yet; left in place",
                                 self.mailbox.id, message, uid)
            return None
        assert self.folders is not None
        return target_folder(outcome, self.folders), outcome

    def _move_all(self, uidvalidity: int, target: str, items: list[tuple[int, int, str]]) -> int:
        """Flag and move (uid, message, outcome) items to `target` with one command; one by
        one when the server refuses the set, so one bad message does not hold the others.
        Returns how many were moved."""
        assert self.state is not None
        uids = [uid for uid, _m, _o in items]
        crash_point("imap-before-move")
        try:
            self._move(uids, target)
        except IMAPClientError as exc:
            # The server said NO (quota, ACL…): the message stays pending, the others go on.
            # Connection errors are not caught here: they end the session and reconnect.
            if len(items) > 1:
                return sum(self._move_all(uidvalidity, target, [item]) for item in items)
            self.health.error(exc, f"moving UID {uids[0]} to {target!r} failed; retried at the next sync")
            self._stuck.add(uids[0])
            return 0
        crash_point("imap-after-move")
        self.state.mark_moved(uidvalidity, uids, target)
        for uid, message, outcome in items:
            self.health.moved_one()
            self.log.info("mailbox %s: UID %d → message %d: %s, moved to %r",
                          self.mailbox.id, uid, message, outcome, target)
        if self.process_inline:
            self._notify()
        return len(items)

    def _notify(self) -> None:
        try:
            self.on_processed()
        except Exception:
            self.log.exception("mailbox %s: on_processed callback failed", self.mailbox.id)

    def _finish_pending(self, uidvalidity: int, pending: list[tuple[int, int | None]]) -> int:
        """Rows received but not yet moved (a crash or an error came between): finish them."""
        client = self.client
        assert client is not None and self.state is not None
        uids = [uid for uid, _m in pending]
        present: set[int] = set()
        for chunk in chunks(uids, 500):
            present.update(uids_after(client.search(["UID", uid_set(chunk)]), 0))
        # Moves are grouped by target folder: one STORE and one MOVE per folder, not per message.
        ready: dict[str, list[tuple[int, int, str]]] = {}
        for uid, message in pending:
            if uid not in present:
                self.log.info("mailbox %s: UID %d is no longer in the inbox (already moved)",
                              self.mailbox.id, uid)
                self.state.mark_gone(uidvalidity, uid)
                continue
            if message is None:
                continue
            found = self._ready(uid, message)
            if found is not None:
                ready.setdefault(found[0], []).append((uid, message, found[1]))
        return sum(self._move_all(uidvalidity, target, items) for target, items in ready.items())

    # -- acknowledging on the server ---------------------------------------------
    def _move(self, uids: list[int], target: str) -> None:
        """Flag the sources with our keyword (when allowed) and move them; never a bare EXPUNGE."""
        assert self.client is not None
        flag_and_move(self.client, uids, target, keyword=self.options.keyword if self.keywords_allowed else None,
                      mailbox=self.mailbox.id, log=self.log)


def start_watchers(rules: Any, mailboxes: Sequence[Any] | None, on_processed: Callable[[], None] | None,
                   stop: threading.Event, *, pipeline_factory: Callable[[], PipelineLike],
                   options: ImapOptions | None = None, process_inline: bool = False,
                   status_writer: StatusReporter | None = None) -> list[threading.Thread]:
    """Start one daemon thread per mailbox with `imap:` set; the caller sets `stop` and joins.

    Each thread has a `.watcher` attribute (its ImapWatcher, for `.status()`).
    With `process_inline=False` (the default here: the daemon has a processor
    thread) watchers only receive and call `on_processed` to wake the processor;
    each source is moved once its decision is committed. With True they process
    themselves and call `on_processed` afterwards (wake the dispatcher).
    `status_writer(record)` gets every watcher's health record (its "mailbox"
    key tells whose), e.g. to write the files `mailbot status` reads.
    """
    factory = pipeline_factory   # the runtime's pipeline: intake itself never imports it
    threads = []
    for mailbox in (rules.mailboxes if mailboxes is None else mailboxes):
        if mailbox.imap is None:
            continue
        watcher = ImapWatcher(rules, mailbox, factory, on_processed, stop, options=options,
                              process_inline=process_inline, report_status=status_writer)
        thread = threading.Thread(target=watcher.run, name=f"imap-{mailbox.id}", daemon=True)
        thread.watcher = watcher  # type: ignore[attr-defined]
        thread.start()
        threads.append(thread)
    return threads
