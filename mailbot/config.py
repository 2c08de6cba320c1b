"""rules.yaml → validated settings.

Errors name the line and say what to fix; an invalid file is refused as a
whole. Secrets never live in the file: only `password_file` / `password_env`.
Relative paths in the file are resolved against the file's own folder.
"""

from __future__ import annotations

import os
import re
import unicodedata
from datetime import date, time
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, ValidationInfo,
                      field_validator, model_validator)

from mailbot.model import ALLOWED_FORMATS
from mailbot.routing_rules import Person, Route, Unit, check_routing

DEFAULT_CONFIG_PATHS = (Path("rules.yaml"), Path("/etc/mailbot/rules.yaml"))


class ConfigError(Exception):
    """rules.yaml is missing or invalid; str() is the message for the administrator."""

    def __init__(self, path: Path | str, problems: list[str]):
        self.path = Path(path)
        self.problems = problems
        super().__init__(f"{path}: invalid configuration\n" + "\n".join(f"  - {p}" for p in problems))


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_HOURS = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")

# Day names accepted in office.days_off (lower case, accents as typed in NFC), by weekday number.
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_NAMES = {
    **{name: i for i, name in enumerate(WEEKDAYS)},
    **{name[:3]: i for i, name in enumerate(WEEKDAYS)},
    "thứ hai": 0, "thứ ba": 1, "thứ tư": 2, "thứ năm": 3, "thứ sáu": 4, "thứ bảy": 5, "chủ nhật": 6,
    "thứ 2": 0, "thứ 3": 1, "thứ 4": 2, "thứ 5": 3, "thứ 6": 4, "thứ 7": 5, "cn": 6,
}


def parse_period(item: str) -> tuple[time, time]:
    """'07:00-11:30' → (07:00, 11:30); ValueError with what to write instead."""
    m = _HOURS.match(item.replace(" ", "")) if isinstance(item, str) else None
    if not m:
        raise ValueError(f"working hours must look like 07:00-11:30 (24-hour HH:MM-HH:MM), not {item!r}")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        raise ValueError(f"{item!r} is not a time of day; write hours 00-23 and minutes 00-59, "
                         "e.g. 13:30-17:00")
    start, end = time(h1, m1), time(h2, m2)
    if not start < end:
        raise ValueError(f"working period {item!r} ends before it starts; write the start first, "
                         f"e.g. {end:%H:%M}-{start:%H:%M}" if end < start else
                         f"working period {item!r} is empty; write a start before the end, e.g. 07:00-11:30")
    return start, end


def _period(item: str) -> str:
    start, end = parse_period(item)
    return f"{start:%H:%M}-{end:%H:%M}"


def _iso_date(value: Any) -> str:
    if isinstance(value, date):      # a date object given in code rather than in the file
        return value.isoformat()
    m = _ISO_DATE.match(value.strip()) if isinstance(value, str) else None
    if not m:
        raise ValueError(f"{value!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-09-01")
    try:
        return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        raise ValueError(f"{value} is not a real date (no such day in that month); "
                         "check the calendar and write an existing day as YYYY-MM-DD") from None


def _workday(value: Any, info: ValidationInfo) -> str:
    value = _iso_date(value)
    if value in info.data.get("extra", ()):
        raise ValueError(f"{value} is also listed under extra (days off); a day is either off or "
                         "worked: remove it from one of the two lists")
    return value


def _day_name(value: Any) -> str:
    key = unicodedata.normalize("NFC", str(value)).strip().lower()
    if key not in _DAY_NAMES:
        raise ValueError(f"unknown day {value!r}; write English day names (monday … sunday, e.g. "
                         "[saturday, sunday]) or Vietnamese ones (thứ hai … thứ bảy, chủ nhật)")
    return WEEKDAYS[_DAY_NAMES[key]]


IsoDate = Annotated[str, BeforeValidator(_iso_date)]
Workday = Annotated[str, BeforeValidator(_workday)]
DayName = Annotated[str, BeforeValidator(_day_name)]
Period = Annotated[str, BeforeValidator(_period)]


class Holidays(Strict):
    """Public holidays: the `holidays` package's calendar for `country`, adjusted by the office.

    `extra` and `extra_workdays` win over the package (the Government announces
    bridge days and make-up Saturdays each year, after any package release).
    """

    country: str = "VN"
    extra: list[IsoDate] = []            # ISO dates that are days off besides the national ones
    extra_workdays: list[Workday] = []   # ISO dates worked in exchange for a bridge holiday

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        import holidays

        if value.upper() not in holidays.list_supported_countries():
            raise ValueError(f"unknown country {value!r} for public holidays; write an ISO 3166 code, "
                             "e.g. VN")
        return value.upper()


class Office(Strict):
    name: str = "Văn phòng"
    timezone: str = "Asia/Ho_Chi_Minh"
    # Decision 57/2014 Art. 11.2: mail entering the system outside these periods counts as
    # received at the start of the next one. A period holds from its start up to, not
    # including, its end.
    working_hours: list[Period] = ["07:00-11:30", "13:30-17:00"]
    days_off: list[DayName] = ["saturday", "sunday"]   # weekly days off
    holidays: Holidays = Holidays()

    @field_validator("working_hours")
    @classmethod
    def _hours(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("at least one working period is needed, e.g. [\"07:00-11:30\", \"13:30-17:00\"]")
        periods = sorted((parse_period(item), item) for item in value)
        for (earlier, a), (later, b) in zip(periods, periods[1:]):
            if later[0] < earlier[1]:
                raise ValueError(f"working periods {a!r} and {b!r} overlap; write each period once, "
                                 f"e.g. {earlier[0]:%H:%M}-{max(earlier[1], later[1]):%H:%M} "
                                 "for one continuous period")
        return value

    @field_validator("days_off")
    @classmethod
    def _some_working_day(cls, value: list[str]) -> list[str]:
        if len(set(value)) >= 7:
            raise ValueError("every day of the week is a day off; list only the weekly days off, "
                             "e.g. [saturday, sunday]")
        return value

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name like Asia/Ho_Chi_Minh)") from None
        return value


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
    port: int = 993
    tls: Literal["implicit", "starttls", "none"] = "implicit"   # none: loopback only
    username: str
    oauth2_token_file: str | None = None
    cafile: str | None = None                  # extra CA for the server's certificate
    inbox: str = "INBOX"
    use_idle: bool = True                      # push via IDLE; polling when false or unsupported
    idle_timeout_seconds: float = Field(600, ge=1, le=1680)   # re-issue IDLE before 29 minutes
    poll_seconds: float = Field(60, gt=0)
    batch_size: int = Field(50, ge=1)          # messages per body FETCH
    batch_bytes: int = Field(32 * 1024 * 1024, ge=1)
    connect_timeout_seconds: float = 15
    read_timeout_seconds: float = 60
    backoff_initial_seconds: float = 1
    backoff_max_seconds: float = 300
    max_message_bytes: int | None = None       # default: limits.max_message_bytes; larger is not downloaded
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


class Mailbox(Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    address: str
    # `register:` in the file: id of the register book its documents go into.
    book: str = Field(alias="register")
    imap: ImapSettings | None = None
    folders: Folders = Folders()

    @field_validator("address")
    @classmethod
    def _address(cls, value: str) -> str:
        if "@" not in value:
            raise ValueError(f"{value!r} is not an email address")
        return value.strip().lower()


class Book(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str


class SmtpIntake(Strict):
    host: str = "127.0.0.1"
    port: int = 2525
    # Above limits.max_message_bytes on purpose: an over-limit message is taken,
    # kept and sent to review with its reason, rather than bounced unseen.
    max_message_bytes: int = 100 * 1024 * 1024

    @field_validator("host")
    @classmethod
    def _loopback(cls, value: str) -> str:
        # The listener is for the site's own MTA on the same machine.
        if not is_loopback(value):
            raise ValueError("the SMTP intake listens on loopback only (127.0.0.0/8 or ::1)")
        return value


class SmtpRelay(Secret):
    host: str
    port: int = 587
    security: Literal["starttls", "implicit", "none"] = "starttls"
    username: str | None = None
    cafile: str | None = None          # extra CA for the relay's certificate (tests, private PKI)
    envelope_sender: str = ""          # "" sends notices with MAIL FROM:<> (RFC 3834)
    timeout_seconds: float = 30

    @model_validator(mode="after")
    def _no_cleartext_off_loopback(self) -> "SmtpRelay":
        if self.security == "none" and not is_loopback(self.host):
            raise ValueError("security: none (no TLS) is allowed only for a relay on loopback")
        return self


class Notices(Strict):
    from_address: str = "mailbot@localhost"
    from_name: str = "Văn thư điện tử"
    clerk_address: str | None = None      # told about reviews, quarantines and duplicate documents
    security_contact: str | None = None   # told (without content) when a secret document arrives
    templates_dir: str | None = None   # overrides the bundled templates/ folder
    max_attempts: int = 12
    retry_base_seconds: float = 30
    retry_max_seconds: float = 3600
    # Loop safety, per correspondent: notices to one address beyond this within one window
    # are not sent (and audited) — a busy department sends dozens an hour; a loop, thousands.
    max_per_recipient_per_hour: int = Field(100, ge=1)
    # Sending pace of the whole office: notices beyond this within one window are deferred
    # (sent later, in order, as the window allows; the clerk is told once), never dropped.
    max_per_hour: int = Field(1000, ge=1)
    cap_window_seconds: int = Field(3600, ge=1)   # the "hour" of both caps (shorter only for tests)


class Limits(Strict):
    max_message_bytes: int = 40 * 1024 * 1024
    max_parts: int = 200
    max_depth: int = 5                  # nested multiparts and message/rfc822
    max_header_bytes: int = 256 * 1024
    max_attachment_bytes: int = 30 * 1024 * 1024
    max_filename_chars: int = 150
    # Inspection of untrusted content runs in worker processes under these limits;
    # a message that exceeds them goes to review with the reason.
    inspect_workers: int = 1                 # 0 = inspect in-process (no isolation; tests, tools)
    inspect_seconds: float = 60
    inspect_memory_mb: int = 1024
    # With 2+ workers on 2+ CPUs, each worker is kept on one CPU, spread evenly.
    inspect_pin_cpus: bool = True


class Ocr(Strict):
    """Reading scanned documents (image-only PDFs, images) with Tesseract, off the hot path."""

    enabled: bool = True
    languages: str = "vie"
    dpi: int = 200                     # measured: more accurate and faster than 300 on 150–300 dpi scans
    workers: int = 1
    time_limit_seconds: float = 180    # per document, then give up
    min_confidence: float = 70         # fields read below this are left for the clerk


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
    other_mailbots: list[str] = []      # addresses of other robots: never answered


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
    # Who handles a registered document (mailbot/routing_rules.py documents the keys).
    units: list[Unit] = []
    people: list[Person] = []
    routes: list[Route] = []

    # Where this file was read from; relative paths resolve against it.
    base_dir: Path = Field(default=Path("."), exclude=True)

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


# -- loading -------------------------------------------------------------------

def _line_index(node: yaml.Node, prefix: tuple = ()) -> dict[tuple, int]:
    """Map each key path (as pydantic reports it) to its 1-based line number."""
    lines: dict[tuple, int] = {prefix: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            path = prefix + (key.value,)
            lines[path] = key.start_mark.line + 1
            lines.update({k: v for k, v in _line_index(value, path).items() if k != path})
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines.update(_line_index(item, prefix + (i,)))
    return lines


def _describe(error: dict[str, Any], lines: dict[tuple, int]) -> str:
    loc = tuple(error["loc"])
    line = None
    probe = loc
    while probe and line is None:
        line = lines.get(probe)
        probe = probe[:-1]
    where = ".".join(str(p) for p in loc) or "(top level)"
    msg = error["msg"]
    if error["type"] == "extra_forbidden":
        msg = "unknown setting (check the spelling; see the example rules.yaml)"
    elif msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    prefix = f"line {line}: " if line else ""
    return f"{prefix}{where}: {msg}"


def _cross_check(rules: Rules, lines: dict[tuple, int]) -> list[str]:
    """Checks that span sections, reported at the line of the offending value."""
    problems = []
    books = {b.id for b in rules.books}
    seen: set[str] = set()
    for i, mb in enumerate(rules.mailboxes):
        if mb.book not in books:
            line = lines.get(("mailboxes", i, "register"))
            problems.append(f"{'line %d: ' % line if line else ''}mailboxes.{i}.register: register book "
                            f"{mb.book!r} is not defined under books: (defined: {', '.join(sorted(books))})")
        if mb.id in seen:
            line = lines.get(("mailboxes", i, "id"))
            problems.append(f"{'line %d: ' % line if line else ''}mailboxes.{i}.id: {mb.id!r} is used twice")
        seen.add(mb.id)
    problems += check_routing(rules.units, rules.people, rules.routes, books, lines)
    watched = {mb.address for mb in rules.mailboxes}
    for key in ("clerk_address", "security_contact"):
        address = getattr(rules.notices, key)
        if address and address.lower() in watched:
            line = lines.get(("notices", key))
            problems.append(f"{'line %d: ' % line if line else ''}notices.{key}: {address} is a watched "
                            "mailbox; alerts sent there would come back in as mail")
    return problems


class _RulesLoader(yaml.SafeLoader):
    """Safe YAML, except that dates stay text: `2026-02-30` is then reported by the
    office.holidays check with its line, instead of crashing the YAML reader."""


_RulesLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def parse_rules(text: str, source: Path | str = "rules.yaml") -> Rules:
    source = Path(source)
    try:
        node = yaml.compose(text, Loader=_RulesLoader)
        data = yaml.load(text, Loader=_RulesLoader)  # noqa: S506 - a SafeLoader subclass
    except (yaml.YAMLError, ValueError) as exc:   # ValueError: an explicit !!timestamp that is no date
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        raise ConfigError(source, [f"{where}not valid YAML: {getattr(exc, 'problem', exc)}"]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(source, ["the file must be a mapping of sections (office:, mailboxes:, …)"])
    lines = _line_index(node) if node is not None else {}
    try:
        rules = Rules.model_validate({**data, "base_dir": source.resolve().parent})
    except ValidationError as exc:
        raise ConfigError(source, [_describe(e, lines) for e in exc.errors()]) from None
    problems = _cross_check(rules, lines)
    if problems:
        raise ConfigError(source, problems)
    return rules


def load_rules(path: Path | str | None = None) -> Rules:
    """Read rules.yaml from `path`, else ./rules.yaml, else /etc/mailbot/rules.yaml."""
    candidates = [Path(path)] if path else list(DEFAULT_CONFIG_PATHS)
    for candidate in candidates:
        if candidate.is_file():
            try:
                text = candidate.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise ConfigError(candidate, [f"cannot read the file: {exc}"]) from None
            return parse_rules(text, candidate)
    tried = ", ".join(str(c) for c in candidates)
    raise ConfigError(candidates[0], [f"no configuration file found (tried {tried}); "
                                      "start from the example rules.yaml in the source tree"])
