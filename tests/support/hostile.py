"""Hostile input, made by the tests: each builder returns the raw bytes of one message.

Nothing here is downloaded. Every case is a message an attacker (or a broken
mail client) could send to an agency mailbox: bombs, loops, deep nesting,
lying headers, path tricks in filenames, broken encodings. `CASES` lists them
with the outcomes that are acceptable for each (see tests/test_hostile_corpus.py).
"""

from __future__ import annotations

import base64
import io
import itertools
import os
import random
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from mailbot.util import samples

SENDER = "vanthu@stc.quangngai.gov.vn"
OFFICE = "ubnd@quangngai.gov.vn"
MTA = "mx.quangngai.gov.vn"
CRLF = b"\r\n"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

HELD = frozenset({"review", "refuse", "quarantine"})   # not registered as a document
ANY = frozenset({"accept", "review", "refuse", "quarantine"})
_ids = itertools.count(1)


# -- envelopes ------------------------------------------------------------

def headers(subject: bytes = b"Hostile", extra: bytes = b"", sender: str = SENDER) -> bytes:
    domain = sender.rpartition("@")[2]
    return (b"Authentication-Results: " + samples.authentication_results(MTA, sender).encode() + CRLF
            + b"From: " + sender.encode() + CRLF + b"To: " + OFFICE.encode() + CRLF
            + b"Subject: " + subject + CRLF
            + b"Date: Tue, 10 Nov 2026 08:00:00 +0700" + CRLF
            + b"Message-ID: <hostile-%d-%d@" % (os.getpid(), next(_ids)) + domain.encode()
            + b">" + CRLF + b"MIME-Version: 1.0" + CRLF + extra)


def b64(data: bytes) -> bytes:
    return base64.encodebytes(data).replace(b"\n", CRLF)


def part(ctype: str, data: bytes, filename: bytes | None = None, disposition: bytes | None = None,
         encoding: str = "base64", extra: bytes = b"") -> bytes:
    head = b"Content-Type: " + ctype.encode()
    if filename is not None:
        head += b'; name="' + filename + b'"'
    head += CRLF
    if disposition is not None:
        head += b"Content-Disposition: " + disposition + CRLF
    elif filename is not None:
        head += b'Content-Disposition: attachment; filename="' + filename + b'"' + CRLF
    body = data
    if encoding == "base64":
        head += b"Content-Transfer-Encoding: base64" + CRLF
        body = b64(data)
    elif encoding:
        head += b"Content-Transfer-Encoding: " + encoding.encode() + CRLF
    return head + extra + CRLF + body


def multipart(parts: list[bytes], boundary: bytes = b"==hostile==", subtype: bytes = b"mixed") -> bytes:
    out = [b"Content-Type: multipart/" + subtype + b'; boundary="' + boundary + b'"' + CRLF + CRLF]
    for p in parts:
        out.append(b"--" + boundary + CRLF + p + CRLF)
    out.append(b"--" + boundary + b"--" + CRLF)
    return b"".join(out)


def message(body_entity: bytes, subject: bytes = b"Hostile", extra: bytes = b"") -> bytes:
    """Top-level headers + one entity (its own Content-* headers, blank line, body)."""
    return headers(subject, extra) + body_entity


def with_attachment(filename: bytes, data: bytes, ctype: str, subject: bytes = b"Hostile",
                    text: bytes = b"K\xc3\xadnh g\xe1\xbb\xadi V\xc4\x83n ph\xc3\xb2ng.") -> bytes:
    return message(multipart([part("text/plain; charset=utf-8", text, encoding="8bit"),
                              part(ctype, data, filename)]), subject)


# -- archives -------------------------------------------------------------

def raw_zip(members: list[tuple[str, bytes, int, int | None]]) -> bytes:
    """A ZIP written by hand: (name, deflated data, crc, declared size or None for the true one).

    Lets a member *declare* a small size while its data inflates to much more."""
    out = io.BytesIO()
    central = []
    for name, comp, crc, size in members:
        offset = out.tell()
        nb = name.encode()
        declared = size if size is not None else 0
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(comp), declared, len(nb), 0))
        out.write(nb + comp)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(comp),
                                   declared, len(nb), 0, 0, 0, 0, 0, offset) + nb)
    start = out.tell()
    cd = b"".join(central)
    out.write(cd)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(cd), start, 0))
    return out.getvalue()


@cache
def _deflated_zeros(megabytes: int, fill: bytes = b" ") -> tuple[bytes, int]:
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = fill * (1024 * 1024)
    out, crc = [], 0
    for _ in range(megabytes):
        out.append(comp.compress(chunk))
        crc = zlib.crc32(chunk, crc)
    out.append(comp.flush())
    return b"".join(out), crc


_CT_DOCX = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            b'content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName='
            b'"/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.'
            b'document.main+xml"/></Types>')


def zip_bomb_docx(megabytes: int = 256) -> bytes:
    """A docx whose document.xml honestly declares `megabytes` MB (ratio ~1000:1)."""
    comp, crc = _deflated_zeros(megabytes)
    # zipfile cannot take pre-compressed data: the members are written by hand.
    ct = zlib.compressobj(9, zlib.DEFLATED, -15)
    ct_comp = ct.compress(_CT_DOCX) + ct.flush()
    return raw_zip([("[Content_Types].xml", ct_comp, zlib.crc32(_CT_DOCX), len(_CT_DOCX)),
                    ("word/document.xml", comp, crc, megabytes * 1024 * 1024)])


def lying_zip_docx(megabytes: int = 128) -> bytes:
    """document.xml declares 2 KB but inflates to `megabytes` MB: declared sizes must not be trusted."""
    comp, crc = _deflated_zeros(megabytes)
    ct = zlib.compressobj(9, zlib.DEFLATED, -15)
    ct_comp = ct.compress(_CT_DOCX) + ct.flush()
    return raw_zip([("[Content_Types].xml", ct_comp, zlib.crc32(_CT_DOCX), len(_CT_DOCX)),
                    ("word/document.xml", comp, crc, 2048)])


def nested_zip(levels: int = 6, width: int = 8) -> bytes:
    """42.zip in miniature: zips of zips, each level `width` copies of the one below."""
    comp, crc = _deflated_zeros(64)
    inner = raw_zip([("0.bin", comp, crc, 64 * 1024 * 1024)])
    for level in range(levels):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for i in range(width):
                zf.writestr(f"{level}-{i}.zip", inner)
        inner = buf.getvalue()
    return inner


def docx_with(document_xml: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _CT_DOCX)
        zf.writestr("_rels/.rels", b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                    b'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                    b'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
        zf.writestr("word/document.xml", document_xml)
    return buf.getvalue()


def entity_bomb_xml(root: bytes) -> bytes:
    """Billion laughs: 10 levels of 10 references, a 3 GB expansion of a 1 KB file."""
    ents = [b'<!ENTITY lol0 "lollollollollollollollollollol">']
    for i in range(1, 10):
        ents.append(b"<!ENTITY lol%d \"%s\">" % (i, b"".join(b"&lol%d;" % (i - 1) for _ in range(10))))
    return (b'<?xml version="1.0"?><!DOCTYPE lolz [' + b"".join(ents) + b"]>" + root.replace(b"BOMB", b"&lol9;"))


def docx_entity_bomb() -> bytes:
    return docx_with(entity_bomb_xml(
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r>'
        b"<w:t>BOMB</w:t></w:r></w:p></w:body></w:document>"))


def docx_external_entity() -> bytes:
    return docx_with(
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r>'
        b"<w:t>&x;</w:t></w:r></w:p></w:body></w:document>")


def docx_deep_xml(depth: int = 200_000) -> bytes:
    return docx_with(b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
                     + b"<w:p>" * depth + b"x" + b"</w:p>" * depth + b"</w:body></w:document>")


def odt_entity_bomb() -> bytes:
    content = entity_bomb_xml(
        b'<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        b'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>'
        b"<text:p>BOMB</text:p></office:text></office:body></office:document-content>")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), ODT)
        zf.writestr("META-INF/manifest.xml",
                    '<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:'
                    'xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="'
                    + ODT + '"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type='
                    '"text/xml"/></manifest:manifest>')
        zf.writestr("content.xml", content)
    return buf.getvalue()


def xlsx_huge_dimension() -> bytes:
    """One cell at the last column and row, and a dimension that claims the whole sheet."""
    sheet = ('<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             '<dimension ref="A1:XFD1048576"/><sheetData><row r="1048576"><c r="XFD1048576" t="inlineStr">'
             '<is><t>x</t></is></c></row></sheetData></worksheet>')
    data = samples.xlsx([["a"]])
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            body = src.read(info)
            if info.filename.startswith("xl/worksheets/sheet"):
                body = sheet.encode()
            zf.writestr(info.filename, body)
    return buf.getvalue()


# -- RTF, OLE, TNEF -----------------------------------------------------

def rtf_deep_groups(depth: int = 300_000) -> bytes:
    return b"{\\rtf1\\ansi " + b"{" * depth + b"x" + b"}" * depth + b"}"


def rtf_binary_bomb() -> bytes:
    """\\bin with a huge declared length, and a hex run 4 MB long."""
    return b"{\\rtf1\\ansi \\bin999999999999 abc " + b"\\'41" * (1024 * 1024) + b"}"


def ole_garbage() -> bytes:
    """A compound file (.doc) header followed by sectors whose FAT chains loop and lie."""
    good = samples.compound_file({"WordDocument": b"\0" * 4096, "1Table": b"\0" * 4096})
    data = bytearray(good)
    rng = random.Random(7)
    for offset in range(512, len(data), 64):     # scribble over FAT, directory and streams, keep the header
        data[offset:offset + 4] = struct.pack("<I", rng.choice([0, 1, 2, 0xFFFFFFFE, 0xFFFFFFFD, 0x7FFFFFFF]))
    return bytes(data)


def tnef_winmail() -> bytes:
    """application/ms-tnef (Outlook's winmail.dat) wrapping a PDF."""
    def attr(level: int, ident: int, data: bytes) -> bytes:
        return struct.pack("<BII", level, ident, len(data)) + data + struct.pack("<H", sum(data) & 0xFFFF)

    pdf = samples.pdf(["GIẤY MỜI"])
    return (struct.pack("<IH", 0x223E9F78, 0x0001)
            + attr(1, 0x00089006, struct.pack("<I", 0x00010000))        # attTnefVersion
            + attr(2, 0x00069002, b"\0" * 14)                          # attAttachRendData
            + attr(2, 0x00018010, b"giaymoi.pdf\0")                     # attAttachTitle
            + attr(2, 0x0006800F, pdf)                                 # attAttachData
            + attr(2, 0x0006800F, b"\xff" * 64 + struct.pack("<I", 0xFFFFFFFF)))  # and a truncated one


# -- PDF ------------------------------------------------------------------

def pdf_file(objects: dict[int, bytes], root: int = 1, prev_loop: bool = False, size: int | None = None) -> bytes:
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for num in sorted(objects):
        offsets[num] = out.tell()
        out.write(b"%d 0 obj\n" % num + objects[num] + b"\nendobj\n")
    xref = out.tell()
    top = max(objects) + 1
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % top)
    for num in range(1, top):
        out.write(b"%010d 00000 n \n" % offsets[num] if num in offsets else b"0000000000 65535 f \n")
    trailer = b"<< /Size %d /Root %d 0 R" % (size or top, root)
    if prev_loop:
        trailer += b" /Prev %d" % xref          # the previous xref section is this one: a loop
    out.write(b"trailer\n" + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def _content(text: bytes = b"(Hello) Tj") -> bytes:
    stream = b"BT /F1 12 Tf 72 720 Td " + text + b" ET"
    return b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream"


_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def pdf_page_loop() -> bytes:
    """The page tree points back at itself: /Kids of the Pages node contains the Pages node."""
    return pdf_file({
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R 2 0 R 4 0 R] /Count 3 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 5 0 R "
           b"/Resources << /Font << /F1 6 0 R >> >> >>",
        4: b"<< /Type /Pages /Parent 2 0 R /Kids [4 0 R 2 0 R] /Count 99999999 >>",
        5: _content(),
        6: _FONT,
    }, prev_loop=True)


def pdf_huge_graph(nodes: int = 60_000) -> bytes:
    """60 000 objects: a page tree 60 000 levels deep, each node also linked to the next by /Next."""
    first, page, content = 5, 3, 4
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R >>", 2: b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % first,
               content: _content(), 6 + nodes: _FONT}
    for i in range(nodes):
        num = first + i
        parent = 2 if i == 0 else num - 1
        kid = num + 1 if i < nodes - 1 else page
        objects[num] = b"<< /Type /Pages /Parent %d 0 R /Kids [%d 0 R] /Count 1 /Next %d 0 R >>" % (
            parent, kid, num + 1 if i < nodes - 1 else first)
    objects[page] = (b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                     b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (first + nodes - 1, content, 6 + nodes))
    return pdf_file(objects)


def pdf_flate_bomb(megabytes: int = 150) -> bytes:
    """The page content stream inflates from ~150 KB to `megabytes` MB of spaces."""
    comp = zlib.compressobj(9)
    chunk = b" " * (1024 * 1024)
    body = b"".join(comp.compress(b"BT /F1 12 Tf 72 720 Td (Bomb) Tj ET " if i == 0 else chunk)
                    for i in range(megabytes)) + comp.flush()
    return pdf_file({
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
           b"/Resources << /Font << /F1 5 0 R >> >> >>",
        4: b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(body) + body + b"\nendstream",
        5: _FONT,
    })


def pdf_many_pages(pages: int = 5000) -> bytes:
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R >>", 3: _FONT, 4: _content(b"(Trang) Tj")}
    kids = []
    for i in range(pages):
        num = 5 + i
        kids.append(b"%d 0 R" % num)
        objects[num] = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
                        b"/Resources << /Font << /F1 3 0 R >> >> >>")
    objects[2] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % pages
    return pdf_file(objects)


def pdf_broken_signature() -> bytes:
    """A signature field whose /Contents is garbage hex and whose /ByteRange points outside the file."""
    return pdf_file({
        1: b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [6 0 R] /SigFlags 3 >> >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Annots [6 0 R] "
           b"/Resources << /Font << /F1 5 0 R >> >> >>",
        4: _content(),
        5: _FONT,
        6: b"<< /Type /Annot /Subtype /Widget /FT /Sig /T (Sig1) /Rect [0 0 0 0] /P 3 0 R /V 7 0 R >>",
        7: b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached "
           b"/ByteRange [0 999999999 -5 99999999999] /Contents <" + b"30820fff" + b"ab" * 4000 + b"> >>",
    })


# -- MIME structure -------------------------------------------------------

def nested_multiparts(depth: int = 2000) -> bytes:
    inner = part("application/pdf", samples.pdf(["Sâu"]), b"sau.pdf")
    for level in range(depth):
        boundary = b"b%d" % level
        inner = (b'Content-Type: multipart/mixed; boundary="' + boundary + b'"' + CRLF + CRLF
                 + b"--" + boundary + CRLF + inner + CRLF + b"--" + boundary + b"--" + CRLF)
    return message(inner)


def nested_rfc822(depth: int = 300) -> bytes:
    inner = with_attachment(b"goc.pdf", samples.pdf(["Gốc"]), "application/pdf")
    for level in range(depth):
        inner = headers(b"Fwd %d" % level) + b"Content-Type: message/rfc822" + CRLF + CRLF + inner
    return inner


def many_parts(count: int = 10_000) -> bytes:
    parts = [part("text/plain", b"x", b"p%d.txt" % i, encoding="7bit") for i in range(count)]
    return message(multipart(parts))


def broken_boundaries() -> bytes:
    """Boundaries that are prefixes of each other, one never closed, one empty, one 300 chars long."""
    long_b = b"L" * 300
    pdf = part("application/pdf", samples.pdf(["Ranh giới"]), b"a.pdf")
    inner = (b'Content-Type: multipart/mixed; boundary="ab"' + CRLF + CRLF + b"--ab" + CRLF + pdf + CRLF
             + b"--abc" + CRLF + b"Content-Type: text/plain" + CRLF + CRLF + b"--a" + CRLF)  # never closed
    empty = b'Content-Type: multipart/alternative; boundary=""' + CRLF + CRLF + b"--" + CRLF + b"x" + CRLF
    longer = (b'Content-Type: multipart/mixed; boundary="' + long_b + b'"' + CRLF + CRLF
              + b"--" + long_b + CRLF + pdf + CRLF)
    return message(b'Content-Type: multipart/mixed; boundary="a"' + CRLF + CRLF
                   + b"--a" + CRLF + inner + CRLF + b"--a" + CRLF + empty + CRLF + b"--a" + CRLF + longer
                   + CRLF + b"--a--" + CRLF)


def bad_transfer_encodings() -> bytes:
    pdf = samples.pdf(["Mã hóa"])
    parts = [
        part("application/pdf", b64(pdf)[:-7] + b"!!!@@@###\x00\xff", b"cut.pdf", encoding=""  # broken base64
             , extra=b"Content-Transfer-Encoding: base64" + CRLF),
        part("application/pdf", pdf.replace(b"\n", b"=\r\n"), b"qp.pdf", encoding="quoted-printable"),
        part("application/pdf", pdf, b"x-uu.pdf", encoding="x-uuencode"),
        part("application/pdf", pdf, b"unknown.pdf", encoding="x-made-up-\xff"),
        part("text/plain; charset=utf-8", b"=" * 100_000 + b"=\r\n" * 100_000, None, encoding="quoted-printable"),
    ]
    return message(multipart(parts))


def html_bomb() -> bytes:
    markup = b"<html><body>" + b"<div><b><i>" * 200_000 + b"x" + b"<script>" * 10_000 + b"&#99999999;&bogus;" * 10_000
    return message(part("text/html; charset=utf-8", markup, encoding="8bit"))


# -- headers --------------------------------------------------------------

def filename_tricks() -> bytes:
    docx = samples.docx(["GIẤY MỜI"])
    names = [
        b"../../../../etc/cron.d/evil.docx",
        b"..\\..\\Windows\\System32\\evil.docx",
        b"nul\x00byte.docx",
        "hợp đồng\u202excod.exe".encode(),          # RTL override: shows as "hợp đồngexe.docx"
        "ke\u0301 hoa\u0323ch.docx".encode(),          # NFD
        b"..",
        b"CON",
        b"a" * 5000 + b".docx",
        b"\x1b[31mred\x1b[0m.docx",
        b"=?utf-8?B?Li4vLi4vZXRjL3Bhc3N3ZC5kb2N4?=",   # "../../etc/passwd.docx" in an encoded word
    ]
    parts = [part(DOCX, docx, n) for n in names]
    parts.append(part(DOCX, docx, None, disposition=b"attachment; filename*=utf-8''..%2F..%2F%00%E2%80%AEcod.exe"))
    return message(multipart(parts))


def rfc2047_edges() -> bytes:
    subjects = [
        b"=?x-unknown?B?SGVsbG8=?=",
        b"=?utf-8?B?not base64!!?=",
        b"=?utf-8?Q?=FF=FE=00?=",
        b"=?windows-1258?Q?Gi=E1y_m=D2i?=",
        b"=?utf-8?B?" + base64.b64encode("Giấy mời".encode()) + b"?=" * 500,
        b"=?" * 5000,
    ]
    extra = b"".join(b"X-Enc-%d: " % i + s + CRLF for i, s in enumerate(subjects))
    att = part("application/pdf", samples.pdf(["RFC 2047"]), None,
               disposition=b'attachment; filename="=?utf-8?Q?gi=E1=BA=A5y=5Fm=E1=BB=9Di?=.pdf"',
               extra=b'Content-Type: application/pdf; name="=?bogus?Q?x?="' + CRLF)
    return message(multipart([att]), subject=subjects[4], extra=extra)


def rfc2231_edges() -> bytes:
    pdf = samples.pdf(["RFC 2231"])
    continuation = b"".join(b"; filename*%d*=%%41%%42" % i for i in range(5000))
    parts = [
        part("application/pdf", pdf, None, disposition=b"attachment; filename*0*=utf-8''gi%E1%BA%A5y; "
             b"filename*2*=.pdf; filename*7=gap"),                         # missing pieces
        part("application/pdf", pdf, None, disposition=b"attachment" + continuation),
        part("application/pdf", pdf, None, disposition=b"attachment; filename*=x-bogus'vi'%ZZ%G1%"),
        part("application/pdf", pdf, None, disposition=b"attachment; filename*=''%FF%FE%00.pdf"),
        part("application/pdf", pdf, None, disposition=b"attachment; filename*0*=; filename*1*=;;;;=;"),
    ]
    return message(multipart(parts))


def invalid_header_bytes() -> bytes:
    docx = samples.docx(["GIẤY MỜI"])
    extra = (b"X-Bin: \xff\xfe\x00\x01\x80" + CRLF + b"\xc3\x28Bad-Name: x" + CRLF + b"No colon here" + CRLF
             + b"X-Bare-CR: a\rb\rc" + CRLF + b"Content-Type: text/plain; charset=\"\xff\"" + CRLF
             + b"Cc: \"\xe1\xba\xa1\" <a@\xff.vn>, (((((" + CRLF + b"Date: 99 Foo 99999 99:99:99 +9999" + CRLF)
    return (headers(b"\xe1\xba\xa1\xff\xfe Gi\xe1\xba\xa5y m\xe1\xbb\x9di", extra)
            + multipart([part(DOCX, docx, b"v\xe1\xba\xa3n b\xff\xfen.docx")]))


def nested_comments_from(depth: int = 50_000) -> bytes:
    """Comments nested 50 000 deep in an address header (the email parser recurses on them)."""
    extra = b"Reply-To: " + b"(" * depth + b"x" + b")" * depth + b" <r@stc.quangngai.gov.vn>" + CRLF
    return (headers(b"Comments", extra).replace(b"From: " + SENDER.encode(),
                                                b"From: " + b"(" * depth + b" " + SENDER.encode())
            + multipart([part("application/pdf", samples.pdf(["x"]), b"a.pdf")]))


def many_addresses(count: int = 15_000) -> bytes:
    to = b", ".join(b"u%d@x%d.gov.vn" % (i, i) for i in range(count))
    return message(multipart([part("application/pdf", samples.pdf(["x"]), b"a.pdf")]),
                   extra=b"Cc: " + to + CRLF)


def long_header_line(kb: int = 240) -> bytes:
    """One unfolded 240 KB header line (under the 256 KB header limit)."""
    return message(multipart([part("application/pdf", samples.pdf(["x"]), b"a.pdf")]),
                   extra=b"X-Long: " + b"=?utf-8?Q?a?= " * (kb * 1024 // 14) + CRLF)


def many_headers(count: int = 20_000) -> bytes:
    extra = b"".join(b"Received: from h%d by h%d; Tue, 10 Nov 2026 08:00:00 +0700" % (i, i) + CRLF
                     for i in range(count))
    return message(multipart([part("application/pdf", samples.pdf(["x"]), b"a.pdf")]), extra=extra[:250_000])


def huge_message(megabytes: int = 60) -> bytes:
    """60 MB on the wire (over the 40 MB message limit): kept whole, never parsed."""
    data = random.Random(60).randbytes(megabytes * 1024 * 1024 * 3 // 4)
    return message(multipart([part("application/pdf", data, b"big.pdf")]))


def binary_garbage(megabytes: int = 2) -> bytes:
    return random.Random(2).randbytes(megabytes * 1024 * 1024)


def only_headers_no_body() -> bytes:
    return headers(b"Empty", b"Content-Type: multipart/mixed; boundary=x" + CRLF).rstrip(CRLF)


def nul_everywhere() -> bytes:
    return with_attachment(b"a\x00.pdf", samples.pdf(["x"]), "application/pdf").replace(b"Subject: Hostile",
                                                                                         b"Subject: \x00\x00\x00")


# -- the corpus -------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[], bytes]
    outcomes: frozenset[str] = HELD
    codes: frozenset[str] = frozenset()      # one of these must be among the stored reason codes, if given
    finding: str = ""                        # a known gap in a parser or in decide(): xfail, not fail


def _att(name: bytes, data: Callable[[], bytes], ctype: str) -> Callable[[], bytes]:
    return lambda: with_attachment(name, data(), ctype)


UNREADABLE_ACCEPTED = ("decide: an allowed-format document that could not be read (flags extract-failed / "
                       "pdf-unreadable) is accepted and registered with empty fields instead of going to review")

CASES: list[Case] = [
    Case("zip_bomb_docx", _att(b"bom.docx", zip_bomb_docx, DOCX)),
    Case("lying_zip_docx", _att(b"noi-doi.docx", lying_zip_docx, DOCX),
         finding="formats.classify: docx whose document.xml fails its CRC (declares 2 KB, inflates to 128 MB) "
                 "is taken as docx; " + UNREADABLE_ACCEPTED),
    Case("nested_zip", _att(b"42.zip", nested_zip, "application/zip")),
    Case("docx_entity_bomb", _att(b"entity.docx", docx_entity_bomb, DOCX), finding=UNREADABLE_ACCEPTED),
    Case("docx_external_entity", _att(b"xxe.docx", docx_external_entity, DOCX), finding=UNREADABLE_ACCEPTED),
    Case("docx_deep_xml", _att(b"deep.docx", docx_deep_xml, DOCX)),
    Case("odt_entity_bomb", _att(b"entity.odt", odt_entity_bomb, ODT), finding=UNREADABLE_ACCEPTED),
    Case("xlsx_huge_dimension", _att(b"dim.xlsx", xlsx_huge_dimension, XLSX), ANY),
    Case("rtf_deep_groups", _att(b"deep.rtf", rtf_deep_groups, "application/rtf"), finding=UNREADABLE_ACCEPTED),
    Case("rtf_binary_bomb", _att(b"bin.rtf", rtf_binary_bomb, "application/rtf"), ANY),   # empty text: OCR/clerk
    Case("ole_garbage", _att(b"hong.doc", ole_garbage, "application/msword")),
    Case("tnef_winmail", _att(b"winmail.dat", tnef_winmail, "application/ms-tnef"),
         finding="formats.classify: an application/ms-tnef winmail.dat with '%PDF-' inside its first KB "
                 "is classified as an allowed pdf"),
    Case("pdf_page_loop", _att(b"loop.pdf", pdf_page_loop, "application/pdf"), finding=UNREADABLE_ACCEPTED),
    Case("pdf_huge_graph", _att(b"graph.pdf", pdf_huge_graph, "application/pdf"), finding=UNREADABLE_ACCEPTED),
    Case("pdf_flate_bomb", _att(b"flate.pdf", pdf_flate_bomb, "application/pdf"), ANY),    # empty text: OCR/clerk
    Case("pdf_many_pages", _att(b"5000.pdf", pdf_many_pages, "application/pdf"), ANY),     # legit, just long
    Case("pdf_broken_signature", _att(b"sig.pdf", pdf_broken_signature, "application/pdf"), ANY),  # signed-invalid
    Case("nested_multiparts", nested_multiparts, HELD, frozenset({"too_deep", "inspection_incomplete", "unreadable"})),
    Case("nested_rfc822", nested_rfc822, HELD, frozenset({"too_deep", "inspection_incomplete"})),
    Case("many_parts", many_parts, HELD, frozenset({"too_many_parts", "inspection_incomplete"})),
    # Below: the hostile part is in the MIME structure or headers; the attached documents are
    # genuine, so accepting them (with sanitised names) is right.
    Case("broken_boundaries", broken_boundaries, ANY),
    Case("bad_transfer_encodings", bad_transfer_encodings, ANY),
    Case("html_bomb", html_bomb),
    Case("filename_tricks", filename_tricks, ANY),
    Case("rfc2047_edges", rfc2047_edges, ANY),
    Case("rfc2231_edges", rfc2231_edges, ANY),
    Case("invalid_header_bytes", invalid_header_bytes, ANY),
    Case("nested_comments_from", nested_comments_from, ANY),
    Case("many_addresses", many_addresses, ANY),
    Case("long_header_line", long_header_line, ANY),
    Case("many_headers", many_headers, ANY),
    Case("huge_message_60mb", huge_message, HELD, frozenset({"message_too_large"})),
    Case("binary_garbage", binary_garbage),
    Case("only_headers_no_body", only_headers_no_body),
    Case("nul_everywhere", nul_everywhere, ANY),
]

def hashlib_sha256(raw: bytes) -> str:
    import hashlib

    return hashlib.sha256(raw).hexdigest()
