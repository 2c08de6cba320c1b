"""Signature reports in words: the receipt's one-line summary and `mailbot verify`'s text."""

from __future__ import annotations

import unicodedata

from mailbot.inspect.signature_verdicts import INDET, INVALID, VALID, WARN
from mailbot.model import SignatureReport

_DOC_VI = {
    "unsigned": "Không có chữ ký số",
    "trusted-signed": "Chữ ký số hợp lệ, tin cậy",
    "signed-untrusted": "Có chữ ký số nhưng chứng thư số không tin cậy",
    "signed-invalid": "Chữ ký số không hợp lệ",
    "indeterminate": "Chưa xác định được tính hợp lệ của chữ ký số",
    "unreadable": "Không đọc được tệp PDF",
}
_SIG_VI = {VALID: "hợp lệ", WARN: "hợp lệ (có lưu ý)", INDET: "chưa xác định", INVALID: "không hợp lệ"}


def summary_vi(report: SignatureReport) -> str:
    """One plain Vietnamese line for the receipt."""
    doc = report.document
    sigs = [s for s in report.signatures if s.kind == "signature"]
    if doc.verdict == "unreadable":
        return _nfc_line(f"{_DOC_VI['unreadable']}: " + "; ".join(doc.reasons_vi))
    if not sigs:
        return _DOC_VI["unsigned"]
    signers = ", ".join(s.signer or "?" for s in sigs)
    if doc.verdict == "trusted-signed":
        text = f"Có {len(sigs)} chữ ký số hợp lệ, tin cậy ({signers})"
    else:
        text = f"Có {len(sigs)} chữ ký số ({signers}): {_DOC_VI.get(doc.verdict, doc.verdict)}"
        if doc.reasons_vi:
            text += " — " + "; ".join(doc.reasons_vi)
    return _nfc_line(text)


def _nfc_line(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split()))


def describe(report: SignatureReport) -> str:
    """Multi-line text for `mailbot verify`: Vietnamese first, English details."""
    doc = report.document
    lines = [f"Kết luận: {_DOC_VI.get(doc.verdict, doc.verdict)}  [verdict: {doc.verdict}]"]
    if doc.verdict not in ("unreadable", "unsigned"):
        lines.append(f"Miễn bản giấy (Điều 4.4, 8.2 QĐ 57/2014): {_yes(doc.paper_exempt)}"
                     f"  [paper_exempt: {_b(doc.paper_exempt)}]")
        lines.append(f"Có cả chữ ký của người có thẩm quyền và của cơ quan (Điều 5 NĐ 30/2020): "
                     f"{_yes(doc.signer_and_agency)}  [signer_and_agency: {_b(doc.signer_and_agency)}]")
    if doc.verdict == "unreadable":
        lines.extend(_pairs("-", doc.reasons_vi, doc.reasons_en))
    for i, sig in enumerate(report.signatures, start=1):
        lines.append("")
        kind = "Dấu thời gian tài liệu" if sig.kind == "document-timestamp" else "Chữ ký"
        lines.append(f"{kind} {i}: trường {sig.field!r} — {_SIG_VI.get(sig.verdict, '?')}"
                     f"  [verdict: {sig.verdict}]")
        who = sig.signer or "?"
        if sig.signer_org and sig.signer_org != who:
            who += f", {sig.signer_org}"
        lines.append(f"  Người ký: {who}  [role: {sig.role}, serial: {sig.serial}, issuer: {sig.issuer}]")
        lines.append(f"  Thời điểm ký (tự khai): {sig.signing_time or '—'}; dấu thời gian: "
                     f"{sig.timestamp_time or '—'}"
                     + ("" if sig.timestamp_trusted in (None, True) else " (không tin cậy)"))
        lines.append(f"  [intact: {_b(sig.intact)}, trusted: {_b(sig.trusted)}, "
                     f"coverage: {sig.coverage}, modification: {sig.modification}, "
                     f"digest: {sig.digest_algorithm}, mechanism: {sig.signature_algorithm}, "
                     f"checked at: {sig.validated_at}]")
        lines.extend(_pairs("-", sig.reasons_vi, sig.reasons_en))
        lines.extend(_pairs("·", sig.notes_vi, sig.notes_en))
    return unicodedata.normalize("NFC", "\n".join(lines))


def _pairs(mark: str, vi: tuple[str, ...], en: tuple[str, ...]) -> list[str]:
    return [f"  {mark} {v}  [{e}]" for v, e in zip(vi, en)]


def _yes(value: bool) -> str:
    return "có" if value else "không"


def _b(value: bool | None) -> str:
    return "?" if value is None else str(bool(value)).lower()
