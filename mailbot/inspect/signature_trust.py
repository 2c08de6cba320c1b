"""Signature certificates: the chain to a configured root, revocation, key usage,
weak algorithms and the re-check at a trusted timestamp's time (docs/DESIGN.md §5).

Each function adds what it finds to the signature's `SigCheck`; pyHanko's
status objects come in from `inspect/signatures`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailbot.inspect.signature_verdicts import (
    INDET, INVALID, R_CA_REVOKED, R_CHAIN, R_EXPIRED, R_KEY_USAGE, R_NO_ROOTS, R_NOT_YET, R_REVINFO,
    R_REVOKED, R_REVOKED_LATER, R_TS_UNTRUSTED, R_UNTRUSTED, VALID, WARN, SigCheck, iso, weak_reason,
)

if TYPE_CHECKING:
    from mailbot.trust import TrustStore


def key_usage():
    from pyhanko.sign.validation import KeyUsageConstraints

    # Real signing certificates carry nonRepudiation, digitalSignature or both.
    return KeyUsageConstraints(key_usage={"non_repudiation", "digital_signature"},
                               match_all_key_usages=False)


async def recheck_at_timestamp(emb, status, check: SigCheck, trust: TrustStore, dss: dict):
    """Certificate expired or revoked since? Re-check at the trusted timestamp's time."""
    from pyhanko.sign.ades.report import AdESIndeterminate as I
    from pyhanko.sign.validation import async_validate_pdf_signature

    ts = status.timestamp_validity
    check.validated_at = iso(status.validation_time)
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
        key_usage_settings=key_usage(), skip_diff=True)
    if not again.trusted:
        return status
    check.validated_at = iso(at)
    if status.revocation_details is not None:
        check.problem(WARN, R_REVOKED_LATER,
                      f"revoked {iso(status.revocation_details.revocation_date)}, timestamp {iso(at)}")
    else:
        check.note(("Chứng thư số hết hạn sau thời điểm ký; đã kiểm tra tại thời điểm của dấu thời gian tin cậy",
                    f"the certificate expired after signing; validated at the trusted timestamp {iso(at)}"))
    return _with_trust_of(status, again)


def _with_trust_of(status, again):
    """`status` (with the diff analysis) carrying the trust verdict of `again`."""
    import dataclasses

    return dataclasses.replace(status, trust_problem_indic=again.trust_problem_indic,
                               validation_path=again.validation_path,
                               revocation_details=again.revocation_details,
                               validation_time=again.validation_time)


async def recheck_weak(emb, status, check: SigCheck, trust: TrustStore, dss: dict):
    """Weak algorithms: name them, and learn the trust status pyHanko skipped."""
    from pyhanko.sign.ades.report import AdESIndeterminate as I
    from pyhanko.sign.validation import async_validate_pdf_signature

    weak = _weak_algorithms(emb, status)
    if status.trust_problem_indic in (I.CRYPTO_CONSTRAINTS_FAILURE, I.CRYPTO_CONSTRAINTS_FAILURE_NO_POE) \
            and not weak:
        weak = ["?"]
    if not weak:
        return status
    check.weak_algorithms = weak
    check.problem(INDET, weak_reason(weak))
    vc = trust.validation_context(lenient_algorithms=True, **dss)
    again = await async_validate_pdf_signature(
        emb, signer_validation_context=vc, key_usage_settings=key_usage(), skip_diff=True)
    return _with_trust_of(status, again)


def judge_trust(status, check: SigCheck, trust: TrustStore, dss: dict) -> None:
    from pyhanko.sign.ades.report import AdESIndeterminate as I

    if check.integrity != "intact":
        return
    check.trusted = bool(status.trusted)
    indic = status.trust_problem_indic
    if indic is None or check.trusted:
        return
    path_found = status.validation_path is not None
    if indic == I.NO_CERTIFICATE_CHAIN_FOUND:
        check.problem(INDET, R_NO_ROOTS if not trust.configured else R_UNTRUSTED)
    elif indic == I.OUT_OF_BOUNDS_NO_POE:
        check.problem(INVALID, R_EXPIRED, _expiry_detail(status))
    elif indic in (I.REVOKED_NO_POE,):
        check.problem(INVALID, R_REVOKED, _revocation_detail(status))
    elif indic == I.REVOKED_CA_NO_POE:
        check.problem(INVALID, R_CA_REVOKED, _revocation_detail(status))
    elif indic == I.NOT_YET_VALID:
        check.problem(INVALID, R_NOT_YET)
    elif indic in (I.CRYPTO_CONSTRAINTS_FAILURE, I.CRYPTO_CONSTRAINTS_FAILURE_NO_POE):
        if not check.weak_algorithms:
            check.problem(INDET, weak_reason(["?"]))
    elif indic == I.CHAIN_CONSTRAINTS_FAILURE:
        check.problem(INDET, R_KEY_USAGE if _key_usage_fails(status.signing_cert) else R_CHAIN, indic.name)
    elif indic in (I.TRY_LATER,) or (_revinfo_missing(status, trust, dss) and trust.revocation == "hard-fail"):
        check.problem(INDET, R_REVINFO, indic.name)
    elif not path_found and not trust.configured:
        check.problem(INDET, R_NO_ROOTS)
    else:
        check.problem(INDET, R_CHAIN, indic.name)


def judge_timestamp(status, check: SigCheck) -> None:
    ts = status.timestamp_validity
    if ts is None:
        return
    check.timestamp_time = iso(ts.timestamp)
    check.timestamp_trusted = bool(ts.intact and ts.valid and ts.trusted)
    if not check.timestamp_trusted and check.verdict in (VALID, WARN):
        check.problem(WARN, R_TS_UNTRUSTED)


def judge_revocation_info(status, check: SigCheck, trust: TrustStore, dss: dict) -> None:
    """Soft-fail: a certificate that names a CRL/OCSP we do not hold is a warning."""
    if check.trusted and _revinfo_missing(status, trust, dss):
        check.problem(WARN, R_REVINFO)


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
        key_usage().validate(cert)
        return False
    except Exception:  # noqa: BLE001
        return True


def _expiry_detail(status) -> str:
    try:
        return f"not after {iso(status.signing_cert['tbs_certificate']['validity']['not_after'].native)}"
    except Exception:  # noqa: BLE001
        return ""


def _revocation_detail(status) -> str:
    rd = status.revocation_details
    if rd is None:
        return ""
    return f"revoked {iso(rd.revocation_date)}, reason {rd.revocation_reason.native}"


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

