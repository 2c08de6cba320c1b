"""Raw messages on disk, content-addressed, durable before anything else happens.

A message is written to a temporary file, fsynced, renamed to its SHA-256
name and the folder fsynced: once `store()` returns, a power cut cannot lose
it. Storing the same bytes twice is a no-op.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


class Spool:
    def __init__(self, root: Path | str):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}.eml"

    def store(self, raw: bytes) -> tuple[str, Path]:
        sha256 = hashlib.sha256(raw).hexdigest()
        final = self.path_for(sha256)
        if final.exists() and final.stat().st_size == len(raw):
            return sha256, final
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(raw)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, final)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_dir(final.parent)
        return sha256, final

    def load(self, sha256: str) -> bytes:
        return self.path_for(sha256).read_bytes()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
