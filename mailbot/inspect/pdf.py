"""PDF facts for the register: page count (số tờ) and the text to read.

Pure: bytes in, a `PdfFacts` out. pypdf runs non-strict (many real files have
hybrid or broken cross-reference tables) under tighter decode limits than its
defaults, and nothing here raises: a file that cannot be read gives
`pages=None` and an `error` that says why.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from mailbot.util.errors import short_error

logger = logging.getLogger(__name__)

# Limits for untrusted input (pypdf's defaults are 75 MB per stream).
MAX_PDF_BYTES = 60 * 1024 * 1024
MAX_TEXT_CHARS = 20_000          # per page kept for later reading
_PYPDF_LIMITS = dict(
    maximum_declared_stream_length=40_000_000,
    array_based_stream_maximum_output_length=40_000_000,
    zlib_maximum_output_length=40_000_000,
    lzw_maximum_output_length=40_000_000,
    run_length_maximum_output_length=40_000_000,
    jbig2_maximum_output_length=40_000_000,
    brotli_maximum_output_length=40_000_000,
    image_maximum_buffer_size=40_000_000,
    stream_decoding_work_maximum_length=120_000_000,
    stream_parsing_work_maximum_count=1_000_000,
    page_tree_maximum_entries=50_000,
    page_tree_maximum_depth=50,
    form_fields_maximum_entries=10_000,
    xform_maximum_invocations_per_extraction=1_000,
    jbig2dec_binary=None,            # never run an external decoder on mail
)


@dataclass(frozen=True)
class PdfFacts:
    pages: int | None           # None when the file could not be read
    first_page_text: str        # NFC, at most MAX_TEXT_CHARS
    last_page_text: str         # same page as first_page_text for one-page files
    encrypted: bool
    error: str | None           # English, for logs; None when read fine

    @property
    def readable(self) -> bool:
        return self.error is None


def pdf_facts(data: bytes, *, text: bool = True) -> PdfFacts:
    """Page count and first/last page text of a PDF. Never raises.

    `text=False` skips the page texts (left empty): the message inspection reads the
    main document's text once, through `extract.extract_text`, not here as well."""
    return open_pdf(data, text=text)[0]


def open_pdf(data: bytes, *, text: bool = False) -> tuple[PdfFacts, Any]:
    """`pdf_facts()` and the open pypdf reader (None when unreadable), so that the text can
    be read from the same parse (`extract.extract_text(..., reader=...)`). Never raises."""
    if b"%PDF-" not in data[:1024]:
        return PdfFacts(None, "", "", False, "not a PDF file (no %PDF- header)"), None
    if len(data) > MAX_PDF_BYTES:
        return PdfFacts(None, "", "", False, f"PDF larger than {MAX_PDF_BYTES} bytes"), None
    try:
        from pypdf import apply_configuration

        with apply_configuration(**_PYPDF_LIMITS):
            return _read(data, text)
    except Exception as exc:  # noqa: BLE001 - untrusted input, any parser failure
        logger.info("pdf_facts: unreadable PDF: %s", exc)
        return PdfFacts(None, "", "", False, f"unreadable PDF: {short_error(exc, 200)}"), None


def _read(data: bytes, text: bool) -> tuple[PdfFacts, Any]:
    from pypdf import PdfReader

    from mailbot.inspect.hex_strings import install

    install()        # block-wise hex strings: page text shown as <...> is read fast
    reader = PdfReader(BytesIO(data), strict=False)
    encrypted = bool(reader.is_encrypted)
    if encrypted and not _decrypt_with_empty_password(reader):
        return PdfFacts(None, "", "", True, "encrypted PDF: a password is needed to open it"), None
    count = len(reader.pages)
    if count == 0:
        return PdfFacts(0, "", "", encrypted, "PDF has no pages"), None
    if not text:
        return PdfFacts(count, "", "", encrypted, None), reader
    first = _page_text(reader, 0)
    last = first if count == 1 else _page_text(reader, count - 1)
    return PdfFacts(count, first, last, encrypted, None), reader


def _decrypt_with_empty_password(reader) -> bool:
    """Owner-password-only files open with the empty user password."""
    try:
        from pypdf import PasswordType

        return reader.decrypt("") != PasswordType.NOT_DECRYPTED
    except Exception:  # noqa: BLE001 - unsupported crypto, broken /Encrypt
        return False


def _page_text(reader, index: int) -> str:
    """Text of one page; a page whose text cannot be extracted reads as ''."""
    try:
        text = reader.pages[index].extract_text() or ""
    except Exception as exc:  # noqa: BLE001
        logger.info("pdf_facts: no text from page %d: %s", index + 1, exc)
        return ""
    return unicodedata.normalize("NFC", text[: MAX_TEXT_CHARS * 2])[:MAX_TEXT_CHARS]
