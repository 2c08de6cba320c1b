"""Message files (.eml) from the command line: `mailbot ingest`."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path

from mailbot.config import Mailbox, Rules

_HEADER_END = re.compile(rb"\r?\n\r?\n")


def _header_lines(raw: bytes) -> list[str]:
    match = _HEADER_END.search(raw[:512 * 1024])
    head = raw[: match.start() if match else 512 * 1024].decode("latin-1")
    return re.sub(r"\r?\n[ \t]+", " ", head).splitlines()


def delivery_time(raw: bytes) -> datetime | None:
    """When the message reached the agency: the topmost Received stamp, else Date."""
    received = date = None
    for line in _header_lines(raw):
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "received" and received is None and ";" in value:
            received = value.rsplit(";", 1)[1].strip()
        elif name == "date" and date is None:
            date = value.strip()
    for stamp in (received, date):
        if stamp:
            try:
                moment = parsedate_to_datetime(stamp)
            except (TypeError, ValueError, IndexError):
                continue
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=timezone.utc)
            return moment
    return None


def mailbox_for_file(rules: Rules, raw: bytes) -> Mailbox | None:
    """The configured mailbox the file was addressed to (To/Cc/Delivered-To), else the first one."""
    addresses: list[str] = []
    for line in _header_lines(raw):
        name, _, value = line.partition(":")
        if name.strip().lower() in ("delivered-to", "x-original-to", "to", "cc"):
            addresses += re.findall(r"[\w.+-]+@[\w.-]+", value)
    return rules.mailbox_for(addresses) or (rules.mailboxes[0] if rules.mailboxes else None)


def read_message_file(path: Path, limit: int) -> bytes:
    size = path.stat().st_size
    if size > limit * 2:
        # Far beyond any acceptable message: keep it out of memory; it is reported, not ingested.
        raise ValueError(f"{path}: {size} bytes is far above the message size limit ({limit})")
    return path.read_bytes()
