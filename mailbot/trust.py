"""Trust configuration for signature checks: roots, intermediates, CRLs.

`trust_store(rules)` reads the files named under `trust:` in rules.yaml once
(build it once per daemon and reuse it); `TrustStore.validation_context()`
then hands out a fresh, offline pyHanko `ValidationContext` per signature
(a context remembers the certificates of the signature it checked, so one is
never shared between documents).

`trust_problems(rules)` lists the problems `mailbot check` reports — missing,
unreadable, expired or not-a-CA files — with the key path of the entry at
fault, so that they are told with its line; `check_trust(rules)` says them
as text.

Each entry may name a file (PEM with one or more certificates, or DER) or a
folder (every *.pem, *.crt, *.cer, *.der, *.crl file in it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from asn1crypto import crl as asn1_crl
from asn1crypto import pem, x509

if TYPE_CHECKING:
    from pyhanko_certvalidator import ValidationContext

    from mailbot.config import Rules

logger = logging.getLogger(__name__)

MAX_TRUST_FILE_BYTES = 50 * 1024 * 1024
_CERT_SUFFIXES = {".pem", ".crt", ".cer", ".der"}
_CRL_SUFFIXES = {".crl", ".pem", ".der"}


@dataclass
class TrustStore:
    """Parsed trust material. Immutable once built; share it between threads."""

    roots: tuple[x509.Certificate, ...] = ()
    intermediates: tuple[x509.Certificate, ...] = ()
    crls: tuple[asn1_crl.CertificateList, ...] = ()
    revocation: str = "soft-fail"        # soft-fail | hard-fail
    problems: tuple[str, ...] = ()       # files that could not be used
    _crl_issuers: frozenset[bytes] = field(default=frozenset(), init=False, repr=False)
    _trust_manager: object = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        from pyhanko_certvalidator.registry import SimpleTrustManager

        self._crl_issuers = frozenset(c.issuer.sha256 for c in self.crls)
        # an explicit (possibly empty) list: never the OS TLS store
        self._trust_manager = SimpleTrustManager.build(trust_roots=list(self.roots))

    @property
    def configured(self) -> bool:
        return bool(self.roots)

    def has_crl_for(self, issuer: x509.Name) -> bool:
        """Whether a configured CRL was issued by `issuer` (by name)."""
        return issuer.sha256 in self._crl_issuers

    def trust_manager(self):
        return self._trust_manager

    def validation_context(
        self,
        moment: datetime | None = None,
        *,
        extra_certs: Iterable[x509.Certificate] = (),
        extra_crls: Iterable[asn1_crl.CertificateList] = (),
        extra_ocsps: Iterable = (),
        retroactive_revinfo: bool = False,
        lenient_algorithms: bool = False,
    ) -> ValidationContext:
        """A fresh offline context; `moment` None means now."""
        from pyhanko_certvalidator import ValidationContext
        from pyhanko_certvalidator.policy_decl import DisallowWeakAlgorithmsPolicy

        kwargs = {}
        if lenient_algorithms:
            kwargs["algorithm_usage_policy"] = DisallowWeakAlgorithmsPolicy(
                weak_hash_algos=frozenset(), rsa_key_size_threshold=0, dsa_key_size_threshold=0)
        return ValidationContext(
            trust_manager=self.trust_manager(),
            other_certs=[*self.intermediates, *extra_certs],
            crls=[*self.crls, *extra_crls],
            ocsps=list(extra_ocsps),
            moment=moment,
            allow_fetching=False,
            revocation_mode=self.revocation,
            retroactive_revinfo=retroactive_revinfo,
            **kwargs,
        )


# -- building ------------------------------------------------------------------

# A problem with one entry of the trust: lists: (key path in rules.yaml, message),
# e.g. (("trust", "roots", 1), "missing.pem: file not found (…)"). `mailbot check`
# adds the line; logs and TrustStore.problems say "trust.roots.1: …".
Problem = tuple[tuple, str]


def _said(problems: list[Problem]) -> list[str]:
    return [f"{'.'.join(map(str, path))}: {message}" for path, message in problems]


def trust_store(rules: Rules) -> TrustStore:
    """Read every trust file named in rules.yaml. Problems are kept, not raised."""
    problems: list[Problem] = []
    roots = _load_certs(rules, rules.trust.roots, "roots", problems)
    intermediates = _load_certs(rules, rules.trust.intermediates, "intermediates", problems)
    crls = _load_crls(rules, rules.trust.crls, problems)
    said = _said(problems)
    for p in said:
        logger.warning("%s", p)
    return TrustStore(
        roots=tuple(_unique(roots)),
        intermediates=tuple(_unique(intermediates)),
        crls=tuple(crls),
        revocation=rules.trust.revocation,
        problems=tuple(said),
    )


def empty_trust_store() -> TrustStore:
    """No roots: every signature is checked for integrity, none is trusted."""
    return TrustStore()


def _unique(certs: list[x509.Certificate]) -> list[x509.Certificate]:
    seen: set[bytes] = set()
    out = []
    for c in certs:
        if c.sha256 not in seen:
            seen.add(c.sha256)
            out.append(c)
    return out


def _files(rules: Rules, entry: str, where: tuple, suffixes: set[str], problems: list[Problem]) -> list[Path]:
    """The files one entry names: itself, or the matching files of a folder."""
    path = rules.path(entry)
    if path is None or not path.exists():
        problems.append((where, f"{entry}: file not found ({path}); fix the path (a relative one starts "
                                "at the folder of rules.yaml) or remove the entry"))
        return []
    if path.is_dir():
        try:
            found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in suffixes)
        except OSError as exc:
            problems.append((where, f"{entry}: cannot read the folder ({exc.strerror or exc}); "
                                    "let the mailbot user read it"))
            return []
        if not found:
            problems.append((where, f"{entry}: folder holds no {'/'.join(sorted(suffixes))} files; "
                                    "put the files there or remove the entry"))
        return found
    return [path]


def _read(path: Path, where: tuple, problems: list[Problem]) -> bytes | None:
    try:
        if path.stat().st_size > MAX_TRUST_FILE_BYTES:
            problems.append((where, f"{path}: file too large (over {MAX_TRUST_FILE_BYTES // 2**20} MiB); "
                                    "name the certificate or CRL file itself"))
            return None
        return path.read_bytes()
    except OSError as exc:
        problems.append((where, f"{path}: cannot read the file ({exc.strerror or exc}); "
                                "let the mailbot user read it"))
        return None


def _der_blocks(data: bytes, pem_types: tuple[str, ...]) -> list[bytes]:
    if pem.detect(data):
        return [der for kind, _h, der in pem.unarmor(data, multiple=True) if kind in pem_types]
    return [data]


def parse_certificates(data: bytes) -> list[x509.Certificate]:
    """Certificates in a PEM bundle or a DER file. Raises ValueError when none."""
    certs = []
    for der in _der_blocks(data, ("CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE")):
        cert = x509.Certificate.load(der)
        cert.native  # force a full parse so broken files fail here, not later
        certs.append(cert)
    if not certs:
        raise ValueError("no certificate in the file")
    return certs


def parse_crls(data: bytes) -> list[asn1_crl.CertificateList]:
    lists = []
    for der in _der_blocks(data, ("X509 CRL", "CRL")):
        item = asn1_crl.CertificateList.load(der)
        item["tbs_cert_list"]["issuer"].native
        item["tbs_cert_list"]["this_update"].native
        lists.append(item)
    if not lists:
        raise ValueError("no CRL in the file")
    return lists


def _certs_by_entry(rules: Rules, entries: list[str], section: str,
                    problems: list[Problem]) -> list[tuple[tuple, list[x509.Certificate]]]:
    out = []
    for i, entry in enumerate(entries):
        where, certs = ("trust", section, i), []
        for path in _files(rules, entry, where, _CERT_SUFFIXES, problems):
            data = _read(path, where, problems)
            if data is None:
                continue
            try:
                certs.extend(parse_certificates(data))
            except Exception as exc:  # noqa: BLE001 - any parse error of an admin file
                problems.append((where, f"{path}: not a readable certificate (PEM or DER): "
                                        f"{type(exc).__name__}; name a certificate file (.pem, .crt, .cer, .der)"))
        out.append((where, certs))
    return out


def _crls_by_entry(rules: Rules, entries: list[str],
                   problems: list[Problem]) -> list[tuple[tuple, list[asn1_crl.CertificateList]]]:
    out = []
    for i, entry in enumerate(entries):
        where, lists = ("trust", "crls", i), []
        for path in _files(rules, entry, where, _CRL_SUFFIXES, problems):
            data = _read(path, where, problems)
            if data is None:
                continue
            try:
                lists.extend(parse_crls(data))
            except Exception as exc:  # noqa: BLE001
                problems.append((where, f"{path}: not a readable CRL (PEM or DER): {type(exc).__name__}; "
                                        "name a CRL file (.crl, .pem, .der)"))
        out.append((where, lists))
    return out


def _load_certs(rules: Rules, entries: list[str], section: str,
                problems: list[Problem]) -> list[x509.Certificate]:
    return [c for _where, certs in _certs_by_entry(rules, entries, section, problems) for c in certs]


def _load_crls(rules: Rules, entries: list[str], problems: list[Problem]) -> list[asn1_crl.CertificateList]:
    return [c for _where, lists in _crls_by_entry(rules, entries, problems) for c in lists]


# -- checking (mailbot check) --------------------------------------------------

def trust_problems(rules: Rules, now: datetime | None = None) -> list[Problem]:
    """Problems with the trust files as (key path of the entry, message): `mailbot check` adds the line."""
    now = now or datetime.now(timezone.utc)
    problems: list[Problem] = []
    roots = _certs_by_entry(rules, rules.trust.roots, "roots", problems)
    intermediates = _certs_by_entry(rules, rules.trust.intermediates, "intermediates", problems)
    crls = _crls_by_entry(rules, rules.trust.crls, problems)
    for where, certs in (*roots, *intermediates):
        for cert in certs:
            problems.extend((where, p) for p in _cert_problems(cert, now))
    cas = [c for _where, certs in (*roots, *intermediates) for c in certs]
    for where, lists in crls:
        for item in lists:
            problems.extend((where, p) for p in _crl_problems(item, now, cas))
    if rules.trust.revocation == "hard-fail" and not any(lists for _where, lists in crls):
        problems.append((("trust", "revocation"), "hard-fail but no CRL is configured: signatures whose "
                         "certificates name a CRL will be indeterminate; list CRLs under trust.crls or "
                         "write soft-fail"))
    return problems


def check_trust(rules: Rules, now: datetime | None = None) -> list[str]:
    """Problems with the trust files, one plain English line each (`trust.roots.1: …`)."""
    return _said(trust_problems(rules, now))


def _name(cert: x509.Certificate) -> str:
    try:
        return cert.subject.human_friendly
    except Exception:  # noqa: BLE001
        return cert.sha256.hex()[:16]


def _cert_problems(cert: x509.Certificate, now: datetime) -> list[str]:
    out = []
    validity = cert["tbs_certificate"]["validity"]
    not_after = validity["not_after"].native
    not_before = validity["not_before"].native
    if not_after < now:
        out.append(f"{_name(cert)}: expired on {not_after.date().isoformat()}; put its renewed certificate "
                   "in its place")
    elif not_before > now:
        out.append(f"{_name(cert)}: not valid before {not_before.date().isoformat()}; check the "
                   "machine's clock, or wait for that day")
    if not cert.ca:
        out.append(f"{_name(cert)}: not a CA certificate (basicConstraints cA is not set); list only the "
                   "certificates of certification authorities here, not a signer's own")
    return out


def _crl_problems(item: asn1_crl.CertificateList, now: datetime,
                  cas: list[x509.Certificate]) -> list[str]:
    tbs = item["tbs_cert_list"]
    issuer = tbs["issuer"]
    who = issuer.human_friendly
    out = []
    next_update = tbs["next_update"].native
    if next_update is not None and next_update < now:
        out.append(f"CRL of {who}: out of date since {next_update.date().isoformat()} "
                   "(download a fresh one)")
    if not any(ca.subject == issuer for ca in cas):
        out.append(f"CRL of {who}: its issuer is not among the configured roots/intermediates; add the "
                   "issuer's certificate under trust.roots or trust.intermediates")
    return out
