"""Datasette metadata and settings for the register, generated from rules.yaml.

Titles and labels are Vietnamese (the readers are leaders and clerks); only `entries` and
`books` are published as tables — everything else (spool paths, audit, notice bodies, IMAP
state, OCR jobs) is refused by the permission hook in `plugin.py`, not merely hidden.
"""

from __future__ import annotations

from typing import Any

from mailbot.config import Rules
from mailbot.register.listing import VIETNAMESE_HEADINGS
from mailbot.store.web import CANNED, CLERK_ONLY

DATABASE = "register"
PUBLIC_TABLES = frozenset({"entries", "books"})

# Column labels beyond the export's headings (columns of the table itself).
LABELS = {
    **VIETNAMESE_HEADINGS,
    "id": "Mã", "year": "Năm", "message": "Thư", "field_sources": "Nguồn dữ liệu", "field": "Lĩnh vực",
    "recipient_unit": "Đơn vị hoặc người nhận", "due_date": "Hạn giải quyết", "storage_place": "Nơi lưu",
    "notes": "Ghi chú", "route": "Luồng chuyển", "search_text": "Văn bản tìm kiếm", "created_at": "Ngày tạo",
    "email_subject": "Tiêu đề thư", "name": "Tên sổ",
}

FACETS = ["book", "year", "type_name", "organ_name", "decision", "paper_copy_required", "paper_received",
          "signature_verdict", "recipient_unit"]

SETTINGS = {
    "default_allow_sql": False,      # no SQL editor for anyone; _where= needs it too
    "allow_download": False,         # the whole file would carry notice bodies and spool paths
    "allow_csv_stream": True,
    "default_page_size": 50,
    "max_returned_rows": 1000,
    "sql_time_limit_ms": 3000,
    "suggest_facets": False,
}


def label(column: str) -> str:
    return LABELS.get(column, column)


def build_metadata(rules: Rules) -> dict[str, Any]:
    office = rules.office.name
    queries = {
        name: {"title": title, "description": description, "sql": sql,
               **({"allow": {"role": "clerk"}} if name in CLERK_ONLY else {})}
        for name, (title, description, sql) in CANNED.items()
    }
    return {
        "title": f"{office} — Sổ đăng ký văn bản đến",
        "description": "Tra cứu sổ đăng ký văn bản đến (chỉ đọc). Tìm kiếm không cần dấu: "
                       "“dong nai” tìm được “Đồng Nai”.",
        "allow_sql": False,
        "databases": {
            DATABASE: {
                "title": f"Sổ văn bản đến — {office}",
                "allow_sql": False,
                "queries": queries,
                "tables": {
                    "entries": {
                        "title": "Văn bản đến",
                        "description": "Mỗi dòng là một văn bản đã vào sổ (Nghị định 30/2020, Phụ lục VI).",
                        "sort_desc": "id",
                        "facets": FACETS,
                        "fts_table": "entries_fts",
                        "fts_pk": "id",
                        "label_column": "subject",
                    },
                    "books": {"title": "Sổ đăng ký", "label_column": "name"},
                },
            }
        },
    }
