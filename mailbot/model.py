"""The records that flow through mailbot: inspection reports and decisions.

Everything here is plain data (frozen dataclasses, picklable: reports cross
from the inspection worker processes): `inspect` produces a `MessageReport`
with a `SignatureReport` per allowed PDF and the `DocumentFields` of the main
attachment, `decide` turns it into a `Decision`, `register` stores both.
`to_json()` helpers give the stable JSON names, in their order, of
docs/DESIGN.md §5 and §8.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

Outcome = Literal["accept", "refuse", "review", "quarantine"]
# Who is writing (inspect/sender_class): a state body, a business or other organisation, a person.
SenderClass = Literal["agency", "organisation", "citizen"]
NoticeKind = Literal["receipt", "receipt-again", "refusal", "paper-copy", "review", "forward", "alert"]

# The formats Decision 57/2014 Art. 4.2.c allows (docs/DESIGN.md §1).
ALLOWED_FORMATS: tuple[str, ...] = (
    "txt", "rtf", "doc", "docx", "odt", "csv", "xls", "xlsx", "ods", "pdf",
)


@dataclass(frozen=True)
class Reason:
    """Why something happened: a stable code, both languages, the rule."""

    code: str
    message_vi: str
    message_en: str
    rule: str = ""

    def to_json(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class FormatResult:
    """What an attachment really is, judged from its content."""

    format: str | None          # one of ALLOWED_FORMATS, or None when refused
    mime: str                   # what libmagic says about the bytes
    allowed: bool
    reason: Reason | None = None   # set when not allowed
    flags: tuple[str, ...] = ()    # e.g. "text-nfd", "text-legacy-tcvn3", "name-mismatch"


# -- signature reports (docs/DESIGN.md §5) ------------------------------------------

SignatureVerdict = Literal["valid", "valid-with-warnings", "indeterminate", "invalid"]
DocumentVerdictName = Literal["unsigned", "trusted-signed", "signed-untrusted", "signed-invalid",
                              "indeterminate", "unreadable"]


@dataclass(frozen=True)
class SignatureResult:
    """One signature field of a PDF, judged on its own (`inspect/signatures`)."""

    field: str
    kind: str = "signature"                 # signature | document-timestamp
    revision: int = -1                      # the revision that added it
    verdict: SignatureVerdict = "valid"
    intact: bool = False
    trusted: bool = False                   # the chain ends at a configured root
    integrity: str = "unreadable"           # intact | hash-failure | crypto-failure | unreadable | unchecked
    coverage: str | None = None             # entire-file | entire-revision | contiguous-block | unclear
    modification: str | None = None         # none | signatures | form-filling | other
    changed_fields: tuple[str, ...] = ()
    signer: str | None = None
    signer_org: str | None = None
    role: str | None = None                 # person | organization
    serial: str | None = None
    issuer: str | None = None
    signing_time: str | None = None         # claimed by the signer (ISO 8601)
    timestamp_time: str | None = None       # from a timestamp
    timestamp_trusted: bool | None = None
    validated_at: str | None = None         # the moment the certificate was checked at
    digest_algorithm: str | None = None
    signature_algorithm: str | None = None
    weak_algorithms: tuple[str, ...] = ()
    reasons_vi: tuple[str, ...] = ()        # what holds the signature back (empty: cleanly valid)
    reasons_en: tuple[str, ...] = ()
    notes_vi: tuple[str, ...] = ()          # information that changes nothing
    notes_en: tuple[str, ...] = ()

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
            "reasons_vi": list(self.reasons_vi),
            "reasons_en": list(self.reasons_en),
            "notes_vi": list(self.notes_vi),
            "notes_en": list(self.notes_en),
            "signer_org": self.signer_org,
            "role": self.role,
            "serial": self.serial,
            "issuer": self.issuer,
            "integrity": self.integrity,
            "coverage": self.coverage,
            "modification": self.modification,
            "changed_fields": list(self.changed_fields),
            "timestamp_trusted": self.timestamp_trusted,
            "validated_at": self.validated_at,
            "digest_algorithm": self.digest_algorithm,
            "signature_algorithm": self.signature_algorithm,
            "weak_algorithms": list(self.weak_algorithms),
            "revision": self.revision,
        }


@dataclass(frozen=True)
class DocumentVerdict:
    """What the signatures of one PDF mean together."""

    verdict: DocumentVerdictName
    paper_exempt: bool = False              # trusted-signed, nothing but signatures or form filling after
    signer_and_agency: bool = False         # a person's and an organisation's signature (NĐ 30 Art. 5)
    signature_count: int = 0                # signatures, document timestamps not counted
    reasons_vi: tuple[str, ...] = ()
    reasons_en: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "paper_exempt": self.paper_exempt,
            "signer_and_agency": self.signer_and_agency,
            "signature_count": self.signature_count,
            "reasons_vi": list(self.reasons_vi),
            "reasons_en": list(self.reasons_en),
        }


@dataclass(frozen=True)
class SignatureReport:
    """The `verify` report of one PDF: `mailbot verify --json`, explain's `signature`."""

    document: DocumentVerdict
    signatures: tuple[SignatureResult, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"document": self.document.to_json(), "signatures": [s.to_json() for s in self.signatures]}


# -- document fields (docs/DESIGN.md §8) ---------------------------------------------

@dataclass(frozen=True)
class DocumentFields:
    """The register fields read from a document (NĐ 30 Phụ lục VI names): NFC strings,
    None where the document does not print them; `sources` says where each was read."""

    code: str | None = None                 # number and symbol, "57/2014/QĐ-UBND"
    code_number: str | None = None          # "05": leading zeros kept
    code_notation: str | None = None        # "QĐ-UBND"
    type_name: str | None = None            # "Quyết định"
    organ_name: str | None = None
    parent_organ: str | None = None
    place: str | None = None
    issued_date: str | None = None          # ISO date
    subject: str | None = None              # trích yếu
    urgency: str | None = None              # Hỏa tốc | Thượng khẩn | Khẩn
    secrecy: str | None = None              # Mật | Tối mật | Tuyệt mật
    signer_name: str | None = None
    signer_position: str | None = None
    signer_competence: str | None = None    # KT., TM., …
    signer_title: str | None = None
    to_places: tuple[str, ...] | None = None  # Nơi nhận, in order; None when there is no list
    page_amount: int | None = None
    # A person's or business's own document (a petition, a letter): who wrote it, where they
    # live, and whom it is addressed to ("Kính gửi"); organ_name stays None for a person.
    sender_name: str | None = None
    sender_address: str | None = None
    addressee: str | None = None
    sources: dict[str, str] = field(default_factory=dict, compare=False)  # field → text | email-subject | …

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], sources: Mapping[str, str] | None = None) -> DocumentFields:
        """From field name → value (names outside FIELD_NAMES are an error); lists become tuples."""
        unknown = set(values) - set(FIELD_NAMES)
        if unknown:
            raise TypeError(f"not document fields: {sorted(unknown)}")
        plain = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
        return cls(**plain, sources=dict(sources or {}))

    def to_json(self) -> dict[str, Any]:
        """Every field in FIELD_NAMES order, null where nothing was read (explain's `document`)."""
        out = {name: getattr(self, name) for name in FIELD_NAMES}
        if self.to_places is not None:
            out["to_places"] = list(self.to_places)
        return out


FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in fields(DocumentFields) if f.name != "sources")


@dataclass(frozen=True)
class AttachmentReport:
    filename: str               # NFC, sanitised (no path parts, no control chars)
    original_filename: str      # as declared by the sender, for the record
    declared_type: str          # Content-Type given by the sender
    size: int
    sha256: str
    format: str | None
    mime: str
    allowed: bool
    reason: Reason | None = None
    flags: tuple[str, ...] = ()
    pages: int | None = None
    signature: SignatureReport | None = None   # verify report (docs/DESIGN.md §5) for allowed PDFs

    def to_json(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "sha256": self.sha256,
            "size": self.size,
            "format": self.format,
            "mime": self.mime,
            "allowed": self.allowed,
            "reason": self.reason.to_json() if self.reason else None,
            "flags": list(self.flags),
            "pages": self.pages,
        }


@dataclass(frozen=True)
class MessageReport:
    """Everything `inspect` learned from one raw message. No I/O went into it."""

    sha256: str
    size: int
    readable: bool                   # False: could not be parsed at all
    message_id: str | None = None
    subject: str = ""
    from_addresses: tuple[str, ...] = ()
    sender: str | None = None        # the single From mailbox, lower-cased; None unless exactly one
    reply_to: str | None = None
    to_addresses: tuple[str, ...] = ()
    date: str | None = None          # ISO 8601 from the Date header, when parseable
    references: tuple[str, ...] = ()
    automated: Reason | None = None  # set when the message must never be answered
    attachments: tuple[AttachmentReport, ...] = ()
    body_text: str = ""              # NFC, first part of the text body only
    text_flags: tuple[str, ...] = () # body: "text-nfd", "text-legacy-tcvn3", "text-legacy-vni"
    problems: tuple[Reason, ...] = ()  # parse fallbacks, limits hit, skipped parts
    document: DocumentFields | None = None  # fields read from the main attachment; None: nothing read
    main_attachment: int | None = None  # index in `attachments` of the document the fields come from
    sender_auth: SenderAuth | None = None
    sender_class: SenderClass | None = None   # None only when the message could not be read

    @property
    def document_sources(self) -> dict[str, str]:
        """Field → where it was read (`text`, `email-subject`, `certificate`, `e-signature`)."""
        return dict(self.document.sources) if self.document is not None else {}

    @property
    def main_signature(self) -> SignatureReport | None:
        if self.main_attachment is None:
            return None
        return self.attachments[self.main_attachment].signature


@dataclass(frozen=True)
class SenderAuth:
    """Outcome of sender authentication (docs/DESIGN.md §3 invariant 4)."""

    authenticated: bool
    method: str                       # authserv-id | dkim | none
    agency: bool                      # the From domain is one of senders.trusted_domains
    policy: Literal["trusted", "citizen", "quarantine"]
    reason: Reason | None = None

    def to_json(self) -> dict[str, Any]:
        return {"authenticated": self.authenticated, "method": self.method, "agency": self.agency,
                "policy": self.policy, "reason": self.reason.to_json() if self.reason else None}


@dataclass(frozen=True)
class NoticePlan:
    kind: NoticeKind
    to: str
    role: str | None = None     # forward: "handle" or "cc" (for information); not in the JSON

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "to": self.to}


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    reasons: tuple[Reason, ...]
    notices: tuple[NoticePlan, ...] = ()
    book: str | None = None          # register book the entry goes into (accept only)
    paper_copy_required: bool = False
    paper_reason: Reason | None = None
    ocr_pending: bool = False        # a scan: fields and the paper decision follow after OCR
    route: Any = None                # decide.routing.RouteResult of an accepted document, when routes exist

    @property
    def registers(self) -> bool:
        """Only accepted documents take a số đến."""
        return self.outcome == "accept"
