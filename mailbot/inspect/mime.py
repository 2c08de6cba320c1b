"""Safe MIME parsing: raw bytes in, headers, body text and attachment parts out.

Pure and defensive. The modern email policy is tried first; when it raises
(it can, on malformed headers — see PITFALLS) compat32 takes over. Every
header access is guarded, nesting and part counts are capped, forwarded
messages (message/rfc822) are walked into, and filenames are sanitised.

Messages with attachments are parsed with their base64-looking bodies
"lifted" out first (see _lift): the email package keeps a body as a str,
splits it into lines and joins and re-encodes it again when decoding, which
costs several copies of a 25 MB attachment (and a third of the parse time of
a typical 70 KB message). The parser only sees a small skeleton with one
token line per lifted run; the walk decodes the original bytes in one step.
"""

from __future__ import annotations

import binascii
import html
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

from mailbot.config import Limits
from mailbot.util.headercache import CachedHeaderRegistry
from mailbot.model import Reason

# policy.default, with each header class built once (see mailbot/headercache.py).
MODERN = policy.default.clone(header_factory=CachedHeaderRegistry())


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

# What the bytes parser leaves for undecodable bytes (surrogate escapes) and control
# characters: never valid in text we print, store or send. Shown as U+FFFD instead.
_NOT_TEXT = re.compile(r"[\ud800-\udfff\x00-\x08\x0b-\x1f\x7f]")


def valid_text(text: str) -> str:
    """`text` with undecodable bytes and control characters replaced visibly (U+FFFD):
    always encodable as strict UTF-8."""
    return _NOT_TEXT.sub("\ufffd", text)


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
        out.append(valid_text(unicodedata.normalize("NFC", text.replace("\r", "").replace("\n", " "))).strip())
    return out


def _addresses(msg: Message, name: str) -> tuple[str, ...]:
    found: list[str] = []
    try:
        header = msg[name]
        if header is not None and hasattr(header, "addresses"):
            for addr in header.addresses:
                # Only a real mailbox (local@domain) can be answered; undecodable bytes make
                # an address nobody can own, so it does not count as one.
                spec = addr.addr_spec
                if spec and spec != "<>" and "@" in spec and valid_text(spec) == spec:
                    found.append(spec.lower())
            return tuple(found)
    except Exception:  # noqa: BLE001
        pass
    for _, addr in getaddresses(_header_values(msg, name)):
        if addr and "@" in addr and "\ufffd" not in addr:
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
    # A client that sets only In-Reply-To still names its parent: it threads like References.
    refs += [r for r in _MSGID.findall(" ".join(parsed.headers.get("in-reply-to", []))) if r not in refs]
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


# -- lifting big base64 bodies --------------------------------------------
#
# Only for messages of LIFT_MIN_MESSAGE bytes or more: maximal runs of whole
# lines made only of base64 alphabet characters, LIFT_MIN_RUN bytes or more,
# are cut out of the raw bytes and each replaced by ONE line holding a token
# (also only alphabet characters). The runs are not copied: they are sliced
# out of `raw` again, through a memoryview, when the part is decoded.
#
# Why the skeleton parses exactly like the original: the parser classifies a
# line only as a boundary ("--..."), a header or continuation (needs ":", a
# leading space/tab or "From "), a blank line, or other. A run line has at
# least one character, all of [A-Za-z0-9+/=], so it is always "other"; so is
# the token line. A run therefore never swallows a boundary, a header or the
# blank line ending a header block; and where a run follows part headers with
# no blank line, the parser ends the headers at the first "other" line, the
# token as well as the original. Replacing N "other" lines by one "other"
# line changes nothing but that part's body text, which _restore puts back.
# The final line break of a run stays in the skeleton, so whatever the parser
# does with it (the one before a boundary is dropped) it does in both cases.
# The top-level header block is never scanned, as a matter of caution.

LIFT_MIN_MESSAGE = 16 * 1024
LIFT_MIN_RUN = 4 * 1024
_LIFT_WORD = b"MAILBOTLIFT"

# A run starts right after a "\n" (so at a line start, for "\n" and "\r\n"
# endings), and its first line has at least 32 alphabet characters: every
# real base64 body has such lines, and hostile input made of millions of tiny
# runs cannot then create millions of match objects. Possessive quantifiers
# never backtrack, and a failed attempt only reads one line, so the scan is
# linear; the literal "\n" prefix lets the regex engine skip ahead quickly.
_B64_RUN = re.compile(rb"\n((?:[A-Za-z0-9+/=]{32,}+\r?\n)(?:[A-Za-z0-9+/=]++\r?\n)*+)")
_B64_BYTE = re.compile(rb"[A-Za-z0-9+/=]")
_UUENCODE = ("x-uuencode", "uuencode", "uue", "x-uue")


@dataclass
class _Lifted:
    raw: memoryview                     # the original message; runs are sliced from it
    spans: list[tuple[int, int]]        # (start, end) of each run, final line break excluded
    prefix: str                         # token prefix; token i is prefix + str(i)
    token: re.Pattern[str]


def _lift(raw: bytes, block: int) -> tuple[bytes, _Lifted | None]:
    """The skeleton to parse and what was lifted from it; (raw, None) when nothing was."""
    spans = []
    for match in _B64_RUN.finditer(raw, block):
        start, end = match.span(1)
        end -= 2 if raw[end - 2:end] == b"\r\n" else 1      # keep the final line break
        if end - start >= LIFT_MIN_RUN:
            spans.append((start, end))
    if not spans:
        return raw, None
    prefix = _LIFT_WORD + secrets.token_hex(8).encode()
    while prefix in raw:                # a token must never occur in the original
        prefix = _LIFT_WORD + secrets.token_hex(8).encode()
    view = memoryview(raw)
    pieces: list[bytes | memoryview] = []
    pos = 0
    for index, (start, end) in enumerate(spans):
        pieces += [view[pos:start], prefix + b"%d" % index]
        pos = end
    pieces.append(view[pos:])
    text_prefix = prefix.decode("ascii")
    return b"".join(pieces), _Lifted(view, spans, text_prefix, re.compile(re.escape(text_prefix) + r"(\d+)"))


def _decode_base64(pieces: list[bytes | memoryview]) -> bytes:
    """What get_payload(decode=True) gives for these base64 body bytes, byte for byte.

    email does decode_b(b"".join(body.splitlines())): strict decoding with the
    padding fixed, else lenient, else lenient with "==" added, else the
    encoded text itself. Lenient a2b_base64 skips every byte outside the
    alphabet (line breaks included), so pieces without an alphabet byte can be
    left out and one lifted run is decoded straight from the memoryview.
    """
    data = [p for p in pieces if isinstance(p, memoryview) or _B64_BYTE.search(p)]
    joined = data[0] if len(data) == 1 else b"".join(data)
    try:
        return binascii.a2b_base64(joined)
    except binascii.Error:
        pass
    try:
        return binascii.a2b_base64(bytes(joined) + b"==")
    except binascii.Error:
        return b"".join(b"".join(pieces).splitlines())


def _restore(part: Message, body: str, lifted: _Lifted) -> bytes | None:
    """Decode a leaf whose body holds lift tokens, as _payload would the original."""
    try:
        pieces: list[bytes | memoryview] = []
        pos = 0
        for match in lifted.token.finditer(body):
            # The bytes parser decodes with ascii/surrogateescape: this is the exact inverse.
            pieces.append(body[pos:match.start()].encode("ascii", "surrogateescape"))
            start, end = lifted.spans[int(match.group(1))]
            pieces.append(lifted.raw[start:end])
            pos = match.end()
        pieces.append(body[pos:].encode("ascii", "surrogateescape"))
        cte = str(part.get("content-transfer-encoding", "")).lower()    # as email computes it
        if cte == "base64":
            return _decode_base64(pieces)
        if cte == "quoted-printable":
            return binascii.a2b_qp(b"".join(pieces))                    # what quopri.decodestring does
        if cte in _UUENCODE:          # rare: put the text back and let email decode it
            part.set_payload(b"".join(pieces).decode("ascii", "surrogateescape"))
            return _payload(part)
        return b"".join(pieces)       # 7bit, 8bit, binary, none or unknown: the bytes as they are
    except Exception:  # noqa: BLE001
        return None


_EXT_FOR_TYPE = {"application/pdf": ".pdf", "text/plain": ".txt", "text/html": ".html"}


class _Walker:
    def __init__(self, parsed: ParsedMessage, limits: Limits, lifted: _Lifted | None = None):
        self.parsed = parsed
        self.limits = limits
        self.lifted = lifted
        self.count = 0
        self.body_html: str | None = None
        self.stopped = False

    def payload(self, part: Message) -> bytes | None:
        if self.lifted is not None:
            # The raw body, not get_payload(decode=False): that one returns
            # text decoded with the charset and "replace" when the body has
            # non-ASCII bytes, which cannot be turned back into the bytes.
            body = getattr(part, "_payload", None)
            if isinstance(body, str) and self.lifted.prefix in body:
                return _restore(part, body, self.lifted)
        return _payload(part)

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
        payload = self.payload(part)
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


def parse_message(raw: bytes, limits: Limits, lift: bool = True) -> ParsedMessage:
    """Parse untrusted bytes. Never raises; problems are reported in the result.

    `lift=False` turns lifting off (tests compare both ways).
    """
    parsed = ParsedMessage(readable=False)
    if not raw or raw.isspace():     # raw.strip() would copy a 40 MB message
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

    # All checks above are on the original bytes; the parser sees the skeleton.
    skeleton, lifted = raw, None
    if lift and len(raw) >= LIFT_MIN_MESSAGE:
        try:
            skeleton, lifted = _lift(raw, block)
        except Exception:  # noqa: BLE001 - then parse the original, as without lifting
            skeleton, lifted = raw, None

    msg: Message | None = None
    for pol in (MODERN, policy.compat32):
        try:
            msg = BytesParser(policy=pol).parsebytes(skeleton)
            if pol is MODERN:
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

    del skeleton
    walker = _Walker(parsed, limits, lifted)
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
