"""Reading scanned documents: Vietnamese OCR of image-only PDFs and images (pure-ish, never raises).

Decision 57/2014 Art. 10.2 has clerks scan the signed and stamped paper
original to PDF, so many attachments carry no text layer. `needs_ocr` tells
those apart (and images: png, jpeg, tiff); `ocr_document` reads only the
pages the register needs and gives NFC text, shaped like `extract_text`'s, for
`read_document`, with Tesseract's word confidences; `field_confidence` maps a
confidence onto each field read from it so the caller can leave doubtful
fields to the clerk. Bytes in, text out: the attachment is never modified
(it is copied to a private temporary folder for the tools; a signature over
the original still verifies).

Choices (measured on this 2-core machine, A4 page):
- Tesseract 5 through **pytesseract** (a thin, maintained wrapper of the
  `tesseract` command). The work runs in a child process: a hang or a crash
  of Tesseract/Leptonica on a hostile image cannot take the caller down, and
  the child is killed at the deadline (pytesseract kills it on timeout).
  tesserocr (C API) would save the ~0.3 s model load per page but needs a
  build against libtesseract and cannot be interrupted mid-page. ocrmypdf
  writes a new PDF, pulls in pikepdf/Ghostscript, and gives no confidences.
  `OMP_THREAD_LIMIT=1` is set for the child: Debian's OpenMP build is 2-2.5×
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

import itertools
import logging
import os
import re
import shutil
import subprocess
import tempfile
import time
import unicodedata
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from mailbot.config import Ocr
from mailbot.util.textfold import fold

__all__ = [
    "IMAGE_FORMATS", "OcrResult", "field_confidence", "needs_ocr", "ocr_document", "usable_text",
]

log = logging.getLogger(__name__)

# Tesseract's OpenMP threads only slow it down here (see module doc); children inherit this.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

IMAGE_FORMATS = frozenset({"png", "jpeg", "jpg", "tiff", "tif"})
MAX_INPUT_BYTES = 60 << 20
MAX_SIDE_PX = 6000              # a rendered page's longer side (A3 at 300 dpi is 4961)
MAX_IMAGE_PIXELS = 60_000_000   # decoded image size accepted from mail
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


class _Failure(Exception):
    """Stops the run with this error; what was read so far is kept."""


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
    except _Failure:
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
        raise _Failure(got.error or "unreadable PDF")
    return len(got.pages), dict(enumerate(got.pages))


# -- the run -------------------------------------------------------------------------------------

@dataclass
class _Page:
    index: int
    lines: list[tuple[str, float, list[tuple[str, float]]]]   # (text, mean conf, words); "" = block break
    ocr: bool


def ocr_document(data: bytes, fmt: str, settings: Ocr, *, deadline: float | None = None,
                 force: bool = False) -> OcrResult:
    """Read a scanned PDF or an image (see module doc). Never raises.

    `deadline` is a `time.monotonic()` instant; the run also stops after
    `settings.time_limit_seconds`. On timeout the pages read so far are kept
    and `error` is "timeout". `force` OCRs PDF pages even when their text
    layer looks usable (the `mailbot ocr` command).
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
            raise _Failure("ocr disabled")
        if fmt != "pdf" and fmt not in IMAGE_FORMATS:
            raise _Failure(f"no OCR for format {fmt!r}")
        data = bytes(data or b"")
        if not data:
            raise _Failure("empty file")
        if len(data) > MAX_INPUT_BYTES:
            raise _Failure(f"file larger than {MAX_INPUT_BYTES} bytes: not read")
        _check_tesseract(settings.languages, limit)
        with tempfile.TemporaryDirectory(prefix="mailbot-ocr-") as tmp:
            run = _Run(data, fmt, settings, limit, Path(tmp), force)
            try:
                run.read()
            finally:
                pages = run.pages
    except _Failure as exc:
        error = str(exc)
    except Exception as exc:  # noqa: BLE001 - untrusted input, external tools: never raise
        log.warning("ocr_document(%s) failed: %r", fmt, exc)
        error = f"ocr failed: {type(exc).__name__}: {exc}"[:300]
    return _result(pages, error, time.monotonic() - start)


def _check_tesseract(languages: str, limit: float) -> None:
    try:
        import PIL  # noqa: F401
        import pytesseract  # noqa: F401
    except ImportError as exc:
        raise _Failure(f"{exc.name} not installed (pip: pytesseract, Pillow)") from None
    exe = shutil.which("tesseract")
    if exe is None:
        raise _Failure("tesseract not installed")
    have = _languages(exe)
    missing = [lang for lang in languages.split("+") if lang and lang not in have]
    if missing:
        raise _Failure(f"tesseract language data missing: {'+'.join(missing)} "
                       f"(Debian: tesseract-ocr-{missing[0]})")
    if time.monotonic() >= limit:
        raise _Failure("timeout")


@lru_cache(maxsize=8)
def _languages(exe: str) -> frozenset[str]:
    try:
        out = subprocess.run([exe, "--list-langs"], capture_output=True, timeout=20, text=True,
                             check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    return frozenset(line.strip() for line in out.splitlines()[1:] if line.strip())


class _Run:
    def __init__(self, data: bytes, fmt: str, settings: Ocr, limit: float, tmp: Path, force: bool):
        self.data, self.fmt, self.settings, self.limit, self.tmp, self.force = \
            data, fmt, settings, limit, tmp, force
        self.pages: list[_Page] = []
        self.dpi = max(70, min(600, int(settings.dpi)))

    def remaining(self) -> float:
        left = self.limit - time.monotonic()
        if left <= 0:
            raise _Failure("timeout")
        return left

    def read(self) -> None:
        if self.fmt == "pdf":
            count, layers = _pdf_layers(self.data)
            if count == 0:
                raise _Failure("PDF has no pages")
            source = self.tmp / "in.pdf"
            source.write_bytes(self.data)          # a private copy: the original is never touched
            get = lambda i: self._pdf_page(source, i, layers.get(i))
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
    def _pdf_page(self, source: Path, index: int, layer: str | None) -> _Page:
        if layer is not None and _layer_ok(layer, index) and not self.force:
            lines = [(ln, 100.0, [(w, 100.0) for w in ln.split()]) if ln.strip() else ("", 0.0, [])
                     for ln in unicodedata.normalize("NFC", layer).splitlines()]
            return _Page(index, lines, ocr=False)
        if shutil.which("pdftoppm") is None:
            raise _Failure("pdftoppm not installed (Debian: poppler-utils)")
        dpi = min(self.dpi, _max_dpi(self.data, index))
        root = self.tmp / f"p{index}"
        cmd = ["pdftoppm", "-r", str(dpi), "-f", str(index + 1), "-l", str(index + 1), "-singlefile",
               str(source), str(root)]
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=self.remaining(), check=False)
        except subprocess.TimeoutExpired:   # subprocess.run kills the child
            raise _Failure("timeout") from None
        out = root.with_suffix(".ppm")
        if done.returncode != 0 or not out.exists():
            raise _Failure(f"pdftoppm failed on page {index + 1}: "
                           f"{done.stderr.decode('utf-8', 'replace').strip()[:200]}")
        from PIL import Image

        with Image.open(out) as img:
            img.load()
            prepared = _prepare(img)
        out.unlink()
        return _Page(index, self._recognise(prepared, index, dpi), ocr=True)

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
        return _Page(index, self._recognise(_prepare(frame), index, dpi), ocr=True)

    def _recognise(self, img, index: int, dpi: int):
        import pytesseract

        path = self.tmp / f"page{index}.pgm"
        img.save(path)
        config = f"--oem 1 --psm 3 --dpi {dpi} -c preserve_interword_spaces=0"
        try:
            data = pytesseract.image_to_data(str(path), lang=self.settings.languages, config=config,
                                             timeout=max(0.01, self.remaining()),
                                             output_type=pytesseract.Output.DICT)
        except pytesseract.TesseractNotFoundError:
            raise _Failure("tesseract not installed") from None
        except RuntimeError as exc:
            if "timeout" in str(exc).lower():
                raise _Failure("timeout") from None
            raise
        finally:
            path.unlink(missing_ok=True)
        return _lines(data)


def _max_dpi(data: bytes, index: int) -> int:
    """The dpi that keeps the page's longer side within MAX_SIDE_PX (hostile page sizes)."""
    try:
        import io

        from pypdf import PdfReader, apply_configuration

        from mailbot.inspect.pdf import _PYPDF_LIMITS

        with apply_configuration(**_PYPDF_LIMITS):
            box = PdfReader(io.BytesIO(data), strict=False).pages[index].mediabox
            side = max(abs(float(box.width)), abs(float(box.height))) / 72
    except Exception:  # noqa: BLE001 - pdftoppm will say what is wrong
        return 300
    return max(36, int(MAX_SIDE_PX / side)) if side > 0 else 300


def _open_image(data: bytes):
    import io

    from PIL import Image

    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _Failure("image too large") from None
    except Exception as exc:  # noqa: BLE001
        raise _Failure(f"unreadable image: {type(exc).__name__}: {exc}"[:200]) from None
    return image


def _image_dpi(img) -> float:
    dpi = img.info.get("dpi")
    try:
        value = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        value = 0.0
    if not 50 <= value <= 1200:
        value = img.size[0] / 8.27             # unknown: assume an A4 portrait page
    return max(50.0, value)


# -- pre-processing ------------------------------------------------------------------------------

def _prepare(img):
    """Grey page for Tesseract: colour drop-out, then deskew."""
    from PIL import Image, ImageChops

    if img.mode not in ("L", "1", "LA", "I", "I;16", "F"):
        r, g, b = img.convert("RGB").split()
        light = ImageChops.lighter(ImageChops.lighter(r, g), b)
        dark = ImageChops.darker(ImageChops.darker(r, g), b)
        # Saturated pixels (red seal, blue or violet ink) become paper; black and grey print stay.
        coloured = ImageChops.subtract(light, dark).point(lambda v: 255 if v > 50 else 0)
        grey = Image.composite(Image.new("L", light.size, 255), light, coloured)
    else:
        grey = img.convert("L")
    angle = _skew_angle(grey)
    if abs(angle) >= 0.1:
        grey = grey.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=255)
    return grey


def _skew_angle(grey) -> float:
    """The rotation (degrees, counter-clockwise) that makes text lines horizontal.

    Projection profile: rotate a thumbnail of the ink, take row sums (a 1-pixel-wide
    box resize), keep the angle whose rows are the most contrasted."""
    from PIL import Image

    width = 900
    if grey.size[0] < 200 or grey.size[1] < 200:
        return 0.0
    scale = width / grey.size[0]
    small = grey.resize((width, max(1, round(grey.size[1] * scale))), Image.BOX)
    ink = small.point(lambda v: 255 if v < 150 else 0)
    h = ink.size[1]

    def score(angle: float) -> float:
        column = ink.rotate(angle, resample=Image.BILINEAR, fillcolor=0).resize((1, h), Image.BOX)
        rows = list(column.get_flattened_data() if hasattr(column, "get_flattened_data")
                    else column.getdata())
        return float(sum((a - b) ** 2 for a, b in itertools.pairwise(rows)))

    best = max((a / 2 for a in range(-8, 9)), key=score)            # ±4° by 0.5°
    best = max((best + a / 10 for a in range(-4, 5)), key=score)    # then by 0.1°
    return best


# -- Tesseract's words into lines ----------------------------------------------------------------

@dataclass
class _Seg:
    words: list[tuple[str, float, int, int, int]]    # text, conf, left, right, height

    @property
    def left(self) -> int:
        return self.words[0][2]

    @property
    def right(self) -> int:
        return self.words[-1][3]


def _lines(data: dict) -> list[tuple[str, float, list[tuple[str, float]]]]:
    """Tesseract's words as lines, blocks apart, with the two-column tables of an official
    document (header; Nơi nhận | signer) put cell after cell: left cell first, as a text
    PDF's extractor gives them and as `read_document` reads best."""
    blocks: list[list[list[_Seg]]] = []          # block → line → segments (split at wide gaps)
    current_key, current_block = None, None
    line: list[tuple[str, float, int, int, int]] = []

    def flush() -> None:
        if line:
            blocks[-1].append(_split(line))

    for k in range(len(data.get("text", []))):
        text = unicodedata.normalize("NFC", str(data["text"][k] or "")).strip()
        try:
            conf = float(data["conf"][k])
        except (TypeError, ValueError):
            conf = -1.0
        if int(data["level"][k]) != 5 or not text or conf < 0:
            continue
        key = (data["page_num"][k], data["block_num"][k], data["par_num"][k], data["line_num"][k])
        left, width = int(data["left"][k]), int(data["width"][k])
        if key != current_key:
            flush()
            line = []
            if key[:2] != current_block:
                blocks.append([])
            current_key, current_block = key, key[:2]
        line.append((text, max(0.0, min(100.0, conf)), left, left + width, int(data["height"][k])))
    flush()
    out: list[tuple[str, float, list[tuple[str, float]]]] = []
    for seg in _by_cells([segs for block in blocks for segs in [None, *block]][1:]):
        if seg is None:
            if out and out[-1][0]:
                out.append(("", 0.0, []))         # blocks apart, as paragraphs are in extract_text
            continue
        words = [(_fix_letters(w), c) for w, c, *_ in seg.words]
        conf = sum(c for _, c in words) / len(words)
        text = " ".join(w for w, _ in words)
        if conf < 45 and sum(ch.isalnum() for ch in text) <= 4:
            continue                               # specks, seal and signature remains
        out.append((text, conf, words))
    while out and not out[-1][0]:
        out.pop()
    return out


# Letters Tesseract confuses with Vietnamese ones (Icelandic eth for đ).
_LETTER_FIXES = str.maketrans({"Ð": "Đ", "ð": "đ"})


def _fix_letters(word: str) -> str:
    return unicodedata.normalize("NFC", word.translate(_LETTER_FIXES))


_GAP = 2.2          # a gap this many line heights wide separates two table cells


def _split(words: list[tuple[str, float, int, int, int]]) -> list[_Seg]:
    """A line cut where the gap between two words is far wider than a word space."""
    size = sorted(w[4] for w in words)[len(words) // 2]        # median word height
    segs = [_Seg([words[0]])]
    for w in words[1:]:
        if w[2] - segs[-1].right > _GAP * max(6, size):
            segs.append(_Seg([w]))
        else:
            segs[-1].words.append(w)
    return segs


def _by_cells(lines: list[list[_Seg] | None]) -> list[_Seg | None]:
    """Segments in reading order: the rows of a two-cell table (the header; Nơi nhận and
    the signer) become left cell, then right cell. None marks a block break."""
    out: list[_Seg | None] = []
    k = 0
    while k < len(lines):
        if lines[k] is None or len(lines[k]) < 2:
            out.extend(lines[k] or [None])
            k += 1
            continue
        # A table: this line and the following ones that are split or stay on one side.
        bound = (lines[k][0].right + lines[k][1].left) / 2
        left: list[_Seg] = []
        right: list[_Seg] = []
        j = k
        while j < len(lines):
            segs = lines[j]
            if segs is not None:
                if len(segs) < 2 and segs[0].left < bound < segs[0].right:
                    break                       # a full-width line: the table is over
                for seg in segs:
                    (left if (seg.left + seg.right) / 2 < bound else right).append(seg)
            j += 1
        out.extend(left)
        out.append(None)
        out.extend(right)
        out.append(None)
        k = j
    return out


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


# -- confidence per field ------------------------------------------------------------------------

_TOKEN = re.compile(r"[0-9]+|[^\W\d_]+", re.UNICODE)
_EXPAND = {"ubnd": "uy ban nhan dan", "hdnd": "hoi dong nhan dan", "tp": "thanh pho"}


def _tokens(text: str) -> list[str]:
    out = []
    for tok in _TOKEN.findall(fold(text)):
        if tok.isdigit():
            out.append(str(int(tok)))
        else:
            out.extend(_EXPAND.get(tok, tok).split())
    return out


def _value_tokens(name: str, value) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [t for item in value for t in _tokens(str(item))]
    text = str(value)
    if name == "issued_date" or re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        y, m, d = text.split("-")
        return [str(int(d)), str(int(m)), y]
    return _tokens(text)


def field_confidence(fields: dict, result: OcrResult) -> dict[str, float]:
    """Confidence (0..100) of each field value read from `result`'s text.

    The value is located in the OCR lines (case, accents, UBND/HĐND and
    leading zeros folded); its confidence is that of the words it came from:
    the lowest word for short values (a number, a notation, a date: one bad
    character makes them wrong), the mean for longer ones. A value not found
    in the lines (derived, e.g. "Công văn" from a V/v line) gets the mean
    confidence of the document. Fields that are None are left out.
    """
    lines = [[(tok, conf) for word, conf in words for tok in _tokens(word)]
             for words in result.line_words]
    out: dict[str, float] = {}
    for name, value in (fields or {}).items():
        if value is None or value == [] or value == "":
            continue
        wanted = set(_value_tokens(name, value))
        if not wanted:
            out[name] = result.confidence
            continue
        confs = _locate(wanted, lines)
        if not confs:
            out[name] = result.confidence
        elif len(confs) <= 4:
            out[name] = round(min(confs), 1)
        else:
            out[name] = round(sum(confs) / len(confs), 1)
    return out


def _locate(wanted: set[str], lines: list[list[tuple[str, float]]]) -> list[float]:
    """Greedy cover of the value's tokens by the lines that hold most of them."""
    left = set(wanted)
    chosen: list[float] = []
    used: set[int] = set()
    while left:
        best, best_key = None, (0, 0.0, 0)
        for n, toks in enumerate(lines):
            if n in used or not toks:
                continue
            hits = {t for t, _ in toks} & left
            if not hits:
                continue
            key = (len(hits), len(hits) / len(toks), -n)
            if key > best_key:
                best, best_key = n, key
        if best is None:
            break
        used.add(best)
        hits = {t for t, _ in lines[best]} & left
        chosen.extend(c for t, c in lines[best] if t in hits)
        left -= hits
    return chosen
