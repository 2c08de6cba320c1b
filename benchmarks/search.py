"""The register: a synthetic register of 100k / 1M entries in mailbot's schema, mailbot's
search on it beside the old LIKE search and an FTS5 prototype, and số đến + entry commits."""

from __future__ import annotations

import random
import re
import statistics
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from benchmarks.common import MTA, OFFICE, log, pct
from benchmarks.harness import Ctx


PROVINCES = ["Đồng Nai", "Đà Nẵng", "Đắk Lắk", "Đắk Nông", "Điện Biên", "Đồng Tháp", "Quảng Ngãi", "Quảng Nam",
             "Bình Định", "Kon Tum", "Gia Lai", "Phú Yên", "Khánh Hòa", "Hà Nội", "Hải Phòng", "Cần Thơ",
             "Thừa Thiên Huế", "Nghệ An", "Thanh Hóa", "Lâm Đồng", "Bà Rịa - Vũng Tàu", "An Giang"]
DISTRICTS = ["Bình Sơn", "Sơn Tịnh", "Tư Nghĩa", "Nghĩa Hành", "Mộ Đức", "Đức Phổ", "Ba Tơ", "Minh Long",
             "Sơn Hà", "Sơn Tây", "Trà Bồng", "Lý Sơn"]
ORGANS = ["Sở Tài chính", "Sở Y tế", "Sở Giáo dục và Đào tạo", "Sở Tài nguyên và Môi trường", "Sở Nội vụ",
          "Sở Kế hoạch và Đầu tư", "Sở Xây dựng", "Sở Giao thông vận tải", "Công an tỉnh", "Thanh tra tỉnh",
          "Bộ Nội vụ", "Văn phòng Chính phủ", "Bộ Tài chính", "Kho bạc Nhà nước"]
TYPES = [("Công văn", ""), ("Quyết định", "QĐ"), ("Tờ trình", "TTr"), ("Báo cáo", "BC"), ("Kế hoạch", "KH"),
         ("Giấy mời", "GM"), ("Thông báo", "TB"), ("Chỉ thị", "CT")]
SUBJECTS = [
    "về việc tăng cường công tác quản lý đất đai tại {p}",
    "phê duyệt dự toán ngân sách năm {y} của huyện {d}",
    "về việc giao đất cho hộ gia đình, cá nhân tại xã {d}",
    "triển khai công tác phòng, chống dịch bệnh trên địa bàn {p}",
    "tổ chức hội nghị tổng kết công tác năm {y}",
    "về việc tuyển dụng viên chức ngành giáo dục năm {y}",
    "kết quả kiểm tra việc chấp hành pháp luật về đầu tư xây dựng tại {p}",
    "điều động cán bộ về công tác tại Ủy ban nhân dân huyện {d}",
    "hỗ trợ kinh phí khắc phục hậu quả thiên tai tại {p}",
    "về việc đề nghị thẩm định hồ sơ đường dây điện 110 kV {d} - {p}",
    "báo cáo tình hình kinh tế - xã hội tháng {m} năm {y}",
    "về việc phối hợp với tỉnh {p} trong công tác đối ngoại",
]

SEARCH_QUERIES = ["dong nai", "Đồng Nai", "dat dai", "đất đai", "quyet dinh", "dak lak", "Đắk Lắk",
                  "ubnd huyen binh son", "phong chong dich", "tuyen dung vien chuc", "1234/QĐ",
                  "thanh tra tinh", "ly son", "duong day dien 110 kv", "khong co van ban nay"]


def _entry_rows(n: int, seed: int):
    from mailbot.util.textfold import fold

    rng = random.Random(seed)
    for i in range(1, n + 1):
        tname, tcode = rng.choice(TYPES)
        organ = rng.choice(ORGANS)
        y = rng.choice([2024, 2025, 2026])
        subject = rng.choice(SUBJECTS).format(p=rng.choice(PROVINCES), d=rng.choice(DISTRICTS), y=y,
                                              m=rng.randint(1, 12))
        number = str(rng.randint(1, 9999))
        short = "".join(w[0] for w in organ.split()[1:]).upper() or "UB"
        notation = f"{tcode}-{'S' + short}" if tcode else f"S{short}-VP"
        code = f"{number}/{notation}"
        sender = f"vanthu@s{short.lower()}.quangngai.gov.vn"
        email_subject = f"{tname} số {code} {subject}"
        searchable = " ".join([email_subject, sender, code, f"{tname} {subject}", organ, tname,
                               f"{code.replace('/', '-')}.pdf"])
        yield i, y, number, notation, code, tname, organ, subject, sender, email_subject, fold(searchable)


def build_register(path: Path, n: int, seed: int) -> float:
    """A register of n entries in mailbot's schema (mailbot.store.schema.connect), as mailbot fills it."""
    from mailbot.store import schema as dbmod

    t0 = time.perf_counter()
    db = dbmod.connect(path)
    conn = db.conn
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("INSERT INTO books(id, name) VALUES ('den', 'Sổ đến')")
    conn.execute("BEGIN")
    batch_m, batch_e = [], []
    now = "2026-11-05T02:00:00+00:00"
    for (i, y, number, notation, code, tname, organ, subject, sender, email_subject, folded) in _entry_rows(n, seed):
        batch_m.append((i, f"{i:064x}", 70000, f"/spool/{i}", "imap", "ubnd", f"<{i}@bench>", now, now,
                        "processed", "accept"))
        batch_e.append((i, "den", y, i, now, now, i, "ubnd", f"<{i}@bench>", sender, email_subject, code, number,
                        notation, tname, organ, subject, "accept", folded, now))
        if len(batch_m) >= 20000:
            _flush(conn, batch_m, batch_e)
    _flush(conn, batch_m, batch_e)
    conn.execute(f"INSERT INTO counters(book, year, last_number) VALUES ('den', 2026, {n})")
    conn.execute("COMMIT")
    conn.execute("PRAGMA synchronous=FULL")
    conn.close()
    return time.perf_counter() - t0


def _flush(conn, batch_m, batch_e) -> None:
    conn.executemany("INSERT INTO messages(id, sha256, size, spool_path, source, mailbox, message_id, delivered_at, "
                     "spooled_at, state, decision) VALUES (?,?,?,?,?,?,?,?,?,?,?)", batch_m)
    conn.executemany("INSERT INTO entries(id, book, year, arrival_number, arrival_date, delivered_at, message, "
                     "mailbox, message_id, sender, email_subject, code, code_number, code_notation, type_name, "
                     "organ_name, subject, decision, search_text, created_at) "
                     "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", batch_e)
    batch_m.clear()
    batch_e.clear()


# The search as it was before commit a10fdd5 (LIKE over the folded text), kept here as the baseline.
def search_like(db, text: str, limit: int = 50) -> list[dict]:
    from mailbot.store.schema import dict_rows
    from mailbot.util.textfold import fold

    words = fold(text).split()
    if not words:
        return []
    sql = SELECT_ENTRY + " WHERE " + " AND ".join("e.search_text LIKE ? ESCAPE '\\'" for _ in words)
    params = tuple("%" + w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%" for w in words)
    return dict_rows(db, sql + f" ORDER BY e.id DESC LIMIT {int(limit)}", params)


# A prototype of the recommended refinement of mailbot's FTS5 search (NOT mailbot code).
FTS_PROTO = ("CREATE VIRTUAL TABLE bench_fts USING fts5(search_text, content='entries', content_rowid='id', "
             "tokenize=\"unicode61 remove_diacritics 2 tokenchars '/'\", prefix='2 3 4', detail=none)")


def fts_query(text: str) -> str | None:
    """Folded words (đ→d, no marks) → an FTS5 query: all words required, whole tokens except the
    last, which is a prefix (type-ahead). Measured at 1M entries: prefix on every word p95 130 ms
    ("co"*, "van"* merge huge doclists); last word only + prefix='2 3' 14 ms; + prefix='2 3 4' and
    detail=none (we never need phrases or positions) 2.5 ms."""
    from mailbot.util.textfold import fold

    words = [w for w in re.split(r"[^0-9a-z/]+", fold(text)) if w]
    if not words:
        return None
    return " AND ".join('"' + w.replace('"', '""') + '"' + ("*" if i == len(words) - 1 else "")
                        for i, w in enumerate(words))


SELECT_ENTRY = "SELECT e.*, m.spool_path FROM entries e JOIN messages m ON m.id = e.message"


def search_proto(db, text: str, limit: int = 50) -> list[dict]:
    """LIMIT inside the FTS subquery (rowid order: the index stops after `limit` matches) instead of
    materialising every match and sorting it outside."""
    from mailbot.store.schema import dict_rows

    q = fts_query(text)
    if q is None:
        return []
    return dict_rows(db, SELECT_ENTRY + " WHERE e.id IN (SELECT rowid FROM bench_fts WHERE bench_fts MATCH ? "
                     f"ORDER BY rowid DESC LIMIT {int(limit)}) ORDER BY e.id DESC", (q,))


def phase_search(ctx: Ctx) -> None:
    from mailbot.store import schema as dbmod
    from mailbot.register.listing import search_entries

    n, reps = ctx.size["search"], ctx.size["search_reps"]
    path = ctx.workdir / "register" / "mailbot.sqlite3"
    log(f"register: building {n:,} entries (mailbot's schema and triggers)")
    build_s = build_register(path, n, ctx.args.seed)
    db = dbmod.connect(path)
    size_now = path.stat().st_size

    def measure(fn) -> tuple[dict, dict]:
        per_query, all_times, hits = {}, [], {}
        for q in SEARCH_QUERIES:
            fn(db, q)           # warm the page cache
            times = []
            for _ in range(reps):
                t = time.perf_counter()
                rows = fn(db, q)
                times.append(time.perf_counter() - t)
            per_query[q] = {"median_ms": statistics.median(times) * 1000, "hits": len(rows)}
            hits[q] = [r["id"] for r in rows]
            all_times += times
        return {"p50_ms": pct(all_times, 50) * 1000, "p95_ms": pct(all_times, 95) * 1000,
                "max_ms": max(all_times) * 1000, "per_query": per_query}, hits

    def insensitive(h: dict) -> bool:   # đ/d and marks: both spellings find the same entries
        return (h["dong nai"] == h["Đồng Nai"] and h["dat dai"] == h["đất đai"] and h["dak lak"] == h["Đắk Lắk"]
                and len(h["dat dai"]) > 0)

    log("register: timing mailbot.register.listing.search_entries (current)")
    cur, cur_hits = measure(search_entries)
    log("register: timing the LIKE search of before a10fdd5")
    like, like_hits = measure(search_like)
    cur["same_results_as_like"] = {q: cur_hits[q] == like_hits[q] for q in SEARCH_QUERIES}
    cur["diacritic_insensitive"] = insensitive(cur_hits)
    like["diacritic_insensitive"] = insensitive(like_hits)
    out: dict[str, Any] = {"entries": n, "build_s": build_s, "db_mib": size_now / 2**20, "queries": SEARCH_QUERIES,
                           "current": cur, "before_like": like}

    log("register: prototype FTS5 (prefix='2 3 4', detail=none, prefix on the last word, LIMIT inside)")
    t = time.perf_counter()
    db.conn.execute(FTS_PROTO)
    db.conn.execute("INSERT INTO bench_fts(bench_fts) VALUES ('rebuild')")
    proto_build = time.perf_counter() - t
    proto, proto_hits = measure(search_proto)
    proto.update(build_s=proto_build, index_mib=(path.stat().st_size - size_now) / 2**20,
                 same_results_as_like={q: proto_hits[q] == like_hits[q] for q in SEARCH_QUERIES},
                 diacritic_insensitive=insensitive(proto_hits))
    out["prototype"] = proto
    db.conn.execute("DROP TABLE bench_fts")
    db.conn.close()
    ctx.results["search"] = out
    log(f"search p95: current {cur['p95_ms']:.1f} ms, LIKE (before) {like['p95_ms']:.1f} ms, "
        f"prototype {proto['p95_ms']:.1f} ms")
    phase_commit(ctx, path)


def phase_commit(ctx: Ctx, path: Path) -> None:
    """số đến + entry in one transaction (mailbot.register.apply.apply) on the big register."""
    import dataclasses

    from mailbot.store import schema as dbmod
    from mailbot.config import parse_rules
    from mailbot.runtime.pipeline import Pipeline
    from mailbot.register.apply import NoticeCaps, apply

    reps = ctx.size["commit_reps"]
    rules_path = ctx.workdir / "commit-rules.yaml"
    rules_path.write_text(
        f"storage: {{data_dir: {ctx.workdir / 'commit-data'}}}\nbooks: [{{id: den, name: Sổ đến}}]\n"
        f"mailboxes: [{{id: ubnd, address: {OFFICE}, register: den}}]\n"
        f"senders: {{trusted_domains: ['*.gov.vn'], authserv_id: {MTA}}}\n"
        f"limits: {{inspect_workers: 0}}\n"
        f"trust: {{roots: [{ctx.work.trust_files['root']}], intermediates: [{ctx.work.trust_files['intermediate']}]}}\n",
        encoding="utf-8")
    rules = parse_rules(rules_path.read_text(encoding="utf-8"), rules_path)
    pipe = Pipeline(rules)
    _mid, raw = ctx.work.typical("commit", 1)
    report, decision = pipe.evaluate(raw, rules.mailboxes[0])
    db = dbmod.connect(path)
    arrival = datetime(2026, 11, 5, 9, 0, tzinfo=timezone.utc)
    counter = iter(range(10_000_000, 20_000_000))

    def one() -> float:
        i = next(counter)
        db.conn.execute("INSERT INTO messages(id, sha256, size, spool_path, source, mailbox, delivered_at, spooled_at) "
                        "VALUES (?, ?, 1, '/x', 'imap', 'ubnd', ?, ?)", (i, f"c{i}", arrival.isoformat(),
                                                                         arrival.isoformat()))
        # Files of its own: the same bytes again would be a re-sent document, which takes no number.
        rep = dataclasses.replace(report, message_id=f"<commit-{i}@bench>", attachments=tuple(
            dataclasses.replace(a, sha256=f"{i:064x}") for a in report.attachments))
        t = time.perf_counter()
        reg = apply(db, i, rep, decision, arrival, lambda r: [], NoticeCaps(10**9, 10**9))
        elapsed = time.perf_counter() - t
        assert reg.entry is not None, reg
        return elapsed

    def run() -> dict:
        for _ in range(3):
            one()
        times = [one() for _ in range(reps)]
        return {"p50_ms": pct(times, 50) * 1000, "p95_ms": pct(times, 95) * 1000, "n": reps}

    out = {"decision": decision.outcome,
           "document_fields": bool(report.document and report.document.code_number)}
    out["current"] = run()
    indexes = [r[0] for r in db.conn.execute(
        "SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='entries' AND sql LIKE '%code_number%'")]
    for name in indexes:                 # as before a10fdd5: the duplicate-document check scans the register
        db.conn.execute(f"DROP INDEX {name}")
    out["without_same_document_index"] = run()
    db.conn.close()
    ctx.results["register_commit"] = out
    log(f"register commit (số đến + entry) on {ctx.size['search']:,}: p50 {out['current']['p50_ms']:.1f} ms; "
        f"without the same-document index {out['without_same_document_index']['p50_ms']:.1f} ms")
