"""Who is writing: a state agency, an organisation (a business, an association …) or a citizen.

Pure. The class drives the rules and the wording (decide/decision, decide/paper,
the notice templates): the paper-copy rules of Decision 57/2014 Art. 7–8 are
made for exchanges between state agencies, so a citizen or a business is never
asked for a seal or to send anything "qua đường công văn"; a person is addressed
as "Ông/Bà", never "Quý cơ quan".

Decided from, in order:
1. authentication: a From domain in `senders.trusted_domains` is an agency
   (authenticated: trusted; not authenticated: quarantined anyway);
2. the document: a petition (Đơn …) is a person's unless a business signs it;
   an issuing body that is a business is an organisation; one that is a state
   body is an agency writing from an ordinary mailbox (communes often do);
3. the domain: a free mail provider is a person's address; any other domain
   belongs to an organisation.
"""

from __future__ import annotations

import re

from mailbot.inspect.document_types import fold_key
from mailbot.model import DocumentFields, SenderAuth, SenderClass

# Mail providers anyone can open an address with (lower-case domains).
FREE_MAIL = frozenset({
    "gmail.com", "googlemail.com", "yahoo.com", "yahoo.com.vn", "ymail.com", "outlook.com",
    "outlook.com.vn", "hotmail.com", "live.com", "msn.com", "icloud.com", "me.com", "mac.com",
    "aol.com", "gmx.com", "mail.com", "zoho.com", "proton.me", "protonmail.com", "yandex.com",
    "vnn.vn", "fpt.vn", "hn.vnn.vn", "hcm.vnn.vn", "vnpt.vn", "viettel.vn",
})

_BUSINESS = re.compile(
    r"^(?:cong ty|tong cong ty|tap doan|doanh nghiep|hop tac xa|htx|ho kinh doanh|chi nhanh cong ty|"
    r"van phong dai dien|ngan hang thuong mai|co so|cua hang|hiep hoi|hoi(?! dong)|to chuc|trung tam tu van|"
    r"van phong luat su|cong ty luat|truong (?:mam non|tieu hoc|trung hoc) tu thuc|ctcp|tnhh)\b")
_STATE = re.compile(
    r"^(?:uy ban nhan dan|ubnd|hoi dong nhan dan|hdnd|so|bo|cuc|tong cuc|chi cuc|vu|van phong|phong|ban|"
    r"kho bac|thanh tra|cong an|toa an|vien kiem sat|chinh phu|tinh uy|huyen uy|thanh uy|dang uy|"
    r"mat tran to quoc|bo chi huy|bao hiem xa hoi|cuc thue|chi cuc thue)\b")


def is_business_name(name: str | None) -> bool:
    """A business's or association's name ("Công ty TNHH Xây dựng Miền Trung", "HTX …")."""
    return bool(name) and bool(_BUSINESS.match(fold_key(name.strip())))


_LEGAL_FORMS = {"tnhh": "TNHH", "mtv": "MTV", "cp": "CP", "ctcp": "CTCP", "htx": "HTX", "dntn": "DNTN"}


# The kind of business, written in sentence case; common two-word nouns inside a name.
_KINDS = ("tong cong ty", "cong ty", "hop tac xa", "doanh nghiep tu nhan", "ho kinh doanh", "chi nhanh")
_PAIRS = {"co phan", "thuong mai", "xay dung", "dich vu", "dau tu", "san xuat", "phat trien", "ky thuat",
          "nong nghiep", "cong nghe", "van tai", "du lich", "tu van", "xuat nhap", "nhap khau", "xuat khau"}


def business_case(name: str) -> str:
    """A business's name as it is written: "CÔNG TY TNHH THƯƠNG MẠI MINH PHÁT" → "Công ty TNHH
    Thương mại Minh Phát": the kind in sentence case, legal forms in capitals, the rest in
    title case, common pairs ("Cổ phần", "Xây dựng") as one word."""
    words = [w.lower() for w in name.split()]
    keys = [fold_key(w) for w in words]
    kind = next((len(k.split()) for k in _KINDS if " ".join(keys[:len(k.split())]) == k), 0)
    out: list[str] = []
    for i, word in enumerate(words):
        if keys[i] in _LEGAL_FORMS:
            out.append(_LEGAL_FORMS[keys[i]])
        elif (0 < i < kind) or (i > 0 and f"{keys[i - 1]} {keys[i]}" in _PAIRS and out[-1][:1].isupper()):
            out.append(word)
        else:
            out.append(word[:1].upper() + word[1:])
    return " ".join(out)


def is_state_body(name: str | None) -> bool:
    """A state body's name ("Ủy ban nhân dân xã Tịnh Khê", "Sở Tài chính")."""
    return bool(name) and bool(_STATE.match(fold_key(name.strip()))) and not is_business_name(name)


def is_petition(doc: DocumentFields | None) -> bool:
    return bool(doc and doc.type_name and fold_key(doc.type_name).split()[:1] == ["don"])


def sender_class(auth: SenderAuth | None, sender: str | None, doc: DocumentFields | None,
                 agency_domain: bool = False) -> SenderClass:
    """agency | organisation | citizen, from authentication, the document and the domain.
    `agency_domain`: the From domain is one of `senders.trusted_domains` (when `auth` is None)."""
    if agency_domain or (auth is not None and (auth.policy == "trusted" or auth.agency)):
        return "agency"
    if doc is not None:
        if is_business_name(doc.sender_name) or is_business_name(doc.organ_name):
            return "organisation"
        if is_petition(doc) or doc.sender_name:
            return "citizen"
        if is_state_body(doc.organ_name):
            return "agency"
    domain = (sender or "").rpartition("@")[2].lower()
    if not domain or domain in FREE_MAIL:
        return "citizen"
    return "organisation"


# How a notice addresses its reader: a state body, an organisation, a person.
ADDRESS_WORD: dict[str, str] = {"agency": "Quý cơ quan", "organisation": "Quý đơn vị", "citizen": "Ông/Bà"}


def address_word(cls: str | None) -> str:
    return ADDRESS_WORD.get(cls or "agency", "Quý cơ quan")
