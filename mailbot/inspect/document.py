"""Register fields read from the text of a Vietnamese official document (pure, no I/O).

A clerk enters each incoming document's số và ký hiệu, tên loại, ngày ban
hành, tác giả, trích yếu and người ký into the register (Decision 57/2014
Art. 9.1.b; Decree 30/2020 Phụ lục IV, VI). This reads them from the text the
PDF/Word extractor gives us, laid out per Decree 30 Phụ lục I:

    TÊN CƠ QUAN CHỦ QUẢN            CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
    TÊN CƠ QUAN BAN HÀNH                Độc lập - Tự do - Hạnh phúc
    Số: 12/2026/QĐ-UBND             Quảng Ngãi, ngày 10 tháng 11 năm 2026
    (V/v … for a công văn)
                       TÊN LOẠI (QUYẾT ĐỊNH)
                       Trích yếu
    … body …
    Nơi nhận:                        TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH
    - …;                             (chữ ký)  Họ và tên

Extractors flatten the two columns (left cell then right cell), interleave
them line by line, or split them into cells; e-signature stamps, incoming and
copy-certification blocks and attached regulations come along. Field names
and normal forms are docs/DESIGN.md §8. Anything not printed stays None: we never
guess. Choices: of two signature blocks side by side (biên bản: THƯ KÝ |
CHỦ TỌA) the presiding one, else the right-hand (last) one, is the signer.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from mailbot.inspect.document_case import (
    cap, fix_uy, is_upper_text, level_case, name_case, organ_case, split_prefix, subject_case,
)
from mailbot.inspect.document_types import (
    COPY_ABBREVIATIONS, NAME_PREFIXES, PLACES, SURNAMES, TYPE_NAMES, fold_key, type_from_notation,
)
from mailbot.model import FIELD_NAMES, DocumentFields

__all__ = ["DocumentFields", "FIELD_NAMES", "read_document"]


# -- patterns ---------------------------------------------------------------------------------

_MOTTO_RES = [
    re.compile(r"C[ỘO]NG\s*H\w{2}\s+X[ÃA]\s+H[ỘO]I\s+CH[ỦU]\s+NGH[ĨI]A\s+VI[ỆE]T\s+NAM", re.I),
    re.compile(r"Đ[ộo]c\s+l[ậa]p\s*[-–—]\s*T[ựu]\s+do\s*[-–—]\s*H[ạa]nh\s+ph[úu]c", re.I),
    re.compile(r"ĐẢNG\s+CỘNG\s+SẢN\s+VIỆT\s+NAM"),
]
_SEPARATOR = re.compile(r"^[\s\-_=–—*~.·]{3,}$")
_PLACE_DATE = re.compile(
    r",\s*ngày\s*(?P<d>[\d.…_ ]*?)\s*tháng\s*(?P<m>[\d.…_ ]*?)\s*năm\s*(?P<y>\d{4})", re.I)
_NUMBER_LINE = re.compile(r"(?:^|(?<=\s))(?:Số|SỐ)\s*[:.]?\s*(?=\d[\w -]{0,8}/|/)")
_VV = re.compile(r"^(?:V/v|V/V|v/v|Về\s+việc|VỀ\s+VIỆC)\s*[:.]?\s*")
_BODY_START = re.compile(
    r"^(?:Kính\s+gửi|Căn\s+cứ|Thực\s+hiện|Theo\s+đề\s+nghị|Xét\s+đề\s+nghị|Theo|Xét|Nhằm|Để\s|"
    r"Hôm\s+nay|Vào\s+(?:lúc|hồi)|Hồi\s+\d|Thời\s+gian\s*:|Địa\s+điểm\s*:|Thành\s+phần\s*:|"
    r"Ngày\s+\d|Sáng\s+ngày|Chiều\s+ngày|Trân\s+trọng|Chúng\s+tôi|Tôi\s+(?:tên|là)|"
    r"Điều\s+\d|Chương\s+[IVXLC\d]|Phần\s+[IVXLC\d]|Mục\s+\d|Bên\s+[AB]\b|Trong\s+(?:thời|những))")
_HEADING = re.compile(r"^(?:[IVXLC]+|\d+|[a-zđ])[.)]\s", re.I)
_RECIPIENTS = re.compile(r"^N[ơƠ][iI]\s+nh[ậẬ]n\s*:?\s*", re.I)
_BULLET = re.compile(r"^[-–—•+*·]\s*")
_SIGNED_NOISE = re.compile(
    r"^[\[(]?\s*(?:đã\s+ký|daky|ký\s*,?\s*(?:tên|ghi rõ)|ký\s+và|chữ\s+ký|đóng\s+dấu|dấu)"
    r"[^)\]]*[)\]]?$", re.I)
_STAMP_KEYS = r"(?:Ký\s+bởi|Người\s+ký|Ký\s+số\s+bởi|Được\s+ký\s+bởi|Signed\s+by)"
_STAMP_START = re.compile(_STAMP_KEYS + r"\s*:", re.I)
_STAMP_FIELD = re.compile(
    r"^(?:E-?mail|Cơ\s+quan|Chức\s+vụ|Thời\s+gian(?:\s+ký)?|Ngày\s+ký|Signing\s+time|"
    r"Ngày\s+giờ\s+ký)\s*:", re.I)
_STAMP_TIME = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})")
_COPY_MARK = re.compile(r"(?:^|\s)(SAO\s+Y\s+BẢN\s+CHÍNH|SAO\s+Y|SAO\s+LỤC|TRÍCH\s+SAO)\s*$")
_INCOMING = re.compile(r"\b(?:CV|CÔNG\s+VĂN|VĂN\s+BẢN)?\s*ĐẾN\b")
_ATTACHED = re.compile(r"^\(\s*(?:Ban\s+hành\s+)?[Kk]èm\s+theo\b")
_URGENCY = {"hoa toc": "Hỏa tốc", "thuong khan": "Thượng khẩn", "khan": "Khẩn"}
_SECRECY = {"tuyet mat": "Tuyệt mật", "toi mat": "Tối mật", "mat": "Mật"}
_CONNECTORS = {"và", "của", "về", "với", "tại", "cho", "trên", "giữa", "theo", "các", "năm",
               "tỉnh", "huyện", "đối", "đến", "từ", "trong", "thuộc", "số", "ngày", "phố", "xã",
               "VÀ", "CỦA", "VỀ", "VỚI", "TẠI", "CHO", "TRÊN", "GIỮA", "CÁC", "NĂM", "TRONG"}
_POSITION_WORDS = re.compile(
    r"^(?:phó\s+)?(?:(?:\w+\s+){0,2}trưởng\b|chủ tịch|giám đốc|tổng giám đốc|chánh\s|thủ tướng|"
    r"bí thư|chủ tọa|chủ toạ|chủ trì|thư ký|chủ nhiệm|tổng thư ký|đại diện|người lập|chánh án)")
_ORGAN_HEADS = re.compile(
    r"^(?:uy ban|ubnd|hdnd|hoi dong|so|bo|cuc|tong cuc|chi cuc|vu|van phong|phong|ban|"
    r"benh vien|trung tam|truong|hoc vien|vien|dai|bao|kho bac|thanh tra|cong an|chinh phu|"
    r"thu tuong|tinh uy|huyen uy|thanh uy|dang uy|doan|lien doan|mat tran|toa an|"
    r"chi nhanh|cong ty|ngan hang|dai hoc|quy|hoi|to)\b")


# -- small helpers ----------------------------------------------------------------------------

def _clean(text: str) -> str:
    return " ".join(text.split())


def _strip_motto(text: str) -> tuple[str, bool]:
    found = False
    for rx in _MOTTO_RES:
        text, n = rx.subn(" ", text)
        found = found or n > 0
    return _clean(text), found


def _is_position(text: str) -> bool:
    """Starts with a position (chức vụ): "PHÓ CHỦ TỊCH", "CỤC TRƯỞNG …", "THƯ KÝ"."""
    return bool(_POSITION_WORDS.match(fix_uy(_clean(text)).lower()))


def _has_lower(text: str) -> bool:
    return any(c.islower() for c in text if c.isalpha())


def _is_type_line(text: str) -> tuple[str, str] | None:
    """ "QUYẾT ĐỊNH" → ("Quyết định", ""); "THÔNG BÁO Kết luận …" → (…, "Kết luận …")."""
    text = re.sub(r"\((?:DỰ THẢO|Dự thảo|dự thảo)\)", "", text).strip()
    if not text or text.endswith(":") or _has_lower(text.split()[0]):
        return None
    words = text.split()
    for size in range(min(4, len(words)), 0, -1):
        head = " ".join(words[:size])
        if _has_lower(head) or fold_key(head) not in TYPE_NAMES:
            continue
        # The rest of the line may carry the trích yếu ("QUYẾT ĐỊNH VỀ VIỆC …").
        return TYPE_NAMES[fold_key(head)], " ".join(words[size:])
    return None


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


def _parse_date(d: str, m: str, y: str) -> str | None:
    try:
        return _dt.date(int(y), int(m), int(d)).isoformat()
    except (TypeError, ValueError):
        return None


# -- text preparation -------------------------------------------------------------------------

def _prepare(text: str) -> tuple[list[str], list[dict]]:
    """NFC lines, columns split into cells, e-signature stamps taken out (and kept)."""
    text = unicodedata.normalize("NFC", text or "")
    text = re.sub(r"[\u00a0\u2007\u202f\u200b\ufeff]", " ", text).replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"\*\*|__", "", text)  # markdown bold from converters
    lines: list[str] = []
    # Blanks left for the number and day (filled in at signing) are not column gaps.
    text = re.sub(r"(ngày|tháng|Số\s*:)[ \t.…_]{3,}(?=tháng|năm|/)", r"\1 ", text, flags=re.I)
    for raw in text.split("\n"):
        cells = [c.strip() for c in re.split(r"\t|\s{3,}", raw.strip())]
        cells = [c for c in cells if c] or [""]
        lines.extend(cells)
    return _remove_signature_stamps(lines)


def _remove_signature_stamps(lines: list[str]) -> tuple[list[str], list[dict]]:
    stamps: list[dict] = []
    out: list[str] = []
    after_stamp = 0
    for line in lines:
        m = _STAMP_START.search(line)
        if m:
            before, stamp = line[:m.start()].strip(), line[m.start():]
            stamps.append(_read_stamp(stamp))
            after_stamp = 4
            out.append(before)
            continue
        if after_stamp and _STAMP_FIELD.match(line):
            _read_stamp(line, stamps[-1])
            out.append("")
            continue
        if re.match(r"^Thời\s+gian\s+ký\s*:", line, re.I):
            stamps.append(_read_stamp(line))
            out.append("")
            continue
        after_stamp = max(0, after_stamp - 1) if line else after_stamp
        out.append(line)
    return out, stamps


def _read_stamp(text: str, into: dict | None = None) -> dict:
    stamp = into if into is not None else {}
    parts = re.split(r"(" + _STAMP_KEYS + r"|E-?mail|Cơ\s+quan|Thời\s+gian(?:\s+ký)?|Ngày\s+ký)\s*:",
                     text, flags=re.I)
    for key, value in zip(parts[1::2], parts[2::2]):
        key, value = fold_key(key), _clean(value)
        if re.match(r"(ky|nguoi ky|ky so|duoc ky|signed)", key):
            stamp["by"] = value
        elif key.startswith("co quan"):
            stamp["org"] = value
        elif key.startswith(("thoi gian", "ngay ky")):
            m = _STAMP_TIME.search(value)
            if m:
                stamp["date"] = _parse_date(m.group(1), m.group(2), m.group(3))
    return stamp


def _cut_copy_blocks(lines: list[str]) -> list[str]:
    """Drop copy-certification blocks (SAO Y / SAO LỤC / TRÍCH SAO with their Số …/SY-…)."""
    lines = list(lines)
    main_seen = False
    for i, line in enumerate(lines):
        if _strip_motto(line)[1] or _is_type_line(line) or _VV.match(line):
            main_seen = True
        if not _COPY_MARK.search(line) and not _is_copy_number(line):
            continue
        has_number = any(_is_copy_number(x) for x in lines[max(0, i - 3):i + 6])
        if not has_number:
            lines[i] = _COPY_MARK.sub("", line).strip()  # a bare rubber stamp
            continue
        start = _copy_block_start(lines, i)
        if main_seen:
            return lines[:start]  # copy page after the document: nothing after it is ours
        end = _copy_block_end(lines, i)
        return lines[:start] + [""] * (end - start) + lines[end:]
    return lines


def _is_copy_number(line: str) -> bool:
    m = re.search(r"S[ốỐ]\s*[:.]?\s*\d*\s*/\s*(?:\d{4}\s*/\s*)?([A-ZĐ]+)\s*-", line)
    return bool(m) and m.group(1) in COPY_ABBREVIATIONS


def _copy_block_start(lines: list[str], i: int) -> int:
    # The copying agency's name sits right above the mark (or the Số line).
    start = i
    for j in range(i - 1, max(-1, i - 5), -1):
        if lines[j] and not is_upper_text(lines[j]) and not _is_copy_number(lines[j]):
            break
        start = j
    return start


def _copy_block_end(lines: list[str], i: int) -> int:
    # A copy block at the top ends with its signer's name (or where the document's header starts).
    seen_level = False
    for j in range(i + 1, min(len(lines), i + 30)):
        if _strip_motto(lines[j])[1]:
            return j
        if _level(lines[j]):
            seen_level = True
        elif seen_level and _person_name(lines[j]):
            return j + 1
    return i + 1


# -- header -----------------------------------------------------------------------------------

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


# -- signature and recipients ------------------------------------------------------------------

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


# -- email subject and assembly ---------------------------------------------------------------

def _from_email_subject(subject: str) -> dict[str, Any]:
    s = unicodedata.normalize("NFC", subject)
    s = re.sub(r"^(?:\s*(?:re|fw|fwd|tl|trả lời|chuyển tiếp)\s*:\s*|\s*\[[^\]]*\]\s*)+", "", s, flags=re.I)
    found: dict[str, Any] = {}
    words = s.split()
    for size in range(min(4, len(words)), 0, -1):
        key = fold_key(" ".join(words[:size]))
        if key in TYPE_NAMES:
            found["type_name"] = TYPE_NAMES[key]
            break
    m = re.search(r"(\d+[a-zA-Z]?)\s*/\s*(?:(\d{4})\s*/\s*)?([A-ZĐ][\wĐđ&.\-]*)", s)
    if m:
        found.update(_code_fields(m.group(0)))
        found.setdefault("type_name", type_from_notation(found["code_notation"]) or "Công văn")
    m = re.search(r"(?:\bV/v\b|\bvề\s+việc\b|\bvề\b)\s*[:\-]?\s*(.+)$", s, flags=re.I)
    if m and m.group(1).strip():
        found["subject"] = cap(_clean(m.group(1)).rstrip("."))
    return found


def _code_fields(code_text: str) -> dict[str, Any]:
    code = re.sub(r"\s+", "", code_text).rstrip(".,;")
    party = re.match(r"^(\d+[a-zA-Z]?)-([^/]+/.+)$", code)  # Party style: "1245-CV/TU"
    if party:
        return {"code": code, "code_number": party.group(1), "code_notation": party.group(2)}
    m = re.match(r"^(\d*[a-zA-Z]?)/(?:(\d{4})/)?(.+)$", code)
    if not m:
        return {"code": None, "code_number": None, "code_notation": None}
    number, notation = m.group(1) or None, m.group(3)
    return {"code": code if number else None, "code_number": number, "code_notation": notation}


def _subject_text(parts: list[str]) -> str | None:
    text = _clean(" ".join(parts))
    text = _VV.sub("", text).strip(" .")
    if not text:
        return None
    return subject_case(text) if is_upper_text(text) else cap(text)


def read_document(text: str, *, email_subject: str | None = None,
                  signer_certificate: dict | None = None) -> DocumentFields:
    """Register fields (docs/DESIGN.md §8) from a document's text; None where it prints nothing."""
    lines, stamps = _prepare(text)
    lines = _cut_copy_blocks(lines)
    h = _read_header(lines)
    fields: dict[str, Any] = dict.fromkeys(FIELD_NAMES)
    sources: dict[str, str] = {}

    if h.code_text:
        fields.update(_code_fields(h.code_text))
    bodies = _organs(h.organ_lines)
    if bodies:
        fields["organ_name"] = _tone(organ_case(bodies[-1]))
        fields["parent_organ"] = _tone(organ_case(bodies[-2])) if len(bodies) > 1 else None
    fields["type_name"] = h.type_name or _type_without_line(h.vv, fields["code_notation"])
    fields["place"], fields["issued_date"] = h.place, h.date
    fields["subject"] = _subject_text(h.subject_parts)
    fields["urgency"], fields["secrecy"] = h.urgency, h.secrecy

    tail = _split_interleaved(lines[h.body_start:])
    fields["to_places"], used = _read_recipients(tail)
    sig = _read_signature(tail, used)
    if sig:
        _signer_fields(sig, fields)
    for key, value in fields.items():
        if value is not None:
            sources[key] = "text"
    _fallbacks(fields, sources, email_subject, signer_certificate, stamps)
    return DocumentFields.from_mapping(fields, sources)


def _type_without_line(vv: bool, notation: str | None) -> str | None:
    # No type line: a V/v line makes it a công văn; else the ký hiệu names the type.
    if vv:
        return "Công văn"
    if notation:
        return type_from_notation(notation) or "Công văn"
    return None


def _tone(text: str) -> str:
    # New-style tone placement in names we store ("Hoà Bình" → "Hòa Bình").
    for old, new in (("oà", "òa"), ("oá", "óa"), ("oả", "ỏa"), ("oã", "õa"), ("oạ", "ọa"),
                     ("uỳ", "ùy"), ("uý", "úy"), ("uỷ", "ủy"), ("uỹ", "ũy"), ("uỵ", "ụy")):
        text = re.sub(r"(?<![qQ])" + old + r"(?!\w)", new, text)
    return text


def _signer_fields(sig: _Signature, fields: dict[str, Any]) -> None:
    fields["signer_name"] = sig.name
    if not sig.levels:
        return
    cased = [_tone(level_case(x)) for x in sig.levels]
    fields["signer_title"] = " / ".join(cased)
    prefixes = [split_prefix(x)[0] for x in sig.levels]
    fields["signer_competence"] = next((p for p in reversed(prefixes) if p), None)
    last_prefix, last_rest = split_prefix(sig.levels[-1])
    fields["signer_position"] = _tone(level_case(last_rest)) if last_rest else None


def _fallbacks(fields: dict[str, Any], sources: dict[str, str], email_subject: str | None,
               certificate: dict | None, stamps: list[dict]) -> None:
    """Fill what the text does not say: email subject, signing certificate, e-signature stamp."""
    if email_subject:
        for key, value in _from_email_subject(email_subject).items():
            if fields.get(key) is None and value is not None:
                fields[key], sources[key] = value, "email-subject"
    cert = certificate or {}
    for key, cert_key in (("signer_name", "signer"), ("organ_name", "signer_org")):
        value = cert.get(cert_key)
        if fields[key] is None and value:
            fields[key] = fix_uy(unicodedata.normalize("NFC", _clean(str(value))))
            sources[key] = "certificate"
    if fields["issued_date"] is None:
        dates = sorted(s["date"] for s in stamps if s.get("date"))
        if dates:
            fields["issued_date"], sources["issued_date"] = dates[0], "e-signature"
