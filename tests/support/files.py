"""Real test files, built in code: every allowed format and the look-alikes.

The well-formed documents come from `mailbot.util.samples`; this module adds
what only tests need: legacy .doc/.xls/.ppt/.msg compound files (through
the OLE2 writer `mailbot.util.samples.compound_file`), encrypted, macro-enabled,
truncated and bomb-like packages, programs, images, and text in the
encodings Vietnamese mail still arrives in.
"""

from __future__ import annotations

import io
import struct
import unicodedata
import zlib

from pypdf import PdfReader, PdfWriter

from mailbot.util import samples

PARAGRAPHS = [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "Quyết định về việc ban hành Quy chế công tác văn thư, lưu trữ của Ủy ban nhân dân tỉnh",
]
ROWS = [["Họ và tên", "Đơn vị", "Chức vụ"],
        ["Nguyễn Văn An", "Sở Nội vụ", "Giám đốc"],
        ["Trần Thị Bình", "Sở Tài chính", "Phó Giám đốc"]]

# Prose with one comma per line: libmagic reads it as CSV, it is plain text.
PROSE_WITH_COMMAS = "\n".join([
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015, Luật sửa đổi;",
    "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020, của Chính phủ về công tác văn thư;",
    "Theo đề nghị của Chánh Văn phòng, Ủy ban nhân dân tỉnh.",
    "Điều 1. Ban hành kèm theo Quyết định này, Quy chế công tác văn thư.",
]) + "\n"

# Root CLSIDs written by Office (little-endian GUID layout).
_CLSID_WORD = bytes.fromhex("0609020000000000C000000000000046")
_CLSID_EXCEL = bytes.fromhex("2008020000000000C000000000000046")
_CLSID_MSG = bytes.fromhex("0B0D020000000000C000000000000046")


# -- allowed formats -----------------------------------------------------------------------

def docx() -> bytes:
    return samples.docx(PARAGRAPHS)


def xlsx() -> bytes:
    return samples.xlsx(ROWS)


def odt() -> bytes:
    return samples.odt(PARAGRAPHS)


def ods() -> bytes:
    return samples.ods(ROWS)


def pdf() -> bytes:
    return samples.pdf(PARAGRAPHS)


def rtf() -> bytes:
    return samples.rtf(PARAGRAPHS)


def txt_utf8() -> bytes:
    return "\n".join(PARAGRAPHS).encode("utf-8")


def txt_utf8_bom() -> bytes:
    return "\n".join(PARAGRAPHS).encode("utf-8-sig")


def txt_utf16() -> bytes:
    return "\r\n".join(PARAGRAPHS).encode("utf-16")   # with BOM


def txt_cp1258() -> bytes:
    return to_cp1258("\n".join(PARAGRAPHS))


def txt_nfd() -> bytes:
    return unicodedata.normalize("NFD", "\n".join(PARAGRAPHS)).encode("utf-8")


def txt_tcvn3() -> bytes:
    return to_tcvn3("Cộng hòa xã hội chủ nghĩa Việt Nam\nQuyết định về việc ban hành quy chế "
                    "công tác văn thư của ủy ban nhân dân tỉnh\n")


def txt_vni() -> bytes:
    return to_vni("\n".join(PARAGRAPHS[1:]) + "\n")


def txt_prose_commas() -> bytes:
    return PROSE_WITH_COMMAS.encode("utf-8")


def csv_utf8() -> bytes:
    return "".join(",".join(row) + "\r\n" for row in ROWS).encode("utf-8")


def csv_semicolon_cp1258() -> bytes:
    return to_cp1258("".join(";".join(row) + "\r\n" for row in ROWS))


def doc(macros: bool = False, encrypted: bool = False) -> bytes:
    """A Word 97-2003 file: FIB at the start of WordDocument, tables in 1Table."""
    flags = 0x0200 | (0x0100 if encrypted else 0)          # fWhichTblStm, fEncrypted
    fib = struct.pack("<HHHHHH", 0xA5EC, 0x00C1, 0x0000, 0x042A, 0x0000, flags)
    text = "\r".join(PARAGRAPHS).encode("utf-16-le")
    streams = {
        "WordDocument": (fib + b"\0" * (0x800 - len(fib)) + text).ljust(4096, b"\0"),
        "1Table": b"\0" * 1024,
        "\x05SummaryInformation": _summary_information(),
    }
    if macros:
        streams.update({"Macros/PROJECT": b'ID="{00000000-0000-0000-0000-000000000000}"\r\n',
                        "Macros/VBA/dir": b"\x01\x00\x00",
                        "Macros/VBA/_VBA_PROJECT": b"\xcc\x61\xff\xff\x00\x00\x00"})
    return samples.compound_file(streams, root_clsid=_CLSID_WORD)


def xls(macros: bool = False, encrypted: bool = False) -> bytes:
    streams = {"Workbook": _biff8(ROWS, encrypted), "\x05SummaryInformation": _summary_information()}
    if macros:
        streams.update({"_VBA_PROJECT_CUR/PROJECT": b'ID="{00000000-0000-0000-0000-000000000000}"\r\n',
                        "_VBA_PROJECT_CUR/VBA/dir": b"\x01\x00\x00",
                        "_VBA_PROJECT_CUR/VBA/_VBA_PROJECT": b"\xcc\x61\xff\xff\x00\x00\x00"})
    return samples.compound_file(streams, root_clsid=_CLSID_EXCEL)


def _summary_information() -> bytes:
    # Property set header with no sections: enough to be a well-formed stream.
    return struct.pack("<HHI16sI", 0xFFFE, 0, 0x00020006, b"\0" * 16, 0)


def _record(kind: int, body: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def _xl_string(text: str) -> bytes:
    """XLUnicodeString: 16-bit length, flags (1 = UTF-16), characters."""
    return struct.pack("<HB", len(text), 1) + text.encode("utf-16-le")


def _biff8(rows: list[list[str]], encrypted: bool) -> bytes:
    bof_globals = _record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x0206))
    bof_sheet = _record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0x0DBB, 0x07CC, 0, 0x0206))
    name = "Sheet1"
    filepass = _record(0x002F, struct.pack("<HHH", 1, 1, 2) + b"\0" * 48) if encrypted else b""

    def globals_(sheet_offset: int) -> bytes:
        boundsheet = _record(0x0085, struct.pack("<IBBB", sheet_offset, 0, 0, len(name)) + b"\x00"
                             + name.encode("ascii"))
        return (bof_globals + filepass + _record(0x0042, struct.pack("<H", 1200))
                + boundsheet + _record(0x000A))

    sheet = bytearray(bof_sheet)
    sheet += _record(0x0200, struct.pack("<IIHHH", 0, len(rows), 0, max(map(len, rows)), 0))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet += _record(0x0204, struct.pack("<HHH", r, c, 15) + _xl_string(value))
    sheet += _record(0x000A)
    head = globals_(0)
    return (globals_(len(head)) + bytes(sheet)).ljust(4096, b"\0")


# -- look-alikes: other Office and OpenDocument types ------------------------------------------

_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_PKG_RELS = (_XML + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
             'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
             'officeDocument/2006/relationships/officeDocument" Target="{}"/></Relationships>')


def _types(main_part: str, main_type: str, extra: str = "") -> str:
    return (_XML + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/{main_part}" ContentType="{main_type}"/>{extra}</Types>')


def pptx() -> bytes:
    ns = 'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"'
    return samples.zip_package([
        ("[Content_Types].xml", _types("ppt/presentation.xml", "application/vnd.openxmlformats-"
                                       "officedocument.presentationml.presentation.main+xml")),
        ("_rels/.rels", _PKG_RELS.format("ppt/presentation.xml")),
        ("ppt/presentation.xml", f"{_XML}<p:presentation {ns}/>"),
    ])


def docm() -> bytes:
    """A macro-enabled Word document: macroEnabled main part and word/vbaProject.bin."""
    vba = '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
    return _word_package("application/vnd.ms-word.document.macroEnabled.main+xml", vba, True)


def docx_with_vba() -> bytes:
    """A docm relabelled as docx: the content type lies, vbaProject.bin is still there."""
    return _word_package("application/vnd.openxmlformats-officedocument.wordprocessingml."
                         "document.main+xml", "", True)


def _word_package(main_type: str, extra: str, vba: bool) -> bytes:
    body = ('<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>Macro</w:t></w:r></w:p></w:body></w:document>")
    members: list[tuple[str, bytes | str]] = [
        ("[Content_Types].xml", _types("word/document.xml", main_type, extra)),
        ("_rels/.rels", _PKG_RELS.format("word/document.xml")),
        ("word/document.xml", _XML + body),
    ]
    if vba:
        members.append(("word/vbaProject.bin", samples.compound_file(
            {"PROJECT": b"ID=\"{0}\"\r\n", "VBA/dir": b"\x01\x00\x00"})))
    return samples.zip_package(members)


def xlsm() -> bytes:
    return samples.xlsm(ROWS)


def _opendocument(mimetype: str, manifest_extra: str = "", members=()) -> bytes:
    ns = 'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" office:version="1.2"'
    manifest = (_XML + '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:'
                f'manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type='
                f'"{mimetype}"/><manifest:file-entry manifest:full-path="content.xml" '
                f'manifest:media-type="text/xml">{manifest_extra}</manifest:file-entry>'
                "</manifest:manifest>")
    return samples.zip_package(
        [("mimetype", mimetype),
         ("content.xml", f"{_XML}<office:document-content {ns}><office:body/></office:document-content>"),
         ("META-INF/manifest.xml", manifest), *members],
        stored=("mimetype",))


def odp() -> bytes:
    return _opendocument("application/vnd.oasis.opendocument.presentation")


def odt_encrypted() -> bytes:
    """As LibreOffice writes a password-protected file: encryption-data in the manifest."""
    encryption = ('<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="x">'
                  '<manifest:algorithm manifest:algorithm-name="Blowfish CFB" '
                  'manifest:initialisation-vector="x"/><manifest:key-derivation '
                  'manifest:key-derivation-name="PBKDF2" manifest:iteration-count="1024" '
                  'manifest:salt="x"/></manifest:encryption-data>')
    return _opendocument("application/vnd.oasis.opendocument.text", encryption)


def odt_with_macros() -> bytes:
    module = (_XML + '<script:module xmlns:script="http://openoffice.org/2000/script" '
              'script:name="Module1" script:language="StarBasic">Sub Main\nEnd Sub</script:module>')
    return _opendocument("application/vnd.oasis.opendocument.text", members=[
        ("Basic/script-lc.xml", _XML + "<library:libraries/>"),
        ("Basic/Standard/script-lb.xml", _XML + "<library:library/>"),
        ("Basic/Standard/Module1.xml", module),
    ])


def ppt() -> bytes:
    return samples.compound_file({"PowerPoint Document": b"\0" * 5000, "Current User": b"\0" * 40})


def msg() -> bytes:
    """An Outlook message: MAPI properties as __substg1.0_ streams."""
    return samples.compound_file({
        "__substg1.0_0037001F": "Thông báo lịch họp".encode("utf-16-le"),
        "__substg1.0_1000001F": "Kính gửi các đơn vị.".encode("utf-16-le"),
        "__properties_version1.0": b"\0" * 32,
        "__nameid_version1.0/__substg1.0_00020102": b"\0" * 16,
    }, root_clsid=_CLSID_MSG)


def ooxml_encrypted() -> bytes:
    """A password-protected docx as Office saves it: an OLE2 file, not a ZIP."""
    info = (struct.pack("<HHI", 4, 4, 0x40) + (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<encryption xmlns='
        '"http://schemas.microsoft.com/office/2006/encryption"><keyData saltSize="16" '
        'blockSize="16" keyBits="256" hashSize="64" cipherAlgorithm="AES" cipherChaining='
        '"ChainingModeCBC" hashAlgorithm="SHA512" saltValue="AAAAAAAAAAAAAAAAAAAAAA=="/>'
        "</encryption>").encode("utf-8"))
    payload = bytes((i * 37 + 11) % 256 for i in range(8192))   # stands in for ciphertext
    return samples.compound_file({
        "EncryptionInfo": info,
        "EncryptedPackage": struct.pack("<Q", len(payload)) + payload,
        "\x06DataSpaces/Version": b"\0" * 76,
    })


def garbage_ole() -> bytes:
    return bytes.fromhex("D0CF11E0A1B11AE1") + bytes((i * 7) % 251 for i in range(3000))


# -- look-alikes: PDF ------------------------------------------------------------------------

def pdf_encrypted(user_password: str = "matkhau") -> bytes:
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(pdf())))
    writer.encrypt(user_password=user_password, owner_password="chu-so-huu", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_restricted() -> bytes:
    """Encrypted with an empty user password: opens without asking, only rights are limited."""
    return pdf_encrypted(user_password="")


# -- look-alikes: archives, programs, images, web ---------------------------------------------

def zip_archive() -> bytes:
    return samples.zip_package([("van-ban.docx", docx()), ("bang.xlsx", xlsx())])


def rar_header() -> bytes:
    # RAR 5 signature + a main archive header; the rest stands in for the data.
    return b"Rar!\x1a\x07\x01\x00" + bytes.fromhex("33920be50a01050600050101808000") + b"\0" * 64


def sevenzip_header() -> bytes:
    return b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\0" * 24


def exe() -> bytes:
    """A minimal PE: DOS header pointing at "PE\\0\\0", a COFF header, an optional header."""
    dos = bytearray(b"MZ" + b"\0" * 0x3E)
    struct.pack_into("<I", dos, 0x3C, 0x40)
    coff = struct.pack("<HHIIIHH", 0x014C, 0, 0, 0, 0, 0xE0, 0x0102)   # i386, executable
    optional = struct.pack("<HBB", 0x010B, 14, 0) + b"\0" * (0xE0 - 4)
    return bytes(dos) + b"PE\0\0" + coff + optional


def jpeg() -> bytes:
    """A 1×1 grey baseline JPEG: one DC and one AC code, all coefficients zero."""
    def segment(marker: int, body: bytes) -> bytes:
        return struct.pack(">HH", 0xFF00 | marker, len(body) + 2) + body

    app0 = segment(0xE0, b"JFIF\0\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    dqt = segment(0xDB, b"\x00" + b"\x01" * 64)
    sof = segment(0xC0, b"\x08\x00\x01\x00\x01\x01\x01\x11\x00")
    dht_dc = segment(0xC4, b"\x00" + b"\x01" + b"\x00" * 15 + b"\x00")
    dht_ac = segment(0xC4, b"\x10" + b"\x01" + b"\x00" * 15 + b"\x00")
    sos = segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
    return b"\xff\xd8" + app0 + dqt + sof + dht_dc + dht_ac + sos + b"\x3f" + b"\xff\xd9"


def png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)   # 1×1, 8-bit greyscale
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00\x80")) + chunk(b"IEND", b""))


def html() -> bytes:
    return ("<!DOCTYPE html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Thông báo</title>"
            "</head><body><p>Kính gửi các đơn vị.</p></body></html>\n").encode("utf-8")


def binary_blob() -> bytes:
    return bytes((i * 97 + 13) % 256 for i in range(4096))


# -- damaged and hostile packages --------------------------------------------------------------

def docx_truncated() -> bytes:
    data = docx()
    return data[: len(data) // 2]


def docx_declared_huge() -> bytes:
    """word/document.xml claims 4 GB unpacked in the central directory (bomb-like header)."""
    data = bytearray(docx())
    name = b"word/document.xml"
    central = data.index(b"PK\x01\x02")
    while True:
        pos = data.index(b"PK\x01\x02", central)
        (name_len,) = struct.unpack_from("<H", data, pos + 28)
        if data[pos + 46: pos + 46 + name_len] == name:
            struct.pack_into("<I", data, pos + 24, 0xFFFF0000)   # uncompressed size
            return bytes(data)
        central = pos + 4


def docx_high_ratio() -> bytes:
    """A real ratio bomb: 16 MiB of zeros deflate to a few KB inside a docx."""
    members = [
        ("[Content_Types].xml", _types("word/document.xml", "application/vnd.openxmlformats-"
                                       "officedocument.wordprocessingml.document.main+xml")),
        ("_rels/.rels", _PKG_RELS.format("word/document.xml")),
        ("word/document.xml", _XML + '<w:document xmlns:w="http://schemas.openxmlformats.org/'
                              'wordprocessingml/2006/main"><w:body/></w:document>'),
        ("word/media/padding.bin", bytes(16 << 20)),
    ]
    return samples.zip_package(members)


# -- legacy Vietnamese encodings ---------------------------------------------------------------

_TONES = {"\u0300": 0, "\u0301": 1, "\u0309": 2, "\u0303": 3, "\u0323": 4}   # grave acute hook tilde dot


def to_cp1258(text: str) -> bytes:
    """Windows-1258: base letters (â ê ô ơ ư ă đ) precomposed, tone marks as combining bytes."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        tones = "".join(p for p in parts if p in _TONES)
        base = unicodedata.normalize("NFC", "".join(p for p in parts if p not in _TONES))
        out += (base + tones).encode("cp1258")
    return bytes(out)


_TCVN3_FROM_UNICODE = None


def to_tcvn3(text: str) -> bytes:
    """TCVN3 (ABC) bytes; lower-case tone letters only, as the .VnTime fonts have."""
    global _TCVN3_FROM_UNICODE
    if _TCVN3_FROM_UNICODE is None:
        from mailbot.inspect.text import TCVN3_TO_UNICODE
        _TCVN3_FROM_UNICODE = {letter: byte for byte, letter in TCVN3_TO_UNICODE.items()}
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        out += bytes([_TCVN3_FROM_UNICODE[ch]]) if ch in _TCVN3_FROM_UNICODE else ch.encode("ascii")
    return bytes(out)


# VNI-Windows: a base letter followed by a byte for its marks.
_VNI_TONE = "øùûõï"                                  # grave acute hook tilde dot (as _TONES)
_VNI_CIRCUMFLEX = {None: "â", 1: "á", 0: "à", 2: "å", 3: "ã", 4: "ä"}
_VNI_BREVE = {None: "ê", 1: "é", 0: "è", 2: "ú", 3: "ü", 4: "ë"}
_VNI_I = {1: "í", 0: "ì", 2: "æ", 3: "ó", 4: "ò"}


def to_vni(text: str) -> bytes:
    """VNI-Windows bytes (as they would be typed with the VNI fonts)."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        out.append(_vni_char(ch))
    return "".join(out).encode("cp1252")


def _vni_char(ch: str) -> str:
    if ch in "đĐ":
        return "ñ" if ch == "đ" else "Ñ"
    parts = unicodedata.normalize("NFD", ch)
    base, marks = parts[0], parts[1:]
    if not marks:
        return ch
    upper = base.isupper()
    tone = next((_TONES[m] for m in marks if m in _TONES), None)
    shape = next((m for m in marks if m in "\u0302\u0306\u031b"), None)
    b = base.lower()
    if b == "i" and shape is None:
        code = _VNI_I[tone]
        return code.upper() if upper else code
    if b == "y" and tone == 4:
        return "Î" if upper else "î"
    if shape == "\u031b":          # ơ ư are single bytes, tone follows
        letter = "ô" if b == "o" else "ö"
        result = letter + (_VNI_TONE[tone] if tone is not None else "")
    elif shape == "\u0302":
        result = b + _VNI_CIRCUMFLEX[tone]
    elif shape == "\u0306":
        result = b + _VNI_BREVE[tone]
    else:
        result = b + _VNI_TONE[tone]
    return result.upper() if upper else result
