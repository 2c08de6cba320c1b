"""Reading scanned documents: Vietnamese OCR of image-only PDFs and images (pure-ish, never raises).

Decision 57/2014 Art. 10.2 has clerks scan the signed and stamped paper
original to PDF, so many attachments carry no text layer. `needs_ocr` tells
those apart (and images: png, jpeg, tiff); `ocr_document` reads only the
pages the register needs and gives NFC text, shaped like `extract_text`'s, for
`read_document`, with Tesseract's word confidences; `field_confidence` maps a
confidence onto each field read from it so the caller can leave doubtful
fields to the clerk. Bytes in, text out: the attachment is never modified
(the engine copies it to a private temporary folder for the tools; a
signature over the original still verifies).

Pure (docs/DESIGN.md §2): this decides what to read and reads what comes
back; the programs (Tesseract, pdftoppm), their temporary folder and their
time limits are an `OcrEngine` handed in by the caller
(`mailbot.runtime.ocr_engine.TesseractEngine`, from the OCR queue and
`mailbot ocr`). Images: `inspect/ocr_image`; Tesseract's output into lines:
`inspect/ocr_lines`; confidence per field: `inspect/ocr_fields`.

Choices (measured on this 2-core machine, A4 page):
- Tesseract 5 through **pytesseract** (a thin, maintained wrapper of the
  `tesseract` command), run by the engine. The work runs in a child
  process: a hang or a crash of Tesseract/Leptonica on a hostile image
  cannot take the caller down, and the child is killed at the deadline
  (pytesseract kills it on timeout). tesserocr (C API) would save the
  ~0.3 s model load per page but needs a build against libtesseract and
  cannot be interrupted mid-page. ocrmypdf writes a new PDF, pulls in
  pikepdf/Ghostscript, and gives no confidences. `OMP_THREAD_LIMIT=1` is
  set for the child (by the engine): Debian's OpenMP build is 2-2.5×
  *slower* in wall time with threads here (1.6 s vs 3.9 s a page at 300 dpi).
- Pages rendered with **pdftoppm** (Debian poppler-utils): a child process
  again (killable, isolated), every PDF image codec (JPEG, JBIG2, CCITT,
  JPX), only the pages asked for, PPM output (PNG compression of a noisy
  scan costs seconds). pypdfium2 is faster in-process but cannot be bounded.
- Pre-processing with Pillow only: colour drop-out (the lightest of R, G, B:
  black print stays, the red seal and blue ink signature fade, or Tesseract
  takes the signer block for a picture and drops it) and a projection-profile
  deskew (±4°, on a thumbnail).
- Pages: the first (header) and the last (signer, Nơi nhận); the second
  only when the header runs on (no body start on page 1) or the last page
  has no signature block (an annex at the end). Pages whose own text layer is
  usable are taken from it, not OCR'd.
"""

from __future__ import annotations

import io
import logging
import re
import time
import unicodedata
from dataclasses import dataclass, field

from mailbot.config import Ocr
from mailbot.inspect.ocr_fields import field_confidence
from mailbot.inspect.ocr_image import (  # noqa: F401 - MAX_*: re-exported bounds
    MAX_IMAGE_PIXELS,
    MAX_SIDE_PX,
    _image_dpi,
    _max_dpi,
    _open_image,
    _prepare,
)
from mailbot.inspect.ocr_lines import _lines, parse_tsv
from mailbot.inspect.ocr_tools import OcrEngine, OcrError, OcrWorkspace

__all__ = [
    "IMAGE_FORMATS", "OcrEngine", "OcrError", "OcrResult", "field_confidence", "needs_ocr", "ocr_document",
    "usable_text",
]

log = logging.getLogger(__name__)

IMAGE_FORMATS = frozenset({"png", "jpeg", "jpg", "tiff", "tif"})
MAX_INPUT_BYTES = 60 << 20
MAX_PAGES = 3                   # first, last, and the second when needed
_PAGE_BREAK = "\f"
_MIN_LETTERS = 120              # a first page's text layer with fewer letters (stamps only) is not the page
_MIN_LETTERS_LATER = 10         # a later page may hold just a line or the signer block


@dataclass(frozen=True)
class OcrResult:
    text: str                                   # NFC; pages joined like extract_text ("\n\f\n", "…")
    pages_read: list[int]                       # 0-based indexes of the pages read
    confidence: float                           # mean word confidence, 0..100
    line_confidence: list[tuple[str, float]]    # each line of text with its mean word confidence
    seconds: float
    error: str | None                           # None, or English for logs: "timeout", "tesseract not installed"…
    line_words: list[list[tuple[str, float]]] = field(default_factory=list)  # words of each line above
    ocr_pages: list[int] = field(default_factory=list)   # of pages_read, those recognised (not text layer)

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.text.strip())


# -- is there anything to read? -----------------------------------------------------------------

_STAMP_LINE = re.compile(
    r"^\s*(?:Ký\s+bởi|Người\s+ký|Ký\s+số\s+bởi|Được\s+ký\s+bởi|Signed\s+by|E-?mail|Cơ\s+quan|"
    r"Chức\s+vụ|Thời\s+gian(?:\s+ký)?|Ngày\s+ký|Signing\s+time|Ngày\s+giờ\s+ký)\b.*$", re.IGNORECASE | re.MULTILINE)


def usable_text(text: str | None, min_letters: int = _MIN_LETTERS) -> bool:
    """Does a page's text layer carry the page (not just an e-signature stamp, not garbage)?

    The first page must carry a header (`min_letters`); a later page may be short
    (a last page with only the signer block), so callers ask less of it."""
    if not text:
        return False
    text = _STAMP_LINE.sub("", unicodedata.normalize("NFC", text))
    chars = [c for c in text if not c.isspace()]
    letters = sum(c.isalpha() for c in chars)
    if letters < max(1, min_letters):
        return False
    odd = sum(1 for c in chars if unicodedata.category(c) in ("Co", "Cn", "Cc", "Cs") or c == "\ufffd")
    return odd <= 0.02 * len(chars) and letters >= 0.6 * len(chars)


def needs_ocr(data: bytes, fmt: str) -> bool:
    """True for an image, or a PDF whose first or last page has no usable text layer. Never raises."""
    fmt = (fmt or "").lower()
    if not data:
        return False
    if fmt in IMAGE_FORMATS:
        return True
    if fmt != "pdf":
        return False
    try:
        count, layers = _pdf_layers(bytes(data))
    except OcrError:
        return False
    except Exception as exc:  # noqa: BLE001 - untrusted input
        log.info("needs_ocr: unreadable PDF: %r", exc)
        return False
    return count > 0 and any(not _layer_ok(layers.get(i), i) for i in _ends(count))


def _layer_ok(text: str | None, index: int) -> bool:
    return usable_text(text, _MIN_LETTERS if index == 0 else _MIN_LETTERS_LATER)


def _ends(count: int) -> list[int]:
    return sorted({0, count - 1}) if count else []


def _pdf_layers(data: bytes) -> tuple[int, dict[int, str | None]]:
    """Page count and the text layer of the pages extract_text reads (first two, last two)."""
    from mailbot.inspect.extract import FLAG_FAILED, extract_text

    got = extract_text(data, "pdf")
    if FLAG_FAILED in got.flags or got.pages is None:
        raise OcrError(got.error or "unreadable PDF")
    return len(got.pages), dict(enumerate(got.pages))


# -- the run -------------------------------------------------------------------------------------

@dataclass
class _Page:
    index: int
    lines: list[tuple[str, float, list[tuple[str, float]]]]   # (text, mean conf, words); "" = block break
    ocr: bool


def ocr_document(data: bytes, fmt: str, settings: Ocr, *, engine: OcrEngine | None = None,
                 deadline: float | None = None, force: bool = False) -> OcrResult:
    """Read a scanned PDF or an image (see module doc). Never raises.

    `engine` runs the programs (see `inspect/ocr_tools`); without one nothing
    is read and `error` says so. `deadline` is a `time.monotonic()` instant;
    the run also stops after `settings.time_limit_seconds`. On timeout the
    pages read so far are kept and `error` is "timeout". `force` OCRs PDF
    pages even when their text layer looks usable (the `mailbot ocr` command).
    """
    start = time.monotonic()
    limit = start + max(0.0, float(settings.time_limit_seconds))
    if deadline is not None:
        limit = min(limit, deadline)
    fmt = (fmt or "").lower()
    pages: list[_Page] = []
    error: str | None = None
    try:
        if not settings.enabled:
            raise OcrError("ocr disabled")
        if fmt != "pdf" and fmt not in IMAGE_FORMATS:
            raise OcrError(f"no OCR for format {fmt!r}")
        data = bytes(data or b"")
        if not data:
            raise OcrError("empty file")
        if len(data) > MAX_INPUT_BYTES:
            raise OcrError(f"file larger than {MAX_INPUT_BYTES} bytes: not read")
        if engine is None:
            raise OcrError("no OCR engine handed in")
        _check_tools(engine, settings.languages, limit)
        with engine.workspace() as workspace:
            run = _Run(data, fmt, settings, limit, workspace, force)
            try:
                run.read()
            finally:
                pages = run.pages
    except OcrError as exc:
        error = str(exc)
    except Exception as exc:  # noqa: BLE001 - untrusted input, external tools: never raise
        log.warning("ocr_document(%s) failed: %r", fmt, exc)
        error = f"ocr failed: {type(exc).__name__}: {exc}"[:300]
    return _result(pages, error, time.monotonic() - start)


def _check_tools(engine: OcrEngine, languages: str, limit: float) -> None:
    try:
        import PIL  # noqa: F401 - the pages are prepared here, with Pillow
    except ImportError as exc:
        raise OcrError(f"{exc.name} not installed (pip: pytesseract, Pillow)") from None
    engine.check(languages)
    if time.monotonic() >= limit:
        raise OcrError("timeout")


class _Run:
    def __init__(self, data: bytes, fmt: str, settings: Ocr, limit: float, workspace: OcrWorkspace,
                 force: bool):
        self.data, self.fmt, self.settings, self.limit, self.workspace, self.force = \
            data, fmt, settings, limit, workspace, force
        self.pages: list[_Page] = []
        self.dpi = max(70, min(600, int(settings.dpi)))

    def remaining(self) -> float:
        left = self.limit - time.monotonic()
        if left <= 0:
            raise OcrError("timeout")
        return left

    def read(self) -> None:
        if self.fmt == "pdf":
            count, layers = _pdf_layers(self.data)
            if count == 0:
                raise OcrError("PDF has no pages")
            get = lambda i: self._pdf_page(i, layers.get(i))
        else:
            image = _open_image(self.data)
            count = getattr(image, "n_frames", 1) or 1
            get = lambda i: self._image_page(image, i)
        for index in _ends(count):
            self.pages.append(get(index))
        if count > 2 and MAX_PAGES > 2 and _wants_second(self.pages):
            self.pages.append(get(1))
            self.pages.sort(key=lambda p: p.index)

    # PDF pages: the text layer when usable, else pdftoppm → Pillow → Tesseract.
    def _pdf_page(self, index: int, layer: str | None) -> _Page:
        if layer is not None and _layer_ok(layer, index) and not self.force:
            lines = [(ln, 100.0, [(w, 100.0) for w in ln.split()]) if ln.strip() else ("", 0.0, [])
                     for ln in unicodedata.normalize("NFC", layer).splitlines()]
            return _Page(index, lines, ocr=False)
        dpi = min(self.dpi, _max_dpi(self.data, index))
        rendered = self.workspace.render_pdf_page(self.data, index, dpi, self.remaining())
        from PIL import Image

        with Image.open(io.BytesIO(rendered)) as img:
            img.load()
            prepared = _prepare(img)
        return _Page(index, self._recognise(prepared, dpi), ocr=True)

    def _image_page(self, image, index: int) -> _Page:
        from PIL import Image

        image.seek(index)
        frame = image.copy()
        dpi = _image_dpi(frame)
        if dpi < self.dpi * 0.75:                  # bring a low-resolution scan to the working dpi
            factor = min(self.dpi / dpi, MAX_SIDE_PX / max(frame.size))
            if factor > 1.05:
                frame = frame.resize((round(frame.size[0] * factor), round(frame.size[1] * factor)),
                                     Image.BICUBIC)
                dpi = round(dpi * factor)
        return _Page(index, self._recognise(_prepare(frame), dpi), ocr=True)

    def _recognise(self, img, dpi: int):
        page = io.BytesIO()
        img.save(page, format="PPM")               # grey: a PGM
        tsv = self.workspace.recognise(page.getvalue(), self.settings.languages, dpi,
                                       max(0.01, self.remaining()))
        return _lines(parse_tsv(tsv))


def _wants_second(pages: list[_Page]) -> bool:
    """Read page 2 too: the header runs on past page 1, or the last page has no signer block."""
    first, last = pages[0], pages[-1]
    first_text = "\n".join(t for t, _, _ in first.lines)
    last_text = "\n".join(t for t, _, _ in last.lines)
    header_done = bool(_BODY_START.search(first_text) or _SIGNATURE.search(first_text))
    return not header_done or not _SIGNATURE.search(last_text)


_BODY_START = re.compile(
    r"^\s*(?:Kính\s+gửi|Căn\s+cứ|Thực\s+hiện|Theo\s|Xét\s|Nhằm|Hôm\s+nay|Vào\s+(?:lúc|hồi)|"
    r"Điều\s+\d|Chương\s+[IVXLC\d]|I\.\s|1\.\s|Thời\s+gian|Thành\s+phần)", re.IGNORECASE | re.MULTILINE)
_SIGNATURE = re.compile(
    r"N[ơo]i\s+nh[ậa]n|^\s*(?:TM|KT|TL|TUQ|Q|T/M)\s*\.|\b(?:CHỦ\s+TỊCH|GIÁM\s+ĐỐC|TRƯỞNG|CHÁNH|"
    r"THỦ\s+TRƯỞNG|BỘ\s+TRƯỞNG|THỦ\s+TƯỚNG|CHỦ\s+TỌA|THƯ\s+KÝ|BÍ\s+THƯ)\b", re.IGNORECASE | re.MULTILINE)


def _result(pages: list[_Page], error: str | None, seconds: float) -> OcrResult:
    pages = sorted(pages, key=lambda p: p.index)
    pieces, line_conf, line_words, last = [], [], [], None
    for page in pages:
        if last is not None:
            pieces.append(_PAGE_BREAK)
            if page.index != last + 1:
                pieces.append("…")                 # pages not read
        for text, conf, words in page.lines:
            pieces.append(text)
            if text:
                line_conf.append((text, round(conf, 1)))
                line_words.append(words)
        last = page.index
    text = unicodedata.normalize("NFC", "\n".join(pieces))
    text = re.sub(r"\n{3,}", "\n\n", text).strip("\n")
    ocr_words = [c for page in pages if page.ocr for _, _, words in page.lines for _, c in words]
    all_words = [c for words in line_words for _, c in words]
    scored = ocr_words or all_words
    confidence = round(sum(scored) / len(scored), 1) if scored else 0.0
    if error is None and not text.strip():
        error = "no text recognised"
    return OcrResult(text=text, pages_read=[p.index for p in pages], confidence=confidence,
                     line_confidence=line_conf, seconds=round(seconds, 2), error=error,
                     line_words=line_words, ocr_pages=[p.index for p in pages if p.ocr])
