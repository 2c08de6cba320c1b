"""What an attachment really is, judged by its content (QĐ 57/2014 Điều 4.2.c).

Pure: bytes in, a `FormatResult` out, never an exception. The file name
only breaks ties that the bytes cannot (txt vs csv, a text file that is
really a script) and is otherwise just compared with the content.

Work is bounded: ZIP members are checked by their declared sizes before
anything is read, and only the few small parts that name the package type
([Content_Types].xml, mimetype, META-INF/manifest.xml) are decompressed,
each with a cap.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import struct
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import magic
import olefile
from pypdf import PasswordType, PdfReader

from mailbot.model import ALLOWED_FORMATS, FormatResult, Reason
from mailbot.inspect.text import FLAG_UNDECODABLE, decode_text

__all__ = ["classify", "RULE", "FLAG_NAME_MISMATCH"]

RULE = "QĐ 57/2014 Điều 4.2.c"
FLAG_NAME_MISMATCH = "name-mismatch"

# Problems that refuse a file whatever its name says.
MACRO, ENCRYPTED, ARCHIVE = "macro_enabled", "encrypted", "archive"

_MAX_PART_BYTES = 1 << 20            # [Content_Types].xml, manifest.xml
_MAX_MEMBERS = 10_000
_MAX_UNPACKED = 512 << 20            # whole package, as declared
_MAX_RATIO = 200                     # per member above _RATIO_FLOOR
_RATIO_FLOOR = 1 << 20
_MAX_RECORDS_SCANNED = 4096          # BIFF records read looking for FILEPASS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Content:
    """What the bytes are: a kind, how to name it to people, and any problem."""

    kind: str                     # an allowed format, or e.g. "pptx", "exe", "zip"
    vi: str
    en: str
    problem: str | None = None    # MACRO / ENCRYPTED / ARCHIVE
    flags: tuple[str, ...] = ()


def _c(kind: str, vi: str, en: str, problem: str | None = None) -> _Content:
    return _Content(kind, vi, en, problem)


_ALLOWED_LABELS = {
    "txt": ("văn bản thuần (txt)", "plain text (txt)"),
    "rtf": ("văn bản RTF (rtf)", "an RTF document (rtf)"),
    "doc": ("văn bản Word 97-2003 (doc)", "a Word 97-2003 document (doc)"),
    "docx": ("văn bản Word (docx)", "a Word document (docx)"),
    "odt": ("văn bản OpenDocument (odt)", "an OpenDocument text (odt)"),
    "csv": ("bảng dữ liệu CSV (csv)", "CSV data (csv)"),
    "xls": ("bảng tính Excel 97-2003 (xls)", "an Excel 97-2003 workbook (xls)"),
    "xlsx": ("bảng tính Excel (xlsx)", "an Excel workbook (xlsx)"),
    "ods": ("bảng tính OpenDocument (ods)", "an OpenDocument spreadsheet (ods)"),
    "pdf": ("tài liệu PDF (pdf)", "a PDF document (pdf)"),
}


def _allowed(kind: str, flags: tuple[str, ...] = ()) -> _Content:
    vi, en = _ALLOWED_LABELS[kind]
    return _Content(kind, vi, en, None, flags)


def _damaged(what_vi: str, what_en: str) -> _Content:
    return _c("damaged", f"{what_vi} bị hỏng hoặc không đầy đủ, không đọc được",
              f"{what_en}, damaged or truncated (unreadable)")


_BOMB = _c("bomb", "tệp nén bất thường (dung lượng khi giải nén quá lớn, nghi là bom nén)",
           "an abnormal package (declared unpacked size too large: possible zip bomb)")


# -- signatures at the start of the file --------------------------------------------

_OLE2 = bytes.fromhex("D0CF11E0A1B11AE1")

# (prefix, content) checked in order at offset 0.
_PREFIXES: tuple[tuple[bytes, _Content], ...] = (
    (b"\x7fELF", _c("elf", "tệp thực thi (ELF)", "an executable (ELF)")),
    (b"\xca\xfe\xba\xbe", _c("macho", "tệp thực thi (Mach-O/Java)", "an executable (Mach-O/Java class)")),
    (b"\xcf\xfa\xed\xfe", _c("macho", "tệp thực thi (Mach-O)", "an executable (Mach-O)")),
    (b"\xce\xfa\xed\xfe", _c("macho", "tệp thực thi (Mach-O)", "an executable (Mach-O)")),
    (b"L\x00\x00\x00\x01\x14\x02\x00", _c("lnk", "lối tắt Windows (lnk)", "a Windows shortcut (lnk)")),
    (b"Rar!\x1a\x07", _c("rar", "tệp nén RAR", "a RAR archive", ARCHIVE)),
    (b"7z\xbc\xaf\x27\x1c", _c("7z", "tệp nén 7z", "a 7z archive", ARCHIVE)),
    (b"\x1f\x8b", _c("gz", "tệp nén gzip (gz)", "a gzip archive", ARCHIVE)),
    (b"\xfd7zXZ\x00", _c("xz", "tệp nén xz", "an xz archive", ARCHIVE)),
    (b"\x28\xb5\x2f\xfd", _c("zst", "tệp nén zstd", "a zstd archive", ARCHIVE)),
    (b"MSCF", _c("cab", "tệp nén CAB", "a CAB archive", ARCHIVE)),
    (b"\xff\xd8\xff", _c("jpeg", "ảnh JPEG", "a JPEG image")),
    (b"\x89PNG\r\n\x1a\n", _c("png", "ảnh PNG", "a PNG image")),
    (b"GIF87a", _c("gif", "ảnh GIF", "a GIF image")),
    (b"GIF89a", _c("gif", "ảnh GIF", "a GIF image")),
    (b"II*\x00", _c("tiff", "ảnh TIFF", "a TIFF image")),
    (b"MM\x00*", _c("tiff", "ảnh TIFF", "a TIFF image")),
)

# libmagic answers that name a kind outright (used after our own checks).
_MIME_KINDS = {
    "application/x-dosexec": _c("exe", "tệp thực thi (exe)", "an executable (exe)"),
    "application/vnd.microsoft.portable-executable":
        _c("exe", "tệp thực thi (exe)", "an executable (exe)"),
    "application/x-executable": _c("elf", "tệp thực thi (ELF)", "an executable (ELF)"),
    "application/x-sharedlib": _c("elf", "tệp thực thi (ELF)", "an executable (ELF)"),
    "application/x-mach-binary": _c("macho", "tệp thực thi (Mach-O)", "an executable (Mach-O)"),
    "application/x-msi": _c("msi", "gói cài đặt phần mềm (msi)", "an installer package (msi)"),
    "application/vnd.ms-msi": _c("msi", "gói cài đặt phần mềm (msi)", "an installer package (msi)"),
    "application/x-ms-shortcut": _c("lnk", "lối tắt Windows (lnk)", "a Windows shortcut (lnk)"),
    "application/x-tar": _c("tar", "tệp nén tar", "a tar archive", ARCHIVE),
    "application/x-bzip2": _c("bz2", "tệp nén bzip2", "a bzip2 archive", ARCHIVE),
    "application/x-lzip": _c("lz", "tệp nén lzip", "an lzip archive", ARCHIVE),
    "application/x-lzma": _c("lzma", "tệp nén lzma", "an lzma archive", ARCHIVE),
    "application/x-compress": _c("Z", "tệp nén compress (Z)", "a compress (Z) archive", ARCHIVE),
    "application/x-arj": _c("arj", "tệp nén ARJ", "an ARJ archive", ARCHIVE),
    "application/x-lha": _c("lha", "tệp nén LHA", "an LHA archive", ARCHIVE),
    "application/x-cpio": _c("cpio", "tệp nén cpio", "a cpio archive", ARCHIVE),
    "application/x-archive": _c("ar", "tệp nén ar", "an ar archive", ARCHIVE),
    "application/x-iso9660-image": _c("iso", "ảnh đĩa (iso)", "a disk image (iso)", ARCHIVE),
    "application/postscript": _c("ps", "tài liệu PostScript", "a PostScript document"),
    "application/x-shockwave-flash": _c("swf", "tệp Flash (swf)", "a Flash file (swf)"),
    "image/svg+xml": _c("svg", "ảnh SVG", "an SVG image"),
    "text/html": _c("html", "trang HTML", "an HTML page"),
    "text/xml": _c("xml", "tệp XML", "an XML file"),
    "application/xml": _c("xml", "tệp XML", "an XML file"),
    "message/rfc822": _c("eml", "thư điện tử (eml)", "an email message (eml)"),
}

_IMAGE_NAMES = {"jpeg": "JPEG", "png": "PNG", "gif": "GIF", "bmp": "BMP", "x-ms-bmp": "BMP",
                "tiff": "TIFF", "webp": "WebP", "heic": "HEIC", "heif": "HEIF",
                "vnd.microsoft.icon": "ICO", "x-icon": "ICO", "jp2": "JPEG 2000"}


def _from_mime(mime: str) -> _Content | None:
    if mime in _MIME_KINDS:
        return _MIME_KINDS[mime]
    top, _, sub = mime.partition("/")
    if top == "image":
        name = _IMAGE_NAMES.get(sub, sub.upper())
        return _c(sub, f"ảnh {name}", f"a {name} image")
    if top == "audio":
        return _c("audio", f"tệp âm thanh ({sub})", f"an audio file ({sub})")
    if top == "video":
        return _c("video", f"tệp video ({sub})", f"a video file ({sub})")
    if top == "font":
        return _c("font", f"tệp phông chữ ({sub})", f"a font file ({sub})")
    return None


# -- PE executables ---------------------------------------------------------------------

def _executable(data: bytes) -> _Content | None:
    """MZ with a PE header is a Windows program; a bare MZ counts unless it is text."""
    if not data.startswith(b"MZ"):
        return None
    exe = _c("exe", "tệp thực thi (exe)", "an executable (exe)")
    if len(data) >= 0x40:
        (pe_offset,) = struct.unpack_from("<I", data, 0x3C)
        if data[pe_offset:pe_offset + 4] == b"PE\x00\x00":
            return exe
    return None if decode_text(data)[1] != (FLAG_UNDECODABLE,) else exe


# -- PDF --------------------------------------------------------------------------------

_ENCRYPT_KEY = re.compile(rb"/Encrypt\s*(?:\d+\s+\d+\s+R|<<)")


def _pdf(data: bytes) -> _Content:
    state = _pdf_encryption(data)
    if state == "password":
        return _c("pdf", "tài liệu PDF có mật khẩu", "a password-protected PDF", ENCRYPTED)
    return _allowed("pdf", ("pdf-permissions-restricted",) if state == "restricted" else ())


def _pdf_encryption(data: bytes) -> str:
    """"none", "restricted" (opens without a password) or "password"."""
    if b"/Encrypt" not in data:   # the key sits in an uncompressed trailer dictionary
        return "none"
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if not reader.is_encrypted:
            return "none"
        try:
            opened = reader.decrypt("")
        except Exception:  # unsupported handler or broken /Encrypt: cannot open it
            return "password"
        return "password" if opened == PasswordType.NOT_DECRYPTED else "restricted"
    except Exception:
        # pypdf cannot read the structure; the /Encrypt key still shows in plain bytes.
        return "password" if _ENCRYPT_KEY.search(data) else "none"


# -- OLE2 compound files ----------------------------------------------------------------

def _ole(data: bytes) -> _Content:
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            return _ole_kind(ole)
    except Exception as exc:  # olefile raises many kinds on garbage
        log.debug("unreadable OLE2 file: %r", exc)
        return _damaged("tệp Office (OLE2)", "an Office (OLE2) file")


def _ole_kind(ole) -> _Content:
    entries = ole.listdir(streams=True, storages=True)
    top = {e[0].lower() for e in entries}
    if {"encryptioninfo", "encryptedpackage"} <= top:
        return _c("office-encrypted", "tài liệu Office (docx/xlsx/pptx) có mật khẩu",
                  "a password-protected Office document", ENCRYPTED)
    if any(e[-1].lower().startswith(("__substg1.0_", "__properties_version1.0")) for e in entries):
        return _c("msg", "thư Outlook (msg)", "an Outlook message (msg)")
    if "worddocument" in top:
        return _word97(ole, top)
    if "workbook" in top or "book" in top:
        return _excel97(ole, top)
    if "powerpoint document" in top:
        return _c("ppt", "bản trình chiếu PowerPoint (ppt)", "a PowerPoint presentation (ppt)")
    if "visiodocument" in top:
        return _c("vsd", "bản vẽ Visio (vsd)", "a Visio drawing (vsd)")
    return _c("ole", "tài liệu OLE2 không được hỗ trợ", "an unsupported OLE2 document")


def _read_stream(ole, name: str, size: int) -> bytes:
    with ole.openstream(name) as stream:
        return stream.read(size)


def _word97(ole, top: set[str]) -> _Content:
    fib = _read_stream(ole, "WordDocument", 12)
    # FIB base: wIdent 0xA5EC, then flags at 0x0A; bit 8 is fEncrypted.
    if len(fib) >= 12 and struct.unpack_from("<H", fib, 0x0A)[0] & 0x0100:
        return _c("doc", "văn bản Word 97-2003 (doc) có mật khẩu",
                  "a password-protected Word 97-2003 document", ENCRYPTED)
    if "macros" in top:
        return _c("doc", "văn bản Word 97-2003 (doc) có chứa macro",
                  "a Word 97-2003 document with macros", MACRO)
    return _allowed("doc")


def _excel97(ole, top: set[str]) -> _Content:
    name = "Workbook" if "workbook" in top else "Book"
    if _biff_has_filepass(_read_stream(ole, name, 256 << 10)):
        return _c("xls", "bảng tính Excel 97-2003 (xls) có mật khẩu",
                  "a password-protected Excel 97-2003 workbook", ENCRYPTED)
    if "_vba_project_cur" in top:
        return _c("xls", "bảng tính Excel 97-2003 (xls) có chứa macro",
                  "an Excel 97-2003 workbook with macros", MACRO)
    return _allowed("xls")


def _biff_has_filepass(stream: bytes) -> bool:
    """FILEPASS (0x002F) in the workbook globals, before their EOF (0x000A)."""
    pos = 0
    for _ in range(_MAX_RECORDS_SCANNED):
        if pos + 4 > len(stream):
            return False
        rec, size = struct.unpack_from("<HH", stream, pos)
        if rec == 0x002F:
            return True
        if rec == 0x000A:
            return False
        pos += 4 + size
    return False


# -- ZIP packages: OOXML, ODF, plain archives --------------------------------------------

_OOXML_MAIN = {
    # content type of the main part → (kind, vi, en, problem)
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml":
        ("docx", None, None, None),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml":
        ("xlsx", None, None, None),
    "application/vnd.ms-word.document.macroenabled.main+xml":
        ("docm", "văn bản Word có chứa macro (docm)", "a macro-enabled Word document (docm)", MACRO),
    "application/vnd.ms-word.template.macroenabledtemplate.main+xml":
        ("dotm", "mẫu Word có chứa macro (dotm)", "a macro-enabled Word template (dotm)", MACRO),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml":
        ("dotx", "mẫu văn bản Word (dotx)", "a Word template (dotx)", None),
    "application/vnd.ms-excel.sheet.macroenabled.main+xml":
        ("xlsm", "bảng tính Excel có chứa macro (xlsm)", "a macro-enabled Excel workbook (xlsm)", MACRO),
    "application/vnd.ms-excel.template.macroenabled.main+xml":
        ("xltm", "mẫu Excel có chứa macro (xltm)", "a macro-enabled Excel template (xltm)", MACRO),
    "application/vnd.ms-excel.addin.macroenabled.main+xml":
        ("xlam", "phần bổ trợ Excel có macro (xlam)", "an Excel add-in with macros (xlam)", MACRO),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml":
        ("xltx", "mẫu bảng tính Excel (xltx)", "an Excel template (xltx)", None),
    "application/vnd.ms-excel.sheet.binary.macroenabled.main":
        ("xlsb", "bảng tính Excel dạng nhị phân (xlsb)", "an Excel binary workbook (xlsb)", None),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml":
        ("pptx", "bản trình chiếu PowerPoint (pptx)", "a PowerPoint presentation (pptx)", None),
    "application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml":
        ("ppsx", "bản trình chiếu PowerPoint (ppsx)", "a PowerPoint slide show (ppsx)", None),
    "application/vnd.openxmlformats-officedocument.presentationml.template.main+xml":
        ("potx", "mẫu trình chiếu PowerPoint (potx)", "a PowerPoint template (potx)", None),
    "application/vnd.ms-powerpoint.presentation.macroenabled.main+xml":
        ("pptm", "bản trình chiếu PowerPoint có chứa macro (pptm)",
         "a macro-enabled PowerPoint presentation (pptm)", MACRO),
    "application/vnd.ms-powerpoint.slideshow.macroenabled.main+xml":
        ("ppsm", "bản trình chiếu PowerPoint có chứa macro (ppsm)",
         "a macro-enabled PowerPoint slide show (ppsm)", MACRO),
    "application/vnd.ms-powerpoint.template.macroenabled.main+xml":
        ("potm", "mẫu trình chiếu PowerPoint có chứa macro (potm)",
         "a macro-enabled PowerPoint template (potm)", MACRO),
    "application/vnd.ms-visio.drawing.main+xml":
        ("vsdx", "bản vẽ Visio (vsdx)", "a Visio drawing (vsdx)", None),
}
# Packages whose [Content_Types].xml names no main part we know: fall back to the part names.
_OOXML_BY_PART = (("word/document.xml", "docx"), ("xl/workbook.xml", "xlsx"),
                  ("ppt/presentation.xml", "pptx"))
_OOXML_BY_KIND = {entry[0]: entry for entry in _OOXML_MAIN.values()}
_WITH_MACROS = {
    "docx": ("docm", "văn bản Word có chứa macro", "a Word document with macros"),
    "xlsx": ("xlsm", "bảng tính Excel có chứa macro", "an Excel workbook with macros"),
}
_CONTENT_TYPE = re.compile(rb'ContentType\s*=\s*["\']([^"\']+)["\']')

_ODF_KINDS = {
    "application/vnd.oasis.opendocument.text": ("odt", None, None),
    "application/vnd.oasis.opendocument.spreadsheet": ("ods", None, None),
    "application/vnd.oasis.opendocument.presentation":
        ("odp", "bản trình chiếu OpenDocument (odp)", "an OpenDocument presentation (odp)"),
    "application/vnd.oasis.opendocument.graphics":
        ("odg", "bản vẽ OpenDocument (odg)", "an OpenDocument drawing (odg)"),
    "application/vnd.oasis.opendocument.text-template":
        ("ott", "mẫu văn bản OpenDocument (ott)", "an OpenDocument text template (ott)"),
    "application/vnd.oasis.opendocument.spreadsheet-template":
        ("ots", "mẫu bảng tính OpenDocument (ots)", "an OpenDocument spreadsheet template (ots)"),
    "application/vnd.oasis.opendocument.text-master":
        ("odm", "văn bản chủ OpenDocument (odm)", "an OpenDocument master document (odm)"),
    "application/vnd.oasis.opendocument.formula":
        ("odf", "công thức OpenDocument (odf)", "an OpenDocument formula (odf)"),
    "application/vnd.oasis.opendocument.chart":
        ("odc", "biểu đồ OpenDocument (odc)", "an OpenDocument chart (odc)"),
    "application/vnd.oasis.opendocument.database":
        ("odb", "cơ sở dữ liệu OpenDocument (odb)", "an OpenDocument database (odb)"),
    "application/epub+zip": ("epub", "sách điện tử (epub)", "an e-book (epub)"),
}
_ODF_MEDIA_TYPE = re.compile(
    rb'full-path\s*=\s*"/"[^>]*?media-type\s*=\s*"([^"]+)"|media-type\s*=\s*"([^"]+)"[^>]*?full-path\s*=\s*"/"')
_MEDIA_TYPE = re.compile(rb"[A-Za-z0-9.+-]{1,40}/[A-Za-z0-9.+-]{1,80}")
# Basic/Scripts modules (not the library index files) mean the document carries macros.
_ODF_MACRO_PART = re.compile(r"^(?:Basic/[^/]+/(?!script-lb\.xml$|dialog-lb\.xml$)[^/]+|Scripts/.+[^/])$")

_ZIP_ARCHIVE = _c("zip", "tệp nén ZIP", "a ZIP archive", ARCHIVE)


def _zip(data: bytes, mime: str) -> _Content:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except Exception as exc:  # BadZipFile, truncated central directory, bad zip64 fields …
        log.debug("unreadable ZIP: %r", exc)
        return _damaged(*_package_name(mime))
    with zf:
        if _bomb_like(infos):
            return _BOMB
        names = {info.filename: info for info in infos}
        if "[Content_Types].xml" in names:
            return _ooxml(zf, names)
        if "mimetype" in names or "META-INF/manifest.xml" in names:
            return _odf(zf, names)
        return _ZIP_ARCHIVE


def _package_name(mime: str) -> tuple[str, str]:
    """How to name a package we could not open, from libmagic's reading of its headers."""
    for fmt in ("docx", "xlsx", "odt", "ods"):
        if mime == _MIME_OF[fmt]:
            vi, en = _ALLOWED_LABELS[fmt]
            return f"tệp {vi}", en
    if "presentation" in mime:
        return "bản trình chiếu", "a presentation"
    return "tệp nén ZIP", "a ZIP file"


_MIME_OF = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}


def _bomb_like(infos: list[zipfile.ZipInfo]) -> bool:
    """Declared sizes only: nothing is decompressed to decide."""
    if len(infos) > _MAX_MEMBERS:
        return True
    if sum(info.file_size for info in infos) > _MAX_UNPACKED:
        return True
    return any(info.file_size > _RATIO_FLOOR
               and info.file_size > _MAX_RATIO * max(info.compress_size, 1) for info in infos)


def _read_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo | None, cap: int) -> bytes | None:
    """A small member, never more than `cap` bytes even if its header lies."""
    if info is None or info.file_size > cap:
        return None
    try:
        with zf.open(info) as fh:
            return fh.read(cap)
    except Exception as exc:  # bad CRC, encrypted member, unknown compression, zlib errors
        log.debug("unreadable member %s: %r", info.filename, exc)
        return None


def _ooxml(zf: zipfile.ZipFile, names: dict[str, zipfile.ZipInfo]) -> _Content:
    types_xml = _read_part(zf, names["[Content_Types].xml"], _MAX_PART_BYTES)
    if types_xml is None:
        return _damaged("tệp Office (OOXML)", "an Office (OOXML) file")
    types = {t.decode("ascii", "replace").strip().lower() for t in _CONTENT_TYPE.findall(types_xml)}
    lower = {n.lower() for n in names}
    vba = (any(n.endswith("vbaproject.bin") for n in lower)
           or "application/vnd.ms-office.vbaproject" in types)
    main = next((_OOXML_MAIN[t] for t in _OOXML_MAIN if t in types), None)
    if main is None:
        kind = next((k for part, k in _OOXML_BY_PART if part in lower), None)
        if kind is None:
            return _c("ooxml", "gói tài liệu Office không xác định", "an unknown Office package",
                      MACRO if vba else None)
        main = _OOXML_BY_KIND[kind]
    kind, vi, en, problem = main
    if kind in _ALLOWED_LABELS:
        if vba:  # a docm/xlsm renamed and relabelled is still macro-enabled
            alias, vi, en = _WITH_MACROS[kind]
            return _c(alias, f"{vi} ({alias})", f"{en} ({alias})", MACRO)
        return _allowed(kind)
    return _c(kind, vi, en, MACRO if vba else problem)


def _odf(zf: zipfile.ZipFile, names: dict[str, zipfile.ZipInfo]) -> _Content:
    manifest = _read_part(zf, names.get("META-INF/manifest.xml"), _MAX_PART_BYTES) or b""
    media = (_read_part(zf, names.get("mimetype"), 256) or b"").strip()
    if not media:
        found = _ODF_MEDIA_TYPE.search(manifest)
        media = (found.group(1) or found.group(2)) if found else b""
    # It goes into a notice: keep only what a media type can hold.
    media = media.decode("ascii") if _MEDIA_TYPE.fullmatch(media) else ""
    if media not in _ODF_KINDS:
        if not media:
            return _ZIP_ARCHIVE
        return _c("odf-other", f"tài liệu OpenDocument không được hỗ trợ ({media})",
                  f"an unsupported OpenDocument file ({media})")
    kind, vi, en = _ODF_KINDS[media]
    if b"encryption-data" in manifest:
        return _c(kind, "tài liệu OpenDocument có mật khẩu", "a password-protected OpenDocument file",
                  ENCRYPTED)
    if kind in _ALLOWED_LABELS:
        if any(_ODF_MACRO_PART.match(n) for n in names):
            vi, en = _ALLOWED_LABELS[kind]
            return _c(kind, f"{vi} có chứa macro", f"{en} with macros", MACRO)
        return _allowed(kind)
    return _c(kind, vi, en)


# -- text ------------------------------------------------------------------------------------

# Text under these names is what the name says: a page, a script, a program.
_TEXT_BY_NAME = {
    **{ext: _MIME_KINDS["text/html"] for ext in ("html", "htm", "xhtml", "mht", "mhtml", "hta")},
    "xml": _MIME_KINDS["text/xml"], "svg": _MIME_KINDS["image/svg+xml"],
    "eml": _MIME_KINDS["message/rfc822"],
}
_SCRIPT_EXTENSIONS = frozenset(
    "js jse vbs vbe vb wsf wsh ws ps1 psm1 psd1 bat cmd sh bash py pl rb php jar exe com scr pif "
    "dll cpl msi lnk url reg inf scf msc gadget application chm jnlp".split())


def _text(data: bytes, mime: str, ext: str) -> _Content | None:
    text, flags = decode_text(data)
    if flags == (FLAG_UNDECODABLE,):
        return None
    if ext in _TEXT_BY_NAME:
        return _TEXT_BY_NAME[ext]
    if ext in _SCRIPT_EXTENSIONS:
        return _c("script", f"tệp lệnh hoặc chương trình (.{ext})", f"a script or program (.{ext})")
    markup = _markup(text, mime, ext)
    if markup is not None:
        return markup
    if ext in ("txt", "csv"):  # both are text: among them the name decides
        return _allowed(ext, flags)
    return _allowed("csv" if _looks_tabular(text) else "txt", flags)


_HTML_START = re.compile(r"\A\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)[\s>]", re.I | re.S)
_XML_START = re.compile(r"\A\s*<\?xml\s", re.I)


def _markup(text: str, mime: str, ext: str) -> _Content | None:
    """HTML/XML/e-mail told apart from plain text (libmagic, then our own look)."""
    head = text[:4096].lstrip("\ufeff")
    if mime == "text/html" or _HTML_START.match(head):
        return _MIME_KINDS["text/html"]
    if mime == "image/svg+xml" or (_XML_START.match(head) and "<svg" in head):
        return _MIME_KINDS["image/svg+xml"]
    if mime in ("text/xml", "application/xml") or _XML_START.match(head):
        return _MIME_KINDS["text/xml"]
    if mime == "message/rfc822" and ext not in ("txt", "csv"):  # "From: …" text is still text
        return _MIME_KINDS["message/rfc822"]
    return None


_DELIMITERS = ",;\t|"
_SAMPLE_LINES = 200


def _looks_tabular(text: str) -> bool:
    """CSV, not prose: most lines split into the same number (≥ 2) of short fields.

    Prose with one comma per line ("Căn cứ …, ngày …;") also has a constant
    field count — libmagic calls such text CSV — so long, wordy fields or
    sentence endings on two-field lines count against it.
    """
    lines = [line for line in text[:200_000].splitlines() if line.strip()][:_SAMPLE_LINES]
    if len(lines) < 2:
        return False
    return any(_tabular_with(lines, d) for d in _DELIMITERS)


def _tabular_with(lines: list[str], delimiter: str) -> bool:
    try:
        rows = list(csv.reader(lines, delimiter=delimiter))
    except csv.Error:
        return False
    width, count = Counter(len(r) for r in rows).most_common(1)[0]
    if width < 2 or count < 0.8 * len(rows):
        return False
    cells = [c for r in rows for c in r]
    wordy = sum(1 for c in cells if len(c.split()) > 6)
    if wordy > 0.3 * len(cells):
        return False
    sentences = sum(1 for line in lines if line.rstrip().endswith((".", ";", ":", "!", "?")))
    return not (width == 2 and sentences > 0.5 * len(lines))


# -- the decision --------------------------------------------------------------------------

def _libmagic(data: bytes) -> str:
    try:
        return magic.from_buffer(data, mime=True) or "application/octet-stream"
    except Exception as exc:  # a broken magic database must not stop intake
        log.warning("libmagic failed: %r", exc)
        return "application/octet-stream"


_TNEF = b"\x78\x9f\x3e\x22"   # TNEF signature 0x223E9F78, little-endian


def _identify(data: bytes, mime: str, ext: str) -> _Content:
    """Structure checks first (they read inside), libmagic for the rest."""
    exe = _executable(data)
    if exe is not None:
        return exe
    if data.startswith(_OLE2):
        return _ole(data)
    if data.startswith(_TNEF):   # Outlook's winmail.dat: may carry a PDF inside, but is not one
        return _c("tnef", "tệp winmail.dat của Outlook (định dạng TNEF)", "an Outlook winmail.dat (TNEF) file")
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return _zip(data, mime)
    if b"%PDF-" in data[:1024]:
        return _pdf(data)
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{\\rtf"):
        return _allowed("rtf")
    for prefix, content in _PREFIXES:
        if data.startswith(prefix):
            return content
    if not mime.startswith("text/") and mime not in ("message/rfc822", "image/svg+xml"):
        known = _from_mime(mime)
        if known is not None:
            return known
    text = _text(data, mime, ext)
    if text is not None:
        return text
    if mime.startswith("text/"):
        return _c("text-undecodable", "tệp văn bản không rõ bảng mã (không đọc được)",
                  "text in an unknown encoding (unreadable)")
    return _unknown(mime)


def _unknown(mime: str) -> _Content:
    return _c("unknown", "tệp không xác định được định dạng", f"a file of unknown type ({mime})")


def _extension(filename: str) -> str:
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", filename or ""))[-1]
    base = base.rstrip(" .")   # Windows ignores trailing dots and spaces
    stem, dot, ext = base.rpartition(".")
    if not dot or not stem or not re.fullmatch(r"[0-9a-z]{1,10}", ext.lower()):
        return ""
    return ext.lower()


def classify(data: bytes, filename: str, declared_type: str = "",
             allowed: Sequence[str] = ALLOWED_FORMATS) -> FormatResult:
    """Classify one attachment by its content.

    `declared_type` (the sender's Content-Type) is kept by the caller for the
    record; it never decides anything here. `allowed` narrows the formats
    accepted (rules.yaml `formats.allowed`).
    """
    data = bytes(data or b"")
    allowed = tuple(allowed)
    mime = _libmagic(data)
    if not data:
        return _refuse(mime, "empty_file", filename, allowed)
    ext = _extension(filename)
    try:
        content = _identify(data, mime, ext)
    except Exception:  # a bug here must not stop intake: refuse the one file, loudly
        log.exception("format classification failed for %r", filename)
        content = _unknown(mime)
    return _judge(content, mime, ext, filename, allowed)


_UNREADABLE = frozenset({"damaged", "bomb", "text-undecodable"})


def _judge(content: _Content, mime: str, ext: str, filename: str,
           allowed: tuple[str, ...]) -> FormatResult:
    if content.problem is None and content.kind in ALLOWED_FORMATS:
        if content.kind not in allowed:
            return _refuse(mime, "format_not_allowed", filename, allowed, content, narrowed=True)
        flags = content.flags + ((FLAG_NAME_MISMATCH,) if ext != content.kind else ())
        return FormatResult(format=content.kind, mime=mime, allowed=True, flags=flags)
    if content.problem in (MACRO, ENCRYPTED):
        code = content.problem
    elif content.kind in _UNREADABLE:  # not a disguise: say it is broken, whatever the name
        code = "format_not_allowed"
    elif ext in ALLOWED_FORMATS:
        code = "format_mismatch"
    elif content.problem == ARCHIVE:
        code = ARCHIVE
    else:
        code = "format_not_allowed"
    return _refuse(mime, code, filename, allowed, content, ext=ext)


# -- refusal messages ------------------------------------------------------------------------

def _display_name(filename: str) -> str:
    name = re.split(r"[\\/]", unicodedata.normalize("NFC", filename or ""))[-1]
    # No control or formatting characters (e.g. right-to-left overrides) in notices.
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf"))
    name = " ".join(name.split())
    return name if len(name) <= 120 else name[:119] + "…"


def _refuse(mime: str, code: str, filename: str, allowed: tuple[str, ...],
            content: _Content | None = None, ext: str = "", narrowed: bool = False) -> FormatResult:
    name = _display_name(filename)
    subject_vi = f"Tệp “{name}”" if name else "Tệp đính kèm"
    subject_en = f"“{name}”" if name else "The attachment"
    what_vi, what_en = (content.vi, content.en) if content else ("", "")
    law_vi = "Quyết định số 57/2014/QĐ-UBND, Điều 4.2.c"
    if code == "empty_file":
        vi = f"{subject_vi} không có nội dung (0 byte). Kính đề nghị quý cơ quan kiểm tra và gửi lại tệp."
        en = f"{subject_en} is empty (0 bytes)."
    elif code == MACRO:
        vi = (f"{subject_vi} là {what_vi}. Vì lý do an toàn thông tin, tệp có chứa macro không được "
              "tiếp nhận. Kính đề nghị quý cơ quan lưu lại ở định dạng không có macro "
              "(ví dụ docx, xlsx hoặc pdf) và gửi lại.")
        en = f"{subject_en} is {what_en}; files with macros are refused."
    elif code == ENCRYPTED:
        vi = (f"{subject_vi} là {what_vi} nên văn thư không mở được để kiểm tra và vào sổ. "
              "Kính đề nghị quý cơ quan gỡ bỏ mật khẩu rồi gửi lại.")
        en = f"{subject_en} is {what_en}; it cannot be opened to be checked and registered."
    elif code == ARCHIVE:
        vi = (f"{subject_vi} là {what_vi}. Hệ thống chưa tiếp nhận tệp nén; kính đề nghị quý cơ quan "
              "gửi từng tệp riêng, không nén.")
        en = f"{subject_en} is {what_en}; archives are not accepted, send each file separately."
    elif code == "format_mismatch":
        vi = (f"{subject_vi} mang đuôi .{ext} nhưng thực chất là {what_vi}, không thuộc các định dạng "
              f"được phép gửi ({law_vi}). Kính đề nghị quý cơ quan kiểm tra lại và gửi đúng tệp.")
        en = (f"{subject_en} is named .{ext} but is really {what_en}, which is not an allowed format "
              "(Decision 57/2014 Art. 4.2.c).")
    elif narrowed:
        vi = (f"{subject_vi} là {what_vi}; định dạng này hiện không được tiếp nhận tại hộp thư này. "
              "Kính đề nghị quý cơ quan chuyển sang định dạng được chấp nhận và gửi lại.")
        en = f"{subject_en} is {what_en}; this mailbox does not accept that format."
    elif content is not None and content.kind in _UNREADABLE:
        vi = f"{subject_vi} là {what_vi}. Kính đề nghị quý cơ quan kiểm tra và gửi lại tệp."
        en = f"{subject_en} is {what_en}."
    else:
        vi = (f"{subject_vi} là {what_vi}, không thuộc các định dạng được phép gửi ({law_vi}). "
              "Kính đề nghị quý cơ quan chuyển sang định dạng được chấp nhận và gửi lại.")
        en = f"{subject_en} is {what_en}, which is not an allowed format (Decision 57/2014 Art. 4.2.c)."
    accepted = ", ".join(allowed) if allowed else "(không có)"
    vi = unicodedata.normalize("NFC", f"{vi} Các định dạng được chấp nhận: {accepted}.")
    en = f"{en} Accepted formats: {', '.join(allowed) or '(none)'}."
    reason = Reason(code=code, message_vi=vi, message_en=en, rule=RULE)
    flags = content.flags if content else ()
    return FormatResult(format=None, mime=mime, allowed=False, reason=reason, flags=flags)
