"""IMAP intake (being split into a package; see watcher.py)."""

from .watcher import *  # noqa: F401,F403
from .watcher import DECIDED_NOT_MOVED_SQL, NOT_MOVED_SQL, STREAM_CHUNK_BYTES, socket  # noqa: F401
from .watcher import __all__  # noqa: F401
