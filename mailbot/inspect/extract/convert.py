"""Legacy TCVN3/VNI pieces of text to Unicode, decided per scheme over the whole text.

A run whose own font names a legacy encoding is converted unless the text
disagrees (people type Unicode in a .VnTime font); a font only known to be
somewhere in the file ("hint:<scheme>", .doc and PDF) needs the statistics
to agree; text with no legacy font is converted only when the statistics
alone say so. The evidence is read from the lines a legacy font could have
produced, so Unicode lines elsewhere do not dilute it. Used by the result of
every reader, PDF pages included.
"""

from __future__ import annotations

import re
import unicodedata

from mailbot.inspect import legacy
from mailbot.inspect.text import FLAG_NFD, LEGACY_FLAGS, SCHEME_FLAGS, legacy_scores, to_unicode, vietnamese_text_flags

_VIETNAMESE_UNICODE = re.compile("[\u0102\u0103\u0110\u0111\u0128\u0129\u0168\u0169"
                                 "\u01a0\u01a1\u01af\u01b0\u1ea0-\u1ef9]")


def _legacy_lines(text: str) -> str:
    """The lines of `text` a legacy font could have produced (where evidence counts)."""
    return "\n".join(line for line in text.splitlines() if legacy.is_convertible(line))


def _convert_segments(segs: list[tuple[str, str | None]]) -> tuple[list[str], list[str]]:
    """Convert legacy pieces; return the converted pieces (aligned) and the flags."""
    flags: list[str] = []
    raw_all = "".join(t for t, _ in segs)
    if FLAG_NFD in vietnamese_text_flags(raw_all[:500_000]):
        flags.append(FLAG_NFD)

    # Pieces whose own font names a legacy encoding. The font can lie (Unicode
    # typed in a .VnTime font): then the text must agree.
    trusted: dict[str, bool] = {}
    for scheme in {s for _, s in segs if s}:
        texts = "".join(t for t, s in segs if s == scheme)
        base = scheme.removeprefix("hint:")
        flag = SCHEME_FLAGS[base]
        lines = _legacy_lines(texts)
        score = legacy_scores(lines).get(flag, 0.0)
        if scheme.startswith("hint:"):
            trusted[scheme] = score >= 1
        else:
            trusted[scheme] = score >= 1 or not _VIETNAMESE_UNICODE.search(texts)

    out: list[str] = []
    for text, scheme in segs:
        if scheme and trusted.get(scheme):
            base = scheme.removeprefix("hint:")
            new = legacy.convert(text, base, guess_case=scheme.startswith("hint:"))
            if new != text and SCHEME_FLAGS[base] not in flags:
                flags.append(SCHEME_FLAGS[base])
            out.append(new)
        else:
            out.append(text)

    # The rest: legacy only if the statistics say so (plain text, or a font we did not see).
    plain = "".join(t for (t, s) in segs if not (s and trusted.get(s)))
    found = [f for f in vietnamese_text_flags(_legacy_lines(plain)) if f in LEGACY_FLAGS]
    if found:
        for i, (text, scheme) in enumerate(segs):
            if not (scheme and trusted.get(scheme)):
                new, _ = to_unicode(text, found)
                if new != unicodedata.normalize("NFC", text) and found[0] not in flags:
                    flags.append(found[0])
                out[i] = new
    return out, flags
