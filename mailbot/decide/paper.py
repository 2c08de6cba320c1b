"""Does the sender still have to send the paper original? (Decision 57/2014 Art. 7–8). Pure.

- Art. 7: schedules, invitations, notices, meeting papers, periodic reports,
  programmes and plans, drafts for comment, documents for information,
  inter-agency administrative-procedure e-dossiers: electronic only.
- Art. 8.1: everything else (directives, legal documents, decisions,
  submissions, administrative/financial dossiers, projects …) also on paper,
- Art. 8.2: … unless signed with a trusted digital signature — except the
  papers the receiving agency must archive on paper (administrative-procedure
  papers, individual decisions, asset declarations, inspection conclusions,
  financial vouchers): paper always.

Types and keywords come from rules.yaml `paper_copy:`; matching ignores case
and diacritics (đ = d), so "Giay moi" and "GIẤY MỜI" both match "Giấy mời".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from mailbot.config import Office, PaperCopy
from mailbot.inspect.sender_class import address_word
from mailbot.model import DocumentFields, Reason
from mailbot.util.textfold import fold

ART7 = "QĐ 57/2014/QĐ-UBND Điều 7"
ART81 = "QĐ 57/2014/QĐ-UBND Điều 8.1"
ART82 = "QĐ 57/2014/QĐ-UBND Điều 8.2"

Category = Literal["electronic-only", "paper-unless-signed", "always-paper"]


@dataclass(frozen=True)
class PaperDecision:
    required: bool
    category: Category
    reason: Reason


def _matches(text: str, phrases: list[str]) -> str | None:
    """The first phrase that occurs in `text` as whole words (folded)."""
    folded = f" {fold(text)} "
    for phrase in phrases:
        if re.search(rf"(?<!\w){re.escape(fold(phrase))}(?!\w)", folded):
            return phrase
    return None


def categorise(type_name: str | None, subject: str | None, rules: PaperCopy) -> tuple[Category, str]:
    """Which list of Art. 7–8 the document falls under, and the phrase that decided it."""
    kind = type_name or ""
    about = subject or ""
    hit = _matches(about, rules.electronic_only_subjects)
    if hit:
        return "electronic-only", hit
    hit = _matches(f"{kind} {about}", rules.always_paper)
    if hit:
        return "always-paper", hit
    individual = rules.individual_decision
    if fold(kind) == fold(individual.type):
        hit = _matches(about, individual.subject_contains)
        if hit:
            return "always-paper", f"quyết định cá biệt: {hit}"
    if kind and fold(kind) in {fold(t) for t in rules.electronic_only_types}:
        return "electronic-only", kind
    for rule in rules.electronic_only_when:
        if fold(kind) == fold(rule.type):
            hit = _matches(about, rule.subject_contains)
            if hit:
                return "electronic-only", f"{rule.type} {hit}"
    return "paper-unless-signed", kind or "loại văn bản chưa xác định"


def decide_paper(document: DocumentFields | None, exempt: bool, rules: PaperCopy,
                 writer: str = "agency", office: Office | None = None) -> PaperDecision:
    """`exempt`: the main PDF is trusted-signed with nothing but signatures or form filling
    after the last signature (its `SignatureReport.document.paper_exempt`). `writer`: the
    sender class (inspect/sender_class); Art. 7–8 govern exchanges between state agencies."""
    doc = document or DocumentFields()
    category, phrase = categorise(doc.type_name, doc.subject, rules)
    if writer != "agency":
        return _personal(category, phrase, writer, office)
    if category == "electronic-only":
        return PaperDecision(False, category, Reason(
            "paper_not_needed",
            f"Văn bản thuộc loại trao đổi hoàn toàn qua môi trường mạng ({phrase}); không cần gửi bản giấy.",
            f"electronic-only document ({phrase}); no paper copy needed", ART7))
    if category == "always-paper":
        return PaperDecision(True, category, Reason(
            "paper_required_archive",
            f"Văn bản thuộc loại phải lưu bản giấy tại cơ quan nhận ({phrase}); đề nghị gửi bản giấy "
            "qua đường công văn, kể cả khi đã ký số.",
            f"documents of this kind ({phrase}) are archived on paper: paper copy required even when signed",
            ART82))
    if exempt:
        return PaperDecision(False, category, Reason(
            "paper_exempt_signed",
            "Văn bản đã được ký số bằng chứng thư số tin cậy; không cần gửi kèm bản giấy.",
            "signed with a trusted digital signature: no paper copy needed", ART82))
    return PaperDecision(True, category, Reason(
        "paper_required_unsigned",
        f"Văn bản thuộc loại phải gửi kèm bản giấy ({phrase}) và chưa có chữ ký số tin cậy; "
        "đề nghị gửi bản giấy qua đường công văn.",
        f"documents of this kind ({phrase}) need a paper copy unless signed with a trusted signature",
        ART81))


def _personal(category: Category, phrase: str, writer: str, office: Office | None) -> PaperDecision:
    """A citizen or a business: no seal, no "đường công văn". Only what the office must keep
    on paper (Art. 8.2: an administrative-procedure dossier …) needs their signed original,
    delivered in person or by post to the office's address (`office.address`)."""
    you = address_word(writer)
    if category != "always-paper":
        return PaperDecision(False, category, Reason(
            "paper_not_needed_personal",
            f"Văn bản được tiếp nhận qua thư điện tử; {you} không cần gửi thêm bản giấy.",
            f"sent by a {writer}: the agency paper-copy rules do not apply; no paper copy needed",
            f"{ART7}–8 (áp dụng giữa các cơ quan nhà nước)"))
    name = office.name if office else "cơ quan"
    where = f"đến địa chỉ: {office.address}" if office and office.address else f"đến {name}"
    return PaperDecision(True, category, Reason(
        "paper_original_in_person",
        f"Giấy tờ thuộc loại cơ quan nhận phải lưu bản chính ({phrase}); {you} vui lòng nộp bản chính "
        f"(có chữ ký) trực tiếp tại bộ phận Văn thư {name} hoặc gửi qua bưu điện {where}.",
        f"documents of this kind ({phrase}) are archived as the signed original: the {writer} is asked "
        "to deliver it in person or by post",
        ART82))
