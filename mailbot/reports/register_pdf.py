"""The printed register as PDF (reportlab): A4 landscape, the heading block, the decree's
columns repeated on every page, "Trang i/n" at the foot, the closing sentence and the
sign-off block. Text is set in Liberation Serif (metric-compatible with Times New Roman, the
font of administrative documents; Debian fonts-liberation2), embedded, so every Vietnamese
letter prints and copies out as itself."""

from __future__ import annotations

import io
from pathlib import Path

from mailbot.reports.register_form import COLUMNS, SIGN_OFF, WIDTHS, PrintedRegister

FONT_DIRS = (Path("/usr/share/fonts/truetype/liberation2"), Path("/usr/share/fonts/truetype/liberation"))
FONT_FILES = {"Serif": "LiberationSerif-Regular.ttf", "Serif-Bold": "LiberationSerif-Bold.ttf",
              "Serif-Italic": "LiberationSerif-Italic.ttf"}


# Columns whose text may need more than one line: tác giả, số ký hiệu, trích yếu, người nhận, ghi chú.
_WRAPPED = frozenset({2, 3, 5, 6, 8})


class FontMissing(RuntimeError):
    """The Vietnamese-capable font is not installed."""


def _register_fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "Serif" in pdfmetrics.getRegisteredFontNames():
        return
    for name, filename in FONT_FILES.items():
        path = next((d / filename for d in FONT_DIRS if (d / filename).is_file()), None)
        if path is None:
            raise FontMissing(f"font {filename} not found in {', '.join(map(str, FONT_DIRS))}: "
                              "install the Debian package fonts-liberation2 (scripts/setup.sh does)")
        pdfmetrics.registerFont(TTFont(name, str(path)))


def _numbered_canvas():
    """A canvas that writes "Trang i/n" once the page count is known."""
    from reportlab.pdfgen import canvas

    class NumberedCanvas(canvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont("Serif", 9)
                width = self._pagesize[0]
                self.drawCentredString(width / 2, 20, f"Trang {self._pageNumber}/{total}")
                super().showPage()
            super().save()

    return NumberedCanvas


def to_pdf(register: PrintedRegister) -> bytes:
    _register_fonts()
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.platypus import KeepTogether, LongTable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    cell = ParagraphStyle("cell", fontName="Serif", fontSize=9, leading=11)
    head = ParagraphStyle("head", parent=cell, fontName="Serif-Bold", alignment=TA_CENTER)
    center = ParagraphStyle("center", parent=cell, alignment=TA_CENTER)   # the (1)…(9) row
    title = ParagraphStyle("title", fontName="Serif-Bold", fontSize=16, leading=20, alignment=TA_CENTER)
    line = ParagraphStyle("line", fontName="Serif", fontSize=12, leading=16, alignment=TA_CENTER)
    italic = ParagraphStyle("italic", parent=line, fontName="Serif-Italic", fontSize=11)

    def p(text: str, style=cell) -> Paragraph:
        return Paragraph(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"), style)

    page = landscape(A4)
    doc = SimpleDocTemplate(io.BytesIO(), pagesize=page, leftMargin=1.5 * cm, rightMargin=1.5 * cm,
                            topMargin=1.5 * cm, bottomMargin=1.5 * cm, title="Sổ đăng ký văn bản đến",
                            author=register.office)
    out = doc.filename
    total = sum(WIDTHS)
    widths = [doc.width * w / total for w in WIDTHS]
    story = [p(register.office.upper(), ParagraphStyle("office", parent=line, fontName="Serif-Bold")),
             Spacer(1, 8)]
    first, *rest = register.title_lines
    story += [p(first, title)] + [p(text, line) for text in rest[:2]] + [p(rest[2], italic), Spacer(1, 10)]
    data = [[p(c, head) for c in COLUMNS], [p(f"({i})", center) for i in range(1, len(COLUMNS) + 1)]]
    # Short cells (dates, numbers, empty ones) as plain strings: a Paragraph each would cost
    # most of the time of a long register.
    data += [[p(v) if v and i in _WRAPPED else v for i, v in enumerate(row)] for row in register.rows]
    table = LongTable(data, colWidths=widths, repeatRows=2)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("VALIGN", (0, 0), (-1, 1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, 1), colors.HexColor("#eeeeee")),
        ("FONT", (0, 2), (-1, -1), "Serif", 9, 11),
        ("ALIGN", (0, 2), (1, -1), "CENTER"),
        ("ALIGN", (4, 2), (4, -1), "CENTER"),
    ]))
    story += [table, Spacer(1, 12)]
    signs = Table([[p(who, ParagraphStyle("who", parent=line, fontName="Serif-Bold")) for who, _ in SIGN_OFF],
                   [p(how, italic) for _, how in SIGN_OFF]], colWidths=[doc.width / 2] * 2)
    # The closing sentence and the signatures stay together, with room to sign below.
    story.append(KeepTogether([p(register.closing, ParagraphStyle("closing", parent=cell, fontSize=11, leading=14)),
                               Spacer(1, 10), signs, Spacer(1, 30)]))
    doc.build(story, canvasmaker=_numbered_canvas())
    return out.getvalue()
