"""Word .docx (OOXML): document.xml streamed, one paragraph a line, in order.

Table cells are read in order and a paragraph nested in another (a text
box) is a line of its own. A run's font is resolved as Word does (run
properties, character style, paragraph style chain, document defaults;
theme fonts are never legacy) because the font is what says a run is
TCVN3/VNI, and w:caps is applied so text reads as it prints. Deleted text,
field codes, note references and the mc:Fallback copy of a text box are
skipped so nothing is read twice.
"""

from __future__ import annotations

from mailbot.inspect import legacy
from mailbot.inspect.extract.output import _Enough, _Out, _Refused
from mailbot.inspect.extract.package import _MAX_SMALL_PART, _attr, _Package, _rel_target, _split

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
