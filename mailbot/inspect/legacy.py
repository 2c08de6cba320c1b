"""Legacy Vietnamese encodings (TCVN3/ABC, VNI-Windows) converted to Unicode NFC.

Pure functions on *text as a Windows program saw it*: each legacy byte is one
character U+00A0..U+00FF (the Windows-1252 / Latin-1 view: "Céng hoµ",
"Coäng hoøa"). That is what Word, LibreOffice, RTF readers, pypdf and
`text.decode_text` all give for text typed with the legacy fonts, so the
tables below work on characters, not bytes. Both encodings only use bytes
≥ 0xA0, where the two views agree.

- TCVN3 (TCVN 5712:1993 "VN3", the ABC fonts ".VnTime", ".VnArial"…): one
  byte per letter. The tone-marked capitals have no code: the ".VnTimeH"
  family draws every byte (and every ASCII letter) as a capital.
- VNI-Windows ("VNI-Times", "VNI-Helve"…): the base letter, then one byte
  holding its marks ("Vieät" = "Việt"); ơ, ư, đ and the toned i/ỵ are
  single bytes.

Nothing here decides *whether* text is legacy: `text.py` detects that (from
fonts or statistics). As a last guard, a converter leaves untouched any line
(or run) holding a character no legacy font can produce (anything outside
Windows-1252, e.g. "ộ", "ư"): such text is already Unicode.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "TCVN3",
    "TCVN3_TO_UNICODE",
    "TCVN3_UPPER",
    "VNI",
    "VNI_MARKS",
    "VNI_SINGLE",
    "convert",
    "font_scheme",
    "guess_tcvn3_case",
    "is_convertible",
    "tcvn3_to_unicode",
    "vni_to_unicode",
]

TCVN3, TCVN3_UPPER, VNI = "tcvn3", "tcvn3-upper", "vni"

# -- TCVN3 ------------------------------------------------------------------------------

# Byte → letter (TCVN 5712:1993, VN3). Complete: 7 capitals without tone,
# 7 lower-case base letters, 12 vowels × 5 tones. The gaps (0xBA, 0xC0-0xC5,
# 0xCD, 0xD9-0xDB, 0xE0, 0xF0) are unassigned and stay as they are.
TCVN3_TO_UNICODE: dict[int, str] = {
    0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
    0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ",
    0xB5: "à", 0xB6: "ả", 0xB7: "ã", 0xB8: "á", 0xB9: "ạ",
    0xBB: "ằ", 0xBC: "ẳ", 0xBD: "ẵ", 0xBE: "ắ", 0xC6: "ặ",
    0xC7: "ầ", 0xC8: "ẩ", 0xC9: "ẫ", 0xCA: "ấ", 0xCB: "ậ",
    0xCC: "è", 0xCE: "ẻ", 0xCF: "ẽ", 0xD0: "é", 0xD1: "ẹ",
    0xD2: "ề", 0xD3: "ể", 0xD4: "ễ", 0xD5: "ế", 0xD6: "ệ",
    0xD7: "ì", 0xD8: "ỉ", 0xDC: "ĩ", 0xDD: "í", 0xDE: "ị",
    0xDF: "ò", 0xE1: "ỏ", 0xE2: "õ", 0xE3: "ó", 0xE4: "ọ",
    0xE5: "ồ", 0xE6: "ổ", 0xE7: "ỗ", 0xE8: "ố", 0xE9: "ộ",
    0xEA: "ờ", 0xEB: "ở", 0xEC: "ỡ", 0xED: "ớ", 0xEE: "ợ",
    0xEF: "ù", 0xF1: "ủ", 0xF2: "ũ", 0xF3: "ú", 0xF4: "ụ",
    0xF5: "ừ", 0xF6: "ử", 0xF7: "ữ", 0xF8: "ứ", 0xF9: "ự",
    0xFA: "ỳ", 0xFB: "ỷ", 0xFC: "ỹ", 0xFD: "ý", 0xFE: "ỵ",
}
_TCVN3_TABLE = {byte: letter for byte, letter in TCVN3_TO_UNICODE.items()}   # str.translate

# -- VNI-Windows ------------------------------------------------------------------------

_GRAVE, _ACUTE, _HOOK, _TILDE, _DOT = "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"
_CIRCUMFLEX, _BREVE = "\u0302", "\u0306"

# Mark byte → (which bases take it, the combining marks it stands for).
VNI_MARKS: dict[str, tuple[str, str]] = {}
for _shape, _bases, _chars in (
    (_CIRCUMFLEX, "aeo", "âàáåãä"),      # â  ầ ấ ẩ ẫ ậ (also ê…, ô…)
    (_BREVE, "a", "êèéúüë"),             # ă  ằ ắ ẳ ẵ ặ
    ("", "aeiouyơư", "\0øùûõï"),         # plain tones: grave acute hook tilde dot
):
    for _char, _tone in zip(_chars, ("", _GRAVE, _ACUTE, _HOOK, _TILDE, _DOT)):
        if _char != "\0":
            VNI_MARKS[_char] = (_bases, _shape + _tone)
            VNI_MARKS[_char.upper()] = (_bases, _shape + _tone)

# Single-byte letters (no base letter before them).
VNI_SINGLE: dict[str, str] = {
    "ñ": "đ", "Ñ": "Đ", "ô": "ơ", "Ô": "Ơ", "ö": "ư", "Ö": "Ư",
    "æ": "ỉ", "Æ": "Ỉ", "ó": "ĩ", "Ó": "Ĩ", "ò": "ị", "Ò": "Ị", "î": "ỵ", "Î": "Ỵ",
    # "ì", "í" (and capitals) are the same letters in VNI and Unicode.
}
_VNI_BASES = frozenset("aeiouyAEIOUY")


# -- fonts ------------------------------------------------------------------------------

_VNI_FONT = re.compile(r"^vni[-_ ]", re.IGNORECASE)                         # "VNI-Times", "VNI-Helve"
_TCVN3_FONT = re.compile(r"^(?:\.vn|vn(?:time|arial|helvetica|avant|book|century|courier))", re.IGNORECASE)
_STYLE_SUFFIX = re.compile(r"(?:[-, ]+(?:bold|italic|oblique|regular|bolditalic|boldoblique|"
                           r"black|light|mt|ps))+$", re.IGNORECASE)


def font_scheme(name: str | None) -> str | None:
    """The legacy encoding a font name implies: TCVN3, TCVN3_UPPER, VNI or None.

    ".VnTime" → TCVN3, ".VnTimeH" / ".VnArial NarrowH" → TCVN3_UPPER (capitals
    font), "VNI-Times" → VNI. PDF names may carry a subset prefix ("ABCDEF+")
    and a style suffix (",Bold", "-Italic").
    """
    if not name:
        return None
    name = name.strip().lstrip("/").strip("'\"")
    if re.match(r"^[A-Z]{6}\+", name):
        name = name[7:]
    if _VNI_FONT.match(name):
        return VNI
    if _TCVN3_FONT.match(name):
        core = _STYLE_SUFFIX.sub("", name)
        return TCVN3_UPPER if core.endswith("H") else TCVN3
    return None


# -- converters -------------------------------------------------------------------------

def is_convertible(text: str) -> bool:
    """True when every character could come from a legacy font (Windows-1252 repertoire)."""
    if text.isascii():
        return True
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def _guarded(text: str, convert_one) -> str:
    if is_convertible(text):
        return convert_one(text)
    # Mixed text: convert line by line, keep lines that are already Unicode.
    return "".join(convert_one(line) if is_convertible(line) else line
                   for line in text.splitlines(keepends=True))


def _tcvn3_one(text: str, upper: bool) -> str:
    out = text.translate(_TCVN3_TABLE)
    return out.upper() if upper else out


def tcvn3_to_unicode(text: str, *, upper: bool = False) -> str:
    """TCVN3 (ABC) text → NFC Unicode; `upper` for the ".VnTimeH" capital fonts."""
    return unicodedata.normalize("NFC", _guarded(text, lambda t: _tcvn3_one(t, upper)))


def _vni_one(text: str) -> str:
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        base = ch if ch in _VNI_BASES else VNI_SINGLE.get(ch) if ch in "ôÔöÖ" else None
        if base is not None and i + 1 < n:
            mark = VNI_MARKS.get(text[i + 1])
            if mark is not None and base.lower() in mark[0]:
                out.append(unicodedata.normalize("NFC", base + mark[1]))
                i += 2
                continue
        out.append(VNI_SINGLE.get(ch, ch))
        i += 1
    return "".join(out)


def vni_to_unicode(text: str) -> str:
    """VNI-Windows text → NFC Unicode."""
    return unicodedata.normalize("NFC", _guarded(text, _vni_one))


_WORD = re.compile(r"\S+")
_TCVN3_LETTERS = frozenset(TCVN3_TO_UNICODE.values())


def guess_tcvn3_case(converted: str) -> str:
    """Capitalise words typed in a ".VnTimeH" font when the font is unknown (plain text).

    After conversion such words look like "CộNG HOà X HộI": upper-case ASCII
    letters with lower-case Vietnamese ones. A word whose ASCII letters are all
    capitals (two or more) is upper-cased; a word with fewer ASCII letters
    ("Xã", "Đà") only between two such words.
    """
    lines = converted.splitlines(keepends=True)
    return "".join(_guess_line(line) for line in lines)


def _caps_word(word: str) -> bool | None:
    """True: all-capital word; False: has lower-case ASCII; None: too few ASCII letters to say."""
    letters = [c for c in word if c.isascii() and c.isalpha()]
    if any(c.islower() for c in letters):
        return False
    return True if len(letters) >= 2 else None


def _guess_line(line: str) -> str:
    words = list(_WORD.finditer(line))
    if not words or not any(ch in _TCVN3_LETTERS for ch in line):
        return line
    kinds = [_caps_word(m.group()) for m in words]
    out, last = [], 0
    for i, m in enumerate(words):
        word = m.group()
        kind = kinds[i]
        if kind is None:
            prev = next((k for k in reversed(kinds[:i]) if k is not None), None)
            nxt = next((k for k in kinds[i + 1:] if k is not None), None)
            kind = bool(prev and nxt)
        out.append(line[last:m.start()])
        out.append(word.upper() if kind and any(c in _TCVN3_LETTERS for c in word) else word)
        last = m.end()
    out.append(line[last:])
    return "".join(out)


def convert(text: str, scheme: str, *, guess_case: bool = False) -> str:
    """Convert `text` from a legacy scheme (TCVN3, TCVN3_UPPER, VNI) to NFC Unicode."""
    if scheme == VNI:
        return vni_to_unicode(text)
    if scheme in (TCVN3, TCVN3_UPPER):
        out = tcvn3_to_unicode(text, upper=scheme == TCVN3_UPPER)
        return guess_tcvn3_case(out) if guess_case and scheme == TCVN3 else out
    raise ValueError(f"unknown legacy scheme {scheme!r}")
