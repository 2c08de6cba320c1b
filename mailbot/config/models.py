"""The sections of rules.yaml as pydantic models; `Rules` is the whole file.

Secrets never live in the file: only `password_file` / `password_env`.
Relative paths in the file are resolved against the file's own folder
(`Rules.path`). Reading the file and wording its errors: `loading.py`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal

from pydantic import ConfigDict, Field, PrivateAttr, field_validator, model_validator

from mailbot.config.errors import ConfigError, Lines, line_of, located
from mailbot.config.fields import ID, Address, AddressOrEmpty, Count, Port, Seconds, Strict
from mailbot.config.office import Office
from mailbot.config.reports import Reports
from mailbot.config.routes import Person, Route, Unit
from mailbot.model import ALLOWED_FORMATS


_LANGUAGES = re.compile(r"^[A-Za-z0-9_/-]+(\+[A-Za-z0-9_/-]+)*$")   # vie, vie+eng, script/Latin


class Secret(Strict):
    """A password given by file (systemd LoadCredential=) or environment variable."""

    password_file: str | None = None
    password_env: str | None = None

    def password(self) -> str | None:
        if self.password_file:
            return Path(self.password_file).read_text(encoding="utf-8").strip()
        if self.password_env:
            value = os.environ.get(self.password_env)
            if value is None:
                raise ConfigError("environment", [f"environment variable {self.password_env} is not set"])
            return value
        return None


def is_loopback(host: str) -> bool:
    return host.startswith("127.") or host in ("::1", "localhost")


class ImapSettings(Secret):
    host: str
    port: Port = 993
    tls: Literal["implicit", "starttls", "none"] = "implicit"   # none: loopback only
    username: str
    oauth2_token_file: str | None = None
    cafile: str | None = None                  # extra CA for the server's certificate
    inbox: str = "INBOX"
    use_idle: bool = True                      # push via IDLE; polling when false or unsupported
    idle_timeout_seconds: float = Field(600, ge=1, le=1680)   # re-issue IDLE before 29 minutes
    poll_seconds: Seconds = 60
    batch_size: Count = 50                     # messages per body FETCH
    batch_bytes: Count = 32 * 1024 * 1024
    connect_timeout_seconds: Seconds = 15
    read_timeout_seconds: Seconds = 60
    backoff_initial_seconds: Seconds = 1
    backoff_max_seconds: Seconds = 300
    max_message_bytes: Count | None = None     # default: limits.max_message_bytes; larger is not downloaded
    keyword: str = "$MailbotDone"

    @model_validator(mode="after")
    def _no_cleartext_off_loopback(self) -> "ImapSettings":
        if self.tls == "none" and not is_loopback(self.host):
            raise ValueError("tls: none (no encryption) is allowed only for a server on loopback")
        return self


class Folders(Strict):
    done: str = "Đã vào sổ"
    refused: str = "Từ chối"
    review: str = "Cần xem xét"
    # The clerk's desk (intake/imap/desk.py): moving a message into these folders acts on it.
    # `refused` doubles as the refusal folder; its subfolders name the reason.
    release: str = "Vào sổ"
    refusal_reasons: list[str] = ["Sai định dạng", "Không thuộc thẩm quyền"]
    paper_received: str = "Đã nhận bản giấy"
    handled: str = "Đã giải quyết"
    actions: bool = True                      # watch the action folders at all
    actions_poll_seconds: float = Field(5.0, gt=0)


class Mailbox(Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    id: str = Field(pattern=ID)
    address: Address
    # `register:` in the file: id of the register book its documents go into.
    book: str = Field(alias="register")
    imap: ImapSettings | None = None
    folders: Folders = Folders()


class Book(Strict):
    id: str = Field(pattern=ID)
    name: str


class SmtpIntake(Strict):
    host: str = "127.0.0.1"
    port: Port = 2525
    # Above limits.max_message_bytes on purpose: an over-limit message is taken,
    # kept and sent to review with its reason, rather than bounced unseen.
    max_message_bytes: Count = 100 * 1024 * 1024

    @field_validator("host")
    @classmethod
    def _loopback(cls, value: str) -> str:
        # The listener is for the site's own MTA on the same machine.
        if not is_loopback(value):
            raise ValueError("the SMTP intake listens on loopback only (127.0.0.0/8 or ::1)")
        return value


class SmtpRelay(Secret):
    host: str
    port: Port = 587
    security: Literal["starttls", "implicit", "none"] = "starttls"
    username: str | None = None
    cafile: str | None = None          # extra CA for the relay's certificate (tests, private PKI)
    envelope_sender: AddressOrEmpty = ""   # "" sends notices with MAIL FROM:<> (RFC 3834)
    timeout_seconds: Seconds = 30

    @model_validator(mode="after")
    def _no_cleartext_off_loopback(self) -> "SmtpRelay":
        if self.security == "none" and not is_loopback(self.host):
            raise ValueError("security: none (no TLS) is allowed only for a relay on loopback")
        return self


class Notices(Strict):
    from_address: Address = "mailbot@localhost"
    from_name: str = "Văn thư điện tử"
    clerk_address: Address | None = None      # told about reviews, quarantines and duplicate documents
    security_contact: Address | None = None   # told (without content) when a secret document arrives
    templates_dir: str | None = None   # overrides the bundled templates/ folder (`mailbot check`: a folder)
    max_attempts: Count = 12
    retry_base_seconds: Seconds = 30
    retry_max_seconds: Seconds = 3600
    # Loop safety, per correspondent: notices to one address beyond this within one window
    # are not sent (and audited) — a busy department sends dozens an hour; a loop, thousands.
    max_per_recipient_per_hour: Count = 100
    # Sending pace of the whole office: notices beyond this within one window are deferred
    # (sent later, in order, as the window allows; the clerk is told once), never dropped.
    max_per_hour: Count = 1000
    cap_window_seconds: Count = 3600   # the "hour" of both caps (shorter only for tests)


class Limits(Strict):
    max_message_bytes: Count = 40 * 1024 * 1024
    max_parts: Count = 200
    max_depth: Count = 5                # nested multiparts and message/rfc822
    max_header_bytes: Count = 256 * 1024
    max_attachment_bytes: Count = 30 * 1024 * 1024
    max_filename_chars: Count = 150
    # Inspection of untrusted content runs in worker processes under these limits;
    # a message that exceeds them goes to review with the reason.
    inspect_workers: int = Field(1, ge=0)    # 0 = inspect in-process (no isolation; tests, tools)
    inspect_seconds: Seconds = 60
    inspect_memory_mb: Count = 1024
    # With 2+ workers on 2+ CPUs, each worker is kept on one CPU, spread evenly.
    inspect_pin_cpus: bool = True


class Ocr(Strict):
    """Reading scanned documents (image-only PDFs, images) with Tesseract, off the hot path."""

    enabled: bool = True
    languages: str = "vie"             # Tesseract names joined by '+' (`mailbot check`: installed)
    dpi: int = Field(200, ge=70, le=600)   # measured: more accurate and faster than 300 on 150–300 dpi scans
    workers: Count = 1
    time_limit_seconds: Seconds = 180  # per document, then give up
    min_confidence: float = Field(70, ge=0, le=100)   # fields read below this are left for the clerk

    @field_validator("languages")
    @classmethod
    def _languages(cls, value: str) -> str:
        if not _LANGUAGES.match(value):
            raise ValueError(f"{value!r} is not a list of Tesseract languages; write their names joined "
                             "by '+', without spaces or commas, e.g. vie or vie+eng")
        return value


class Formats(Strict):
    allowed: list[str] = list(ALLOWED_FORMATS)

    @field_validator("allowed")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = [v for v in value if v not in ALLOWED_FORMATS]
        if unknown:
            raise ValueError(f"unknown format(s) {unknown}; known: {', '.join(ALLOWED_FORMATS)}")
        return value


class Senders(Strict):
    trusted_domains: list[str] = ["*.gov.vn"]
    authserv_id: str | None = None
    other_mailbots: list[Address] = []  # addresses of other robots: never answered


class Trust(Strict):
    roots: list[str] = []
    intermediates: list[str] = []
    crls: list[str] = []
    revocation: Literal["soft-fail", "hard-fail"] = "soft-fail"


class PeriodicRule(Strict):
    type: str
    subject_contains: list[str]


class PaperCopy(Strict):
    """Decision 57/2014 Art. 7–8 as lists an administrator can adjust (case and accents ignored).

    Checked in this order: electronic-only subjects, always-paper phrases,
    individual decisions, electronic-only types, periodic reports; anything
    else needs paper unless signed with a trusted signature (Art. 8.1–8.2).
    """

    # Art. 7 by subject: drafts for comment, meeting papers, for information,
    # inter-agency administrative-procedure e-dossiers.
    electronic_only_subjects: list[str] = [
        "dự thảo", "xin ý kiến", "lấy ý kiến", "góp ý", "để biết", "tài liệu họp",
        "tài liệu phục vụ", "hội thảo", "liên thông"]
    # Art. 8.2 exceptions: kept on paper by the receiving agency, even when trusted-signed.
    always_paper: list[str] = [
        "thủ tục hành chính", "quyết định cá biệt", "kê khai tài sản", "kết luận thanh tra",
        "chứng từ"]
    # Art. 8.2 individual decisions ("quyết định cá biệt"): a decision about named people or one case.
    individual_decision: PeriodicRule = PeriodicRule(
        type="Quyết định", subject_contains=[
            "bổ nhiệm", "miễn nhiệm", "điều động", "luân chuyển", "kỷ luật", "khen thưởng",
            "nâng lương", "nghỉ hưu", "thôi việc", "tuyển dụng", "ông", "bà", "hộ gia đình"])
    # Art. 7: types exchanged electronically only.
    electronic_only_types: list[str] = [
        "Lịch công tác", "Giấy mời", "Thông báo", "Chương trình", "Kế hoạch", "Phiếu gửi", "Phiếu chuyển"]
    # Art. 7 "báo cáo định kỳ": electronic-only when the subject says it is periodic.
    electronic_only_when: list[PeriodicRule] = [PeriodicRule(
        type="Báo cáo", subject_contains=["định kỳ", "hằng tháng", "hàng tháng", "tháng", "quý",
                                          "6 tháng", "sáu tháng", "hằng năm", "hàng năm", "tuần",
                                          "tổng kết năm", "cả năm"])]


class Storage(Strict):
    data_dir: str = "/var/lib/mailbot"   # spool/ and mailbot.sqlite3 live here
    outbox_dir: str | None = None        # notices go here as .eml when no smtp relay is set
    # Raw messages older than this many days are removed from the spool once nothing waits
    # for them (the register keeps every entry and hash); None keeps them for ever.
    keep_raw_days: Count | None = None


class Web(Strict):
    """`mailbot web`, the read-only register view. Passwords are never here: only where the
    file of hashed ones is (`mailbot web passwd` writes it)."""

    users_file: str = "web-users"      # relative to this file's folder


class Rules(Strict):
    office: Office = Office()
    storage: Storage = Storage()
    books: list[Book] = [Book(id="den", name="Sổ đăng ký văn bản đến")]
    mailboxes: list[Mailbox] = []
    smtp_intake: SmtpIntake | None = None
    smtp: SmtpRelay | None = None
    notices: Notices = Notices()
    limits: Limits = Limits()
    formats: Formats = Formats()
    senders: Senders = Senders()
    trust: Trust = Trust()
    ocr: Ocr = Ocr()
    paper_copy: PaperCopy = PaperCopy()
    # Who handles a registered document (mailbot/config/routes.py documents the keys).
    units: list[Unit] = []
    people: list[Person] = []
    routes: list[Route] = []
    web: Web = Web()
    reports: Reports = Reports()

    # Where this file was read from; relative paths resolve against it.
    base_dir: Path = Field(default=Path("."), exclude=True)
    # Key path → line in the file (set by parse_rules; empty for Rules built in code).
    _lines: Lines = PrivateAttr(default_factory=dict)

    def located(self, path: tuple, message: str) -> str:
        """`line N: key.path: message`, for problems found after loading (`mailbot check`)."""
        return located(self._lines, path, message)

    def line(self, path: tuple) -> int | None:
        """The line `path` (or the nearest key around it) was written on; None when not in the file."""
        return line_of(self._lines, path)

    # -- derived helpers -------------------------------------------------
    def path(self, value: str | None) -> Path | None:
        if value is None:
            return None
        p = Path(value)
        return p if p.is_absolute() else (self.base_dir / p)

    @property
    def data_dir(self) -> Path:
        return self.path(self.storage.data_dir)  # type: ignore[return-value]

    @property
    def db_path(self) -> Path:
        return self.data_dir / "mailbot.sqlite3"

    @property
    def spool_dir(self) -> Path:
        return self.data_dir / "spool"

    @property
    def outbox_dir(self) -> Path:
        return self.path(self.storage.outbox_dir) or (self.data_dir / "outbox")

    def own_addresses(self) -> set[str]:
        own = {mb.address for mb in self.mailboxes}
        own.add(self.notices.from_address.lower())
        return own

    def mailbox_for(self, recipients: list[str] | tuple[str, ...]) -> Mailbox | None:
        """The first configured mailbox among the recipients (SMTP intake routing)."""
        wanted = [r.strip().lower() for r in recipients]
        for rcpt in wanted:
            for mb in self.mailboxes:
                if mb.address == rcpt:
                    return mb
        return None

    def default_book(self) -> str:
        return self.books[0].id
