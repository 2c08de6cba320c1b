"""Confidence per register field read from OCR text (see `inspect/ocr`): where each value
stands in Tesseract's lines, and how sure Tesseract was of those words."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from mailbot.util.textfold import fold

if TYPE_CHECKING:
    from mailbot.inspect.ocr import OcrResult

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
