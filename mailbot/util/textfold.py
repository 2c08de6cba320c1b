"""Diacritic-insensitive folding for search: "Đồng Nai" and "dong nai" meet."""

import unicodedata


def fold(text: str) -> str:
    # đ/Đ are letters of their own, not d + a mark: NFD leaves them alone.
    text = (text or "").replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())
