"""Scanned documents for the OCR tests, made here from the reading corpus (no binary files).

A clerk prints the signed document, stamps it and scans it (Decision 57/2014
Art. 10.2). This lays a corpus text out as the printed page of Decree 30/2020
Phụ lục I (two-column header table, centred title, justified body, Nơi nhận
and signature block side by side, a red seal and an ink signature), renders
it with Pillow in a serif font with Vietnamese glyphs (Liberation Serif, the
Times New Roman metrics; DejaVu Serif otherwise), then "scans" it: slight
tilt, optical blur, sensor noise, paper tone, JPEG compression, wrapped as an
image-only PDF (Pillow's PDF writer: one DCT image per page, no text layer),
or saved as PNG / multi-page TIFF.

`layout(case.text)` recovers the printed structure from a corpus text laid
out cell by cell (left header cell, right header cell, title, body, Nơi nhận,
signature, an attached regulation on its own page); `Layout.flat_text()`
gives the text an extractor would read from that page, so a test can check
that the layout kept everything the reader needs before blaming OCR.
"""

from __future__ import annotations

import io
import random
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

FONT_DIRS = [Path("/usr/share/fonts/truetype/liberation2"), Path("/usr/share/fonts/truetype/liberation"),
             Path("/usr/share/fonts/truetype/dejavu")]
FONT_FILES = {
    "regular": ["LiberationSerif-Regular.ttf", "DejaVuSerif.ttf"],
    "bold": ["LiberationSerif-Bold.ttf", "DejaVuSerif-Bold.ttf"],
    "italic": ["LiberationSerif-Italic.ttf", "DejaVuSerif-Italic.ttf"],
    "bolditalic": ["LiberationSerif-BoldItalic.ttf", "DejaVuSerif-BoldItalic.ttf"],
}

A4_INCHES = (8.27, 11.69)
MM = 1 / 25.4


def font_path(style: str = "regular") -> Path | None:
    for name in FONT_FILES[style]:
        for folder in FONT_DIRS:
            if (folder / name).exists():
                return folder / name
    return None


def fonts_available() -> bool:
    return all(font_path(s) is not None for s in FONT_FILES)


@lru_cache(maxsize=64)
def _font(style: str, px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path(style)), px)


# -- the printed structure of a document ---------------------------------------------------

_MOTTO = re.compile(r"^(?:C[ỘO]NG\s+H[ÒOÓ]A\s+X[ÃA]\s+H[ỘO]I|ĐẢNG\s+CỘNG\s+SẢN)", re.IGNORECASE)
_MOTTO2 = re.compile(r"^Độc\s+lập\s*-", re.IGNORECASE)
_PLACE_DATE = re.compile(r",\s*ngày\s.*\bnăm\s+\d{4}\s*$", re.IGNORECASE)
_SEPARATOR = re.compile(r"^[\s\-_=–—*~.·]{3,}$")
_RECIPIENTS = re.compile(r"^N[ơƠ][iI]\s+nh[ậẬ]n\s*:?", re.IGNORECASE)
_BODY = re.compile(
    r"^(?:Kính\s+gửi|Căn\s+cứ|Thực\s+hiện|Theo\s|Xét\s|Nhằm|Để\s|Hôm\s+nay|Vào\s+lúc|Ngày\s+\d|"
    r"Thời\s+gian|Chúng\s+tôi|Điều\s+\d|Chương\s|[IVX]+\.\s|\d+\.\s)")
_STAMP = re.compile(r"^\[?\s*(HỎA\s+TỐC|THƯỢNG\s+KHẨN|KHẨN|TUYỆT\s+MẬT|TỐI\s+MẬT|MẬT)\s*\]?$")


def _upper(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


@dataclass
class Page:
    left: list[str] = field(default_factory=list)      # header, left cell (organ, Số, V/v)
    stamps: list[str] = field(default_factory=list)    # HỎA TỐC / MẬT … boxes under the number
    right: list[str] = field(default_factory=list)     # header, right cell (motto, place-date)
    title: list[str] = field(default_factory=list)     # type line, trích yếu, authority line
    body: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    signature: list[str] = field(default_factory=list)  # levels…, then the name (last line)

    def flat_lines(self) -> list[str]:
        return [*self.left, *self.stamps, *self.right, *self.title, *self.body,
                *self.recipients, *self.signature]


@dataclass
class Layout:
    pages: list[Page]

    def flat_text(self) -> str:
        return "\n\n".join("\n".join(p.flat_lines()) for p in self.pages) + "\n"


def layout(text: str) -> Layout:
    """Printed structure of a corpus text written cell by cell (see module doc)."""
    lines = [ln.strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln and not _SEPARATOR.match(ln)]
    # An attached regulation repeats the header after the signature: its own page.
    mottos = [i for i, ln in enumerate(lines) if _MOTTO.match(ln)]
    pages = []
    starts = [0]
    for m in mottos[1:]:
        start = m
        while start > starts[-1] and _upper(lines[start - 1]) and not _MOTTO.match(lines[start - 1]):
            start -= 1
        starts.append(start)
    for a, b in zip(starts, [*starts[1:], len(lines)]):
        pages.append(_page(lines[a:b]))
    return Layout(pages)


def _page(lines: list[str]) -> Page:
    p = Page()
    i = 0
    motto = next((k for k, ln in enumerate(lines) if _MOTTO.match(ln)), None)
    if motto is None:
        raise ValueError("no national motto: not a layout this renderer knows")
    for ln in lines[:motto]:
        (p.stamps if _STAMP.match(ln) else p.left).append(ln)
    i = motto
    p.right.append(lines[i])
    i += 1
    if i < len(lines) and _MOTTO2.match(lines[i]):
        p.right.append(lines[i])
        i += 1
    # The number or place-date may follow the motto when cells were split one per line.
    while i < len(lines) and (lines[i].startswith(("Số", "V/v")) or _PLACE_DATE.search(lines[i])
                              or _STAMP.match(lines[i])):
        if _PLACE_DATE.search(lines[i]):
            p.right.append(lines[i])
        elif _STAMP.match(lines[i]):
            p.stamps.append(lines[i])
        else:
            p.left.append(lines[i])
        i += 1
    # Title: the type line (upper case), the trích yếu, an authority line; then the body.
    if i < len(lines) and _upper(lines[i]) and not _RECIPIENTS.match(lines[i]):
        sentence = authority = False
        while i < len(lines) and not _RECIPIENTS.match(lines[i]):
            ln = lines[i]
            if _upper(ln):
                authority = authority or sentence
            elif authority or _BODY.match(ln) or ln.endswith((":", ".", ";", ",")) or len(ln) > 100:
                break
            else:
                sentence = True
            p.title.append(ln)
            i += 1
            if len(p.title) > 6:
                raise ValueError("title too long: not a layout this renderer knows")
    # Closing, read from the end: the name, then the levels above it.
    end = len(lines)
    sig = [lines[end - 1]]
    k = end - 2
    while k >= i and _upper(lines[k]) and not lines[k].startswith("-"):
        sig.insert(0, lines[k])
        k -= 1
    p.signature = sig
    rest = lines[i:k + 1]
    cut = next((n for n, ln in enumerate(rest) if _RECIPIENTS.match(ln)), len(rest))
    p.body, p.recipients = rest[:cut], rest[cut:]
    return p


# -- drawing -------------------------------------------------------------------------------

@dataclass
class _Pen:
    draw: ImageDraw.ImageDraw
    dpi: int
    y: float

    def px(self, pt: float) -> int:
        return round(pt * self.dpi / 72)

    def font(self, style: str, pt: float) -> ImageFont.FreeTypeFont:
        return _font(style, self.px(pt))

    def width(self, text: str, font) -> float:
        return self.draw.textlength(text, font=font)


def _center(pen: _Pen, text: str, font, x0: float, x1: float, y: float, underline: bool = False) -> float:
    w = pen.width(text, font)
    x = x0 + (x1 - x0 - w) / 2
    pen.draw.text((x, y), text, font=font, fill=(0, 0, 0))
    h = font.size * 1.22
    if underline:
        uy = y + font.size * 1.12
        pen.draw.line([(x + w * 0.15, uy), (x + w * 0.85, uy)], fill=(0, 0, 0), width=max(1, pen.px(0.6)))
        h += font.size * 0.2
    return h


def _wrap(pen: _Pen, text: str, font, width: float, indent: float = 0) -> list[str]:
    words, lines, cur = text.split(), [], ""
    for w in words:
        trial = f"{cur} {w}".strip()
        limit = width - (indent if not lines else 0)
        if cur and pen.width(trial, font) > limit:
            lines.append(cur)
            cur = w
        else:
            cur = trial
    if cur:
        lines.append(cur)
    return lines


def _justify(pen: _Pen, line: str, font, x: float, y: float, width: float) -> None:
    words = line.split()
    if len(words) < 2:
        pen.draw.text((x, y), line, font=font, fill=(0, 0, 0))
        return
    natural = sum(pen.width(w, font) for w in words)
    gap = (width - natural) / (len(words) - 1)
    for w in words:
        pen.draw.text((x, y), w, font=font, fill=(0, 0, 0))
        x += pen.width(w, font) + gap


def _seal(img: Image.Image, cx: float, cy: float, r: float, rng: random.Random) -> None:
    """The red round seal (con dấu) over the left of the signature: ink multiplies with
    what is under it, so the black print it covers stays black."""
    layer = Image.new("RGB", img.size, (255, 255, 255))
    d = ImageDraw.Draw(layer)
    red = (225, 80, 90)
    for k, rr in enumerate((r, r * 0.93, r * 0.62)):
        d.ellipse([cx - rr, cy - rr, cx + rr, cy + rr], outline=red,
                  width=max(2, int(r * (0.05 if k == 0 else 0.025))))
    d.regular_polygon((cx, cy, r * 0.25), 5, rotation=rng.uniform(0, 30), fill=red)
    img.paste(ImageChops.multiply(img, layer))


def _scribble(draw: ImageDraw.ImageDraw, x: float, y: float, w: float, h: float, rng: random.Random) -> None:
    """An ink signature: a few loops in blue ink."""
    pts = []
    for k in range(40):
        t = k / 39
        pts.append((x + t * w + rng.uniform(-w * 0.03, w * 0.03),
                    y + h / 2 + (h / 2) * (0.8 if k % 3 == 0 else -0.6) * rng.uniform(0.3, 1)))
    draw.line(pts, fill=(30, 50, 150), width=max(2, int(h / 18)), joint="curve")


def render_page(page: Page, dpi: int, seed: int = 0) -> Image.Image:
    """The clean printed page (RGB) at `dpi`."""
    rng = random.Random(seed)
    W, H = round(A4_INCHES[0] * dpi), round(A4_INCHES[1] * dpi)
    img = Image.new("RGB", (W, H), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    mm = dpi * MM
    x0, x1 = 30 * mm, W - 15 * mm
    pen = _Pen(draw, dpi, 20 * mm)
    split = x0 + (x1 - x0) * 0.40
    # Header table.
    y, yl = pen.y, pen.y
    number = next((k for k, ln in enumerate(page.left) if ln.startswith("Số")), len(page.left))
    organ_rows = page.left[:number]
    one_name = len(organ_rows) == 1 or _upper_org_continues(organ_rows)
    for n, ln in enumerate(organ_rows):
        style = "regular" if n == 0 and not one_name else "bold"   # parent body, then the issuer
        yl += _center(pen, ln, pen.font(style, 12.5), x0 - 6 * mm, split, yl,
                      underline=n == len(organ_rows) - 1)
    yl += pen.px(5)
    for k, ln in enumerate(page.left[number:]):
        f = pen.font("regular", 13 if k == 0 else 12)     # the number, then the V/v lines
        for part in _wrap(pen, ln, f, split - x0):
            yl += _center(pen, part, f, x0 - 6 * mm, split, yl)
    for ln in page.stamps:
        text = ln.strip("[] ")
        f = pen.font("bold", 13)
        w = pen.width(text, f)
        cx = x0 + (split - x0) / 2
        yl += pen.px(6)
        draw.rectangle([cx - w / 2 - pen.px(6), yl - pen.px(3), cx + w / 2 + pen.px(6), yl + f.size * 1.25],
                       outline=(0, 0, 0), width=max(1, pen.px(1)))
        draw.text((cx - w / 2, yl), text, font=f, fill=(0, 0, 0))
        yl += f.size * 1.5
    yr = y
    for n, ln in enumerate(page.right):
        if _MOTTO.match(ln):
            yr += _center(pen, ln, pen.font("bold", 12.5), split, x1, yr)
        elif _MOTTO2.match(ln):
            yr += _center(pen, ln, pen.font("bold", 13.5), split, x1, yr, underline=True)
        else:
            yr += pen.px(8)
            yr += _center(pen, ln, pen.font("italic", 13.5), split, x1, yr)
    pen.y = max(yl, yr) + pen.px(18)
    # Title.
    for n, ln in enumerate(page.title):
        f = pen.font("bold", 14 if n == 0 else 13.5)
        for part in _wrap(pen, ln, f, (x1 - x0) * 0.92):
            pen.y += _center(pen, part, f, x0, x1, pen.y)
    if page.title:
        draw.line([(x0 + (x1 - x0) * 0.42, pen.y + pen.px(4)), (x0 + (x1 - x0) * 0.58, pen.y + pen.px(4))],
                  fill=(0, 0, 0), width=max(1, pen.px(0.6)))
        pen.y += pen.px(14)
    # Body, justified, first line indented.
    f = pen.font("regular", 13.5)
    line_h = f.size * 1.32
    for para in page.body:
        if para.startswith("Kính gửi"):
            pen.y += _center(pen, para, f, x0, x1, pen.y) + pen.px(4)
            continue
        indent = pen.px(28)                          # first line of a paragraph or item
        parts = _wrap(pen, para, f, x1 - x0, indent)
        for n, part in enumerate(parts):
            xs = x0 + (indent if n == 0 else 0)
            if n < len(parts) - 1:
                _justify(pen, part, f, xs, pen.y, x1 - xs)
            else:
                draw.text((xs, pen.y), part, font=f, fill=(0, 0, 0))
            pen.y += line_h
        pen.y += pen.px(3)
    pen.y += pen.px(12)
    # Closing table: Nơi nhận (left) and the signature (right).
    yl = yr = pen.y
    for n, ln in enumerate(page.recipients):
        if n == 0:
            draw.text((x0, yl), ln, font=pen.font("bolditalic", 12), fill=(0, 0, 0))
            yl += pen.px(12) * 1.3
        else:
            for part in _wrap(pen, ln, pen.font("regular", 11), split - x0 - pen.px(6), 0):
                draw.text((x0, yl), part, font=pen.font("regular", 11), fill=(0, 0, 0))
                yl += pen.px(11) * 1.25
    sig_x0 = split if page.recipients else x0 + (x1 - x0) * 0.45
    *levels, name = page.signature
    for ln in levels:
        yr += _center(pen, ln, pen.font("bold", 13), sig_x0, x1, yr)
    gap = pen.px(13) * 4.5
    cx = (sig_x0 + x1) / 2
    _scribble(draw, cx - pen.px(40), yr + gap * 0.2, pen.px(95), gap * 0.55, rng)
    yr += gap
    _center(pen, name, pen.font("bold", 13.5), sig_x0, x1, yr)
    if levels:
        _seal(img, cx - pen.px(62), yr - gap * 0.62, pen.px(42), rng)
    return img


def _upper_org_continues(rows: list[str]) -> bool:
    """Two upper-case lines that make one name ("ỦY BAN NHÂN DÂN" / "TỈNH QUẢNG NGÃI")."""
    return len(rows) == 2 and rows[1].split()[0] in {"TỈNH", "HUYỆN", "THÀNH", "XÃ", "QUỐC", "THỊ"}


# -- scanning ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ScanStyle:
    dpi: int = 150
    tilt: float = 1.0            # degrees, counter-clockwise positive
    blur: float = 0.5            # Gaussian radius in pixels at the scan resolution
    noise: float = 10.0          # standard deviation of sensor noise (0..255)
    paper: int = 244             # paper tone
    jpeg_quality: int = 72
    color: bool = True


def scan(img: Image.Image, style: ScanStyle, seed: int = 0) -> Image.Image:
    """A flatbed scan of the printed page: tilt, blur, paper tone, noise."""
    rng = random.Random(seed)
    out = img.rotate(style.tilt, resample=Image.BICUBIC, expand=False, fillcolor=(255, 255, 255))
    if style.blur:
        out = out.filter(ImageFilter.GaussianBlur(style.blur))
    # Paper tone: white becomes `paper`, black stays black.
    scale = style.paper / 255
    out = out.point(lambda v: int(v * scale))
    if style.noise:
        # effect_noise is Gaussian around 128: add (noise - 128) to each channel.
        noise = Image.effect_noise(out.size, style.noise).convert("L")
        out = Image.merge(out.mode, [ImageChops.add(ch, noise, scale=1.0, offset=-128)
                                     for ch in out.split()])
    # A little speckle dust.
    draw = ImageDraw.Draw(out)
    for _ in range(int(out.size[0] * out.size[1] / 40000)):
        x, y = rng.randrange(out.size[0]), rng.randrange(out.size[1])
        draw.point((x, y), fill=(90, 90, 90))
    if not style.color:
        out = out.convert("L")
    return out


def scanned_pages(text: str, style: ScanStyle = ScanStyle(), seed: int = 0) -> list[Image.Image]:
    """Each page of a corpus text, printed then scanned. Rendered at twice the scan
    resolution and reduced (the optics of a scanner), then degraded."""
    pages = []
    for n, page in enumerate(layout(text).pages):
        big = render_page(page, style.dpi * 2, seed=seed + n)
        img = big.resize((big.size[0] // 2, big.size[1] // 2), Image.LANCZOS)
        tilt = style.tilt * (1 if (seed + n) % 2 == 0 else -1)
        pages.append(scan(img, ScanStyle(**{**style.__dict__, "tilt": tilt}), seed=seed + n))
    return pages


def image_pdf(pages: list[Image.Image], dpi: int, jpeg_quality: int = 72) -> bytes:
    """An image-only PDF (one JPEG per page, no text layer), as scanners write them."""
    buf = io.BytesIO()
    first, *rest = [p.convert("RGB") if p.mode not in ("RGB", "L") else p for p in pages]
    first.save(buf, "PDF", resolution=dpi, save_all=True, append_images=rest, quality=jpeg_quality)
    return buf.getvalue()


def png_bytes(img: Image.Image, dpi: int) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG", dpi=(dpi, dpi))
    return buf.getvalue()


def tiff_bytes(pages: list[Image.Image], dpi: int) -> bytes:
    """A multi-page TIFF, bilevel-free (grey, LZW), as fax/scan software writes them."""
    buf = io.BytesIO()
    grey = [p.convert("L") for p in pages]
    grey[0].save(buf, "TIFF", dpi=(dpi, dpi), compression="tiff_lzw", save_all=True, append_images=grey[1:])
    return buf.getvalue()


def scanned_pdf(text: str, style: ScanStyle = ScanStyle(), seed: int = 0) -> bytes:
    return image_pdf(scanned_pages(text, style, seed), style.dpi, style.jpeg_quality)
