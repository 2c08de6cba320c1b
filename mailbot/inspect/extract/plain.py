"""Plain text (.txt, .csv).

The encoding is found by `text.decode_text` (a BOM, UTF-8, BOM-less UTF-16,
then the 8-bit code pages) and legacy TCVN3/VNI text, told by statistics, is
converted here at once: there are no fonts to tell pieces apart, so the
whole text is one piece and its flags go straight to the result. Bytes in no
known encoding (a binary blob) are refused rather than shown as mojibake.
"""

from __future__ import annotations

from mailbot.inspect.text import FLAG_NFD, FLAG_UNDECODABLE, LEGACY_FLAGS, decode_text, to_unicode
from mailbot.inspect.extract.output import _Out, _Refused


def _plain(data: bytes, out: _Out) -> None:
    text, flags = decode_text(data)
    if flags == (FLAG_UNDECODABLE,):
        raise _Refused("text in an unknown encoding (undecodable)")
    if FLAG_NFD in flags:
        out.flags.append(FLAG_NFD)
    converted, _ = to_unicode(text, [f for f in flags if f in LEGACY_FLAGS])
    out.flags.extend(f for f in flags if f in LEGACY_FLAGS)
    out.add(converted[: out.budget + 1])
