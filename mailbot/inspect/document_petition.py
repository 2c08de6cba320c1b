"""Register fields of a petition or a letter written by a person or a business (pure, no I/O).

Citizens and businesses write to a state office too: đơn kiến nghị, phản ánh,
khiếu nại, tố cáo, đề nghị … as a file, or in the body of the email. Their
layout is not Decree 30's: no issuing body, no Số/ký hiệu, but

    CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM / Độc lập - Tự do - Hạnh phúc
    Quảng Ngãi, ngày 02 tháng 12 năm 2026
                    ĐƠN KIẾN NGHỊ
               (V/v sửa chữa đường thôn An Phú)
    Kính gửi: Ủy ban nhân dân tỉnh Quảng Ngãi
    Tôi tên là: Nguyễn Thị Lan        Sinh năm: 1978
    Địa chỉ: thôn An Phú, xã Tịnh Khê …
    … body …                              Người làm đơn
                                          (ký, ghi rõ họ tên)
                                          Nguyễn Thị Lan

What is read: the type (Đơn + its kind), the petitioner's name and address
(`sender_name`, `sender_address`), the place and date, the subject (the V/v
line, else the first sentence of the request) and the recipient (`addressee`,
the "Kính gửi" line). `organ_name` stays None: a person is not an issuing body.
A business's own name (Công ty …) is its `sender_name`.
"""

from __future__ import annotations

import re
from typing import Any

from mailbot.inspect.document_header import _place_date
from mailbot.inspect.document_lines import _VV, _clean, _parse_date
from mailbot.inspect.document_case import cap
from mailbot.inspect.document_types import fold_key

# The kinds of đơn, folded → spelling. The order matters when the kind is guessed from a
# letter's words: a denunciation or complaint is never registered as a mere request.
_KINDS = {
    "to cao": "tố cáo", "khieu nai": "khiếu nại", "phan anh": "phản ánh", "kien nghi": "kiến nghị",
    "de nghi": "đề nghị", "yeu cau": "yêu cầu", "xin": "xin", "trinh bay": "trình bày",
}
# The type names this reader produces (`mailbot check` accepts them in routes and paper_copy).
PETITION_TYPES = ("Đơn", *("Đơn " + kind for kind in _KINDS.values()))
_TYPE_LINE = re.compile(r"^\s*ĐƠN(?:\s+(?P<rest>[^\n(]{0,60}))?\s*$")

_NAME_LABELS = re.compile(
    r"^\s*(?:[-–•]\s*)?(?:tôi\s+tên\s+là|tên\s+tôi\s+là|họ\s+và\s+tên|họ\s+tên|tôi\s+là|"
    r"người\s+(?:làm\s+đơn|kiến\s+nghị|phản\s+ánh|khiếu\s+nại|tố\s+cáo|đề\s+nghị|gửi)|"
    r"tên\s+(?:doanh\s+nghiệp|tổ\s+chức|đơn\s+vị|công\s+ty|cơ\s+sở))\s*(?:là)?\s*[:.]?\s*(?P<v>.+)$", re.I)
_ADDRESS_LABELS = re.compile(
    r"(?:^|[.;,]\s*|\s)(?:địa\s+chỉ(?:\s+(?:thường\s+trú|liên\s+hệ|trụ\s+sở|cư\s+trú))?|nơi\s+cư\s+trú|"
    r"thường\s+trú|trú\s+tại|ngụ\s+tại|cư\s+trú\s+tại|trụ\s+sở(?:\s+chính)?)\s*(?:tại)?\s*[:.]?\s*(?P<v>.+)$",
    re.I)
# Where a name written on a label line ends: the next label on the same line.
_NAME_END = re.compile(
    r"\s*(?:[,;–(]|\s-\s|\bsinh\s+(?:năm|ngày)|\bnăm\s+sinh|\bCCCD\b|\bCMND\b|\bsố\s+(?:điện|CCCD|CMND|định)|"
    r"\bđiện\s+thoại|\bSĐT\b|\bđịa\s+chỉ|\btrú\s+tại|\bngụ\s+tại|\bthường\s+trú|\bmã\s+số)", re.I)
_ADDRESS_END = re.compile(r"\s*(?:[;]|\.\s+(?=(?:Tôi|Nay|Chúng|Xin|Kính|Đề|Số)\b)|\bsố\s+điện\s+thoại|\bđiện\s+thoại|\bSĐT\b|\bemail\b|\bCCCD\b|\bCMND\b)",
                          re.I)
_TO = re.compile(r"^\s*Kính\s+gửi\s*[:.]?\s*(?P<v>.*)$", re.I)
_SIGN_OFF = re.compile(r"^\s*(?:người\s+(?:làm\s+đơn|viết\s+đơn|kiến\s+nghị|phản\s+ánh|khiếu\s+nại|tố\s+cáo|"
                       r"đề\s+nghị|gửi)|trân\s+trọng|kính\s+thư|xin\s+chân\s+thành\s+cảm\s+ơn|"
                       r"(?:giám\s+đốc|đại\s+diện|chủ\s+hộ))\b.*$", re.I)
_REQUEST = re.compile(r"\b(?:làm\s+đơn\s+này|xin(?!\s+chào)|kính\s+đề\s+nghị|đề\s+nghị|kiến\s+nghị|phản\s+ánh|"
                      r"khiếu\s+nại|tố\s+cáo|yêu\s+cầu)\b", re.I)
# Words that open a request without saying what it is about ("làm đơn này kính đề nghị …").
_LEAD = re.compile(r"^(?:làm\s+đơn\s+này\s*(?:gửi\s+đến\s+quý\s+cơ\s+quan)?\s*)?(?:kính\s+|xin\s+)*", re.I)
_NOT_A_NAME = re.compile(r"(?:\(|ký|ghi\s+rõ|đã\s+ký|chữ\s+ký|\d{3,}|@|:)", re.I)
_MAX_SUBJECT = 200


def petition_type(lines: list[str]) -> tuple[str, str | None] | None:
    """("Đơn kiến nghị", None), ("Đơn đề nghị", "cấp giấy phép xây dựng") … when a type line near
    the top says ĐƠN: the kind, and what the title says beyond it; else None."""
    for line in lines[:25]:
        m = _TYPE_LINE.match(line.strip())
        if not m:
            continue
        rest = _clean(m.group("rest") or "").lower()
        for key, kind in _KINDS.items():
            n = len(key.split())
            if fold_key(" ".join(rest.split()[:n])) == key:
                return "Đơn " + kind, " ".join(rest.split()[n:]) or None
        return "Đơn", rest or None
    return None


def kind_from_words(text: str) -> str | None:
    """The kind of đơn a letter without a type line is, from the words it uses ("tôi xin phản
    ánh …" → "Đơn phản ánh"); None when it uses none of them."""
    folded = f" {fold_key(text[:4000])} "
    for key, kind in _KINDS.items():
        if key not in ("xin", "trinh bay", "yeu cau") and f" {key} " in folded:
            return "Đơn " + kind
    return None


def _value(text: str, end: re.Pattern) -> str | None:
    value = end.split(_clean(text), maxsplit=1)[0].strip(" .,:;-–")
    return value or None


def _name(text: str) -> str | None:
    value = _value(text, _NAME_END)
    if not value or len(value) > 80 or _NOT_A_NAME.search(value):
        return None
    # Written in capitals ("NGUYỄN THỊ LAN"): stored as a name is written.
    return " ".join(cap(w.lower()) for w in value.split()) if value.isupper() else value


def _signed_name(lines: list[str]) -> str | None:
    """The name under the last sign-off ("Người làm đơn", "Trân trọng,"): the first line after
    it that looks like a name (skipping "(ký, ghi rõ họ tên)")."""
    for i in range(len(lines) - 1, -1, -1):
        if _SIGN_OFF.match(lines[i]):
            for line in lines[i + 1:i + 6]:
                name = _name(line)
                if name and len(name.split()) <= 6 and name[0].isupper():
                    return name
            return None
    # A letter signed with the bare name on its last line ("…\nVõ Thị Mai").
    last = _name(lines[-1]) if lines else None
    if last and 2 <= len(last.split()) <= 5 and all(w[:1].isupper() for w in last.split()):
        return last
    return None


def _subject(lines: list[str], start: int, title: str | None = None) -> str | None:
    """The V/v line near the type line, else the title's own words, else the first sentence
    that makes the request."""
    for line in lines[:start + 6]:
        stripped = line.strip().strip("()")
        if _VV.match(stripped):
            return cap(_VV.sub("", stripped).strip(" .)")) or None
    if title:
        return _shorten(cap(title))
    for line in lines[start:]:
        if _TO.match(line):
            continue
        for sentence in re.split(r"(?<=[.!?])\s+", line):
            if _NAME_LABELS.match(sentence) or _ADDRESS_LABELS.match(sentence):
                continue
            m = _REQUEST.search(sentence)
            if m:
                asked = _LEAD.sub("", sentence[m.start():].strip())
                return _shorten(cap(asked.rstrip(". "))) or None
    return None


def _shorten(text: str) -> str:
    """Cut on a word boundary with "…" when longer than a register line takes."""
    if len(text) <= _MAX_SUBJECT:
        return text
    return text[:_MAX_SUBJECT].rsplit(" ", 1)[0].rstrip(" ,;") + "…"


def _addressee(lines: list[str]) -> tuple[str | None, int]:
    """The "Kính gửi" recipients joined with "; " (a list of "- …" lines too), and the index of
    the line after them (0 when there is no Kính gửi)."""
    for i, line in enumerate(lines):
        m = _TO.match(line)
        if not m:
            continue
        found = [m.group("v").strip(" -–,.;")] if m.group("v").strip(" -–,.;") else []
        j = i + 1
        while j < len(lines) and re.match(r"^\s*[-–•+]\s*\S", lines[j]) and len(found) < 6:
            found.append(lines[j].strip().lstrip("-–•+ ").rstrip(" ,.;"))
            j += 1
        return ("; ".join(_clean(f) for f in found if f) or None), j
    return None, 0


def read_petition(text: str, type_name: str | None, title: str | None = None) -> dict[str, Any]:
    """The fields of a petition or letter (DocumentFields names), None where nothing is printed.
    `title`: what the type line says beyond the kind ("ĐƠN ĐỀ NGHỊ CẤP PHÉP …"), the subject
    when there is no V/v line."""
    lines = [line for line in (raw.strip() for raw in text.splitlines()) if line]
    fields: dict[str, Any] = {"type_name": type_name}
    for line in lines[:30]:
        found = _place_date(line)
        if found:
            m, fields["place"] = found
            d, mo = re.sub(r"\D", "", m.group("d")), re.sub(r"\D", "", m.group("m"))
            fields["issued_date"] = _parse_date(d, mo, m.group("y")) if d and mo else None
            break
    fields["addressee"], after = _addressee(lines)
    for line in lines[:after + 15]:
        if "sender_name" not in fields:
            m = _NAME_LABELS.match(line)
            if m:
                name = _name(m.group("v"))
                if name:
                    fields["sender_name"] = name
        if "sender_address" not in fields:
            m = _ADDRESS_LABELS.search(line)
            if m:
                fields["sender_address"] = _value(m.group("v"), _ADDRESS_END)
    fields.setdefault("sender_name", _signed_name(lines))
    fields["subject"] = _subject(lines, after, title)
    return {k: v for k, v in fields.items() if v is not None}
