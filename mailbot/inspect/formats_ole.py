"""OLE2 compound files for `inspect/formats`: Word 97-2003 and Excel 97-2003 (with their
password and macro flags), encrypted OOXML packages, Outlook messages, the other Office kinds."""

from __future__ import annotations

import io
import logging
import struct

import olefile

from mailbot.inspect.formats_kinds import ENCRYPTED, MACRO, _allowed, _c, _Content, _damaged

log = logging.getLogger("mailbot.inspect.formats")   # one logger for the whole classifier

_MAX_RECORDS_SCANNED = 4096          # BIFF records read looking for FILEPASS


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
