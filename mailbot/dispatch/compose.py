"""Notices: Jinja2 templates → a complete RFC 5322 message (text + HTML).

A notice kind is a pair of templates, `{kind}.txt.j2` and `{kind}.html.j2`,
looked up first in `rules.notices.templates_dir` (when set) and then among the
templates bundled with the package (`mailbot/templates/`, package data read
through importlib.resources, so a regular `pip install` finds them too). Adding a kind ("paper-copy", "review",
"forward", "alert") means adding templates, nothing here.

The text template also carries the subject: a top-level
`{% set subject %}…{% endset %}` block (Jinja exports top-level assignments on
the template module), so one file holds what the sender reads first.

Templates run with StrictUndefined: a key missing from the context is an
error, never a silently empty line in an official letter.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email import quoprimime
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, formataddr
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from mailbot.config import Rules
from mailbot.util.headercache import CachedHeaderRegistry

# The bundled templates: package data, a real folder in every supported install
# (wheel, editable, source tree).
BUNDLED_TEMPLATES = Path(str(resources.files("mailbot") / "templates"))

_KIND = re.compile(r"^[a-z][a-z0-9-]{0,40}$")
_MSGID = re.compile(r"^<[^<>\s]+@[^<>\s]+>$")
_RE_PREFIX = re.compile(r"^\s*(re|trả lời|tl|aw|sv)\s*:\s*", re.IGNORECASE)

# Keys templates may read from `document` and from each attachment; missing
# ones are filled with None so templates can test them without tripping
# StrictUndefined (the pipeline documents them as optional).
_DOCUMENT_KEYS = ("code", "type_name", "subject", "organ_name", "urgency", "sender_name")
_ATTACHMENT_KEYS = ("filename", "format", "allowed", "reason_vi", "signature_line", "body")
_MAX_REFERENCES = 20


@dataclass(frozen=True)
class ComposedNotice:
    kind: str
    recipient: str
    subject: str
    message_id: str
    raw: bytes


class TemplateMissing(LookupError):
    """No template for this notice kind in the override or bundled folder."""


def compose_notice(kind: str, context: dict, rules: Rules, *, recipient: str, in_reply_to: str | None,
                   references: Sequence[str], seed: str, now: datetime | None = None,
                   original: bytes | None = None, urgent: bool = False) -> ComposedNotice:
    """Render the `kind` templates with `context` and build the message.

    `seed` identifies the thing being answered (e.g. the source message's
    SHA-256); the Message-ID is derived from it, so composing the same notice
    again yields the same Message-ID. `now` (aware) defaults to the current
    time in the office time zone.
    """
    if not _KIND.match(kind):
        raise ValueError(f"invalid notice kind {kind!r}")
    recipient = recipient.strip()
    notices = rules.notices
    env = _environment(template_folders(rules))
    values = _values(kind, context, rules, recipient)

    try:
        text_template = env.get_template(f"{kind}.txt.j2")
        html_template = env.get_template(f"{kind}.html.j2")
    except jinja2.TemplateNotFound as exc:
        raise TemplateMissing(f"no template {exc.name!r} for notice kind {kind!r} "
                              f"(looked in {', '.join(str(p) for p in template_folders(rules))})") from None

    subject, text = _render_text(text_template, values)
    html = _nfc(html_template.render(values))

    tz = ZoneInfo(rules.office.timezone)
    now = (now or datetime.now(tz)).astimezone(tz)
    message_id = notice_message_id(rules, kind, recipient, seed)

    parent = _clean_msgid(in_reply_to)
    thread = _thread(references, parent)
    raw = _write_notice(kind, _nfc(notices.from_name), notices.from_address, recipient, subject,
                        format_datetime(now), message_id, parent, thread, text, html)
    if raw is None:   # a header the fast writer does not handle: the email package writes it
        raw = _build_notice(kind, _nfc(notices.from_name), notices.from_address, recipient, subject,
                            format_datetime(now), message_id, parent, thread, text, html)
    if original is not None:
        raw = with_original(raw, original, urgent=urgent)
    return ComposedNotice(kind=kind, recipient=recipient, subject=subject, message_id=message_id, raw=raw)


# Marks an urgent forward in the recipient's mail client (Outlook, Thunderbird, webmail).
_URGENT_HEADERS = (b"Importance: high", b"X-Priority: 1 (Highest)", b"Priority: urgent")


def with_original(notice: bytes, original: bytes, *, urgent: bool = False,
                  filename: str = "thu-goc.eml") -> bytes:
    """The notice, with the message it is about attached unchanged as message/rfc822.

    The original is neither re-encoded nor re-serialised (only bare LF line ends become
    CRLF, as SMTP requires), so its DKIM signature and the signatures inside its PDFs
    still verify for whoever receives the forward. A forward is generated, not a reply:
    Auto-Submitted says so."""
    crlf = b"\r\n"
    head, _, body = notice.partition(crlf + crlf)
    fields: list[bytes] = []
    for line in head.split(crlf):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += crlf + line
        else:
            fields.append(line)
    content = [f for f in fields if f.lower().startswith((b"content-type:", b"content-transfer-encoding:"))]
    kept = [f for f in fields if f not in content and not f.lower().startswith(b"mime-version:")]
    kept = [b"Auto-Submitted: auto-generated" if f.lower().startswith(b"auto-submitted:") else f for f in kept]
    original = re.sub(rb"(?<!\r)\n", b"\r\n", original)
    if not original.endswith(crlf):
        original += crlf
    counter = 0
    while True:
        boundary = b"=_mailbot_fwd_" + hashlib.sha256(original + bytes([counter])).hexdigest()[:20].encode()
        if boundary not in original and boundary not in body:
            break
        counter += 1
    eight_bit = any(b > 0x7F for b in original)
    out = kept + (list(_URGENT_HEADERS) if urgent else []) + [
        b"MIME-Version: 1.0",
        b'Content-Type: multipart/mixed; boundary="' + boundary + b'"']
    if eight_bit:
        out.append(b"Content-Transfer-Encoding: 8bit")
    parts = [crlf.join(out), b"", b"--" + boundary, crlf.join(content), b"", body.rstrip(crlf),
             b"--" + boundary, b"Content-Type: message/rfc822",
             f'Content-Disposition: attachment; filename="{filename}"'.encode("ascii"), b""]
    return crlf.join(parts) + crlf + original + b"--" + boundary + b"--" + crlf


def _values(kind: str, context: Mapping[str, Any], rules: Rules, recipient: str) -> dict[str, Any]:
    values = _prepare(context)
    values.update(
        kind=kind,
        recipient=recipient,
        from_name=_nfc(rules.notices.from_name),
        from_address=rules.notices.from_address,
        allowed_formats=list(rules.formats.allowed),
        office_timezone=rules.office.timezone,
    )
    # Contexts saved before the sender class existed (unbuilt notices, hand-made ones) read
    # as an agency's, as every notice did then.
    organ = (values.get("document") or {}).get("organ_name")
    address = values.get("sender") or recipient
    values.setdefault("sender_class", "agency")
    values.setdefault("you", "Quý cơ quan")
    values.setdefault("salutation", f"{organ} ({address})" if organ else address)
    values.setdefault("body_missing", False)
    values.setdefault("office_address", rules.office.address)
    values.setdefault("resent", None)
    values.setdefault("related", None)
    if isinstance(values.get("alert"), dict):
        values["alert"].setdefault("reasons", values.get("reasons") or [])
    return values


def _render_text(template: jinja2.Template, values: dict[str, Any]) -> tuple[str, str]:
    """The subject and body of a `.txt.j2` template."""
    module = template.make_module(values)
    subject = getattr(module, "subject", None)
    if not subject or not str(subject).strip():
        raise ValueError(f"template {template.name} must set a subject: {{% set subject %}}…{{% endset %}}")
    return _one_line(_nfc(str(subject))), _nfc(str(module))


def template_problems(rules: Rules, kinds: Sequence[str], context: Mapping[str, Any]) -> list[str]:
    """Render every template of `kinds` (override first, then bundled) with `context`;
    one line per template that is missing or fails, naming its file. Empty when all render."""
    env = _environment(template_folders(rules))
    folders = ", ".join(str(p) for p in template_folders(rules))
    problems = []
    for kind in kinds:
        values = _values(kind, context, rules, "nguoi-gui@example.gov.vn")
        for name in (f"{kind}.txt.j2", f"{kind}.html.j2"):
            template = None
            try:
                template = env.get_template(name)
                if name.endswith(".txt.j2"):
                    _render_text(template, values)
                else:
                    template.render(values)
            except jinja2.TemplateNotFound as exc:
                problems.append(f"{name}: template {exc.name!r} not found (looked in {folders})")
            except jinja2.TemplateSyntaxError as exc:
                problems.append(f"{exc.filename or name}, line {exc.lineno}: {exc.message}")
            except Exception as exc:  # noqa: BLE001 - any failure is reported, with where it happened
                where = _failing_template(exc) or (template.filename if template else name)
                problems.append(f"{where}: {type(exc).__name__}: {exc}")
    return problems


def _failing_template(exc: BaseException) -> str | None:
    """'FILE, line N' of the innermost template frame of a rendering error (Jinja rewrites
    tracebacks so template lines appear as frames)."""
    import traceback

    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".j2")]
    return f"{frames[-1].filename}, line {frames[-1].lineno}" if frames else None


def notice_message_id(rules: Rules, kind: str, recipient: str, seed: str) -> str:
    """The Message-ID a notice carries: derived from what it answers, so composing it again
    (a retry, a crash) gives the same id."""
    domain = rules.notices.from_address.rpartition("@")[2] or "localhost"
    digest = hashlib.sha256((seed + kind + recipient.strip()).encode("utf-8")).hexdigest()[:32]
    return f"<mailbot.{kind}.{digest}@{domain}>"


def compose_plain(kind: str, subject: str, text: str, rules: Rules, *, recipient: str, seed: str,
                  now: datetime | None = None) -> ComposedNotice:
    """A plain-text notice built without templates: what the office's own people get when a
    template cannot be used (it must not depend on what failed)."""
    if not _KIND.match(kind):
        raise ValueError(f"invalid notice kind {kind!r}")
    recipient = recipient.strip()
    tz = ZoneInfo(rules.office.timezone)
    now = (now or datetime.now(tz)).astimezone(tz)
    message_id = notice_message_id(rules, kind, recipient, seed)
    subject = _one_line(_nfc(subject))
    raw = _build_notice(kind, _nfc(rules.notices.from_name), rules.notices.from_address, recipient, subject,
                        format_datetime(now), message_id, None, [], _nfc(text), None)
    return ComposedNotice(kind=kind, recipient=recipient, subject=subject, message_id=message_id, raw=raw)


# Headers every notice carries after the addressing ones. Auto-Submitted (RFC 3834) marks
# it as an automatic answer, so well-behaved responders (and our own intake, docs/DESIGN.md §3
# invariant 3) never answer it; X-Auto-Response-Suppress keeps Exchange/Outlook from
# sending out-of-office, read or delivery receipts back. Precedence is not a standard, but
# many deployed vacation responders (vacation(1), hosting-panel autoresponders, older
# groupware) look only at it and ignore Auto-Submitted. Sending "bulk" keeps them silent,
# which is what stops two robots answering each other (Dovecot's Sieve marks its automatic
# rejections the same way). The cost — some filters file it as bulk mail — is small for an
# acknowledgement that the register keeps anyway; "list"/"junk" would say something untrue.
_FIXED_HEADERS = (("Auto-Submitted", "auto-replied"), ("X-Auto-Response-Suppress", "All"),
                  ("Precedence", "bulk"))


def _write_notice(kind: str, from_name: str, from_address: str, recipient: str, subject: str, date: str,
                  message_id: str, parent: str | None, thread: list[str], text: str, html: str) -> bytes | None:
    """The notice's bytes, written directly: the same message `_build_notice` makes with the
    email package (tests compare them parsed), at a fraction of the cost — building email
    header objects was a third of the daemon's CPU per message (benchmarks/README.md).
    None when a header needs the email package (non-ASCII address, long ASCII subject)."""
    crlf = NOTICE_POLICY.linesep
    width = NOTICE_POLICY.max_line_length
    ids = [message_id, parent or "", *thread]
    if not all(v.isascii() for v in (from_address, recipient, date, kind, *ids)):
        return None
    if any(c in v for v in (from_name, from_address, recipient, subject, *ids) for c in "\r\n"):
        return None
    if subject.isascii():
        if len(subject) + 9 > width:
            return None
        subject_line = f"Subject: {subject}{crlf}"
    else:
        subject_line = NOTICE_POLICY.fold_binary("Subject", subject).decode("ascii")
    if from_name.isascii() and from_name and not re.fullmatch(r"[A-Za-z0-9 .\-]+", from_name):
        return None     # needs quoting rules: leave it to the email package
    sender = formataddr((from_name, from_address), charset="utf-8")
    if len(sender) + 6 > width:
        sender = sender.replace(" <", crlf + " <", 1)
    lines = [f"From: {sender}{crlf}", f"To: {recipient}{crlf}", subject_line, f"Date: {date}{crlf}",
             f"Message-ID: {_fold_ids('Message-ID', [message_id], crlf, width)}{crlf}"]
    if parent:
        lines.append(f"In-Reply-To: {_fold_ids('In-Reply-To', [parent], crlf, width)}{crlf}")
    if thread:
        lines.append(f"References: {_fold_ids('References', thread, crlf, width)}{crlf}")
    lines += [f"{name}: {value}{crlf}" for name, value in _FIXED_HEADERS]
    boundary = "=_mailbot_" + hashlib.sha256(message_id.encode("ascii")).hexdigest()[:16]
    lines += [f"X-Mailbot-Notice: {kind}{crlf}", f"MIME-Version: 1.0{crlf}",
              f'Content-Type: multipart/alternative; boundary="{boundary}"{crlf}',
              f"Content-Language: vi{crlf}", crlf]
    for subtype, body in (("plain", text), ("html", html)):
        lines += [f"--{boundary}{crlf}", f'Content-Type: text/{subtype}; charset="utf-8"{crlf}',
                  f"Content-Transfer-Encoding: quoted-printable{crlf}", crlf,
                  _quoted_printable(body, width).replace("\n", crlf), crlf]   # this CRLF belongs to the boundary
    lines.append(f"--{boundary}--{crlf}")
    return "".join(lines).encode("ascii")


def _quoted_printable(text: str, width: int) -> str:
    """What EmailMessage.set_content(..., cte="quoted-printable") puts in the body."""
    body = b"\n".join(text.encode("utf-8").splitlines()) + b"\n"
    return quoprimime.body_encode(body.decode("latin-1"), width)


def _build_notice(kind: str, from_name: str, from_address: str, recipient: str, subject: str, date: str,
                  message_id: str, parent: str | None, thread: list[str], text: str, html: str | None) -> bytes:
    """The notice built with the email package (any header it can express); text only when
    `html` is None."""
    msg = EmailMessage(policy=NOTICE_POLICY)
    msg["From"] = Address(display_name=from_name, addr_spec=from_address)
    msg["To"] = recipient
    msg["Subject"] = subject
    msg["Date"] = date
    msg["Message-ID"] = message_id
    if parent:
        msg["In-Reply-To"] = parent
    if thread:
        msg["References"] = " ".join(thread)
    for name, value in _FIXED_HEADERS:
        msg[name] = value
    msg["X-Mailbot-Notice"] = kind
    # Quoted-printable keeps the message 7-bit clean for any relay (no
    # 8BITMIME needed) and the ASCII skeleton readable in an .eml file.
    msg.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    if html is not None:
        msg.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    msg["Content-Language"] = "vi"     # after set_content(), which clears Content-* headers
    return msg.as_bytes(policy=NOTICE_POLICY)


# -- headers with Vietnamese text ----------------------------------------------------

class _NoticePolicy(EmailPolicy):
    """policy.SMTP, except how Subject, the From display name and ids are folded.

    Python 3.11's refolding of long non-ASCII headers drops the space between
    two RFC 2047 encoded words ("Quyết định" comes back as "Quyếtđịnh"), for
    unstructured and address headers alike. email.header.Header splits a
    subject into encoded words that keep their spaces; the From name is
    written as a single encoded word. Everything else is the standard policy.
    """

    def fold(self, name: str, value: Any) -> str:
        folded = self._fold_vietnamese(name, value)
        return folded if folded is not None else super().fold(name, value)

    def fold_binary(self, name: str, value: Any) -> bytes:
        folded = self._fold_vietnamese(name, value)
        return folded.encode("ascii") if folded is not None else super().fold_binary(name, value)

    def _fold_vietnamese(self, name: str, value: Any) -> str | None:
        key = name.lower()
        if key in ("message-id", "in-reply-to", "references"):
            # The standard fold moves a long id to its own line, and Python's
            # parser then hands " <id>" back with the space: keep the first id
            # on the header line and fold only between ids.
            text = _fold_ids(name, str(value).split(), self.linesep, self.max_line_length)
        elif key == "subject" and not str(value).isascii():
            text = Header(str(value), "utf-8", header_name=name).encode(linesep=self.linesep)
        elif key == "from" and getattr(value, "addresses", None) and len(value.addresses) == 1:
            address = value.addresses[0]
            if address.display_name.isascii():
                return None
            # One encoded word, even past RFC 2047's 75 characters: decoders
            # disagree about the space between encoded words inside a phrase
            # (Python's adds one, mid-word), and an office name is short.
            text = formataddr((address.display_name, address.addr_spec), charset="utf-8")
            if len(name) + 2 + len(text) > self.max_line_length:
                text = text.replace(" <", self.linesep + " <", 1)
        else:
            return None
        return f"{name}: {text}{self.linesep}"


def _fold_ids(name: str, ids: list[str], linesep: str, width: int) -> str:
    lines = [ids[0] if ids else ""]
    used = len(name) + 2 + len(lines[0])
    for item in ids[1:]:
        if used + 1 + len(item) > width:
            lines.append(item)
            used = 1 + len(item)
        else:
            lines[-1] += " " + item
            used += 1 + len(item)
    return (linesep + " ").join(lines)


NOTICE_POLICY = _NoticePolicy(linesep="\r\n",   # the same settings as email.policy.SMTP
                              header_factory=CachedHeaderRegistry())


# -- templates -------------------------------------------------------------------

def template_folders(rules: Rules) -> tuple[Path, ...]:
    """Where templates are looked up, first match wins: the override folder, then the bundled one."""
    override = rules.path(rules.notices.templates_dir)
    if override is None:
        return (BUNDLED_TEMPLATES,)
    return (override.resolve(), BUNDLED_TEMPLATES)


def _autoescape(name: str | None) -> bool:
    return bool(name) and name.endswith((".html.j2", ".html", ".htm"))


def reply_subject(value: Any) -> str:
    """'Re: ' + the sender's subject, without stacking prefixes."""
    subject = _one_line(str(value or ""))
    while True:
        stripped = _RE_PREFIX.sub("", subject, count=1)
        if stripped == subject:
            break
        subject = stripped
    return f"Re: {subject}" if subject else "Re: (không có tiêu đề)"


@jinja2.pass_context
def human_time(ctx: jinja2.runtime.Context, value: Any) -> str:
    """An ISO 8601 time as Vietnamese readers write it ("08:01 ngày 10/11/2026"),
    in the office time zone; any other text is returned unchanged."""
    if value is None or value == "":
        return ""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(ZoneInfo(ctx.get("office_timezone") or "UTC"))
    return f"{moment:%H:%M} ngày {moment:%d/%m/%Y}"


@lru_cache(maxsize=8)
def _environment(search_path: tuple[Path, ...]) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in search_path], encoding="utf-8"),
        autoescape=_autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=True,          # an administrator may edit override templates while we run
    )
    env.filters["reply_subject"] = reply_subject
    env.filters["human_time"] = human_time
    return env


# -- context ---------------------------------------------------------------------

def _nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value)


def _deep_nfc(value: Any) -> Any:
    if isinstance(value, str):
        return _nfc(value)
    if isinstance(value, Mapping):
        return {k: _deep_nfc(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_deep_nfc(v) for v in value]
    return value


def _prepare(context: Mapping[str, Any]) -> dict[str, Any]:
    values = _deep_nfc(dict(context))
    if "document" in values:
        values["document"] = {k: None for k in _DOCUMENT_KEYS} | dict(values["document"] or {})
    if "attachments" in values:
        values["attachments"] = [{k: None for k in _ATTACHMENT_KEYS} | dict(a) for a in values["attachments"] or []]
    return values


# -- headers ---------------------------------------------------------------------

def _one_line(value: str) -> str:
    return " ".join(value.split())


def _clean_msgid(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    if not value.startswith("<"):
        value = f"<{value}>"
    return value if _MSGID.match(value) else None


def _thread(references: Sequence[str], parent: str | None) -> list[str]:
    ids: list[str] = []
    for ref in list(references or ()) + ([parent] if parent else []):
        for part in str(ref).split():
            clean = _clean_msgid(part)
            if clean and clean not in ids:
                ids.append(clean)
    if len(ids) > _MAX_REFERENCES:
        # RFC 5322 §3.6.4: keep the thread root and the most recent ancestors.
        ids = ids[:1] + ids[-(_MAX_REFERENCES - 1):]
    return ids
