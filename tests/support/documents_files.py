"""Real documents for text extraction, built in code (no binary files in the repository).

Official Vietnamese documents (Nghị định 30/2020, Phụ lục I) open with a
two-column header table: the issuing body and the number on the left, the
national motto and the place/date on the right; they close with a
two-column signature table. The builders here produce that layout in every
format mailbot reads, in Unicode and in the legacy TCVN3 / VNI encodings,
plus the hostile packages (zip and XML bombs) the extractor must refuse.
"""

from __future__ import annotations

import struct
import unicodedata
import zlib
from collections.abc import Sequence
from xml.sax.saxutils import escape

from mailbot.util import samples
from tests.support import files as f

# -- the document every format carries --------------------------------------------------

HEADER_LEFT = ["ỦY BAN NHÂN DÂN", "TỈNH QUẢNG NGÃI", "Số: 123/QĐ-UBND"]
HEADER_RIGHT = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                "Quảng Ngãi, ngày 05 tháng 3 năm 2026"]
TITLE = ["QUYẾT ĐỊNH", "Về việc ban hành quy chế công tác văn thư"]
BODY = ["Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
        "Điều 1. Ban hành kèm theo Quyết định này Quy chế công tác văn thư."]
SIGN_LEFT = ["Nơi nhận:", "- Như Điều 3;", "- Lưu: VT."]
SIGN_RIGHT = ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Nguyễn Văn An"]

# What the extractor must give: each cell's lines together, left cell first.
EXPECTED_LINES = HEADER_LEFT + HEADER_RIGHT + TITLE + BODY + SIGN_LEFT + SIGN_RIGHT

SENTENCES = [
    "Cộng hòa xã hội chủ nghĩa Việt Nam",
    "Ủy ban nhân dân tỉnh Quảng Ngãi",
    "Độc lập - Tự do - Hạnh phúc",
    "Quyết định về việc ban hành quy chế",
]

# -- legacy encoders (written from the published tables, independent of legacy.py) --------

# TCVN 5712:1993 VN3, byte by byte in table order.
_TCVN3_ORDER = [
    (0xA1, "ĂÂÊÔƠƯĐăâêôơưđ"),
    (0xB5, "àảãáạ"), (0xBB, "ằẳẵắ"), (0xC6, "ặầẩẫấậè"), (0xCE, "ẻẽéẹềểễếệìỉ"),
    (0xDC, "ĩíịò"), (0xE1, "ỏõóọồổỗốộờởỡớợù"), (0xF1, "ủũúụừửữứựỳỷỹýỵ"),
]
TCVN3_ENCODE = {ch: start + i for start, chars in _TCVN3_ORDER for i, ch in enumerate(chars)}


def tcvn3(text: str, *, capitals_font: bool = False) -> str:
    """Text as typed in a .VnTime font (the Windows-1252 view of its bytes).

    `capitals_font`: as typed in a .VnTimeH font, which draws the lower-case
    codes as capitals (so the text is stored lower-case).
    """
    text = unicodedata.normalize("NFC", text)
    if capitals_font:
        text = text.lower()
    return bytes(TCVN3_ENCODE[ch] if ch in TCVN3_ENCODE else ord(ch.encode("ascii"))
                 for ch in text).decode("cp1252")


def vni(text: str) -> str:
    """Text as typed in a VNI-Windows font (Windows-1252 view)."""
    return f.to_vni(text).decode("cp1252")


# -- DOCX ------------------------------------------------------------------------------

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_DOC_NS = (f'xmlns:w="{_W}" '
           'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
           'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
           'xmlns:v="urn:schemas-microsoft-com:vml" '
           'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')


def _x(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def w_run(text: str, font: str | None = None, caps: bool = False) -> str:
    props = ""
    if font or caps:
        props = "<w:rPr>"
        if font:
            props += f'<w:rFonts w:ascii="{_x(font)}" w:hAnsi="{_x(font)}" w:cs="{_x(font)}"/>'
        props += "<w:caps/>" if caps else ""
        props += "</w:rPr>"
    return f'<w:r>{props}<w:t xml:space="preserve">{_x(text)}</w:t></w:r>'


def w_p(*runs: str, style: str | None = None) -> str:
    ppr = f'<w:pPr><w:pStyle w:val="{style}"/><w:jc w:val="center"/></w:pPr>' if style else ""
    return f"<w:p>{ppr}{''.join(runs)}</w:p>"


def w_table(*cells: Sequence[str]) -> str:
    """One row of cells; each cell is a list of paragraph XML strings."""
    grid = "".join('<w:gridCol w:w="4500"/>' for _ in cells)
    tcs = "".join('<w:tc><w:tcPr><w:tcW w:w="4500" w:type="dxa"/></w:tcPr>'
                  + "".join(paras) + "</w:tc>" for paras in cells)
    return (f'<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/></w:tblPr><w:tblGrid>{grid}'
            f"</w:tblGrid><w:tr>{tcs}</w:tr></w:tbl>")


def styles_xml(default_font: str, extra: str = "") -> str:
    return (_XML + f'<w:styles xmlns:w="{_W}"><w:docDefaults><w:rPrDefault><w:rPr>'
            f'<w:rFonts w:ascii="{default_font}" w:hAnsi="{default_font}" w:cs="{default_font}"/>'
            '<w:sz w:val="26"/></w:rPr></w:rPrDefault></w:docDefaults>'
            '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/>'
            "</w:style>" + extra + "</w:styles>")


def docx_package(body: str, styles: str | None = None) -> bytes:
    document = (_XML + f"<w:document {_DOC_NS}><w:body>{body}"
                '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>')
    ct = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.'
          'openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType='
          '"application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
          'ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType='
          '"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
          '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-'
          'officedocument.wordprocessingml.styles+xml"/></Types>')
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    rels = (_XML + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" '
            'Target="word/document.xml"/></Relationships>')
    doc_rels = (_XML + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                f'relationships"><Relationship Id="rId1" Type="{rel}/styles" Target="styles.xml"/>'
                "</Relationships>")
    members: list[tuple[str, bytes | str]] = [
        ("[Content_Types].xml", ct), ("_rels/.rels", rels), ("word/document.xml", document),
        ("word/_rels/document.xml.rels", doc_rels),
        ("word/styles.xml", styles or styles_xml("Times New Roman"))]
    return samples.zip_package(members)


def docx_official() -> bytes:
    """A decision in the official layout, with the traps real Word files carry.

    - runs split inside words ("Quyết" + " định"), a tab, a tracked deletion,
      a PAGE field (its code must not show), a text box written twice (the
      DrawingML one and its VML fallback: read once).
    """
    left = [w_p(w_run(line)) for line in HEADER_LEFT]
    right = [w_p(w_run(line)) for line in HEADER_RIGHT]
    textbox = (
        '<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:wsp><wps:txbx>'
        f"<w:txbxContent>{w_p(w_run('DỰ THẢO'))}</w:txbxContent></wps:txbx></wps:wsp></w:drawing>"
        '</mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox>'
        f"<w:txbxContent>{w_p(w_run('DỰ THẢO'))}</w:txbxContent></v:textbox></v:shape></w:pict>"
        "</mc:Fallback></mc:AlternateContent></w:r>")
    body = (
        w_table(left, right)
        + w_p(w_run("QUYẾT"), w_run(" ĐỊNH"), textbox)
        + w_p(w_run("Về việc ban hành "), '<w:del w:id="1" w:author="A"><w:r><w:delText>'
              "dự thảo </w:delText></w:r></w:del>", w_run("quy chế công tác văn thư"))
        + w_p(w_run(BODY[0]))
        + w_p(w_run(BODY[1]), '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText '
              'xml:space="preserve"> PAGE </w:instrText></w:r><w:r><w:fldChar w:fldCharType='
              '"separate"/></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>')
        + w_table([w_p(w_run(line)) for line in SIGN_LEFT], [w_p(w_run(line)) for line in SIGN_RIGHT])
        + w_p(w_run("Ghi chú:"), "<w:r><w:tab/></w:r>", w_run("bản"), "<w:r><w:br/></w:r>",
              w_run("điện tử")))
    return docx_package(body)


DOCX_OFFICIAL_LINES = (HEADER_LEFT + HEADER_RIGHT + ["DỰ THẢO", "QUYẾT ĐỊNH"]
                       + ["Về việc ban hành quy chế công tác văn thư"] + BODY + SIGN_LEFT
                       + SIGN_RIGHT + ["Ghi chú:\tbản", "điện tử"])


def docx_tcvn3() -> bytes:
    """An old decision typed with the ABC fonts: .VnTime by default (styles.xml),
    headings in .VnTimeH (capitals font), one line already Unicode in Times New Roman."""
    styles = styles_xml(".VnTime", '<w:style w:type="paragraph" w:styleId="Title">'
                         '<w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:rPr>'
                         '<w:rFonts w:ascii=".VnTimeH" w:hAnsi=".VnTimeH"/></w:rPr></w:style>')
    left = [w_p(w_run(tcvn3(line, capitals_font=True), ".VnTimeH")) for line in HEADER_LEFT[:2]]
    left.append(w_p(w_run(tcvn3(HEADER_LEFT[2]))))
    right = [w_p(w_run(tcvn3(HEADER_RIGHT[0], capitals_font=True), ".VnTimeH"))]
    right += [w_p(w_run(tcvn3(line))) for line in HEADER_RIGHT[1:]]
    body = (w_table(left, right)
            + w_p(w_run(tcvn3(TITLE[0].lower())), style="Title")
            + w_p(w_run(tcvn3(TITLE[1])))
            + w_p(w_run(tcvn3("Cộng hòa xã hội chủ nghĩa Việt Nam")))
            + w_p(w_run("Bản dịch Unicode: Ủy ban nhân dân tỉnh Quảng Ngãi", "Times New Roman")))
    return docx_package(body, styles)


DOCX_TCVN3_LINES = (HEADER_LEFT + HEADER_RIGHT + TITLE
                    + ["Cộng hòa xã hội chủ nghĩa Việt Nam",
                       "Bản dịch Unicode: Ủy ban nhân dân tỉnh Quảng Ngãi"])


def docx_declared_huge() -> bytes:
    """word/document.xml claims 4 GB once inflated (a zip bomb's central directory)."""
    return f.docx_declared_huge()


def docx_inflating_bomb() -> bytes:
    """A real ratio bomb: 40 MiB of white space inside document.xml deflate to ~40 KB."""
    document = (_XML + f'<w:document xmlns:w="{_W}"><w:body><w:p><w:r><w:t>a</w:t></w:r></w:p>'
                + " " * (40 << 20) + "</w:body></w:document>")
    return samples.zip_package([("[Content_Types].xml", "<Types/>"),
                                ("word/document.xml", document)])


def docx_entity_bomb() -> bytes:
    """"Billion laughs": ten levels of entities, each ten times the previous."""
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10))
    document = (f'<?xml version="1.0"?>\n<!DOCTYPE w:document [{entities}]>'
                f'<w:document xmlns:w="{_W}"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p>'
                "</w:body></w:document>")
    return docx_package_raw(document)


def docx_external_entity() -> bytes:
    document = ('<?xml version="1.0"?>\n<!DOCTYPE w:document [<!ENTITY x SYSTEM '
                f'"file:///etc/passwd">]><w:document xmlns:w="{_W}"><w:body><w:p><w:r><w:t>&x;'
                "</w:t></w:r></w:p></w:body></w:document>")
    return docx_package_raw(document)


def docx_package_raw(document: str) -> bytes:
    return samples.zip_package([("[Content_Types].xml", "<Types/>"),
                                ("word/document.xml", document)])


# -- ODT / ODS -----------------------------------------------------------------------------

_ODF_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'office:version="1.2"'
)


def _odf_package(mimetype: str, content: str, styles: str = "") -> bytes:
    manifest = (_XML + '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:'
                'manifest:1.0" manifest:version="1.2">'
                f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type='
                '"text/xml"/></manifest:manifest>')
    members: list[tuple[str, bytes | str]] = [("mimetype", mimetype), ("content.xml", content)]
    if styles:
        members.append(("styles.xml", styles))
    members.append(("META-INF/manifest.xml", manifest))
    return samples.zip_package(members, stored=("mimetype",))


def _t_p(text: str, style: str | None = None) -> str:
    attr = f' text:style-name="{style}"' if style else ""
    return f"<text:p{attr}>{_x(text)}</text:p>"


def _t_cell(paras: Sequence[str]) -> str:
    return ('<table:table-cell office:value-type="string">' + "".join(paras)
            + "</table:table-cell>")


def _t_table(*cells: Sequence[str], name: str = "Bảng1") -> str:
    return (f'<table:table table:name="{name}"><table:table-column '
            f'table:number-columns-repeated="{len(cells)}"/><table:table-row>'
            + "".join(_t_cell(c) for c in cells) + "</table:table-row></table:table>")


_ODT_STYLES = (
    _XML + f"<office:document-styles {_ODF_NS}><office:font-face-decls>"
    '<style:font-face style:name="Times New Roman" svg:font-family="&apos;Times New Roman&apos;"/>'
    '<style:font-face style:name="VNI-Times" svg:font-family="VNI-Times"/>'
    "</office:font-face-decls><office:styles>"
    '<style:default-style style:family="paragraph"><style:text-properties '
    'style:font-name="Times New Roman"/></style:default-style>'
    '<style:style style:name="Standard" style:family="paragraph"/>'
    "</office:styles></office:document-styles>")


def odt_official() -> bytes:
    """The decision in LibreOffice's layout: header and signature as tables, a note, a frame."""
    auto = ('<office:automatic-styles><style:style style:name="P1" style:family="paragraph" '
            'style:parent-style-name="Standard"><style:text-properties fo:text-transform='
            '"uppercase"/></style:style><style:style style:name="T1" style:family="text">'
            '<style:text-properties fo:font-weight="bold"/></style:style>'
            "</office:automatic-styles>")
    body = (
        _t_table([_t_p(x) for x in HEADER_LEFT], [_t_p(x) for x in HEADER_RIGHT])
        # "quyết định" shown in capitals by its paragraph style
        + '<text:p text:style-name="P1">quyết <text:span text:style-name="T1">định</text:span>'
          '<text:note text:note-class="footnote"><text:note-citation>1</text:note-citation>'
          "<text:note-body><text:p>Chú thích không đọc.</text:p></text:note-body></text:note>"
          "</text:p>"
        + f"<text:p>{_x(TITLE[1])}</text:p>"
        + "".join(f"<text:p>{_x(x)}</text:p>" for x in BODY)
        + _t_table([_t_p(x) for x in SIGN_LEFT], [_t_p(x) for x in SIGN_RIGHT], name="Bảng2")
        + "<text:p>Ghi<text:s/> chú:<text:tab/>bản<text:line-break/>điện   tử</text:p>")
    content = (_XML + f"<office:document-content {_ODF_NS}>{auto}<office:body><office:text>"
               f"{body}</office:text></office:body></office:document-content>")
    return _odf_package("application/vnd.oasis.opendocument.text", content, _ODT_STYLES)


ODT_OFFICIAL_LINES = (HEADER_LEFT + HEADER_RIGHT + TITLE + BODY + SIGN_LEFT + SIGN_RIGHT
                      + ["Ghi  chú:\tbản", "điện tử"])


def odt_vni() -> bytes:
    """A document typed with VNI-Times (a span style names the font face)."""
    auto = ('<office:automatic-styles><style:style style:name="V" style:family="text">'
            '<style:text-properties style:font-name="VNI-Times"/></style:style>'
            '<style:style style:name="PV" style:family="paragraph"><style:text-properties '
            'style:font-name="VNI-Times"/></style:style></office:automatic-styles>')
    body = ("".join(f'<text:p text:style-name="PV">{_x(vni(x))}</text:p>' for x in HEADER_RIGHT[:2])
            + f'<text:p>Unicode: <text:span text:style-name="V">{_x(vni(SENTENCES[1]))}'
              "</text:span></text:p>"
            + "<text:p>Đây là dòng Unicode trong Times New Roman.</text:p>")
    content = (_XML + f"<office:document-content {_ODF_NS}>{auto}<office:body><office:text>"
               f"{body}</office:text></office:body></office:document-content>")
    return _odf_package("application/vnd.oasis.opendocument.text", content, _ODT_STYLES)


def ods_report(rows: int = 60) -> bytes:
    """A periodic report: a header block above the data rows, repeated and empty cells."""
    def row(*values: str, repeat: int = 1) -> str:
        rep = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
        cells = "".join(
            '<table:table-cell table:number-columns-repeated="3"/>' if v == "" else
            f'<table:table-cell office:value-type="string"><text:p>{_x(v)}</text:p></table:table-cell>'
            for v in values)
        return f"<table:table-row{rep}>{cells}</table:table-row>"

    data = "".join(row(str(i), f"Đơn vị {i}", "Đã nhận") for i in range(1, rows + 1))
    body = ('<table:table table:name="Báo cáo">'
            + row("ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI", "", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
            + row("SỞ NỘI VỤ", "", "Độc lập - Tự do - Hạnh phúc")
            + '<table:table-row table:number-rows-repeated="1048000"><table:table-cell '
              'table:number-columns-repeated="1024"/></table:table-row>'
            + row("BÁO CÁO TÌNH HÌNH TIẾP NHẬN VĂN BẢN ĐIỆN TỬ QUÝ IV NĂM 2026")
            + row("STT", "Đơn vị", "Tình trạng")
            + data + "</table:table>"
            + '<table:table table:name="Trang2">' + row("Không đọc trang này") + "</table:table>")
    content = (_XML + f"<office:document-content {_ODF_NS}><office:body><office:spreadsheet>"
               f"{body}</office:spreadsheet></office:body></office:document-content>")
    return _odf_package("application/vnd.oasis.opendocument.spreadsheet", content)


REPORT_HEADER_LINES = [
    "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "SỞ NỘI VỤ | Độc lập - Tự do - Hạnh phúc",
    "BÁO CÁO TÌNH HÌNH TIẾP NHẬN VĂN BẢN ĐIỆN TỬ QUÝ IV NĂM 2026",
    "STT | Đơn vị | Tình trạng",
]


# -- XLSX ----------------------------------------------------------------------------------

def xlsx_report(rows: int = 60) -> bytes:
    """Shared strings, a rich-text string, a date cell, a .VnTime cell, 60 data rows."""
    strings: list[str] = []

    def s(text: str) -> int:
        strings.append(text)
        return len(strings) - 1

    def cell(ref: str, value: str, kind: str = "s", style: int = 0) -> str:
        st = f' s="{style}"' if style else ""
        if kind == "s":
            return f'<c r="{ref}" t="s"{st}><v>{s(value)}</v></c>'
        if kind == "n":
            return f'<c r="{ref}"{st}><v>{value}</v></c>'
        return f'<c r="{ref}" t="{kind}"{st}><v>{_x(value)}</v></c>'

    sheet_rows = [
        (f'<row r="1">{cell("A1", "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI")}'
        f'{cell("D1", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")}</row>'),
        f'<row r="2">{cell("A2", "SỞ NỘI VỤ")}<c r="D2" t="s"><v>RICH</v></c></row>',
        f'<row r="3">{cell("A3", "Ngày báo cáo:")}{cell("B3", "46001", "n", 1)}</row>',
        f'<row r="4">{cell("A4", tcvn3("Báo cáo tình hình tiếp nhận văn bản"), style=2)}</row>',
        '<row r="5"/>',
        (f'<row r="6">{cell("A6", "STT")}{cell("B6", "Đơn vị")}{cell("C6", "Số văn bản")}'
        f'{cell("D6", "1", "b")}</row>'),
    ]
    for i in range(1, rows + 1):
        r = i + 6
        sheet_rows.append(f'<row r="{r}">{cell(f"A{r}", str(i), "n")}'
                          f'{cell(f"B{r}", f"Đơn vị {i}")}{cell(f"C{r}", str(i * 2.5), "n")}</row>')
    rich_index = len(strings)
    sheet_rows[1] = sheet_rows[1].replace("RICH", str(rich_index))
    sheet = (_XML + '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             "<sheetData>" + "".join(sheet_rows) + "</sheetData></worksheet>")
    sis = "".join(f'<si><t xml:space="preserve">{_x(t)}</t></si>' for t in strings)
    sis += ('<si><r><rPr><b/><rFont val="Times New Roman"/></rPr><t>Độc lập</t></r>'
            '<r><t xml:space="preserve"> - Tự do - Hạnh phúc</t></r>'
            "<rPh sb=\"0\" eb=\"1\"><t>ふりがな</t></rPh></si>")
    shared = (_XML + '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
              f'count="{len(strings) + 1}" uniqueCount="{len(strings) + 1}">{sis}</sst>')
    styles = (_XML + '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
              '<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts>'
              '<fonts count="2"><font><sz val="12"/><name val="Times New Roman"/></font>'
              '<font><sz val="12"/><name val=".VnTime"/></font></fonts>'
              '<cellXfs count="3"><xf numFmtId="0" fontId="0"/><xf numFmtId="164" fontId="0"/>'
              '<xf numFmtId="0" fontId="1"/></cellXfs></styleSheet>')
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    workbook = (_XML + '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                f'xmlns:r="{rel}"><sheets><sheet name="Ẩn" sheetId="2" state="hidden" r:id="rId9"/>'
                '<sheet name="Báo cáo" sheetId="1" r:id="rId1"/></sheets></workbook>')
    wb_rels = (_XML + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
               f'relationships"><Relationship Id="rId1" Type="{rel}/worksheet" '
               'Target="worksheets/sheet1.xml"/>'
               f'<Relationship Id="rId9" Type="{rel}/worksheet" Target="worksheets/sheet2.xml"/>'
               f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
               f'<Relationship Id="rId3" Type="{rel}/styles" Target="styles.xml"/></Relationships>')
    hidden = (_XML + '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
              '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Trang ẩn</t></is></c></row>'
              "</sheetData></worksheet>")
    pkg_rels = (_XML + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                f'relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" '
                'Target="xl/workbook.xml"/></Relationships>')
    return samples.zip_package([
        ("[Content_Types].xml", "<Types/>"), ("_rels/.rels", pkg_rels),
        ("xl/workbook.xml", workbook), ("xl/_rels/workbook.xml.rels", wb_rels),
        ("xl/worksheets/sheet1.xml", sheet), ("xl/worksheets/sheet2.xml", hidden),
        ("xl/sharedStrings.xml", shared), ("xl/styles.xml", styles)])


XLSX_REPORT_LINES = [
    "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "SỞ NỘI VỤ | Độc lập - Tự do - Hạnh phúc",
    "Ngày báo cáo: | 10/12/2025",
    "Báo cáo tình hình tiếp nhận văn bản",
    "STT | Đơn vị | Số văn bản | TRUE",
    "1 | Đơn vị 1 | 2.5",
]


# -- RTF -----------------------------------------------------------------------------------

def _rtf_unicode(text: str) -> str:
    out = []
    for ch in text:
        if ch in "\\{}":
            out.append("\\" + ch)
        elif ord(ch) < 128:
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\u{code - 65536 if code > 32767 else code}?")
    return "".join(out)


def _rtf_cp1258(text: str) -> str:
    """Windows-1258 bytes as \\'hh escapes (tone marks as combining bytes)."""
    out = []
    for byte in f.to_cp1258(text):
        out.append(chr(byte) if byte < 128 and chr(byte) not in "\\{}" else f"\\'{byte:02x}")
    return "".join(out)


def rtf_official() -> bytes:
    """As Word writes it in Vietnam: \\ansicpg1258, header lines as \\'hh bytes, the
    rest as \\uN escapes, a two-cell header table, a page field, a picture, a header."""
    def row(left: Sequence[str], right: Sequence[str], encode) -> str:
        cells = ["\\par ".join(encode(x) for x in col) for col in (left, right)]
        return ("\\trowd\\cellx4500\\cellx9000\\pard\\intbl " + cells[0] + "\\cell "
                + cells[1] + "\\cell \\row\n")

    doc = (
        "{\\rtf1\\ansi\\ansicpg1258\\deff0\\uc1"
        "{\\fonttbl{\\f0\\froman\\fcharset163 Times New Roman;}"
        "{\\f1\\fswiss\\fcharset0 Arial{\\*\\panose 020b0604020202020204};}}\n"
        "{\\colortbl;\\red0\\green0\\blue0;}\n"
        "{\\*\\generator Microsoft Word 11.0;}{\\info{\\title B\\u7843?n th\\u7843?o}}\n"
        "{\\header \\pard Trang \\chpgn \\par}\n"
        "\\f0\\fs26 " + row(HEADER_LEFT, HEADER_RIGHT, _rtf_cp1258)
        + "\\pard\\qc\\b " + _rtf_unicode(TITLE[0]) + "\\b0\\par\n"
        + _rtf_unicode(TITLE[1]) + "\\par\n"
        + "{\\*\\bkmkstart dieu1}" + _rtf_unicode(BODY[0]) + "\\par\n"
        + _rtf_unicode(BODY[1])
        + "{\\field{\\*\\fldinst { PAGE }}{\\fldrslt {1}}}\\par\n"
        + "{\\pict\\pngblip\\picw10\\pich10 89504e470d0a1a0a0000000d49484452}\n"
        + row(SIGN_LEFT, SIGN_RIGHT, _rtf_unicode)
        + "\\pard Ghi ch\\u250?:\\tab b\\'e1n\\line \\f1 \\u273?i\\u7879?n t\\u7917?\\par\n}")
    return doc.encode("ascii")


RTF_OFFICIAL_LINES = (HEADER_LEFT + HEADER_RIGHT + TITLE + [BODY[0], BODY[1] + "1"]
                      + SIGN_LEFT + SIGN_RIGHT + ["Ghi chú:\tbán", "điện tử"])


def rtf_vni() -> bytes:
    """Typed with VNI-Times: bytes as \\'hh, fonts table names the font."""
    def hexed(text: str) -> str:
        return "".join(chr(b) if b < 128 else f"\\'{b:02x}" for b in f.to_vni(text))

    body = "\\par\n".join(hexed(x) for x in HEADER_RIGHT[:2] + SENTENCES[1:2] + TITLE)
    doc = ("{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fnil\\fcharset0 VNI-Times;}"
           "{\\f1\\fnil\\fcharset0 Times New Roman;}}\\f0\\fs26 " + body
           + "\\par\n\\f1 Unicode: \\u7910?y ban\\par\n}")
    return doc.encode("ascii")


RTF_VNI_LINES = HEADER_RIGHT[:2] + SENTENCES[1:2] + TITLE + ["Unicode: Ủy ban"]


# -- DOC (Word 97-2003) ---------------------------------------------------------------------

_CLSID_WORD = bytes.fromhex("0609020000000000C000000000000046")


def _ffn(name: str) -> bytes:
    body = struct.pack("<BhBB", 0x16, 400, 0, 0) + b"\0" * 10 + b"\0" * 24
    body += name.encode("utf-16-le") + b"\0\0"
    return bytes([len(body)]) + body       # cbFfnM1 = total length − 1


def doc_word97(pieces: Sequence[tuple[str, bool]], fonts: Sequence[str] = ("Times New Roman",)) -> bytes:
    """A Word 97 file with a real FIB and piece table.

    `pieces`: (text, compressed) in order; compressed pieces are stored as
    Windows-1252 bytes (as Word does when every character fits), the others
    as UTF-16LE. Special characters as Word writes them: \\r paragraph end,
    \\x07 cell/row end, \\x13..\\x14..\\x15 fields.
    """
    text_start = 0x400
    blob = bytearray()
    entries = []                                 # (cp, fc)
    cp = 0
    for text, compressed in pieces:
        offset = text_start + len(blob)
        if compressed:
            blob += text.encode("cp1252")
            fc = (offset * 2) | 0x40000000
        else:
            blob += text.encode("utf-16-le")
            fc = offset
        entries.append((cp, fc))
        cp += len(text)
    ccp_text = cp
    fib = bytearray(text_start)
    struct.pack_into("<HHHHHH", fib, 0, 0xA5EC, 0x00C1, 0, 0x042A, 0, 0x0200)   # 1Table
    struct.pack_into("<H", fib, 0x20, 0x000E)     # csw
    struct.pack_into("<H", fib, 0x3E, 0x0016)     # cslw
    struct.pack_into("<i", fib, 0x4C, ccp_text)   # ccpText
    struct.pack_into("<H", fib, 0x98, 0x005D)     # cbRgFcLcb (Word 97)
    # Table stream: Clx (one Pcdt) then SttbfFfn.
    plc = struct.pack(f"<{len(entries) + 1}I", *[c for c, _ in entries], ccp_text)
    plc += b"".join(struct.pack("<HIH", 0, fc, 0) for _, fc in entries)
    clx = b"\x02" + struct.pack("<I", len(plc)) + plc
    clx = b"\x01" + struct.pack("<h", 2) + b"\x00\x00" + clx        # one Prc before, skipped
    sttb = struct.pack("<HH", len(fonts), 0) + b"".join(_ffn(n) for n in fonts)
    table = clx + sttb
    struct.pack_into("<II", fib, 0x112, len(clx), len(sttb))        # fcSttbfFfn, lcb
    struct.pack_into("<II", fib, 0x1A2, 0, len(clx))                # fcClx, lcbClx
    word = bytes(fib) + bytes(blob)
    return samples.compound_file({
        "WordDocument": word.ljust(max(4096, len(word)), b"\0"),
        "1Table": table.ljust(4096, b"\0"),
        "\x05SummaryInformation": struct.pack("<HHI16sI", 0xFFFE, 0, 0x00020006, b"\0" * 16, 0),
    }, root_clsid=_CLSID_WORD)


def doc_official() -> bytes:
    """Header table (cells end with \\x07), a PAGE field, text in two kinds of pieces."""
    header = ("\r".join(HEADER_LEFT) + "\x07" + "\r".join(HEADER_RIGHT) + "\x07\x07")
    body = "\r".join(TITLE + BODY[:1]) + "\r"
    ascii_piece = "Dieu 2. Trang \x13 PAGE \x141\x15 cua van ban.\r"   # fits cp1252: compressed
    sign = "\r".join(SIGN_LEFT) + "\x07" + "\r".join(SIGN_RIGHT) + "\x07\x07"
    return doc_word97([(header, False), (body, False), (ascii_piece, True), (sign, False)])


DOC_OFFICIAL_LINES = (HEADER_LEFT + HEADER_RIGHT + TITLE + BODY[:1]
                      + ["Dieu 2. Trang 1 cua van ban."] + SIGN_LEFT + SIGN_RIGHT)


DOC_TCVN3_LINES = [SENTENCES[0], "ủy ban nhân dân tỉnh Quảng Ngãi", SENTENCES[2], SENTENCES[3]]


def doc_tcvn3() -> bytes:
    text = "\r".join(tcvn3(x) for x in DOC_TCVN3_LINES) + "\r"
    return doc_word97([(text, True)], fonts=("Times New Roman", ".VnTime", ".VnTimeH"))


# -- XLS (BIFF8) ---------------------------------------------------------------------------

def _rec(kind: int, body: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def _xl_str(text: str, wide: bool = True) -> bytes:
    return struct.pack("<HB", len(text), 1 if wide else 0) + (
        text.encode("utf-16-le") if wide else text.encode("latin-1"))


def _font_record(name: str) -> bytes:
    return _rec(0x0031, struct.pack("<HHHHHBBBB", 240, 0, 0x7FFF, 400, 0, 0, 0, 0, 0)
                + struct.pack("<BB", len(name), 1) + name.encode("utf-16-le"))


def _xf(font: int, fmt: int = 0) -> bytes:
    return _rec(0x00E0, struct.pack("<HH", font, fmt) + b"\0" * 16)


def xls_report() -> bytes:
    """A BIFF8 workbook: shared strings split over a CONTINUE record in mid-string,
    a .VnTime cell (8-bit string), a date (NUMBER with a date format), RK numbers."""
    long_title = "BÁO CÁO TÌNH HÌNH TIẾP NHẬN VĂN BẢN ĐIỆN TỬ QUÝ IV NĂM 2026"
    sst_strings = ["ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                   long_title, "STT", "Đơn vị"]
    encoded = b"".join(_xl_str(s) for s in sst_strings[:2])
    third = _xl_str(long_title)
    split = 3 + 20 * 2                          # header + 20 characters in the SST record
    sst = struct.pack("<II", len(sst_strings), len(sst_strings)) + encoded + third[:split]
    cont = b"\x01" + third[split:] + b"".join(_xl_str(s) for s in sst_strings[3:])
    fonts = b"".join(_font_record(n) for n in ("Times New Roman", "Arial", "Arial", "Arial",
                                                 ".VnTime"))
    xfs = _xf(0) + _xf(0, 14) + _xf(5)          # font index 5 = 5th record (4 is skipped)
    bof_globals = _rec(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x0206))
    bof_sheet = _rec(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0x0DBB, 0x07CC, 0, 0x0206))

    def globals_(offset: int) -> bytes:
        sheet = _rec(0x0085, struct.pack("<IBB", offset, 0, 0) + struct.pack("<BB", 6, 0) + b"Sheet1")
        return (bof_globals + _rec(0x0042, struct.pack("<H", 1200)) + fonts + xfs + sheet
                + _rec(0x00FC, sst) + _rec(0x003C, cont) + _rec(0x000A))

    def labelsst(r: int, c: int, i: int, xf: int = 0) -> bytes:
        return _rec(0x00FD, struct.pack("<HHHI", r, c, xf, i))

    def rk_int(value: int) -> int:
        return (value << 2) | 0x02

    cells = (labelsst(0, 0, 0) + labelsst(0, 3, 1)
             + _rec(0x0204, struct.pack("<HHH", 1, 0, 0) + _xl_str("Ngày:"))
             + _rec(0x0203, struct.pack("<HHHd", 1, 1, 1, 46001.0))
             + _rec(0x0204, struct.pack("<HHH", 2, 0, 2) + _xl_str(tcvn3("Sở Nội vụ"), wide=False))
             + labelsst(3, 0, 2) + labelsst(4, 0, 3) + labelsst(4, 1, 4))
    for i in range(1, 61):
        cells += (_rec(0x027E, struct.pack("<HHHI", 4 + i, 0, 0, rk_int(i)))
                  + _rec(0x0204, struct.pack("<HHH", 4 + i, 1, 0) + _xl_str(f"Đơn vị {i}")))
    sheet = bof_sheet + cells + _rec(0x000A)
    head = globals_(0)
    workbook = globals_(len(head)) + sheet
    return samples.compound_file({"Workbook": workbook.ljust(4096, b"\0")},
                                 root_clsid=bytes.fromhex("2008020000000000C000000000000046"))


XLS_REPORT_LINES = [
    "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Ngày: | 10/12/2025",
    "Sở Nội vụ",
    "BÁO CÁO TÌNH HÌNH TIẾP NHẬN VĂN BẢN ĐIỆN TỬ QUÝ IV NĂM 2026",
    "STT | Đơn vị",
    "1 | Đơn vị 1",
]


# -- PDF -------------------------------------------------------------------------------------

def _pdf_file(objects: list[bytes]) -> bytes:
    from mailbot.util.samples import pdf_file

    return pdf_file(objects)


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    packed = zlib.compress(data)
    return (b"<< /Length %d /Filter /FlateDecode %s>>\nstream\n" % (len(packed), extra)
            + packed + b"\nendstream")


def pdf_document(pages: Sequence[Sequence[str]], *, tcvn3_font: bool = False,
                 image_only: bool = False) -> bytes:
    """A multi-page A4 PDF.

    Unicode text uses a Type0 font (Identity-H) with a ToUnicode map, as
    Word's "Save as PDF" writes Vietnamese; `tcvn3_font` writes the text
    with a simple ".VnTime" TrueType font and WinAnsi codes, as old PDFs
    printed from ABC documents are; `image_only` pages carry just a picture.
    """
    chars = sorted({ch for page in pages for line in page for ch in line})
    cid = {ch: i + 1 for i, ch in enumerate(chars)}
    objects: list[bytes] = [b"", b""]             # 1 catalog, 2 pages (filled below)

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    if tcvn3_font:
        font = add(b"<< /Type /Font /Subtype /TrueType /BaseFont /.VnTime "
                   b"/Encoding /WinAnsiEncoding /FirstChar 32 /LastChar 255 >>")
    else:
        cmap_lines = []
        for i in range(0, len(chars), 100):
            block = chars[i:i + 100]
            cmap_lines.append(b"%d beginbfchar" % len(block))
            cmap_lines += [b"<%04X> <%s>" % (cid[ch], ch.encode("utf-16-be").hex().upper().encode())
                           for ch in block]
            cmap_lines.append(b"endbfchar")
        cmap = (b"/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
                b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
                b"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
                b"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
                + b"\n".join(cmap_lines) + b"\nendcmap\nCMapName currentdict /CMap defineresource pop\n"
                b"end\nend\n")
        to_unicode = add(_stream(cmap))
        descriptor = add(b"<< /Type /FontDescriptor /FontName /ABCDEF+TimesNewRomanPSMT /Flags 32 "
                         b"/FontBBox [0 -216 1000 891] /ItalicAngle 0 /Ascent 891 /Descent -216 "
                         b"/CapHeight 662 /StemV 80 >>")
        descendant = add(b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /ABCDEF+TimesNewRomanPSMT "
                         b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
                         b"/FontDescriptor %d 0 R /DW 500 /CIDToGIDMap /Identity >>" % descriptor)
        font = add(b"<< /Type /Font /Subtype /Type0 /BaseFont /ABCDEF+TimesNewRomanPSMT "
                   b"/Encoding /Identity-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>"
                   % (descendant, to_unicode))
    image = None
    if image_only:
        pixels = bytes((x * 7 + y * 3) % 256 for y in range(64) for x in range(64))
        image = add(_stream(pixels, b"/Type /XObject /Subtype /Image /Width 64 /Height 64 "
                                    b"/ColorSpace /DeviceGray /BitsPerComponent 8 "))
    kids = []
    for page in pages:
        if image_only:
            ops = b"q 495 0 0 700 50 70 cm /Im1 Do Q"
            resources = b"<< /XObject << /Im1 %d 0 R >> >>" % image
        else:
            ops_list = [b"BT", b"/F1 13 Tf", b"16 TL", b"60 780 Td"]
            for line in page:
                if tcvn3_font:
                    raw = tcvn3(line).encode("cp1252")
                    ops_list.append(b"(" + b"".join(
                        b"\\%03o" % b if b > 126 or b in b"()\\" else bytes([b]) for b in raw) + b") '")
                else:
                    ops_list.append(b"<" + "".join(f"{cid[ch]:04X}" for ch in line).encode() + b"> '")
            ops_list.append(b"ET")
            ops = b"\n".join(ops_list)
            resources = b"<< /Font << /F1 %d 0 R >> >>" % font
        content = add(_stream(ops))
        kids.append(add(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                        b"/Resources %s /Contents %d 0 R >>" % (resources, content)))
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = (b"<< /Type /Pages /Kids [%s] /Count %d >>"
                  % (b" ".join(b"%d 0 R" % k for k in kids), len(kids)))
    return _pdf_file(objects)


def pdf_pages(count: int = 6) -> list[list[str]]:
    """Page 1: the header; middle pages: body; last page: the signature block."""
    pages = [HEADER_LEFT[:2] + HEADER_RIGHT[:2] + [HEADER_LEFT[2], HEADER_RIGHT[2]] + TITLE]
    for n in range(2, count):
        pages.append([f"Điều {n}. Nội dung trang {n}."])
    pages.append(["Điều cuối. Quyết định này có hiệu lực kể từ ngày ký."] + SIGN_RIGHT)
    return pages
