"""Text decoding and detection of non-Unicode Vietnamese (pure, no I/O).

Decision 57/2014 Art. 4.2.b requires Unicode (TCVN 6909:2001). Old
documents still arrive typed in the legacy 8-bit font encodings:

- TCVN3 / ABC (the ".VnTime" fonts): one byte per accented letter, seen
  through Windows-1252 as "Céng hoµ x· héi chñ nghÜa ViÖt Nam";
- VNI-Windows: base letter + one byte for the marks, seen as
  "Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam";

and Unicode text in decomposed form (NFD), which looks right but compares,
sorts and searches wrongly. Here we *detect* them; `to_unicode` then
converts what was detected with the converters of `legacy.py`.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mailbot.inspect import legacy
from mailbot.inspect.legacy import TCVN3_TO_UNICODE

__all__ = [
    "FLAG_NFD", "FLAG_TCVN3", "FLAG_VNI", "FLAG_UNDECODABLE", "TEXT_FLAGS",
    "decode_text", "vietnamese_text_flags", "TCVN3_TO_UNICODE",
    "to_unicode", "decode_to_unicode", "LEGACY_FLAGS", "SCHEME_FLAGS", "legacy_scores",
]

FLAG_NFD = "text-nfd"
FLAG_TCVN3 = "text-legacy-tcvn3"
FLAG_VNI = "text-legacy-vni"
FLAG_UNDECODABLE = "text-undecodable"
TEXT_FLAGS = (FLAG_NFD, FLAG_TCVN3, FLAG_VNI, FLAG_UNDECODABLE)

# Legacy detection looks at this much text at most: it is evident long before.
_SAMPLE_CHARS = 500_000

# -- TCVN3 (TCVN 5712:1993 VN3) -------------------------------------------------------

# TCVN3_TO_UNICODE (byte → letter) comes from legacy.py, next to the converters.
# Capitals with tone marks live in a separate font (.VnTimeH) that reuses the
# lower-case bytes, so they are not listed.

# The same bytes as they look once read as Windows-1252 (the usual mojibake).
_TCVN3_SEEN = {bytes([b]).decode("cp1252"): letter for b, letter in TCVN3_TO_UNICODE.items()}

# Non-letters in Windows-1252: never part of a word in normal text.
_TCVN3_SYMBOLS = frozenset(ch for ch in _TCVN3_SEEN if not ch.isalpha()) - {"\u00ad"}
# Capitals (and đ) that start a Vietnamese word: evidence when a letter follows.
_TCVN3_WORD_START = frozenset("¡¢£¤¥¦§®")
# Symbols also used as typography ("©", "»"): evidence only between letters.
_TCVN3_BETWEEN = frozenset("©»")
# Latin-1 letters that TCVN3 produces but Vietnamese Unicode never uses.
_FOREIGN_LETTERS = frozenset("ÆÇËÎÏÐÑÖØÜÞßäåæçëîïñöøûüþ")
# Windows-1258 tone marks (combining bytes) seen through Windows-1252: "thuÒ" is "thủ".
_CP1258_MARKS = frozenset("ÌÒÞ")

# -- VNI-Windows ------------------------------------------------------------------------

# Pairs VNI produces and no other Latin-script language has: these alone
# can raise the flag. "où", "coût" (French) and "naïve" only add weight.
_VNI_ONLY = re.compile("|".join([
    r"(?i:[aeiouy])[øäåØÄÅ]",               # "aø" = à, "eä" = ệ, "oå" = ổ
    r"[ôÔöÖ][ùøûõïÙØÛÕÏ]",                   # ơ/ư with a tone: "ôø" = ờ, "öù" = ứ
    r"[öÖ][ôÔ]",                             # ươ: "tröôøng" = trường
    r"(?<![^\W\d_])[ñÑ](?=[^\W\d_])",        # đ at the start of a word: "ñöôïc" = được
]))
_VNI_SHARED = re.compile(r"(?i:[aeiouy])[ùûõüÙÛÕÜ]")     # also French "où", "coût"
_VNI_DIAERESIS = re.compile(r"(?i:[aeiouy])[ïëÏË]")      # also "Noël", "naïve"

_WORD = re.compile(r"[^\W\d_]+")
# Vietnamese marks in decomposed form: grave, acute, circumflex, tilde, breve, hook, horn, dot.
_NFD_MARK = re.compile("[A-Za-zÀ-ỹ][\u0300\u0301\u0302\u0303\u0306\u0309\u031b\u0323]")


@dataclass(frozen=True)
class _Scheme:
    """A legacy encoding we can recognise (and, later, convert)."""

    flag: str
    score: Callable[[str], float]
    convert: Callable[[str], str] | None = None


def _letterish(ch: str) -> bool:
    return ch.isalpha() or ch in _TCVN3_SEEN


_TCVN3_CANDIDATE = re.compile("[" + re.escape("".join(sorted(_TCVN3_SEEN))) + "]")


def _tcvn3_score(text: str) -> float:
    """Strong hits (symbols or capitals inside words) count 1, foreign letters 0.5."""
    strong = weak = 0
    for m in _TCVN3_CANDIDATE.finditer(text):
        i, ch = m.start(), m.group()
        before = i > 0 and _letterish(text[i - 1])
        after = i + 1 < len(text) and _letterish(text[i + 1])
        if ch in _TCVN3_WORD_START:
            strong += after and not (i > 0 and text[i - 1].isalpha())
        elif ch in _TCVN3_BETWEEN:
            strong += before and after
        elif ch in _TCVN3_SYMBOLS:
            strong += before
        elif ch.isupper() and ch not in _CP1258_MARKS and i > 0 and text[i - 1].islower():
            strong += 1   # "ViÖt": a capital inside a lower-case word, in no language
        elif before and ch in _FOREIGN_LETTERS:
            weak += 1
    return 0.0 if strong == 0 else strong + weak / 2


def _vni_score(text: str) -> float:
    """VNI-only pairs count 1, pairs shared with French 0.5, diaereses 0.25."""
    only = sum(1 for _ in _VNI_ONLY.finditer(text))
    if only == 0:
        return 0.0
    shared = sum(1 for _ in _VNI_SHARED.finditer(text))
    diaeresis = sum(1 for _ in _VNI_DIAERESIS.finditer(text))
    return only + shared / 2 + diaeresis / 4


_SCHEMES = (
    # Plain text says nothing of its font: guess where ".VnTimeH" capitals were used.
    _Scheme(FLAG_TCVN3, _tcvn3_score,
            lambda text: legacy.convert(text, legacy.TCVN3, guess_case=True)),
    _Scheme(FLAG_VNI, _vni_score, legacy.vni_to_unicode),
)
LEGACY_FLAGS = (FLAG_TCVN3, FLAG_VNI)
# legacy.py scheme (from a font name) → the flag it raises once converted.
SCHEME_FLAGS = {legacy.TCVN3: FLAG_TCVN3, legacy.TCVN3_UPPER: FLAG_TCVN3, legacy.VNI: FLAG_VNI}


def _convincing(score: float, words: int) -> bool:
    # One clear hit is enough in a short line ("Vieät Nam"); longer text
    # needs several, and in proportion, so stray symbols do not count.
    if score < 1:
        return False
    # (Legacy Vietnamese text scores about 0.5 per word.)
    return (score >= 2 or words <= 3) and score >= 0.1 * words


def _legacy_flags(text: str) -> tuple[str, ...]:
    sample = text[:_SAMPLE_CHARS]
    if sample.isascii():
        return ()
    words = len(_WORD.findall(sample))
    scored = [(s.score(sample), s.flag) for s in _SCHEMES]
    hits = [(score, flag) for score, flag in scored if _convincing(score, words)]
    if not hits:
        return ()
    return (max(hits)[1],)   # a text is in one legacy encoding: keep the likelier


def legacy_scores(text: str) -> dict[str, float]:
    """Raw evidence per legacy flag (about 0.5 per legacy word; 0 when none).

    For callers that already have a hint (a legacy font in the file's font
    table) and only need the text not to contradict it.
    """
    sample = text[:_SAMPLE_CHARS]
    if sample.isascii():
        return {s.flag: 0.0 for s in _SCHEMES}
    return {s.flag: s.score(sample) for s in _SCHEMES}


def vietnamese_text_flags(text: str) -> tuple[str, ...]:
    """Flags for text as given: decomposed marks (NFD) and legacy encodings."""
    flags: list[str] = []
    if not unicodedata.is_normalized("NFC", text) and _NFD_MARK.search(text):
        flags.append(FLAG_NFD)
    flags.extend(_legacy_flags(text))
    return tuple(flags)


# -- decoding ---------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_MAX_CONTROL_SHARE = 0.01


# C0/C1 controls (less tab, newlines, form feeds, DOS EOF), surrogates, private use.
_NOT_TEXT = re.compile(r"[\x00-\x08\x0e-\x19\x1b-\x1f\x7f-\x9f\ud800-\udfff\ue000-\uf8ff]")


def _looks_like_text(text: str) -> bool:
    bad = sum(1 for _ in _NOT_TEXT.finditer(text))
    return bad <= _MAX_CONTROL_SHARE * len(text)


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _utf16_without_bom(data: bytes) -> str | None:
    """Mostly-ASCII UTF-16 without a BOM: one byte of each pair is zero."""
    if len(data) < 4 or len(data) % 2:
        return None
    pairs = len(data) // 2
    for encoding, zero_at in (("utf-16-le", 1), ("utf-16-be", 0)):
        zeros = data[zero_at::2].count(0)
        if zeros >= 0.6 * pairs and data[1 - zero_at::2].count(0) == 0:
            return _strict(data, encoding)
    return None


def _decode_unicode(data: bytes) -> str | None:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _strict(data[len(bom):], encoding)
    if b"\0" in data:
        return _utf16_without_bom(data)
    return _strict(data, "utf-8")


def _decode_8bit(data: bytes) -> tuple[str, tuple[str, ...]] | None:
    """Windows-1258 text, or TCVN3/VNI bytes (kept as their Windows-1252 view)."""
    if b"\0" in data:
        return None
    seen = data.decode("cp1252", errors="replace")
    legacy = _legacy_flags(seen)
    if legacy and _looks_like_text(seen):
        # Kept as Windows-1252 characters: lossless, and what a converter will read.
        return unicodedata.normalize("NFC", seen), legacy
    for encoding in ("cp1258", "cp1252"):
        text = _strict(data, encoding)
        if text is not None and _looks_like_text(text):
            text = unicodedata.normalize("NFC", text)   # cp1258 decodes to combining marks
            return text, _legacy_flags(text)
    return None


def decode_text(data: bytes) -> tuple[str, tuple[str, ...]]:
    """Decode bytes that should be text; return (NFC text, flags).

    Tries a BOM, UTF-8, BOM-less UTF-16, then the 8-bit code pages. Bytes that
    are none of these (a binary blob) give ("", ("text-undecodable",)).
    """
    text = _decode_unicode(data)
    if text is not None and _looks_like_text(text):
        flags = vietnamese_text_flags(text)   # on the text as sent, before NFC
        return unicodedata.normalize("NFC", text), flags
    if text is None:
        decoded = _decode_8bit(data)
        if decoded is not None:
            return decoded
    return "", (FLAG_UNDECODABLE,)


# -- conversion -------------------------------------------------------------------------

def to_unicode(text: str, flags: Sequence[str] | None = None) -> tuple[str, tuple[str, ...]]:
    """NFC Unicode text, legacy TCVN3/VNI converted; returns (text, flags).

    `flags` are what `vietnamese_text_flags` (or `decode_text`) found; they are
    computed here when not given. Only a detected scheme is converted, and the
    converters leave alone any line holding characters a legacy font cannot
    produce, so normal Unicode text comes back unchanged (NFC).
    """
    if flags is None:
        flags = vietnamese_text_flags(text)
    flags = tuple(flags)
    out = text
    for scheme in _SCHEMES:
        if scheme.flag in flags and scheme.convert is not None:
            out = scheme.convert(out)
    return unicodedata.normalize("NFC", out), flags


def decode_to_unicode(data: bytes) -> tuple[str, tuple[str, ...]]:
    """`decode_text`, then legacy text converted: (NFC Unicode text, flags)."""
    text, flags = decode_text(data)
    return to_unicode(text, flags)
