"""Casing of names read from a document header (pure, no I/O).

Headers print names in capitals ("SỞ THÔNG TIN VÀ TRUYỀN THÔNG"); the register
wants them as written in running text ("Sở Thông tin và Truyền thông"). Vietnamese
capitalises the first syllable of a proper name, every syllable of a place or
person name, and keeps acronyms; these helpers apply that with the vocabularies
in `document_types`.
"""

from __future__ import annotations

import re

from mailbot.inspect.document_types import (
    ACRONYMS, DEPARTMENTS, PLACES, POSITIONS, TYPE_NAMES, fold_key,
)

__all__ = ["cap", "organ_case", "level_case", "subject_case", "name_case", "fix_uy",
           "is_upper_text", "split_prefix"]

_VOWELS = set("aeiouy")
# Old-style tone placement ("hoà", "thuỷ") → the form used in the tables ("hòa", "thủy").
_OLD_TONES = {"oà": "òa", "oá": "óa", "oả": "ỏa", "oã": "õa", "oạ": "ọa", "oè": "òe", "oé": "óe",
              "oẻ": "ỏe", "oẽ": "õe", "oẹ": "ọe", "uỳ": "ùy", "uý": "úy", "uỷ": "ủy", "uỹ": "ũy", "uỵ": "ụy"}


def _key(word: str) -> str:
    """Lower case, punctuation off, new-style tone placement: the form tables use."""
    if word in (",", "-"):
        return word
    word = word.strip(".;:()\"'").lower()
    for old, new in _OLD_TONES.items():
        if word.endswith(old) and not word.startswith("q"):  # open syllable only: "hoà", not "hoạch"
            word = word[:-len(old)] + new
    return word


def _phrase_table(entries: dict[str, str] | list[str]) -> dict[tuple[str, ...], str]:
    items = entries.items() if isinstance(entries, dict) else ((e, e) for e in entries)
    return {tuple(_key(w) for w in _tokens(k)): v for k, v in items}


_ADMIN = {("tỉnh",), ("thành", "phố"), ("huyện",), ("quận",), ("thị", "xã"), ("thị", "trấn"),
          ("xã",), ("phường",)}
# Heads after which the next syllable starts a proper name ("Sở Y tế", "Ban Pháp chế").
_HEADS = {h: h for h in [("sở",), ("bộ",), ("phòng",), ("cục",), ("tổng", "cục"), ("chi", "cục"),
          ("vụ",), ("ban",), ("trung", "tâm"), ("bệnh", "viện"), ("trường",), ("viện",),
          ("học", "viện"), ("đài",), ("báo",), ("kho", "bạc"), ("thanh", "tra"), ("công", "ty"),
          ("ngân", "hàng")]}
# Heads whose name is a department: every part after "và", "," or "-" is capitalised.
_DEPT_HEADS = {("sở",), ("bộ",), ("phòng",)}
_PHRASES = {  # fixed spellings inside any name
    "ủy ban nhân dân": "Ủy ban nhân dân", "hội đồng nhân dân": "Hội đồng nhân dân",
    "chính phủ": "Chính phủ", "quốc hội": "Quốc hội", "việt nam": "Việt Nam",
    "mặt trận tổ quốc": "Mặt trận Tổ quốc", "nhà nước": "Nhà nước",
    "bộ chỉ huy quân sự": "Bộ Chỉ huy Quân sự", "tỉnh ủy": "Tỉnh ủy",
}
_SUBJECT_PHRASES = {
    "ủy ban nhân dân": "Ủy ban nhân dân", "hội đồng nhân dân": "Hội đồng nhân dân",
    "thủ tướng chính phủ": "Thủ tướng Chính phủ", "chính phủ": "Chính phủ", "quốc hội": "Quốc hội",
    "việt nam": "Việt Nam", "tết nguyên đán": "Tết Nguyên đán", "quốc khánh": "Quốc khánh",
    "mặt trận tổ quốc": "Mặt trận Tổ quốc", "phó chủ tịch": "Phó Chủ tịch", "chủ tịch": "Chủ tịch",
}
_CONNECT = {"và", ",", "-", "&"}


def fix_uy(text: str) -> str:
    """The register spells "Ủy" (old-style "Uỷ" places the mark on the y)."""
    return text.replace("UỶ", "ỦY").replace("Uỷ", "Ủy").replace("uỷ", "ủy")


def is_upper_text(text: str) -> bool:
    """Letters all capitals (codes with digits such as "TTr" are ignored)."""
    words = [w for w in text.split() if not re.search(r"[\d/]", w)]
    letters = [c for w in words for c in w if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


def cap(word: str) -> str:
    """First letter upper, the rest as given ("ủy" → "Ủy")."""
    for i, ch in enumerate(word):
        if ch.isalpha():
            return word[:i] + ch.upper() + word[i + 1:]
    return word


def _is_acronym(word: str) -> bool:
    core = word.strip(",.;:()\"'")
    if core in ACRONYMS or re.fullmatch(r"[IVXLC]+", core):
        return len(core) > 0
    letters = [c for c in core if c.isalpha()]
    # A capital run without a vowel cannot be a Vietnamese syllable: TKCN, THPT.
    return len(letters) >= 2 and core.isupper() and not any(fold_key(c) in _VOWELS for c in letters)


def _tokens(text: str) -> list[str]:
    # Keep "," and "-" as tokens of their own so names split at them.
    text = re.sub(r"\s*,\s*", " , ", text)
    text = re.sub(r"\s+-\s+", " - ", text)
    return text.split()


def _join(tokens: list[str]) -> str:
    return " ".join(tokens).replace(" , ", ", ").replace(" ,", ",")


def _keys(tokens: list[str]) -> list[str]:
    return [_key(t) for t in tokens]


def _match(keys: list[str], i: int, table: dict) -> tuple[int, str] | None:
    """Longest entry of table (keys are tuples of folded words) starting at i."""
    for size in range(min(8, len(keys) - i), 0, -1):
        key = tuple(keys[i:i + size])
        if key in table:
            return size, table[key]
    return None


_DEPT_TABLE = _phrase_table(list(DEPARTMENTS.values()))
_PLACE_TABLE = _phrase_table(list(PLACES.values()))
_PHRASE_TABLE = _phrase_table(_PHRASES)
_SUBJECT_TABLE = _phrase_table(_SUBJECT_PHRASES)
_POSITION_TABLE = _phrase_table(list(POSITIONS.values()))
_TYPE_TABLE = _phrase_table(list(TYPE_NAMES.values()))


def _lower_tokens(tokens: list[str]) -> list[str]:
    # Codes, acronyms and a final single letter ("BÊN A") keep their capitals.
    last = len(tokens) - 1
    return [t if (_is_acronym(t) or re.search(r"[\d/]", t) or (i == last and len(t) == 1 and i))
            else t.lower() for i, t in enumerate(tokens)]


def _capitalise_rest(out: list[str], i: int) -> int:
    """Capitalise a place name to the end of the name (stops at a connector)."""
    while i < len(out) and out[i] not in _CONNECT and _key(out[i]) not in _CONNECT:
        out[i] = cap(out[i])
        i += 1
    return i


def _dept_parts(out: list[str], keys: list[str], i: int, every_part: bool) -> int:
    """Capitalise the name after a head: known department spelling, else first syllables."""
    hit = _match(keys, i, _DEPT_TABLE)
    if hit:
        size, spelled = hit
        out[i:i + size] = _tokens(spelled)
        return i + size
    if i < len(out) and not _admin_at(keys, i):
        out[i] = cap(out[i])
        i += 1
        while every_part and i < len(out) and not _admin_at(keys, i):
            # Departments: every part is a name ("Kế hoạch và Đầu tư").
            if keys[i] in _CONNECT and i + 1 < len(out) and not _admin_at(keys, i + 1):
                out[i + 1] = cap(out[i + 1])
                i += 1
            i += 1
    return i


def _admin_at(keys: list[str], i: int) -> tuple[str, ...] | None:
    for unit in sorted(_ADMIN, key=len, reverse=True):
        if tuple(keys[i:i + len(unit)]) == unit and keys[i + len(unit):i + len(unit) + 1] != ["hội"]:
            return unit
    return None


def organ_case(text: str, capitalise_first: bool = True) -> str:
    """ "UBND TỈNH QUẢNG NGÃI" → "Ủy ban nhân dân tỉnh Quảng Ngãi"; "SỞ Y TẾ" → "Sở Y tế"."""
    text = fix_uy(" ".join(text.split()))
    text = re.sub(r"\bUBND\b", "ỦY BAN NHÂN DÂN", text)
    text = re.sub(r"\bHĐND\b", "HỘI ĐỒNG NHÂN DÂN", text)
    text = re.sub(r"\bTP\.\s*", "THÀNH PHỐ ", text)
    tokens = _tokens(text)
    out, keys = _lower_tokens(tokens), _keys(tokens)
    i = 0
    while i < len(out):
        phrase = _match(keys, i, _PHRASE_TABLE)
        if phrase:
            out[i:i + phrase[0]] = phrase[1].split()
            i += phrase[0]
            continue
        unit = _admin_at(keys, i)
        if unit:
            i = _capitalise_rest(out, i + len(unit))
            continue
        if keys[i] == "-" and i + 1 < len(out) and not _admin_at(keys, i + 1):
            out[i + 1] = cap(out[i + 1])  # "Chi cục Văn thư - Lưu trữ"
        head = _match(keys, i, _HEADS)
        if head and (i == 0 or keys[i - 1] in _CONNECT):
            i = _dept_parts(out, keys, i + head[0], head[1] in _DEPT_HEADS)
            continue
        place = _match(keys, i, _PLACE_TABLE)
        if place and place[0] > 1:
            out[i:i + place[0]] = [cap(t) for t in out[i:i + place[0]]]
            i += place[0]
            continue
        i += 1
    if out and capitalise_first:
        out[0] = cap(out[0])
    return _join(out)


_PREFIX_RE = re.compile(r"^(TM|KT|TL|TUQ|Q|T/M|K/T|T/L|T\.M|K\.T|T\.L)(?:\s*[./]\s*|\s+)(?=\S)", re.I)
_PREFIX_CANON = {"tm": "TM.", "t/m": "TM.", "t.m": "TM.", "kt": "KT.", "k/t": "KT.", "k.t": "KT.",
                 "tl": "TL.", "t/l": "TL.", "t.l": "TL.", "tuq": "TUQ.", "q": "Q."}


def split_prefix(level: str) -> tuple[str | None, str]:
    """ "KT. CHỦ TỊCH" → ("KT.", "CHỦ TỊCH")."""
    m = _PREFIX_RE.match(level.strip())
    if not m:
        return None, level.strip()
    return _PREFIX_CANON[m.group(1).lower()], level.strip()[m.end():].strip()


def _position_case(text: str) -> str:
    tokens = _tokens(fix_uy(text))
    keys = _keys(tokens)
    pho = keys[:1] == ["phó"]
    start = 1 if pho else 0
    hit = _match(keys, start, _POSITION_TABLE)
    if not hit:
        return organ_case(text)
    size, spelled = hit
    rest = tokens[start + size:]
    words = [cap(spelled) if pho else spelled]
    if pho:
        words = ["Phó", spelled]
    if rest:
        rest_keys = _keys(rest)
        if _key(spelled.split()[-1]) in ("phòng", "ban", "khoa") and not _match(rest_keys, 0, _HEADS):
            # "TRƯỞNG PHÒNG HÀNH CHÍNH - TỔNG HỢP": the rest is the unit's name.
            out = _lower_tokens(rest)
            _dept_parts(out, rest_keys, 0, True)
            words.append(_join(out))
        else:
            head = _match(rest_keys, 0, _HEADS) or _match(rest_keys, 0, _PHRASE_TABLE)
            words.append(organ_case(_join(rest), capitalise_first=bool(head)))
    return " ".join(words)


def level_case(level: str) -> str:
    """One level of a signature block: "KT. CHỦ TỊCH" → "KT. Chủ tịch"."""
    prefix, rest = split_prefix(level)
    body = _position_case(rest) if rest else ""
    return f"{prefix} {body}".strip() if prefix else body


def name_case(name: str) -> str:
    """A person's name printed in capitals → "Nguyễn Văn A"."""
    return " ".join(cap(w.lower()) if w.isupper() else w for w in name.split())


def subject_case(text: str) -> str:
    """A trích yếu printed in capitals → sentence case, keeping proper nouns we know."""
    tokens = _tokens(text)
    out, keys = _lower_tokens(tokens), _keys(tokens)
    i = 0
    while i < len(out):
        phrase = _match(keys, i, _SUBJECT_TABLE)
        if phrase:
            out[i:i + phrase[0]] = phrase[1].split()
            i += phrase[0]
            continue
        unit = _admin_at(keys, i)
        if unit:
            place = _match(keys, i + len(unit), _PLACE_TABLE)
            i += len(unit)
            if place:
                for j in range(i, i + place[0]):
                    out[j] = cap(out[j])
                i += place[0]
            continue
        place = _match(keys, i, _PLACE_TABLE)
        if place and place[0] > 1:
            for j in range(i, i + place[0]):
                out[j] = cap(out[j])
            i += place[0]
            continue
        if keys[i] in ("sở", "bộ") and (i == 0 or keys[i - 1] not in ("cơ", "cán", "toàn", "nội", "đồng", "một")):
            hit = _match(keys, i + 1, _DEPT_TABLE)
            if hit:
                out[i] = cap(out[i])
                out[i + 1:i + 1 + hit[0]] = _tokens(hit[1])
                i += 1 + hit[0]
                continue
        if keys[i] == "luật" and (i == 0 or keys[i - 1] not in ("pháp", "quy", "theo", "dự")) and i + 1 < len(out):
            out[i], out[i + 1] = cap(out[i]), cap(out[i + 1])
            i += 2
            continue
        doc_type = _match(keys, i, _TYPE_TABLE)
        if doc_type:
            before = keys[i - 2:i] if i >= 2 else keys[:i]
            after = keys[i + doc_type[0]:i + doc_type[0] + 1]
            # "ban hành Quy định", "Quyết định số 57/2014/QĐ-UBND": a named document.
            if before == ["ban", "hành"] or after == ["số"]:
                out[i] = cap(out[i])
            i += doc_type[0]
            continue
        i += 1
    if out:
        out[0] = cap(out[0])
    return _join(out)
