"""What an attachment really is, judged by its content (QĐ 57/2014 Điều 4.2.c).

Pure: bytes in, a `FormatResult` out, never an exception. The file name
only breaks ties that the bytes cannot (txt vs csv, a text file that is
really a script) and is otherwise just compared with the content.

Work is bounded: ZIP members are checked by their declared sizes before
anything is read, and only the few small parts that name the package type
([Content_Types].xml, mimetype, META-INF/manifest.xml) are decompressed,
each with a cap.

Here: executables and PDFs, the decision and the refusal messages. The kinds
of content and their names: `formats_kinds`; OLE2 files: `formats_ole`; ZIP
packages (OOXML, ODF): `formats_zip`; text, CSV and markup: `formats_text`.
"""

from __future__ import annotations

import io
import logging
import re
import struct
import unicodedata
from collections.abc import Sequence

import magic
from pypdf import PasswordType, PdfReader

from mailbot.model import ALLOWED_FORMATS, FormatResult, Reason
from mailbot.inspect.formats_kinds import (
    _PREFIXES, ARCHIVE, ENCRYPTED, MACRO, _allowed, _c, _Content, _from_mime,
)
from mailbot.inspect.formats_ole import _ole
from mailbot.inspect.formats_text import _text
from mailbot.inspect.formats_zip import _zip
from mailbot.inspect.text import FLAG_UNDECODABLE, decode_text

__all__ = ["classify", "RULE", "FLAG_NAME_MISMATCH"]

RULE = "QĐ 57/2014 Điều 4.2.c"
FLAG_NAME_MISMATCH = "name-mismatch"

log = logging.getLogger(__name__)


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


# -- the decision --------------------------------------------------------------------------

def _libmagic(data: bytes) -> str:
    try:
        return magic.from_buffer(data, mime=True) or "application/octet-stream"
    except Exception as exc:  # a broken magic database must not stop intake
        log.warning("libmagic failed: %r", exc)
        return "application/octet-stream"


_OLE2 = bytes.fromhex("D0CF11E0A1B11AE1")
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
