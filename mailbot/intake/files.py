"""Message files (.eml) from the command line: `mailbot ingest`."""

from __future__ import annotations

import re
from pathlib import Path

from mailbot.config import Mailbox, Rules

_HEADER_END = re.compile(rb"\r?\n\r?\n")


def _header_lines(raw: bytes) -> list[str]:
    match = _HEADER_END.search(raw[:512 * 1024])
    head = raw[: match.start() if match else 512 * 1024].decode("latin-1")
    return re.sub(r"\r?\n[ \t]+", " ", head).splitlines()


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
