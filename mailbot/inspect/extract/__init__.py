"""Text of an attachment, in reading order, for the register (pure, never raises).

`extract_text(data, fmt)` takes an attachment already classified by
`formats.classify` and gives its text as NFC Unicode: paragraphs one per
line, table cells left to right and rows top to bottom (so a two-column
official header reads the left cell's lines, then the right cell's), legacy
TCVN3/VNI text converted, plus the fonts seen (a strong legacy signal).

Libraries: none beyond what mailbot already carries. OOXML and ODF are read
with the standard library's expat, streamed from the ZIP member in chunks;
RTF, .doc (Word 97 piece table) and .xls (BIFF8) with small readers written
here; PDF with pypdf (the limits of `pdf.py`), only the pages needed.

Untrusted input is bounded everywhere:
- ZIP: member count, declared sizes and compression ratio are checked before
  a member is opened, and bytes actually inflated are counted;
- XML: any DOCTYPE is refused (no DTD, so no entity expansion: the
  "billion laughs" and external entities are impossible), as defusedxml's
  forbid_dtd does; OOXML and ODF never carry one;
- work stops once `max_chars` of text (or the rows needed) are collected;
- RTF group depth, OLE stream sizes, PDF pages (first two and last two) are capped.
"""

from __future__ import annotations

import functools
import io
import logging
import posixpath
import re
import struct
import unicodedata
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from xml.parsers import expat

from .. import legacy
from ..text import (
    FLAG_NFD,
    FLAG_UNDECODABLE,
    LEGACY_FLAGS,
    SCHEME_FLAGS,
    decode_text,
    legacy_scores,
    to_unicode,
    vietnamese_text_flags,
)

__all__ = [
    "FLAG_EMPTY",
    "FLAG_FAILED",
    "FLAG_TRUNCATED",
    "ExtractedText",
    "extract_text",
]

log = logging.getLogger(__name__)

FLAG_EMPTY = "text-empty"
FLAG_TRUNCATED = "text-truncated"
FLAG_FAILED = "extract-failed"

SHEET_ROWS = 40                      # rows of the first sheet kept for reading
PDF_HEAD_PAGES = PDF_TAIL_PAGES = 2  # the header is on page 1, the signature on the last

_MAX_INPUT = 64 << 20                # bytes of any attachment we agree to read
_MAX_ZIP_MEMBERS = 10_000
_MAX_XML_PART = 64 << 20             # inflated size of one XML part (declared and actual)
_MAX_SMALL_PART = 4 << 20            # rels, workbook.xml, styles
_MAX_RATIO = 120                     # inflated / compressed, for parts above _RATIO_FLOOR
_RATIO_FLOOR = 4 << 20
_MAX_OLE_STREAM = 64 << 20
_MAX_RTF_DEPTH = 256
_MAX_SCAN = 4 << 20                  # bytes of a .doc stream scanned for text without a piece table
_MAX_FONTS = 64
_CHUNK = 1 << 16


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


# -- collecting text ---------------------------------------------------------------------

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


_VIETNAMESE_UNICODE = re.compile("[\u0102\u0103\u0110\u0111\u0128\u0129\u0168\u0169"
                                 "\u01a0\u01a1\u01af\u01b0\u1ea0-\u1ef9]")


def _legacy_lines(text: str) -> str:
    """The lines of `text` a legacy font could have produced (where evidence counts)."""
    return "\n".join(line for line in text.splitlines() if legacy.is_convertible(line))


def _convert_segments(segs: list[tuple[str, str | None]]) -> tuple[list[str], list[str]]:
    """Convert legacy pieces; return the converted pieces (aligned) and the flags."""
    flags: list[str] = []
    raw_all = "".join(t for t, _ in segs)
    if FLAG_NFD in vietnamese_text_flags(raw_all[:500_000]):
        flags.append(FLAG_NFD)

    # Pieces whose own font names a legacy encoding. The font can lie (Unicode
    # typed in a .VnTime font): then the text must agree.
    trusted: dict[str, bool] = {}
    for scheme in {s for _, s in segs if s}:
        texts = "".join(t for t, s in segs if s == scheme)
        base = scheme.removeprefix("hint:")
        flag = SCHEME_FLAGS[base]
        lines = _legacy_lines(texts)
        score = legacy_scores(lines).get(flag, 0.0)
        if scheme.startswith("hint:"):
            trusted[scheme] = score >= 1
        else:
            trusted[scheme] = score >= 1 or not _VIETNAMESE_UNICODE.search(texts)

    out: list[str] = []
    for text, scheme in segs:
        if scheme and trusted.get(scheme):
            base = scheme.removeprefix("hint:")
            new = legacy.convert(text, base, guess_case=scheme.startswith("hint:"))
            if new != text and SCHEME_FLAGS[base] not in flags:
                flags.append(SCHEME_FLAGS[base])
            out.append(new)
        else:
            out.append(text)

    # The rest: legacy only if the statistics say so (plain text, or a font we did not see).
    plain = "".join(t for (t, s) in segs if not (s and trusted.get(s)))
    found = [f for f in vietnamese_text_flags(_legacy_lines(plain)) if f in LEGACY_FLAGS]
    if found:
        for i, (text, scheme) in enumerate(segs):
            if not (scheme and trusted.get(scheme)):
                new, _ = to_unicode(text, found)
                if new != unicodedata.normalize("NFC", text) and found[0] not in flags:
                    flags.append(found[0])
                out[i] = new
    return out, flags


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


def _short(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= 200 else text[:197] + "..."


# -- the entry point ---------------------------------------------------------------------

def extract_text(data: bytes, fmt: str, *, max_chars: int = 200_000, pdf_reader: Any = None) -> ExtractedText:
    """Text of one attachment of an allowed format (see module doc). Never raises.
    `pdf_reader`: the pypdf reader `pdf.open_pdf()` already made of these bytes (one parse)."""
    data = bytes(data or b"")
    max_chars = max(0, int(max_chars))
    fmt = (fmt or "").lower()
    reader = _READERS.get(fmt)
    if fmt == "pdf" and pdf_reader is not None:
        reader = functools.partial(_pdf, reader=pdf_reader)
    if reader is None:
        return _failed(f"no text extractor for format {fmt!r}")
    if len(data) > _MAX_INPUT:
        return _failed(f"file larger than {_MAX_INPUT} bytes: not read")
    out = _Out(max_chars + 1024)
    pages: list[str | None] | None = None
    try:
        pages = reader(data, out)
    except _Enough:
        pass
    except _Refused as exc:
        return _failed(str(exc), out.fonts)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, expat.ExpatError, EOFError) as exc:
        return _failed(f"damaged {fmt} file: {_short(exc)}", out.fonts)
    except Exception as exc:  # noqa: BLE001 - untrusted input: one bad file, not a crash
        log.info("extract_text(%s) failed: %r", fmt, exc)
        return _failed(f"unreadable {fmt} file: {_short(exc)}", out.fonts)
    try:
        if fmt == "pdf" and pages is not None:
            return _pdf_result(out, pages, max_chars)
        return _result(out, max_chars)
    except Exception as exc:  # noqa: BLE001
        log.warning("extract_text(%s): conversion failed: %r", fmt, exc)
        return _failed(f"text conversion failed: {_short(exc)}", out.fonts)


# -- plain text ----------------------------------------------------------------------------

def _plain(data: bytes, out: _Out) -> None:
    text, flags = decode_text(data)
    if flags == (FLAG_UNDECODABLE,):
        raise _Refused("text in an unknown encoding (undecodable)")
    if FLAG_NFD in flags:
        out.flags.append(FLAG_NFD)
    converted, _ = to_unicode(text, [f for f in flags if f in LEGACY_FLAGS])
    out.flags.extend(f for f in flags if f in LEGACY_FLAGS)
    out.add(converted[: out.budget + 1])


# -- XML, safely ---------------------------------------------------------------------------

def _no_dtd(*_args) -> None:
    raise _Refused("XML with a DOCTYPE declaration refused (entity expansion risk)")


def _parser(start: Callable, end: Callable, chars: Callable | None = None):
    p = expat.ParserCreate(namespace_separator="}")
    p.StartDoctypeDeclHandler = _no_dtd
    p.EntityDeclHandler = _no_dtd
    p.UnparsedEntityDeclHandler = _no_dtd
    p.ExternalEntityRefHandler = lambda *a: _no_dtd()
    p.StartElementHandler = start
    p.EndElementHandler = end
    if chars is not None:
        p.CharacterDataHandler = chars
    p.buffer_text = True
    p.buffer_size = _CHUNK
    p.ordered_attributes = False
    return p


def _split(name: str) -> tuple[str, str]:
    uri, _, local = name.rpartition("}")
    return uri, local


def _attr(attrs: dict[str, str], local: str) -> str | None:
    for key, value in attrs.items():
        if key == local or key.endswith("}" + local):
            return value
    return None


# -- ZIP packages ------------------------------------------------------------------------

class _Package:
    def __init__(self, data: bytes):
        self.zf = zipfile.ZipFile(io.BytesIO(data))
        infos = self.zf.infolist()
        if len(infos) > _MAX_ZIP_MEMBERS:
            raise _Refused(f"package with more than {_MAX_ZIP_MEMBERS} members")
        self.members = {i.filename: i for i in infos}
        self.lower = {i.filename.lower().lstrip("/"): i for i in infos}

    def info(self, name: str) -> zipfile.ZipInfo | None:
        name = name.lstrip("/")
        return self.members.get(name) or self.lower.get(name.lower())

    def _check(self, info: zipfile.ZipInfo, cap: int) -> None:
        if info.flag_bits & 0x1:
            raise _Refused(f"{info.filename}: encrypted package member")
        if info.file_size > cap:
            raise _Refused(f"{info.filename}: declared unpacked size {info.file_size} bytes "
                           f"is over the limit ({cap}): possible zip bomb")
        if info.file_size > _RATIO_FLOOR and info.file_size > _MAX_RATIO * max(info.compress_size, 1):
            raise _Refused(f"{info.filename}: compression ratio over {_MAX_RATIO}: possible zip bomb")

    def chunks(self, name: str, cap: int):
        info = self.info(name)
        if info is None:
            return
        self._check(info, cap)
        total = 0
        with self.zf.open(info) as fh:
            while True:
                chunk = fh.read(_CHUNK)
                if not chunk:
                    break
                total += len(chunk)
                if total > cap:
                    raise _Refused(f"{info.filename}: unpacks to more than {cap} bytes")
                yield chunk

    def parse(self, name: str, handler, cap: int = _MAX_XML_PART) -> bool:
        """Stream one XML member through `handler` (start/end/chars); False if absent."""
        if self.info(name) is None:
            return False
        p = _parser(handler.start, handler.end, getattr(handler, "chars", None))
        for chunk in self.chunks(name, cap):
            p.Parse(chunk, False)
        p.Parse(b"", True)
        return True

    def rels(self, source: str) -> dict[str, tuple[str, str]]:
        """Relationships of a part: id → (type, resolved target path)."""
        folder, base = posixpath.split(source)
        rels_name = posixpath.join(folder, "_rels", base + ".rels")
        found: dict[str, tuple[str, str]] = {}

        class H:
            @staticmethod
            def start(name, attrs):
                if _split(name)[1] == "Relationship" and _attr(attrs, "TargetMode") != "External":
                    target = _attr(attrs, "Target") or ""
                    path = (target.lstrip("/") if target.startswith("/")
                            else posixpath.normpath(posixpath.join(folder, target)))
                    found[_attr(attrs, "Id") or ""] = (_attr(attrs, "Type") or "", path)

            @staticmethod
            def end(name):
                pass

        self.parse(rels_name, H, _MAX_SMALL_PART)
        return found

    def main_part(self, default: str) -> str:
        for kind, target in self.rels("").values():
            if kind.endswith("/officeDocument"):
                return target
        return default


def _rel_target(rels: dict[str, tuple[str, str]], suffix: str) -> str | None:
    for kind, target in rels.values():
        if kind.endswith(suffix):
            return target
    return None


# -- DOCX ----------------------------------------------------------------------------------

_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_W_SKIP = frozenset({"instrText", "delText", "delInstrText", "footnoteReference",
                     "endnoteReference", "commentReference"})


class _WordStyles:
    """styles.xml: default fonts, per-style fonts, caps and inheritance."""

    def __init__(self):
        self.defaults: dict[str, str] = {}
        self.styles: dict[str, dict] = {}
        self.default_para: str | None = None
        self._stack: list[str] = []
        self._cur: dict | None = None

    def start(self, name, attrs):
        local = _split(name)[1]
        parent = self._stack[-1] if self._stack else ""
        self._stack.append(local)
        if local == "style":
            sid = _attr(attrs, "styleId") or ""
            self._cur = {"based": None, "fonts": {}, "caps": None}
            self.styles[sid] = self._cur
            if _attr(attrs, "type") == "paragraph" and _attr(attrs, "default") in ("1", "true", "on"):
                self.default_para = sid
        elif local == "basedOn" and self._cur is not None and parent == "style":
            self._cur["based"] = _attr(attrs, "val")
        elif local == "rFonts" and parent == "rPr":
            if "rPrDefault" in self._stack:
                self.defaults = _font_attrs(attrs)
            elif self._cur is not None and "tblStylePr" not in self._stack:
                self._cur["fonts"] = _font_attrs(attrs)
        elif local == "caps" and parent == "rPr" and self._cur is not None:
            self._cur["caps"] = _on(attrs)

    def end(self, name):
        local = self._stack.pop() if self._stack else ""
        if local == "style":
            self._cur = None

    def chain(self, sid: str | None) -> list[dict]:
        out, seen = [], set()
        while sid and sid in self.styles and sid not in seen and len(out) < 20:
            seen.add(sid)
            out.append(self.styles[sid])
            sid = self.styles[sid]["based"]
        return out


def _font_attrs(attrs: dict[str, str]) -> dict[str, str]:
    return {k: v for k in ("ascii", "hAnsi", "asciiTheme", "hAnsiTheme", "cs")
            if (v := _attr(attrs, k)) is not None}


def _on(attrs: dict[str, str]) -> bool:
    return (_attr(attrs, "val") or "true").lower() not in ("0", "false", "off")


class _Docx:
    """document.xml, streamed: paragraphs (nested ones too) as lines, in order."""

    def __init__(self, out: _Out, styles: _WordStyles):
        self.out, self.styles = out, styles
        self.stack: list[str] = []
        self.skip = 0
        self.paras: list[dict] = []
        self.run: dict | None = None
        self.in_text = False
        self._cache: dict = {}
        self.pending = 0

    def start(self, name, attrs):
        if self.skip:
            self.skip += 1
            return
        uri, local = _split(name)
        if (uri == _MC and local == "Fallback") or local in _W_SKIP:
            self.skip = 1   # mc:Fallback repeats mc:Choice (old VML copy of a text box)
            return
        parent = self.stack[-1] if self.stack else ""
        self.stack.append(local)
        if local == "p":
            self.paras.append({"style": None, "segs": []})
        elif local == "pStyle" and parent == "pPr" and self.paras:
            self.paras[-1]["style"] = _attr(attrs, "val")
        elif local == "r":
            self.run = {"fonts": {}, "style": None, "caps": None, "scheme": False}
        elif self.run is not None and parent == "rPr" and len(self.stack) >= 3 and self.stack[-3] == "r":
            if local == "rFonts":
                self.run["fonts"] = _font_attrs(attrs)
            elif local == "rStyle":
                self.run["style"] = _attr(attrs, "val")
            elif local == "caps":
                self.run["caps"] = _on(attrs)
        elif parent == "r":
            if local == "t":
                self.in_text = True
            elif local in ("tab", "ptab"):
                self._text("\t")
            elif local in ("br", "cr"):
                self._text("\n")
            elif local == "noBreakHyphen":
                self._text("-")

    def end(self, name):
        if self.skip:
            self.skip -= 1
            return
        local = self.stack.pop() if self.stack else ""
        if local == "t":
            self.in_text = False
        elif local == "r":
            self.run = None
        elif local == "p" and self.paras:
            para = self.paras.pop()
            self.pending -= sum(len(t) for t, _ in para["segs"])
            for text, scheme in para["segs"]:
                self.out.add(text, scheme)
            self.out.newline()

    def chars(self, data):
        if self.in_text and not self.skip:
            self._text(data)

    def _text(self, text: str) -> None:
        if not self.paras or self.run is None:
            return
        scheme, caps = self._resolve()
        if caps:
            text = text.upper()
        self.paras[-1]["segs"].append((text, scheme))
        self.pending += len(text)
        if self.out.size + self.pending > self.out.budget:
            self.out.truncated = True
            raise _Enough

    def _resolve(self) -> tuple[str | None, bool]:
        run = self.run
        if run["scheme"] is not False:
            return run["scheme"], run["caps_eff"]
        key = (tuple(sorted(run["fonts"].items())), run["style"], self.paras[-1]["style"], run["caps"])
        if key not in self._cache:
            st = self.styles
            levels = [run["fonts"]] + [s["fonts"] for s in st.chain(run["style"])]
            pchain = st.chain(self.paras[-1]["style"] or st.default_para)
            levels += [s["fonts"] for s in pchain] + [st.defaults]
            name = _pick_font(levels, "hAnsi") or _pick_font(levels, "ascii")
            self.out.font(name)
            caps = run["caps"]
            if caps is None:
                caps = next((s["caps"] for s in st.chain(run["style"]) + pchain
                             if s["caps"] is not None), False)
            self._cache[key] = (legacy.font_scheme(name), bool(caps))
        run["scheme"], run["caps_eff"] = self._cache[key]
        return self._cache[key]


def _pick_font(levels: list[dict], key: str) -> str | None:
    for level in levels:
        if key + "Theme" in level:
            return None        # a theme font: Calibri, Times New Roman… never legacy
        if key in level:
            return level[key]
    return None


def _docx(data: bytes, out: _Out) -> None:
    pkg = _Package(data)
    main = pkg.main_part("word/document.xml")
    if pkg.info(main) is None:
        raise _Refused("not a Word document: word/document.xml is missing")
    styles = _WordStyles()
    styles_part = _rel_target(pkg.rels(main), "/styles") or "word/styles.xml"
    pkg.parse(styles_part, styles, _MAX_SMALL_PART * 4)
    pkg.parse(main, _Docx(out, styles))


# -- OpenDocument --------------------------------------------------------------------------

_ODF_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_ODF_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_ODF_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_ODF_STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
_ODF_SKIP = {
    (_ODF_TEXT, "tracked-changes"), (_ODF_TEXT, "note"), (_ODF_OFFICE, "annotation"),
    (_ODF_OFFICE, "annotation-end"), (_ODF_TEXT, "sequence-decls"), (_ODF_OFFICE, "forms"),
    (_ODF_OFFICE, "scripts"), (_ODF_OFFICE, "event-listeners"), (_ODF_TEXT, "variable-decls"),
    (_ODF_TEXT, "user-field-decls"), (_ODF_TABLE, "shapes"),
    ("urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0", "title"),
    ("urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0", "desc"),
}
_WS = re.compile(r"[ \t\r\n]+")


class _OdfStyles:
    """Font faces and (automatic or common) styles: font name, upper-case, parent."""

    def __init__(self):
        self.faces: dict[str, str] = {}
        self.styles: dict[tuple[str, str], dict] = {}
        self.defaults: dict[str, dict] = {}
        self._cur: dict | None = None
        self._depth = 0

    def start(self, name, attrs):
        uri, local = _split(name)
        self._depth += 1
        if uri != _ODF_STYLE:
            return
        if local == "font-face":
            family = _attr(attrs, "font-family") or _attr(attrs, "name") or ""
            self.faces[_attr(attrs, "name") or ""] = family.strip("'\" ")
        elif local in ("style", "default-style"):
            family = _attr(attrs, "family") or ""
            self._cur = {"parent": _attr(attrs, "parent-style-name"), "font": None,
                         "caps": None, "family": family}
            if local == "style":
                self.styles[(family, _attr(attrs, "name") or "")] = self._cur
            else:
                self.defaults[family] = self._cur
        elif local == "text-properties" and self._cur is not None:
            font = _attr(attrs, "font-name")
            if font is not None:
                self._cur["font"] = self.faces.get(font, font)
            elif (family := _attr(attrs, "font-family")) is not None:
                self._cur["font"] = family.strip("'\" ")
            transform = _attr(attrs, "text-transform")
            if transform is not None:
                self._cur["caps"] = transform == "uppercase"

    def end(self, name):
        self._depth -= 1
        uri, local = _split(name)
        if uri == _ODF_STYLE and local in ("style", "default-style"):
            self._cur = None

    def resolve(self, family: str, name: str | None, use_default: bool) -> tuple[str | None, bool | None]:
        font = caps = None
        seen = set()
        while name and (family, name) in self.styles and name not in seen and len(seen) < 20:
            seen.add(name)
            st = self.styles[(family, name)]
            font = font if font is not None else st["font"]
            caps = caps if caps is not None else st["caps"]
            name = st["parent"]
        if use_default and family in self.defaults:
            st = self.defaults[family]
            font = font if font is not None else st["font"]
            caps = caps if caps is not None else st["caps"]
        return font, caps


class _Odt:
    """content.xml of a text document (styles first, then body), streamed."""

    def __init__(self, out: _Out, styles: _OdfStyles):
        self.out, self.styles = out, styles
        self.skip = 0
        self.in_body = False
        self.paras: list[dict] = []     # {"style", "segs", "spans": [style names]}
        self.pending = 0
        self._cache: dict = {}

    def start(self, name, attrs):
        if self.skip:
            self.skip += 1
            return
        uri, local = _split(name)
        if (uri, local) in _ODF_SKIP:
            self.skip = 1
            return
        if not self.in_body:
            if uri == _ODF_OFFICE and local == "body":
                self.in_body = True
            else:
                self.styles.start(name, attrs)
            return
        if uri != _ODF_TEXT:
            return
        if local in ("p", "h"):
            self.paras.append({"style": _attr(attrs, "style-name"), "segs": [], "spans": []})
        elif not self.paras:
            return
        elif local == "span":
            self.paras[-1]["spans"].append(_attr(attrs, "style-name"))
        elif local == "s":
            try:
                count = min(max(int(_attr(attrs, "c") or 1), 1), 100)
            except ValueError:
                count = 1
            self._text(" " * count, raw=True)
        elif local == "tab":
            self._text("\t", raw=True)
        elif local == "line-break":
            self._text("\n", raw=True)

    def end(self, name):
        if self.skip:
            self.skip -= 1
            return
        uri, local = _split(name)
        if not self.in_body:
            self.styles.end(name)
            return
        if uri != _ODF_TEXT or not self.paras:
            return
        if local == "span" and self.paras[-1]["spans"]:
            self.paras[-1]["spans"].pop()
        elif local in ("p", "h"):
            self._flush(self.paras.pop())

    def _flush(self, para: dict) -> None:
        self.pending -= sum(len(t) for t, _ in para["segs"])
        segs = para["segs"]
        if segs:   # leading white space of a paragraph is not content (ODF 6.1.2)
            segs[0] = (segs[0][0].lstrip(" "), segs[0][1])
        for text, scheme in segs:
            self.out.add(text, scheme)
        self.out.newline()

    def chars(self, data):
        if self.in_body and not self.skip and self.paras:
            self._text(data)

    def _text(self, text: str, raw: bool = False) -> None:
        if not raw:
            text = _WS.sub(" ", text)
        para = self.paras[-1]
        scheme, caps = self._resolve(para)
        if caps:
            text = text.upper()
        para["segs"].append((text, scheme))
        self.pending += len(text)
        if self.out.size + self.pending > self.out.budget:
            self.out.truncated = True
            raise _Enough

    def _resolve(self, para: dict) -> tuple[str | None, bool]:
        key = (para["style"], tuple(para["spans"]))
        if key not in self._cache:
            font = caps = None
            for span in reversed(para["spans"]):
                f, c = self.styles.resolve("text", span, use_default=False)
                font = font if font is not None else f
                caps = caps if caps is not None else c
            f, c = self.styles.resolve("paragraph", para["style"], use_default=True)
            font = font if font is not None else f
            caps = caps if caps is not None else c
            self.out.font(font)
            self._cache[key] = (legacy.font_scheme(font), bool(caps))
        return self._cache[key]


def _odf_styles(pkg: _Package) -> _OdfStyles:
    styles = _OdfStyles()
    pkg.parse("styles.xml", styles, _MAX_SMALL_PART * 4)
    return styles


def _odt(data: bytes, out: _Out) -> None:
    pkg = _Package(data)
    if pkg.info("content.xml") is None:
        raise _Refused("not an OpenDocument file: content.xml is missing")
    pkg.parse("content.xml", _Odt(out, _odf_styles(pkg)))


# -- spreadsheets (shared) ----------------------------------------------------------------

class _Rows:
    """The first SHEET_ROWS non-empty rows: cells as (text, scheme), joined " | "."""

    def __init__(self, out: _Out, limit: int = SHEET_ROWS):
        self.out, self.limit, self.count = out, limit, 0

    def row(self, cells: list[list[tuple[str, str | None]]]) -> None:
        cells = [c for c in cells if "".join(t for t, _ in c).strip()]
        if not cells:
            return
        for i, cell in enumerate(cells):
            if i:
                self.out.add(" | ")
            for text, scheme in cell:
                self.out.add(" ".join(text.split()), scheme)
        self.out.newline()
        self.count += 1
        if self.count >= self.limit:
            raise _Enough

    @property
    def full(self) -> bool:
        return self.count >= self.limit


_DATE_CODE = re.compile(r"[dmyDMY]")


def _is_date_format(fmt_id: int, code: str | None) -> bool:
    if 14 <= fmt_id <= 22 or 45 <= fmt_id <= 47:
        return True
    if not code:
        return False
    code = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", code)
    return bool(_DATE_CODE.search(code)) and "0" not in code.split(";")[0][:1]


def _number(text: str, is_date: bool) -> str:
    try:
        value = float(text)
    except ValueError:
        return text
    if is_date and 0 < value < 2_958_466:
        moment = datetime(1899, 12, 30) + timedelta(days=value)
        if moment.hour or moment.minute:
            return moment.strftime("%d/%m/%Y %H:%M")
        return moment.strftime("%d/%m/%Y")
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return f"{value:.15g}"


# -- XLSX ----------------------------------------------------------------------------------

class _XlsxStyles:
    def __init__(self):
        self.fonts: list[str | None] = []
        self.xf_font: list[int] = []
        self.xf_fmt: list[int] = []
        self.formats: dict[int, str] = {}
        self._stack: list[str] = []

    def start(self, name, attrs):
        local = _split(name)[1]
        parent = self._stack[-1] if self._stack else ""
        self._stack.append(local)
        if local == "font" and parent == "fonts":
            self.fonts.append(None)
        elif local == "name" and parent == "font" and "fonts" in self._stack and self.fonts:
            self.fonts[-1] = _attr(attrs, "val")
        elif local == "xf" and parent == "cellXfs":
            self.xf_font.append(_int(_attr(attrs, "fontId")))
            self.xf_fmt.append(_int(_attr(attrs, "numFmtId")))
        elif local == "numFmt":
            self.formats[_int(_attr(attrs, "numFmtId"))] = _attr(attrs, "formatCode") or ""

    def end(self, name):
        self._stack.pop()

    def cell(self, xf: int) -> tuple[str | None, bool]:
        font = None
        if 0 <= xf < len(self.xf_font) and 0 <= self.xf_font[xf] < len(self.fonts):
            font = self.fonts[self.xf_font[xf]]
        fmt = self.xf_fmt[xf] if 0 <= xf < len(self.xf_fmt) else 0
        return font, _is_date_format(fmt, self.formats.get(fmt))


def _int(value: str | None, default: int = 0) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


_CELL_REF = re.compile(r"([A-Z]{1,3})")


def _col_index(ref: str | None, fallback: int) -> int:
    m = _CELL_REF.match(ref or "")
    if not m:
        return fallback
    index = 0
    for ch in m.group(1):
        index = index * 26 + ord(ch) - 64
    return index - 1


class _XlsxSheet:
    """sheetN.xml, streamed: the first rows' cells (values, shared-string indexes)."""

    def __init__(self, limit: int):
        self.rows: list[list[tuple[int, str, str, int]]] = []    # (col, type, value, xf)
        self.limit = limit
        self._row: list | None = None
        self._cell: dict | None = None
        self._text: list[str] | None = None
        self._in_rph = 0

    def start(self, name, attrs):
        local = _split(name)[1]
        if local == "row":
            self._row = []
        elif local == "c" and self._row is not None:
            self._cell = {"col": _col_index(_attr(attrs, "r"), len(self._row)),
                          "t": _attr(attrs, "t") or "n", "xf": _int(_attr(attrs, "s")), "v": []}
        elif local == "rPh":
            self._in_rph += 1
        elif self._cell is not None and local in ("v", "t") and not self._in_rph:
            self._text = self._cell["v"]

    def end(self, name):
        local = _split(name)[1]
        if local in ("v", "t"):
            self._text = None
        elif local == "rPh":
            self._in_rph -= 1
        elif local == "c" and self._cell is not None and self._row is not None:
            c = self._cell
            self._row.append((c["col"], c["t"], "".join(c["v"]), c["xf"]))
            self._cell = None
        elif local == "row" and self._row is not None:
            if any(v.strip() for _, _, v, _ in self._row):
                self.rows.append(self._row)
                if len(self.rows) >= self.limit:
                    raise _Enough
            self._row = None

    def chars(self, data):
        if self._text is not None:
            self._text.append(data)


class _SharedStrings:
    """sharedStrings.xml up to the highest index needed: text and legacy font of runs."""

    def __init__(self, upto: int):
        self.upto = upto
        self.items: list[tuple[str, str | None]] = []
        self._parts: list[str] | None = None
        self._font: str | None = None
        self._in_t = False
        self._in_rph = 0

    def start(self, name, attrs):
        local = _split(name)[1]
        if local == "si":
            self._parts, self._font = [], None
        elif local == "rPh":
            self._in_rph += 1
        elif local == "rFont" and self._font is None:
            self._font = _attr(attrs, "val")
        elif local == "t" and self._parts is not None and not self._in_rph:
            self._in_t = True

    def end(self, name):
        local = _split(name)[1]
        if local == "t":
            self._in_t = False
        elif local == "rPh":
            self._in_rph -= 1
        elif local == "si" and self._parts is not None:
            self.items.append(("".join(self._parts), self._font))
            self._parts = None
            if len(self.items) > self.upto:
                raise _Enough

    def chars(self, data):
        if self._in_t and self._parts is not None:
            self._parts.append(data)


def _xlsx(data: bytes, out: _Out) -> None:
    pkg = _Package(data)
    main = pkg.main_part("xl/workbook.xml")
    if pkg.info(main) is None:
        raise _Refused("not an Excel workbook: xl/workbook.xml is missing")
    sheets: list[tuple[str, bool]] = []

    class Book:
        @staticmethod
        def start(name, attrs):
            if _split(name)[1] == "sheet":
                rid = next((v for k, v in attrs.items() if k.endswith("}id")), "")
                sheets.append((rid, (_attr(attrs, "state") or "visible") == "visible"))

        @staticmethod
        def end(name):
            pass

    pkg.parse(main, Book, _MAX_SMALL_PART)
    rels = pkg.rels(main)
    visible = [rid for rid, shown in sheets if shown] or [rid for rid, _ in sheets]
    target = rels.get(visible[0], ("", ""))[1] if visible else ""
    if not target or pkg.info(target) is None:
        target = "xl/worksheets/sheet1.xml"
    styles = _XlsxStyles()
    if (part := _rel_target(rels, "/styles")):
        pkg.parse(part, styles, _MAX_SMALL_PART * 4)
    sheet = _XlsxSheet(SHEET_ROWS)
    try:
        pkg.parse(target, sheet)
    except _Enough:
        pass
    needed = [_int(v, -1) for row in sheet.rows for _, t, v, _ in row if t == "s"]
    strings = _SharedStrings(max(needed, default=-1))
    if needed and (part := _rel_target(rels, "/sharedStrings")):
        try:
            pkg.parse(part, strings)
        except _Enough:
            pass
    rows = _Rows(out)
    for row in sheet.rows:
        cells = []
        for _, kind, value, xf in sorted(row, key=lambda c: c[0]):
            font, is_date = styles.cell(xf)
            if kind == "s":
                index = _int(value, -1)
                value, run_font = strings.items[index] if 0 <= index < len(strings.items) else ("", None)
                font = run_font or font
            elif kind == "b":
                value = "TRUE" if value.strip() == "1" else "FALSE"
            elif kind == "n":
                value = _number(value, is_date)
            if value.strip():
                out.font(font)
            cells.append([(value, legacy.font_scheme(font))])
        rows.row(cells)


# -- ODS -----------------------------------------------------------------------------------

class _Ods:
    """content.xml of a spreadsheet: the first table's first rows."""

    def __init__(self, rows: _Rows, styles: _OdfStyles):
        self.rows, self.styles = rows, styles
        self.skip = 0
        self.in_body = False
        self.tables = 0
        self.row: list | None = None
        self.row_repeat = 1
        self.cell: list | None = None
        self.cell_repeat = 1
        self.cell_style: str | None = None
        self.spans: list[str | None] = []
        self.para_style: str | None = None
        self.in_p = 0

    def start(self, name, attrs):
        if self.skip:
            self.skip += 1
            return
        uri, local = _split(name)
        if (uri, local) in _ODF_SKIP:
            self.skip = 1
            return
        if not self.in_body:
            if uri == _ODF_OFFICE and local == "body":
                self.in_body = True
            else:
                self.styles.start(name, attrs)
            return
        if uri == _ODF_TABLE:
            if local == "table":
                self.tables += 1
                if self.tables > 1:
                    raise _Enough           # only the first sheet
            elif local == "table-row":
                self.row = []
                self.row_repeat = min(_int(_attr(attrs, "number-rows-repeated"), 1), SHEET_ROWS)
            elif local in ("table-cell", "covered-table-cell") and self.row is not None:
                self.cell = []
                self.cell_repeat = min(_int(_attr(attrs, "number-columns-repeated"), 1), 16)
                self.cell_style = _attr(attrs, "style-name")
        elif uri == _ODF_TEXT and self.cell is not None:
            if local in ("p", "h"):
                if self.in_p == 0 and self.cell:
                    self.cell.append((" ", None))
                self.in_p += 1
                self.para_style = _attr(attrs, "style-name")
            elif local == "span":
                self.spans.append(_attr(attrs, "style-name"))
            elif local == "s" or local in ("tab", "line-break"):
                self._text(" ")

    def end(self, name):
        if self.skip:
            self.skip -= 1
            return
        if not self.in_body:
            self.styles.end(name)
            return
        uri, local = _split(name)
        if uri == _ODF_TABLE:
            if local in ("table-cell", "covered-table-cell") and self.row is not None:
                if self.cell is not None:
                    self.row.extend([self.cell] * (self.cell_repeat if self.cell else 1))
                self.cell = None
            elif local == "table-row" and self.row is not None:
                for _ in range(self.row_repeat):
                    self.rows.row(self.row)
                    if not any(self.row):
                        break
                self.row = None
        elif uri == _ODF_TEXT:
            if local == "span" and self.spans:
                self.spans.pop()
            elif local in ("p", "h") and self.in_p:
                self.in_p -= 1

    def chars(self, data):
        if self.in_body and not self.skip and self.cell is not None and self.in_p:
            self._text(_WS.sub(" ", data))

    def _text(self, text: str) -> None:
        font = caps = None
        for span in reversed(self.spans):
            f, c = self.styles.resolve("text", span, use_default=False)
            font, caps = font or f, caps if caps is not None else c
        f, c = self.styles.resolve("paragraph", self.para_style, use_default=False)
        font, caps = font or f, caps if caps is not None else c
        f, c = self.styles.resolve("table-cell", self.cell_style or "Default", use_default=True)
        font, caps = font or f, caps if caps is not None else c
        self.rows.out.font(font)
        self.cell.append((text.upper() if caps else text, legacy.font_scheme(font)))
        if sum(len(t) for t, _ in self.cell) > self.rows.out.budget:
            raise _Enough


def _ods(data: bytes, out: _Out) -> None:
    pkg = _Package(data)
    if pkg.info("content.xml") is None:
        raise _Refused("not an OpenDocument file: content.xml is missing")
    pkg.parse("content.xml", _Ods(_Rows(out), _odf_styles(pkg)))


# -- RTF -----------------------------------------------------------------------------------

_RTF_TOKEN = re.compile(
    rb"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?"      # 1, 2: control word and parameter
    rb"|\\'([0-9a-fA-F]{2})"                    # 3: a byte in the current code page
    rb"|\\([^a-zA-Z'])"                         # 4: control symbol
    rb"|([{}])"                                 # 5: group
    rb"|([^\\{}]+)"                             # 6: text (CR/LF in it are not content)
    rb"|(\\)", re.DOTALL)                            # 7: a lone backslash at the end
_RTF_SKIP = frozenset(
    ["colortbl", "stylesheet", "info", "pict", "object", "objdata", "objclass", "header", "headerl", "headerr", "headerf", "footer", "footerl", "footerr", "footerf", "footnote", "annotation", "atnid", "atnauthor", "atndate", "atnref", "comment", "xe", "tc", "tcf", "fldinst", "datafield", "bkmkstart", "bkmkend", "listtable", "listoverridetable", "rsidtbl", "generator", "themedata", "colorschememapping", "datastore", "latentstyles", "xmlnstbl", "mmathPr", "pgdsctbl", "revtbl", "userprops", "docvar", "ftnsep", "ftnsepc", "ftncn", "aftnsep", "aftnsepc", "aftncn", "template", "filetbl", "nonshppict", "sp", "pn", "pntxta", "pntxtb", "private", "fchars", "lchars", "protusertbl", "wgrffmtfilter", "blipuid", "passwordhash", "macrohash", "mhtmltag", "htmltag", "pxe", "category", "operator", "company", "keywords", "title", "subject", "author", "doccomm"])
_RTF_SYMBOLS = {"emdash": "—", "endash": "–", "lquote": "‘", "rquote": "’", "ldblquote": "“",
                "rdblquote": "”", "bullet": "•", "emspace": " ", "enspace": " ", "qmspace": " "}
# A table cell ends its last paragraph; \row adds nothing (the last \cell ended the line).
_RTF_BREAKS = {"par": "\n", "line": "\n", "page": "\n", "sect": "\n", "cell": "\n",
               "nestcell": "\n", "tab": "\t", "column": "\n"}
# \fcharset → Python codec (0 and 1 follow \ansicpg).
_CHARSETS = {2: "latin-1", 77: "mac_roman", 128: "cp932", 129: "cp949", 134: "cp936",
             136: "cp950", 161: "cp1253", 162: "cp1254", 163: "cp1258", 177: "cp1255",
             178: "cp1256", 186: "cp1257", 204: "cp1251", 222: "cp874", 238: "cp1250",
             255: "cp437"}


class _RtfState:
    __slots__ = ("caps", "dest", "font", "uc")

    def __init__(self, font=None, uc=1, dest="text", caps=False):
        self.font, self.uc, self.dest, self.caps = font, uc, dest, caps

    def copy(self) -> _RtfState:
        return _RtfState(self.font, self.uc, self.dest, self.caps)


class _Rtf:
    """A bounded RTF reader: text, \\uN and \\'hh (per-font code page), font table.

    Destinations that are not body text (font/colour tables, pictures,
    headers, field codes, \\* groups…) are skipped; field results are kept.
    """

    def __init__(self, data: bytes, out: _Out):
        self.data, self.out = data, out
        self.fonts: dict[int, dict] = {}
        self.codepage = "cp1252"
        self.deff: int | None = None
        self.state = _RtfState()
        self.stack: list[_RtfState] = []
        self.pending = bytearray()       # \'hh bytes not yet decoded
        self.skip_fallback = 0           # characters after \uN still to drop
        self.high_surrogate = ""
        self.font_def: dict | None = None

    # fonts
    def _font_start(self, index: int | None) -> None:
        self._font_done()
        self.font_def = {"index": index, "name": "", "charset": 0}

    def _font_done(self) -> None:
        d, self.font_def = self.font_def, None
        if d is None or d["index"] is None:
            return
        name = d["name"].split(";")[0].strip()
        if name and d["index"] not in self.fonts:
            self.fonts[d["index"]] = {"name": name, "charset": d["charset"],
                                      "scheme": legacy.font_scheme(name)}

    def _font_text(self, text: str) -> None:
        if self.font_def is None:
            return
        self.font_def["name"] += text
        if ";" in self.font_def["name"]:
            self._font_done()

    # text
    def _info(self) -> dict:
        font = self.state.font if self.state.font is not None else self.deff
        return self.fonts.get(font, {}) if font is not None else {}

    def emit(self, text: str) -> None:
        if self.state.dest != "text" or not text:
            return
        self.out.add(text.upper() if self.state.caps else text, self._info().get("scheme"))

    def flush(self) -> None:
        if not self.pending:
            return
        raw = bytes(self.pending)
        self.pending.clear()
        if self.state.dest == "fonttbl":
            self._font_text(raw.decode("cp1252", "replace"))
            return
        info = self._info()
        # Legacy fonts: the bytes stay Windows-1252 characters, which legacy.py converts.
        encoding = "cp1252" if info.get("scheme") else _CHARSETS.get(info.get("charset", 0),
                                                                       self.codepage)
        try:
            text = raw.decode(encoding, "replace")
        except LookupError:
            text = raw.decode("cp1252", "replace")
        # Windows-1258 keeps tone marks as combining bytes: compose them here, so
        # that only text that really is decomposed (in \uN escapes) raises text-nfd.
        self.emit(unicodedata.normalize("NFC", text))

    def read(self) -> None:
        data, n = self.data, len(self.data)
        pos = data.find(b"{\\rtf")
        if pos < 0 or pos > 16:
            raise _Refused("not an RTF document")
        group_start = False
        while pos < n:
            m = _RTF_TOKEN.match(data, pos)
            if m is None:
                break
            pos = m.end()
            word, param, hexbyte, symbol, brace, text = m.group(1, 2, 3, 4, 5, 6)
            first, group_start = group_start, False
            if hexbyte is not None:
                if self.skip_fallback:
                    self.skip_fallback -= 1
                else:
                    self.pending.append(int(hexbyte, 16))
                continue
            if text is not None:
                chunk = text.replace(b"\r", b"").replace(b"\n", b"")
                if not chunk:
                    group_start = first
                    continue
                if self.skip_fallback:
                    dropped = min(self.skip_fallback, len(chunk))
                    chunk, self.skip_fallback = chunk[dropped:], self.skip_fallback - dropped
                self.pending.extend(chunk)
                continue
            self.flush()
            if brace is not None:
                self.skip_fallback = 0
                if brace == b"{":
                    if len(self.stack) >= _MAX_RTF_DEPTH:
                        raise _Refused(f"RTF nesting deeper than {_MAX_RTF_DEPTH} groups")
                    self.stack.append(self.state)
                    self.state = self.state.copy()
                    group_start = True
                else:
                    if self.state.dest == "fonttbl":
                        self._font_done()
                    if not self.stack:
                        break
                    self.state = self.stack.pop()
                continue
            if symbol is not None:
                self._symbol(symbol.decode("latin-1"), first)
                continue
            if word is not None:
                value = int(param) if param is not None else None
                if word == b"bin":
                    pos += max(0, value or 0)
                    continue
                self._word(word.decode("ascii"), value, first)
        self.flush()
        for info in self.fonts.values():
            self.out.font(info["name"])

    def _symbol(self, s: str, first: bool) -> None:
        if s == "*" and first:
            self.state.dest = "skip"
            return
        if self.skip_fallback:
            self.skip_fallback -= 1
            return
        if s in "\\{}":
            self.emit(s)
        elif s == "~":
            self.emit(" ")
        elif s == "_":
            self.emit("-")
        elif s in "\r\n":
            self.emit("\n")      # "\\<newline>" is \\par

    def _word(self, w: str, value: int | None, first: bool) -> None:
        state = self.state
        if self.skip_fallback and w != "u":
            self.skip_fallback -= 1
            return
        if w == "fonttbl":
            state.dest = "fonttbl"
            return
        if state.dest == "fonttbl":
            if w == "f":
                self._font_start(value)
            elif w == "fcharset" and self.font_def is not None:
                self.font_def["charset"] = value or 0
            elif first and w in ("panose", "falt", "fname"):
                state.dest = "skip"
            return
        if first and w in _RTF_SKIP:
            state.dest = "skip"
        elif w == "ansicpg" and value:
            self.codepage = f"cp{value}"
        elif w in ("mac", "pc", "pca"):
            self.codepage = {"mac": "mac_roman", "pc": "cp437", "pca": "cp850"}[w]
        elif w == "deff":
            self.deff = value
        elif w == "f":
            state.font = value
        elif w == "plain":
            state.font, state.caps = None, False
        elif w == "caps":
            state.caps = value != 0
        elif w == "uc":
            state.uc = max(0, min(value or 0, 10))
        elif w == "u" and value is not None:
            code = value + 65536 if value < 0 else value
            ch = chr(code)
            if 0xD800 <= code < 0xDC00:
                self.high_surrogate = ch
            elif 0xDC00 <= code < 0xE000 and self.high_surrogate:
                pair = (self.high_surrogate + ch).encode("utf-16-le", "surrogatepass")
                self.emit(pair.decode("utf-16-le", "replace"))
                self.high_surrogate = ""
            else:
                self.emit(ch)
            self.skip_fallback = state.uc
        elif w in _RTF_BREAKS:
            self.emit(_RTF_BREAKS[w])
        elif w in _RTF_SYMBOLS:
            self.emit(_RTF_SYMBOLS[w])


def _rtf(data: bytes, out: _Out) -> None:
    _Rtf(data, out).read()


# -- OLE2: .doc and .xls ------------------------------------------------------------------

def _ole(data: bytes):
    import olefile

    if not data.startswith(bytes.fromhex("D0CF11E0A1B11AE1")):
        raise _Refused("not an OLE2 compound file")
    try:
        return olefile.OleFileIO(io.BytesIO(data))
    except Exception as exc:
        raise _Refused(f"damaged OLE2 file: {_short(exc)}") from exc


def _stream(ole, name: str) -> bytes | None:
    if not ole.exists(name):
        return None
    size = ole.get_size(name)
    if size > _MAX_OLE_STREAM:
        raise _Refused(f"OLE stream {name} is {size} bytes: over the limit")
    with ole.openstream(name) as fh:
        return fh.read(_MAX_OLE_STREAM)


def _doc(data: bytes, out: _Out) -> None:
    ole = _ole(data)
    try:
        word = _stream(ole, "WordDocument")
        if word is None:
            raise _Refused("not a Word document: no WordDocument stream")
        text, fonts = _doc_piece_table(ole, word, out.budget)
    finally:
        ole.close()
    for name in fonts:
        out.font(name)
    schemes = {s for s in map(legacy.font_scheme, fonts) if s}
    hint = None
    if schemes and len({legacy.VNI if s == legacy.VNI else legacy.TCVN3 for s in schemes}) == 1:
        base = schemes.pop()
        hint = "hint:" + (legacy.TCVN3 if base == legacy.TCVN3_UPPER else base)
    if text is None:
        text = _doc_scan(word)   # not a Word 97+ file we can walk: best-effort text runs
    out.add(text[: out.budget + 1], hint)


_FIELD_BEGIN, _FIELD_SEP, _FIELD_END = "\x13", "\x14", "\x15"
_DOC_CHARS = str.maketrans({"\r": "\n", "\x07": "\n", "\x0b": "\n", "\x0c": "\n",
                            "\x1e": "-", "\x1f": None, "\x01": None, "\x02": None,
                            "\x05": None, "\x08": None, "\x00": None})


def _doc_piece_table(ole, word: bytes, budget: int) -> tuple[str | None, list[str]]:
    """Word 97-2003: the main text through the piece table (CLX) of the table stream."""
    if len(word) < 0x1AA or struct.unpack_from("<H", word, 0)[0] != 0xA5EC:
        return None, []
    n_fib = struct.unpack_from("<H", word, 2)[0]
    flags = struct.unpack_from("<H", word, 0x0A)[0]
    if flags & 0x0100:
        raise _Refused("encrypted Word document: a password is needed to open it")
    if n_fib < 0xC1 or struct.unpack_from("<H", word, 0x20)[0] < 0x0E:
        return None, []
    table = _stream(ole, "1Table" if flags & 0x0200 else "0Table")
    if table is None:
        return None, []
    ccp_text = struct.unpack_from("<i", word, 0x4C)[0]
    fc_ffn, lcb_ffn = struct.unpack_from("<II", word, 0x112)
    fc_clx, lcb_clx = struct.unpack_from("<II", word, 0x1A2)
    fonts = _doc_fonts(table[fc_ffn: fc_ffn + lcb_ffn]) if lcb_ffn else []
    if not lcb_clx or fc_clx + lcb_clx > len(table) or ccp_text <= 0:
        return None, fonts
    clx = table[fc_clx: fc_clx + lcb_clx]
    pos = 0
    while pos < len(clx) and clx[pos] == 0x01:             # Prc: property modifiers, skipped
        pos += 3 + struct.unpack_from("<h", clx, pos + 1)[0]
    if pos + 5 > len(clx) or clx[pos] != 0x02:
        return None, fonts
    lcb = struct.unpack_from("<I", clx, pos + 1)[0]
    plc = clx[pos + 5: pos + 5 + lcb]
    count = (len(plc) - 4) // 12
    if count <= 0:
        return None, fonts
    cps = struct.unpack_from(f"<{count + 1}I", plc, 0)
    parts: list[str] = []
    total = 0
    for i in range(count):
        start, end = cps[i], min(cps[i + 1], ccp_text)
        if end <= start:
            continue
        fc = struct.unpack_from("<I", plc, 4 * (count + 1) + 8 * i + 2)[0]
        length = end - start
        if fc & 0x40000000:   # 8-bit characters (Windows-1252)
            offset = (fc & 0x3FFFFFFF) // 2
            parts.append(word[offset: offset + length].decode("cp1252", "replace"))
        else:
            parts.append(word[fc: fc + 2 * length].decode("utf-16-le", "replace"))
        total += length
        if total > 2 * budget or cps[i + 1] >= ccp_text:
            break
    return _doc_fields("".join(parts)).translate(_DOC_CHARS), fonts


def _doc_fields(text: str) -> str:
    """Field codes dropped, field results kept (0x13 code 0x14 result 0x15)."""
    if _FIELD_BEGIN not in text:
        return text
    out, stack = [], []          # stack: True while in a field's code part
    for ch in text:
        if ch == _FIELD_BEGIN:
            stack.append(True)
        elif ch == _FIELD_SEP and stack:
            stack[-1] = False
        elif ch == _FIELD_END and stack:
            stack.pop()
        elif not any(stack):
            out.append(ch)
    return "".join(out)


def _doc_fonts(sttb: bytes) -> list[str]:
    """Font names from SttbfFfn (each FFN: size byte, 39 bytes of metrics, UTF-16 name)."""
    if len(sttb) < 4:
        return []
    count = struct.unpack_from("<H", sttb, 0)[0]
    pos, names = 4, []
    for _ in range(min(count, 256)):
        if pos >= len(sttb):
            break
        size = sttb[pos] + 1
        entry = sttb[pos: pos + size]
        pos += size
        raw = entry[40:]
        name = raw.decode("utf-16-le", "replace").split("\0")[0]
        if name:
            names.append(name)
    return names


_DOC_RUN = re.compile("[\t\n\r\x07\x0b\x20-\x7e\xa0-\u01b0\u0300-\u0323\u1ea0-\u1ef9"
                      "\u2010-\u2026]{6,}")


def _doc_scan(word: bytes) -> str:
    """Text runs found in the WordDocument stream: UTF-16LE first, else 8-bit."""
    body = word[0x200: 0x200 + _MAX_SCAN] if len(word) > 0x200 else word
    wide = body[: len(body) // 2 * 2].decode("utf-16-le", "replace")
    runs = [m.group() for m in _DOC_RUN.finditer(wide)
            if sum(ch.isalpha() for ch in m.group()) >= 0.5 * len(m.group().strip() or "x")]
    if runs:
        return "\n".join(r.translate(_DOC_CHARS) for r in runs)
    narrow = [m.group() for m in re.finditer(rb"[\t\r\x20-\x7e\x80-\xff]{12,}", body)]
    texts = [decode_text(chunk)[0] for chunk in narrow]
    return "\n".join(t.translate(_DOC_CHARS) for t in texts if t)


def _xls(data: bytes, out: _Out) -> None:
    ole = _ole(data)
    try:
        book = _stream(ole, "Workbook")
        if book is None:
            if ole.exists("Book"):
                raise _Refused("Excel 5.0/95 workbook (BIFF5): not read")
            raise _Refused("not an Excel workbook: no Workbook stream")
    finally:
        ole.close()
    _Biff8(book, out).read()


class _Biff8:
    """The first sheet's first rows of a BIFF8 workbook stream."""

    def __init__(self, book: bytes, out: _Out):
        self.book, self.out = book, out
        self.sst_fragments: list[bytes] = []
        self.fonts: list[str] = []
        self.xf: list[tuple[int, int]] = []      # (font index, format id)
        self.formats: dict[int, str] = {}
        self.sheets: list[tuple[int, bool]] = []

    def records(self, pos: int):
        book, n, count = self.book, len(self.book), 0
        while pos + 4 <= n and count < 2_000_000:
            kind, size = struct.unpack_from("<HH", book, pos)
            yield kind, book[pos + 4: pos + 4 + size]
            pos += 4 + size
            count += 1

    def read(self) -> None:
        in_sst = False
        for kind, body in self.records(0):
            if kind == 0x002F:
                raise _Refused("encrypted Excel workbook: a password is needed to open it")
            if kind == 0x000A:                 # EOF of the globals
                break
            if kind == 0x00FC:
                self.sst_fragments = [body]
                in_sst = True
                continue
            if kind == 0x003C and in_sst:
                self.sst_fragments.append(body)
                continue
            in_sst = False
            if kind == 0x0031 and len(body) >= 16:
                name = _xl_short_string(body, 14)
                self.fonts.append(name)
                if len(self.fonts) == 4:
                    self.fonts.append(name)    # index 4 is never used: keep positions aligned
            elif kind == 0x00E0 and len(body) >= 4:
                self.xf.append(struct.unpack_from("<HH", body, 0))
            elif kind == 0x041E and len(body) >= 5:
                self.formats[struct.unpack_from("<H", body, 0)[0]] = _xl_string(body, 2)[0]
            elif kind == 0x0085 and len(body) >= 6:
                offset, state = struct.unpack_from("<IB", body, 0)
                self.sheets.append((offset, state & 0x03 == 0))
        visible = [off for off, shown in self.sheets if shown] or [off for off, _ in self.sheets]
        if not visible:
            return
        cells = self._sheet(visible[0])
        strings = self._sst(max((v for _, _, k, v, _ in cells if k == "sst"), default=-1))
        rows = _Rows(self.out)
        by_row: dict[int, list] = {}
        for r, c, kind, value, xf in cells:
            by_row.setdefault(r, []).append((c, kind, value, xf))
        for r in sorted(by_row):
            line = []
            for c, kind, value, xf in sorted(by_row[r], key=lambda x: x[0]):
                font, is_date = self._style(xf)
                if kind == "sst":
                    value = strings[value] if 0 <= value < len(strings) else ""
                elif kind == "num":
                    value = _number(repr(value), is_date)
                if value.strip():
                    self.out.font(font)
                line.append([(value, legacy.font_scheme(font))])
            rows.row(line)

    def _style(self, xf: int) -> tuple[str | None, bool]:
        if not 0 <= xf < len(self.xf):
            return None, False
        font_index, fmt = self.xf[xf]
        font = self.fonts[font_index] if 0 <= font_index < len(self.fonts) else None
        return font, _is_date_format(fmt, self.formats.get(fmt))

    def _sheet(self, offset: int) -> list[tuple[int, int, str, object, int]]:
        cells: list[tuple[int, int, str, object, int]] = []
        rows_seen: set[int] = set()
        last_formula: tuple[int, int, int] | None = None
        for kind, body in self.records(offset):
            if kind == 0x000A:
                break
            if kind == 0x0207:
                if last_formula is not None:
                    r, c, ixf = last_formula
                    cells.append((r, c, "str", _xl_string(body, 0)[0], ixf))
                    last_formula = None
                continue
            if kind not in _BIFF_CELLS or len(body) < 6:
                continue
            row, col, xf = struct.unpack_from("<HHH", body, 0)
            if len(rows_seen) > 4 * SHEET_ROWS and row not in rows_seen and row > max(rows_seen):
                break   # cells come row block by row block: the rows we need are in
            if kind == 0x00FD and len(body) >= 10:
                cells.append((row, col, "sst", struct.unpack_from("<I", body, 6)[0], xf))
            elif kind in (0x0204, 0x00D6):
                cells.append((row, col, "str", _xl_string(body, 6)[0], xf))
            elif kind == 0x0203 and len(body) >= 14:
                cells.append((row, col, "num", struct.unpack_from("<d", body, 6)[0], xf))
            elif kind == 0x027E and len(body) >= 10:
                cells.append((row, col, "num", _rk(struct.unpack_from("<I", body, 6)[0]), xf))
            elif kind == 0x00BD:
                last = struct.unpack_from("<H", body, len(body) - 2)[0]
                for i in range(last - col + 1):
                    at = 4 + 6 * i
                    if at + 6 > len(body) - 2:
                        break
                    ixf, rk = struct.unpack_from("<HI", body, at)
                    cells.append((row, col + i, "num", _rk(rk), ixf))
            elif kind == 0x0205 and len(body) >= 8:
                value, is_error = body[6], body[7]
                if not is_error:
                    cells.append((row, col, "str", "TRUE" if value else "FALSE", xf))
            elif kind == 0x0006 and len(body) >= 14:
                result = body[6:14]
                if result[6:8] == b"\xff\xff":
                    if result[0] == 0:
                        last_formula = (row, col, xf)
                    elif result[0] == 1:
                        cells.append((row, col, "str", "TRUE" if result[2] else "FALSE", xf))
                    continue
                cells.append((row, col, "num", struct.unpack("<d", result)[0], xf))
            else:
                continue
            rows_seen.add(row)
        return cells

    def _sst(self, upto: int) -> list[str]:
        if upto < 0 or not self.sst_fragments:
            return []
        reader = _Fragments(self.sst_fragments)
        reader.skip(8)
        strings: list[str] = []
        while len(strings) <= upto and not reader.at_end():
            strings.append(reader.xl_string())
        return strings


# LABELSST, LABEL, RSTRING, NUMBER, RK, MULRK, BOOLERR, FORMULA, STRING
_BIFF_CELLS = frozenset({0x00FD, 0x0204, 0x00D6, 0x0203, 0x027E, 0x00BD, 0x0205, 0x0006, 0x0207})


def _rk(rk: int) -> float:
    if rk & 0x02:
        value = float(rk >> 2 if rk < 0x80000000 else (rk >> 2) - (1 << 30))
    else:
        value = struct.unpack("<d", struct.pack("<Q", (rk & 0xFFFFFFFC) << 32))[0]
    return value / 100 if rk & 0x01 else value


def _xl_short_string(body: bytes, pos: int) -> str:
    count, flags = body[pos], body[pos + 1]
    raw = body[pos + 2: pos + 2 + count * (2 if flags & 1 else 1)]
    return raw.decode("utf-16-le" if flags & 1 else "latin-1", "replace")


def _xl_string(body: bytes, pos: int) -> tuple[str, int]:
    """XLUnicodeString (16-bit count) inside one record: (text, end position)."""
    if pos + 3 > len(body):
        return "", len(body)
    count, flags = struct.unpack_from("<HB", body, pos)
    pos += 3
    if flags & 0x08:
        pos += 2
    if flags & 0x04:
        pos += 4
    width = 2 if flags & 1 else 1
    raw = body[pos: pos + count * width]
    return raw.decode("utf-16-le" if width == 2 else "latin-1", "replace"), pos + count * width


class _Fragments:
    """SST data split over CONTINUE records; a string split there restarts its flag byte."""

    def __init__(self, fragments: list[bytes]):
        self.frags, self.i, self.pos = fragments, 0, 0

    def at_end(self) -> bool:
        while self.i < len(self.frags) and self.pos >= len(self.frags[self.i]):
            self.i, self.pos = self.i + 1, 0
        return self.i >= len(self.frags)

    def take(self, size: int) -> bytes:
        out = bytearray()
        while size > 0 and not self.at_end():
            frag = self.frags[self.i]
            piece = frag[self.pos: self.pos + size]
            out += piece
            self.pos += len(piece)
            size -= len(piece)
        return bytes(out)

    def skip(self, size: int) -> None:
        self.take(size)

    def xl_string(self) -> str:
        head = self.take(3)
        if len(head) < 3:
            return ""
        count, flags = struct.unpack("<HB", head)
        runs = struct.unpack("<H", self.take(2))[0] if flags & 0x08 else 0
        ext = struct.unpack("<I", self.take(4))[0] if flags & 0x04 else 0
        chars: list[str] = []
        wide = bool(flags & 1)
        while count > 0 and not self.at_end():
            frag = self.frags[self.i]
            width = 2 if wide else 1
            available = (len(frag) - self.pos) // width
            if available <= 0:          # continued in the next record, with a new flag byte
                self.i, self.pos = self.i + 1, 0
                if self.at_end():
                    break
                wide = bool(self.take(1)[0] & 1)
                continue
            take = min(count, available)
            raw = frag[self.pos: self.pos + take * width]
            chars.append(raw.decode("utf-16-le" if wide else "latin-1", "replace"))
            self.pos += take * width
            count -= take
            if count and self.pos >= len(frag):
                self.i, self.pos = self.i + 1, 0
                if self.at_end():
                    break
                wide = bool(self.take(1)[0] & 1)
        self.skip(4 * runs + ext)
        return "".join(chars)


# -- PDF -------------------------------------------------------------------------------------

def _pdf(data: bytes, out: _Out, reader: Any = None) -> list[str | None]:
    from pypdf import PdfReader, apply_configuration

    from ..pdf import _PYPDF_LIMITS, MAX_PDF_BYTES, _decrypt_with_empty_password

    if b"%PDF-" not in data[:1024]:
        raise _Refused("not a PDF file (no %PDF- header)")
    if len(data) > MAX_PDF_BYTES:
        raise _Refused(f"PDF larger than {MAX_PDF_BYTES} bytes")
    with apply_configuration(**_PYPDF_LIMITS):
        if reader is None:
            from ..hex_strings import install

            install()
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted and not _decrypt_with_empty_password(reader):
                raise _Refused("encrypted PDF: a password is needed to open it")
        count = len(reader.pages)
        wanted = sorted({*range(min(PDF_HEAD_PAGES, count)),
                         *range(max(count - PDF_TAIL_PAGES, 0), count)})
        pages: list[str | None] = [None] * count
        for index in wanted:
            page = reader.pages[index]
            fonts = _pdf_fonts(page)
            for name in fonts:
                out.font(name)
            schemes = {s for s in map(legacy.font_scheme, fonts) if s}
            scheme = None
            if schemes:
                families = {legacy.VNI if s == legacy.VNI else legacy.TCVN3 for s in schemes}
                if len(families) == 1:   # page-level only: capitals are guessed per word
                    scheme = "hint:" + families.pop()
            try:
                text = page.extract_text() or ""
            except Exception as exc:  # noqa: BLE001 - one bad page: keep the others
                log.info("extract_text(pdf): page %d: %r", index + 1, exc)
                text = ""
            text = text[: out.budget + 1]
            out.pdf_pages.append((index, text, scheme))
            pages[index] = ""
        return pages


def _pdf_fonts(page) -> list[str]:
    names: list[str] = []

    def visit(resources, depth: int) -> None:
        try:
            resources = resources.get_object() if resources is not None else None
            if not resources or depth > 2:
                return
            fonts = resources.get("/Font")
            fonts = fonts.get_object() if fonts is not None else {}
            for ref in list(fonts.values())[:100]:
                font = ref.get_object()
                base = font.get("/BaseFont")
                if base is not None:
                    name = str(base).lstrip("/")
                    name = re.sub(r"^[A-Z]{6}\+", "", name)
                    if name not in names:
                        names.append(name)
            xobjects = resources.get("/XObject")
            xobjects = xobjects.get_object() if xobjects is not None else {}
            for ref in list(xobjects.values())[:50]:
                xobj = ref.get_object()
                if xobj.get("/Subtype") == "/Form":
                    visit(xobj.get("/Resources"), depth + 1)
        except Exception as exc:  # noqa: BLE001
            log.debug("pdf fonts: %r", exc)

    visit(page.get("/Resources"), 0)
    return names


_PDF_PAGE_BREAK = "\f"


def _pdf_result(out: _Out, pages: list[str | None], max_chars: int) -> ExtractedText:
    read = out.pdf_pages
    segs = [(text, scheme) for _, text, scheme in read]
    converted, flags = _convert_segments(segs)
    texts = []
    for (index, _, _), text in zip(read, converted):
        pages[index] = _clean(text)
        texts.append(pages[index])
    pieces, last = [], None
    for (index, _, _), text in zip(read, texts):
        if last is not None and index != last + 1:
            pieces.append("…")        # pages not read
        pieces.append(text)
        last = index
    text = f"\n{_PDF_PAGE_BREAK}\n".join(pieces)
    if not "".join(texts).strip():
        text = ""
        flags.append(FLAG_EMPTY)       # no text layer: a scan (OCR is another stage)
    truncated = len(text) > max_chars or out.truncated
    text = text[:max_chars]
    if truncated:
        flags.append(FLAG_TRUNCATED)
    return ExtractedText(text, pages, tuple(dict.fromkeys(flags)), tuple(out.fonts), None)


_READERS: dict[str, Callable[[bytes, _Out], object]] = {
    "txt": _plain, "csv": _plain, "rtf": _rtf, "doc": _doc, "docx": _docx, "odt": _odt,
    "xls": _xls, "xlsx": _xlsx, "ods": _ods, "pdf": _pdf,
}
