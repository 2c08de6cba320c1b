"""Safe MIME parsing: raw bytes in, headers, body text and attachment parts out.

Pure and defensive. The modern email policy is tried first; when it raises
(it can, on malformed headers — see PITFALLS) compat32 takes over. Every
header access is guarded, nesting and part counts are capped, forwarded
messages (message/rfc822) are walked into, and filenames are sanitised.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

from ..config import Limits
from ..model import Reason


@dataclass
class Part:
    filename: str
    original_filename: str
    declared_type: str
    payload: bytes
    depth: int


@dataclass
class ParsedMessage:
    readable: bool
    headers: dict[str, list[str]] = field(default_factory=dict)   # lower-case name → values
    from_addresses: tuple[str, ...] = ()
    to_addresses: tuple[str, ...] = ()
    reply_to: str | None = None
    subject: str = ""
    message_id: str | None = None
    date: str | None = None
    references: tuple[str, ...] = ()
    content_type: str = ""
    report_parts: bool = False        # carries delivery-status / disposition-notification parts
    parts: list[Part] = field(default_factory=list)
    body_text: str = ""
    body_charset: str = ""
    problems: list[Reason] = field(default_factory=list)

    def header(self, name: str) -> str:
        values = self.headers.get(name.lower())
        return values[0] if values else ""


def problem(code: str, vi: str, en: str) -> Reason:
    return Reason(code, vi, en, rule="mailbot: giới hạn an toàn")


# -- filenames ------------------------------------------------------------

# Bidirectional overrides and other invisible format characters that can
# disguise "fdp.exe" as "exe.pdf" in a mail client.
_INVISIBLE = {"Cf", "Cc", "Cs", "Co", "Cn"}
_UNSAFE_CHARS = re.compile(r'[<>:"|?*]')


def sanitize_filename(name: str, max_chars: int, fallback: str) -> str:
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in _INVISIBLE)
    name = _UNSAFE_CHARS.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    if not name:
        return fallback
    if len(name) > max_chars:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = stem[: max_chars - len(ext) - 1].rstrip(" .") + "." + ext
        else:
            name = name[:max_chars]
    return name


# -- headers --------------------------------------------------------------

def _header_values(msg: Message, name: str) -> list[str]:
    try:
        values = msg.get_all(name) or []
    except Exception:  # noqa: BLE001 - malformed headers must never stop intake
        return []
    out = []
    for value in values:
        try:
            text = str(value)
        except Exception:  # noqa: BLE001
            text = ""
        out.append(unicodedata.normalize("NFC", text.replace("\r", "").replace("\n", " ")).strip())
    return out


def _addresses(msg: Message, name: str) -> tuple[str, ...]:
    found: list[str] = []
    try:
        header = msg[name]
        if header is not None and hasattr(header, "addresses"):
            for addr in header.addresses:
                if addr.addr_spec and addr.addr_spec != "<>":
                    found.append(addr.addr_spec.lower())
            return tuple(found)
    except Exception:  # noqa: BLE001
        pass
    for _, addr in getaddresses(_header_values(msg, name)):
        if addr and "@" in addr:
            found.append(addr.lower())
    return tuple(found)


_MSGID = re.compile(r"<[^<>\s]+>")


def _collect_headers(msg: Message, parsed: ParsedMessage) -> None:
    try:
        keys = {k.lower() for k in msg.keys()}
    except Exception:  # noqa: BLE001
        keys = set()
    for key in keys:
        parsed.headers[key] = _header_values(msg, key)
    parsed.from_addresses = _addresses(msg, "From")
    parsed.to_addresses = _addresses(msg, "To") + _addresses(msg, "Cc")
    reply = _addresses(msg, "Reply-To")
    parsed.reply_to = reply[0] if len(reply) == 1 else None
    parsed.subject = parsed.header("subject")
    mid = _MSGID.findall(parsed.header("message-id"))
    parsed.message_id = mid[0] if mid else None
    refs = _MSGID.findall(" ".join(parsed.headers.get("references", [])))
    parsed.references = tuple(refs[-20:])   # a bounded chain is enough for threading
    raw_date = parsed.header("date")
    if raw_date:
        try:
            parsed.date = parsedate_to_datetime(raw_date).isoformat()
        except Exception:  # noqa: BLE001
            parsed.date = None
    try:
        parsed.content_type = msg.get_content_type()
    except Exception:  # noqa: BLE001
        parsed.content_type = "text/plain"


# -- body text ------------------------------------------------------------

class _TextOfHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in ("br", "p", "div", "tr", "li"):
            self.chunks.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.chunks.append(data)


def html_to_text(markup: str) -> str:
    parser = _TextOfHtml()
    try:
        parser.feed(markup)
        parser.close()
    except Exception:  # noqa: BLE001
        return html.unescape(re.sub(r"<[^>]+>", " ", markup))
    return re.sub(r"[ \t]+", " ", "".join(parser.chunks)).strip()


def _decode_text_part(part: Message, payload: bytes) -> tuple[str, str]:
    try:
        charset = part.get_content_charset() or "utf-8"
    except Exception:  # noqa: BLE001
        charset = "utf-8"
    try:
        text = payload.decode(charset, errors="replace")
    except LookupError:
        text = payload.decode("utf-8", errors="replace")
    # windows-1258 decodes to combining tone marks: always compose.
    return unicodedata.normalize("NFC", text), charset


# -- walking --------------------------------------------------------------

def _filename_of(part: Message) -> str:
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001
        name = None
    if name is None:
        try:
            name = part.get_param("name", header="content-type")
            if isinstance(name, tuple):  # RFC 2231 triple from compat32
                name = name[2]
        except Exception:  # noqa: BLE001
            name = None
    return str(name) if name else ""


def _disposition(part: Message) -> str:
    try:
        return (part.get_content_disposition() or "").lower()
    except Exception:  # noqa: BLE001
        return ""


def _payload(part: Message) -> bytes | None:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001
        return None
    return data if isinstance(data, bytes) else None


_EXT_FOR_TYPE = {"application/pdf": ".pdf", "text/plain": ".txt", "text/html": ".html"}


class _Walker:
    def __init__(self, parsed: ParsedMessage, limits: Limits):
        self.parsed = parsed
        self.limits = limits
        self.count = 0
        self.body_html: str | None = None
        self.stopped = False

    def walk(self, part: Message, depth: int) -> None:
        if self.stopped:
            return
        self.count += 1
        if self.count > self.limits.max_parts:
            self.parsed.problems.append(problem(
                "too_many_parts", f"Thư có quá nhiều phần (trên {self.limits.max_parts}).",
                f"message has more than {self.limits.max_parts} MIME parts; the rest were not inspected"))
            self.stopped = True
            return
        if depth > self.limits.max_depth:
            self.parsed.problems.append(problem(
                "too_deep", "Thư lồng nhau quá nhiều tầng.",
                f"MIME nesting deeper than {self.limits.max_depth}; inner parts were not inspected"))
            self.stopped = True
            return
        try:
            ctype = part.get_content_type()
        except Exception:  # noqa: BLE001
            ctype = "application/octet-stream"
        if ctype in ("message/delivery-status", "message/disposition-notification",
                     "message/global-delivery-status", "message/global-disposition-notification"):
            self.parsed.report_parts = True
        if part.is_multipart() or ctype == "message/rfc822":
            try:
                children = part.get_payload()
            except Exception:  # noqa: BLE001
                children = []
            if not isinstance(children, list):
                children = [children]
            for child in children:
                if isinstance(child, Message):
                    self.walk(child, depth + 1)
            return
        self.leaf(part, ctype, depth)

    def leaf(self, part: Message, ctype: str, depth: int) -> None:
        name = _filename_of(part)
        disposition = _disposition(part)
        is_body_text = (not name and disposition != "attachment" and ctype in ("text/plain", "text/html"))
        payload = _payload(part)
        if payload is None:
            if name or disposition == "attachment":
                self.parsed.problems.append(problem(
                    "undecodable_part", f"Không giải mã được tệp đính kèm {name or ''}.".replace(" .", "."),
                    f"attachment {name!r} could not be decoded"))
            return
        if is_body_text:
            text, charset = _decode_text_part(part, payload)
            if ctype == "text/plain" and not self.parsed.body_text:
                self.parsed.body_text, self.parsed.body_charset = text, charset
            elif ctype == "text/html" and self.body_html is None:
                self.body_html = text
            return
        if ctype.startswith("message/") and not name:
            return   # delivery reports and the like are not documents
        index = len(self.parsed.parts) + 1
        fallback = f"tep-dinh-kem-{index}{_EXT_FOR_TYPE.get(ctype, '')}"
        self.parsed.parts.append(Part(
            filename=sanitize_filename(name, self.limits.max_filename_chars, fallback),
            original_filename=unicodedata.normalize("NFC", name)[:1000],
            declared_type=ctype,
            payload=payload,
            depth=depth,
        ))


def _header_block_size(raw: bytes) -> int:
    for sep in (b"\r\n\r\n", b"\n\n"):
        idx = raw.find(sep)
        if idx >= 0:
            return idx
    return len(raw)


# One header field longer than this is an attack, not mail: the modern email
# policy spends seconds and gigabytes on a single 240 KB field of encoded words.
MAX_HEADER_FIELD_BYTES = 16 * 1024


def _longest_header_field(raw: bytes, block: int) -> int:
    longest = current = 0
    for line in raw[:block].split(b"\n"):
        if line[:1] in (b" ", b"\t"):
            current += len(line)            # a folded continuation of the same field
        else:
            current = len(line)
        longest = max(longest, current)
    return longest


def parse_message(raw: bytes, limits: Limits) -> ParsedMessage:
    """Parse untrusted bytes. Never raises; problems are reported in the result."""
    parsed = ParsedMessage(readable=False)
    if not raw.strip():
        parsed.problems.append(problem("empty_message", "Thư rỗng.", "the message is empty"))
        return parsed
    if len(raw) > limits.max_message_bytes:
        parsed.problems.append(problem(
            "message_too_large",
            f"Thư quá lớn ({len(raw) // (1024 * 1024)} MB), vượt giới hạn {limits.max_message_bytes // (1024 * 1024)} MB.",
            f"message of {len(raw)} bytes exceeds the limit of {limits.max_message_bytes}"))
        return parsed
    block = _header_block_size(raw)
    if block > limits.max_header_bytes or _longest_header_field(raw, block) > MAX_HEADER_FIELD_BYTES:
        parsed.problems.append(problem(
            "headers_too_large", "Phần tiêu đề thư quá lớn.",
            f"header block over {limits.max_header_bytes} bytes or one field over {MAX_HEADER_FIELD_BYTES}"))
        return parsed
    # Parsing itself is what costs on a message of 10,000 parts: count boundary lines first.
    if raw.count(b"\n--") > 4 * limits.max_parts + 8:
        parsed.problems.append(problem(
            "too_many_parts", f"Thư có quá nhiều phần (trên {limits.max_parts}).",
            f"about {raw.count(chr(10).encode() + b'--')} MIME boundaries: more than {limits.max_parts} parts; "
            "not parsed"))
        return parsed

    msg: Message | None = None
    for pol in (policy.default, policy.compat32):
        try:
            msg = BytesParser(policy=pol).parsebytes(raw)
            if pol is policy.default:
                # Touch the structure once: policy.default raises lazily on some headers.
                _collect_headers(msg, parsed)
            break
        except Exception as exc:  # noqa: BLE001
            parsed.problems.append(problem(
                "parser_fallback", "Thư có tiêu đề không đúng chuẩn.",
                f"modern parser failed ({type(exc).__name__}); fell back to compat32"))
            parsed.headers.clear()
            msg = None
    if msg is None:
        return parsed
    if not parsed.headers:
        _collect_headers(msg, parsed)
    if not parsed.headers:
        parsed.problems.append(problem("no_headers", "Không đọc được tiêu đề thư.", "no readable header"))
        return parsed

    walker = _Walker(parsed, limits)
    try:
        walker.walk(msg, 0)
    except RecursionError:
        parsed.problems.append(problem("too_deep", "Thư lồng nhau quá nhiều tầng.", "recursion limit while walking MIME"))
    except Exception as exc:  # noqa: BLE001
        parsed.problems.append(problem(
            "walk_failed", "Không đọc được cấu trúc thư.", f"MIME walk failed: {type(exc).__name__}: {exc}"))
    if not parsed.body_text and walker.body_html:
        parsed.body_text = html_to_text(walker.body_html)
    parsed.readable = True
    return parsed
