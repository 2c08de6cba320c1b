"""What `inspect/ocr` is handed to run programs (docs/DESIGN.md §2: inspect does no I/O).

`ocr_document` decides what to read and reads what comes back; an `OcrEngine`
runs the programs: Tesseract, pdftoppm, in a private temporary folder, each
run killed when its time is up. The runtime makes the real one
(`mailbot.runtime.ocr_engine.TesseractEngine`) and hands it in from the OCR
queue and `mailbot ocr`; tests may hand in their own.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol


class OcrError(Exception):
    """Stops an OCR run with this error, short English for logs ("timeout", "tesseract not
    installed" …); the pages read so far are kept."""


class OcrWorkspace(Protocol):
    """One document's runs, in a private folder (the attachment itself is never touched)."""

    def render_pdf_page(self, pdf: bytes, index: int, dpi: int, timeout: float) -> bytes:
        """Page `index` (0-based) of `pdf` at `dpi`, as a PPM image. Raises OcrError
        ("timeout" after `timeout` seconds, or why the page could not be rendered)."""
        ...

    def recognise(self, image: bytes, languages: str, dpi: int, timeout: float) -> str:
        """Tesseract's TSV output (one row per page, block, line and word, with boxes and
        confidences) for a prepared page given as a PGM image. Raises OcrError."""
        ...


class OcrEngine(Protocol):
    def check(self, languages: str) -> None:
        """Raise OcrError unless the programs and the `languages` ("vie+eng") are installed."""
        ...

    def workspace(self) -> AbstractContextManager[OcrWorkspace]:
        """A workspace for one document, removed with everything in it at the end."""
        ...


__all__ = ["OcrEngine", "OcrError", "OcrWorkspace"]
