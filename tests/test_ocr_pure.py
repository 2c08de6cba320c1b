"""The pure side of OCR (mailbot.inspect.ocr) with an engine made here: no Tesseract, no
pdftoppm, no temporary folder. What runs the programs is handed in (runtime/ocr_engine);
tests/test_ocr.py reads real scans with the real engine."""

from __future__ import annotations

import io
from contextlib import contextmanager

import pytest
from PIL import Image

from mailbot.config import Ocr
from mailbot.inspect.ocr import OcrError, ocr_document
from mailbot.inspect.ocr_lines import parse_tsv
from tests.support import documents_files as df

SETTINGS = Ocr()
HEADER = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"


def tsv(*lines: list[tuple[str, float]], block_break: int | None = None) -> str:
    """Tesseract's TSV for lines of (word, confidence), one block (a second from `block_break`)."""
    rows = [HEADER, "1\t1\t0\t0\t0\t0\t0\t0\t1240\t1754\t-1\t"]
    for n, words in enumerate(lines, start=1):
        block = 2 if block_break is not None and n >= block_break else 1
        rows.append(f"4\t1\t{block}\t1\t{n}\t0\t100\t{40 * n}\t900\t30\t-1\t")
        for k, (word, conf) in enumerate(words, start=1):
            rows.append(f"5\t1\t{block}\t1\t{n}\t{k}\t{100 + 80 * k}\t{40 * n}\t70\t30\t{conf}\t{word}")
    return "\n".join(rows) + "\n"


def png(dpi: int = 150) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1240, 1754), "white").save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()


class FakeEngine:
    """Answers like the real engine; records what it was asked."""

    def __init__(self, answer: str = "", fail: str | None = None, missing: str | None = None):
        self.answer, self.fail, self.missing = answer, fail, missing
        self.rendered: list[tuple[int, int]] = []
        self.images: list[bytes] = []
        self.open = 0

    def check(self, languages: str) -> None:
        if self.missing:
            raise OcrError(self.missing)

    @contextmanager
    def workspace(self):
        self.open += 1
        try:
            yield self
        finally:
            self.open -= 1

    def render_pdf_page(self, pdf: bytes, index: int, dpi: int, timeout: float) -> bytes:
        assert pdf.startswith(b"%PDF-") and timeout > 0
        self.rendered.append((index, dpi))
        out = io.BytesIO()
        Image.new("RGB", (int(8.27 * dpi), int(11.69 * dpi)), "white").save(out, format="PPM")
        return out.getvalue()

    def recognise(self, image: bytes, languages: str, dpi: int, timeout: float) -> str:
        assert languages == SETTINGS.languages and timeout > 0
        self.images.append(image)
        if self.fail:
            raise OcrError(self.fail)
        return self.answer


def test_tsv_is_read_as_pytesseract_reads_it():
    pytesseract = pytest.importorskip("pytesseract.pytesseract")
    text = tsv([("ỦY", 96.58), ("BAN", 91)], [("Số:", 88.1), ("12/UBND", 40.9)])
    text += "5\t1\t1\t1\t3\t1\t1\t1\t1\t1\t95\t"          # a last row without its text cell
    assert parse_tsv(text) == pytesseract.file_to_dict(text, "\t", -1)
    assert parse_tsv(HEADER) == {} == pytesseract.file_to_dict(HEADER, "\t", -1)


def test_an_image_is_read_through_the_engine():
    engine = FakeEngine(tsv([("CỘNG", 95), ("HÒA", 93)], [("Số:", 90), ("12/UBND", 70)], block_break=2))
    result = ocr_document(png(), "png", SETTINGS, engine=engine)
    assert result.error is None and result.pages_read == [0] and result.ocr_pages == [0]
    assert result.text == "CỘNG HÒA\n\nSố: 12/UBND"
    assert result.line_confidence == [("CỘNG HÒA", 94.0), ("Số: 12/UBND", 80.0)]
    assert result.confidence == 87.0
    assert engine.images[0].startswith(b"P5")           # the prepared page, grey
    assert engine.open == 0                              # the workspace was closed


def test_a_scanned_pdf_is_rendered_page_by_page_by_the_engine():
    pdf = df.pdf_document([["x"], ["y"], ["z"]], image_only=True)
    before = bytes(pdf)
    engine = FakeEngine(tsv([("Nơi", 90), ("nhận:", 90)], [("CHỦ", 90), ("TỊCH", 90)]))
    result = ocr_document(pdf, "pdf", SETTINGS, engine=engine)
    assert result.error is None and result.pages_read == [0, 2]    # the signer is on the last page
    assert [index for index, _ in engine.rendered] == [0, 2]
    assert pdf == before


def test_engine_failures_and_no_engine_never_raise():
    assert ocr_document(png(), "png", SETTINGS).error == "no OCR engine handed in"
    assert ocr_document(png(), "png", SETTINGS, engine=FakeEngine(missing="tesseract not installed")).error \
        == "tesseract not installed"
    timed_out = ocr_document(png(), "png", SETTINGS, engine=FakeEngine(fail="timeout"))
    assert timed_out.error == "timeout" and timed_out.text == ""
    assert ocr_document(png(), "png", SETTINGS, engine=FakeEngine("garbage")).error == "no text recognised"
