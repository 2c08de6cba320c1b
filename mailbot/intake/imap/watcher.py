"""IMAP intake: one watcher per mailbox, push via IDLE, exactly-once through crashes.

Each `ImapWatcher` owns one connection to one mailbox and runs in its own
thread with its own database connection. IDLE is only a wake-up call: on every
wake-up, every IDLE re-issue and every (re)connect the watcher runs a UID-based
sync of the inbox folder, so a lost notification or a crash never loses mail.

Per message, in UID order (the order of receipt):

1. sizes and INTERNALDATE are fetched first; a message over the size limit is
   never downloaded (only its first 64 KiB of header), it goes to review;
2. bodies are fetched with BODY.PEEK[] in bounded batches of explicit UIDs;
3. `pipeline.receive()` spools and records the raw bytes (after it returns
   nothing can be lost), then `imap_seen` records (mailbox, folder,
   UIDVALIDITY, UID) → message and `imap_folders.last_seen_uid` advances;
4. `pipeline.process()` registers the message in one transaction — called by
   the watcher itself (process_inline=True) or by the daemon's processor
   thread, which the watcher wakes (process_inline=False, `start_watchers`);
5. only once `messages.state` shows the committed decision is the source
   flagged ($MailbotDone when the server takes keywords) and moved (MOVE, else
   COPY + \\Deleted + UID EXPUNGE of that UID only, never a bare EXPUNGE), and
   `imap_seen.moved_to` is set.

A crash between any two steps is repaired on restart: receive() of the same
bytes returns the same row, process() is idempotent, and rows of `imap_seen`
without `moved_to` are finished first. A changed UIDVALIDITY resets the UID
high-water mark: the folder is read again and every message is matched to its
existing row by content hash (receive() → duplicate), never registered twice.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import random
import socket
import ssl
import threading
import time
import unicodedata
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable, Protocol, Sequence

from imapclient import IMAPClient, SocketTimeout
from imapclient.exceptions import IMAPClientError, LoginError

from .. import db as dbmod
from .. import status as statusmod
from ..faults import crash_point
from ..tlsutil import client_context

log = logging.getLogger("mailbot.intake.imap")

KEYWORD = "$MailbotDone"
MAX_IDLE_SECONDS = 29 * 60 - 60        # RFC 2177: re-issue IDLE before 29 minutes
GAP_CHECK_SECONDS = 1.0               # first, short IDLE after each sync (see _idle_loop)
HEADER_PEEK_BYTES = 64 * 1024          # what we read of an over-size message
STREAM_CHUNK_BYTES = 4 * 1024 * 1024   # a message bigger than this is fetched in pieces of this size
GONE = "(gone)"                        # imap_seen.moved_to: the source vanished before we moved it

STATE_SCHEMA = """
CREATE TABLE IF NOT EXISTS imap_folders (
    mailbox TEXT NOT NULL,              -- configured mailbox id
    folder TEXT NOT NULL,               -- watched folder, NFC
    uidvalidity INTEGER NOT NULL,
    last_seen_uid INTEGER NOT NULL DEFAULT 0,   -- every UID up to here is in imap_seen (or vanished)
    previous_uidvalidity INTEGER,       -- the one before the last change, for the record
    updated_at TEXT NOT NULL,
    PRIMARY KEY (mailbox, folder)
);
-- Only the sources still to be moved: looked up on every sync and IDLE step, while a busy
-- mailbox has seen 100,000 UIDs in a year (the index it replaces served the lookup without
-- a UIDVALIDITY only by scanning them all: 10 ms each time).
DROP INDEX IF EXISTS imap_seen_pending;
CREATE INDEX IF NOT EXISTS imap_seen_waiting ON imap_seen(mailbox, folder, uidvalidity, uid)
    WHERE moved_to IS NULL;
"""

# The sources not yet moved, and those of them the processor has decided.
NOT_MOVED_SQL = ("SELECT uid, message FROM imap_seen WHERE mailbox=? AND folder=? AND uidvalidity=? "
                 "AND moved_to IS NULL ORDER BY uid")
DECIDED_NOT_MOVED_SQL = ("SELECT s.uid FROM imap_seen s JOIN messages m ON m.id = s.message "
                         "WHERE s.mailbox=? AND s.folder=? AND s.moved_to IS NULL AND m.state != 'received' "
                         "LIMIT 100")


class _Vanished(Exception):
    """The message was expunged while it was being fetched."""


class ImapConfigError(Exception):
    """The mailbox settings cannot work (e.g. plaintext to a remote host). Not retried quickly."""


class ImapProtocolError(Exception):
    """The server broke the conversation (BYE, dead connection, unexpected answer)."""


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


# -- tunables -------------------------------------------------------------------

@dataclass(frozen=True)
class ImapOptions:
    """Tunables of one watcher. Read from `ImapSettings` when it has the field, else defaults."""

    cafile: str | None = None                  # extra CA for the server certificate (private PKI, tests)
    use_idle: bool = True                      # False forces polling even when IDLE is offered
    idle_timeout_seconds: float = 600          # IDLE re-issued (and a sync run) at least this often
    poll_seconds: float = 60                   # polling interval when the server has no IDLE
    batch_size: int = 50                       # messages per body FETCH
    batch_bytes: int = 32 * 1024 * 1024        # bytes per body FETCH (at least one message)
    connect_timeout_seconds: float = 15
    read_timeout_seconds: float = 60
    backoff_initial_seconds: float = 1
    backoff_max_seconds: float = 300
    max_message_bytes: int = 40 * 1024 * 1024  # over this: not downloaded, goes to review
    keyword: str = KEYWORD

    @classmethod
    def from_rules(cls, rules: Any, imap: Any) -> "ImapOptions":
        values: dict[str, Any] = {}
        limits = getattr(rules, "limits", None)
        if limits is not None and getattr(limits, "max_message_bytes", None):
            values["max_message_bytes"] = limits.max_message_bytes
        for f in fields(cls):
            value = getattr(imap, f.name, None)
            if value is not None:
                values[f.name] = value
        options = cls(**values)
        return options.checked()

    def checked(self) -> "ImapOptions":
        if not 1 <= self.idle_timeout_seconds <= MAX_IDLE_SECONDS:
            raise ImapConfigError(f"idle_timeout_seconds must be between 1 and {MAX_IDLE_SECONDS} "
                                  "(IDLE must be re-issued before 29 minutes)")
        if self.batch_size < 1 or self.batch_bytes < 1 or self.poll_seconds <= 0:
            raise ImapConfigError("batch_size, batch_bytes and poll_seconds must be positive")
        return self


# -- pure helpers ---------------------------------------------------------------

def is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_transport(imap: Any) -> None:
    """Plaintext IMAP is refused unless `tls: none` is set for a loopback host."""
    if imap.tls == "none" and not is_loopback(imap.host):
        raise ImapConfigError(
            f"plaintext IMAP to {imap.host} is refused: use tls: implicit (port 993) or "
            "tls: starttls; tls: none is allowed only for a loopback host (127.0.0.1, ::1)")


def tls_context(cafile: str | None) -> ssl.SSLContext:
    return client_context(cafile)


def nfc(name: str) -> str:
    return unicodedata.normalize("NFC", name)


def same_folder(a: str, b: str) -> bool:
    """Folder names compared the way a person reads them: NFC, INBOX case-insensitive."""
    if a.upper() == "INBOX" or b.upper() == "INBOX":
        return a.upper() == b.upper()
    return nfc(a) == nfc(b)


def match_folder(wanted: str, existing: Iterable[str]) -> str | None:
    """The server's own spelling of `wanted` (NFC/NFD-insensitive), or None."""
    for name in existing:
        if same_folder(name, wanted):
            return name
    return None


def uids_after(found: Iterable[int], last_seen: int) -> list[int]:
    """Filter `UID SEARCH UID n:*` client-side: `*` always yields the highest UID, even below n."""
    return sorted({int(u) for u in found if int(u) > last_seen})


def plan_batches(uids: Sequence[int], sizes: dict[int, int], *, limit: int,
                 max_count: int, max_bytes: int, stream_above: int | None = None) -> list[tuple[str, list[int]]]:
    """Group UIDs (kept in order) into ("fetch", [...]) batches, ("stream", [uid]) and
    ("oversize", [uid]) items.

    A batch holds at most `max_count` messages and `max_bytes` bytes (a single
    message bigger than max_bytes but within `limit` gets a batch of its own).
    A message over `stream_above` bytes (and within `limit`) is fetched on its own,
    in pieces, straight to the spool. UIDs without a size (vanished since the
    search) are left out.
    """
    plan: list[tuple[str, list[int]]] = []
    batch: list[int] = []
    batch_bytes = 0
    for uid in uids:
        size = sizes.get(uid)
        if size is None:
            continue
        alone = "oversize" if size > limit else "stream" if stream_above is not None and size > stream_above else None
        if alone:
            if batch:
                plan.append(("fetch", batch))
                batch, batch_bytes = [], 0
            plan.append((alone, [uid]))
            continue
        if batch and (len(batch) >= max_count or batch_bytes + size > max_bytes):
            plan.append(("fetch", batch))
            batch, batch_bytes = [], 0
        batch.append(uid)
        batch_bytes += size
    if batch:
        plan.append(("fetch", batch))
    return plan


def target_folder(outcome: str, folders: Any) -> str:
    """Where the source message goes once its outcome is committed."""
    if outcome == "accept":
        return folders.done
    if outcome == "refuse":
        return folders.refused
    return folders.review              # review, quarantine, anything unexpected: a person looks


def aware(when: datetime | None) -> datetime:
    """INTERNALDATE as an aware datetime (imapclient may give its own tzinfo class)."""
    if when is None:
        return datetime.now(timezone.utc)
    if when.tzinfo is None:
        return when.astimezone()
    return when.astimezone(timezone(when.utcoffset() or timedelta(0)))


def is_wakeup(response: tuple) -> bool:
    """Does an untagged response during IDLE announce new mail?"""
    return len(response) >= 2 and response[1] in (b"EXISTS", b"RECENT")


def is_bye(response: tuple) -> bool:
    return bool(response) and response[0] == b"BYE"


class Backoff:
    """Exponential backoff with full jitter in [delay/2, delay]."""

    def __init__(self, initial: float = 1.0, maximum: float = 300.0, rng: random.Random | None = None):
        self.initial, self.maximum = initial, maximum
        self.attempts = 0
        self.rng = rng or random.Random()

    def next(self) -> float:
        delay = min(self.maximum, self.initial * (2 ** self.attempts))
        self.attempts += 1
        return delay * self.rng.uniform(0.5, 1.0)

    def exhaust(self) -> None:
        """Jump to the longest delay (for errors retrying cannot fix soon)."""
        self.attempts = max(self.attempts, 64)

    def reset(self) -> None:
        self.attempts = 0


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _short(exc: BaseException) -> str:
    text = str(exc) or exc.__class__.__name__
    if isinstance(exc, (socket.timeout, TimeoutError)):
        text = f"timed out ({text})"
    return f"{exc.__class__.__name__}: {text}"[:500]


# -- connection -----------------------------------------------------------------

def _keepalive(sock: socket.socket) -> None:
    """Let the kernel notice a dead peer even while we sit in IDLE."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        for name, value in (("TCP_KEEPIDLE", 60), ("TCP_KEEPINTVL", 15), ("TCP_KEEPCNT", 4)):
            if hasattr(socket, name):
                sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, name), value)
    except OSError:
        pass


def open_client(imap: Any, options: ImapOptions) -> IMAPClient:
    """Connect, secure and log in according to the mailbox settings."""
    check_transport(imap)
    timeout = SocketTimeout(connect=options.connect_timeout_seconds, read=options.read_timeout_seconds)
    implicit = imap.tls == "implicit"
    context = tls_context(options.cafile) if imap.tls != "none" else None
    client = IMAPClient(imap.host, port=imap.port, ssl=implicit, ssl_context=context if implicit else None,
                        timeout=timeout)
    try:
        _keepalive(client.socket())
        if imap.tls == "starttls":
            if not client.has_capability("STARTTLS"):
                raise ImapConfigError(f"{imap.host}:{imap.port} does not offer STARTTLS; refusing plaintext")
            client.starttls(context)
            _keepalive(client.socket())
        client.normalise_times = False          # INTERNALDATE with its offset
        _login(client, imap)
    except BaseException:
        _close(client)
        raise
    return client


def _login(client: IMAPClient, imap: Any) -> None:
    token_file = getattr(imap, "oauth2_token_file", None)
    if token_file:
        with open(token_file, encoding="utf-8") as f:
            token = f.read().strip()
        client.oauth2_login(imap.username, token)
        return
    password = imap.password()
    if password is None:
        raise ImapConfigError("no password_file, password_env or oauth2_token_file for the IMAP login")
    client.login(imap.username, password)


def _close(client: IMAPClient | None) -> None:
    if client is None:
        return
    try:
        client.socket().settimeout(2)
        client.logout()
    except Exception:
        try:
            client.shutdown()
        except Exception:
            pass


# -- the watcher ----------------------------------------------------------------

@dataclass
class _Folders:
    """Server spellings of the four folders of a mailbox."""

    inbox: str
    done: str
    refused: str
    review: str


@dataclass
class WatcherStatus:
    mailbox: str
    address: str
    host: str
    kind: str = "imap"
    connected: bool = False
    mode: str | None = None
    last_sync: str | None = None
    waiting: int | None = None
    last_error: str | None = None
    last_error_at: str | None = None
    errors_in_row: int = 0
    moved: int = 0                      # sources moved (decided) by this watcher since it started
    uidvalidity: int | None = None
    updated_at: str | None = None
    pid: int = field(default_factory=os.getpid)


class ImapWatcher:
    """Watches one mailbox; `run()` blocks until `stop` is set. One thread, one connection."""

    def __init__(self, rules: Any, mailbox: Any, pipeline_factory: Callable[[], PipelineLike],
                 on_processed: Callable[[], None] | None = None, stop: threading.Event | None = None,
                 *, options: ImapOptions | None = None, process_inline: bool = True):
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
        self.folders: _Folders | None = None
        self.keywords_allowed = False
        self.pipeline: PipelineLike | None = None
        self.db = None
        self._lock = threading.Lock()
        self._status = WatcherStatus(mailbox=mailbox.id, address=mailbox.address, host=self.imap.host)
        self.log = logging.LoggerAdapter(log, {"mailbox": mailbox.id})

    # -- public ---------------------------------------------------------------
    def run(self) -> None:
        """Connect, sync, wait for mail; reconnect with backoff on any failure; return on stop."""
        backoff = Backoff(self.options.backoff_initial_seconds, self.options.backoff_max_seconds)
        self._publish()
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
                    self._error(exc, f"retrying in {delay:.1f}s")
                    self.stop.wait(delay)
        finally:
            self._disconnect()
            self._update(connected=False, mode=None)
            if self.db is not None:
                self.db.conn.close()
            self.log.info("IMAP watcher of mailbox %s stopped", self.mailbox.id)

    def _open_storage(self) -> None:
        """Our own database connection and pipeline (each watcher thread has its own)."""
        if self.db is None:
            db = dbmod.connect(self.rules.db_path)
            db.conn.executescript(STATE_SCHEMA)
            self.db = db
        if self.pipeline is None:
            self.pipeline = self.pipeline_factory()

    def status(self) -> dict[str, Any]:
        with self._lock:
            return dict(vars(self._status))

    # -- one connection's life -------------------------------------------------
    def _session(self, backoff: Backoff) -> None:
        imap = self.imap
        self.log.info("connecting to %s:%s for mailbox %s (%s)", imap.host, imap.port, self.mailbox.id, imap.tls)
        self.client = open_client(imap, self.options)
        self._stuck.clear()
        self.folders = self._prepare_folders()
        idle = self.options.use_idle and self.client.has_capability("IDLE")
        self._update(connected=True, mode="idle" if idle else "poll")
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
        _close(client)
        self._update(connected=False)

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

    # -- folders ---------------------------------------------------------------
    def _prepare_folders(self) -> _Folders:
        client = self.client
        assert client is not None
        existing = [name for _flags, _delim, name in client.list_folders()]
        prefix = self._personal_prefix()
        wanted = {"inbox": self.imap.inbox, **{k: getattr(self.mailbox.folders, k)
                                                for k in ("done", "refused", "review")}}
        resolved = {}
        for role, name in wanted.items():
            resolved[role] = self._ensure_folder(name, existing, prefix)
            existing.append(resolved[role])
        return _Folders(**resolved)

    def _personal_prefix(self) -> str:
        client = self.client
        assert client is not None
        if not client.has_capability("NAMESPACE"):
            return ""
        try:
            personal = client.namespace().personal or ()
        except Exception:
            return ""
        return personal[0][0] if personal else ""

    def _ensure_folder(self, name: str, existing: list[str], prefix: str) -> str:
        found = match_folder(name, existing)
        if found is None and prefix and name.upper() != "INBOX" and not nfc(name).startswith(nfc(prefix)):
            found = match_folder(prefix + name, existing)
            name = prefix + name
        if found is not None:
            return found
        name = nfc(name)
        self.log.info("creating folder %r in mailbox %s", name, self.mailbox.id)
        try:
            self.client.create_folder(name)
        except IMAPClientError as exc:
            # Someone may have created it in the meantime; check before giving up.
            again = [n for _f, _d, n in self.client.list_folders()]
            found = match_folder(name, again)
            if found is None:
                raise ImapProtocolError(f"cannot create folder {name!r}: {exc}") from exc
            return found
        try:
            self.client.subscribe_folder(name)   # so the clerks' mail clients show it
        except IMAPClientError:
            pass
        return name

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

    def _new_mail_announced(self) -> bool:
        """Did an EXISTS arrive with the answer to one of our commands since the SELECT?

        Dovecot reports mail that arrived while a command ran just before that
        command's tagged OK; imaplib files such reports away, and the server
        will not repeat them in IDLE. Without this check that mail would wait
        for the next IDLE re-issue.
        """
        untagged = getattr(getattr(self.client, "_imap", None), "untagged_responses", None)
        if not isinstance(untagged, dict):
            return False
        return len(untagged.get("EXISTS", ())) > self._exists_mark

    def _sync_once(self) -> int:
        client, folders = self.client, self.folders
        assert client is not None and folders is not None
        info = client.select_folder(folders.inbox)
        untagged = getattr(getattr(client, "_imap", None), "untagged_responses", None)
        self._exists_mark = len(untagged.get("EXISTS", ())) if isinstance(untagged, dict) else 0
        uidvalidity = int(info[b"UIDVALIDITY"])
        self.keywords_allowed = b"\\*" in (info.get(b"PERMANENTFLAGS") or ())
        last_seen = self._load_state(uidvalidity)
        pending = self._pending(uidvalidity)
        handled = 0
        if pending:
            handled += self._finish_pending(uidvalidity, pending)
        uidnext = info.get(b"UIDNEXT")
        new: list[int] = []
        if uidnext is None or int(uidnext) > last_seen + 1:
            new = uids_after(client.search(["UID", f"{last_seen + 1}:*"]), last_seen)
        self._update(waiting=len(new) + len(self._pending(uidvalidity)))
        if new:
            self.log.info("mailbox %s: %d new message(s) in %r", self.mailbox.id, len(new), folders.inbox)
            handled += self._take_in(uidvalidity, new)
            if not self.process_inline:
                self._notify()              # the processor thread takes it from here
        waiting = len(self._pending(uidvalidity))
        self._waiting = waiting
        self._update(last_sync=_now(), waiting=waiting, uidvalidity=uidvalidity,
                     **({"errors_in_row": 0} if waiting == 0 else {}))
        return handled

    def _take_in(self, uidvalidity: int, uids: list[int]) -> int:
        client = self.client
        assert client is not None
        meta: dict[int, dict] = {}
        for chunk in _chunks(uids, 500):
            meta.update(client.fetch(chunk, ["RFC822.SIZE", "INTERNALDATE"]))
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
                continue
            if kind == "stream":
                handled += self._take_streamed(uidvalidity, batch[0], meta[batch[0]].get(b"INTERNALDATE"))
                continue
            bodies = client.fetch(batch, ["BODY.PEEK[]", "INTERNALDATE"])
            for uid in batch:
                data = bodies.get(uid)
                if data is None or b"BODY[]" not in data:
                    self.log.warning("mailbox %s: UID %d vanished before it was read", self.mailbox.id, uid)
                    continue
                when = data.get(b"INTERNALDATE") or meta[uid].get(b"INTERNALDATE")
                self._take_one(uidvalidity, uid, bytes(data[b"BODY[]"]), when)
                handled += 1
        # UIDs that vanished between SEARCH and FETCH are past us too.
        if uids and not self.stop.is_set():
            self._advance(uidvalidity, max(uids))
        return handled

    def _take_one(self, uidvalidity: int, uid: int, raw: bytes, when: datetime | None) -> None:
        assert self.pipeline is not None
        received = self.pipeline.receive(raw, source="imap", delivered_at=aware(when),
                                         mailbox=self.mailbox.id)
        self._took(uidvalidity, uid, received)

    def _take_streamed(self, uidvalidity: int, uid: int, when: datetime | None) -> int:
        """A big message: fetched in pieces written straight to the spool (never whole in
        memory). Returns 1 when taken in, 0 when the UID vanished meanwhile."""
        assert self.pipeline is not None
        try:
            received = self.pipeline.receive_stream(self._pieces(uid), source="imap", delivered_at=aware(when),
                                                    mailbox=self.mailbox.id)
        except _Vanished:
            self.log.warning("mailbox %s: UID %d vanished while it was read", self.mailbox.id, uid)
            return 0
        self._took(uidvalidity, uid, received)
        return 1

    def _pieces(self, uid: int) -> Iterable[bytes]:
        """BODY.PEEK[]<offset.length> partial fetches until a short (or empty) piece."""
        client = self.client
        assert client is not None
        offset = 0
        while True:
            data = client.fetch([uid], [f"BODY.PEEK[]<{offset}.{STREAM_CHUNK_BYTES}>"]).get(uid, {})
            piece = next((bytes(v) for k, v in data.items()
                          if isinstance(k, bytes) and k.startswith(b"BODY[]") and v is not None), None)
            if piece is None:
                raise _Vanished(uid)
            if piece:
                yield piece
            if len(piece) < STREAM_CHUNK_BYTES:
                return
            offset += len(piece)

    def _took(self, uidvalidity: int, uid: int, received: ReceivedLike) -> None:
        crash_point("imap-after-receive")
        self._record_seen(uidvalidity, uid, received.message)
        if received.duplicate:
            self.log.info("mailbox %s: UID %d is message %d already received (same content)",
                          self.mailbox.id, uid, received.message)
        if self.process_inline:
            self._complete(uidvalidity, uid, received.message)

    def _take_oversize(self, uidvalidity: int, uid: int, size: int, when: datetime | None) -> None:
        """Record an over-size message from its header only, and send it to review."""
        client = self.client
        assert client is not None and self.pipeline is not None and self.folders is not None
        self.log.warning("mailbox %s: UID %d is %d bytes, over the %d-byte limit: not downloaded",
                         self.mailbox.id, uid, size, self.options.max_message_bytes)
        section = f"BODY.PEEK[HEADER]<0.{HEADER_PEEK_BYTES}>"
        data = client.fetch([uid], [section]).get(uid, {})
        headers = b""
        for key, value in data.items():
            if isinstance(key, bytes) and key.startswith(b"BODY[HEADER]") and value:
                headers = bytes(value)
        receive_oversize = getattr(self.pipeline, "receive_oversize", None)
        if receive_oversize is None:
            self.log.error("mailbox %s: the pipeline cannot record over-size messages; "
                           "UID %d goes to %r unregistered", self.mailbox.id, uid, self.folders.review)
            self._move([uid], self.folders.review)
            self._record_seen(uidvalidity, uid, None, moved_to=self.folders.review)
            return
        received = receive_oversize(mailbox=self.mailbox.id, size=size, delivered_at=aware(when),
                                    summary_headers=headers, source="imap")
        self._record_seen(uidvalidity, uid, received.message)
        if self.process_inline:
            self._complete(uidvalidity, uid, received.message)

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
            outcome = self._outcome(message)
        except Exception as exc:
            self._error(exc, f"processing message {message} (UID {uid}) failed; it stays in the inbox")
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
        uids = [uid for uid, _m, _o in items]
        crash_point("imap-before-move")
        try:
            self._move(uids, target)
        except IMAPClientError as exc:
            # The server said NO (quota, ACL…): the message stays pending, the others go on.
            # Connection errors are not caught here: they end the session and reconnect.
            if len(items) > 1:
                return sum(self._move_all(uidvalidity, target, [item]) for item in items)
            self._error(exc, f"moving UID {uids[0]} to {target!r} failed; retried at the next sync")
            self._stuck.add(uids[0])
            return 0
        crash_point("imap-after-move")
        self._mark_moved(uidvalidity, uids, target)
        for uid, message, outcome in items:
            self._bump_moved()
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

    def _outcome(self, message: int) -> str | None:
        """The committed decision of a message, or None while it waits for processing.

        Read from the database, not from process()'s return value: the message
        may have been processed by another thread or before a crash.
        """
        row = self.db.conn.execute("SELECT state, decision FROM messages WHERE id=?", (message,)).fetchone()
        if row is None or row[0] == "received":
            return None
        return row[1] or "review"

    def _finish_pending(self, uidvalidity: int, pending: list[tuple[int, int | None]]) -> int:
        """Rows received but not yet moved (a crash or an error came between): finish them."""
        client = self.client
        assert client is not None
        uids = [uid for uid, _m in pending]
        present: set[int] = set()
        for chunk in _chunks(uids, 500):
            present.update(uids_after(client.search(["UID", _uid_set(chunk)]), 0))
        # Moves are grouped by target folder: one STORE and one MOVE per folder, not per message.
        ready: dict[str, list[tuple[int, int, str]]] = {}
        for uid, message in pending:
            if uid not in present:
                self.log.info("mailbox %s: UID %d is no longer in the inbox (already moved)",
                              self.mailbox.id, uid)
                self._mark_moved(uidvalidity, [uid], GONE)
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
        client = self.client
        assert client is not None
        if self.keywords_allowed and self.options.keyword:
            client.add_flags(uids, [self.options.keyword], silent=True)
        if client.has_capability("MOVE"):
            client.move(uids, target)
            return
        client.copy(uids, target)
        client.add_flags(uids, [b"\\Deleted"], silent=True)
        if client.has_capability("UIDPLUS"):
            client.uid_expunge(uids)
        else:
            # Without UIDPLUS an EXPUNGE would remove every \Deleted message in the
            # folder, including ones a person marked: leave them flagged instead.
            self.log.warning("mailbox %s: server lacks MOVE and UIDPLUS; UID(s) %s copied to %r and "
                             "flagged \\Deleted, not expunged", self.mailbox.id, _uid_set(uids), target)

    # -- state in the database ------------------------------------------------------
    def _load_state(self, uidvalidity: int) -> int:
        conn = self.db.conn
        row = conn.execute("SELECT uidvalidity, last_seen_uid FROM imap_folders WHERE mailbox=? AND folder=?",
                           (self.mailbox.id, self.folder_key)).fetchone()
        if row is not None and int(row[0]) == uidvalidity:
            return int(row[1])
        with dbmod.transaction(self.db) as c:
            if row is None:
                self.log.info("mailbox %s: first sync of %r (UIDVALIDITY %d)",
                              self.mailbox.id, self.folder_key, uidvalidity)
                c.execute("INSERT INTO imap_folders(mailbox, folder, uidvalidity, last_seen_uid, updated_at) "
                          "VALUES (?, ?, ?, 0, ?)", (self.mailbox.id, self.folder_key, uidvalidity, _now()))
            else:
                self.log.warning("mailbox %s: UIDVALIDITY of %r changed from %s to %d: reading the folder "
                                 "again and matching messages by content hash (nothing is registered twice)",
                                 self.mailbox.id, self.folder_key, row[0], uidvalidity)
                c.execute("UPDATE imap_folders SET previous_uidvalidity=uidvalidity, uidvalidity=?, "
                          "last_seen_uid=0, updated_at=? WHERE mailbox=? AND folder=?",
                          (uidvalidity, _now(), self.mailbox.id, self.folder_key))
        return 0

    def _advance(self, uidvalidity: int, uid: int) -> None:
        with dbmod.transaction(self.db) as c:
            c.execute("UPDATE imap_folders SET last_seen_uid=MAX(last_seen_uid, ?), updated_at=? "
                      "WHERE mailbox=? AND folder=? AND uidvalidity=?",
                      (uid, _now(), self.mailbox.id, self.folder_key, uidvalidity))

    def _record_seen(self, uidvalidity: int, uid: int, message: int | None, moved_to: str | None = None) -> None:
        """UID → message, and the high-water mark, in one transaction."""
        with dbmod.transaction(self.db) as c:
            c.execute("INSERT INTO imap_seen(mailbox, folder, uidvalidity, uid, message, moved_to) "
                      "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(mailbox, folder, uidvalidity, uid) "
                      "DO UPDATE SET message=excluded.message, moved_to=COALESCE(moved_to, excluded.moved_to)",
                      (self.mailbox.id, self.folder_key, uidvalidity, uid, message, moved_to))
            c.execute("UPDATE imap_folders SET last_seen_uid=MAX(last_seen_uid, ?), updated_at=? "
                      "WHERE mailbox=? AND folder=? AND uidvalidity=?",
                      (uid, _now(), self.mailbox.id, self.folder_key, uidvalidity))

    def _mark_moved(self, uidvalidity: int, uids: list[int], target: str) -> None:
        with dbmod.transaction(self.db) as c:
            c.executemany("UPDATE imap_seen SET moved_to=? WHERE mailbox=? AND folder=? AND uidvalidity=? AND uid=?",
                          [(target, self.mailbox.id, self.folder_key, uidvalidity, uid) for uid in uids])

    def _decisions_ready(self) -> bool:
        """Has the processor decided a message whose source still waits to be moved?"""
        if self.process_inline or not self._waiting or self.db is None:
            return False
        rows = self.db.conn.execute(DECIDED_NOT_MOVED_SQL, (self.mailbox.id, self.folder_key)).fetchall()
        return any(uid not in self._stuck for (uid,) in rows)

    def _pending(self, uidvalidity: int) -> list[tuple[int, int | None]]:
        rows = self.db.conn.execute(NOT_MOVED_SQL, (self.mailbox.id, self.folder_key, uidvalidity)).fetchall()
        return [(int(uid), message) for uid, message in rows]

    # -- health ---------------------------------------------------------------------
    def _update(self, **changes: Any) -> None:
        with self._lock:
            for key, value in changes.items():
                setattr(self._status, key, value)
            self._status.updated_at = _now()
        self._publish()

    def _bump_moved(self) -> None:
        with self._lock:
            self._status.moved += 1

    def _error(self, exc: BaseException, what: str) -> None:
        self.log.warning("mailbox %s: %s; %s", self.mailbox.id, _short(exc), what)
        with self._lock:
            self._status.errors_in_row += 1
        self._update(last_error=_short(exc), last_error_at=_now())

    def _publish(self) -> None:
        data_dir = getattr(self.rules, "data_dir", None)
        if data_dir is not None:
            statusmod.write_status(data_dir, self.mailbox.id, self.status())


def _chunks(items: Sequence[int], size: int) -> Iterable[list[int]]:
    for i in range(0, len(items), size):
        yield list(items[i:i + size])


def _uid_set(uids: Sequence[int]) -> str:
    return ",".join(str(u) for u in uids)


def default_pipeline_factory(rules: Any) -> Callable[[], PipelineLike]:
    def make() -> PipelineLike:
        from ..pipeline import Pipeline

        return Pipeline(rules)
    return make


def start_watchers(rules: Any, mailboxes: Sequence[Any] | None, on_processed: Callable[[], None] | None,
                   stop: threading.Event, *, pipeline_factory: Callable[[], PipelineLike] | None = None,
                   options: ImapOptions | None = None, process_inline: bool = False) -> list[threading.Thread]:
    """Start one daemon thread per mailbox with `imap:` set; the caller sets `stop` and joins.

    Each thread has a `.watcher` attribute (its ImapWatcher, for `.status()`).
    With `process_inline=False` (the default here: the daemon has a processor
    thread) watchers only receive and call `on_processed` to wake the processor;
    each source is moved once its decision is committed. With True they process
    themselves and call `on_processed` afterwards (wake the dispatcher).
    """
    factory = pipeline_factory or default_pipeline_factory(rules)
    threads = []
    for mailbox in (rules.mailboxes if mailboxes is None else mailboxes):
        if mailbox.imap is None:
            continue
        watcher = ImapWatcher(rules, mailbox, factory, on_processed, stop, options=options,
                              process_inline=process_inline)
        thread = threading.Thread(target=watcher.run, name=f"imap-{mailbox.id}", daemon=True)
        thread.watcher = watcher  # type: ignore[attr-defined]
        thread.start()
        threads.append(thread)
    return threads


__all__ = [
    "ImapWatcher", "ImapOptions", "ImapConfigError", "ImapProtocolError", "Backoff", "start_watchers",
    "default_pipeline_factory",
    "open_client", "check_transport", "is_loopback", "match_folder", "same_folder", "uids_after",
    "plan_batches", "target_folder", "STATE_SCHEMA", "KEYWORD",
]
