"""MIME parsing of hostile and odd messages: never raises, never hides a problem."""

import unicodedata
from email.message import EmailMessage

from mailbot.config import Limits
from mailbot.inspect.mime import parse_message, sanitize_filename

LIMITS = Limits()


def simple(filename: str = "a.pdf", **headers) -> bytes:
    msg = EmailMessage()
    msg["From"] = headers.pop("sender", "vanthu@stc.quangngai.gov.vn")
    msg["To"] = "ubnd@quangngai.gov.vn"
    msg["Subject"] = headers.pop("subject", "Công văn")
    msg["Message-ID"] = "<m1@stc.quangngai.gov.vn>"
    msg.set_content("Kính gửi.")
    msg.add_attachment(b"%PDF-1.4\n", maintype="application", subtype="pdf", filename=filename)
    return msg.as_bytes()


def test_plain_message_gives_sender_subject_and_attachment():
    parsed = parse_message(simple(), LIMITS)
    assert parsed.readable
    assert parsed.from_addresses == ("vanthu@stc.quangngai.gov.vn",)
    assert parsed.subject == "Công văn"
    assert parsed.message_id == "<m1@stc.quangngai.gov.vn>"
    assert [p.filename for p in parsed.parts] == ["a.pdf"]
    assert parsed.body_text.strip() == "Kính gửi."


def test_path_parts_and_control_characters_are_removed():
    assert sanitize_filename("../../etc/passwd", 150, "x") == "passwd"
    assert sanitize_filename("..\\..\\boot.ini", 150, "x") == "boot.ini"
    assert sanitize_filename("bao\x00cao\x07.pdf", 150, "x") == "baocao.pdf"
    # U+202E would show "fdp.exe" as "exe.pdf" in a mail client.
    assert sanitize_filename("hoso\u202efdp.exe", 150, "x") == "hosofdp.exe"
    assert sanitize_filename("...", 150, "fallback.pdf") == "fallback.pdf"


def test_absurd_length_keeps_the_extension():
    name = sanitize_filename("a" * 5000 + ".docx", 150, "x")
    assert len(name) == 150 and name.endswith(".docx")


def test_nfd_filename_is_normalised():
    nfd = unicodedata.normalize("NFD", "Quyết định.pdf")
    parsed = parse_message(simple(filename=nfd), LIMITS)
    assert parsed.parts[0].filename == "Quyết định.pdf"
    assert unicodedata.is_normalized("NFC", parsed.parts[0].filename)


def test_rfc2231_and_rfc2047_filenames_are_decoded():
    raw = (b"From: a@b.gov.vn\r\nTo: ubnd@quangngai.gov.vn\r\nSubject: =?utf-8?b?VMOgaSBsaeG7h3U=?=\r\n"
           b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n"
           b"--XX\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
           b"--XX\r\nContent-Type: application/pdf\r\n"
           b"Content-Disposition: attachment; filename*=utf-8''Quy%E1%BA%BFt%20%C4%91%E1%BB%8Bnh.pdf\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n"
           b"--XX\r\nContent-Type: application/pdf; name=\"=?utf-8?q?C=C3=B4ng_v=C4=83n.pdf?=\"\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--XX--\r\n")
    parsed = parse_message(raw, LIMITS)
    assert parsed.subject == "Tài liệu"
    assert [p.filename for p in parsed.parts] == ["Quyết định.pdf", "Công văn.pdf"]
    assert parsed.parts[0].payload == b"%PDF-1.4\n"


def test_forwarded_message_attachments_are_found_within_the_depth_cap():
    inner = EmailMessage()
    inner["From"] = "x@y.gov.vn"
    inner["Subject"] = "inner"
    inner.set_content("inner body")
    inner.add_attachment(b"%PDF-1.4\n", maintype="application", subtype="pdf", filename="inner.pdf")
    outer = EmailMessage()
    outer["From"] = "clerk@stc.quangngai.gov.vn"
    outer["Subject"] = "Fwd: inner"
    outer.set_content("see attached")
    outer.add_attachment(inner)
    parsed = parse_message(outer.as_bytes(), LIMITS)
    assert [p.filename for p in parsed.parts] == ["inner.pdf"]

    deep = parse_message(outer.as_bytes(), Limits(max_depth=1))
    assert "too_deep" in [p.code for p in deep.problems]


def test_part_count_is_capped():
    msg = EmailMessage()
    msg["From"] = "a@b.gov.vn"
    msg.set_content("x")
    for i in range(30):
        msg.add_attachment(b"x", maintype="text", subtype="plain", filename=f"{i}.txt")
    parsed = parse_message(msg.as_bytes(), Limits(max_parts=10))
    assert "too_many_parts" in [p.code for p in parsed.problems]
    assert len(parsed.parts) < 10


def test_truncated_mime_is_read_as_far_as_possible():
    raw = simple()
    parsed = parse_message(raw[: len(raw) // 2 + 40], LIMITS)
    assert parsed.readable
    assert parsed.from_addresses == ("vanthu@stc.quangngai.gov.vn",)


def test_garbage_8bit_headers_do_not_raise():
    raw = (b"From: \xff\xfe\xfd <a@b.gov.vn>\r\nSubject: \x80\x81 b\xe1o c\xe1o\r\n"
           b"To: =?x-unknown?q?=ff?= <ubnd@quangngai.gov.vn>\r\nContent-Type: text/plain; charset=\"\xff\"\r\n"
           b"\r\nbody \xff\r\n")
    parsed = parse_message(raw, LIMITS)
    assert parsed.readable
    assert parsed.from_addresses == ("a@b.gov.vn",)


def test_multiple_from_addresses_are_all_reported():
    raw = b"From: a@b.gov.vn, c@d.gov.vn\r\nSubject: x\r\n\r\nbody\r\n"
    assert parse_message(raw, LIMITS).from_addresses == ("a@b.gov.vn", "c@d.gov.vn")


def test_huge_header_block_is_not_parsed():
    raw = b"From: a@b.gov.vn\r\nX-Junk: " + b"a" * (300 * 1024) + b"\r\n\r\nbody"
    parsed = parse_message(raw, LIMITS)
    assert not parsed.readable
    assert [p.code for p in parsed.problems] == ["headers_too_large"]


def test_oversize_message_is_not_parsed():
    parsed = parse_message(b"From: a@b.gov.vn\r\n\r\n" + b"x" * 2000, Limits(max_message_bytes=1000))
    assert not parsed.readable and parsed.problems[0].code == "message_too_large"


def cp1258(text: str) -> bytes:
    """Encode as Windows-1258 does: precomposed ê/ơ/ư/ă…, tone marks as combining characters."""
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            base, *marks = unicodedata.normalize("NFD", ch)
            for shape in [m for m in marks if m in "\u0302\u0306\u031b"]:   # circumflex, breve, horn
                base = unicodedata.normalize("NFC", base + shape)           # stay on the letter
                marks.remove(shape)
            out += (base + "".join(marks)).encode("cp1258")
    return out


def test_windows_1258_body_is_composed_to_nfc():
    body = cp1258("Quyết định về việc")
    assert b"\xec" in body or b"\xf2" in body   # really uses combining tone marks
    raw = (b"From: a@b.gov.vn\r\nContent-Type: text/plain; charset=windows-1258\r\n"
           b"Content-Transfer-Encoding: 8bit\r\n\r\n" + body)
    parsed = parse_message(raw, LIMITS)
    assert parsed.body_text == "Quyết định về việc"


def test_html_only_body_becomes_text():
    raw = (b"From: a@b.gov.vn\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
           b"<html><style>p{}</style><p>K\xc3\xadnh g\xe1\xbb\xadi</p></html>")
    assert parse_message(raw, LIMITS).body_text == "Kính gửi"


def test_empty_input():
    parsed = parse_message(b"", LIMITS)
    assert not parsed.readable and parsed.problems[0].code == "empty_message"
