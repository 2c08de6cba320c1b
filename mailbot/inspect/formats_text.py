"""Text attachments for `inspect/formats`: plain text or CSV (told apart by their shape), and
text that is really a page, a script or an e-mail."""

from __future__ import annotations

import csv
import re
from collections import Counter

from mailbot.inspect.formats_kinds import _MIME_KINDS, _allowed, _c, _Content
from mailbot.inspect.text import FLAG_UNDECODABLE, decode_text

# Text under these names is what the name says: a page, a script, a program.
_TEXT_BY_NAME = {
    **{ext: _MIME_KINDS["text/html"] for ext in ("html", "htm", "xhtml", "mht", "mhtml", "hta")},
    "xml": _MIME_KINDS["text/xml"], "svg": _MIME_KINDS["image/svg+xml"],
    "eml": _MIME_KINDS["message/rfc822"],
}


_SCRIPT_EXTENSIONS = frozenset(
    "js jse vbs vbe vb wsf wsh ws ps1 psm1 psd1 bat cmd sh bash py pl rb php jar exe com scr pif "
    "dll cpl msi lnk url reg inf scf msc gadget application chm jnlp".split())


def _text(data: bytes, mime: str, ext: str) -> _Content | None:
    text, flags = decode_text(data)
    if flags == (FLAG_UNDECODABLE,):
        return None
    if ext in _TEXT_BY_NAME:
        return _TEXT_BY_NAME[ext]
    if ext in _SCRIPT_EXTENSIONS:
        return _c("script", f"tệp lệnh hoặc chương trình (.{ext})", f"a script or program (.{ext})")
    markup = _markup(text, mime, ext)
    if markup is not None:
        return markup
    if ext in ("txt", "csv"):  # both are text: among them the name decides
        return _allowed(ext, flags)
    return _allowed("csv" if _looks_tabular(text) else "txt", flags)


_HTML_START = re.compile(r"\A\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)[\s>]", re.I | re.S)
_XML_START = re.compile(r"\A\s*<\?xml\s", re.I)


def _markup(text: str, mime: str, ext: str) -> _Content | None:
    """HTML/XML/e-mail told apart from plain text (libmagic, then our own look)."""
    head = text[:4096].lstrip("\ufeff")
    if mime == "text/html" or _HTML_START.match(head):
        return _MIME_KINDS["text/html"]
    if mime == "image/svg+xml" or (_XML_START.match(head) and "<svg" in head):
        return _MIME_KINDS["image/svg+xml"]
    if mime in ("text/xml", "application/xml") or _XML_START.match(head):
        return _MIME_KINDS["text/xml"]
    if mime == "message/rfc822" and ext not in ("txt", "csv"):  # "From: …" text is still text
        return _MIME_KINDS["message/rfc822"]
    return None


_DELIMITERS = ",;\t|"
_SAMPLE_LINES = 200


def _looks_tabular(text: str) -> bool:
    """CSV, not prose: most lines split into the same number (≥ 2) of short fields.

    Prose with one comma per line ("Căn cứ …, ngày …;") also has a constant
    field count — libmagic calls such text CSV — so long, wordy fields or
    sentence endings on two-field lines count against it.
    """
    lines = [line for line in text[:200_000].splitlines() if line.strip()][:_SAMPLE_LINES]
    if len(lines) < 2:
        return False
    return any(_tabular_with(lines, d) for d in _DELIMITERS)


def _tabular_with(lines: list[str], delimiter: str) -> bool:
    try:
        rows = list(csv.reader(lines, delimiter=delimiter))
    except csv.Error:
        return False
    width, count = Counter(len(r) for r in rows).most_common(1)[0]
    if width < 2 or count < 0.8 * len(rows):
        return False
    cells = [c for r in rows for c in r]
    wordy = sum(1 for c in cells if len(c.split()) > 6)
    if wordy > 0.3 * len(cells):
        return False
    sentences = sum(1 for line in lines if line.rstrip().endswith((".", ";", ":", "!", "?")))
    return not (width == 2 and sentences > 0.5 * len(lines))
