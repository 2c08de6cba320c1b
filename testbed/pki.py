"""A throw-away PKI and test PDFs, generated on the spot (never downloaded).

`make_pki()` builds, with `cryptography`:

    root (EC P-256) ─┬─ intermediate (EC) ─┬─ signer       person, nonRepudiation+digitalSignature
                     │                     ├─ agency       organisation seal, digitalSignature only
                     │                     ├─ expired      validity ended a year ago
                     │                     ├─ revoked      listed on the intermediate's CRL
                     │                     └─ weak         RSA-1024
                     └─ tsa (RSA-2048, timeStamping; pyHanko's DummyTimeStamper is RSA-only)
    other root ────── stranger                (not in the trust configuration)

and one CRL per CA. Keys are EC where possible: RSA key generation is slow.

`make_pdf()` writes a small uncompressed PDF by hand (so tests can find and
change bytes in it); `sign()` signs with pyHanko's PdfSigner.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

UTC = dt.timezone.utc
NOW = dt.datetime.now(UTC).replace(microsecond=0)
DAY = dt.timedelta(days=1)
CRL_URL_ROOT = "http://crl.test.invalid/root.crl"
CRL_URL_INTER = "http://crl.test.invalid/intermediate.crl"


@dataclass
class Identity:
    name: str
    cert: x509.Certificate
    key: object                       # cryptography private key

    @property
    def asn1_cert(self) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(self.cert.public_bytes(serialization.Encoding.DER))

    @property
    def asn1_key(self) -> asn1_keys.PrivateKeyInfo:
        der = self.key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption())
        return asn1_keys.PrivateKeyInfo.load(der)

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


@dataclass
class Pki:
    root: Identity
    intermediate: Identity
    signer: Identity
    agency: Identity
    expired: Identity
    revoked: Identity
    weak: Identity
    tsa: Identity
    other_root: Identity
    stranger: Identity
    crl_root: bytes = b""             # DER
    crl_inter: bytes = b""
    extra: dict = field(default_factory=dict)

    def write(self, folder: Path) -> dict[str, Path]:
        """Trust files as an administrator would install them."""
        folder.mkdir(parents=True, exist_ok=True)
        files = {
            "root": folder / "root.pem",
            "intermediate": folder / "intermediate.pem",
            "other_root": folder / "other-root.pem",
            "crl_root": folder / "root.crl",
            "crl_inter": folder / "intermediate.crl",
        }
        files["root"].write_bytes(self.root.pem)
        files["intermediate"].write_bytes(self.intermediate.pem)
        files["other_root"].write_bytes(self.other_root.pem)
        files["crl_root"].write_bytes(self.crl_root)
        files["crl_inter"].write_bytes(self.crl_inter)
        return files


def _name(cn: str, org: str | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if org:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)


def _ec():
    return ec.generate_private_key(ec.SECP256R1())


def _issue(subject: x509.Name, key, issuer: Identity | None, *, ca: bool,
           not_before: dt.datetime, not_after: dt.datetime,
           key_usage: dict, eku: list | None = None, crl_url: str | None = None,
           hash_alg=hashes.SHA256()) -> x509.Certificate:
    issuer_name = issuer.cert.subject if issuer else subject
    issuer_key = issuer.key if issuer else key
    ku = dict(digital_signature=False, content_commitment=False, key_encipherment=False,
              data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
              encipher_only=False, decipher_only=False)
    ku.update(key_usage)
    b = (x509.CertificateBuilder()
         .subject_name(subject).issuer_name(issuer_name)
         .public_key(key.public_key())
         .serial_number(x509.random_serial_number())
         .not_valid_before(not_before).not_valid_after(not_after)
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
         .add_extension(x509.KeyUsage(**ku), critical=True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False))
    if issuer:
        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
                            critical=False)
    if eku:
        b = b.add_extension(x509.ExtendedKeyUsage(eku), critical=True)
    if crl_url:
        b = b.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(crl_url)], relative_name=None,
            reasons=None, crl_issuer=None)]), critical=False)
    return b.sign(issuer_key, hash_alg)


def _ca(cn: str, issuer: Identity | None = None, crl_url: str | None = None) -> Identity:
    key = _ec()
    cert = _issue(_name(cn, "Test PKI"), key, issuer, ca=True,
                  not_before=NOW - 3650 * DAY, not_after=NOW + 3650 * DAY,
                  key_usage=dict(key_cert_sign=True, crl_sign=True, digital_signature=True),
                  crl_url=crl_url)
    return Identity(cn, cert, key)


def _leaf(cn: str, org: str, issuer: Identity, *, key=None, key_usage=None,
          not_before=None, not_after=None, crl_url=CRL_URL_INTER, eku=None) -> Identity:
    key = key or _ec()
    cert = _issue(_name(cn, org), key, issuer, ca=False,
                  not_before=not_before or NOW - 30 * DAY, not_after=not_after or NOW + 700 * DAY,
                  key_usage=key_usage or dict(digital_signature=True, content_commitment=True),
                  eku=eku, crl_url=crl_url)
    return Identity(cn, cert, key)


def _crl(issuer: Identity, revoked: list[tuple[x509.Certificate, dt.datetime]]) -> bytes:
    b = (x509.CertificateRevocationListBuilder()
         .issuer_name(issuer.cert.subject)
         .last_update(NOW - DAY).next_update(NOW + 30 * DAY)
         .add_extension(x509.CRLNumber(1), critical=False)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
                        critical=False))
    for cert, when in revoked:
        b = b.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(cert.serial_number)
            .revocation_date(when)
            .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False)
            .build())
    return b.sign(issuer.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


ORG = "Ủy ban nhân dân tỉnh Quảng Ngãi"


def make_pki() -> Pki:
    root = _ca("Test Root CA")
    inter = _ca("Test Government CA", root, crl_url=CRL_URL_ROOT)
    signer = _leaf("Nguyễn Văn An", ORG, inter)
    agency = _leaf(ORG, ORG, inter, key_usage=dict(digital_signature=True))
    expired = _leaf("Trần Thị Bình", ORG, inter,
                    not_before=NOW - 3 * 365 * DAY, not_after=NOW - 365 * DAY)
    revoked = _leaf("Lê Văn Cường", ORG, inter)
    weak = _leaf("Phạm Văn Dũng", ORG, inter,
                 key=rsa.generate_private_key(public_exponent=65537, key_size=1024))
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tsa = _leaf("Test TSA", "Test PKI", root, key=tsa_key, key_usage=dict(digital_signature=True),
                not_before=NOW - 5 * 365 * DAY, not_after=NOW + 5 * 365 * DAY,
                eku=[ExtendedKeyUsageOID.TIME_STAMPING], crl_url=None)
    other_root = _ca("Untrusted Root CA")
    stranger = _leaf("Hoàng Văn Em", "Công ty Không Rõ", other_root, crl_url=None)
    pki = Pki(root, inter, signer, agency, expired, revoked, weak, tsa, other_root, stranger)
    pki.crl_root = _crl(root, [])
    pki.crl_inter = _crl(inter, [(revoked.cert, NOW - 2 * DAY)])
    return pki


# -- PDFs ----------------------------------------------------------------------

def make_pdf(pages: int = 1, *, form_field: bool = False, texts: list[str] | None = None) -> bytes:
    """A small, uncompressed PDF; page i reads `texts[i]` (ASCII) or 'Trang i'."""
    texts = texts or [f"Trang {i + 1}" for i in range(pages)]
    objs: list[bytes] = []

    def add(body: bytes) -> int:
        objs.append(body)
        return len(objs)

    catalog = add(b"")        # filled in below
    pages_obj = add(b"")
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    kids = []
    field_ref = None
    for i, text in enumerate(texts):
        stream = b"BT /F1 18 Tf 72 720 Td (" + text.encode("latin-1") + b") Tj ET"
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        annots = b""
        if form_field and i == 0:
            field_ref = len(objs) + 2
            annots = b" /Annots [%d 0 R]" % field_ref
        page = add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] "
                   b"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R%s >>"
                   % (pages_obj, font, content, annots))
        kids.append(page)
        if form_field and i == 0:
            add(b"<< /FT /Tx /T (ghichu) /V () /Type /Annot /Subtype /Widget "
                b"/Rect [72 600 300 620] /P %d 0 R /F 4 /DA (/Helv 10 Tf 0 g) >>" % page)
    objs[pages_obj - 1] = (b"<< /Type /Pages /Count %d /Kids [%s] >>"
                           % (len(kids), b" ".join(b"%d 0 R" % k for k in kids)))
    acro = b""
    if form_field:
        acro = (b" /AcroForm << /Fields [%d 0 R] /DA (/Helv 10 Tf 0 g) "
                b"/DR << /Font << /Helv %d 0 R >> >> >>" % (field_ref, font))
    objs[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R%s >>" % (pages_obj, acro)

    out = BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objs, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % n + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objs) + 1, catalog, xref))
    return out.getvalue()


def sign(pdf: bytes, who: Identity, *, field_name: str = "Signature1", chain: list[Identity] = (),
         timestamper=None, md_algorithm: str | None = None, certify_no_changes: bool = False) -> bytes:
    """Sign `pdf` (incrementally) as `who`, embedding the certificates in `chain`."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    store = SimpleCertificateStore.from_certs([c.asn1_cert for c in chain])
    signer = signers.SimpleSigner(signing_cert=who.asn1_cert, signing_key=who.asn1_key,
                                  cert_registry=store)
    from pyhanko.sign.fields import MDPPerm

    meta = signers.PdfSignatureMetadata(field_name=field_name, md_algorithm=md_algorithm,
                                        certify=certify_no_changes,
                                        docmdp_permissions=MDPPerm.NO_CHANGES)
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    out = BytesIO()
    signers.PdfSigner(meta, signer=signer, timestamper=timestamper).sign_pdf(writer, output=out)
    return out.getvalue()


def timestamper(pki: Pki, at: dt.datetime | None = None):
    from pyhanko.sign.timestamps import DummyTimeStamper

    return DummyTimeStamper(tsa_cert=pki.tsa.asn1_cert, tsa_key=pki.tsa.asn1_key,
                            certs_to_embed=[pki.tsa.asn1_cert], fixed_dt=at)


def fill_field(pdf: bytes, name: str, value: str) -> bytes:
    """Fill a text field in an incremental update (a permitted change)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    fields = writer.root["/AcroForm"]["/Fields"]
    for i in range(len(fields)):
        ref = fields.raw_get(i)
        obj = ref.get_object()
        if obj.get("/T") == name:
            obj["/V"] = generic.TextStringObject(value)
            writer.mark_update(ref)
            break
    else:
        raise KeyError(name)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def replace_page_text(pdf: bytes, page_index: int, text: str) -> bytes:
    """Replace a page's content stream in an incremental update (not permitted)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    page_obj, page_ref = _page(writer, page_index)
    data = b"BT /F1 18 Tf 72 720 Td (" + text.encode("latin-1") + b") Tj ET"
    stream = writer.add_object(generic.StreamObject(stream_data=data))
    page_obj["/Contents"] = stream
    writer.mark_update(page_ref)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _page(writer, index: int):
    kids = writer.root["/Pages"]["/Kids"]
    ref = kids.raw_get(index)
    return ref.get_object(), ref


def rules_for(folder: Path, *, roots=(), intermediates=(), crls=(), revocation="soft-fail"):
    """A Rules object with only a trust: section, resolved against `folder`."""
    from mailbot.config import parse_rules
    import yaml

    text = yaml.safe_dump({"trust": {"roots": [str(p) for p in roots],
                                     "intermediates": [str(p) for p in intermediates],
                                     "crls": [str(p) for p in crls],
                                     "revocation": revocation}}, allow_unicode=True)
    path = folder / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return parse_rules(text, path)
