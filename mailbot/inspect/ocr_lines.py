"""Tesseract's TSV output into lines of text (pure, see `inspect/ocr`): words grouped into
lines and blocks, the two-column tables of an official document read cell after cell,
letters Tesseract confuses fixed, each line with its words' confidences."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


def parse_tsv(tsv: str) -> dict[str, list]:
    """Tesseract's TSV as columns (header name → one value per row), as pytesseract's
    `Output.DICT` gives them: numbers as ints (a confidence of "96.58" → 96), the last
    column (text) as strings; a short last row is padded."""
    rows = [row.split("\t") for row in tsv.strip().split("\n")]
    if len(rows) < 2:
        return {}
    header = rows.pop(0)
    if len(rows[-1]) < len(header):
        rows[-1].append("")
    text_col = len(header) - 1
    out: dict[str, list] = {}
    for i, head in enumerate(header):
        column = out.setdefault(head, [])
        for row in rows:
            if len(row) <= i:
                continue
            value = row[i]
            if i != text_col:
                try:
                    value = int(float(value))
                except ValueError:
                    pass
            column.append(value)
    return out


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
