"""The report as an Excel workbook (openpyxl): a summary sheet, one sheet per table with a
frozen heading row and set widths, and native bar charts (by month: electronic vs paper;
by sending agency)."""

from __future__ import annotations

import io
from typing import Any

from mailbot.reports.tables import Table, heading_lines, report_tables

_BOLD_FILL = "DDDDDD"


def _width(values: list[Any]) -> float:
    return min(60, max(8, *(len(str(v)) for v in values)) + 2)


def _sheet(wb, table: Table, *, first_sheet: bool, top: list[str]):
    from openpyxl.styles import Alignment, Font, PatternFill

    ws = wb.active if first_sheet else wb.create_sheet()
    ws.title = table.sheet[:31]
    for line in top:
        ws.append([line])
        ws.cell(ws.max_row, 1).font = Font(bold=True)
    if top:
        ws.append([])
    ws.append(list(table.headings))
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=_BOLD_FILL)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in table.rows:
        ws.append(list(row))
    ws.freeze_panes = ws.cell(header_row + 1, 1)
    for index, heading in enumerate(table.headings, start=1):
        column = [heading] + [row[index - 1] for row in table.rows]
        ws.column_dimensions[ws.cell(header_row, index).column_letter].width = _width(column)
    return ws, header_row


def _bar_chart(ws, header_row: int, rows: int, columns: tuple[int, int], title: str, stacked: bool):
    from openpyxl.chart import BarChart, Reference

    chart = BarChart()
    chart.type = "col"
    chart.title = title
    chart.y_axis.title = "Số văn bản"
    if stacked:
        chart.grouping = "stacked"
        chart.overlap = 100
    data = Reference(ws, min_col=columns[0], max_col=columns[1], min_row=header_row, max_row=header_row + rows)
    cats = Reference(ws, min_col=1, min_row=header_row + 1, max_row=header_row + rows)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(cats)
    chart.width, chart.height = 18, 8
    ws.add_chart(chart, f"H{header_row}")


def to_xlsx(r: dict[str, Any]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    for i, table in enumerate(report_tables(r)):
        ws, header_row = _sheet(wb, table, first_sheet=i == 0, top=heading_lines(r) if i == 0 else [])
        if table.sheet == "Theo tháng" and table.rows:
            # Columns C and D: fully electronic, paper required — stacked per month.
            _bar_chart(ws, header_row, len(table.rows), (3, 4), "Văn bản đến theo tháng", stacked=True)
        elif table.sheet == "Theo cơ quan gửi" and table.rows:
            _bar_chart(ws, header_row, min(len(table.rows), 15), (2, 2), "Văn bản đến theo cơ quan gửi",
                       stacked=False)
    summary = wb.worksheets[0]
    summary.column_dimensions["A"].width = 52
    summary.column_dimensions["B"].width = 60
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
