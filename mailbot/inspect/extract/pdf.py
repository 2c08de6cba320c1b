"""PDF text through pypdf, within the limits `inspect.pdf` sets.

Only the first `PDF_HEAD_PAGES` and last `PDF_TAIL_PAGES` pages are read: the
header is on page 1, the signature on the last, and a long PDF's middle costs
time for nothing. A reader `inspect.pdf.open_pdf()` made is reused (one
parse). pypdf's text has no per-run font, so the fonts of a page (and of its
form XObjects) give a legacy hint for that page only. The result keeps one
entry per page, None for pages not read, and "…" where pages were skipped.
"""

from __future__ import annotations

import io
import logging
import re
from typing import Any

from mailbot.inspect import legacy
from mailbot.inspect.extract.convert import _convert_segments
from mailbot.inspect.extract.output import FLAG_EMPTY, FLAG_TRUNCATED, ExtractedText, _clean, _Out, _Refused

log = logging.getLogger(__package__)   # the entry point's logger, as before the split

PDF_HEAD_PAGES = PDF_TAIL_PAGES = 2  # the header is on page 1, the signature on the last


def _pdf(data: bytes, out: _Out, reader: Any = None) -> list[str | None]:
    from pypdf import PdfReader, apply_configuration

    from mailbot.inspect.pdf import _PYPDF_LIMITS, MAX_PDF_BYTES, _decrypt_with_empty_password

    if b"%PDF-" not in data[:1024]:
        raise _Refused("not a PDF file (no %PDF- header)")
    if len(data) > MAX_PDF_BYTES:
        raise _Refused(f"PDF larger than {MAX_PDF_BYTES} bytes")
    with apply_configuration(**_PYPDF_LIMITS):
        if reader is None:
            from mailbot.inspect.hex_strings import install

            install()
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted and not _decrypt_with_empty_password(reader):
                raise _Refused("encrypted PDF: a password is needed to open it")
        count = len(reader.pages)
        wanted = sorted({*range(min(PDF_HEAD_PAGES, count)),
                         *range(max(count - PDF_TAIL_PAGES, 0), count)})
        pages: list[str | None] = [None] * count
        for index in wanted:
            page = reader.pages[index]
            fonts = _pdf_fonts(page)
            for name in fonts:
                out.font(name)
            schemes = {s for s in map(legacy.font_scheme, fonts) if s}
            scheme = None
            if schemes:
                families = {legacy.VNI if s == legacy.VNI else legacy.TCVN3 for s in schemes}
                if len(families) == 1:   # page-level only: capitals are guessed per word
                    scheme = "hint:" + families.pop()
            try:
                text = page.extract_text() or ""
            except Exception as exc:  # noqa: BLE001 - one bad page: keep the others
                log.info("extract_text(pdf): page %d: %r", index + 1, exc)
                text = ""
            text = text[: out.budget + 1]
            out.pdf_pages.append((index, text, scheme))
            pages[index] = ""
        return pages


def _pdf_fonts(page) -> list[str]:
    names: list[str] = []

    def visit(resources, depth: int) -> None:
        try:
            resources = resources.get_object() if resources is not None else None
            if not resources or depth > 2:
                return
            fonts = resources.get("/Font")
            fonts = fonts.get_object() if fonts is not None else {}
            for ref in list(fonts.values())[:100]:
                font = ref.get_object()
                base = font.get("/BaseFont")
                if base is not None:
                    name = str(base).lstrip("/")
                    name = re.sub(r"^[A-Z]{6}\+", "", name)
                    if name not in names:
                        names.append(name)
            xobjects = resources.get("/XObject")
            xobjects = xobjects.get_object() if xobjects is not None else {}
            for ref in list(xobjects.values())[:50]:
                xobj = ref.get_object()
                if xobj.get("/Subtype") == "/Form":
                    visit(xobj.get("/Resources"), depth + 1)
        except Exception as exc:  # noqa: BLE001
            log.debug("pdf fonts: %r", exc)

    visit(page.get("/Resources"), 0)
    return names


_PDF_PAGE_BREAK = "\f"


def _pdf_result(out: _Out, pages: list[str | None], max_chars: int) -> ExtractedText:
    read = out.pdf_pages
    segs = [(text, scheme) for _, text, scheme in read]
    converted, flags = _convert_segments(segs)
    texts = []
    for (index, _, _), text in zip(read, converted):
        pages[index] = _clean(text)
        texts.append(pages[index])
    pieces, last = [], None
    for (index, _, _), text in zip(read, texts):
        if last is not None and index != last + 1:
            pieces.append("…")        # pages not read
        pieces.append(text)
        last = index
    text = f"\n{_PDF_PAGE_BREAK}\n".join(pieces)
    if not "".join(texts).strip():
        text = ""
        flags.append(FLAG_EMPTY)       # no text layer: a scan (OCR is another stage)
    truncated = len(text) > max_chars or out.truncated
    text = text[:max_chars]
    if truncated:
        flags.append(FLAG_TRUNCATED)
    return ExtractedText(text, pages, tuple(dict.fromkeys(flags)), tuple(out.fonts), None)
