"""The printed register as a workbook (openpyxl): the same heading block and columns as the
PDF, set up to print on A4 landscape with the headings repeated and page numbers."""

from __future__ import annotations

import io

from mailbot.reports.register_form import COLUMNS, SIGN_OFF, WIDTHS, PrintedRegister


def to_xlsx(register: PrintedRegister) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "Sổ văn bản đến"
    last = get_column_letter(len(COLUMNS))
    for text in [register.office.upper(), *register.title_lines]:
        ws.append([text])
        ws.merge_cells(f"A{ws.max_row}:{last}{ws.max_row}")
        ws.cell(ws.max_row, 1).alignment = Alignment(horizontal="center")
        ws.cell(ws.max_row, 1).font = Font(bold=text.isupper(), size=14 if text == "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN" else 12)
    ws.append([])
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    ws.append(list(COLUMNS))
    heading = ws.max_row
    ws.append([f"({i})" for i in range(1, len(COLUMNS) + 1)])
    for r in (heading, heading + 1):
        for c in ws[r]:
            c.font = Font(bold=r == heading)
            c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            c.border = box
    for row in register.rows:
        ws.append(list(row))
        for c in ws[ws.max_row]:
            c.alignment = Alignment(vertical="top", wrap_text=True)
            c.border = box
    ws.append([])
    ws.append([register.closing])
    ws.append([])
    ws.append([SIGN_OFF[0][0], None, None, None, None, SIGN_OFF[1][0]])
    ws.append([SIGN_OFF[0][1], None, None, None, None, SIGN_OFF[1][1]])
    for i, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width * 5.5
    ws.freeze_panes = ws.cell(heading + 2, 1)
    ws.print_title_rows = f"{heading}:{heading + 1}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.center.text = "Trang &P/&N"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
