"""The body of an email as the document itself (pure).

A citizen or a business often writes the petition in the email, with no
attachment. Such a body is registered as a text document (UTF-8, NFC): it gets
a synthetic attachment record (`body_attachment`) so the register, the receipt
and the export treat it like any text file. A body with nothing to register —
a greeting and a signature, or "xem file đính kèm" with no file — gets a polite
refusal naming what is missing (`missing_reason`).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from mailbot.model import AttachmentReport, Reason

BODY_FILENAME = "noi-dung-thu.txt"
BODY_FLAG = "body-document"
RULE = "QĐ 57/2014/QĐ-UBND Điều 4.2; NĐ 30/2020/NĐ-CP Điều 21"

# A body needs this many words of its own (greeting, sign-off and signature not counted)
# to be a document: "Kính gửi anh chị, tôi gửi đơn. Trân trọng, Lan" is not one.
MIN_WORDS = 15

_QUOTE_START = re.compile(
    r"^(?:>|-{2,}\s*(?:Original Message|Forwarded message|Thư gốc|Thư chuyển tiếp)|"
    r"On .{4,200} wrote:$|Vào .{4,200} đã viết:$|From:\s|Từ:\s)", re.I)
_SIGNATURE = re.compile(r"^(?:--\s*$|_{5,}$|Sent from my |Gửi từ |Được gửi từ )", re.I)
_FORMULAS = re.compile(
    r"\b(?:kính\s+gửi|kính\s+chào|xin\s+chào|chào|trân\s+trọng(?:\s+cảm\s+ơn)?|xin\s+cảm\s+ơn|cảm\s+ơn|"
    r"kính\s+thư|best\s+regards|regards|thanks?)\b", re.I)
_MENTIONS_FILE = re.compile(
    r"\b(?:(?:file|tệp|tập\s+tin|văn\s+bản|hồ\s+sơ|đơn)\s+(?:đính\s+kèm|gửi\s+kèm|kèm\s+theo)|"
    r"đính\s+kèm|gửi\s+kèm|xem\s+file|attached|attachment)\b", re.I)


def letter_text(body: str) -> str:
    """The writer's own text: quoted replies, forwarded headers and the mail client's
    signature cut off; NFC, trailing spaces removed."""
    kept: list[str] = []
    for line in unicodedata.normalize("NFC", body).replace("\r\n", "\n").split("\n"):
        stripped = line.strip()
        if _QUOTE_START.match(stripped) or _SIGNATURE.match(stripped):
            break
        kept.append(line.rstrip())
    return "\n".join(kept).strip()


def _own_words(text: str) -> int:
    return len(re.findall(r"\w{2,}", _FORMULAS.sub(" ", text)))


def is_document(body: str) -> bool:
    """Enough of the writer's own words to be registered as a document."""
    text = letter_text(body)
    if _MENTIONS_FILE.search(text) and _own_words(text) < 3 * MIN_WORDS:
        return False       # a covering note for a file that is not there
    return _own_words(text) >= MIN_WORDS


def missing_reason(body: str, you: str) -> Reason:
    """What a body that is not a document lacks, told politely (`you`: "Ông/Bà", "Quý đơn vị")."""
    text = letter_text(body)
    if _MENTIONS_FILE.search(text):
        return Reason(
            "attachment_missing",
            f"Thư có nhắc đến tệp đính kèm nhưng không có tệp nào được gửi kèm. {you} vui lòng gửi lại "
            "thư có đính kèm văn bản, hoặc ghi đầy đủ nội dung vào thân thư (họ tên, địa chỉ liên hệ, "
            "nội dung đề nghị).",
            "the body mentions an attached file but nothing is attached; nothing to register", RULE)
    return Reason(
        "body_too_short",
        f"Thư không có tệp đính kèm và nội dung thư quá ngắn để vào sổ như một văn bản. {you} vui lòng "
        "gửi lại thư ghi rõ họ tên, địa chỉ liên hệ và nội dung đề nghị, hoặc đính kèm văn bản.",
        f"no attachment and only {_own_words(text)} words of text in the body; nothing to register", RULE)


def body_attachment(body: str) -> tuple[AttachmentReport, str]:
    """The attachment record of a body registered as a document, and its text."""
    text = letter_text(body)
    data = text.encode("utf-8")
    return AttachmentReport(
        filename=BODY_FILENAME, original_filename="", declared_type="text/plain", size=len(data),
        sha256=hashlib.sha256(data).hexdigest(), format="txt", mime="text/plain", allowed=True,
        flags=(BODY_FLAG,)), text
