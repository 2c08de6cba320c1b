"""Excel .xlsx (OOXML): the first visible sheet's first rows.

The sheet is read first and sharedStrings.xml then only up to the highest
index those rows use, since the string table can be far larger than the
rows kept. Cell fonts come from styles.xml, or from a rich-text string's own
run, so legacy TCVN3/VNI cells can be converted; number formats say which
numbers are dates. Phonetic guides (rPh) are not text and are skipped.
"""

from __future__ import annotations

import re

from mailbot.inspect import legacy
from mailbot.inspect.extract.output import _Enough, _Out, _Refused
from mailbot.inspect.extract.package import _MAX_SMALL_PART, _attr, _int, _Package, _rel_target, _split
from mailbot.inspect.extract.sheets import SHEET_ROWS, _is_date_format, _number, _Rows


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
