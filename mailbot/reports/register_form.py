"""The register as Decree 30/2020 Phụ lục IV prints it ("Sổ đăng ký văn bản đến"): the
columns in the decree's order, the heading block and the closing sentence. Shared by the PDF
and the workbook."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlite_utils

from mailbot.config import Rules
from mailbot.store import statistics

COLUMNS = ("Ngày đến", "Số đến", "Tác giả", "Số, ký hiệu", "Ngày tháng", "Tên loại và trích yếu nội dung",
           "Đơn vị hoặc người nhận", "Ký nhận", "Ghi chú")
# Relative widths (landscape A4): the trích yếu takes the room.
WIDTHS = (2.3, 1.8, 4.0, 2.8, 2.3, 8.0, 3.2, 1.8, 3.2)


@dataclass(frozen=True)
class PrintedRegister:
    office: str
    book_name: str
    first_day: date
    last_day: date
    rows: list[tuple[str, ...]]
    numbers: tuple[int, int] | None        # first and last số đến printed

    @property
    def title_lines(self) -> list[str]:
        years = sorted({self.first_day.year, self.last_day.year})
        span = f"Từ ngày {self.first_day:%d/%m/%Y} đến ngày {self.last_day:%d/%m/%Y}"
        if self.numbers:
            span += f" — từ số {self.numbers[0]} đến số {self.numbers[1]}"
        return ["SỔ ĐĂNG KÝ VĂN BẢN ĐẾN", self.book_name, "Năm " + "–".join(str(y) for y in years), span]

    @property
    def closing(self) -> str:
        if not self.rows:
            return "Trong khoảng thời gian này sổ không có văn bản nào."
        return (f"Sổ này có {len(self.rows)} văn bản đến, từ số {self.numbers[0]} đến số {self.numbers[1]}, "
                f"đăng ký từ ngày {self.first_day:%d/%m/%Y} đến ngày {self.last_day:%d/%m/%Y}.")


SIGN_OFF = (("NGƯỜI LẬP SỔ", "(Ký, ghi rõ họ tên)"), ("THỦ TRƯỞNG CƠ QUAN", "(Ký, ghi rõ họ tên và đóng dấu)"))


def _dmy(iso: str | None) -> str:
    if not iso:
        return ""
    try:
        return f"{date.fromisoformat(iso[:10]):%d/%m/%Y}"
    except ValueError:
        return iso


def form_row(e: dict[str, Any]) -> tuple[str, ...]:
    """One entry in the decree's columns (plain text; the empty ones are for pen)."""
    summary = " ".join(x for x in (e.get("type_name"), e.get("subject")) if x) or (e.get("email_subject") or "")
    notes = [e.get("notes") or ""]
    if e.get("urgency"):
        notes.insert(0, e["urgency"])
    if e.get("paper_copy_required"):
        notes.append("Đã nhận bản giấy" if e.get("paper_received") else "Chờ bản giấy")
    recipient = e.get("recipient_unit") or ""     # filled from the route when one matched
    return (_dmy(e["arrival_date"]), str(e["arrival_number"]), e.get("organ_name") or e.get("sender") or "",
            e.get("code") or "", _dmy(e.get("issued_date")), summary, recipient, "",
            "; ".join(n for n in notes if n))


def printed_register(db: sqlite_utils.Database, rules: Rules, book: str, first_day: date, last_day: date,
                     numbers: tuple[int, int] | None = None) -> PrintedRegister:
    """The entries of `book` with ngày đến from `first_day` to `last_day` (both included), and
    số đến within `numbers` when given."""
    tz = ZoneInfo(rules.office.timezone)
    start = datetime.combine(first_day, datetime.min.time(), tz).isoformat()
    end = datetime.combine(last_day + timedelta(days=1), datetime.min.time(), tz).isoformat()
    rows = statistics.entries_in_range(db, book, start, end, *(numbers or (None, None)))
    name = statistics.book_name(db, book) or next((b.name for b in rules.books if b.id == book), book)
    printed = (rows[0]["arrival_number"], rows[-1]["arrival_number"]) if rows else None
    return PrintedRegister(rules.office.name, name, first_day, last_day, [form_row(r) for r in rows], printed)
