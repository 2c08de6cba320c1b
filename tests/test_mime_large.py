"""Big messages: lifting base64 runs out before parsing (mime._lift).

Lifting must be invisible: every message parses to the same ParsedMessage
with lifting on or off, byte for byte. It must also be cheap: linear time on
hostile shapes, and about one decoded copy of memory on a 34 MB message.
"""

from __future__ import annotations

import base64
import hashlib
import os
import random
import subprocess
import sys
import time
from contextlib import contextmanager
from email._encoded_words import decode_b
from email.message import EmailMessage
from email.policy import SMTP
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailbot.config import Limits
from mailbot.inspect import mime
from mailbot.inspect.mime import parse_message
from tests.test_fuzz_mime import broken_email

LIMITS = Limits()
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def lifted_runs(raw: bytes) -> int:
    _, lifted = mime._lift(raw, mime._header_block_size(raw))
    return len(lifted.spans) if lifted else 0


def same_both_ways(raw: bytes, limits: Limits = LIMITS):
    on, off = parse_message(raw, limits, lift=True), parse_message(raw, limits, lift=False)
    assert on == off
    return on


@contextmanager
def lift_everything():
    """Thresholds down to nothing, so that small fuzzed messages are lifted too."""
    with mock.patch.object(mime, "LIFT_MIN_MESSAGE", 0), mock.patch.object(mime, "LIFT_MIN_RUN", 1):
        yield


# -- base64 decoding matches email's, byte for byte ---------------------------

def test_base64_decoding_matches_email_on_odd_input():
    rng = random.Random(1)
    alphabet = [b"Q", b"U", b"J", b"D", b"=", b"==", b"\n", b"\r\n", b" ", b"!", b"\xff", b"QUJD"]
    for _ in range(20_000):
        pieces = [b"".join(rng.choice(alphabet) for _ in range(rng.randint(0, 9))) for _ in range(rng.randint(1, 4))]
        pieces = [memoryview(p) if rng.random() < 0.4 else p for p in pieces]
        whole = b"".join(pieces)
        assert mime._decode_base64(pieces) == decode_b(b"".join(whole.splitlines()))[0], whole


# -- the same result with lifting on and off ---------------------------------

def attachment(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


def composite() -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "vanthu@stc.quangngai.gov.vn"
    msg["To"] = "ubnd@quangngai.gov.vn"
    msg["Subject"] = "Công văn kèm tệp lớn"
    msg["Message-ID"] = "<big@stc.quangngai.gov.vn>"
    msg.set_content("Kính gửi.")
    msg.add_alternative("<p>Kính gửi.</p>", subtype="html")
    msg.make_mixed()
    for size, seed, name in [(300_000, 1, "a.pdf"), (1_500_000, 2, "b.pdf"), (3_000_000, 3, "Quyết định.pdf")]:
        msg.add_attachment(attachment(size, seed), maintype="application", subtype="pdf", filename=name)
    inner = EmailMessage()
    inner["From"] = "x@y.gov.vn"
    inner["Subject"] = "inner"
    inner.set_content("inner body")
    inner.add_attachment(attachment(400_000, 4), maintype="application", subtype="pdf", filename="inner.pdf")
    msg.add_attachment(inner)
    # Long lines of base64 alphabet only, declared 7bit: kept as they are, not decoded.
    lines = base64.b64encode(attachment(300_000, 5)).decode()
    msg.add_attachment("\n".join(lines[i:i + 900] for i in range(0, len(lines), 900)) + "\n",
                       subtype="plain", cte="7bit", filename="lines.txt")
    # Quoted-printable of alphanumerics: soft-broken lines ending "=", all in the alphabet.
    text = "".join(random.Random(6).choices("abcXYZ019", k=400_000))
    msg.add_attachment(text, subtype="plain", cte="quoted-printable", filename="qp.txt")
    return msg


def test_big_composite_message_parses_the_same_with_lifting():
    msg = composite()
    for raw in (msg.as_bytes(), msg.as_bytes(policy=SMTP)):          # LF, then CRLF
        assert len(raw) > 7_000_000
        assert lifted_runs(raw) == 6      # every attachment body, the 7bit and the QP text too
        parsed = same_both_ways(raw)
        names = [p.filename for p in parsed.parts]
        assert names == ["a.pdf", "b.pdf", "Quyết định.pdf", "inner.pdf", "lines.txt", "qp.txt"]
        assert parsed.parts[2].payload == attachment(3_000_000, 3)
        assert parsed.parts[3].payload == attachment(400_000, 4)
        assert parsed.body_text.strip() == "Kính gửi."


def head(cte: bytes, ctype: bytes = b"application/pdf", extra: bytes = b"", nl: bytes = b"\r\n") -> bytes:
    return nl.join([b"From: a@b.gov.vn", b"Subject: odd", b"MIME-Version: 1.0",
                    b"Content-Type: multipart/mixed; boundary=B", b"", b"--B",
                    b"Content-Type: " + ctype + extra, b"Content-Disposition: attachment; filename=x.bin",
                    b"Content-Transfer-Encoding: " + cte, b"", b""])


def b64_lines(data: bytes, nl: bytes = b"\r\n") -> bytes:
    return base64.encodebytes(data).replace(b"\n", nl)


def test_odd_big_bodies_parse_the_same_with_lifting():
    data = attachment(1_200_000, 7)
    body = b64_lines(data)
    half = len(body) // 2 // 78 * 78
    cases = {
        # two runs split by a junk line, 8-bit bytes around them
        "split": head(b"base64", extra=b"; charset=utf-8") + body[:half] + b"!! \xe1\xba\xa1 ~~\r\n"
        + body[half:] + b"~ \xff\r\n--B--\r\n",
        # one encoded character too many: email gives the encoded text back
        "bad-length": head(b"base64") + body + b"Q\r\n--B--\r\n",
        # padding in the middle: lenient decoding stops there
        "mid-padding": head(b"base64") + b64_lines(b"ab") + body + b"--B--\r\n",
        # run directly after the part headers, no blank line
        "no-blank": head(b"base64")[:-2] + body + b"--B--\r\n",
        "7bit-last": head(b"7bit", b"text/plain") + body[:-2] + b"\r\n--B--\r\n",
        "no-cte-eof": head(b"binary", b"text/plain") + body,
        "uuencode": head(b"x-uuencode") + b"begin 644 x.bin\r\n" + body + b"end\r\n--B--\r\n",
        "lf": head(b"base64", nl=b"\n") + b64_lines(data, b"\n") + b"--B--\n",
        "one-line": head(b"base64") + base64.b64encode(data) + b"\r\n--B--\r\n",
        "unterminated": head(b"base64") + body,
        "single-part": (b"From: a@b.gov.vn\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
                        b"Content-Disposition: attachment; filename=y.pdf\r\n\r\n" + body),
        "rfc822-b64": head(b"base64", b"message/rfc822") + body + b"--B--\r\n",
        "delivery-status": head(b"7bit", b"message/delivery-status") + body + b"\r\n" + body + b"--B--\r\n",
    }
    for name, raw in cases.items():
        assert len(raw) >= mime.LIFT_MIN_MESSAGE, name
        assert lifted_runs(raw) >= 1, name
        same_both_ways(raw)
    assert same_both_ways(cases["split"]).parts[0].payload == data
    assert same_both_ways(cases["one-line"]).parts[0].payload == data


def test_a_token_lookalike_in_the_message_is_not_confused():
    body = b64_lines(attachment(900_000, 8))
    raw = head(b"base64") + body + b"--B\r\nContent-Type: text/plain\r\n\r\nMAILBOTLIFT0123456789abcdef0\r\n--B--\r\n"
    hexes = iter(["0123456789abcdef", "0123456789abcdef", "fedcba9876543210"])
    with mock.patch.object(mime.secrets, "token_hex", lambda n: next(hexes)):
        skeleton, lifted = mime._lift(raw, mime._header_block_size(raw))
    assert lifted.prefix == "MAILBOTLIFTfedcba9876543210"
    assert len(skeleton) < 1000
    same_both_ways(raw)


def test_a_failing_lift_falls_back_to_plain_parsing():
    raw = head(b"base64") + b64_lines(attachment(900_000, 9)) + b"--B--\r\n"
    with mock.patch.object(mime, "_lift", side_effect=MemoryError):
        parsed = parse_message(raw, LIMITS)
    assert parsed.readable and parsed.parts[0].payload == attachment(900_000, 9)


FUZZ = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
ALPHA = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
LINES = st.one_of(st.text(ALPHA, min_size=32, max_size=90), st.text(ALPHA, max_size=8),
                  st.sampled_from(["", "--b", "--b--", "Content-Type: text/plain", " folded", "From x", "!!"]),
                  st.binary(max_size=10).map(lambda b: b.decode("latin-1")))


@st.composite
def base64ish_email(draw) -> bytes:
    """Multiparts whose bodies are mostly alphabet-only lines, any encoding, any line ending."""
    nl = draw(st.sampled_from(["\r\n", "\n", "\r"]))
    out = ["From: a@b.vn", "Content-Type: multipart/mixed; boundary=b", ""]
    for _ in range(draw(st.integers(0, 3))):
        ctype = draw(st.sampled_from(["application/pdf", "text/plain", "message/rfc822", "text/html",
                                      "message/delivery-status", "multipart/mixed; boundary=c"]))
        cte = draw(st.sampled_from(["base64", "base64", "base64", "quoted-printable", "7bit", "x-uuencode", ""]))
        out += ["--b", f"Content-Type: {ctype}; charset=utf-8", f"Content-Transfer-Encoding: {cte}"]
        if draw(st.booleans()):
            out.append("")
        out += draw(st.lists(LINES, max_size=12))
    if draw(st.booleans()):
        out.append("--b--")
    return nl.join(out).encode("latin-1") + draw(st.sampled_from([b"", nl.encode()]))


@FUZZ
@given(broken_email())
def test_fuzzed_messages_parse_the_same_with_everything_lifted(raw):
    with lift_everything():
        same_both_ways(raw, Limits(max_parts=40, max_depth=4))


@FUZZ
@given(base64ish_email())
def test_fuzzed_base64ish_messages_parse_the_same_with_everything_lifted(raw):
    with lift_everything():
        same_both_ways(raw, Limits(max_parts=40, max_depth=4))


# -- cost ----------------------------------------------------------------------

def test_lift_scan_is_linear_on_hostile_shapes():
    size = 16 * 1024 * 1024
    near = (b"A" * 76 + b"\r\n") * (mime.LIFT_MIN_RUN // 78 - 1) + b"A!\r\n"    # runs just too short
    shapes = {
        "one-line": b"A" * size,
        "one-line-bad-end": b"A" * size + b" ",
        "short-lines": b"A\n" * (size // 2),
        "bad-short-lines": b"A \n" * (size // 3),
        "just-too-short": near * (size // len(near)),
        "many-small-runs": (b"A" * 32 + b"\n!\n") * (size // 35),
        "newlines": b"\n" * size,
        "cr-only": b"AAAA\r" * (size // 5),
        "cr-cr-lf": b"AAA\r\r\n" * (size // 6),
        "spaces": b" " * size,
    }
    for name, body in shapes.items():
        raw = b"From: a@b.gov.vn\r\n\r\n" + body
        started = time.perf_counter()
        _, lifted = mime._lift(raw, mime._header_block_size(raw))
        elapsed = time.perf_counter() - started
        assert elapsed < 2.0, (name, elapsed)
        assert lifted is None or name in ("one-line", "short-lines"), name


MEASURE = r"""
import hashlib, sys, time
from pathlib import Path
from mailbot.config import Limits
from mailbot.inspect.mime import parse_message

def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024

raw = Path(sys.argv[1]).read_bytes()
before = hwm()
started = time.perf_counter()
parsed = parse_message(raw, Limits(), lift=sys.argv[2] == "1")
elapsed = time.perf_counter() - started
print(hwm() - before, elapsed, len(parsed.parts), hashlib.sha256(parsed.parts[0].payload).hexdigest())
"""


def test_a_34_mb_message_costs_about_one_decoded_copy(tmp_path):
    data = os.urandom(25 * 1024 * 1024)
    raw = (b"From: a@b.gov.vn\r\nTo: ubnd@quangngai.gov.vn\r\nSubject: big\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
           b"--B\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=big.pdf\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\n" + b64_lines(data) + b"--B--\r\n")
    path = tmp_path / "big.eml"
    path.write_bytes(raw)
    digest = hashlib.sha256(data).hexdigest()
    del data
    done = subprocess.run([sys.executable, "-c", MEASURE, str(path), "1"], capture_output=True, text=True,
                          cwd=ROOT, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    grown, elapsed, count, sha = done.stdout.split()
    print(f"34 MB message, lifting on: VmHWM +{int(grown) / 2**20:.1f} MiB for {len(raw) / 2**20:.1f} MiB raw, "
          f"parsed in {float(elapsed):.2f} s")
    assert count == "1" and sha == digest
    assert int(grown) < 2.5 * len(raw)
