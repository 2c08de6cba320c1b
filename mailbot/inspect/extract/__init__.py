"""Text of an attachment, in reading order, for the register (pure, never raises).

`extract_text(data, fmt)` takes an attachment already classified by
`formats.classify` and gives its text as NFC Unicode: paragraphs one per
line, table cells left to right and rows top to bottom (so a two-column
official header reads the left cell's lines, then the right cell's), legacy
TCVN3/VNI text converted, plus the fonts seen (a strong legacy signal).

Libraries: none beyond what mailbot already carries. OOXML and ODF are read
with the standard library's expat, streamed from the ZIP member in chunks;
RTF, .doc (Word 97 piece table) and .xls (BIFF8) with small readers written
here; PDF with pypdf (the limits of `inspect/pdf.py`), only the pages needed.

Untrusted input is bounded everywhere:
- ZIP: member count, declared sizes and compression ratio are checked before
  a member is opened, and bytes actually inflated are counted;
- XML: any DOCTYPE is refused (no DTD, so no entity expansion: the
  "billion laughs" and external entities are impossible), as defusedxml's
  forbid_dtd does; OOXML and ODF never carry one;
- work stops once `max_chars` of text (or the rows needed) are collected;
- RTF group depth, OLE stream sizes, PDF pages (first two and last two) are capped.

Layout: this package holds the entry point and the format → reader table;
each reader is a module named by what it reads (`plain`, `docx`, `odt`,
`xlsx`, `ods`, `rtf`, `doc`, `xls`, `pdf`), and what readers share lives once:
`output` (the text accumulator, the result, the errors), `convert` (legacy
pieces to Unicode), `package` (bounded ZIP members, DTD-free expat), `odf`
(OpenDocument styles), `sheets` (rows, numbers and dates) and `ole` (OLE2
streams).
"""

from __future__ import annotations

import functools
import logging
import zipfile
from collections.abc import Callable
from typing import Any
from xml.parsers import expat

# SHEET_ROWS, PDF_HEAD_PAGES and PDF_TAIL_PAGES are not used here: they are imported so
# that every public name of the single module this package replaced stays importable.
from mailbot.inspect.extract.doc import _doc
from mailbot.inspect.extract.docx import _docx
from mailbot.inspect.extract.ods import _ods
from mailbot.inspect.extract.odt import _odt
from mailbot.inspect.extract.output import (
    FLAG_EMPTY,
    FLAG_FAILED,
    FLAG_TRUNCATED,
    ExtractedText,
    _Enough,
    _failed,
    _Out,
    _Refused,
    _result,
)
from mailbot.inspect.extract.pdf import PDF_HEAD_PAGES, PDF_TAIL_PAGES, _pdf, _pdf_result  # noqa: F401
from mailbot.inspect.extract.plain import _plain
from mailbot.inspect.extract.rtf import _rtf
from mailbot.inspect.extract.sheets import SHEET_ROWS  # noqa: F401
from mailbot.inspect.extract.xls import _xls
from mailbot.inspect.extract.xlsx import _xlsx
from mailbot.util.errors import short_error

__all__ = [
    "FLAG_EMPTY",
    "FLAG_FAILED",
    "FLAG_TRUNCATED",
    "ExtractedText",
    "extract_text",
]

log = logging.getLogger(__name__)

_MAX_INPUT = 64 << 20                # bytes of any attachment we agree to read


def extract_text(data: bytes, fmt: str, *, max_chars: int = 200_000, pdf_reader: Any = None) -> ExtractedText:
    """Text of one attachment of an allowed format (see module doc). Never raises.
    `pdf_reader`: the pypdf reader `pdf.open_pdf()` already made of these bytes (one parse)."""
    data = bytes(data or b"")
    max_chars = max(0, int(max_chars))
    fmt = (fmt or "").lower()
    reader = _READERS.get(fmt)
    if fmt == "pdf" and pdf_reader is not None:
        reader = functools.partial(_pdf, reader=pdf_reader)
    if reader is None:
        return _failed(f"no text extractor for format {fmt!r}")
    if len(data) > _MAX_INPUT:
        return _failed(f"file larger than {_MAX_INPUT} bytes: not read")
    out = _Out(max_chars + 1024)
    pages: list[str | None] | None = None
    try:
        pages = reader(data, out)
    except _Enough:
        pass
    except _Refused as exc:
        return _failed(str(exc), out.fonts)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, expat.ExpatError, EOFError) as exc:
        return _failed(f"damaged {fmt} file: {short_error(exc, 200)}", out.fonts)
    except Exception as exc:  # noqa: BLE001 - untrusted input: one bad file, not a crash
        log.info("extract_text(%s) failed: %r", fmt, exc)
        return _failed(f"unreadable {fmt} file: {short_error(exc, 200)}", out.fonts)
    try:
        if fmt == "pdf" and pages is not None:
            return _pdf_result(out, pages, max_chars)
        return _result(out, max_chars)
    except Exception as exc:  # noqa: BLE001
        log.warning("extract_text(%s): conversion failed: %r", fmt, exc)
        return _failed(f"text conversion failed: {short_error(exc, 200)}", out.fonts)


_READERS: dict[str, Callable[[bytes, _Out], object]] = {
    "txt": _plain, "csv": _plain, "rtf": _rtf, "doc": _doc, "docx": _docx, "odt": _odt,
    "xls": _xls, "xlsx": _xlsx, "ods": _ods, "pdf": _pdf,
}
