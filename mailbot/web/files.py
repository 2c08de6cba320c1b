"""An original attachment, taken from the spooled message it arrived in."""

from __future__ import annotations

import hashlib
from pathlib import Path

from mailbot.config import Limits
from mailbot.inspect.mime import parse_message


def original_attachment(spool_path: str, sha256: str, limits: Limits) -> bytes | None:
    """The bytes of the part whose SHA-256 is `sha256` (as the register recorded it), or None."""
    try:
        raw = Path(spool_path).read_bytes()
    except OSError:
        return None
    for part in parse_message(raw, limits).parts:
        if hashlib.sha256(part.payload).hexdigest() == sha256:
            return part.payload
    return None
