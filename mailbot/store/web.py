"""What the read-only web view (`mailbot web`, mailbot/web/) reads: its canned queries and the
details of one entry's page. Nothing here writes; the web view's connections are read-only.

The canned queries call `mailbot_today()`, `mailbot_week_start()` and `mailbot_quarter_start()`
(dates `YYYY-MM-DD` in the office time zone), which the web view registers on its connections;
`arrival_date` is stored with the office offset, so its first ten characters are the office date.
"""

from __future__ import annotations

from typing import Any

from mailbot.store.schema import Connection, dict_row, dict_rows

# The register's columns as the canned queries show them (Vietnamese headings, NĐ 30 Phụ lục VI).
_LIST = ('SELECT e.id AS "Mã", e.book AS "Sổ", e.arrival_number AS "Số đến", '
         'substr(e.arrival_date, 1, 16) AS "Ngày đến", e.code AS "Số, ký hiệu", e.type_name AS "Tên loại", '
         'e.organ_name AS "Tác giả", e.subject AS "Trích yếu nội dung", e.urgency AS "Mức độ khẩn", '
         'e.recipient_unit AS "Đơn vị hoặc người nhận", e.due_date AS "Hạn giải quyết" FROM entries e ')

# name → (title, description, SQL). Row links: the column "Mã" is the entry's id.
CANNED: dict[str, tuple[str, str, str]] = {
    "hom-nay": ("Văn bản đến hôm nay", "Các văn bản vào sổ trong ngày hôm nay.",
                _LIST + "WHERE substr(e.arrival_date, 1, 10) = mailbot_today() "
                        "ORDER BY e.book, e.year, e.arrival_number"),
    "tuan-nay": ("Văn bản đến tuần này", "Từ thứ Hai của tuần này.",
                 _LIST + "WHERE substr(e.arrival_date, 1, 10) >= mailbot_week_start() "
                         "ORDER BY e.book, e.year, e.arrival_number"),
    "cho-ban-giay": ("Đang chờ bản giấy", "Văn bản phải gửi bản giấy (QĐ 57/2014 Điều 8) mà chưa nhận được.",
                     _LIST + "WHERE e.paper_copy_required = 1 AND e.paper_received = 0 "
                             "ORDER BY e.arrival_date"),
    "qua-han": ("Quá hạn giải quyết", "Văn bản có hạn giải quyết (theo luồng chuyển) đã qua.",
                _LIST + "WHERE e.due_date IS NOT NULL AND e.due_date < mailbot_today() ORDER BY e.due_date"),
    "giu-lai": ("Thư đang giữ lại để xem xét",
                "Thư chưa vào sổ, chờ văn thư xem xét hoặc cách ly. Không hiển thị nội dung.",
                'SELECT m.id AS "Thư", substr(m.delivered_at, 1, 16) AS "Thời điểm nhận thư", '
                'm.mailbox AS "Hộp thư", m.envelope_from AS "Người gửi", '
                "CASE m.decision WHEN 'review' THEN 'Cần xem xét' ELSE 'Cách ly' END AS \"Tình trạng\", "
                "(SELECT group_concat(json_extract(r.value, '$.message_vi'), ' ') "
                " FROM json_each(m.report, '$.reasons') r) AS \"Lý do\" "
                "FROM messages m WHERE m.state = 'processed' AND m.decision IN ('review', 'quarantine') "
                "ORDER BY m.delivered_at DESC"),
    "so-lieu-quy": ("Số liệu quý này", "Số văn bản đến trong quý, theo sổ, loại và tình trạng.",
                    'SELECT \'Tổng số văn bản vào sổ\' AS "Chỉ tiêu", count(*) AS "Số lượng" FROM entries '
                    "WHERE substr(arrival_date, 1, 10) >= mailbot_quarter_start() "
                    "UNION ALL SELECT 'Có chữ ký số tin cậy', count(*) FROM entries "
                    "WHERE substr(arrival_date, 1, 10) >= mailbot_quarter_start() "
                    "AND signature_verdict = 'trusted-signed' "
                    "UNION ALL SELECT 'Phải gửi bản giấy', count(*) FROM entries "
                    "WHERE substr(arrival_date, 1, 10) >= mailbot_quarter_start() AND paper_copy_required = 1 "
                    "UNION ALL SELECT 'Đã nhận bản giấy', count(*) FROM entries "
                    "WHERE substr(arrival_date, 1, 10) >= mailbot_quarter_start() AND paper_received = 1 "
                    "UNION ALL SELECT * FROM (SELECT 'Sổ ' || coalesce(b.name, e.book), count(*) "
                    "FROM entries e LEFT JOIN books b ON b.id = e.book "
                    "WHERE substr(e.arrival_date, 1, 10) >= mailbot_quarter_start() GROUP BY e.book ORDER BY e.book) "
                    "UNION ALL SELECT * FROM (SELECT 'Loại: ' || coalesce(type_name, '(chưa rõ)'), count(*) "
                    "FROM entries WHERE substr(arrival_date, 1, 10) >= mailbot_quarter_start() "
                    "GROUP BY type_name ORDER BY count(*) DESC) "
                    "UNION ALL SELECT 'Thư bị từ chối', count(*) FROM messages "
                    "WHERE decision = 'refuse' AND substr(delivered_at, 1, 10) >= mailbot_quarter_start() "
                    "UNION ALL SELECT 'Thư giữ lại để xem xét hoặc cách ly', count(*) FROM messages "
                    "WHERE decision IN ('review', 'quarantine') "
                    "AND substr(delivered_at, 1, 10) >= mailbot_quarter_start()"),
}
# Only clerks see held messages (they may carry what a leader must not read yet).
CLERK_ONLY = frozenset({"giu-lai"})


def refuse_writes(conn: Connection) -> None:
    """Make a connection refuse every write, beyond its read-only open (belt and braces)."""
    conn.execute("PRAGMA query_only = 1")


def entry_page(conn: Connection, entry: int) -> dict[str, Any] | None:
    """One entry with its message's decision, for the entry page; None when there is none."""
    return dict_row(conn, "SELECT e.*, m.decision AS message_decision FROM entries e "
                          "JOIN messages m ON m.id = e.message WHERE e.id = ?", (entry,))


def entry_files(conn: Connection, entry: int) -> list[dict[str, Any]]:
    """The files of an entry's message, in order, with their format outcome."""
    return dict_rows(conn, "SELECT a.id, a.position, a.filename, a.format, a.mime, a.size, a.sha256, a.pages, "
                           "a.allowed, a.reason_vi FROM attachments a JOIN entries e ON e.message = a.message "
                           "WHERE e.id = ? ORDER BY a.position", (entry,))


def entry_signatures(conn: Connection, entry: int) -> list[dict[str, Any]]:
    """The PDF signatures found in an entry's files."""
    return dict_rows(conn, "SELECT a.filename, s.signer, s.signer_org, s.verdict, s.trusted, s.intact, "
                           "s.signing_time, s.timestamp_time, s.reasons_vi FROM signatures s "
                           "JOIN attachments a ON a.id = s.attachment JOIN entries e ON e.message = a.message "
                           "WHERE e.id = ? ORDER BY a.position, s.id", (entry,))


def entry_notices(conn: Connection, entry: int) -> list[dict[str, Any]]:
    """The notices queued for an entry's message (never their bodies)."""
    return dict_rows(conn, "SELECT o.kind, o.recipient, o.subject, o.state, o.created_at, o.sent_at "
                           "FROM outbox o JOIN entries e ON e.message = o.message WHERE e.id = ? "
                           "ORDER BY o.id", (entry,))


def downloadable_file(conn: Connection, entry: int, sha256: str) -> dict[str, Any] | None:
    """An allowed file of an accepted, unstamped entry, with where its message is spooled; None
    when the entry does not exist, is secret, was not accepted, or has no such allowed file."""
    return dict_row(conn, "SELECT a.filename, a.mime, a.sha256, a.size, m.spool_path FROM entries e "
                          "JOIN messages m ON m.id = e.message JOIN attachments a ON a.message = e.message "
                          "WHERE e.id = ? AND a.sha256 = ? AND a.allowed = 1 AND m.decision = 'accept' "
                          "AND (e.secrecy IS NULL OR e.secrecy = '') LIMIT 1", (entry, sha256))
