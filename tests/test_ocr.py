"""Scanned documents read with Vietnamese OCR (mailbot.inspect.ocr, `mailbot ocr`).

The scans are made here (tests/support/scans.py): documents of the reading
corpus (tests/support/documents.py) laid out as printed pages, sealed and
signed, tilted 0.5–2°, blurred, noised, JPEG-compressed and wrapped as
image-only PDFs at 150 dpi (one PNG, one TIFF). Each is OCR'd once per
session (two at a time) and read with the same `read_document` as text PDFs.
Needs Debian tesseract-ocr, tesseract-ocr-vie, poppler-utils and a serif
font with Vietnamese glyphs (fonts-liberation2 or fonts-dejavu-core).
MAILBOT_OCR_TEST_DPI=300 makes the scans at 300 dpi instead.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor

import pytest

from mailbot.config import Ocr
from mailbot.inspect.document import FIELD_NAMES, read_document
from mailbot.inspect.ocr import field_confidence, needs_ocr, usable_text
from mailbot.inspect.ocr import ocr_document as _ocr_document
from mailbot.runtime.ocr_engine import TesseractEngine
from tests.support import documents_files as df
from tests.support.documents import CASES

scans = pytest.importorskip("tests.support.scans")


def _tools_missing() -> str | None:
    if shutil.which("tesseract") is None:
        return "tesseract not installed (Debian: tesseract-ocr tesseract-ocr-vie)"
    langs = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True,
                           check=False).stdout.split()
    if "vie" not in langs:
        return "Vietnamese data not installed (Debian: tesseract-ocr-vie)"
    if shutil.which("pdftoppm") is None:
        return "pdftoppm not installed (Debian: poppler-utils)"
    if not scans.fonts_available():
        return "no serif font with Vietnamese glyphs (Debian: fonts-liberation2 or fonts-dejavu-core)"
    return None


pytestmark = pytest.mark.skipif(_tools_missing() is not None, reason=str(_tools_missing()))

DPI = int(os.environ.get("MAILBOT_OCR_TEST_DPI", "150"))
SETTINGS = Ocr()
BY_NAME = {c.name: c for c in CASES}

# Different types and layouts: công văn (V/v under the number), decision with its
# regulation attached (2 pages), invitation, notice, submission, report (district),
# telegram with HỎA TỐC, directive with secrecy/urgency boxes, HĐND resolution,
# a Cục under a Bộ with a three-line name, TL./KT./TUQ./TM. signature blocks.
PDF_CASES = ["cong-van-so-y-te-flattened", "quyet-dinh-ubnd-attached-quy-dinh", "giay-moi-van-phong",
             "thong-bao-ket-luan", "to-trinh-spacing", "bao-cao-huyen-right-cell-first",
             "cong-dien-hoa-toc", "chi-thi-tuyet-mat-thuong-khan", "nghi-quyet-hdnd",
             "cong-van-cuc-bo"]
PNG_CASE, TIFF_CASE = "cong-van-ubnd", "huong-dan-tuq"
ALL_CASES = [*PDF_CASES, PNG_CASE, TIFF_CASE]
EXACT = ("code", "code_number", "code_notation", "type_name", "issued_date")


def ocr_document(data, fmt, settings, **kw):
    """The pure reader with the programs the runtime hands it (runtime/ocr_engine)."""
    return _ocr_document(data, fmt, settings, engine=TesseractEngine(), **kw)


def _style(n: int) -> scans.ScanStyle:
    return scans.ScanStyle(dpi=DPI, tilt=(0.5, 1.0, 1.5, 2.0)[n % 4], blur=0.5, noise=10)


def _make(n: int, name: str) -> tuple[bytes, str]:
    pages = scans.scanned_pages(BY_NAME[name].text, _style(n), seed=n)
    if name == PNG_CASE:
        return scans.png_bytes(pages[0], DPI), "png"
    if name == TIFF_CASE:
        return scans.tiff_bytes(pages, DPI), "tiff"
    return scans.image_pdf(pages, DPI), "pdf"


@pytest.fixture(scope="session")
def scanned():
    """name → (data, fmt, OcrResult, fields): every scan OCR'd once, two at a time."""
    def work(item):
        n, name = item
        data, fmt = _make(n, name)
        digest = hashlib.sha256(data).hexdigest()
        result = ocr_document(data, fmt, SETTINGS)
        assert hashlib.sha256(data).hexdigest() == digest
        return name, (data, fmt, result, read_document(result.text).to_json())

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(work, enumerate(ALL_CASES)))


@pytest.mark.parametrize("name", ALL_CASES)
def test_scanned_document_fields(scanned, name):
    _, _, result, got = scanned[name]
    expected = BY_NAME[name].expected
    assert result.error is None, result.error
    assert result.text == unicodedata.normalize("NFC", result.text)
    assert 0 < result.confidence <= 100
    diff = {k: (got.get(k), expected[k]) for k in EXACT if got.get(k) != expected[k]}
    # One noisy scan may misread a field (seen once in a full-suite run, never alone): the
    # accuracy targets are asserted over the whole set below; a miss here is reported.
    if diff:
        print(f"\n{name}: field → (got, expected): {diff}")
    assert len(diff) <= 2, f"{name}: field → (got, expected): {diff}\n--- OCR text ---\n{result.text}"


def test_scanned_accuracy_report(scanned, capsys):
    """Per-field and overall accuracy over the scans (printed), ≥ 0.90 overall."""
    right = {k: 0 for k in FIELD_NAMES}
    for name in ALL_CASES:
        got = scanned[name][3]
        for k in FIELD_NAMES:
            right[k] += got.get(k) == BY_NAME[name].expected.get(k)
    total = len(ALL_CASES)
    overall = sum(right.values()) / (total * len(FIELD_NAMES))
    exact = sum(right[k] for k in EXACT) / (total * len(EXACT))
    pages = sum(len(scanned[n][2].ocr_pages) for n in ALL_CASES)
    seconds = sum(scanned[n][2].seconds for n in ALL_CASES)
    with capsys.disabled():
        print(f"\nOCR fields over {total} scans at {DPI} dpi ({pages} pages, "
              f"{seconds / max(1, pages):.1f} s/page):\n"
              + "\n".join(f"{k:18} {right[k] / total:6.3f}" for k in FIELD_NAMES)
              + f"\n{'number/notation/type/date':26} {exact:6.3f}\n{'overall':18} {overall:6.3f}")
    assert total >= 10
    assert exact >= 0.95           # target 0.97 on unseen scans; one misread document of slack here
    assert overall >= 0.90


def test_field_confidence_covers_the_fields_read(scanned):
    _, _, result, got = scanned["giay-moi-van-phong"]
    conf = field_confidence(got, result)
    assert set(conf) == {k for k, v in got.items() if v not in (None, [], "")}
    assert all(0 <= c <= 100 for c in conf.values())
    assert conf["code"] >= SETTINGS.min_confidence          # a clean number reads confidently
    # A value made of words the OCR was unsure of gets their low confidence.
    line = [(w, 30.0) for w in ("Số:", "99/XX-YY")]
    fake = result.__class__(text="Số: 99/XX-YY", pages_read=[0], confidence=30.0,
                            line_confidence=[("Số: 99/XX-YY", 30.0)], seconds=0, error=None,
                            line_words=[line])
    assert field_confidence({"code": "99/XX-YY", "subject": None}, fake) == {"code": 30.0}


def test_pages_read_are_the_first_and_last(scanned):
    _, _, result, _ = scanned["quyet-dinh-ubnd-attached-quy-dinh"]
    assert result.pages_read == [0, 1] and result.ocr_pages == [0, 1]
    assert "\f" in result.text


def _three_pages(last_has_signature: bool) -> bytes:
    short = scans.scanned_pages(BY_NAME["giay-gioi-thieu"].text, _style(0), seed=0)[0]
    from PIL import Image

    blank = Image.new("RGB", short.size, (244, 244, 244))
    last = short if last_has_signature else blank
    return scans.image_pdf([short, blank, last], DPI)


def test_middle_pages_skipped_when_first_and_last_suffice():
    result = ocr_document(_three_pages(True), "pdf", SETTINGS)
    assert result.error is None
    assert result.pages_read == [0, 2]
    assert "\n…\n" in result.text          # pages not read are marked as extract_text does


def test_second_page_read_when_last_page_has_no_signer():
    result = ocr_document(_three_pages(False), "pdf", SETTINGS)
    assert result.pages_read == [0, 1, 2]


def test_needs_ocr():
    scan_pdf = scans.image_pdf([scans.scanned_pages(BY_NAME["giay-gioi-thieu"].text, _style(1))[0]], DPI)
    assert needs_ocr(scan_pdf, "pdf")
    img = scans.scanned_pages(BY_NAME["giay-gioi-thieu"].text, _style(1))[0]
    assert needs_ocr(scans.png_bytes(img, DPI), "png")
    assert needs_ocr(scans.tiff_bytes([img], DPI), "tiff")
    text_pdf = df.pdf_document(df.pdf_pages(3))
    assert not needs_ocr(text_pdf, "pdf")
    assert needs_ocr(df.pdf_document([["x"]], image_only=True), "pdf")
    assert not needs_ocr(b"not a pdf", "pdf")
    assert not needs_ocr(b"plain text", "txt")


def test_usable_text_layer():
    page = "\n".join(df.EXPECTED_LINES)
    assert usable_text(page)
    # A scan signed afterwards: the only text is the e-signature stamp.
    assert not usable_text("Ký bởi: Sở Y tế\nEmail: syt@quangngai.gov.vn\nCơ quan: Tỉnh Quảng Ngãi\n"
                           "Thời gian ký: 10.11.2026 09:15:00 +07:00")
    assert not usable_text("\ue001\ue002\ue003 " * 80)        # no ToUnicode map: private-use codes
    assert not usable_text("")


def test_text_pages_are_taken_from_the_layer_not_ocr():
    result = ocr_document(df.pdf_document(df.pdf_pages(3)), "pdf", SETTINGS)
    assert result.error is None
    assert result.ocr_pages == []
    assert result.confidence == 100.0


def test_deadline_kills_the_run_quickly():
    data, fmt = _make(0, "thong-bao-ket-luan")
    started = time.monotonic()
    result = ocr_document(data, fmt, SETTINGS, deadline=time.monotonic() + 0.3)
    assert result.error == "timeout"
    assert time.monotonic() - started < 2.5
    limited = ocr_document(data, fmt, SETTINGS.model_copy(update={"time_limit_seconds": 0.3}))
    assert limited.error == "timeout"


def test_original_bytes_unchanged(scanned, tmp_path):
    # The session fixture checks the hash around every run; here a file on disk too.
    data, fmt, _, _ = scanned[PDF_CASES[0]]
    path = tmp_path / "scan.pdf"
    path.write_bytes(data)
    before = (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
    ocr_document(path.read_bytes(), fmt, SETTINGS)
    assert (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns) == before


def test_tesseract_missing(monkeypatch, tmp_path):
    # PATH with pdftoppm but no tesseract.
    (tmp_path / "pdftoppm").symlink_to(shutil.which("pdftoppm"))
    monkeypatch.setenv("PATH", str(tmp_path))
    data = scans.image_pdf([scans.scanned_pages(BY_NAME["giay-gioi-thieu"].text, _style(0))[0]], DPI)
    result = ocr_document(data, "pdf", SETTINGS)
    assert result.error == "tesseract not installed"
    assert result.text == ""


def test_failures_never_raise():
    assert ocr_document(b"%PDF-1.4 garbage", "pdf", SETTINGS).error
    assert ocr_document(b"\x89PNG\r\n\x1a\nbroken", "png", SETTINGS).error.startswith("unreadable image")
    assert ocr_document(b"", "png", SETTINGS).error == "empty file"
    assert ocr_document(b"abc", "docx", SETTINGS).error
    assert ocr_document(b"abc", "png", SETTINGS.model_copy(update={"enabled": False})).error == "ocr disabled"


def test_ocr_command_json(scanned, tmp_path, capsys):
    from mailbot.commands.ocr import ocr_command

    data, _, _, _ = scanned[PNG_CASE]
    path = tmp_path / "scan.png"
    path.write_bytes(data)
    assert ocr_command(str(path), None, as_json=True) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["format"] == "png" and out["needs_ocr"] is True and out["error"] is None
    assert out["document"]["code"] == BY_NAME[PNG_CASE].expected["code"]
    assert out["pages_read"] == [1]
    assert set(out["field_confidence"]) <= set(FIELD_NAMES)
    assert ocr_command(str(tmp_path / "missing.pdf"), None) == 1
    (tmp_path / "x.txt").write_bytes(b"hello")
    assert ocr_command(str(tmp_path / "x.txt"), None) == 1
