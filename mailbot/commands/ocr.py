"""`mailbot ocr FILE [--json]`: what OCR reads from a scan, for troubleshooting.

Prints the recognised text (NFC), which pages were read, the mean word
confidence and the time taken; with --json, the lines with their confidence
and the register fields the document reader finds in the text, each with its
confidence and whether it is below `ocr.min_confidence` (left for the clerk).
The file is only read. Exit codes: 0 ok, 1 the file cannot be read or OCR
failed (the message says why, e.g. "tesseract not installed").
"""

from __future__ import annotations

import json
import sys

from typing import TYPE_CHECKING

from mailbot.commands.common import add_config, load_optional, read_input

if TYPE_CHECKING:
    from mailbot.config import Rules

__all__ = ["ocr_command"]


def add_parser(sub) -> None:
    p = sub.add_parser("ocr", help="recognised text of a scanned PDF or image (troubleshooting)")
    add_config(p)
    p.add_argument("file", metavar="FILE")
    p.add_argument("--json", action="store_true", help="lines with confidences, fields read, field confidence")


def run(args) -> int:
    return ocr_command(args.file, load_optional(args), args.json)

_MAGIC = ((b"%PDF-", "pdf"), (b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpeg"),
          (b"II*\x00", "tiff"), (b"MM\x00*", "tiff"))


def _format(data: bytes) -> str | None:
    for magic, fmt in _MAGIC:
        if data.startswith(magic) or (fmt == "pdf" and magic in data[:1024]):
            return fmt
    return None


def ocr_command(path: str, rules: Rules | None, as_json: bool = False) -> int:
    from mailbot.inspect.document import read_document
    from mailbot.inspect.ocr import field_confidence, needs_ocr, ocr_document
    from mailbot.runtime.ocr_engine import TesseractEngine

    from mailbot.config import Ocr

    settings = rules.ocr if rules is not None else Ocr()
    data = read_input(path)
    if data is None:
        return 1
    fmt = _format(data)
    if fmt is None:
        print(f"Tệp {path} không phải PDF hay ảnh (png, jpeg, tiff)  [not a PDF or an image]",
              file=sys.stderr)
        return 1
    scanned = needs_ocr(data, fmt)
    # A troubleshooting run reads even when OCR is off in rules.yaml, and even text pages.
    result = ocr_document(data, fmt, settings.model_copy(update={"enabled": True}), engine=TesseractEngine(),
                          force=True)
    fields = read_document(result.text).to_json() if result.text else {}
    confidence = field_confidence(fields, result) if fields else {}
    if as_json:
        print(json.dumps({
            "file": path, "format": fmt, "needs_ocr": scanned, "error": result.error,
            "pages_read": [i + 1 for i in result.pages_read], "confidence": result.confidence,
            "seconds": result.seconds, "text": result.text,
            "lines": [{"text": t, "confidence": c} for t, c in result.line_confidence],
            "document": fields,
            "field_confidence": confidence,
            "low_confidence": sorted(k for k, c in confidence.items() if c < settings.min_confidence),
        }, ensure_ascii=False, indent=2))
    else:
        if result.text:
            print(result.text)
        pages = ", ".join(str(i + 1) for i in result.pages_read) or "none"
        note = "" if scanned else "; the file has a text layer, OCR forced"
        print(f"-- pages read: {pages}; mean word confidence {result.confidence:.1f}; "
              f"{result.seconds:.1f} s{note}", file=sys.stderr)
        low = [k for k, c in confidence.items() if c < settings.min_confidence]
        if low:
            print(f"-- below min_confidence {settings.min_confidence:g} (left for the clerk): "
                  + ", ".join(f"{k} {confidence[k]:.0f}" for k in low), file=sys.stderr)
    if result.error:
        print(f"OCR không thành công: {result.error}  [OCR failed: {result.error}]", file=sys.stderr)
        return 1
    return 0
