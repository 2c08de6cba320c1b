"""Digital signatures in PDFs, checked the way a clerk must: offline, exact, explained.

Decree 30/2020 Art. 21.2.a and Decision 57/2014 Art. 9.2.b: the clerk checks
the digital signature of every incoming electronic document; one signed with
a trusted signature needs no paper copy (Decision 57/2014 Art. 4.4, 8.2).

`verify_pdf(data, trust)` gives the `SignatureReport` (mailbot.model) that
`mailbot verify` prints (docs/DESIGN.md §5, §8): a `DocumentVerdict`
(verdict, paper_exempt, signer_and_agency, …) and one `SignatureResult` per
signature field (field, signer, verdict, intact, trusted,
modified_after_signing, signing_time, timestamp_time, reasons_vi, …);
`to_json()` gives the JSON.

Each signature field is read and validated on its own, so one broken
signature never hides the others. pyHanko does the cryptography; this module
reads the PDF and each signature's integrity and changes after signing;
`signature_trust` judges the certificate (chain, revocation, key usage, weak
algorithms, the re-check at a trusted timestamp), `signature_verdicts` words
the reasons and the document's verdict, `signature_text` the summaries:

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
import logging
import threading
from io import BytesIO
from typing import TYPE_CHECKING, Any

from mailbot.inspect.signature_trust import (
    judge_revocation_info, judge_timestamp, judge_trust, key_usage, recheck_at_timestamp, recheck_weak,
)
from mailbot.inspect.signature_verdicts import (
    D_ENCRYPTED, D_UNREADABLE, INDET, INVALID, N_ONLY_LATER, R_BROKEN, R_CRYPTO, R_ERROR, R_FORM_FILLED,
    R_MODIFIED, R_UNSUPPORTED, WARN, SigCheck, describe_signer, document_report, iso, unreadable_report,
)
from mailbot.model import SignatureReport, SignatureResult

if TYPE_CHECKING:
    from mailbot.trust import TrustStore

logger = logging.getLogger(__name__)

MAX_SIGNATURES = 50          # fields beyond this are not validated (bounded work)
MAX_DSS_ITEMS = 200


class _Unreadable(Exception):
    def __init__(self, reason: tuple[str, str], detail: str = ""):
        super().__init__(detail or reason[1])
        self.reason = reason
        self.detail = detail


# -- entry point ----------------------------------------------------------------

def verify_pdf(data: bytes, trust: TrustStore, *, facts=None) -> SignatureReport:
    """The `verify` report (docs/DESIGN.md §5, §8) of one PDF. Never raises.

    `facts` (a `PdfFacts` from `pdf_facts`, optional) lets an unsigned,
    readable file skip the second parse entirely.
    """
    try:
        return _verify(bytes(data), trust, facts)
    except _Unreadable as exc:
        return unreadable_report(exc.reason, exc.detail)
    except Exception as exc:  # noqa: BLE001 - never let one PDF stop the pipeline
        logger.exception("verify_pdf: unexpected failure")
        return unreadable_report(D_UNREADABLE, f"{type(exc).__name__}: {exc}")


def _verify(data: bytes, trust: TrustStore, facts) -> SignatureReport:
    if b"%PDF-" not in data[:1024]:
        raise _Unreadable(D_UNREADABLE, "no %PDF- header")
    if facts is not None:
        if facts.error and facts.encrypted:
            raise _Unreadable(D_ENCRYPTED, facts.error)
        # A signature dictionary cannot sit in a compressed object stream
        # (its /Contents must be excluded from the signed bytes), so its
        # /ByteRange key is always there in the raw file.
        if facts.error is None and b"/ByteRange" not in data:
            return document_report()
    try:
        reader = _open(data)
    except _Unreadable:
        if b"/ByteRange" in data or (facts is not None and facts.error):
            raise
        from mailbot.inspect.pdf import pdf_facts   # pypdf recovers files pyHanko will not open

        if pdf_facts(data, text=False).error is None:
            return document_report()
        raise
    fields = _signature_fields(reader)
    if not fields:
        return document_report()
    return document_report(_run(_validate_all(reader, fields, trust)))


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

async def _validate_all(reader, fields, trust: TrustStore) -> list[SignatureResult]:
    dss = _dss_material(reader)
    loaded = []
    for name, ref in fields:
        check = SigCheck(field=name)
        emb = _embedded(reader, name, ref, check)
        loaded.append((check, emb))
    loaded.sort(key=lambda item: item[0].revision)
    later_names: list[set[str]] = []
    names_after: set[str] = set()
    for check, _emb in reversed(loaded):
        later_names.append(set(names_after))
        names_after.add(check.field)
    later_names.reverse()
    results = []
    for (check, emb), later in zip(loaded, later_names):
        if emb is not None:
            try:
                await _validate_one(emb, check, trust, dss, later)
            except Exception as exc:  # noqa: BLE001 - one bad signature never hides the others
                _explain_failure(check, exc)
        results.append(check.result())
    return results


def _embedded(reader, name: str, ref, check: SigCheck):
    """pyHanko's view of one signature, or None (reason recorded) when it is unreadable."""
    from pyhanko.sign.validation import EmbeddedPdfSignature

    try:
        sig_ref = ref.get_object().raw_get("/V")
        check.revision = reader.xrefs.get_last_change(sig_ref.reference)
    except Exception:  # noqa: BLE001
        check.revision = 10**6
    if not _subfilter_supported(ref, check):
        return None
    try:
        emb = EmbeddedPdfSignature(reader, ref, name)
        describe_signer(emb.signer_cert, check)
    except Exception as exc:  # noqa: BLE001
        check.integrity = "unreadable"
        check.problem(INVALID, R_BROKEN, f"{type(exc).__name__}: {exc}"[:200])
        return None
    if emb.sig_object_type == "/DocTimeStamp":
        check.kind = "document-timestamp"
    return emb


_SUBFILTERS = {"/Sig": {"/adbe.pkcs7.detached", "/ETSI.CAdES.detached", "/PBAD.PAdES"},
               "/DocTimeStamp": {"/ETSI.RFC3161"}}


def _subfilter_supported(ref, check: SigCheck) -> bool:
    """adbe.x509.rsa_sha1, adbe.pkcs7.sha1 and unknown formats: say so, do not guess."""
    try:
        sig = ref.get_object()["/V"]
        sig_type = str(sig.get("/Type", "/Sig"))
        subfilter = str(sig.get("/SubFilter", ""))
    except Exception:  # noqa: BLE001
        return True            # let the full parse report what is broken
    if sig_type == "/DocTimeStamp":
        check.kind = "document-timestamp"
    if subfilter in _SUBFILTERS.get(sig_type, ()):
        return True
    check.integrity = "unchecked"
    check.problem(INDET, R_UNSUPPORTED, f"/Type {sig_type}, /SubFilter {subfilter or 'missing'}")
    return False


async def _validate_one(emb, check: SigCheck, trust: TrustStore, dss: dict, later: set[str]) -> None:
    from pyhanko.sign.validation import async_validate_pdf_signature, async_validate_pdf_timestamp

    vc = trust.validation_context(**dss)
    if check.kind == "document-timestamp":
        status = await async_validate_pdf_timestamp(emb, validation_context=vc)
        _read_status(status, check, emb, later)
        check.timestamp_time = iso(status.timestamp)
        check.timestamp_trusted = status.trusted
        judge_trust(status, check, trust, dss)
        return
    status = await async_validate_pdf_signature(
        emb, signer_validation_context=vc, key_usage_settings=key_usage())
    _read_status(status, check, emb, later)
    if check.integrity != "intact":
        return
    status = await recheck_at_timestamp(emb, status, check, trust, dss)
    status = await recheck_weak(emb, status, check, trust, dss)
    judge_trust(status, check, trust, dss)
    judge_timestamp(status, check)
    judge_revocation_info(status, check, trust, dss)


def _read_status(status, check: SigCheck, emb, later: set[str]) -> None:
    """Integrity, coverage and modifications from pyHanko's status."""
    check.intact = bool(status.intact and status.valid)
    check.integrity = ("intact" if check.intact
                       else "hash-failure" if not status.intact else "crypto-failure")
    check.digest_algorithm = status.md_algorithm
    check.signature_algorithm = status.pkcs7_signature_mechanism
    st = getattr(status, "signer_reported_dt", None)
    check.signing_time = iso(st)
    if check.integrity == "hash-failure":
        check.problem(INVALID, R_MODIFIED, "the signed bytes no longer match the signature's digest")
        return
    if check.integrity == "crypto-failure":
        check.problem(INVALID, R_CRYPTO)
        return
    _judge_modifications(status, check, later)


def _judge_modifications(status, check: SigCheck, later: set[str]) -> None:
    from pyhanko.sign.diff_analysis import DiffResult, ModificationLevel
    from pyhanko.sign.validation import SignatureCoverageLevel as Cov

    cov = status.coverage
    check.coverage = {Cov.ENTIRE_FILE: "entire-file", Cov.ENTIRE_REVISION: "entire-revision",
                      Cov.CONTIGUOUS_BLOCK_FROM_START: "contiguous-block"}.get(cov, "unclear")
    if cov == Cov.ENTIRE_FILE:
        check.modification = "none"
        return
    if cov != Cov.ENTIRE_REVISION:
        check.modification = "other"
        check.problem(INVALID, R_MODIFIED, f"the signature covers only part of its revision ({check.coverage})")
        return
    diff = status.diff_result
    if not isinstance(diff, DiffResult):
        check.modification = "other"
        check.problem(INVALID, R_MODIFIED, f"changes after signing are not permitted: {diff}"[:300])
        return
    level = diff.modification_level
    changed = sorted(set(diff.changed_form_fields) - later)
    check.changed_fields = changed
    if level == ModificationLevel.OTHER or status.docmdp_ok is False:
        check.modification = "other"
        check.problem(INVALID, R_MODIFIED, f"modification level {level.name}, "
                      f"docmdp_ok={status.docmdp_ok}")
    elif level == ModificationLevel.FORM_FILLING and changed:
        check.modification = "form-filling"
        check.problem(WARN, R_FORM_FILLED, "changed fields: " + ", ".join(changed))
    elif level == ModificationLevel.NONE:
        check.modification = "none"
    else:
        check.modification = "signatures"
        check.note(N_ONLY_LATER)


def _explain_failure(check: SigCheck, exc: Exception) -> None:
    from pyhanko.sign.validation.errors import SignatureValidationError

    logger.info("verify: signature %s failed to validate: %s", check.field, exc)
    detail = f"{type(exc).__name__}: {exc}"[:300]
    if isinstance(exc, SignatureValidationError):
        check.intact = False
        check.integrity = "unreadable"
        check.problem(INVALID, R_BROKEN, detail)
    else:
        check.problem(INDET, R_ERROR, detail)


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

