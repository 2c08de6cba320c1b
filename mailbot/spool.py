"""Raw messages on disk, content-addressed, durable before anything else happens.

A message is written to a temporary file, fsynced, renamed to its SHA-256
name and the folder fsynced: once `store()` returns, a power cut cannot lose
it. Storing the same bytes twice is a no-op.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from .durable import write_durably


class Spool:
    def __init__(self, root: Path | str):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}.eml"

    def store(self, raw: bytes) -> tuple[str, Path]:
        sha256 = hashlib.sha256(raw).hexdigest()
        final = self.path_for(sha256)
        if not (final.exists() and final.stat().st_size == len(raw)):
            write_durably(final, raw)
        return sha256, final

    def load(self, sha256: str) -> bytes:
        return self.path_for(sha256).read_bytes()

    def starts_with(self, sha256: str, prefix: bytes) -> bool:
        with open(self.path_for(sha256), "rb") as fh:
            return fh.read(len(prefix)) == prefix
