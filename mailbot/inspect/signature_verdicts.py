"""What signature checks conclude: the reasons in both languages, one signature's
verdict while it is being checked (`SigCheck`), the signer's facts from the
certificate, and the verdict of the whole document (docs/DESIGN.md §5).

`inspect/signatures` reads and validates; this module only judges and words.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime, timezone

from mailbot.model import DocumentVerdict, SignatureReport, SignatureResult

VALID, WARN, INDET, INVALID = "valid", "valid-with-warnings", "indeterminate", "invalid"
_RANK = {VALID: 0, WARN: 1, INDET: 2, INVALID: 3}

# -- the reasons, both languages ----------------------------------------------
# The Vietnamese sentences are stable: the receipt, the register and tests use them.

R_MODIFIED = ("Tài liệu đã bị thay đổi sau khi ký", "the document was changed after signing")
R_UNTRUSTED = ("Chứng thư số không tin cậy", "the signer's certificate does not chain to a trusted root")
R_EXPIRED = ("Chứng thư số đã hết hạn", "the signer's certificate has expired")
R_NOT_YET = ("Chứng thư số chưa có hiệu lực", "the signer's certificate is not yet valid")
R_REVOKED = ("Chứng thư số đã bị thu hồi", "the signer's certificate has been revoked")
R_CA_REVOKED = ("Chứng thư số của tổ chức cung cấp dịch vụ chứng thực đã bị thu hồi",
                "a CA certificate in the chain has been revoked")
R_REVOKED_LATER = ("Chứng thư số đã bị thu hồi sau thời điểm ký (theo dấu thời gian)",
                   "the signer's certificate was revoked after the trusted signing time")
R_REVINFO = ("Không kiểm tra được tình trạng thu hồi",
             "revocation status could not be checked offline (no matching CRL configured)")
R_KEY_USAGE = ("Chứng thư số không được cấp cho mục đích ký số",
               "the certificate's key usage does not allow document signing")
R_CHAIN = ("Không xác minh được chuỗi chứng thư số", "the certificate chain could not be validated")
R_BROKEN = ("Dữ liệu chữ ký số bị hỏng, không đọc được", "the signature data is corrupt or unreadable")
R_CRYPTO = ("Chữ ký số không đúng (kiểm tra mật mã thất bại)",
            "the cryptographic signature does not verify")
R_UNSUPPORTED = ("Định dạng chữ ký số không được hỗ trợ", "unsupported signature format")
R_FORM_FILLED = ("Biểu mẫu đã được điền sau khi ký (thay đổi được phép)",
                 "form fields were filled in after signing (a permitted change)")
R_TS_UNTRUSTED = ("Dấu thời gian không tin cậy", "the signature timestamp is not trusted or not valid")
R_NO_ROOTS = ("Chưa cấu hình chứng thư gốc tin cậy (rules.yaml, mục trust)",
              "no trusted root certificates are configured (rules.yaml trust:)")
R_ERROR = ("Không kiểm tra được chữ ký số (lỗi khi xử lý)", "the signature could not be checked")

D_UNREADABLE = ("Không đọc được tệp PDF", "the PDF file cannot be read")
D_ENCRYPTED = ("Tệp PDF được mã hóa bằng mật khẩu, không đọc được",
               "the PDF is encrypted with a password")
D_UNSIGNED = ("Không có chữ ký số", "no digital signature")

N_ONLY_LATER = ("Sau chữ ký này chỉ có thêm chữ ký số, dấu thời gian hoặc dữ liệu kiểm tra",
                "only later signatures, timestamps or validation data were added after it")


def weak_reason(names: list[str]) -> tuple[str, str]:
    joined = ", ".join(names) or "?"
    return f"Thuật toán yếu ({joined})", f"weak algorithm(s): {joined}"


# -- one signature while it is checked ---------------------------------------------

class SigCheck:
    """The mutable side of a `SignatureResult` while the checks fill it in: the same
    attributes (lists where the result has tuples), reasons with their severity;
    `result()` freezes it."""

    def __init__(self, field: str):
        for f in fields(SignatureResult):
            setattr(self, f.name, f.default)
        self.field = field
        self.changed_fields: list[str] = []
        self.weak_algorithms: list[str] = []
        self.reasons: list[tuple[str, str, str]] = []     # (severity, vi, en)
        self.notes: list[tuple[str, str]] = []            # (vi, en)

    def problem(self, severity: str, reason: tuple[str, str], detail: str = "") -> None:
        """Record what holds the signature back; the verdict becomes the worst severity seen."""
        vi, en = reason
        if detail:
            en = f"{en} ({detail})"
        if any(r[1] == vi for r in self.reasons):
            return
        self.reasons.append((severity, vi, en))
        if _RANK[severity] > _RANK[self.verdict]:
            self.verdict = severity

    def note(self, note: tuple[str, str]) -> None:
        self.notes.append(note)

    def result(self) -> SignatureResult:
        values = {f.name: getattr(self, f.name) for f in fields(SignatureResult)}
        return SignatureResult(**values | {
            "changed_fields": tuple(self.changed_fields),
            "weak_algorithms": tuple(self.weak_algorithms),
            "reasons_vi": tuple(vi for _s, vi, _en in self.reasons),
            "reasons_en": tuple(en for _s, _vi, en in self.reasons),
            "notes_vi": tuple(vi for vi, _en in self.notes),
            "notes_en": tuple(en for _vi, en in self.notes),
        })


# -- signer facts --------------------------------------------------------------

_ORG_WORDS = (
    "ủy ban", "uỷ ban", "ubnd", "hđnd", "hội đồng", "sở ", "văn phòng", "ban ", "bộ ", "cục ",
    "tổng cục", "chi cục", "trung tâm", "phòng ", "tỉnh ủy", "tỉnh uỷ", "thành ủy", "thành uỷ",
    "huyện ủy", "huyện uỷ", "đảng ủy", "đảng uỷ", "kho bạc", "ngân hàng", "tòa án", "toà án",
    "viện ", "công an", "bộ chỉ huy", "trường ", "bệnh viện", "đại học", "học viện", "công ty",
    "tập đoàn", "cơ quan", "đoàn ", "liên đoàn", "hội ", "mặt trận", "thanh tra", "đài ", "báo ",
    "agency", "ministry", "department", "office", "committee", "council", "company",
    "organization", "organisation",
)


def describe_signer(cert, check: SigCheck) -> None:
    """Signer, organisation, serial, issuer and role (person | organization) from the certificate."""
    subject = cert.subject.native
    cn = _first(subject.get("common_name"))
    org = _first(subject.get("organization_name"))
    check.signer = _nfc(cn) or _nfc(cert.subject.human_friendly)
    check.signer_org = _nfc(org)
    check.serial = format(cert.serial_number, "x")
    issuer = cert.issuer.native
    check.issuer = _nfc(_first(issuer.get("common_name"))) or _nfc(cert.issuer.human_friendly)
    check.role = "organization" if _is_organization(check.signer, check.signer_org,
                                                    _first(subject.get("organizational_unit_name"))) \
        else "person"


def _is_organization(cn: str | None, org: str | None, unit: str | None) -> bool:
    if not cn:
        return False
    name = cn.casefold().strip()
    if any(name == (x or "").casefold().strip() for x in (org, unit)):
        return True
    return any(name.startswith(w) for w in _ORG_WORDS)


def _first(value) -> str | None:
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    return None if value is None else str(value)


def _nfc(text: str | None) -> str | None:
    return None if text is None else unicodedata.normalize("NFC", text)


def iso(moment: datetime | None) -> str | None:
    """ISO 8601; a moment without a time zone is UTC."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.isoformat()


# -- the document --------------------------------------------------------------

def unreadable_report(reason: tuple[str, str], detail: str = "") -> SignatureReport:
    """The report of a PDF that cannot be opened at all."""
    vi, en = reason
    return SignatureReport(DocumentVerdict("unreadable", reasons_vi=(vi,),
                                           reasons_en=(f"{en} ({detail})" if detail else en,)))


def document_report(results: Sequence[SignatureResult] = ()) -> SignatureReport:
    """The verdict of the whole document from its signatures, in revision order."""
    signatures = [r for r in results if r.kind == "signature"]
    verdict = _document_verdict(results, signatures)
    last = results[-1] if results else None
    paper_exempt = (verdict == "trusted-signed" and last is not None
                    and last.modification in ("none", "signatures", "form-filling"))
    roles = {r.role for r in signatures if r.verdict != INVALID}
    vi, en = _document_reasons(verdict, results)
    doc = DocumentVerdict(verdict=verdict, paper_exempt=paper_exempt,
                          signer_and_agency={"person", "organization"} <= roles,
                          signature_count=len(signatures), reasons_vi=vi, reasons_en=en)
    return SignatureReport(doc, tuple(results))


def _document_verdict(results: Sequence[SignatureResult], signatures: list[SignatureResult]) -> str:
    if not signatures:
        return "unsigned"
    if any(r.verdict == INVALID for r in results):
        return "signed-invalid"
    if all(r.verdict in (VALID, WARN) and (r.trusted or r.kind != "signature") for r in results):
        return "trusted-signed"
    untrusted = (R_UNTRUSTED[0], R_NO_ROOTS[0])
    if any(vi in untrusted for r in results for vi in r.reasons_vi):
        return "signed-untrusted"
    return "indeterminate"


def _document_reasons(verdict: str, results: Sequence[SignatureResult]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if verdict == "unsigned":
        return (D_UNSIGNED[0],), (D_UNSIGNED[1],)
    reasons: dict[str, str] = {}
    for r in results:
        for vi, en in zip(r.reasons_vi, r.reasons_en):
            reasons.setdefault(vi, en)
    return tuple(reasons), tuple(reasons.values())
