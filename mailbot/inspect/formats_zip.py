"""ZIP packages for `inspect/formats`: OOXML (docx, xlsx and their macro-enabled, template and
PowerPoint relatives), ODF (odt, ods …), plain archives. Bounded: members are judged by their
declared sizes first, and only the small parts that name the package type are decompressed."""

from __future__ import annotations

import io
import logging
import re
import zipfile

from mailbot.inspect.formats_kinds import (
    _ALLOWED_LABELS, _BOMB, ARCHIVE, ENCRYPTED, MACRO, _allowed, _c, _Content, _damaged,
)

log = logging.getLogger("mailbot.inspect.formats")   # one logger for the whole classifier

_MAX_PART_BYTES = 1 << 20            # [Content_Types].xml, manifest.xml
_MAX_MEMBERS = 10_000
_MAX_UNPACKED = 512 << 20            # whole package, as declared
_MAX_RATIO = 200                     # per member above _RATIO_FLOOR
_RATIO_FLOOR = 1 << 20

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
