"""What a file can be, for `inspect/formats`: the kinds of content, how to name each to people
(Vietnamese and English, as notices say it), the problems that refuse a file whatever its name
(macros, encryption, archives), the signatures at the start of a file and libmagic's answers."""

from __future__ import annotations

from dataclasses import dataclass

# Problems that refuse a file whatever its name says.
MACRO, ENCRYPTED, ARCHIVE = "macro_enabled", "encrypted", "archive"


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
