"""RTF: a bounded tokenizer that keeps body text, not a full RTF reader.

It keeps text, \\uN escapes (dropping their fallback characters) and \\'hh
bytes, decoded in the code page of the current font's charset, except that
bytes in a legacy TCVN3/VNI font stay Windows-1252 characters for `legacy` to
convert. The font table gives the fonts; destinations that are not body text
(font and colour tables, pictures, headers, field codes, \\* groups...) are
skipped, field results kept, and group nesting is capped.
"""

from __future__ import annotations

import re
import unicodedata

from mailbot.inspect import legacy
from mailbot.inspect.extract.output import _Out, _Refused

_MAX_RTF_DEPTH = 256

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
