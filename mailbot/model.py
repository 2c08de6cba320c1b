"""The records that flow through mailbot: inspection reports and decisions.

Everything here is plain data (frozen dataclasses): `inspect` produces a
`MessageReport`, `decide` turns it into a `Decision`, `register` stores both.
`to_json()` helpers give the stable JSON names of docs/DESIGN.md §8.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Outcome = Literal["accept", "refuse", "review", "quarantine"]
NoticeKind = Literal["receipt", "refusal", "paper-copy", "review", "forward", "alert"]

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
    signature: dict[str, Any] | None = None   # verify report (docs/DESIGN.md §8) for PDFs

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
    document: dict[str, Any] = field(default_factory=dict)  # document fields (docs/DESIGN.md §8)
    document_sources: dict[str, str] = field(default_factory=dict)  # field → where it was read
    main_attachment: int | None = None  # index in `attachments` of the document the fields come from
    sender_auth: SenderAuth | None = None

    @property
    def main_signature(self) -> dict[str, Any] | None:
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
