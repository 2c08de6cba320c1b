"""Schema versions: a register written by 0.1 opens, is migrated once, and keeps everything.

The legacy register is built by tests/support/legacy_register.py from a frozen copy of the
0.1 DDL (docs/DESIGN.md §10, a schema change).
"""

from __future__ import annotations

import hashlib
import inspect
import multiprocessing
import re
import sqlite3
import threading
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mailbot.dispatch.retry import outbox_summary
from mailbot.model import Decision, MessageReport, NoticePlan, Reason
from mailbot.register.apply import Notice, apply, ensure_books
from mailbot.register.listing import entry_json, find_entry, search_entries
from mailbot.store import imap, messages, schema
from tests.support.legacy_register import V0_TABLES, build_legacy_register

VN = ZoneInfo("Asia/Ho_Chi_Minh")

# Every migration that has shipped, in order, with the SHA-256 of its source. A shipped
# migration is never edited, renamed, removed or reordered: registers in the field have run it.
SHIPPED = (
    ("_v1_outbox_pacing", "9c91db2b9cae0d254ca7bdd7115e2dd35b9f7dbe74cdeef7072df1effed76430"),
)


def _raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(str(path), isolation_level=None)


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]


def _contents(conn: sqlite3.Connection, columns: dict[str, list[str]]) -> dict[str, list[tuple]]:
    """Every row of the given tables, only the given columns, in rowid order."""
    return {table: conn.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY rowid").fetchall()
            for table, cols in columns.items()}


def _shape(conn: sqlite3.Connection) -> dict:
    """Tables with their columns, indexes with theirs and their condition, triggers by name."""
    shape: dict = {}
    for kind, name, table, sql in conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master "
                                               "WHERE name NOT LIKE 'sqlite_%' ORDER BY name"):
        if kind == "table":
            shape[name] = [tuple(row[1:]) for row in conn.execute(f"PRAGMA table_info({name})")]
        elif kind == "index":
            partial = sql.split(" WHERE ", 1)[1].strip() if sql and " WHERE " in sql else None
            shape[name] = (table, [row[2] for row in conn.execute(f"PRAGMA index_info({name})")], partial)
        else:
            shape[name] = (kind, table)
    return shape


@pytest.fixture
def legacy(tmp_path):
    return build_legacy_register(tmp_path / "mailbot.sqlite3")


def test_the_legacy_register_is_as_0_1_left_it(legacy):
    conn = _raw(legacy.path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 0
    assert "scheduled_at" not in _columns(conn, "outbox")
    assert conn.execute("SELECT count(*) FROM entries").fetchone()[0] == len(legacy.entries) == 6
    assert {y for _, y, _ in legacy.entries} == {2025, 2026}


def test_a_legacy_register_is_migrated_and_keeps_every_row(legacy):
    before = _raw(legacy.path)
    v0_columns = {table: _columns(before, table) for table in V0_TABLES}
    rows = _contents(before, v0_columns)
    before.close()

    db = schema.connect(legacy.path)
    assert schema.schema_version(db.conn) == schema.SCHEMA_VERSION
    after = _contents(db.conn, v0_columns)
    for table in V0_TABLES:
        if table == "meta":
            continue
        assert after[table] == rows[table], table
    meta = dict(after["meta"])
    assert meta == {**dict(rows["meta"]), "schema_version": str(schema.SCHEMA_VERSION)}
    # The columns version 1 added, empty on the notices 0.1 queued.
    assert db.execute("SELECT count(*) FROM outbox WHERE scheduled_at IS NULL AND compose IS NULL").fetchone()[0] \
        == len(rows["outbox"])
    db.conn.close()


def test_a_migrated_register_has_the_shape_of_a_new_one(legacy, tmp_path):
    old = schema.connect(legacy.path)
    new = schema.connect(tmp_path / "new.sqlite3")
    for db in (old, new):
        imap.ensure_schema(db)
    assert _shape(old.conn) == _shape(new.conn)
    assert schema.schema_version(old.conn) == schema.schema_version(new.conn)


def test_after_the_upgrade_the_register_goes_on(legacy):
    db = schema.connect(legacy.path)
    ensure_books(db, [("den", "Sổ văn bản đến"), ("mat", "Sổ văn bản mật đến")])

    # The next số đến continues each book's series of the year; a new year starts at 1.
    def register(n: int, book: str, at: datetime) -> int:
        message = db.execute(
            "INSERT INTO messages(sha256, size, spool_path, source, mailbox, delivered_at, spooled_at, message_id) "
            "VALUES (?, 1, 'x', 'file', 'ubnd', ?, ?, ?)",
            (f"{1000 + n:064x}", at.isoformat(), at.isoformat(), f"<new{n}@x>")).lastrowid
        report = MessageReport(sha256=f"{1000 + n:064x}", size=1, readable=True, message_id=f"<new{n}@x>",
                               sender="a@b.gov.vn")
        decision = Decision("accept", (Reason("accepted", "vi", "en"),), (NoticePlan("receipt", "a@b.gov.vn"),),
                            book=book)
        receipt = [Notice("receipt", "a@b.gov.vn", "Số đến", f"<r{n}@x>", b"raw")]
        return apply(db, message, report, decision, at, lambda reg: receipt).arrival_number

    assert register(1, "den", datetime(2026, 1, 7, 9, 0, tzinfo=VN)) == legacy.last_numbers[("den", 2026)] + 1
    assert register(2, "mat", datetime(2026, 1, 7, 9, 5, tzinfo=VN)) == legacy.last_numbers[("mat", 2026)] + 1
    assert register(3, "den", datetime(2027, 1, 4, 8, 0, tzinfo=VN)) == 1

    # The old entries read, search and export as new ones do.
    assert [r["arrival_number"] for r in search_entries(db, "quyet dinh giao")] == [2, 1]
    first = entry_json(db, find_entry(db, 1, book="den", year=2025))
    assert (first["book"], first["arrival_number"], first["code"]) == ("den", 1, "1520/STC-QLNS")
    assert [a["filename"] for a in first["attachments"]] == ["1520-STC-QLNS.pdf"]

    # The notices 0.1 queued keep their state; none counts as deferred under the new cap.
    summary = outbox_summary(db)
    assert (summary["sent"], summary["pending"], summary["failed"], summary["deferred"]) == \
        (legacy.outbox_states["sent"], legacy.outbox_states["pending"] + 3, legacy.outbox_states["failed"], 0)

    # The message 0.1 had not processed yet is still waiting, and so is its IMAP source.
    assert messages.pending_ids(db) == [legacy.pending_message]
    folder = imap.FolderState(db, "ubnd", "INBOX")
    assert folder.known() == (1700000000, 103)
    assert folder.waiting_to_move(1700000000) == [(103, legacy.pending_message)]
    db.conn.close()


def test_connecting_again_changes_nothing(legacy):
    schema.connect(legacy.path).conn.close()
    before = _raw(legacy.path)
    dump = list(before.iterdump())
    before.close()

    db = schema.connect(legacy.path)
    assert db.conn.total_changes == 0
    assert list(db.conn.iterdump()) == dump
    db.conn.close()


def test_a_register_newer_than_the_code_is_refused(legacy):
    schema.connect(legacy.path).conn.close()
    conn = _raw(legacy.path)
    conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
    dump = list(conn.iterdump())
    conn.close()

    expected = (rf"{re.escape(str(legacy.path))} is at schema version {schema.SCHEMA_VERSION + 1}, "
                r"newer than this mailbot .*: upgrade mailbot")
    with pytest.raises(schema.SchemaTooNew, match=expected):
        schema.connect(legacy.path)
    conn = _raw(legacy.path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION + 1
    assert list(conn.iterdump()) == dump
    conn.close()


def _all_see_the_old_version_first(module, barrier) -> None:
    """Make the first version check of each connection wait until every connection has made it,
    so all of them find the register unmigrated before any takes the write lock: the race."""
    check, seen = module.schema_version, threading.local()

    def schema_version(conn):
        version = check(conn)
        if not getattr(seen, "once", False):
            seen.once = True
            barrier.wait(60)
        return version

    module.schema_version = schema_version


def _count_steps(module, record) -> None:
    def counted(step):
        def run(conn):
            record(step.__name__)
            step(conn)
        return run

    module.MIGRATIONS = tuple(counted(step) for step in module.MIGRATIONS)


def _version(path: Path) -> int:
    return _raw(path).execute("PRAGMA user_version").fetchone()[0]


def test_threads_connecting_at_once_migrate_once(legacy, monkeypatch):
    monkeypatch.setattr(schema, "schema_version", schema.schema_version)   # both put back afterwards
    monkeypatch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS)
    names = [step.__name__ for step in schema.MIGRATIONS]
    runs: list[str] = []
    _count_steps(schema, runs.append)
    _all_see_the_old_version_first(schema, threading.Barrier(4))
    errors: list[BaseException] = []

    def open_it():
        try:
            schema.connect(legacy.path).conn.close()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert runs == names
    assert _version(legacy.path) == schema.SCHEMA_VERSION


def _connect_counting(path: str, log: str, barrier) -> None:
    """In a child process: connect, appending each migration step run to `log`."""
    from mailbot.store import schema as child_schema

    def record(name: str) -> None:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(name + "\n")

    _count_steps(child_schema, record)
    _all_see_the_old_version_first(child_schema, barrier)
    child_schema.connect(path).conn.close()


def test_processes_connecting_at_once_migrate_once(legacy, tmp_path):
    ctx = multiprocessing.get_context("spawn")
    log = tmp_path / "steps.log"
    barrier = ctx.Barrier(3)
    children = [ctx.Process(target=_connect_counting, args=(str(legacy.path), str(log), barrier))
                for _ in range(3)]
    for child in children:
        child.start()
    for child in children:
        child.join(120)
    assert [child.exitcode for child in children] == [0, 0, 0]
    assert log.read_text(encoding="utf-8").split() == [step.__name__ for step in schema.MIGRATIONS]
    assert _version(legacy.path) == schema.SCHEMA_VERSION


def test_shipped_migrations_are_never_edited():
    """Append only: a migration that has shipped keeps its place, its name and its source."""
    assert schema.SCHEMA_VERSION == len(schema.MIGRATIONS) >= len(SHIPPED)
    for step, (name, digest) in zip(schema.MIGRATIONS, SHIPPED):
        assert step.__name__ == name
        assert hashlib.sha256(inspect.getsource(step).encode()).hexdigest() == digest, \
            f"{name} has shipped: write a new migration instead of editing it"


def test_an_upgrade_keeps_the_register_as_it_was_beside_it(legacy, tmp_path):
    """The automatic pre-upgrade backup: the old register, whole, which the old code still opens."""
    before = _raw(legacy.path)
    v0_columns = {table: _columns(before, table) for table in V0_TABLES}
    rows = _contents(before, v0_columns)
    before.close()

    schema.connect(legacy.path).conn.close()
    (copy,) = (legacy.path.parent / "backups").glob("pre-upgrade-v0-to-v*.sqlite3")
    kept = _raw(copy)
    try:
        assert schema.schema_version(kept) == 0
        assert _contents(kept, v0_columns) == rows
        assert kept.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        kept.close()
    schema.connect(legacy.path).conn.close()          # already upgraded: no second copy
    assert len(list((legacy.path.parent / "backups").iterdir())) == 1
    schema.connect(tmp_path / "new" / "mailbot.sqlite3").conn.close()   # a new register: nothing to keep
    assert not (tmp_path / "new" / "backups").exists()
