"""A faster reader for PDF hex strings in pyHanko, installed by `install()`.

pyHanko reads a hex string one byte at a time through `read_non_whitespace`.
A signature's `/Contents` is such a string of ~16,000 hex digits, so on a
typical signed document that loop costs about as much as the rest of the
signature check (benchmarks/README.md). The replacement reads the string in
blocks and decodes it with `binascii`; anything unusual — a comment inside
the string, a non-hex character, no closing `>` — is handed back to pyHanko's
own reader from the same position, so results and errors stay pyHanko's.
"""

from __future__ import annotations

import binascii
import re

_HEX = re.compile(rb"[0-9a-fA-F]*")
_WHITESPACE = b" \n\r\t\x0c\x00"         # PDF white-space characters (ISO 32000-1, 7.2.2)
_BLOCK = 16 * 1024

_original = None


def _read_hex_string(stream):
    start = stream.tell()
    stream.read(1)                          # the opening "<"
    body = bytearray()
    closed = False
    while True:
        block = stream.read(_BLOCK)
        if not block:
            break
        end = block.find(b">")
        if end >= 0:
            body += block[:end]
            closed = True
            break
        body += block
    digits = bytes(body).translate(None, _WHITESPACE)
    if not closed or b"%" in body or not _HEX.fullmatch(digits):
        stream.seek(start)
        return _original(stream)
    stream.seek(start + 1 + len(body) + 1)  # just past ">"
    if len(digits) % 2:
        digits += b"0"
    from pyhanko.pdf_utils.generic import pdf_string

    return pdf_string(binascii.unhexlify(digits))


def install() -> bool:
    """Replace pyHanko's hex string reader (once). False when pyHanko's module does not
    look as expected: then nothing is changed."""
    global _original
    from pyhanko.pdf_utils import generic

    current = getattr(generic, "read_hex_string_from_stream", None)
    if current is _read_hex_string:
        return True
    if current is None or not callable(current):
        return False
    _original = current
    generic.read_hex_string_from_stream = _read_hex_string
    return True


def original():
    """pyHanko's own reader (for tests and the benchmark's raw primitive)."""
    from pyhanko.pdf_utils import generic

    return _original or generic.read_hex_string_from_stream
