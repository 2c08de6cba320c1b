"""The header block of `inspect/document`: the organ lines (parent and issuer), Số và ký hiệu,
place and date, urgency and secrecy marks, the type line and the trích yếu under it (or the V/v
lines of a công văn), down to where the body starts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mailbot.inspect.document_case import fix_uy, is_upper_text
from mailbot.inspect.document_lines import (
    _CONNECTORS, _HEADING, _RECIPIENTS, _VV, _clean, _is_position, _is_type_line, _parse_date, _strip_motto,
)
from mailbot.inspect.document_types import PLACES, fold_key

_SEPARATOR = re.compile(r"^[\s\-_=–—*~.·]{3,}$")
_PLACE_DATE = re.compile(
    r",\s*ngày\s*(?P<d>[\d.…_ ]*?)\s*tháng\s*(?P<m>[\d.…_ ]*?)\s*năm\s*(?P<y>\d{4})", re.I)
_NUMBER_LINE = re.compile(r"(?:^|(?<=\s))(?:Số|SỐ)\s*[:.]?\s*(?=\d[\w -]{0,8}/|/)")
_BODY_START = re.compile(
    r"^(?:Kính\s+gửi|Căn\s+cứ|Thực\s+hiện|Theo\s+đề\s+nghị|Xét\s+đề\s+nghị|Theo|Xét|Nhằm|Để\s|"
    r"Hôm\s+nay|Vào\s+(?:lúc|hồi)|Hồi\s+\d|Thời\s+gian\s*:|Địa\s+điểm\s*:|Thành\s+phần\s*:|"
    r"Ngày\s+\d|Sáng\s+ngày|Chiều\s+ngày|Trân\s+trọng|Chúng\s+tôi|Tôi\s+(?:tên|là)|"
    r"Điều\s+\d|Chương\s+[IVXLC\d]|Phần\s+[IVXLC\d]|Mục\s+\d|Bên\s+[AB]\b|Trong\s+(?:thời|những))")
_INCOMING = re.compile(r"\b(?:CV|CÔNG\s+VĂN|VĂN\s+BẢN)?\s*ĐẾN\b")
_ATTACHED = re.compile(r"^\(\s*(?:Ban\s+hành\s+)?[Kk]èm\s+theo\b")
_URGENCY = {"hoa toc": "Hỏa tốc", "thuong khan": "Thượng khẩn", "khan": "Khẩn"}
_SECRECY = {"tuyet mat": "Tuyệt mật", "toi mat": "Tối mật", "mat": "Mật"}
_ORGAN_HEADS = re.compile(
    r"^(?:uy ban|ubnd|hdnd|hoi dong|so|bo|cuc|tong cuc|chi cuc|vu|van phong|phong|ban|"
    r"benh vien|trung tam|truong|hoc vien|vien|dai|bao|kho bac|thanh tra|cong an|chinh phu|"
    r"thu tuong|tinh uy|huyen uy|thanh uy|dang uy|doan|lien doan|mat tran|toa an|"
    r"chi nhanh|cong ty|ngan hang|dai hoc|quy|hoi|to)\b")


def _stamp_mark(text: str, table: dict[str, str], trailing: bool = True) -> tuple[str | None, str]:
    """A stamp on its own line ("HỎA TỐC", "[MẬT]") or at the end of a header line."""
    core = fold_key(re.sub(r"[^\w\s]", " ", text))
    if core in table:
        return table[core], ""
    for key in sorted(table, key=len, reverse=True) if trailing else ():
        if core.endswith(" " + key) and not core.endswith(("bao mat", "co mat", "bi mat")) \
                and is_upper_text(text):
            words = text.split()
            return table[key], " ".join(words[:-len(key.split())])
    return None, text


@dataclass
class _Header:
    organ_lines: list[str] = field(default_factory=list)
    code_text: str | None = None
    place: str | None = None
    date: str | None = None
    date_line: bool = False
    type_name: str | None = None
    subject_parts: list[str] = field(default_factory=list)
    vv: bool = False
    urgency: str | None = None
    secrecy: str | None = None
    body_start: int = 0


def _read_header(lines: list[str]) -> _Header:
    h = _Header()
    i, n = 0, len(lines)
    before_number = True
    while i < n:
        text = lines[i]
        if not text:
            i += 1
            continue
        if _BODY_START.match(text) or (len(text) > 200 and not _place_date(text)) or i > 80:
            break
        typed = _is_type_line(text)
        if typed:
            h.type_name = typed[0]
            i = _read_title(lines, i + 1, h, first=typed[1])
            break
        text, motto = _strip_motto(text)
        text = _take_place_date(text, h)
        text, had_number = _take_number(text, h)
        before_number = before_number and not had_number
        text = _take_marks(text, h)
        if _VV.match(text):
            h.vv = True
            i = _read_vv(lines, i, h, text)
            continue
        if text and before_number and is_upper_text(text) and not _SEPARATOR.match(text) \
                and not _INCOMING.search(text):
            h.organ_lines.append(text)
        i += 1
    h.body_start = _skip_authority(lines, i)
    return h


def _place_date(text: str) -> tuple[re.Match, str] | None:
    """The place–date line ("Quảng Ngãi, ngày 10 tháng 11 năm 2014"): a place must lead it."""
    m = _PLACE_DATE.search(text)
    if not m:
        return None
    place = _place_from(text[:m.start()].rstrip())
    return (m, place) if place else None


def _take_place_date(text: str, h: _Header) -> str:
    found = _place_date(text)
    if not found or h.date_line:
        return text
    m, h.place = found
    h.date_line = True
    before = text[:m.start()].rstrip()
    d, mo = re.sub(r"\D", "", m.group("d")), re.sub(r"\D", "", m.group("m"))
    h.date = _parse_date(d, mo, m.group("y")) if d and mo else None
    rest = before[:len(before) - len(h.place or "")] if h.place else before
    return _clean(rest + " " + text[m.end():])


def _place_from(before: str) -> str | None:
    """The capitalised words just before ", ngày" ("… Quảng Ngãi, ngày" → "Quảng Ngãi")."""
    words = before.split()
    taken: list[str] = []
    for w in reversed(words):
        lowered_ok = w in ("phố", "xã", "trấn") and taken
        if w in ("-", "–") or lowered_ok or re.fullmatch(r"(?:TP|Tp|T\.P|TX|Tx)\.?", w) or \
                (w[0].isupper() and not (len(w) > 1 and w.isupper()) and w.replace("-", "").isalpha()):
            taken.insert(0, w)
            continue
        break
    while taken and taken[0] in ("-", "–"):
        taken.pop(0)
    if not taken:
        return None
    place = " ".join(taken)
    if len(taken) < len(words) or len(taken) > 3:
        # Interleaved with other text: keep the longest known place at the end.
        for k in range(len(taken)):
            if fold_key(" ".join(taken[k:])) in {fold_key(p) for p in PLACES.values()}:
                return " ".join(taken[k:])
    return place


def _take_number(text: str, h: _Header) -> tuple[str, bool]:
    m = _NUMBER_LINE.search(text)
    if not m or h.code_text is not None:
        return text, False
    rest = re.sub(r"\s*([-/])\s*", r"\1", text[m.end():])
    code = re.match(r"[\w/.&\-]+", rest)
    if not code or "/" not in code.group(0):
        return text, False
    h.code_text = code.group(0).rstrip(".,;-")
    return _clean(text[:m.start()] + " " + rest[code.end():]), True


def _take_marks(text: str, h: _Header, trailing: bool = True) -> str:
    urgency, text = _stamp_mark(text, _URGENCY, trailing)
    h.urgency = h.urgency or urgency
    secrecy, text = _stamp_mark(text, _SECRECY, trailing)
    h.secrecy = h.secrecy or secrecy
    m = re.match(r"^Độ\s+(khẩn|mật)\s*:\s*(.+)$", text, re.I)
    if m:
        table = _URGENCY if m.group(1).lower() == "khẩn" else _SECRECY
        value = table.get(fold_key(m.group(2)))
        if table is _URGENCY:
            h.urgency = h.urgency or value
        else:
            h.secrecy = h.secrecy or value
        return ""
    return text


def _read_vv(lines: list[str], i: int, h: _Header, text: str) -> int:
    """The V/v lines of a công văn (left cell), continued while they read as one phrase."""
    parts = [_VV.sub("", text)]
    j = i + 1
    while j < len(lines):
        nxt = lines[j]
        if not nxt:
            k = j + 1
            while k < len(lines) and not lines[k]:
                k += 1
            if k < len(lines) and lines[k][:1].islower():
                j = k
                continue
            break
        if _continues(parts[-1], nxt, upper=False) and not _place_date(nxt) \
                and not _strip_motto(nxt)[1] and not _NUMBER_LINE.search(nxt):
            parts.append(nxt)
            j += 1
            continue
        break
    if not h.subject_parts:
        h.subject_parts = [p for p in parts if p]
    return j


def _continues(prev: str, nxt: str, upper: bool) -> bool:
    """Does nxt continue a title whose last line is prev?"""
    if _BODY_START.match(nxt) or _HEADING.match(nxt) or _SEPARATOR.match(nxt) or \
            _RECIPIENTS.match(nxt) or _ATTACHED.match(nxt) or len(nxt) > 160:
        return False
    last = prev.split()[-1] if prev.split() else ""
    joined = last in _CONNECTORS or prev.endswith((",", "-", "–"))
    if nxt.rstrip(".").endswith(("./", ";", ":")) or (nxt.endswith(".") and not nxt.endswith("..")):
        return False  # a trích yếu has no final stop: this is a sentence of the body
    if last.lower() in ("tỉnh", "huyện", "xã") and len(nxt.split()) > 4 and \
            not any(fold_key(nxt).startswith(fold_key(p)) for p in PLACES.values()):
        return False  # "… trên địa bàn tỉnh" + a body sentence, not a place name
    if upper:
        return is_upper_text(nxt)
    if prev.endswith((".", ";", ":")):
        return False
    if is_upper_text(nxt) and len(nxt.split()) > 1:
        return False
    return nxt[0].islower() or nxt[0].isdigit() or joined or (last[:1].isupper() and nxt[0].isupper())


def _is_authority(text: str) -> bool:
    # "ỦY BAN NHÂN DÂN TỈNH …", "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH …", "BỘ TRƯỞNG BỘ …" before Căn cứ.
    return bool(_ORGAN_HEADS.match(fold_key(fix_uy(text))) or _is_position(text))


def _read_title(lines: list[str], i: int, h: _Header, first: str = "") -> int:
    """The trích yếu under the type line; returns the index after it."""
    parts: list[str] = [first] if first else []
    upper = is_upper_text(first) if first else False
    blank = False
    j = i
    while j < len(lines) and len(parts) < 8:
        t = lines[j]
        if not t:
            blank = blank or bool(parts)
            j += 1
            continue
        stripped, motto = _strip_motto(t)
        if motto or _place_date(t) or _NUMBER_LINE.search(t):
            if parts:
                break
            _take_place_date(t, h)
            _take_number(t, h)
            j += 1
            continue
        if not _take_marks(t, h, trailing=False):
            j += 1
            continue
        if _SEPARATOR.match(t):
            if parts:
                break
            j += 1
            continue
        if not parts:
            if _BODY_START.match(t) or _HEADING.match(t) or _RECIPIENTS.match(t) or \
                    _ATTACHED.match(t) or re.search(r"[.;:]$", t) and not t.endswith(".."):
                break  # no trích yếu (Giấy giới thiệu…): a trích yếu never ends with a stop
            parts.append(t)
            upper = is_upper_text(t)
            j += 1
            continue
        if blank and not upper and not t[0].islower():
            break
        if not _continues(parts[-1], t, upper) or (upper and _authority_at(lines, j)):
            break
        parts.append(t)
        j += 1
    h.subject_parts = parts
    return j


def _authority_at(lines: list[str], i: int) -> int:
    """Length of the authority line(s) at i ("ỦY BAN NHÂN DÂN TỈNH …" right before "Căn cứ"), or 0."""
    j = i
    while j < len(lines) and j - i < 4 and (not lines[j] or (is_upper_text(lines[j]) and _is_authority(lines[j]))):
        j += 1
    follows = lines[j] if j < len(lines) else ""
    if j > i and any(lines[i:j]) and (_BODY_START.match(follows) or follows.endswith(":")):
        return j - i
    return 0


def _skip_authority(lines: list[str], i: int) -> int:
    """Skip the authority line(s) between the trích yếu and "Căn cứ"."""
    return i + _authority_at(lines, i)


def _organs(organ_lines: list[str]) -> list[str]:
    """Group the header's capital lines into bodies: parent first, issuer last."""
    bodies: list[str] = []
    for line in organ_lines:
        key = fold_key(fix_uy(line))
        joined = bodies and (bodies[-1].split()[-1] in ("VÀ", "-", "&", "CỦA", "VỀ", ",")
                             or bodies[-1].endswith((",", "-")) or key.startswith(("va ", "- ", "& ")))
        if bodies and (joined or not _ORGAN_HEADS.match(key)):
            bodies[-1] = f"{bodies[-1]} {line}"
        else:
            bodies.append(line)
    return bodies
