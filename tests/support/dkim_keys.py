"""DKIM keys made in the tests, messages signed with dkimpy, keys served from memory.

Never real DNS: `FakeDNS` is passed as dkimpy's `dnsfunc` and records every
name asked for. Keys are cached per (kind, bits) so a test run makes each
kind once.
"""

from __future__ import annotations

import base64
import functools
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa


@dataclass(frozen=True)
class DkimKey:
    domain: str
    selector: str
    algorithm: bytes            # b"rsa-sha256" | b"ed25519-sha256"
    private: bytes              # what dkimpy's sign() takes
    txt: bytes                  # the DNS TXT record at <selector>._domainkey.<domain>

    @property
    def dns_name(self) -> bytes:
        return f"{self.selector}._domainkey.{self.domain}.".encode("ascii")

    def other_domain(self, domain: str, selector: str | None = None) -> DkimKey:
        """The same key material published for another domain/selector."""
        return DkimKey(domain, selector or self.selector, self.algorithm, self.private, self.txt)


# -- key material -----------------------------------------------------------------

@functools.cache
def _rsa_material(bits: int, n: int = 0) -> tuple[bytes, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.DER,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, public


def rsa_key(domain: str, selector: str = "mail", bits: int = 2048, n: int = 0) -> DkimKey:
    """An RSA key for `domain`; `n` > 0 gives a different key of the same size."""
    private, public = _rsa_material(bits, n)
    txt = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
    return DkimKey(domain, selector, b"rsa-sha256", private, txt)


@functools.cache
def _ed25519_material() -> tuple[bytes, bytes]:
    key = ed25519.Ed25519PrivateKey.generate()
    seed = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                             serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(seed), base64.b64encode(public)


def ed25519_key(domain: str, selector: str = "ed") -> DkimKey:
    private, public = _ed25519_material()
    return DkimKey(domain, selector, b"ed25519-sha256", private, b"v=DKIM1; k=ed25519; p=" + public)


def _is_probable_prime(n: int, rounds: int = 32) -> bool:
    if n < 2:
        return False
    for p in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37):
        if n % p == 0:
            return n == p
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for _ in range(rounds):
        x = pow(secrets.randbelow(n - 3) + 2, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _prime(bits: int) -> int:
    while True:
        candidate = secrets.randbits(bits) | (1 << (bits - 1)) | 1
        if _is_probable_prime(candidate):
            return candidate


@functools.cache
def _weak_rsa_material(bits: int) -> tuple[bytes, bytes]:
    """An RSA key below 1024 bits, which `cryptography` refuses to make: built by hand."""
    from asn1crypto import keys

    e = 65537
    while True:
        p, q = _prime(bits // 2), _prime(bits // 2)
        phi = (p - 1) * (q - 1)
        if p != q and phi % e and (p * q).bit_length() == bits:
            break
    n, d = p * q, pow(e, -1, phi)
    private = keys.RSAPrivateKey({
        "version": "two-prime", "modulus": n, "public_exponent": e, "private_exponent": d,
        "prime1": p, "prime2": q, "exponent1": d % (p - 1), "exponent2": d % (q - 1),
        "coefficient": pow(q, -1, p)}).dump()
    public = keys.PublicKeyInfo.wrap(keys.RSAPublicKey({"modulus": n, "public_exponent": e}), "rsa").dump()
    pem = (b"-----BEGIN RSA PRIVATE KEY-----\n" + base64.encodebytes(private)
           + b"-----END RSA PRIVATE KEY-----\n")
    return pem, public


def weak_rsa_key(domain: str, selector: str = "weak", bits: int = 512) -> DkimKey:
    private, public = _weak_rsa_material(bits)
    return DkimKey(domain, selector, b"rsa-sha256", private, b"v=DKIM1; k=rsa; p=" + base64.b64encode(public))


# -- DNS in memory ---------------------------------------------------------------------

@dataclass
class FakeDNS:
    """dkimpy `dnsfunc`: TXT records from a dict; names in `failing` raise like a SERVFAIL."""

    records: dict[bytes, bytes] = field(default_factory=dict)
    failing: set[bytes] = field(default_factory=set)
    asked: list[bytes] = field(default_factory=list)

    def publish(self, *keys: DkimKey) -> FakeDNS:
        for key in keys:
            self.records[key.dns_name] = key.txt
        return self

    def fail(self, key: DkimKey) -> FakeDNS:
        self.failing.add(key.dns_name)
        return self

    def __call__(self, name: bytes, timeout: float = 5) -> bytes | None:
        self.asked.append(name)
        if name in self.failing:
            raise OSError(f"SERVFAIL looking up {name.decode()}")
        return self.records.get(name)


# -- messages ----------------------------------------------------------------------------

def message(from_: str = "Văn thư <vanthu@stc.quangngai.gov.vn>", to: str = "ubnd@quangngai.gov.vn",
            subject: str = "Công văn số 123/STC-NS", body: str = "Kính gửi UBND tỉnh.\r\n",
            *, headers: list[tuple[str, str]] | None = None, top: list[tuple[str, str]] | None = None) -> bytes:
    """A plain message; `top` headers go above From (like trace headers added in transit)."""
    from email.header import Header

    lines = [f"{k}: {v}" for k, v in (top or [])]
    from_value = from_
    if not from_.isascii():
        name, _, addr = from_.rpartition("<")
        from_value = Header(name.strip(), "utf-8").encode() + " <" + addr if name else from_
    lines += [f"From: {from_value}", f"To: {to}",
              f"Subject: {Header(subject, 'utf-8').encode()}",
              f"Date: {format_datetime(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))}",
              f"Message-ID: <{secrets.token_hex(8)}@test.invalid>",
              "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8",
              "Content-Transfer-Encoding: 8bit"]
    lines += [f"{k}: {v}" for k, v in (headers or [])]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body.encode("utf-8")


def sign(raw: bytes, key: DkimKey, *, algorithm: bytes | None = None, length: bool = False,
         include_headers: list[bytes] | None = None,
         canonicalize: tuple[bytes, bytes] = (b"relaxed", b"relaxed")) -> bytes:
    """`raw` with a DKIM-Signature by `key` prepended (what the sending MTA does)."""
    signer = dkim.DKIM(raw)
    header = signer.sign(key.selector.encode(), key.domain.encode(), key.private,
                         signature_algorithm=algorithm or key.algorithm,
                         include_headers=include_headers or [b"from", b"to", b"subject", b"date",
                                                             b"message-id", b"mime-version",
                                                             b"content-type"],
                         canonicalize=canonicalize, length=length)
    return header + raw


def nacl_available() -> bool:
    try:
        import nacl.signing  # noqa: F401
    except ImportError:
        return False
    return True


def sign_without_from(raw: bytes, key: DkimKey) -> bytes:
    """An RSA signature whose h= leaves From out (dkimpy's sign() refuses to make one)."""
    import hashlib
    import time

    from dkim.crypto import parse_pem_private_key

    signer = dkim.DKIM(raw)
    signer.signature_algorithm = b"rsa-sha256"
    signer.hasher = hashlib.sha256
    canon = dkim.CanonicalizationPolicy.from_c_value(b"relaxed/relaxed")
    include = (b"to", b"subject", b"date")
    body_hash = base64.b64encode(hashlib.sha256(canon.canonicalize_body(signer.body)).digest())
    fields = [(b"v", b"1"), (b"a", b"rsa-sha256"), (b"c", b"relaxed/relaxed"), (b"d", key.domain.encode()),
              (b"s", key.selector.encode()), (b"t", str(int(time.time())).encode()),
              (b"h", b" : ".join(include)), (b"bh", body_hash), (b"b", b"0" * 60)]
    value = signer.gen_header(fields, include, canon, b"DKIM-Signature", parse_pem_private_key(key.private))
    return b"DKIM-Signature: " + value + raw
