"""Text preparation for `inspect/document`: NFC lines, columns split into cells, e-signature
stamps taken out (and kept: their date is the fallback for the issued date), copy-certification
blocks (SAO Y, SAO LỤC, TRÍCH SAO with their own Số …/SY-…) cut out."""

from __future__ import annotations

import re
import unicodedata

from mailbot.inspect.document_case import is_upper_text
from mailbot.inspect.document_lines import _VV, _clean, _is_type_line, _parse_date, _strip_motto
from mailbot.inspect.document_signer import _level, _person_name
from mailbot.inspect.document_types import COPY_ABBREVIATIONS, fold_key

_STAMP_KEYS = r"(?:Ký\s+bởi|Người\s+ký|Ký\s+số\s+bởi|Được\s+ký\s+bởi|Signed\s+by)"
_STAMP_START = re.compile(_STAMP_KEYS + r"\s*:", re.I)
_STAMP_FIELD = re.compile(
    r"^(?:E-?mail|Cơ\s+quan|Chức\s+vụ|Thời\s+gian(?:\s+ký)?|Ngày\s+ký|Signing\s+time|"
    r"Ngày\s+giờ\s+ký)\s*:", re.I)
_STAMP_TIME = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})")
_COPY_MARK = re.compile(r"(?:^|\s)(SAO\s+Y\s+BẢN\s+CHÍNH|SAO\s+Y|SAO\s+LỤC|TRÍCH\s+SAO)\s*$")


def _prepare(text: str) -> tuple[list[str], list[dict]]:
    """NFC lines, columns split into cells, e-signature stamps taken out (and kept)."""
    text = unicodedata.normalize("NFC", text or "")
    text = re.sub(r"[\u00a0\u2007\u202f\u200b\ufeff]", " ", text).replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"\*\*|__", "", text)  # markdown bold from converters
    lines: list[str] = []
    # Blanks left for the number and day (filled in at signing) are not column gaps.
    text = re.sub(r"(ngày|tháng|Số\s*:)[ \t.…_]{3,}(?=tháng|năm|/)", r"\1 ", text, flags=re.I)
    for raw in text.split("\n"):
        cells = [c.strip() for c in re.split(r"\t|\s{3,}", raw.strip())]
        cells = [c for c in cells if c] or [""]
        lines.extend(cells)
    return _remove_signature_stamps(lines)


def _remove_signature_stamps(lines: list[str]) -> tuple[list[str], list[dict]]:
    stamps: list[dict] = []
    out: list[str] = []
    after_stamp = 0
    for line in lines:
        m = _STAMP_START.search(line)
        if m:
            before, stamp = line[:m.start()].strip(), line[m.start():]
            stamps.append(_read_stamp(stamp))
            after_stamp = 4
            out.append(before)
            continue
        if after_stamp and _STAMP_FIELD.match(line):
            _read_stamp(line, stamps[-1])
            out.append("")
            continue
        if re.match(r"^Thời\s+gian\s+ký\s*:", line, re.I):
            stamps.append(_read_stamp(line))
            out.append("")
            continue
        after_stamp = max(0, after_stamp - 1) if line else after_stamp
        out.append(line)
    return out, stamps


def _read_stamp(text: str, into: dict | None = None) -> dict:
    stamp = into if into is not None else {}
    parts = re.split(r"(" + _STAMP_KEYS + r"|E-?mail|Cơ\s+quan|Thời\s+gian(?:\s+ký)?|Ngày\s+ký)\s*:",
                     text, flags=re.I)
    for key, value in zip(parts[1::2], parts[2::2]):
        key, value = fold_key(key), _clean(value)
        if re.match(r"(ky|nguoi ky|ky so|duoc ky|signed)", key):
            stamp["by"] = value
        elif key.startswith("co quan"):
            stamp["org"] = value
        elif key.startswith(("thoi gian", "ngay ky")):
            m = _STAMP_TIME.search(value)
            if m:
                stamp["date"] = _parse_date(m.group(1), m.group(2), m.group(3))
    return stamp


def _cut_copy_blocks(lines: list[str]) -> list[str]:
    """Drop copy-certification blocks (SAO Y / SAO LỤC / TRÍCH SAO with their Số …/SY-…)."""
    lines = list(lines)
    main_seen = False
    for i, line in enumerate(lines):
        if _strip_motto(line)[1] or _is_type_line(line) or _VV.match(line):
            main_seen = True
        if not _COPY_MARK.search(line) and not _is_copy_number(line):
            continue
        has_number = any(_is_copy_number(x) for x in lines[max(0, i - 3):i + 6])
        if not has_number:
            lines[i] = _COPY_MARK.sub("", line).strip()  # a bare rubber stamp
            continue
        start = _copy_block_start(lines, i)
        if main_seen:
            return lines[:start]  # copy page after the document: nothing after it is ours
        end = _copy_block_end(lines, i)
        return lines[:start] + [""] * (end - start) + lines[end:]
    return lines


def _is_copy_number(line: str) -> bool:
    m = re.search(r"S[ốỐ]\s*[:.]?\s*\d*\s*/\s*(?:\d{4}\s*/\s*)?([A-ZĐ]+)\s*-", line)
    return bool(m) and m.group(1) in COPY_ABBREVIATIONS


def _copy_block_start(lines: list[str], i: int) -> int:
    # The copying agency's name sits right above the mark (or the Số line).
    start = i
    for j in range(i - 1, max(-1, i - 5), -1):
        if lines[j] and not is_upper_text(lines[j]) and not _is_copy_number(lines[j]):
            break
        start = j
    return start


def _copy_block_end(lines: list[str], i: int) -> int:
    # A copy block at the top ends with its signer's name (or where the document's header starts).
    seen_level = False
    for j in range(i + 1, min(len(lines), i + 30)):
        if _strip_motto(lines[j])[1]:
            return j
        if _level(lines[j]):
            seen_level = True
        elif seen_level and _person_name(lines[j]):
            return j + 1
    return i + 1
