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

Modules: `watcher` (the thread: connect, IDLE or poll, sync, move), `plan`
(pure helpers: settings, folder names, fetch batches, backoff), `client`
(server commands: connect, folder set-up, fetch, flag and move), `health` (the
status record). That record goes to a `report_status` callable handed in by
whoever starts the watcher (the daemon writes it where `mailbot status` reads
it): nothing here imports `mailbot.runtime.health`. The exactly-once rows in
`imap_folders` and `imap_seen`, and all their SQL, are in `mailbot.store.imap`.
"""

from mailbot.intake.imap.client import ImapProtocolError, open_client
from mailbot.intake.imap.plan import (KEYWORD, Backoff, ImapConfigError, ImapOptions, check_transport, is_loopback, match_folder,
                   plan_batches, same_folder, target_folder, uids_after)
from mailbot.intake.imap.watcher import ImapWatcher, WatcherStatus, start_watchers

__all__ = [
    "ImapWatcher", "ImapOptions", "ImapConfigError", "ImapProtocolError", "Backoff", "start_watchers",
    "WatcherStatus",
    "open_client", "check_transport", "is_loopback", "match_folder", "same_folder", "uids_after",
    "plan_batches", "target_folder", "KEYWORD",
]
