"""Diacritic-insensitive text: "Đồng Nai", "ĐỒNG  NAI" and "dong nai" meet.

One implementation for every place that compares Vietnamese loosely: register
search and the paper-copy lists (`fold`), the document reader's keys
(`inspect/document_types.fold_key`, `fold` cached), OCR word matching
(`inspect/ocr`), the ASCII text of the sample PDFs (`strip_marks`).
"""

import unicodedata


def strip_marks(text: str) -> str:
    """`text` without its tone and vowel marks, đ/Đ as d/D; case and spacing kept."""
    # đ/Đ are letters of their own, not d + a mark: NFD leaves them alone.
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(text: str | None) -> str:
    """The comparison key: marks stripped, lower case, runs of white space as one space."""
    return " ".join(strip_marks(text or "").lower().split())
