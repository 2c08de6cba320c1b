"""Property-based fuzzing of the MIME walk and of whole-message inspection (in-process).

Two sources of input: arbitrary bytes, and structurally plausible but broken
emails (random headers with random bytes, random multipart trees with random
and clashing boundaries, random transfer encodings and charsets, filenames
with path and control characters given plainly, as RFC 2047 words or as RFC
2231 parameters). Properties: nothing raises; filenames are sanitised (no "/",
"\\", NUL, control or bidi characters; NFC; not empty; within the length
limit); body text is NFC; every attachment's sha256 and size match its payload.

Bounded and reproducible for CI: 300 examples per test, derandomized.
"""

from __future__ import annotations

import base64
import hashlib
import quopri
import unicodedata
import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailbot.config import Limits, Rules
from mailbot.inspect.body_document import letter_text
from mailbot.inspect.message import inspect_message
from mailbot.inspect.mime import parse_message
from mailbot.trust import trust_store

RULES = Rules(limits={"max_parts": 40, "max_depth": 4, "max_filename_chars": 60})
LIMITS: Limits = RULES.limits
TRUST = trust_store(RULES)
CRLF = b"\r\n"
FUZZ = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])
EXAMPLES: dict[str, int] = {}

# -- strategies -------------------------------------------------------------

NASTY_CHARS = ["/", "\\", "\x00", "\u202e", "\u202d", "\u200f", "\ufeff", "\n", "\r", "\t", "..", "\x1b",
               "e\u0301", "a\u0323\u0302", "<", ">", ":", '"', "|", "?", "*", "%", "=?", "?=", "'", ";", " "]
filenames = st.lists(st.one_of(st.sampled_from(NASTY_CHARS), st.text(min_size=1, max_size=8)),
                     max_size=12).map("".join) | st.just("x" * 400 + ".pdf") | st.just("../" * 30 + "a.docx")
CHARSETS = ["utf-8", "us-ascii", "iso-8859-1", "windows-1258", "windows-1252", "utf-16", "utf-7", "gb2312",
            "x-unknown", "", "utf-8'", "\xff"]
ENCODINGS = ["7bit", "8bit", "binary", "base64", "quoted-printable", "x-uuencode", "x-bogus", ""]
CTYPES = ["text/plain", "text/html", "application/pdf", "application/octet-stream", "message/rfc822",
          "application/msword", "text/csv", "image/png", "application/ms-tnef", "multipart/mixed",
          "message/delivery-status", "text/x-unknown", "", "garbage"]
header_bytes = st.binary(max_size=80) | st.text(max_size=60).map(lambda t: t.encode("utf-8", "surrogatepass"))


@st.composite
def filename_param(draw) -> bytes:
    name = draw(filenames)
    style = draw(st.sampled_from(["plain", "2047b", "2047q", "2231", "2231-split", "raw-utf8", "unquoted"]))
    data = name.encode("utf-8", "surrogatepass")
    if style == "plain":
        return b'; filename="' + data.replace(b'"', b"'") + b'"'
    if style == "2047b":
        return b'; filename="=?utf-8?B?' + base64.b64encode(data) + b'?="'
    if style == "2047q":
        return b'; filename="=?' + draw(st.sampled_from(CHARSETS)).encode("utf-8", "replace") + b"?Q?" + \
            quopri.encodestring(data, header=True).replace(b"\n", b"") + b'?="'
    if style == "2231":
        return b"; filename*=utf-8''" + urllib.parse.quote(name, safe="").encode()
    if style == "2231-split":
        quoted = urllib.parse.quote(name, safe="").encode()
        cut = draw(st.integers(0, len(quoted)))
        return b"; filename*0*=utf-8''" + quoted[:cut] + b"; filename*1*=" + quoted[cut:]
    if style == "raw-utf8":
        return b"; filename=" + data
    return b"; name=" + data.replace(b";", b"")


def encode_body(data: bytes, encoding: str) -> bytes:
    if encoding == "base64":
        return base64.encodebytes(data).replace(b"\n", CRLF)
    if encoding == "quoted-printable":
        return quopri.encodestring(data).replace(b"\n", CRLF)
    return data


@st.composite
def leaf(draw) -> bytes:
    ctype = draw(st.sampled_from(CTYPES))
    charset = draw(st.sampled_from(CHARSETS))
    encoding = draw(st.sampled_from(ENCODINGS))
    payload = draw(st.binary(max_size=300) | st.text(max_size=200).map(
        lambda t: t.encode("utf-8", "surrogatepass")))
    head = b"Content-Type: " + ctype.encode() + b"; charset=" + charset.encode("utf-8", "replace")
    if draw(st.booleans()):
        head += draw(filename_param()).replace(b"filename", b"name")
    head += CRLF
    if draw(st.booleans()):
        head += b"Content-Disposition: " + draw(st.sampled_from([b"attachment", b"inline", b"", b"\xff"])) \
            + draw(filename_param()) + CRLF
    if encoding:
        head += b"Content-Transfer-Encoding: " + encoding.encode() + CRLF
    if draw(st.booleans()):
        head += b"X-Junk: " + draw(header_bytes) + CRLF
    return head + CRLF + encode_body(payload, encoding)


BOUNDARY = st.sampled_from([b"b", b"bb", b"b1", b"==", b"", b" ", b"x" * 80, b"\xff\xfe", b"--", b"b\x00"]) | \
    st.binary(min_size=1, max_size=12).filter(lambda b: b"\r" not in b and b"\n" not in b)


def tree(depth: int = 3):
    return st.deferred(lambda: leaf() if depth == 0 else st.one_of(leaf(), node(depth)))


@st.composite
def node(draw, depth: int) -> bytes:
    boundary = draw(BOUNDARY)
    children = draw(st.lists(tree(depth - 1), min_size=0, max_size=4))
    subtype = draw(st.sampled_from([b"mixed", b"alternative", b"related", b"report", b"signed", b"x"]))
    out = [b'Content-Type: multipart/' + subtype + b'; boundary="' + boundary + b'"' + CRLF + CRLF]
    if draw(st.booleans()):
        out.append(b"preamble --" + boundary + b"x" + CRLF)
    for child in children:
        out.append(b"--" + boundary + CRLF + child + CRLF)
    if draw(st.booleans()):                    # sometimes never closed
        out.append(b"--" + boundary + b"--" + CRLF + draw(st.binary(max_size=20)))
    return b"".join(out)


HEADER_NAMES = [b"From", b"To", b"Cc", b"Reply-To", b"Subject", b"Date", b"Message-ID", b"References",
                b"Auto-Submitted", b"List-Id", b"Return-Path", b"Authentication-Results", b"DKIM-Signature",
                b"MIME-Version", b"X-\xff", b"", b"Received", b"Content-Type"]


@st.composite
def broken_email(draw) -> bytes:
    lines = [b"From: " + draw(st.sampled_from([b"vanthu@stc.quangngai.gov.vn", b"\"\xe1\xba\xa1\" <a@b.vn>",
                                               b"a@b.vn, c@d.vn", b"", b"(((", b"<>", b"=?utf-8?B?////?= <x@y>"]))]
    for _ in range(draw(st.integers(0, 8))):
        name = draw(st.sampled_from(HEADER_NAMES))
        lines.append(name + b": " + draw(header_bytes).replace(b"\r", b"").replace(b"\n", CRLF + b" "))
    if draw(st.booleans()):
        lines.append(b"Subject: =?" + draw(st.sampled_from(CHARSETS)).encode("utf-8", "replace") + b"?B?"
                     + base64.b64encode(draw(st.binary(max_size=40))) + b"?=")
    body = draw(tree(3))
    return CRLF.join(lines) + CRLF + (b"MIME-Version: 1.0" + CRLF if draw(st.booleans()) else b"") + body


# -- properties ---------------------------------------------------------------

_BAD = {"Cc", "Cf", "Cs", "Co", "Cn"}


def check_parsed(raw: bytes):
    parsed = parse_message(raw, LIMITS)
    assert unicodedata.is_normalized("NFC", parsed.body_text)
    for part in parsed.parts:
        name = part.filename
        assert name and len(name) <= LIMITS.max_filename_chars, name
        assert "/" not in name and "\\" not in name and "\x00" not in name, name
        assert not any(unicodedata.category(ch) in _BAD for ch in name), name
        assert unicodedata.is_normalized("NFC", name), name
        assert name not in (".", "..")
    return parsed


def check_inspected(raw: bytes) -> None:
    parsed = check_parsed(raw)
    report = inspect_message(raw, RULES, trust=TRUST)
    assert report.sha256 == hashlib.sha256(raw).hexdigest() and report.size == len(raw)
    assert unicodedata.is_normalized("NFC", report.body_text)
    if report.readable:
        # Every attachment is a part of the message, except the body registered as the document.
        files = [a for a in report.attachments if "body-document" not in a.flags]
        assert len(files) <= len(parsed.parts) and len(report.attachments) - len(files) <= 1
        for body in (a for a in report.attachments if a not in files):     # its bytes: the letter, UTF-8
            assert not parsed.parts and report.sender is not None
            assert body.sha256 == hashlib.sha256(letter_text(parsed.body_text).encode("utf-8")).hexdigest()
        by_name = {}
        for part in parsed.parts:
            by_name.setdefault(part.filename, []).append(part.payload)
        for att in files:
            assert unicodedata.is_normalized("NFC", att.filename)
            assert any(hashlib.sha256(p).hexdigest() == att.sha256 and len(p) == att.size
                       for p in by_name.get(att.filename, [])), att.filename


def _count(name: str) -> None:
    EXAMPLES[name] = EXAMPLES.get(name, 0) + 1


@FUZZ
@given(st.binary(max_size=4096))
def test_arbitrary_bytes_never_raise(raw):
    _count("bytes")
    check_inspected(raw)


@FUZZ
@given(st.binary(max_size=400).map(lambda b: b"From: a@b.vn\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
                                   b"--b\r\nContent-Disposition: attachment; filename=x.pdf\r\n\r\n" + b))
def test_bytes_after_a_plausible_head_never_raise(raw):
    _count("bytes-after-head")
    check_inspected(raw)


@FUZZ
@given(broken_email())
def test_broken_emails_parse_safely(raw):
    _count("broken-email")
    check_inspected(raw)


@pytest.fixture(scope="module", autouse=True)
def _report_examples(request):
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    line = f"fuzz examples run: {sum(EXAMPLES.values())} ({EXAMPLES})"
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line("")
            reporter.write_line(line)
