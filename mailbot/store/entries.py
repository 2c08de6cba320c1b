"""The register: `books`, their yearly `counters`, `entries` (with the FTS5 index kept by
triggers), and each message's `attachments` and their `signatures`.

Nothing here deletes or renumbers an entry (docs/DESIGN.md §3.6): after registration an
entry changes only by its notes, `paper_received`, and fields filled by OCR.
"""

from __future__ import annotations

from typing import Any

from mailbot.store.schema import Connection, dict_row, dict_rows, now_utc

# The register read back with where its message is spooled.
_ENTRY_SELECT = "SELECT e.*, m.spool_path FROM entries e JOIN messages m ON m.id = e.message"


# -- books and numbers ----------------------------------------------------------------

def save_book(conn: Connection, book: str, name: str) -> None:
    """A register book as configured (its name updated when the configuration renames it)."""
    conn.execute("INSERT INTO books(id, name) VALUES (?, ?) "
                 "ON CONFLICT(id) DO UPDATE SET name = excluded.name", (book, name))


def next_number(conn: Connection, book: str, year: int) -> int:
    """Take the next số đến of a book for a year. Call inside a write transaction."""
    conn.execute(
        "INSERT INTO counters(book, year, last_number) VALUES (?, ?, 1) "
        "ON CONFLICT(book, year) DO UPDATE SET last_number = last_number + 1",
        (book, year),
    )
    (number,) = conn.execute("SELECT last_number FROM counters WHERE book = ? AND year = ?",
                             (book, year)).fetchone()
    return number


# -- writing --------------------------------------------------------------------------

def insert_entry(conn: Connection, **columns: Any) -> int:
    """A new entry (every column named below, by keyword); its id. `created_at` is now."""
    cur = conn.execute(
        "INSERT INTO entries(book, year, arrival_number, arrival_date, delivered_at, message, mailbox, "
        "message_id, sender, email_subject, code, code_number, code_notation, type_name, organ_name, "
        "parent_organ, place, issued_date, subject, urgency, secrecy, signer_name, signer_position, "
        "signer_competence, signer_title, to_places, page_amount, decision, paper_copy_required, "
        "signature_verdict, route, recipient_unit, due_date, search_text, field_sources, created_at, "
        "sender_class, sender_name, sender_address, addressee) "
        "VALUES (:book, :year, :arrival_number, :arrival_date, :delivered_at, :message, :mailbox, "
        ":message_id, :sender, :email_subject, :code, :code_number, :code_notation, :type_name, :organ_name, "
        ":parent_organ, :place, :issued_date, :subject, :urgency, :secrecy, :signer_name, :signer_position, "
        ":signer_competence, :signer_title, :to_places, :page_amount, :decision, :paper_copy_required, "
        ":signature_verdict, :route, :recipient_unit, :due_date, :search_text, :field_sources, :created_at, "
        ":sender_class, :sender_name, :sender_address, :addressee)",
        {"sender_class": None, "sender_name": None, "sender_address": None, "addressee": None,
         **columns, "created_at": now_utc()},
    )
    return cur.lastrowid


def insert_attachment(conn: Connection, **columns: Any) -> int:
    """One file of a message (every column named below, by keyword); its id."""
    cur = conn.execute(
        "INSERT INTO attachments(message, position, filename, original_filename, declared_type, "
        "format, mime, size, sha256, pages, allowed, reason_code, reason_vi, flags) "
        "VALUES (:message, :position, :filename, :original_filename, :declared_type, "
        ":format, :mime, :size, :sha256, :pages, :allowed, :reason_code, :reason_vi, :flags)",
        columns,
    )
    return cur.lastrowid


def insert_signature(conn: Connection, **columns: Any) -> None:
    """One PDF signature found in an attachment (every column named below, by keyword)."""
    conn.execute(
        "INSERT INTO signatures(attachment, field, signer, signer_org, serial, issuer, verdict, "
        "intact, trusted, modified_after_signing, signing_time, timestamp_time, reasons_vi) "
        "VALUES (:attachment, :field, :signer, :signer_org, :serial, :issuer, :verdict, "
        ":intact, :trusted, :modified_after_signing, :signing_time, :timestamp_time, :reasons_vi)",
        columns,
    )


def link(conn: Connection, entry: int, related_to: int, kind: str) -> None:
    """Entry `entry` is a corrected version of, or a reply about, entry `related_to`."""
    conn.execute("UPDATE entries SET related_to = ?, related_kind = ? WHERE id = ?", (related_to, kind, entry))


def set_notes(conn: Connection, entry: int, notes: str) -> None:
    conn.execute("UPDATE entries SET notes = ? WHERE id = ?", (notes, entry))


def mark_paper_received(conn: Connection, entry: int, at: str | None = None, by: str | None = None) -> bool:
    """The paper original has come (`at`, default now; `by` whom it was received); False when
    it was recorded already."""
    return conn.execute("UPDATE entries SET paper_received = 1, paper_received_at = ?, paper_received_by = ? "
                        "WHERE id = ? AND paper_received = 0", (at or now_utc(), by, entry)).rowcount == 1


def mark_done(conn: Connection, entry: int) -> bool:
    """The document has been dealt with (now); False when it was marked already."""
    return conn.execute("UPDATE entries SET done_at = ? WHERE id = ? AND done_at IS NULL",
                        (now_utc(), entry)).rowcount == 1


def forget_attachments(conn: Connection, message: int) -> None:
    """Drop a held message's files and signatures as an earlier inspection found them, before
    the new inspection's are written (an entry is never touched here)."""
    conn.execute("DELETE FROM signatures WHERE attachment IN (SELECT id FROM attachments WHERE message = ?)",
                 (message,))
    conn.execute("DELETE FROM attachments WHERE message = ?", (message,))


def unmark_paper_received(conn: Connection, entry: int) -> None:
    conn.execute("UPDATE entries SET paper_received = 0, paper_received_at = NULL, paper_received_by = NULL "
                 "WHERE id = ?", (entry,))


# Columns a clerk may correct by hand (`mailbot register edit`); never the number, the book,
# the dates of arrival or what was received.
EDITABLE = ("code", "code_number", "code_notation", "type_name", "organ_name", "parent_organ", "place",
            "issued_date", "subject", "urgency", "secrecy", "signer_name", "signer_position",
            "signer_competence", "signer_title", "page_amount", "sender_name", "sender_address",
            "addressee", "sender_class", "recipient_unit", "due_date", "notes")


def update_fields(conn: Connection, entry: int, fields: dict[str, Any], search_text: str) -> None:
    """Corrected values written into an entry, with its new search text."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    sets = "".join(f"{name} = ?, " for name in fields)
    conn.execute(f"UPDATE entries SET {sets}search_text = ? WHERE id = ?", (*fields.values(), search_text, entry))


def set_void(conn: Connection, entry: int, reason: str) -> None:
    """Marked void: the number stays taken (never reused), the entry stays in the register."""
    conn.execute("UPDATE entries SET void = 1, void_reason = ? WHERE id = ?", (reason, entry))


def fill_fields(conn: Connection, entry: int, fields: dict[str, Any], *, field_sources: str,
                paper_copy_required: bool, search_text: str) -> None:
    """Fields read later (OCR) written into an entry, with where they came from (JSON), the
    paper-copy decision they lead to and the search text that now includes them."""
    if not all(name.isidentifier() for name in fields):
        raise ValueError(f"not column names: {sorted(fields)}")
    sets = "".join(f"{name} = ?, " for name in fields)
    conn.execute(f"UPDATE entries SET {sets}field_sources = ?, paper_copy_required = ?, search_text = ? "
                 "WHERE id = ?",
                 (*fields.values(), field_sources, int(paper_copy_required), search_text, entry))


# -- reading --------------------------------------------------------------------------

def load(conn: Connection, entry: int) -> dict[str, Any] | None:
    """Every column of one entry, or None."""
    return dict_row(conn, "SELECT * FROM entries WHERE id = ?", (entry,))


def of_message(conn: Connection, message: int) -> dict[str, Any] | None:
    """The entry a message was registered as, or None."""
    return dict_row(conn, "SELECT * FROM entries WHERE message = ?", (message,))


def number_of(conn: Connection, entry: int) -> tuple[str, int, int]:
    """(book, year, số đến) of an entry."""
    return tuple(conn.execute("SELECT book, year, arrival_number FROM entries WHERE id = ?",
                              (entry,)).fetchone())


def registered_with_files(conn: Connection, sha256s: list[str], *, other_than_message: int) -> int | None:
    """The earliest entry (not void) whose message carried every one of these files, byte for
    byte, in an allowed format: the same document sent again."""
    if not sha256s:
        return None
    marks = ", ".join("?" for _ in sha256s)
    row = conn.execute(
        "SELECT e.id FROM entries e JOIN attachments a ON a.message = e.message "
        f"WHERE a.allowed = 1 AND a.sha256 IN ({marks}) AND e.void = 0 AND e.message != ? "
        "GROUP BY e.id HAVING COUNT(DISTINCT a.sha256) = ? ORDER BY e.id LIMIT 1",
        (*sha256s, other_than_message, len(set(sha256s)))).fetchone()
    return row[0] if row else None


def replied_to(conn: Connection, message_ids: list[str]) -> int | None:
    """The entry a message replies to: one whose own Message-ID, or the Message-ID of one of
    our notices about it, is among `message_ids` (the latest named wins)."""
    for mid in reversed(message_ids):
        row = conn.execute(
            "SELECT id FROM entries WHERE message_id = ? AND void = 0 UNION ALL "
            "SELECT e.id FROM outbox o JOIN entries e ON e.message = o.message WHERE o.message_id = ? "
            "LIMIT 1", (mid, mid)).fetchone()
        if row:
            return row[0]
    return None


def same_document(conn: Connection, code_number: str, code_notation: str, organ_name: str,
                  other_than: int) -> int | None:
    """The first entry other than `other_than` with this number, notation and issuer."""
    row = conn.execute(
        "SELECT id FROM entries WHERE code_number = ? AND code_notation = ? AND organ_name = ? AND id != ? "
        "ORDER BY id LIMIT 1",
        (code_number, code_notation, organ_name, other_than)).fetchone()
    return row[0] if row else None


def listed(conn: Connection, *, book: str | None = None, year: int | None = None,
           limit: int | None = None, newest_first: bool = False) -> list[dict[str, Any]]:
    """Entries in register order (book, year, số đến), or the latest registered first,
    optionally of one book and/or year."""
    where, params = [], []
    if book:
        where.append("e.book = ?")
        params.append(book)
    if year:
        where.append("e.year = ?")
        params.append(year)
    sql = _ENTRY_SELECT + (" WHERE " + " AND ".join(where) if where else "")
    sql += " ORDER BY e.id DESC" if newest_first else " ORDER BY e.book, e.year, e.arrival_number"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return dict_rows(conn, sql, tuple(params))


def by_number(conn: Connection, number: int, *, book: str | None = None,
              year: int | None = None) -> dict[str, Any] | None:
    """The entry with this số đến (in this book and year when given; else the latest year's)."""
    sql = _ENTRY_SELECT + " WHERE e.arrival_number = ?"
    params: list[Any] = [number]
    if book:
        sql += " AND e.book = ?"
        params.append(book)
    if year:
        sql += " AND e.year = ?"
        params.append(year)
    return dict_row(conn, sql + " ORDER BY e.year DESC LIMIT 1", tuple(params))


def search(conn: Connection, words: list[str], limit: int) -> list[dict[str, Any]]:
    """Entries whose folded search text has every word, the last one as a prefix; newest first.
    `words` are folded already (no diacritics, đ→d, lower case) and not empty."""
    query = " ".join([f'"{w}"' for w in words[:-1]] + [f'"{words[-1]}"*'])
    # LIMIT inside the index query: a common phrase must not load every match.
    sql = (_ENTRY_SELECT + " WHERE e.id IN (SELECT rowid FROM entries_fts WHERE entries_fts MATCH ? "
           "ORDER BY rowid DESC LIMIT ?) ORDER BY e.id DESC")
    return dict_rows(conn, sql, (query, int(limit)))


def attachments_of(conn: Connection, message: int) -> list[dict[str, Any]]:
    """The files of a message, in their order."""
    return dict_rows(conn, "SELECT filename, format, sha256, size, pages, allowed, reason_code FROM attachments "
                           "WHERE message = ? ORDER BY position", (message,))


def attachment_format(conn: Connection, message: int, position: int) -> str | None:
    """The format found for the file at `position` (from 1) of a message."""
    (fmt,) = conn.execute("SELECT format FROM attachments WHERE message = ? AND position = ?",
                          (message, position)).fetchone()
    return fmt
