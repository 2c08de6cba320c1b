"""Digital signatures in PDFs, checked the way a clerk must: offline, exact, explained.

Decree 30/2020 Art. 21.2.a and Decision 57/2014 Art. 9.2.b: the clerk checks
the digital signature of every incoming electronic document; one signed with
a trusted signature needs no paper copy (Decision 57/2014 Art. 4.4, 8.2).

`verify_pdf(data, trust)` gives the `verify` report of docs/DESIGN.md §8:

    {"document": {"verdict", "paper_exempt", "signer_and_agency", ...},
     "signatures": [{"field", "signer", "verdict", "intact", "trusted",
                     "modified_after_signing", "signing_time", "timestamp_time",
                     "reasons_vi", "reasons_en", ...}]}

Each signature field is read and validated on its own, so one broken
signature never hides the others. pyHanko does the cryptography; this module
decides what the results mean for a clerk:

- certificates are checked now; a certificate that expired (or was revoked)
  after a trusted signature timestamp is re-checked at the timestamp's time;
- a signing certificate needs nonRepudiation *or* digitalSignature;
- later signatures, timestamps and validation data are not "changes"; form
  filling is a permitted change (a warning); anything else after signing
  makes the signature invalid;
- weak algorithms (SHA-1, MD5, RSA < 2048) make a signature indeterminate.

`reasons_vi` lists only what holds a signature back (empty for a clean valid
signature); `notes_vi` / `notes_en` carry information that changes nothing.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import threading
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from io import BytesIO
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mailbot.config import Rules
    from mailbot.trust import TrustStore

logger = logging.getLogger(__name__)

MAX_SIGNATURES = 50          # fields beyond this are not validated (bounded work)
MAX_DSS_ITEMS = 200

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


def weak_reason(names: list[str]) -> tuple[str, str]:
    joined = ", ".join(names) or "?"
    return f"Thuật toán yếu ({joined})", f"weak algorithm(s): {joined}"


# -- per-signature result -------------------------------------------------------

@dataclass
class SigResult:
    field: str
    kind: str = "signature"                 # signature | document-timestamp
    revision: int = -1
    verdict: str = VALID
    intact: bool = False
    trusted: bool = False
    integrity: str = "unreadable"           # intact | hash-failure | crypto-failure | unreadable | unchecked
    coverage: str | None = None             # entire-file | entire-revision | contiguous-block | unclear
    modification: str | None = None         # none | signatures | form-filling | other
    changed_fields: list[str] = field(default_factory=list)
    signer: str | None = None
    signer_org: str | None = None
    role: str | None = None                 # person | organization
    serial: str | None = None
    issuer: str | None = None
    signing_time: str | None = None
    timestamp_time: str | None = None
    timestamp_trusted: bool | None = None
    validated_at: str | None = None         # the moment the certificate was checked at
    digest_algorithm: str | None = None
    signature_algorithm: str | None = None
    weak_algorithms: list[str] = field(default_factory=list)
    reasons: list[tuple[str, str, str]] = field(default_factory=list)   # (severity, vi, en)
    notes: list[tuple[str, str]] = field(default_factory=list)

    def problem(self, severity: str, reason: tuple[str, str], detail: str = "") -> None:
        vi, en = reason
        if detail:
            en = f"{en} ({detail})"
        if any(r[1] == vi for r in self.reasons):
            return
        self.reasons.append((severity, vi, en))
        if _RANK[severity] > _RANK[self.verdict]:
            self.verdict = severity

    @property
    def modified_after_signing(self) -> bool:
        return self.modification in ("form-filling", "other") or self.integrity == "hash-failure"

    def to_json(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "kind": self.kind,
            "signer": self.signer,
            "verdict": self.verdict,
            "intact": self.intact,
            "trusted": self.trusted,
            "modified_after_signing": self.modified_after_signing,
            "signing_time": self.signing_time,
            "timestamp_time": self.timestamp_time,
            "reasons_vi": [vi for _s, vi, _en in self.reasons],
            "reasons_en": [en for _s, _vi, en in self.reasons],
            "notes_vi": [vi for vi, _en in self.notes],
            "notes_en": [en for _vi, en in self.notes],
            "signer_org": self.signer_org,
            "role": self.role,
            "serial": self.serial,
            "issuer": self.issuer,
            "integrity": self.integrity,
            "coverage": self.coverage,
            "modification": self.modification,
            "changed_fields": self.changed_fields,
            "timestamp_trusted": self.timestamp_trusted,
            "validated_at": self.validated_at,
            "digest_algorithm": self.digest_algorithm,
            "signature_algorithm": self.signature_algorithm,
            "weak_algorithms": self.weak_algorithms,
            "revision": self.revision,
        }


class _Unreadable(Exception):
    def __init__(self, reason: tuple[str, str], detail: str = ""):
        super().__init__(detail or reason[1])
        self.reason = reason
        self.detail = detail


# -- entry point ----------------------------------------------------------------

def verify_pdf(data: bytes, trust: TrustStore, *, facts=None) -> dict:
    """The `verify` report (docs/DESIGN.md §8) of one PDF. Never raises.

    `facts` (a `PdfFacts` from `pdf_facts`, optional) lets an unsigned,
    readable file skip the second parse entirely.
    """
    try:
        return _verify(bytes(data), trust, facts)
    except _Unreadable as exc:
        return _document_report([], unreadable=(exc.reason, exc.detail))
    except Exception as exc:  # noqa: BLE001 - never let one PDF stop the pipeline
        logger.exception("verify_pdf: unexpected failure")
        return _document_report([], unreadable=(D_UNREADABLE, f"{type(exc).__name__}: {exc}"))


def _verify(data: bytes, trust: TrustStore, facts) -> dict:
    if b"%PDF-" not in data[:1024]:
        raise _Unreadable(D_UNREADABLE, "no %PDF- header")
    if facts is not None:
        if facts.error and facts.encrypted:
            raise _Unreadable(D_ENCRYPTED, facts.error)
        # A signature dictionary cannot sit in a compressed object stream
        # (its /Contents must be excluded from the signed bytes), so its
        # /ByteRange key is always there in the raw file.
        if facts.error is None and b"/ByteRange" not in data:
            return _document_report([])
    try:
        reader = _open(data)
    except _Unreadable:
        if b"/ByteRange" in data or (facts is not None and facts.error):
            raise
        from mailbot.inspect.pdf import pdf_facts   # pypdf recovers files pyHanko will not open

        if pdf_facts(data, text=False).error is None:
            return _document_report([])
        raise
    fields = _signature_fields(reader)
    if not fields:
        return _document_report([])
    results = _run(_validate_all(reader, fields, trust))
    return _document_report(results, no_roots=not trust.configured)


def _open(data: bytes):
    from pyhanko.pdf_utils.reader import PdfFileReader

    from mailbot.inspect.hex_strings import install

    install()        # block-wise hex strings: the signature's /Contents read fast
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
    except Exception as exc:  # noqa: BLE001
        raise _Unreadable(D_UNREADABLE, f"{type(exc).__name__}: {exc}") from None
    if reader.encrypted:
        try:
            result = reader.decrypt("")
            ok = getattr(result, "status", None) is None or result.status.name != "FAILED"
        except Exception:  # noqa: BLE001
            ok = False
        if not ok:
            raise _Unreadable(D_ENCRYPTED)
    try:
        reader.root  # noqa: B018 - forces the trailer and catalog to be read
    except Exception as exc:  # noqa: BLE001
        raise _Unreadable(D_UNREADABLE, f"{type(exc).__name__}: {exc}") from None
    return reader


def _signature_fields(reader) -> list[tuple[str, Any]]:
    """(name, field reference) of every filled signature field; keeps what it
    could read when the form tree is broken further down."""
    from pyhanko.sign.fields import enumerate_sig_fields

    found: list[tuple[str, Any]] = []
    try:
        for name, _value, ref in enumerate_sig_fields(reader, filled_status=True):
            found.append((str(name), ref))
            if len(found) >= MAX_SIGNATURES:
                break
    except Exception as exc:  # noqa: BLE001
        logger.info("verify: form tree partly unreadable: %s", exc)
    return found


_thread_loop = threading.local()


def _run(coro):
    """Run a coroutine from sync code, also when called inside a running loop."""
    try:
        asyncio.get_running_loop()
        in_loop = True
    except RuntimeError:
        in_loop = False
    if not in_loop:
        # One loop per thread, kept: asyncio.run() builds and tears down a loop per PDF.
        loop = getattr(_thread_loop, "loop", None)
        if loop is None or loop.is_closed():
            loop = _thread_loop.loop = asyncio.new_event_loop()
        return loop.run_until_complete(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


# -- validating each signature ---------------------------------------------------

async def _validate_all(reader, fields, trust: TrustStore) -> list[SigResult]:
    dss = _dss_material(reader)
    loaded = []
    for name, ref in fields:
        result = SigResult(field=name)
        emb = _embedded(reader, name, ref, result)
        loaded.append((result, emb))
    loaded.sort(key=lambda item: item[0].revision)
    later_names: list[set[str]] = []
    names_after: set[str] = set()
    for result, _emb in reversed(loaded):
        later_names.append(set(names_after))
        names_after.add(result.field)
    later_names.reverse()
    results = []
    for (result, emb), later in zip(loaded, later_names):
        if emb is not None:
            try:
                await _validate_one(emb, result, trust, dss, later)
            except Exception as exc:  # noqa: BLE001 - one bad signature never hides the others
                _explain_failure(result, exc)
        results.append(result)
    return results


def _embedded(reader, name: str, ref, result: SigResult):
    """pyHanko's view of one signature, or None (reason recorded) when it is unreadable."""
    from pyhanko.sign.validation import EmbeddedPdfSignature

    try:
        sig_ref = ref.get_object().raw_get("/V")
        result.revision = reader.xrefs.get_last_change(sig_ref.reference)
    except Exception:  # noqa: BLE001
        result.revision = 10**6
    if not _subfilter_supported(ref, result):
        return None
    try:
        emb = EmbeddedPdfSignature(reader, ref, name)
        _describe_signer(emb.signer_cert, result)
    except Exception as exc:  # noqa: BLE001
        result.integrity = "unreadable"
        result.problem(INVALID, R_BROKEN, f"{type(exc).__name__}: {exc}"[:200])
        return None
    if emb.sig_object_type == "/DocTimeStamp":
        result.kind = "document-timestamp"
    return emb


_SUBFILTERS = {"/Sig": {"/adbe.pkcs7.detached", "/ETSI.CAdES.detached", "/PBAD.PAdES"},
               "/DocTimeStamp": {"/ETSI.RFC3161"}}


def _subfilter_supported(ref, result: SigResult) -> bool:
    """adbe.x509.rsa_sha1, adbe.pkcs7.sha1 and unknown formats: say so, do not guess."""
    try:
        sig = ref.get_object()["/V"]
        sig_type = str(sig.get("/Type", "/Sig"))
        subfilter = str(sig.get("/SubFilter", ""))
    except Exception:  # noqa: BLE001
        return True            # let the full parse report what is broken
    if sig_type == "/DocTimeStamp":
        result.kind = "document-timestamp"
    if subfilter in _SUBFILTERS.get(sig_type, ()):
        return True
    result.integrity = "unchecked"
    result.problem(INDET, R_UNSUPPORTED, f"/Type {sig_type}, /SubFilter {subfilter or 'missing'}")
    return False


async def _validate_one(emb, result: SigResult, trust: TrustStore, dss: dict, later: set[str]) -> None:
    from pyhanko.sign.validation import async_validate_pdf_signature, async_validate_pdf_timestamp

    vc = trust.validation_context(**dss)
    if result.kind == "document-timestamp":
        status = await async_validate_pdf_timestamp(emb, validation_context=vc)
        _read_status(status, result, emb, later)
        result.timestamp_time = _iso(status.timestamp)
        result.timestamp_trusted = status.trusted
        _judge_trust(status, result, trust, dss)
        return
    status = await async_validate_pdf_signature(
        emb, signer_validation_context=vc, key_usage_settings=_key_usage())
    _read_status(status, result, emb, later)
    if result.integrity != "intact":
        return
    status = await _recheck_at_timestamp(emb, status, result, trust, dss)
    status = await _recheck_weak(emb, status, result, trust, dss)
    _judge_trust(status, result, trust, dss)
    _judge_timestamp(status, result)
    _judge_revocation_info(status, result, trust, dss)


def _key_usage():
    from pyhanko.sign.validation import KeyUsageConstraints

    # Real signing certificates carry nonRepudiation, digitalSignature or both.
    return KeyUsageConstraints(key_usage={"non_repudiation", "digital_signature"},
                               match_all_key_usages=False)


def _read_status(status, result: SigResult, emb, later: set[str]) -> None:
    """Integrity, coverage and modifications from pyHanko's status."""
    result.intact = bool(status.intact and status.valid)
    result.integrity = ("intact" if result.intact
                        else "hash-failure" if not status.intact else "crypto-failure")
    result.digest_algorithm = status.md_algorithm
    result.signature_algorithm = status.pkcs7_signature_mechanism
    st = getattr(status, "signer_reported_dt", None)
    result.signing_time = _iso(st)
    if result.integrity == "hash-failure":
        result.problem(INVALID, R_MODIFIED, "the signed bytes no longer match the signature's digest")
        return
    if result.integrity == "crypto-failure":
        result.problem(INVALID, R_CRYPTO)
        return
    _judge_modifications(status, result, later)


def _judge_modifications(status, result: SigResult, later: set[str]) -> None:
    from pyhanko.sign.diff_analysis import DiffResult, ModificationLevel
    from pyhanko.sign.validation import SignatureCoverageLevel as Cov

    cov = status.coverage
    result.coverage = {Cov.ENTIRE_FILE: "entire-file", Cov.ENTIRE_REVISION: "entire-revision",
                       Cov.CONTIGUOUS_BLOCK_FROM_START: "contiguous-block"}.get(cov, "unclear")
    if cov == Cov.ENTIRE_FILE:
        result.modification = "none"
        return
    if cov != Cov.ENTIRE_REVISION:
        result.modification = "other"
        result.problem(INVALID, R_MODIFIED, f"the signature covers only part of its revision ({result.coverage})")
        return
    diff = status.diff_result
    if not isinstance(diff, DiffResult):
        result.modification = "other"
        result.problem(INVALID, R_MODIFIED, f"changes after signing are not permitted: {diff}"[:300])
        return
    level = diff.modification_level
    changed = sorted(set(diff.changed_form_fields) - later)
    result.changed_fields = changed
    if level == ModificationLevel.OTHER or status.docmdp_ok is False:
        result.modification = "other"
        result.problem(INVALID, R_MODIFIED, f"modification level {level.name}, "
                       f"docmdp_ok={status.docmdp_ok}")
    elif level == ModificationLevel.FORM_FILLING and changed:
        result.modification = "form-filling"
        result.problem(WARN, R_FORM_FILLED, "changed fields: " + ", ".join(changed))
    elif level == ModificationLevel.NONE:
        result.modification = "none"
    else:
        result.modification = "signatures"
        result.notes.append(("Sau chữ ký này chỉ có thêm chữ ký số, dấu thời gian hoặc dữ liệu kiểm tra",
                             "only later signatures, timestamps or validation data were added after it"))


async def _recheck_at_timestamp(emb, status, result: SigResult, trust: TrustStore, dss: dict):
    """Certificate expired or revoked since? Re-check at the trusted timestamp's time."""
    from pyhanko.sign.ades.report import AdESIndeterminate as I
    from pyhanko.sign.validation import async_validate_pdf_signature

    ts = status.timestamp_validity
    result.validated_at = _iso(status.validation_time)
    if status.trust_problem_indic not in (I.OUT_OF_BOUNDS_NO_POE, I.REVOKED_NO_POE,
                                          I.REVOKED_CA_NO_POE, I.OUT_OF_BOUNDS_NOT_REVOKED):
        return status
    if ts is None or not (ts.intact and ts.valid and ts.trusted):
        return status
    at = ts.timestamp
    if status.revocation_details is not None and status.revocation_details.revocation_date <= at:
        return status                      # revoked before the proven signing time
    vc = trust.validation_context(at, retroactive_revinfo=True, **dss)
    again = await async_validate_pdf_signature(
        emb, signer_validation_context=vc, ts_validation_context=trust.validation_context(**dss),
        key_usage_settings=_key_usage(), skip_diff=True)
    if not again.trusted:
        return status
    result.validated_at = _iso(at)
    if status.revocation_details is not None:
        result.problem(WARN, R_REVOKED_LATER,
                       f"revoked {_iso(status.revocation_details.revocation_date)}, timestamp {_iso(at)}")
    else:
        result.notes.append((
            "Chứng thư số hết hạn sau thời điểm ký; đã kiểm tra tại thời điểm của dấu thời gian tin cậy",
            f"the certificate expired after signing; validated at the trusted timestamp {_iso(at)}"))
    return _with_trust_of(status, again)


def _with_trust_of(status, again):
    """`status` (with the diff analysis) carrying the trust verdict of `again`."""
    import dataclasses

    return dataclasses.replace(status, trust_problem_indic=again.trust_problem_indic,
                               validation_path=again.validation_path,
                               revocation_details=again.revocation_details,
                               validation_time=again.validation_time)


async def _recheck_weak(emb, status, result: SigResult, trust: TrustStore, dss: dict):
    """Weak algorithms: name them, and learn the trust status pyHanko skipped."""
    from pyhanko.sign.ades.report import AdESIndeterminate as I
    from pyhanko.sign.validation import async_validate_pdf_signature

    weak = _weak_algorithms(emb, status)
    if status.trust_problem_indic in (I.CRYPTO_CONSTRAINTS_FAILURE, I.CRYPTO_CONSTRAINTS_FAILURE_NO_POE) \
            and not weak:
        weak = ["?"]
    if not weak:
        return status
    result.weak_algorithms = weak
    result.problem(INDET, weak_reason(weak))
    vc = trust.validation_context(lenient_algorithms=True, **dss)
    again = await async_validate_pdf_signature(
        emb, signer_validation_context=vc, key_usage_settings=_key_usage(), skip_diff=True)
    return _with_trust_of(status, again)


def _judge_trust(status, result: SigResult, trust: TrustStore, dss: dict) -> None:
    from pyhanko.sign.ades.report import AdESIndeterminate as I

    if result.integrity != "intact":
        return
    result.trusted = bool(status.trusted)
    indic = status.trust_problem_indic
    if indic is None or result.trusted:
        return
    path_found = status.validation_path is not None
    if indic == I.NO_CERTIFICATE_CHAIN_FOUND:
        result.problem(INDET, R_NO_ROOTS if not trust.configured else R_UNTRUSTED)
    elif indic == I.OUT_OF_BOUNDS_NO_POE:
        result.problem(INVALID, R_EXPIRED, _expiry_detail(status))
    elif indic in (I.REVOKED_NO_POE,):
        result.problem(INVALID, R_REVOKED, _revocation_detail(status))
    elif indic == I.REVOKED_CA_NO_POE:
        result.problem(INVALID, R_CA_REVOKED, _revocation_detail(status))
    elif indic == I.NOT_YET_VALID:
        result.problem(INVALID, R_NOT_YET)
    elif indic in (I.CRYPTO_CONSTRAINTS_FAILURE, I.CRYPTO_CONSTRAINTS_FAILURE_NO_POE):
        if not result.weak_algorithms:
            result.problem(INDET, weak_reason(["?"]))
    elif indic == I.CHAIN_CONSTRAINTS_FAILURE:
        result.problem(INDET, R_KEY_USAGE if _key_usage_fails(status.signing_cert) else R_CHAIN, indic.name)
    elif indic in (I.TRY_LATER,) or (_revinfo_missing(status, trust, dss) and trust.revocation == "hard-fail"):
        result.problem(INDET, R_REVINFO, indic.name)
    elif not path_found and not trust.configured:
        result.problem(INDET, R_NO_ROOTS)
    else:
        result.problem(INDET, R_CHAIN, indic.name)


def _judge_timestamp(status, result: SigResult) -> None:
    ts = status.timestamp_validity
    if ts is None:
        return
    result.timestamp_time = _iso(ts.timestamp)
    result.timestamp_trusted = bool(ts.intact and ts.valid and ts.trusted)
    if not result.timestamp_trusted and result.verdict in (VALID, WARN):
        result.problem(WARN, R_TS_UNTRUSTED)


def _judge_revocation_info(status, result: SigResult, trust: TrustStore, dss: dict) -> None:
    """Soft-fail: a certificate that names a CRL/OCSP we do not hold is a warning."""
    if result.trusted and _revinfo_missing(status, trust, dss):
        result.problem(WARN, R_REVINFO)


def _revinfo_missing(status, trust: TrustStore, dss: dict) -> bool:
    """Whether a non-root certificate of the path declares revocation info that
    no configured or embedded CRL covers (offline we can check nothing else)."""
    path = status.validation_path
    if path is None:
        certs = [status.signing_cert]
    else:
        try:
            certs = [c for c in path.iter_certs(include_root=False)]
        except Exception:  # noqa: BLE001
            certs = [status.signing_cert]
    embedded = {c.issuer.sha256 for c in dss.get("extra_crls", ())}
    has_ocsp = bool(dss.get("extra_ocsps"))
    for cert in certs:
        crl_declared = bool(cert.crl_distribution_points_value)
        ocsp_declared = bool(cert.ocsp_urls)
        if not (crl_declared or ocsp_declared):
            continue
        covered = trust.has_crl_for(cert.issuer) or cert.issuer.sha256 in embedded \
            or (ocsp_declared and has_ocsp)
        if not covered:
            return True
    return False


def _key_usage_fails(cert) -> bool:
    try:
        _key_usage().validate(cert)
        return False
    except Exception:  # noqa: BLE001
        return True


def _expiry_detail(status) -> str:
    try:
        return f"not after {_iso(status.signing_cert['tbs_certificate']['validity']['not_after'].native)}"
    except Exception:  # noqa: BLE001
        return ""


def _revocation_detail(status) -> str:
    rd = status.revocation_details
    if rd is None:
        return ""
    return f"revoked {_iso(rd.revocation_date)}, reason {rd.revocation_reason.native}"


def _weak_algorithms(emb, status) -> list[str]:
    """Human names of weak algorithms in the signature and its certificate path."""
    weak: list[str] = []

    def add(name: str) -> None:
        if name not in weak:
            weak.append(name)

    def digest(name: str | None) -> None:
        if name and name.lower() in ("sha1", "md5", "md2"):
            add({"sha1": "SHA-1", "md5": "MD5", "md2": "MD2"}[name.lower()])

    def key(cert) -> None:
        try:
            pk = cert.public_key
            if pk.algorithm == "rsa" and pk.bit_size < 2048:
                add(f"RSA-{pk.bit_size}")
        except Exception:  # noqa: BLE001
            pass

    digest(status.md_algorithm)
    try:
        digest(emb.signer_info["signature_algorithm"].hash_algo)
    except Exception:  # noqa: BLE001
        pass
    key(status.signing_cert)
    path = status.validation_path
    if path is not None:
        try:
            for cert in path.iter_certs(include_root=False):
                key(cert)
                digest(cert["signature_algorithm"].hash_algo)
        except Exception:  # noqa: BLE001
            pass
    return weak


def _explain_failure(result: SigResult, exc: Exception) -> None:
    from pyhanko.sign.validation.errors import SignatureValidationError

    logger.info("verify: signature %s failed to validate: %s", result.field, exc)
    detail = f"{type(exc).__name__}: {exc}"[:300]
    if isinstance(exc, SignatureValidationError):
        result.intact = False
        result.integrity = "unreadable"
        result.problem(INVALID, R_BROKEN, detail)
    else:
        result.problem(INDET, R_ERROR, detail)


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


def _describe_signer(cert, result: SigResult) -> None:
    subject = cert.subject.native
    cn = _first(subject.get("common_name"))
    org = _first(subject.get("organization_name"))
    result.signer = _nfc(cn) or _nfc(cert.subject.human_friendly)
    result.signer_org = _nfc(org)
    result.serial = format(cert.serial_number, "x")
    issuer = cert.issuer.native
    result.issuer = _nfc(_first(issuer.get("common_name"))) or _nfc(cert.issuer.human_friendly)
    result.role = "organization" if _is_organization(result.signer, result.signer_org,
                                                     _first(subject.get("organizational_unit_name"))) \
        else "person"


def _is_organization(cn: str | None, org: str | None, unit: str | None) -> bool:
    if not cn:
        return False
    fold = cn.casefold().strip()
    if any(fold == (x or "").casefold().strip() for x in (org, unit)):
        return True
    return any(fold.startswith(w) for w in _ORG_WORDS)


def _first(value) -> str | None:
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    return None if value is None else str(value)


def _nfc(text: str | None) -> str | None:
    return None if text is None else unicodedata.normalize("NFC", text)


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.isoformat()


# -- validation data embedded in the document (PAdES DSS) ----------------------

def _dss_material(reader) -> dict:
    """Certificates, CRLs and OCSP responses from the document's /DSS, if any.

    They only help build paths and check revocation: trust still comes from
    the configured roots, and every CRL/OCSP response is verified against its
    issuer by the validator.
    """
    from asn1crypto import crl, ocsp, x509

    out: dict[str, list] = {"extra_certs": [], "extra_crls": [], "extra_ocsps": []}
    try:
        dss = reader.root.get("/DSS")
        if dss is None:
            return out
        dss = dss.get_object()
        for key, target, cls in (("/Certs", "extra_certs", x509.Certificate),
                                 ("/CRLs", "extra_crls", crl.CertificateList),
                                 ("/OCSPs", "extra_ocsps", ocsp.OCSPResponse)):
            items = dss.get(key) or []
            for ref in list(items)[:MAX_DSS_ITEMS]:
                try:
                    parsed = cls.load(ref.get_object().data)
                    parsed.native if cls is not x509.Certificate else parsed.subject  # noqa: B018
                    out[target].append(parsed)
                except Exception:  # noqa: BLE001
                    continue
    except Exception as exc:  # noqa: BLE001
        logger.info("verify: unreadable /DSS: %s", exc)
    return out


# -- the document --------------------------------------------------------------

def _document_report(results: list[SigResult], *, unreadable=None, no_roots: bool = False) -> dict:
    if unreadable is not None:
        (vi, en), detail = unreadable
        return {"document": {"verdict": "unreadable", "paper_exempt": False, "signer_and_agency": False,
                             "signature_count": 0, "reasons_vi": [vi], "reasons_en": [f"{en} ({detail})" if detail else en]},
                "signatures": []}
    signatures = [r for r in results if r.kind == "signature"]
    verdict = _document_verdict(results, signatures)
    last = results[-1] if results else None
    paper_exempt = (verdict == "trusted-signed" and last is not None
                    and last.modification in ("none", "signatures", "form-filling"))
    usable = [r for r in signatures if r.verdict != INVALID]
    roles = {r.role for r in usable}
    doc = {
        "verdict": verdict,
        "paper_exempt": paper_exempt,
        "signer_and_agency": {"person", "organization"} <= roles,
        "signature_count": len(signatures),
        "reasons_vi": _document_reasons(verdict, results)[0],
        "reasons_en": _document_reasons(verdict, results)[1],
    }
    return {"document": doc, "signatures": [r.to_json() for r in results]}


def _document_verdict(results: list[SigResult], signatures: list[SigResult]) -> str:
    if not signatures:
        return "unsigned"
    if any(r.verdict == INVALID for r in results):
        return "signed-invalid"
    if all(r.verdict in (VALID, WARN) and (r.trusted or r.kind != "signature") for r in results):
        return "trusted-signed"
    untrusted = (R_UNTRUSTED[0], R_NO_ROOTS[0])
    if any(vi in untrusted for r in results for _s, vi, _en in r.reasons):
        return "signed-untrusted"
    return "indeterminate"


def _document_reasons(verdict: str, results: list[SigResult]) -> tuple[list[str], list[str]]:
    if verdict == "unsigned":
        return [D_UNSIGNED[0]], [D_UNSIGNED[1]]
    vi: list[str] = []
    en: list[str] = []
    for r in results:
        for _sev, rvi, ren in r.reasons:
            if rvi not in vi:
                vi.append(rvi)
                en.append(ren)
    return vi, en


# -- text for people -------------------------------------------------------------

_DOC_VI = {
    "unsigned": "Không có chữ ký số",
    "trusted-signed": "Chữ ký số hợp lệ, tin cậy",
    "signed-untrusted": "Có chữ ký số nhưng chứng thư số không tin cậy",
    "signed-invalid": "Chữ ký số không hợp lệ",
    "indeterminate": "Chưa xác định được tính hợp lệ của chữ ký số",
    "unreadable": "Không đọc được tệp PDF",
}
_SIG_VI = {VALID: "hợp lệ", WARN: "hợp lệ (có lưu ý)", INDET: "chưa xác định", INVALID: "không hợp lệ"}


def summary_vi(report: dict) -> str:
    """One plain Vietnamese line for the receipt."""
    doc = report.get("document") or {}
    verdict = doc.get("verdict")
    sigs = [s for s in report.get("signatures") or [] if s.get("kind", "signature") == "signature"]
    if verdict == "unreadable":
        return _nfc_line(f"{_DOC_VI['unreadable']}: " + "; ".join(doc.get("reasons_vi") or []))
    if not sigs:
        return _DOC_VI["unsigned"]
    signers = ", ".join(s.get("signer") or "?" for s in sigs)
    if verdict == "trusted-signed":
        text = f"Có {len(sigs)} chữ ký số hợp lệ, tin cậy ({signers})"
    else:
        text = f"Có {len(sigs)} chữ ký số ({signers}): {_DOC_VI.get(verdict, verdict)}"
        reasons = doc.get("reasons_vi") or []
        if reasons:
            text += " — " + "; ".join(reasons)
    return _nfc_line(text)


def _nfc_line(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split()))


def describe(report: dict) -> str:
    """Multi-line text for `mailbot verify`: Vietnamese first, English details."""
    doc = report.get("document") or {}
    lines = [f"Kết luận: {_DOC_VI.get(doc.get('verdict'), doc.get('verdict'))}"
             f"  [verdict: {doc.get('verdict')}]"]
    if doc.get("verdict") not in ("unreadable", "unsigned"):
        lines.append(f"Miễn bản giấy (Điều 4.4, 8.2 QĐ 57/2014): {'có' if doc.get('paper_exempt') else 'không'}"
                     f"  [paper_exempt: {str(bool(doc.get('paper_exempt'))).lower()}]")
        lines.append(f"Có cả chữ ký của người có thẩm quyền và của cơ quan (Điều 5 NĐ 30/2020): "
                     f"{'có' if doc.get('signer_and_agency') else 'không'}"
                     f"  [signer_and_agency: {str(bool(doc.get('signer_and_agency'))).lower()}]")
    if doc.get("verdict") == "unreadable":
        for vi, en in zip(doc.get("reasons_vi") or [], doc.get("reasons_en") or []):
            lines.append(f"  - {vi}  [{en}]")
    for i, sig in enumerate(report.get("signatures") or [], start=1):
        lines.append("")
        kind = "Dấu thời gian tài liệu" if sig.get("kind") == "document-timestamp" else "Chữ ký"
        lines.append(f"{kind} {i}: trường {sig.get('field')!r} — {_SIG_VI.get(sig.get('verdict'), '?')}"
                     f"  [verdict: {sig.get('verdict')}]")
        who = sig.get("signer") or "?"
        if sig.get("signer_org") and sig.get("signer_org") != who:
            who += f", {sig['signer_org']}"
        lines.append(f"  Người ký: {who}  [role: {sig.get('role')}, serial: {sig.get('serial')}, "
                     f"issuer: {sig.get('issuer')}]")
        lines.append(f"  Thời điểm ký (tự khai): {sig.get('signing_time') or '—'}; dấu thời gian: "
                     f"{sig.get('timestamp_time') or '—'}"
                     + ("" if sig.get("timestamp_trusted") in (None, True) else " (không tin cậy)"))
        lines.append(f"  [intact: {_b(sig.get('intact'))}, trusted: {_b(sig.get('trusted'))}, "
                     f"coverage: {sig.get('coverage')}, modification: {sig.get('modification')}, "
                     f"digest: {sig.get('digest_algorithm')}, mechanism: {sig.get('signature_algorithm')}, "
                     f"checked at: {sig.get('validated_at')}]")
        for vi, en in zip(sig.get("reasons_vi") or [], sig.get("reasons_en") or []):
            lines.append(f"  - {vi}  [{en}]")
        for vi, en in zip(sig.get("notes_vi") or [], sig.get("notes_en") or []):
            lines.append(f"  · {vi}  [{en}]")
    return unicodedata.normalize("NFC", "\n".join(lines))


def _b(value) -> str:
    return "?" if value is None else str(bool(value)).lower()
