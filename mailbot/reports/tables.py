"""The report's figures as titled tables with Vietnamese headings: what every format shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Table:
    sheet: str                 # short name (XLSX sheet, at most 31 characters)
    title: str                 # heading above the table
    headings: tuple[str, ...]
    rows: list[tuple[Any, ...]]


GROUP_HEADINGS = ("Số văn bản", "Điện tử hoàn toàn", "Phải gửi bản giấy", "Đã nhận bản giấy")


def duration_vi(seconds: float | None) -> str:
    """A wait in words: "3 phút 20 giây", "2 giờ 5 phút", "1 ngày 4 giờ"."""
    if seconds is None:
        return "—"
    s = int(round(seconds))
    days, rest = divmod(s, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(days, "ngày"), (hours, "giờ"), (minutes, "phút"), (secs, "giây")]
    shown = [f"{n} {unit}" for n, unit in parts if n][:2]
    return " ".join(shown) or "0 giây"


def percent_vi(share: float | None) -> str:
    """A share as Vietnamese writes it: 64,3% (comma for decimals)."""
    if share is None:
        return "—"
    return f"{share * 100:.1f}".replace(".", ",").removesuffix(",0") + "%"


def summary_rows(r: dict[str, Any]) -> list[tuple[str, Any]]:
    ack = r["acknowledgement"]
    return [
        ("Văn bản đến trong kỳ", r["received"]),
        ("Đã vào sổ (cấp số đến)", r["registered"]),
        ("Điện tử hoàn toàn (không cần bản giấy)", r["fully_electronic"]),
        ("Phải gửi bản giấy", r["paper_required"]),
        ("Đã nhận bản giấy", r["paper_received"]),
        ("Có chữ ký số hợp lệ, tin cậy", r["trusted_signed"]),
        ("Tỷ lệ có chữ ký số tin cậy", percent_vi(r["trusted_signed_share"])),
        ("Bị từ chối", r["refused"]),
        ("Chờ xem xét", r["review"]),
        ("Cách ly (nghi giả mạo, văn bản mật)", r["quarantine"]),
        ("Văn bản từ các cơ quan", r["agency_documents"]),
        ("Trong đó điện tử hoàn toàn", r["agency_fully_electronic"]),
        ("Tỷ lệ điện tử hoàn toàn", percent_vi(r["electronic_share"])),
        ("Mục tiêu", percent_vi(r["target_electronic_share"])),
        ("So với mục tiêu", r["target_sentence"]),
        ("Thời gian từ khi nhận đến khi báo nhận: trung vị", duration_vi(ack["median_seconds"])),
        ("Thời gian từ khi nhận đến khi báo nhận: 95% trong vòng", duration_vi(ack["p95_seconds"])),
        ("Thông báo đã gửi", r["notices"]["sent"]),
        ("Thông báo gửi không thành công", r["notices"]["failed"]),
    ]


def _groups(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(g["name"], g["documents"], g["fully_electronic"], g["paper_required"], g["paper_received"])
            for g in rows]


def month_vi(key: str) -> str:
    year, month = key.split("-")
    return f"Tháng {int(month)}/{year}"


def report_tables(r: dict[str, Any]) -> list[Table]:
    """Summary first, then one table per breakdown, in the order leaders read them."""
    by_month = [(month_vi(g["name"]), *row[1:]) for g, row in zip(r["by_month"], _groups(r["by_month"]))]
    return [
        Table("Tổng hợp", "Tổng hợp", ("Chỉ tiêu", "Giá trị"), summary_rows(r)),
        Table("Theo tháng", "Văn bản đến theo tháng", ("Tháng", *GROUP_HEADINGS), by_month),
        Table("Theo cơ quan gửi", "Theo cơ quan gửi", ("Cơ quan gửi", *GROUP_HEADINGS), _groups(r["by_agency"])),
        Table("Theo loại văn bản", "Theo loại văn bản", ("Loại văn bản", *GROUP_HEADINGS), _groups(r["by_type"])),
        Table("Theo hộp thư", "Theo hộp thư", ("Hộp thư", *GROUP_HEADINGS), _groups(r["by_mailbox"])),
        Table("Lý do từ chối", "Thư bị từ chối theo lý do", ("Mã lý do", "Diễn giải", "Số thư"),
              [(x["code"], x.get("description") or "", x["messages"]) for x in r["refused_by_reason"]]),
        Table("Thông báo", "Thông báo đã gửi", ("Loại thông báo", "Đã gửi", "Không thành công"),
              [(NOTICE_KINDS_VI.get(k["kind"], k["kind"]), k["sent"], k["failed"]) for k in r["notices"]["by_kind"]]),
    ]


NOTICE_KINDS_VI = {
    "receipt": "Báo nhận", "refusal": "Từ chối", "paper-copy": "Đề nghị gửi bản giấy",
    "review": "Chờ xem xét", "forward": "Chuyển xử lý", "alert": "Cảnh báo cho văn thư",
}


def heading_lines(r: dict[str, Any]) -> list[str]:
    """The lines above the tables: what, for whom, which period."""
    lines = [r["office"], f"BÁO CÁO TÌNH HÌNH TIẾP NHẬN VĂN BẢN ĐIỆN TỬ — {r['period']['label'].upper()}"]
    first, last = r["period"]["from"], r["period"]["to"]
    lines.append(f"(Từ ngày {_dmy(first)} đến ngày {_dmy(last)}, tính theo ngày đến"
                 + (f"; sổ: {r['book_name'] or r['book']})" if r["book"] else ")"))
    return lines


def _dmy(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{d}/{m}/{y}"
