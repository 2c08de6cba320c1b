"""Durable file writes: temp file, fsync, rename, fsync of the folder(s).

`write_durably(path, data)` for bytes in hand; `staged_file(folder)` for bytes
that arrive in pieces or whose final name is known only once they are all
written (the spool names a message by its SHA-256): write to the staged file,
then `publish(path)` it, or leave the block without publishing and nothing is
kept.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class StagedFile:
    """A temporary file, in the folder given to `staged_file`, that becomes its final name durably."""

    def __init__(self, folder: Path, prefix: str, created: bool = False):
        self.folder = folder
        self._created = [folder] if created else []     # new folders: their own entries need an fsync too
        fd, name = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=folder)
        self.path = Path(name)
        self._handle = os.fdopen(fd, "wb")
        self.published: Path | None = None

    def write(self, data: bytes) -> None:
        self._handle.write(data)

    def publish(self, path: Path) -> None:
        """fsync the file, rename it to `path`, then fsync every folder whose entries changed:
        after return a power cut leaves `path` whole (or as it was before)."""
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        folder = path.parent
        if not folder.exists():
            folder.mkdir(parents=True, exist_ok=True)
            self._created.append(folder)
        os.replace(self.path, path)
        self.published = path
        # The new entry, the temporary file's entry gone, the entries of folders made for them.
        changed = [folder, self.folder, *(new.parent for new in self._created)]
        for each in dict.fromkeys(Path(os.path.abspath(p)) for p in changed):
            fsync_folder(each)

    def discard(self) -> None:
        if not self._handle.closed:
            self._handle.close()
        if self.published is None:
            self.path.unlink(missing_ok=True)


@contextmanager
def staged_file(folder: Path, prefix: str = ".incoming.") -> Iterator[StagedFile]:
    """A `StagedFile` in `folder` (created if missing); removed unless published,
    also when the block raises."""
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    staged = StagedFile(folder, prefix, created)
    try:
        yield staged
    finally:
        staged.discard()


def write_durably(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that after return a power cut leaves it whole or absent."""
    with staged_file(path.parent, prefix=f".{path.name}.") as staged:
        staged.write(data)
        staged.publish(path)


def fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(path: Path, data: bytes) -> None:
    """Temp file + rename, no fsync: a reader never sees half a file, but a power cut may lose
    the latest version. For state rewritten every few seconds (the watchers' health records),
    where an fsync per write would cost more than the record is worth."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
