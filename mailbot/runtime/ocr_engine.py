"""The programs behind OCR, handed to the pure `inspect/ocr` (docs/DESIGN.md §2).

`TesseractEngine` runs pdftoppm (Debian poppler-utils) and Tesseract (through
pytesseract) as child processes, in a private temporary folder per document,
each killed when the time it is given is up. `inspect/ocr` decides which
pages to read, prepares the images and reads the TSV that comes back; the OCR
queue and `mailbot ocr` hand this engine in. Choices and measurements: the
module doc of `inspect/ocr`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from mailbot.inspect.ocr_tools import OcrError

__all__ = ["TesseractEngine"]

# Tesseract's OpenMP threads only slow it down here (see inspect/ocr); children inherit this.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")


class TesseractEngine:
    """`inspect.ocr_tools.OcrEngine` with the programs installed on this machine."""

    def check(self, languages: str) -> None:
        try:
            import pytesseract  # noqa: F401
        except ImportError as exc:
            raise OcrError(f"{exc.name} not installed (pip: pytesseract, Pillow)") from None
        exe = shutil.which("tesseract")
        if exe is None:
            raise OcrError("tesseract not installed")
        have = _languages(exe)
        missing = [lang for lang in languages.split("+") if lang and lang not in have]
        if missing:
            raise OcrError(f"tesseract language data missing: {'+'.join(missing)} "
                           f"(Debian: tesseract-ocr-{missing[0]})")

    @contextmanager
    def workspace(self) -> Iterator[_Workspace]:
        with tempfile.TemporaryDirectory(prefix="mailbot-ocr-") as tmp:
            yield _Workspace(Path(tmp))


@lru_cache(maxsize=8)
def _languages(exe: str) -> frozenset[str]:
    try:
        out = subprocess.run([exe, "--list-langs"], capture_output=True, timeout=20, text=True,
                             check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    return frozenset(line.strip() for line in out.splitlines()[1:] if line.strip())


class _Workspace:
    """`inspect.ocr_tools.OcrWorkspace` in one temporary folder."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._pdf: bytes | None = None
        self._pages = 0

    def _source(self, pdf: bytes) -> Path:
        source = self.folder / "in.pdf"
        if self._pdf is not pdf:
            source.write_bytes(pdf)          # a private copy: the original is never touched
            self._pdf = pdf
        return source

    def render_pdf_page(self, pdf: bytes, index: int, dpi: int, timeout: float) -> bytes:
        if shutil.which("pdftoppm") is None:
            raise OcrError("pdftoppm not installed (Debian: poppler-utils)")
        source = self._source(pdf)
        root = self.folder / f"p{index}"
        cmd = ["pdftoppm", "-r", str(dpi), "-f", str(index + 1), "-l", str(index + 1), "-singlefile",
               str(source), str(root)]
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:   # subprocess.run kills the child
            raise OcrError("timeout") from None
        out = root.with_suffix(".ppm")
        if done.returncode != 0 or not out.exists():
            raise OcrError(f"pdftoppm failed on page {index + 1}: "
                           f"{done.stderr.decode('utf-8', 'replace').strip()[:200]}")
        try:
            return out.read_bytes()
        finally:
            out.unlink()

    def recognise(self, image: bytes, languages: str, dpi: int, timeout: float) -> str:
        import pytesseract

        self._pages += 1
        path = self.folder / f"page{self._pages}.pgm"
        path.write_bytes(image)
        config = f"--oem 1 --psm 3 --dpi {dpi} -c preserve_interword_spaces=0"
        try:
            return pytesseract.image_to_data(str(path), lang=languages, config=config, timeout=timeout,
                                             output_type=pytesseract.Output.STRING)
        except pytesseract.TesseractNotFoundError:
            raise OcrError("tesseract not installed") from None
        except RuntimeError as exc:
            if "timeout" in str(exc).lower():
                raise OcrError("timeout") from None
            raise
        finally:
            path.unlink(missing_ok=True)
