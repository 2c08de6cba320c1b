"""Reading the register: list, show, search and export (`mailbot register …`)."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any, Iterator

import sqlite_utils

from mailbot.store import entries
from mailbot.util.textfold import fold

DOCUMENT_FIELDS = (
    "code", "code_number", "code_notation", "type_name", "organ_name", "parent_organ", "place",
    "issued_date", "subject", "urgency", "secrecy", "signer_name", "signer_position",
    "signer_competence", "signer_title", "to_places", "page_amount",
    "sender_name", "sender_address", "addressee",
)

# Column headings of the paper register (NĐ 30/2020 Phụ lục VI), for CSV/XLSX.
VIETNAMESE_HEADINGS = {
    "book": "Sổ", "arrival_number": "Số đến", "arrival_date": "Ngày đến",
    "delivered_at": "Thời điểm nhận thư", "mailbox": "Hộp thư", "message_id": "Message-ID",
    "sender": "Người gửi", "code": "Số, ký hiệu", "code_number": "Số", "code_notation": "Ký hiệu",
    "type_name": "Tên loại", "organ_name": "Tác giả (cơ quan ban hành)", "parent_organ": "Cơ quan chủ quản",
    "place": "Địa danh", "issued_date": "Ngày tháng văn bản", "subject": "Trích yếu nội dung",
    "urgency": "Mức độ khẩn", "secrecy": "Độ mật", "signer_name": "Người ký",
    "signer_position": "Chức vụ người ký", "signer_competence": "Thẩm quyền ký",
    "signer_title": "Khối chữ ký", "to_places": "Nơi nhận", "page_amount": "Số tờ",
    "decision": "Kết quả tiếp nhận", "paper_copy_required": "Cần bản giấy",
    "paper_received": "Đã nhận bản giấy", "signature_verdict": "Chữ ký số",
    "attachments": "Tệp đính kèm", "recipient": "Đơn vị hoặc người nhận", "deadline": "Hạn giải quyết",
    "received_at": "Thời điểm thư đến hệ thống", "email_subject": "Tiêu đề thư",
    "sender_name": "Người viết (cá nhân, tổ chức)", "sender_address": "Địa chỉ người viết", "addressee": "Kính gửi",
    "sender_class": "Loại người gửi", "void": "Đã hủy", "related_to": "Liên quan đến số đến",
}

def attachments_of(db: sqlite_utils.Database, message: int) -> list[dict[str, Any]]:
    return entries.attachments_of(db, message)


def entry_json(db: sqlite_utils.Database, row: dict[str, Any]) -> dict[str, Any]:
    """One entry in the stable export shape (docs/DESIGN.md §8, register export)."""
    out = {
        "book": row["book"],
        "arrival_number": row["arrival_number"],
        "arrival_date": row["arrival_date"],
        "delivered_at": row["delivered_at"],
        "mailbox": row["mailbox"],
        "message_id": row["message_id"],
        "sender": row["sender"],
    }
    for name in DOCUMENT_FIELDS:
        value = row.get(name)
        if name == "to_places":
            value = json.loads(value) if value else []
        out[name] = value
    route = json.loads(row["route"]) if row["route"] else None
    out.update({
        "decision": row["decision"],
        "paper_copy_required": bool(row["paper_copy_required"]),
        "paper_received": bool(row["paper_received"]),
        "signature_verdict": row["signature_verdict"],
        "attachments": [
            {"filename": a["filename"], "format": a["format"], "sha256": a["sha256"], "pages": a["pages"]}
            for a in attachments_of(db, row["message"]) if a["allowed"]
        ],
        "route": route,
        "unit": route.get("unit") if route else None,
        "handler": route.get("handler") if route else None,
        "recipient": row.get("recipient_unit"),
        "deadline": row.get("due_date"),
        "received_at": row["delivered_at"],
        "email_subject": row["email_subject"],
        "sender_class": row.get("sender_class"),
        "void": bool(row.get("void")),
        "related_to": _related(db, row),
    })
    return out


def _related(db: sqlite_utils.Database, row: dict[str, Any]) -> dict[str, Any] | None:
    """{book, arrival_number, arrival_date, kind} of the entry this one corrects or answers."""
    from mailbot.register.links import reference

    if not row.get("related_to"):
        return None
    earlier = entries.load(db, row["related_to"])
    return reference(earlier, row.get("related_kind")) if earlier else None


def list_entries(db: sqlite_utils.Database, *, book: str | None = None, year: int | None = None,
                 limit: int | None = None, newest_first: bool = False) -> list[dict[str, Any]]:
    return entries.listed(db, book=book, year=year, limit=limit, newest_first=newest_first)


def find_entry(db: sqlite_utils.Database, number: int, *, book: str | None = None,
               year: int | None = None) -> dict[str, Any] | None:
    return entries.by_number(db, number, book=book, year=year)


def search_entries(db: sqlite_utils.Database, text: str, limit: int = 50) -> list[dict[str, Any]]:
    """Diacritic-insensitive (đ = d) search over sender, subjects, number (whole, the number
    alone, the notation alone), issuer, signer, petitioner, file names and the body.
    Every word must match a word of the entry, the last one as a prefix (search as you type):
    "dong nai" finds "Đồng Nai", "1234/QĐ" finds 1234/QĐ-UBND. Newest entries first."""
    words = re.findall(r"[\w/]+", fold(text))
    if not words:
        return []
    return entries.search(db, words, limit)


def export_entries(db: sqlite_utils.Database, fmt: str, *, book: str | None = None,
                   year: int | None = None) -> Iterator[str]:
    rows = [entry_json(db, r) for r in list_entries(db, book=book, year=year)]
    if fmt == "jsonl":
        for row in rows:
            yield json.dumps(row, ensure_ascii=False) + "\n"
        return
    if fmt == "csv":
        columns = [c for c in VIETNAMESE_HEADINGS]
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow([VIETNAMESE_HEADINGS[c] for c in columns])
        for row in rows:
            writer.writerow([_cell(row.get(c)) for c in columns])
        yield "\ufeff" + buf.getvalue()   # BOM: Excel then opens Vietnamese text as UTF-8
        return
    raise ValueError(f"unknown export format {fmt!r} (use csv or jsonl)")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, list):
        return "; ".join(a["filename"] if isinstance(a, dict) else str(a) for a in value)
    if isinstance(value, dict) and "arrival_number" in value:      # related_to
        return f"{value['arrival_number']} ({value['book']}, {value.get('kind') or ''})"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def cut(text: str, width: int) -> str:
    """`text` in at most `width` characters, cut on a word boundary with "…" when longer."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    head = text[:width - 1]
    if " " in head and text[width - 1] != " ":
        head = head.rsplit(" ", 1)[0]
    return head.rstrip(" ,;:-–") + "…"


def _who(row: dict[str, Any]) -> str:
    """Tác giả: the issuing body, else the person or business who wrote, else the address."""
    return row.get("organ_name") or row.get("sender_name") or row.get("sender") or ""


def format_table(rows: list[dict[str, Any]]) -> str:
    """The register as a clerk reads it: số đến, ngày đến, số/ký hiệu, cơ quan ban hành (or the
    person who wrote), trích yếu; void entries marked."""
    lines = [f"{'Sổ':<8} {'Số đến':>7}  {'Ngày đến':<10}  {'Số, ký hiệu':<18}  {'Cơ quan ban hành / người viết':<32}  "
             "Trích yếu / tiêu đề thư"]
    for r in rows:
        when = (r["arrival_date"] or "")[:10]
        when = f"{when[8:10]}/{when[5:7]}/{when[:4]}" if len(when) == 10 else when
        summary = r.get("subject") or r.get("email_subject") or ""
        if r.get("void"):
            summary = "[ĐÃ HỦY] " + summary
        lines.append(f"{r['book']:<8} {r['arrival_number']:>4}/{r['year'] % 100:02d}  {when:<10}  "
                     f"{cut(r.get('code') or '', 18):<18}  {cut(_who(r), 32):<32}  {cut(summary, 70)}")
    return "\n".join(lines)
