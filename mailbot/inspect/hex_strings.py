"""Faster readers for PDF hex strings (`<48656C6C6F>`) in pyHanko and pypdf, installed by `install()`.

Both libraries read a hex string one byte at a time. A signature's `/Contents`
is such a string of ~16,000 digits (pyHanko reads it for every signature), and
Word-exported Vietnamese PDFs show all their text as hex strings (Type0 fonts,
Identity-H) that pypdf reads while extracting it; on a typical signed document
those loops cost milliseconds (benchmarks/README.md). The replacement reads the
string in blocks and decodes it with `binascii`. Anything unusual — a comment
inside the string, a non-hex character, no closing `>` — is handed back to the
library's own reader from the same position, so results and errors stay theirs.
"""

from __future__ import annotations

import binascii
import contextlib
import re

_HEX = re.compile(rb"[0-9a-fA-F]*")
_WHITESPACE = b" \n\r\t\x0c\x00"         # PDF white-space characters (ISO 32000-1, 7.2.2)
_BLOCK = 16 * 1024

_originals: dict[str, object] = {}


def _scan(stream) -> bytes | None:
    """The decoded bytes of the plain hex string at the stream's position (at its "<"),
    leaving the stream just past the closing ">"; None, with the stream where it was,
    when the string is anything but plain digits and white space."""
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
        return None
    stream.seek(start + 1 + len(body) + 1)  # just past ">"
    if len(digits) % 2:
        digits += b"0"
    return binascii.unhexlify(digits)


def _pyhanko_reader(stream):
    data = _scan(stream)
    if data is None:
        return _originals["pyhanko"](stream)
    from pyhanko.pdf_utils.generic import pdf_string

    return pdf_string(data)


def _pypdf_reader(stream, forced_encoding=None):
    data = _scan(stream)
    if data is None:
        return _originals["pypdf"](stream, forced_encoding)
    from pypdf.generic._utils import create_string_object

    return create_string_object(data, forced_encoding)


def _modules(library: str) -> list:
    """The modules whose global `read_hex_string_from_stream` the library's parser calls."""
    if library == "pyhanko":
        from pyhanko.pdf_utils import generic

        return [generic]
    import pypdf.generic
    from pypdf.generic import _data_structures, _utils

    return [_utils, _data_structures, pypdf.generic]


_FAST = {"pyhanko": _pyhanko_reader, "pypdf": _pypdf_reader}


def install() -> bool:
    """Replace both libraries' hex string readers (once). A library whose modules do not look
    as expected is left unchanged; False then."""
    ok = True
    for library, fast in _FAST.items():
        modules = _modules(library)
        current = [getattr(m, "read_hex_string_from_stream", None) for m in modules]
        if all(c is fast for c in current):
            continue
        stock = current[0]
        if stock is None or not callable(stock) or any(c not in (stock, fast) for c in current):
            ok = False
            continue
        _originals[library] = stock
        for module in modules:
            module.read_hex_string_from_stream = fast
    return ok


def original(library: str):
    """The library's own reader, "pyhanko" or "pypdf" (for tests and the benchmark's raw primitives)."""
    return _originals.get(library) or getattr(_modules(library)[0], "read_hex_string_from_stream")


@contextlib.contextmanager
def stock_readers(library: str):
    """The library's own reader wherever its parser calls one, while the block runs (tests, and
    the benchmark's raw primitives, which measure the libraries as shipped)."""
    modules = _modules(library)
    installed = [m.read_hex_string_from_stream for m in modules]
    stock = original(library)
    for module in modules:
        module.read_hex_string_from_stream = stock
    try:
        yield
    finally:
        for module, reader in zip(modules, installed):
            module.read_hex_string_from_stream = reader
