"""The clerk's desk in the mail client: moving a message into an action folder acts on it.

Folders (rules.yaml `mailboxes[].folders`, created when missing):
- `release` ("Vào sổ"): a held message is registered as accepted (the clerk's decision);
- `refused` ("Từ chối") and its subfolders ("Từ chối/Sai định dạng" …): a held message is
  refused, the subfolder's name being the reason the sender reads;
- `paper_received` ("Đã nhận bản giấy"): a registered document's paper original has come;
- `handled` ("Đã giải quyết"): a registered document is dealt with.

One thread and one connection per mailbox polls those folders every
`actions_poll_seconds` (IDLE watches one folder only; the inbox has it). A new UID is
matched to its message by identity, never by subject: the SHA-256 of its bytes (a move
keeps them), else — for a message too large to download — its Message-ID in that mailbox.
The action is idempotent in the register, then `desk_moves` records the UID and the
folder's high-water mark advances: a kill -9 anywhere in between repeats nothing. The
message stays where the clerk put it. Messages mailbot never saw are left alone, logged
and recorded for the digest.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from typing import Any, Callable, Protocol

from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from mailbot.decide.clerk import DEFAULT_REFUSAL
from mailbot.intake.imap.client import close_client, open_client, prepare_folders
from mailbot.intake.imap.plan import Backoff, ImapConfigError, ImapOptions, match_folder, nfc, uids_after
from mailbot.store import desk as desk_rows, messages, schema as dbmod
from mailbot.store.imap import FolderState, ensure_schema
from mailbot.util.faults import crash_point

log = logging.getLogger("mailbot.intake.imap.desk")


class DoneLike(Protocol):
    message: int | None
    result: str


class DeskLike(Protocol):
    """What the runtime hands in (runtime/desk.Desk)."""

    def release(self, message: int, *, by: str, via: str, folder: str | None = None) -> DoneLike: ...
    def refuse(self, message: int, reason: str, *, by: str, via: str, folder: str | None = None) -> DoneLike: ...
    def paper_received(self, message: int, *, via: str, folder: str | None = None) -> DoneLike: ...
    def done(self, message: int, *, via: str, folder: str | None = None) -> DoneLike: ...


BY = "văn thư"            # who moved it: a person at the mailbox (the server does not say which)


def action_folders(mailbox: Any) -> dict[str, str]:
    """role → configured name of the folders that act."""
    f = mailbox.folders
    return {"release": f.release, "refuse": f.refused, "paper": f.paper_received, "done": f.handled}


class DeskWatcher:
    def __init__(self, rules: Any, mailbox: Any, desk_factory: Callable[[], DeskLike],
                 on_action: Callable[[], None] | None = None, stop: threading.Event | None = None,
                 *, options: ImapOptions | None = None):
        self.rules = rules
        self.mailbox = mailbox
        self.desk_factory = desk_factory
        self.on_action = on_action or (lambda: None)
        self.stop = stop or threading.Event()
        self.options = options or ImapOptions.from_rules(rules, mailbox.imap)
        self.client: IMAPClient | None = None
        self.db = None
        self.desk: DeskLike | None = None
        self.resolved: dict[str, str] = {}          # action → the server's spelling of its folder
        self.refused, self.delimiter = "", "/"
        self.log = logging.LoggerAdapter(log, {"mailbox": mailbox.id})

    def run(self) -> None:
        backoff = Backoff(self.options.backoff_initial_seconds, self.options.backoff_max_seconds)
        try:
            while not self.stop.is_set():
                try:
                    self._connect()
                    backoff.reset()
                    while not self.stop.is_set():
                        self.scan()
                        self.stop.wait(self.mailbox.folders.actions_poll_seconds)
                except Exception as exc:  # noqa: BLE001 - the desk of one mailbox must never end its thread
                    close_client(self.client)
                    self.client = None
                    if self.stop.is_set():
                        break
                    if isinstance(exc, (ImapConfigError, LoginError)):
                        backoff.exhaust()
                    delay = backoff.next()
                    self.log.warning("mailbox %s: action folders: %s; retrying in %.1fs", self.mailbox.id, exc, delay)
                    self.stop.wait(delay)
        finally:
            close_client(self.client)
            if self.db is not None:
                self.db.conn.close()

    def _connect(self) -> None:
        if self.db is None:
            self.db = dbmod.connect(self.rules.db_path)
            ensure_schema(self.db)
        if self.desk is None:
            self.desk = self.desk_factory()
        self.client = open_client(self.mailbox.imap, self.options)
        wanted = action_folders(self.mailbox)
        resolved = prepare_folders(self.client, wanted, mailbox=self.mailbox.id, log=self.log, roles=dict)
        refused = resolved["refuse"]
        delimiter = self._delimiter(refused)
        for reason in self.mailbox.folders.refusal_reasons:
            prepare_folders(self.client, {"r": f"{refused}{delimiter}{reason}"}, mailbox=self.mailbox.id,
                            log=self.log, roles=dict)
        self.refused, self.delimiter = refused, delimiter
        self.resolved = resolved

    def _delimiter(self, folder: str) -> str:
        assert self.client is not None
        for _flags, delim, _name in self.client.list_folders(pattern=folder):
            if delim:
                return delim.decode() if isinstance(delim, bytes) else delim
        return "/"

    def _current_folders(self) -> list[tuple[str, str, str | None]]:
        """Every action folder with its action and, for refusal subfolders, the reason."""
        assert self.client is not None
        found = [(self.resolved["release"], "release", None), (self.resolved["refuse"], "refuse", None),
                 (self.resolved["paper"], "paper", None), (self.resolved["done"], "done", None)]
        prefix = self.refused + self.delimiter
        for _flags, _delim, name in self.client.list_folders(pattern=prefix + "*"):
            if name.startswith(prefix) and b"\\Noselect" not in _flags:
                found.append((name, "refuse", nfc(name[len(prefix):]).replace(self.delimiter, " — ")))
        return found

    # -- one pass over the action folders ----------------------------------------------
    def scan(self) -> int:
        """Act on every message newly moved into an action folder; how many were looked at."""
        return sum(self._scan_folder(*f) for f in self._current_folders() if not self.stop.is_set())

    def _scan_folder(self, folder: str, action: str, reason: str | None) -> int:
        assert self.client is not None and self.db is not None
        key = nfc(folder)
        state = FolderState(self.db, self.mailbox.id, "desk:" + key)
        info = self.client.select_folder(folder, readonly=True)
        uidvalidity = int(info[b"UIDVALIDITY"])
        known = state.known()
        if known is None:
            state.start(uidvalidity)
            last = 0
        elif known[0] != uidvalidity:
            state.change_uidvalidity(uidvalidity)
            last = 0
        else:
            last = known[1]
        uidnext = info.get(b"UIDNEXT")
        if uidnext is not None and int(uidnext) <= last + 1:
            return 0
        new = uids_after(self.client.search(["UID", f"{last + 1}:*"]), last)
        for uid in new:
            if self.stop.is_set():
                break
            if not desk_rows.seen(self.db, self.mailbox.id, key, uidvalidity, uid):
                self._act(key, folder, action, reason, uidvalidity, uid)
            state.advance(uidvalidity, uid)
        return len(new)

    def _identify(self, uid: int) -> tuple[int | None, str]:
        """(message id or None, what identified it)."""
        assert self.client is not None and self.db is not None
        meta = self.client.fetch([uid], ["RFC822.SIZE", "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"]).get(uid, {})
        size = int(meta.get(b"RFC822.SIZE") or 0)
        if size and size <= self.options.max_message_bytes:
            body = self.client.fetch([uid], ["BODY.PEEK[]"]).get(uid, {}).get(b"BODY[]")
            if body is not None:
                sha256 = hashlib.sha256(bytes(body)).hexdigest()
                found = messages.find_by_sha256(self.db, sha256)
                if found is not None:
                    return found, f"sha256 {sha256[:12]}…"
        header = next((bytes(v) for k, v in meta.items() if isinstance(k, bytes) and k.startswith(b"BODY[HEADER")), b"")
        message_id = header.partition(b":")[2].strip().decode("ascii", "replace")
        if message_id:
            found = messages.by_message_id(self.db, self.mailbox.id, message_id)
            if found is not None:
                return found, f"Message-ID {message_id}"
        return None, f"Message-ID {message_id or '(none)'}, {size} bytes"

    def _act(self, key: str, folder: str, action: str, reason: str | None, uidvalidity: int, uid: int) -> None:
        assert self.desk is not None and self.db is not None
        message, how = self._identify(uid)
        if message is None:
            outcome = "unknown"
            self.log.warning("mailbox %s: UID %d in %r is a message mailbot never received (%s): left alone",
                             self.mailbox.id, uid, key, how)
        else:
            via = f"IMAP folder {key}"
            if action == "release":
                done = self.desk.release(message, by=BY, via=via, folder=key)
            elif action == "refuse":
                done = self.desk.refuse(message, reason or DEFAULT_REFUSAL, by=BY, via=via, folder=key)
            elif action == "paper":
                done = self.desk.paper_received(message, via=via, folder=key)
            else:
                done = self.desk.done(message, via=via, folder=key)
            outcome = done.result
            crash_point("desk-after-action")
            self.log.info("mailbox %s: message %d moved to %r (%s): %s", self.mailbox.id, message, key, how, outcome)
        with dbmod.transaction(self.db) as conn:
            desk_rows.record(conn, mailbox=self.mailbox.id, folder=key, uidvalidity=uidvalidity, uid=uid,
                             message=message, action=action, outcome=outcome, detail=how)
        if outcome in ("registered", "refused"):
            self.on_action()


def start_desks(rules: Any, on_action: Callable[[], None] | None, stop: threading.Event, *,
                desk_factory: Callable[[], DeskLike], options: ImapOptions | None = None) -> list[threading.Thread]:
    """One thread per IMAP mailbox whose `folders.actions` is on; `.desk` is its DeskWatcher."""
    threads = []
    for mailbox in rules.mailboxes:
        if mailbox.imap is None or not mailbox.folders.actions:
            continue
        watcher = DeskWatcher(rules, mailbox, desk_factory, on_action, stop, options=options)
        thread = threading.Thread(target=watcher.run, name=f"desk-{mailbox.id}", daemon=True)
        thread.desk = watcher  # type: ignore[attr-defined]
        thread.start()
        threads.append(thread)
    return threads
