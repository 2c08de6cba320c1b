"""OLE2 compound files, the container of .doc and .xls: open one, read a stream.

olefile is imported only when such a file comes. A damaged container is a
refusal like any other unreadable input, and a stream is read only if its
declared size is under the cap, so a forged directory cannot make us
allocate without bound.
"""

from __future__ import annotations

import io

from mailbot.inspect.extract.output import _Refused
from mailbot.util.errors import short_error

_MAX_OLE_STREAM = 64 << 20


def _ole(data: bytes):
    import olefile

    if not data.startswith(bytes.fromhex("D0CF11E0A1B11AE1")):
        raise _Refused("not an OLE2 compound file")
    try:
        return olefile.OleFileIO(io.BytesIO(data))
    except Exception as exc:
        raise _Refused(f"damaged OLE2 file: {short_error(exc, 200)}") from exc


def _stream(ole, name: str) -> bytes | None:
    if not ole.exists(name):
        return None
    size = ole.get_size(name)
    if size > _MAX_OLE_STREAM:
        raise _Refused(f"OLE stream {name} is {size} bytes: over the limit")
    with ole.openstream(name) as fh:
        return fh.read(_MAX_OLE_STREAM)
