"""Small real documents built in code, for `mailbot demo` and the tests.

No binary files live in the repository: every sample is produced here from
its text. The packages are minimal but valid (libmagic names them, office
suites open them). Output is deterministic: same input, same bytes.

`compound_file` is a minimal OLE2 / Compound File Binary writer (version 3,
512-byte sectors, mini stream for small streams). It is used for the VBA
project inside `xlsm` and by the tests to build .doc/.xls/.msg look-alikes;
`zip_package` is the deterministic ZIP writer behind the OOXML/ODF samples.
"""

from __future__ import annotations

import io
import struct
import unicodedata
import zipfile
from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape

from mailbot.util.textfold import strip_marks

__all__ = ["docx", "xlsx", "xlsm", "odt", "ods", "pdf", "rtf", "compound_file", "zip_package"]

_DATE = (2024, 1, 1, 0, 0, 0)


# -- ZIP packages -------------------------------------------------------------------

def zip_package(members: Sequence[tuple[str, bytes | str]], stored: Sequence[str] = ()) -> bytes:
    """A deterministic ZIP: members in the given order, fixed timestamps."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, content in members:
            info = zipfile.ZipInfo(name, date_time=_DATE)
            info.compress_type = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, content.encode("utf-8") if isinstance(content, str) else content)
    return out.getvalue()


def _x(text: str) -> str:
    """XML-escape text, NFC first (Vietnamese text is stored precomposed)."""
    return escape(unicodedata.normalize("NFC", str(text)), {'"': "&quot;"})


_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_PKG_RELS = (
    _XML + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="{target}"/></Relationships>'
)


def _content_types(overrides: Mapping[str, str], defaults: Mapping[str, str] = {}) -> str:
    items = {"rels": "application/vnd.openxmlformats-package.relationships+xml",
             "xml": "application/xml", **defaults}
    parts = [f'<Default Extension="{ext}" ContentType="{ct}"/>' for ext, ct in items.items()]
    parts += [f'<Override PartName="{name}" ContentType="{ct}"/>' for name, ct in overrides.items()]
    return (_XML + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            + "".join(parts) + "</Types>")


def docx(paragraphs: Sequence[str]) -> bytes:
    """A minimal WordprocessingML document, one paragraph per item."""
    body = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{_x(p)}</w:t></w:r></w:p>' for p in paragraphs)
    document = (_XML + '<w:document xmlns:w="http://schemas.openxmlformats.org/'
                'wordprocessingml/2006/main"><w:body>' + body
                + '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>')
    types = _content_types({"/word/document.xml": "application/vnd.openxmlformats-officedocument."
                                                  "wordprocessingml.document.main+xml"})
    # [Content_Types].xml first and word/ among the next members: libmagic relies on it.
    return zip_package([("[Content_Types].xml", types),
                 ("_rels/.rels", _PKG_RELS.format(target="word/document.xml")),
                 ("word/document.xml", document)])


def _col(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _sheet_xml(rows: Sequence[Sequence[object]]) -> str:
    out = []
    for r, row in enumerate(rows, start=1):
        cells = "".join(
            f'<c r="{_col(c)}{r}" t="inlineStr"><is><t xml:space="preserve">{_x(v)}</t></is></c>'
            for c, v in enumerate(row))
        out.append(f'<row r="{r}">{cells}</row>')
    return (_XML + '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            "<sheetData>" + "".join(out) + "</sheetData></worksheet>")


_STYLES = (
    _XML + '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><name val="Times New Roman"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _workbook(rows: Sequence[Sequence[object]], macros: bool) -> bytes:
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    main = ("application/vnd.ms-excel.sheet.macroEnabled.main+xml" if macros else
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")
    overrides = {
        "/xl/workbook.xml": main,
        "/xl/worksheets/sheet1.xml":
            "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml",
        "/xl/styles.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml",
    }
    defaults = {"bin": "application/vnd.ms-office.vbaProject"} if macros else {}
    workbook = (_XML + '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                f'xmlns:r="{rel}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/>'
                "</sheets></workbook>")
    links = [f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>',
             f'<Relationship Id="rId2" Type="{rel}/styles" Target="styles.xml"/>']
    if macros:
        links.append('<Relationship Id="rId3" Type="http://schemas.microsoft.com/office/2006/'
                     'relationships/vbaProject" Target="vbaProject.bin"/>')
    wb_rels = (_XML + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
               'relationships">' + "".join(links) + "</Relationships>")
    members: list[tuple[str, bytes | str]] = [
        ("[Content_Types].xml", _content_types(overrides, defaults)),
        ("_rels/.rels", _PKG_RELS.format(target="xl/workbook.xml")),
        ("xl/workbook.xml", workbook),
        ("xl/_rels/workbook.xml.rels", wb_rels),
        ("xl/worksheets/sheet1.xml", _sheet_xml(rows)),
        ("xl/styles.xml", _STYLES),
    ]
    if macros:
        members.append(("xl/vbaProject.bin", _vba_project()))
    return zip_package(members)


def xlsx(rows: Sequence[Sequence[object]]) -> bytes:
    """A minimal SpreadsheetML workbook with one sheet of inline strings."""
    return _workbook(rows, macros=False)


def xlsm(rows: Sequence[Sequence[object]]) -> bytes:
    """A macro-enabled workbook: macroEnabled content type plus xl/vbaProject.bin.

    The VBA project is a structural placeholder (the OLE2 storage with the
    usual stream names), enough for content checks, not runnable code.
    """
    return _workbook(rows, macros=True)


def _vba_project() -> bytes:
    return compound_file({
        "PROJECT": b'ID="{00000000-0000-0000-0000-000000000000}"\r\nDocument=ThisWorkbook/&H00000000\r\n',
        "PROJECTwm": b"ThisWorkbook\x00T\x00h\x00i\x00s\x00W\x00o\x00r\x00k\x00b\x00o\x00o\x00k\x00\x00\x00\x00\x00",
        "VBA/_VBA_PROJECT": b"\xcc\x61\xff\xff\x00\x00\x00",
        "VBA/dir": b"\x01\x00\x00",
        "VBA/ThisWorkbook": b"\x00" * 16,
    })


# -- OpenDocument -------------------------------------------------------------------

_ODF_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'office:version="1.2"'
)


def _odf(mimetype: str, body: str) -> bytes:
    content = (_XML + f"<office:document-content {_ODF_NS}><office:body>{body}"
               "</office:body></office:document-content>")
    manifest = (
        _XML + '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:'
        'manifest:1.0" manifest:version="1.2">'
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>")
    # ODF requires "mimetype" first and stored uncompressed (libmagic reads it at offset 38).
    return zip_package([("mimetype", mimetype), ("content.xml", content),
                 ("META-INF/manifest.xml", manifest)], stored=("mimetype",))


def odt(paragraphs: Sequence[str]) -> bytes:
    """A minimal OpenDocument text, one paragraph per item."""
    body = "".join(f"<text:p>{_x(p)}</text:p>" for p in paragraphs)
    return _odf("application/vnd.oasis.opendocument.text", f"<office:text>{body}</office:text>")


def ods(rows: Sequence[Sequence[object]]) -> bytes:
    """A minimal OpenDocument spreadsheet with one table of strings."""
    body = "".join(
        "<table:table-row>" + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{_x(v)}</text:p>'
            "</table:table-cell>" for v in row) + "</table:table-row>"
        for row in rows)
    return _odf("application/vnd.oasis.opendocument.spreadsheet",
                f'<office:spreadsheet><table:table table:name="Sheet1">{body}'
                "</table:table></office:spreadsheet>")


# -- PDF and RTF ------------------------------------------------------------------

def _ascii(text: str) -> str:
    """Vietnamese folded to ASCII ("Quyết định" → "Quyet dinh")."""
    return strip_marks(text).encode("ascii", "replace").decode("ascii")


def _pdf_string(text: str) -> str:
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def pdf(lines: Sequence[str]) -> bytes:
    """A one-page A4 text PDF in Helvetica.

    The text is folded to ASCII (diacritics dropped): the standard 14 fonts
    have no Vietnamese glyphs, and embedding a font is not worth it here.
    """
    ops = ["BT", "/F1 12 Tf", "14 TL", "56 790 Td"]
    for line in lines:
        ops.append(f"{_pdf_string(_ascii(line))} '")
    ops.append("ET")
    stream = "\n".join(ops).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    return pdf_file(objects, version=b"1.4")


def pdf_file(objects: Sequence[bytes], version: bytes = b"1.7") -> bytes:
    """Objects 1..n (object 1 the catalog) serialised with a classic xref table."""
    out = bytearray(b"%PDF-" + version + b"\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _rtf_escape(text: str) -> str:
    out = []
    for ch in unicodedata.normalize("NFC", text):
        if ch in "\\{}":
            out.append("\\" + ch)
        elif ord(ch) < 128:
            out.append(ch)
        else:
            # \uN takes a signed 16-bit value; "?" is the fallback for old readers (\uc1).
            for unit in struct.unpack(f"<{len(ch.encode('utf-16-le')) // 2}h",
                                      ch.encode("utf-16-le")):
                out.append(f"\\u{unit}?")
    return "".join(out)


def rtf(paragraphs: Sequence[str]) -> bytes:
    """An RTF document; non-ASCII text as \\u escapes, so Vietnamese survives."""
    body = "".join(f"{_rtf_escape(p)}\\par\n" for p in paragraphs)
    doc = ("{\\rtf1\\ansi\\ansicpg1252\\deff0\\uc1{\\fonttbl{\\f0\\froman Times New Roman;}}\n"
           "\\f0\\fs26\n" + body + "}\n")
    return doc.encode("ascii")


# -- OLE2 / Compound File Binary ---------------------------------------------------------

_CFB_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
_FREESECT, _ENDOFCHAIN, _FATSECT, _NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
_SECTOR, _MINI_SECTOR, _MINI_CUTOFF = 512, 64, 4096


class _Entry:
    def __init__(self, name: str, kind: int, data: bytes = b"", clsid: bytes = b"\0" * 16):
        if len(name) > 31:
            raise ValueError(f"OLE2 entry name longer than 31 characters: {name!r}")
        self.name, self.kind, self.data, self.clsid = name, kind, data, clsid
        self.children: dict[str, _Entry] = {}
        self.id = 0
        self.left = self.right = self.child = _NOSTREAM
        self.start, self.size = 0, 0

    def pack(self) -> bytes:
        name = self.name.encode("utf-16-le") + b"\0\0"
        return struct.pack("<64sHBBIII16sIQQIQ", name, len(name), self.kind, 1, self.left,
                           self.right, self.child, self.clsid, 0, 0, 0, self.start, self.size)


def _sibling_tree(kids: list[_Entry]) -> int:
    """A balanced binary tree of siblings (readers do not check red/black colours)."""
    if not kids:
        return _NOSTREAM
    mid = len(kids) // 2
    node = kids[mid]
    node.left, node.right = _sibling_tree(kids[:mid]), _sibling_tree(kids[mid + 1:])
    return node.id


def _chain(first: int, count: int) -> list[int]:
    return [first + i + 1 for i in range(count - 1)] + [_ENDOFCHAIN]


def _ceil(n: int, size: int) -> int:
    return -(-n // size)


def compound_file(streams: Mapping[str, bytes], root_clsid: bytes = b"\0" * 16) -> bytes:
    """Write an OLE2 compound file; keys are paths like "Macros/VBA/dir"."""
    root = _Entry("Root Entry", 5, clsid=root_clsid)
    for path, data in streams.items():
        *storages, leaf = path.split("/")
        node = root
        for part in storages:
            node = node.children.setdefault(part, _Entry(part, 1))
        node.children[leaf] = _Entry(leaf, 2, bytes(data))

    entries: list[_Entry] = []

    def number(node: _Entry) -> None:
        node.id = len(entries)
        entries.append(node)
        for child in node.children.values():
            number(child)

    number(root)
    for node in entries:  # siblings ordered by name length, then upper-cased name
        kids = sorted(node.children.values(), key=lambda e: (len(e.name), e.name.upper()))
        node.child = _sibling_tree(kids)

    fat: list[int] = []
    body = bytearray()

    def allocate(blob: bytes) -> int:
        count = _ceil(len(blob), _SECTOR)
        first = len(fat)
        fat.extend(_chain(first, count))
        body.extend(blob.ljust(count * _SECTOR, b"\0"))
        return first

    ministream, minifat = bytearray(), []
    for node in entries:
        if node.kind != 2:
            continue
        node.size = len(node.data)
        if not node.data:
            node.start = _ENDOFCHAIN
        elif node.size < _MINI_CUTOFF:
            count = _ceil(node.size, _MINI_SECTOR)
            node.start = len(minifat)
            minifat.extend(_chain(node.start, count))
            ministream.extend(node.data.ljust(count * _MINI_SECTOR, b"\0"))
        else:
            node.start = allocate(node.data)

    root.start = allocate(bytes(ministream)) if ministream else _ENDOFCHAIN
    root.size = len(ministream)
    minifat_start, minifat_sectors = _ENDOFCHAIN, 0
    if minifat:
        minifat_sectors = _ceil(len(minifat), _SECTOR // 4)
        minifat += [_FREESECT] * (minifat_sectors * _SECTOR // 4 - len(minifat))
        minifat_start = allocate(struct.pack(f"<{len(minifat)}I", *minifat))

    empty = _Entry("", 0).pack()
    directory = b"".join(e.pack() for e in entries)
    directory += empty * (-len(entries) % 4)
    dir_start = allocate(directory)

    fat_sectors = 1
    while len(fat) + fat_sectors > fat_sectors * (_SECTOR // 4):
        fat_sectors += 1
    if fat_sectors > 109:
        raise ValueError("compound_file writes at most 109 FAT sectors (about 6.8 MB)")
    first_fat = len(fat)
    fat += [_FATSECT] * fat_sectors
    fat += [_FREESECT] * (fat_sectors * _SECTOR // 4 - len(fat))
    body.extend(struct.pack(f"<{len(fat)}I", *fat))

    difat = list(range(first_fat, first_fat + fat_sectors)) + [_FREESECT] * (109 - fat_sectors)
    header = (_CFB_SIGNATURE + b"\0" * 16
              + struct.pack("<HHHHH6x", 0x3E, 3, 0xFFFE, 9, 6)
              + struct.pack("<9I", 0, fat_sectors, dir_start, 0, _MINI_CUTOFF,
                            minifat_start, minifat_sectors, _ENDOFCHAIN, 0)
              + struct.pack("<109I", *difat))
    return header + bytes(body)


def authentication_results(authserv_id: str, sender: str) -> str:
    """What the agency's own MTA adds after checking DKIM and DMARC of `sender`."""
    domain = sender.rpartition("@")[2]
    return f"{authserv_id}; dkim=pass header.d={domain}; dmarc=pass header.from={domain}"


def email(sender: str, to: str, subject: str, body: str,
          files: Sequence[tuple[str, bytes, str]] = (), headers: Mapping[str, str] | None = None,
          authserv_id: str | None = None):
    """An EmailMessage as an agency would send it: text body, attachments (name, bytes, type).
    With `authserv_id`, it arrives as our MTA passes it on: authenticated."""
    from email.message import EmailMessage
    from email.utils import formatdate, make_msgid

    msg = EmailMessage()
    if authserv_id:
        msg["Authentication-Results"] = authentication_results(authserv_id, sender)
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    for filename, data, ctype in files:
        maintype, subtype = ctype.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg
