"""Page images for OCR (pure: Pillow and pypdf on bytes in memory): the size a PDF page is
rendered at, images from mail opened within bounds, and the pre-processing that makes a
scan readable to Tesseract — colour drop-out and deskew (see `inspect/ocr`)."""

from __future__ import annotations

import itertools
import warnings

from mailbot.inspect.ocr_tools import OcrError

MAX_SIDE_PX = 6000              # a rendered page's longer side (A3 at 300 dpi is 4961)
MAX_IMAGE_PIXELS = 60_000_000   # decoded image size accepted from mail


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
        raise OcrError("image too large") from None
    except Exception as exc:  # noqa: BLE001
        raise OcrError(f"unreadable image: {type(exc).__name__}: {exc}"[:200]) from None
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
