"""The text accumulator every reader writes into, and the result built from it.

`_Out` keeps text as pieces tagged with the legacy scheme their font implies,
because whether to convert can only be decided once the whole text is seen
(`convert`); it raises `_Enough` at the budget so a streaming parser stops
early instead of reading a huge file to its end. `_Refused` is how a reader
says "unsafe, or not this format"; the entry point turns it, and any other
failure, into an `ExtractedText` rather than an exception (`_failed`, with
`util.errors.short_error` keeping the error text short).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from mailbot.inspect.extract.convert import _convert_segments

FLAG_EMPTY = "text-empty"
FLAG_TRUNCATED = "text-truncated"
FLAG_FAILED = "extract-failed"

_MAX_FONTS = 64


@dataclass(frozen=True)
class ExtractedText:
    # NFC Unicode, legacy encodings converted, one paragraph (or sheet row) per line.
    # PDF: the pages read, joined by a line holding a form feed; "…" stands for pages skipped.
    text: str
    pages: list[str | None] | None     # PDF only: one entry per page, None for pages not read
    flags: tuple[str, ...]             # text-nfd, text-legacy-*, text-empty, text-truncated, extract-failed
    fonts: tuple[str, ...]             # font names seen, first use first
    error: str | None                  # English, for logs; None when read fine

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()


class _Refused(Exception):
    """The file is unsafe or unreadable: extraction stops with this message."""


class _Enough(Exception):
    """Text budget reached (or the rows needed are in): stop parsing, keep what we have."""


class _Out:
    """Text pieces with the legacy scheme their font implies, under a size budget.

    scheme: None (Unicode, or unknown: text statistics decide), a `legacy`
    scheme from a run's font (converted), or "hint:<scheme>" when a font is
    only known to be somewhere in the file (converted if the text agrees).
    """

    def __init__(self, budget: int):
        self._parts: list[tuple[list[str], str | None]] = []
        self.size = 0
        self.budget = budget
        self.truncated = False
        self.fonts: dict[str, None] = {}
        self.flags: list[str] = []
        self.pdf_pages: list[tuple[int, str, str | None]] = []   # PDF: (index, text, scheme)

    def add(self, text: str, scheme: str | None = None) -> None:
        if not text:
            return
        if self._parts and self._parts[-1][1] == scheme:
            self._parts[-1][0].append(text)
        else:
            self._parts.append(([text], scheme))
        self.size += len(text)
        if self.size > self.budget:
            self.truncated = True
            raise _Enough

    def newline(self) -> None:
        self.add("\n")

    @property
    def segs(self) -> list[tuple[str, str | None]]:
        """The text so far as (text, scheme) pieces, neighbours of one scheme joined."""
        return [("".join(parts), scheme) for parts, scheme in self._parts]

    def font(self, name: str | None) -> None:
        if name:
            name = name.strip().strip("'\"")
            if name and name not in self.fonts and len(self.fonts) < _MAX_FONTS:
                self.fonts[name] = None


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufeff\u200b\ufffe\uffff]")
_BLANKS = re.compile(r"\n{3,}")


def _clean(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    text = unicodedata.normalize("NFC", text)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return _BLANKS.sub("\n\n", text).strip("\n")


def _result(out: _Out, max_chars: int) -> ExtractedText:
    converted, flags = _convert_segments(out.segs)
    text = _clean("".join(converted))
    flags = list(dict.fromkeys([*flags, *out.flags]))
    if len(text) > max_chars:
        text = text[:max_chars]
        out.truncated = True
    if not text.strip():
        flags.append(FLAG_EMPTY)
    if out.truncated:
        flags.append(FLAG_TRUNCATED)
    return ExtractedText(text, None, tuple(dict.fromkeys(flags)), tuple(out.fonts), None)


def _failed(error: str, fonts: Iterable[str] = ()) -> ExtractedText:
    return ExtractedText("", None, (FLAG_FAILED,), tuple(fonts), error)
