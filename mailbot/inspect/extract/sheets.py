"""What the spreadsheet readers (.xlsx, .ods, .xls) share: rows, numbers, dates.

Only the first `SHEET_ROWS` non-empty rows of the first sheet are kept,
cells joined " | ": the register needs the head of a table, not its data,
and stopping there bounds the work on huge sheets. Numbers are shown as the
user saw them: a serial day count under a date format (built-in ids or a
format code with d/m/y) as dd/mm/yyyy, whole numbers without ".0".
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from mailbot.inspect.extract.output import _Enough, _Out

SHEET_ROWS = 40                      # rows of the first sheet kept for reading


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
