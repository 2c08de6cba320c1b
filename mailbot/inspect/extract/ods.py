"""OpenDocument spreadsheet (.ods): the first table's first rows from content.xml.

Repeated rows and cells (number-rows-repeated, number-columns-repeated, which
can declare millions of empty cells) are capped, and reading stops at the
second table. A cell's font and upper-case come from its spans, paragraph
style and cell style, in that order, so legacy TCVN3/VNI cells can be
converted.
"""

from __future__ import annotations

from mailbot.inspect import legacy
from mailbot.inspect.extract.odf import _ODF_TABLE, _ODF_TEXT, _WS, _odf_styles, _OdfBody, _OdfStyles
from mailbot.inspect.extract.output import _Enough, _Out, _Refused
from mailbot.inspect.extract.package import _attr, _int, _Package, _split
from mailbot.inspect.extract.sheets import SHEET_ROWS, _Rows


class _Ods(_OdfBody):
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
        element = self._enter(name, attrs)
        if element is None:
            return
        uri, local = element
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
