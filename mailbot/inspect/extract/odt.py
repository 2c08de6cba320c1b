"""OpenDocument text (.odt): content.xml streamed, one paragraph or heading a line.

Each span's font and upper-case come from `odf._OdfStyles`, so legacy
TCVN3/VNI runs can be converted. White space is collapsed as ODF prescribes
(text:s, text:tab and text:line-break carry the real spacing, and a
paragraph's leading blanks are not content); tracked changes, notes,
annotations and forms are skipped.
"""

from __future__ import annotations

from mailbot.inspect import legacy
from mailbot.inspect.extract.odf import _ODF_TEXT, _WS, _odf_styles, _OdfBody, _OdfStyles
from mailbot.inspect.extract.output import _Enough, _Out, _Refused
from mailbot.inspect.extract.package import _attr, _Package, _split


class _Odt(_OdfBody):
    """content.xml of a text document (styles first, then body), streamed."""

    def __init__(self, out: _Out, styles: _OdfStyles):
        self.out, self.styles = out, styles
        self.skip = 0
        self.in_body = False
        self.paras: list[dict] = []     # {"style", "segs", "spans": [style names]}
        self.pending = 0
        self._cache: dict = {}

    def start(self, name, attrs):
        element = self._enter(name, attrs)
        if element is None:
            return
        uri, local = element
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


def _odt(data: bytes, out: _Out) -> None:
    pkg = _Package(data)
    if pkg.info("content.xml") is None:
        raise _Refused("not an OpenDocument file: content.xml is missing")
    pkg.parse("content.xml", _Odt(out, _odf_styles(pkg)))
