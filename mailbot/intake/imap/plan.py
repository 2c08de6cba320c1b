"""Pure helpers of the IMAP watcher: settings, folder names, what to fetch, where to move, backoff.

No I/O here (the clock aside): everything takes values and returns values, so
it can be tested without a server.
"""

from __future__ import annotations

import ipaddress
import random
import unicodedata
from dataclasses import dataclass, fields
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Sequence

KEYWORD = "$MailbotDone"
MAX_IDLE_SECONDS = 29 * 60 - 60        # RFC 2177: re-issue IDLE before 29 minutes


class ImapConfigError(Exception):
    """The mailbox settings cannot work (e.g. plaintext to a remote host). Not retried quickly."""


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


# -- transport --------------------------------------------------------------------

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


# -- folder names -----------------------------------------------------------------

@dataclass
class Folders:
    """Server spellings of the four folders of a mailbox."""

    inbox: str
    done: str
    refused: str
    review: str


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


def target_folder(outcome: str, folders: Any) -> str:
    """Where the source message goes once its outcome is committed."""
    if outcome == "accept":
        return folders.done
    if outcome == "refuse":
        return folders.refused
    return folders.review              # review, quarantine, anything unexpected: a person looks


# -- what to fetch ----------------------------------------------------------------

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


def chunks(items: Sequence[int], size: int) -> Iterable[list[int]]:
    for i in range(0, len(items), size):
        yield list(items[i:i + size])


def uid_set(uids: Sequence[int]) -> str:
    return ",".join(str(u) for u in uids)


# -- server answers ---------------------------------------------------------------

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


# -- retrying and reporting -------------------------------------------------------

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


def now_text() -> str:
    """Now, UTC, to the second: the timestamps of the state tables and the status record."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
