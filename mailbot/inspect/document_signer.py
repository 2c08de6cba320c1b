"""The signer block and the Nơi nhận list of `inspect/document`: signature levels (TM., KT.,
TL., TUQ. and the position), the signer's name, two blocks side by side (the presiding or the
right-hand one signs), and a Nơi nhận list interleaved with the signature column."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mailbot.inspect.document_case import is_upper_text, name_case, split_prefix
from mailbot.inspect.document_lines import (
    _CONNECTORS, _HEADING, _RECIPIENTS, _clean, _has_lower, _is_position,
)
from mailbot.inspect.document_types import NAME_PREFIXES, SURNAMES, fold_key

_BULLET = re.compile(r"^[-–—•+*·]\s*")
_SIGNED_NOISE = re.compile(
    r"^[\[(]?\s*(?:đã\s+ký|daky|ký\s*,?\s*(?:tên|ghi rõ)|ký\s+và|chữ\s+ký|đóng\s+dấu|dấu)"
    r"[^)\]]*[)\]]?$", re.I)


def _person_name(text: str) -> str | None:
    """A signer's name ("Lê Viết Chữ", "NGUYỄN VĂN A"), ranks and degrees dropped."""
    text = _clean(re.sub(r"^[\[(]?\s*(?:đã\s+ký|daky)\s*[)\]]?\s*", "", text, flags=re.I))
    for prefix in NAME_PREFIXES:
        if text.lower().startswith(prefix.lower() + " ") or text.startswith(prefix):
            text = text[len(prefix):].strip()
    words = text.split()
    if not 2 <= len(words) <= 5 or not all(w.replace("-", "").isalpha() for w in words):
        return None
    if all(w.isupper() for w in words):
        return name_case(text) if fold_key(words[0]) in SURNAMES else None
    if not all(w[0].isupper() and (len(w) == 1 or not _has_lower(w[0]) and w[1:] == w[1:].lower())
               for w in words):
        return None
    if fold_key(words[0]) in SURNAMES or len(words) >= 3:
        return text
    return None


def _split_names(text: str) -> list[str]:
    """ "Nguyễn Văn Bình Trần Thị Cúc" (two names on one line) → two names, at a surname."""
    words = text.split()
    for i in range(2, len(words) - 1):
        if fold_key(words[i]) in SURNAMES:
            left, right = _person_name(" ".join(words[:i])), _person_name(" ".join(words[i:]))
            if left and right:
                return [left, right]
    return []


def _level(text: str) -> str | None:
    """One level of a signature block ("KT. CHỦ TỊCH"), else None."""
    text = _clean(text)
    if not text or len(text.split()) > 12:
        return None
    prefix, rest = split_prefix(text)
    if prefix and rest and (not _has_lower(rest) or rest[0].isupper()):
        if prefix == "Q." and not _is_position(rest):
            return None
        return text
    if _HEADING.match(text):
        return None
    if _has_lower(text):
        # Typed in normal case ("Phó Giám đốc"): only a short bare position counts.
        short = len(text.split()) <= 4 and not re.search(r"[.,;:()]", text)
        return text if short and text[0].isupper() and _is_position(text) else None
    return text if _is_position(text) else None


def _side_by_side(level: str) -> list[str]:
    """ "THƯ KÝ CHỦ TỌA" (two blocks on one line) → ["THƯ KÝ", "CHỦ TỌA"]."""
    words = level.split()
    if split_prefix(level)[0]:
        return [level]
    for k in range(1, len(words)):
        left, right = " ".join(words[:k]), " ".join(words[k:])
        if _is_position(left) and (_is_position(right)
                                                      or split_prefix(right)[0]) \
                and left.lower() != "phó":
            return [left] + _side_by_side(right)
    return [level]


def _level_is_final(level: str) -> bool:
    # A block ends with the signer's own position; TM./KT./TL./TUQ. levels lead to another.
    prefix, rest = split_prefix(level)
    if prefix in ("TM.", "KT.", "TL.", "TUQ."):
        return False
    return not fold_key(rest).startswith("dai dien")


def _split_interleaved(lines: list[str]) -> list[str]:
    """ "- Như trên; KT. CHỦ TỊCH" → "- Như trên;", "KT. CHỦ TỊCH" (Nơi nhận beside the signature)."""
    out: list[str] = []
    for line in lines:
        if not (_RECIPIENTS.match(line) or _BULLET.match(line)):
            out.append(line)
            continue
        words = line.split()
        for k in range(max(1, len(words) - 12), len(words)):
            tail = " ".join(words[k:])
            after_item = words[k - 1].endswith((";", ".", ":"))
            if (_level(tail) and not _has_lower(tail)) or (after_item and _person_name(tail)):
                out.extend([" ".join(words[:k]), tail])  # "- Lưu: VT. Nguyễn Văn A" too
                break
        else:
            out.append(line)
    return out


def _read_recipients(lines: list[str]) -> tuple[list[str] | None, set[int]]:
    """The Nơi nhận items in order, and the line indexes they used."""
    start = next((i for i, t in enumerate(lines) if _RECIPIENTS.match(t)), None)
    if start is None:
        return None, set()
    used = {start}
    items: list[str] = []
    first = _RECIPIENTS.sub("", lines[start]).strip()
    candidates = ([(start, first)] if first else []) + list(enumerate(lines))[start + 1:]
    for i, t in candidates:
        if not t:
            continue
        if _BULLET.match(t):
            items.append(t)
        elif _level(t) and _bullet_follows(lines, i):
            continue  # a signature level interleaved with the list
        elif _level(t) or _person_name(t) or _SIGNED_NOISE.match(t):
            break
        elif items and (t[0].islower() or items[-1].rstrip().endswith((",", "-"))
                        or items[-1].split()[-1] in _CONNECTORS):
            items[-1] = f"{items[-1]} {t}"
        elif not items or re.match(r"^(?:Lưu|Như\s+trên)\b", t) or t.endswith((";", ".")):
            if is_upper_text(t) and not re.match(r"^(?:Lưu|Như)", t):
                break
            items.append(t)
        else:
            break
        used.add(i)
    cleaned = [_clean(re.sub(r"[;.,\s]+$", "", _BULLET.sub("", t))) for t in items]
    return [c for c in cleaned if c], used


def _bullet_follows(lines: list[str], i: int) -> bool:
    nxt = next((t for t in lines[i + 1:] if t), "")
    return bool(_BULLET.match(nxt))


@dataclass
class _Signature:
    levels: list[str]
    name: str | None


def _read_signature(lines: list[str], skip: set[int]) -> _Signature | None:
    """Signature blocks from the first level line; the presiding / right-hand one wins."""
    for start, t in enumerate(lines):
        if start in skip or not _level(t):
            continue
        blocks, names = _blocks_from(lines, start, skip)
        if blocks and names:
            return _choose(blocks, names)
    # Title lost (seed 000): a lone name after the Nơi nhận list.
    for i in sorted(skip)[-1:]:
        for t in lines[i + 1:i + 8]:
            name = _person_name(t) if t else None
            if name:
                return _Signature([], name)
    return None


def _blocks_from(lines: list[str], start: int, skip: set[int]) -> tuple[list[list[str]], list[str]]:
    blocks: list[list[str]] = []
    names: list[str] = []
    open_block = False
    quiet = 0
    for i in range(start, min(len(lines), start + 40)):
        t = lines[i]
        if i in skip or not t or _SIGNED_NOISE.match(t):
            continue
        for level in _side_by_side(t) if _level(t) else ():
            if not open_block:
                blocks.append([])
            blocks[-1].append(level)
            open_block = not _level_is_final(level)
        if _level(t):
            continue
        name = _person_name(t)
        if name and blocks:
            names.append(name)
            open_block = False
            continue
        if blocks and len(blocks) > len(names) and len(t.split()) >= 4:
            names.extend(_split_names(t))
        quiet += 1
        if names and len(names) >= len(blocks) or quiet > 6:
            break
    return blocks, names


def _choose(blocks: list[list[str]], names: list[str]) -> _Signature:
    pairs = list(zip(blocks, names))
    for levels, name in pairs:
        if re.match(r"^(?:chu toa|chu tri)", fold_key(levels[-1])):
            return _Signature(levels, name)
    levels, name = pairs[-1]
    return _Signature(levels, name)
