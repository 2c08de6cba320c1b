"""Backup, restore, verify-data and retention of raw messages (docs/ADMIN.md, "Backup").

A backup is a folder: `mailbot.sqlite3` (an online snapshot of the register,
consistent as of the moment it was taken, while the daemon goes on), `spool/`
(the raw message of every row in that snapshot, copied and hashed) and
`manifest.json` (the hash of every file; written last, so a backup without it
is incomplete). Spool files are named by their SHA-256 and never change, so
copying them after the snapshot is consistent: every row of the snapshot has
its file already (spool before record, invariant 3.1).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from mailbot.config import ConfigError, Rules
from mailbot.spool.store import Spool
from mailbot.store import datacheck, schema
from mailbot.util.durable import fsync_folder, write_durably

log = logging.getLogger("mailbot.runtime.datakeeping")

DB_NAME = "mailbot.sqlite3"
MANIFEST = "manifest.json"
CHUNK = 1 << 20


def _hash_copy(source: Path, target: Path) -> str:
    """Copy `source` to `target` (fsynced), returning the SHA-256 of what was copied."""
    digest = hashlib.sha256()
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(source, "rb") as src, open(target, "wb") as dst:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            dst.write(chunk)
        dst.flush()
        os.fsync(dst.fileno())
    return digest.hexdigest()


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _empty(folder: Path) -> bool:
    return not folder.exists() or (folder.is_dir() and not any(folder.iterdir()))


def backup(rules: Rules, dest: Path) -> dict[str, Any]:
    """Write a backup of the register and spool into `dest` (new or empty); returns the manifest."""
    dest = Path(dest)
    if not _empty(dest):
        raise ConfigError(dest, ["the backup folder must be new or empty; choose another"])
    if not rules.db_path.exists():
        raise ConfigError(rules.db_path, ["there is no register to back up here (storage.data_dir)"])
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    dest.mkdir(parents=True, exist_ok=True)
    schema.snapshot(rules.db_path, dest / DB_NAME)
    conn = sqlite3.connect((dest / DB_NAME).resolve().as_uri() + "?mode=ro", uri=True)   # read, never change
    try:
        raw = list(datacheck.kept_raw(conn))
        series = datacheck.counters(conn)
        version = schema.schema_version(conn)
    finally:
        conn.close()
    source, copy = Spool(rules.spool_dir), Spool(dest / "spool")
    files = []
    for sha256, size in raw:
        got = _hash_copy(source.path_for(sha256), copy.path_for(sha256))
        if got != sha256:
            raise RuntimeError(f"spool file {source.path_for(sha256)} does not match its hash: run verify-data")
        files.append({"path": str(copy.path_for(sha256).relative_to(dest)), "sha256": sha256, "size": size})
    for folder in {copy.path_for(f["sha256"]).parent for f in files} | {dest / "spool", dest}:
        fsync_folder(folder)
    manifest = {
        "format": "mailbot-backup-1", "started_at": started,
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "schema_version": version,
        "database": {"path": DB_NAME, "sha256": _hash_file(dest / DB_NAME),
                     "size": (dest / DB_NAME).stat().st_size},
        "counters": [{"book": b, "year": y, "last_number": n} for (b, y), n in sorted(series.items())],
        "spool": files,
    }
    write_durably(dest / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"))
    log.info("backup written to %s: register and %d raw message(s)", dest, len(files))
    return manifest


def check_backup(src: Path) -> tuple[dict[str, Any], list[str]]:
    """The manifest of a backup folder and what does not match it."""
    src = Path(src)
    try:
        manifest = json.loads((src / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(src, [f"not a complete mailbot backup (no readable {MANIFEST}: {exc})"]) from None
    problems = []
    for item in [manifest["database"], *manifest["spool"]]:
        path = src / item["path"]
        if not path.is_file():
            problems.append(f"{item['path']}: missing from the backup")
        elif _hash_file(path) != item["sha256"]:
            problems.append(f"{item['path']}: changed since the backup was taken (hash differs)")
    return manifest, problems


def restore(rules: Rules, src: Path) -> dict[str, Any]:
    """Put a backup into the (empty) data folder of `rules`; returns the manifest."""
    target = rules.data_dir
    if not _empty(target):
        raise ConfigError(target, ["restore only goes into an empty data folder (storage.data_dir); "
                                   "move the current one away first — nothing is overwritten"])
    manifest, problems = check_backup(src)
    if problems:
        raise ConfigError(src, problems)
    partial = target.with_name(target.name + ".restoring")
    shutil.rmtree(partial, ignore_errors=True)
    for item in [manifest["database"], *manifest["spool"]]:
        _hash_copy(Path(src) / item["path"], partial / item["path"])
    for folder in {(partial / item["path"]).parent for item in manifest["spool"]} | {partial}:
        fsync_folder(folder)
    if target.exists():
        target.rmdir()                      # empty, checked above
    os.replace(partial, target)             # all or nothing
    fsync_folder(target.parent)
    log.info("restored %s into %s", src, target)
    return manifest


@dataclass
class Verification:
    problems: list[str] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "problems": self.problems, "checked": self.checked}


def verify_data(rules: Rules) -> Verification:
    """Register integrity, every kept raw message present with its hash, số đến without gaps."""
    result = Verification()
    if not rules.db_path.exists():
        result.problems.append(f"{rules.db_path}: no register here")
        return result
    conn = schema.connect(rules.db_path)
    try:
        integrity = datacheck.integrity(conn)
        if integrity != ["ok"]:
            result.problems += [f"register: {line}" for line in integrity if line != "ok"]
        spool, files = Spool(rules.spool_dir), 0
        for sha256, _size in datacheck.kept_raw(conn):
            files += 1
            path = spool.path_for(sha256)
            if not path.is_file():
                result.problems.append(f"spool: {path} is missing")
            elif _hash_file(path) != sha256:
                result.problems.append(f"spool: {path} does not match its hash")
        result.problems += _series_problems(conn)
        result.problems += [f"entry {e}: its message is not marked processed"
                            for e in datacheck.entries_without_decided_message(conn)]
        result.checked = {"spool_files": files, "entries": sum(1 for _ in datacheck.numbers(conn))}
    finally:
        conn.conn.close()
    return result


def _series_problems(conn) -> list[str]:
    problems, last = [], {}
    expected: dict[tuple[str, int], int] = {}
    for book, year, number in datacheck.numbers(conn):
        want = expected.get((book, year), 1)
        if number > want:              # (book, year, số đến) is UNIQUE: only gaps can happen
            problems.append(f"book {book} {year}: số đến {want}–{number - 1} missing")
        expected[(book, year)] = number + 1
        last[(book, year)] = number
    for key, issued in datacheck.counters(conn).items():
        if issued != last.get(key, 0):
            problems.append(f"book {key[0]} {key[1]}: the counter says {issued} numbers were given, "
                            f"the register holds {last.get(key, 0)}")
    return problems


def remove_old_raw(rules: Rules, conn, now: datetime | None = None) -> int:
    """Retention (storage.keep_raw_days): remove raw messages nothing waits for; returns how many."""
    days = rules.storage.keep_raw_days
    if not days:
        return 0
    before = ((now or datetime.now(timezone.utc)) - timedelta(days=days)).isoformat(timespec="seconds")
    spool, removed = Spool(rules.spool_dir), 0
    for message, sha256 in datacheck.raw_removable(conn, before):
        with schema.transaction(conn):
            datacheck.mark_raw_removed(conn, message, schema.now_utc())
        spool.path_for(sha256).unlink(missing_ok=True)   # after the commit: a crash leaves a file, not a hole
        removed += 1
    if removed:
        log.info("retention: removed %d raw message(s) older than %d days", removed, days)
    return removed
