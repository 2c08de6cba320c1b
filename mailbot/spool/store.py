"""Raw messages on disk, content-addressed, durable before anything else happens.

A message is written to a temporary file, fsynced, renamed to its SHA-256
name and the folder fsynced: once `store()` returns, a power cut cannot lose
it. Storing the same bytes twice is a no-op.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Iterable

from mailbot.util.durable import staged_file, write_durably


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

    def store_chunks(self, chunks: Iterable[bytes]) -> tuple[str, Path, int]:
        """`store()` of a message that arrives in pieces (a big IMAP message): written and
        hashed as it comes, so it is never whole in memory. Returns (sha256, path, size).
        If `chunks` raises, nothing is kept and the exception goes on."""
        digest, size = hashlib.sha256(), 0
        with staged_file(self.root, prefix=".incoming.") as staged:
            for chunk in chunks:
                digest.update(chunk)
                staged.write(chunk)
                size += len(chunk)
            sha256 = digest.hexdigest()
            final = self.path_for(sha256)
            if not (final.exists() and final.stat().st_size == size):
                staged.publish(final)
        return sha256, final, size

    def load(self, sha256: str) -> bytes:
        return self.path_for(sha256).read_bytes()

    def starts_with(self, sha256: str, prefix: bytes) -> bool:
        with open(self.path_for(sha256), "rb") as fh:
            return fh.read(len(prefix)) == prefix
