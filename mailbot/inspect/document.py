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

Here: the fields put together, with what the email subject, the signing
certificate and the e-signature stamp say where the text is silent. The
readers: `document_prepare` (lines, stamps, copy blocks), `document_header`
(organs, number, place and date, marks, type, trích yếu), `document_signer`
(signer block, Nơi nhận), on the shared `document_lines`.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from mailbot.inspect.document_case import (
    cap, fix_uy, is_upper_text, level_case, organ_case, split_prefix, subject_case,
)
from mailbot.inspect.document_header import _organs, _read_header
from mailbot.inspect.document_lines import _VV, _clean
from mailbot.inspect.document_petition import kind_from_words, petition_type, read_petition
from mailbot.inspect.document_prepare import _cut_copy_blocks, _prepare
from mailbot.inspect.document_signer import _read_recipients, _read_signature, _Signature, _split_interleaved
from mailbot.inspect.sender_class import business_case, is_business_name
from mailbot.inspect.document_types import TYPE_NAMES, fold_key, type_from_notation
from mailbot.model import FIELD_NAMES, DocumentFields

__all__ = ["DocumentFields", "FIELD_NAMES", "read_document"]


# -- email subject and assembly ---------------------------------------------------------------

_REPLY_PREFIX = r"^(?:\s*(?:re|fw|fwd|tl|trả lời|chuyển tiếp)\s*:\s*|\s*\[[^\]]*\]\s*)+"


def _from_email_subject(subject: str) -> dict[str, Any]:
    s = unicodedata.normalize("NFC", subject)
    s = re.sub(_REPLY_PREFIX, "", s, flags=re.I)
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
                  signer_certificate: dict | None = None, letter: bool = False) -> DocumentFields:
    """Register fields (docs/DESIGN.md §8) from a document's text; None where it prints nothing.
    `letter`: the text is the body of an email from a person or business (no official layout)."""
    lines, stamps = _prepare(text)
    lines = _cut_copy_blocks(lines)
    h = _read_header(lines)
    fields: dict[str, Any] = dict.fromkeys(FIELD_NAMES)
    sources: dict[str, str] = {}
    petition = petition_type(text.splitlines())
    if petition or letter:
        kind, title = petition or (kind_from_words(text), None)
        return _petition_fields(text, kind, title, _organs(h.organ_lines), email_subject, stamps)

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
    if is_business_name(fields["organ_name"]):
        # A business's own document: its name is a proper name, and it is the sender.
        fields["organ_name"] = fields["sender_name"] = business_case(_tone(bodies[-1]))
    for key, value in fields.items():
        if value is not None:
            sources[key] = "text"
    _fallbacks(fields, sources, email_subject, signer_certificate, stamps)
    return DocumentFields.from_mapping(fields, sources)


def _petition_fields(text: str, type_name: str | None, title: str | None, bodies: list[str],
                     email_subject: str | None, stamps: list[dict]) -> DocumentFields:
    """A petition or a person's letter (inspect/document_petition); a business printing its
    name at the top is the sender, never the issuing state body."""
    fields: dict[str, Any] = dict.fromkeys(FIELD_NAMES)
    fields.update(read_petition(text, type_name, title))
    company = business_case(_tone(bodies[-1])) if bodies else None
    if is_business_name(company):
        fields["organ_name"] = company
        fields["sender_name"] = fields["sender_name"] if is_business_name(fields["sender_name"]) else company
    sources = {key: "text" for key, value in fields.items() if value is not None}
    _fallbacks(fields, sources, email_subject, None, stamps)
    if fields["subject"] is None and email_subject:
        # A person's letter names its matter in the email subject ("Hỏi thủ tục đăng ký kết hôn").
        plain = re.sub(_REPLY_PREFIX, "", unicodedata.normalize("NFC", email_subject), flags=re.I)
        if _clean(plain):
            fields["subject"], sources["subject"] = cap(_clean(plain).rstrip(".")), "email-subject"
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
