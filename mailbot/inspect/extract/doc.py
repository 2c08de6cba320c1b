"""Word 97-2003 .doc: the main text through the piece table, and the font table.

The piece table (CLX in the table stream) maps the text to its 8-bit and
UTF-16 pieces; field codes are dropped and field results kept. Fonts per run
would mean reading the formatting tables, so a legacy font in the font table
is only a hint for the whole text, converted if the statistics agree. A file
that is not Word 97+ (or has no piece table) is scanned for text runs as a
best effort; an encrypted one is refused.
"""

from __future__ import annotations

import re
import struct

from mailbot.inspect import legacy
from mailbot.inspect.text import decode_text
from mailbot.inspect.extract.ole import _ole, _stream
from mailbot.inspect.extract.output import _Out, _Refused

_MAX_SCAN = 4 << 20                  # bytes of a .doc stream scanned for text without a piece table


def _doc(data: bytes, out: _Out) -> None:
    ole = _ole(data)
    try:
        word = _stream(ole, "WordDocument")
        if word is None:
            raise _Refused("not a Word document: no WordDocument stream")
        text, fonts = _doc_piece_table(ole, word, out.budget)
    finally:
        ole.close()
    for name in fonts:
        out.font(name)
    schemes = {s for s in map(legacy.font_scheme, fonts) if s}
    hint = None
    if schemes and len({legacy.VNI if s == legacy.VNI else legacy.TCVN3 for s in schemes}) == 1:
        base = schemes.pop()
        hint = "hint:" + (legacy.TCVN3 if base == legacy.TCVN3_UPPER else base)
    if text is None:
        text = _doc_scan(word)   # not a Word 97+ file we can walk: best-effort text runs
    out.add(text[: out.budget + 1], hint)


_FIELD_BEGIN, _FIELD_SEP, _FIELD_END = "\x13", "\x14", "\x15"
_DOC_CHARS = str.maketrans({"\r": "\n", "\x07": "\n", "\x0b": "\n", "\x0c": "\n",
                            "\x1e": "-", "\x1f": None, "\x01": None, "\x02": None,
                            "\x05": None, "\x08": None, "\x00": None})


def _doc_piece_table(ole, word: bytes, budget: int) -> tuple[str | None, list[str]]:
    """Word 97-2003: the main text through the piece table (CLX) of the table stream."""
    if len(word) < 0x1AA or struct.unpack_from("<H", word, 0)[0] != 0xA5EC:
        return None, []
    n_fib = struct.unpack_from("<H", word, 2)[0]
    flags = struct.unpack_from("<H", word, 0x0A)[0]
    if flags & 0x0100:
        raise _Refused("encrypted Word document: a password is needed to open it")
    if n_fib < 0xC1 or struct.unpack_from("<H", word, 0x20)[0] < 0x0E:
        return None, []
    table = _stream(ole, "1Table" if flags & 0x0200 else "0Table")
    if table is None:
        return None, []
    ccp_text = struct.unpack_from("<i", word, 0x4C)[0]
    fc_ffn, lcb_ffn = struct.unpack_from("<II", word, 0x112)
    fc_clx, lcb_clx = struct.unpack_from("<II", word, 0x1A2)
    fonts = _doc_fonts(table[fc_ffn: fc_ffn + lcb_ffn]) if lcb_ffn else []
    if not lcb_clx or fc_clx + lcb_clx > len(table) or ccp_text <= 0:
        return None, fonts
    clx = table[fc_clx: fc_clx + lcb_clx]
    pos = 0
    while pos < len(clx) and clx[pos] == 0x01:             # Prc: property modifiers, skipped
        pos += 3 + struct.unpack_from("<h", clx, pos + 1)[0]
    if pos + 5 > len(clx) or clx[pos] != 0x02:
        return None, fonts
    lcb = struct.unpack_from("<I", clx, pos + 1)[0]
    plc = clx[pos + 5: pos + 5 + lcb]
    count = (len(plc) - 4) // 12
    if count <= 0:
        return None, fonts
    cps = struct.unpack_from(f"<{count + 1}I", plc, 0)
    parts: list[str] = []
    total = 0
    for i in range(count):
        start, end = cps[i], min(cps[i + 1], ccp_text)
        if end <= start:
            continue
        fc = struct.unpack_from("<I", plc, 4 * (count + 1) + 8 * i + 2)[0]
        length = end - start
        if fc & 0x40000000:   # 8-bit characters (Windows-1252)
            offset = (fc & 0x3FFFFFFF) // 2
            parts.append(word[offset: offset + length].decode("cp1252", "replace"))
        else:
            parts.append(word[fc: fc + 2 * length].decode("utf-16-le", "replace"))
        total += length
        if total > 2 * budget or cps[i + 1] >= ccp_text:
            break
    return _doc_fields("".join(parts)).translate(_DOC_CHARS), fonts


def _doc_fields(text: str) -> str:
    """Field codes dropped, field results kept (0x13 code 0x14 result 0x15)."""
    if _FIELD_BEGIN not in text:
        return text
    out, stack = [], []          # stack: True while in a field's code part
    for ch in text:
        if ch == _FIELD_BEGIN:
            stack.append(True)
        elif ch == _FIELD_SEP and stack:
            stack[-1] = False
        elif ch == _FIELD_END and stack:
            stack.pop()
        elif not any(stack):
            out.append(ch)
    return "".join(out)


def _doc_fonts(sttb: bytes) -> list[str]:
    """Font names from SttbfFfn (each FFN: size byte, 39 bytes of metrics, UTF-16 name)."""
    if len(sttb) < 4:
        return []
    count = struct.unpack_from("<H", sttb, 0)[0]
    pos, names = 4, []
    for _ in range(min(count, 256)):
        if pos >= len(sttb):
            break
        size = sttb[pos] + 1
        entry = sttb[pos: pos + size]
        pos += size
        raw = entry[40:]
        name = raw.decode("utf-16-le", "replace").split("\0")[0]
        if name:
            names.append(name)
    return names


_DOC_RUN = re.compile("[\t\n\r\x07\x0b\x20-\x7e\xa0-\u01b0\u0300-\u0323\u1ea0-\u1ef9"
                      "\u2010-\u2026]{6,}")


def _doc_scan(word: bytes) -> str:
    """Text runs found in the WordDocument stream: UTF-16LE first, else 8-bit."""
    body = word[0x200: 0x200 + _MAX_SCAN] if len(word) > 0x200 else word
    wide = body[: len(body) // 2 * 2].decode("utf-16-le", "replace")
    runs = [m.group() for m in _DOC_RUN.finditer(wide)
            if sum(ch.isalpha() for ch in m.group()) >= 0.5 * len(m.group().strip() or "x")]
    if runs:
        return "\n".join(r.translate(_DOC_CHARS) for r in runs)
    narrow = [m.group() for m in re.finditer(rb"[\t\r\x20-\x7e\x80-\xff]{12,}", body)]
    texts = [decode_text(chunk)[0] for chunk in narrow]
    return "\n".join(t.translate(_DOC_CHARS) for t in texts if t)
