"""`mailbot web`: the read-only register view, started as a real process on a loopback port
over a register built by `mailbot ingest`.

What must hold: nobody gets in without logging in; a leader reads the register, searches
without accents, filters by facet, sees an entry's signature outcome, notices and files, and
downloads originals — never from a secret entry, never held messages; a clerk also sees the
held messages; no URL writes to the register or runs SQL of its choosing; the JSON rows are
the register's as `register export` gives them.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from mailbot.cli import main
from mailbot.config import load_rules
from mailbot.store import entries as entries_store
from mailbot.store import schema
from mailbot.util import samples
from mailbot.util.netutil import free_port
from mailbot.web import accounts
from tests.support.bot import DOCX_TYPE, MTA, OFFICE, mail

ROOT = Path(__file__).resolve().parent.parent
PDF_TYPE = "application/pdf"

PLAN = ("Kế hoạch.docx", samples.docx(["UBND TỈNH ĐỒNG NAI", "Số: 12/KH-UBND", "KẾ HOẠCH",
                                       "Phòng chống lũ lụt năm 2027"]), DOCX_TYPE)
INVITE = ("Giấy mời.docx", samples.docx(["SỞ TÀI CHÍNH", "Số: 125/GM-STC", "GIẤY MỜI",
                                         "Họp giao ban quý IV"]), DOCX_TYPE)
LETTER = ("Công văn.pdf", samples.pdf(["SỞ Y TẾ", "Số: 77/SYT-KHTC", "V/v báo cáo quyết toán kinh phí"]),
          PDF_TYPE)
SECRET = ("Mật.docx", samples.docx(["SỞ CÔNG AN", "MẬT", "Số: 9/CV-CA", "CÔNG VĂN", "Về kế hoạch bảo vệ"]),
          DOCX_TYPE)
PASSWORD = "mật-khẩu-đủ-dài"


def _rules_text(data: Path) -> str:
    return f"""\
office: {{name: Văn phòng UBND tỉnh Quảng Ngãi, timezone: Asia/Ho_Chi_Minh}}
storage: {{data_dir: {data}, outbox_dir: {data}/outbox}}
books: [{{id: den, name: Sổ văn bản đến}}]
mailboxes: [{{id: ubnd, address: {OFFICE}, register: den}}]
notices: {{from_address: {OFFICE}, clerk_address: vanthu.noibo@quangngai.gov.vn}}
senders: {{authserv_id: {MTA}}}
units: [{{id: kt, name: Phòng Kinh tế, address: kt@quangngai.gov.vn}}]
routes:
  - name: Kế hoạch
    when: {{type: [Kế hoạch]}}
    assign: {{unit: kt}}
    deadline: {{working_days: 3}}
web: {{users_file: web-users}}
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A register with known entries, two accounts, and `mailbot web` serving it."""
    base = tmp_path_factory.mktemp("web")
    config = base / "rules.yaml"
    config.write_text(_rules_text(base / "data"), encoding="utf-8")
    messages = [
        ("plan.eml", mail(subject="Gửi kế hoạch phòng chống lũ", files=[PLAN]), "2026-11-02T08:00:00+07:00"),
        ("invite.eml", mail(subject="Giấy mời họp", files=[INVITE]), "2026-11-03T09:00:00+07:00"),
        ("letter.eml", mail(subject="Báo cáo quyết toán", files=[LETTER]), "2026-11-04T10:00:00+07:00"),
        ("later.eml", mail(subject="Văn bản mật đọc sau", files=[
            ("Thông báo.docx", samples.docx(["SỞ NỘI VỤ", "Số: 3/TB-SNV", "THÔNG BÁO", "Lịch trực Tết"]),
             DOCX_TYPE)]), "2026-11-05T10:00:00+07:00"),
        ("secret.eml", mail(subject="Công văn mật", files=[SECRET]), "2026-11-06T10:00:00+07:00"),
        ("forged.eml", mail(subject="Giả mạo", files=[INVITE], authenticated=False), "2026-11-06T11:00:00+07:00"),
    ]
    for name, msg, at in messages:
        path = base / name
        path.write_bytes(msg.as_bytes())
        assert main(["ingest", "--config", str(config), "--delivered-at", at, str(path)]) == 0
    rules = load_rules(config)
    db = schema.connect(rules.db_path)
    # As OCR would after registration: a secrecy stamp read on entry 4 (the register allows
    # filling an empty field; the web view must then stop offering its files).
    with schema.transaction(db) as conn:
        entries_store.fill_fields(conn, 4, {"secrecy": "Mật"}, field_sources="{}", paper_copy_required=False,
                                  search_text="so noi vu lich truc tet")
    db.conn.close()
    accounts.set_account(base / "web-users", "lanhdao", "leader", PASSWORD)
    accounts.set_account(base / "web-users", "vanthu", "clerk", PASSWORD)

    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    log = open(base / "web.log", "wb")       # a file, not a pipe nobody reads: that would fill and block
    proc = subprocess.Popen([sys.executable, "-m", "mailbot", "web", "--config", str(config), "--port", str(port)],
                            cwd=str(ROOT), env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert proc.poll() is None, (base / "web.log").read_text()
            assert time.monotonic() < deadline, "mailbot web did not start in 30 s"
            time.sleep(0.1)
    try:
        yield {"url": f"http://127.0.0.1:{port}", "config": config, "rules": rules, "base": base}
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


def client(site, who: str | None = None) -> httpx.Client:
    """A browser-like session, logged in as `who` when given."""
    c = httpx.Client(base_url=site["url"], timeout=30)
    if who:
        form = c.get("/-/login")
        token = c.cookies.get("ds_csrftoken")
        r = c.post("/-/login", data={"username": who, "password": PASSWORD, "csrftoken": token, "next": "/"})
        assert r.status_code == 302 and "ds_actor" in c.cookies, (form.status_code, r.text)
    return c


def export(site) -> list[dict]:
    out = subprocess.run([sys.executable, "-m", "mailbot", "register", "export", "--config", str(site["config"])],
                         cwd=str(ROOT), capture_output=True, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return [json.loads(line) for line in out.stdout.decode().splitlines()]


def rows(c: httpx.Client, path: str, **params) -> list[dict]:
    r = c.get(path, params={"_shape": "array", "_size": "max", **params})
    assert r.status_code == 200, r.text
    return r.json()


def test_anonymous_requests_are_sent_to_the_login_page(site):
    c = client(site)
    for path in ("/", "/register", "/register/entries", "/register/entries.json", "/register/entries/1",
                 "/register/hom-nay", "/register/messages.json", "/-/metadata.json", "/-/databases.json",
                 "/register.db", "/-/mailbot/tep/1/" + "0" * 64):
        r = c.get(path)
        assert r.status_code in (302, 403), path
        if r.status_code == 302:
            assert r.headers["location"].startswith("/-/login"), path
        assert "Phòng chống lũ lụt" not in r.text
    page = c.get("/-/login")
    assert page.status_code == 200 and "Đăng nhập" in page.text and "Mật khẩu" in page.text


def test_a_wrong_password_is_refused(site):
    c = client(site)
    c.get("/-/login")
    r = c.post("/-/login", data={"username": "lanhdao", "password": "sai", "csrftoken": c.cookies["ds_csrftoken"]})
    assert r.status_code == 401 and "ds_actor" not in c.cookies
    assert c.get("/register/entries.json").status_code in (302, 403)


def test_a_leader_reads_searches_without_accents_and_filters_by_facet(site):
    c = client(site, "lanhdao")
    listed = rows(c, "/register/entries.json")
    assert sorted(r["arrival_number"] for r in listed) == [1, 2, 3, 4]
    page = c.get("/register/entries")
    assert "Trích yếu nội dung" in page.text and "Tên loại" in page.text   # Vietnamese labels
    assert "Văn phòng UBND tỉnh Quảng Ngãi" in c.get("/").text

    found = rows(c, "/register/entries.json", _search="dong nai")
    assert [r["organ_name"] for r in found] == ["Ủy ban nhân dân tỉnh Đồng Nai"]
    # The query is folded like the index: typing with accents finds the same.
    assert [r["id"] for r in rows(c, "/register/entries.json", _search="Đồng Nai")] == [found[0]["id"]]
    assert rows(c, "/register/entries.json", _search="lu lut")[0]["subject"] == "Phòng chống lũ lụt năm 2027"

    facets = c.get("/register/entries.json", params={"_facet": "type_name"}).json()["facet_results"]
    types = {v["value"]: v["count"] for v in facets["type_name"]["results"]}
    assert types["Kế hoạch"] == 1 and types["Giấy mời"] == 1
    invites = rows(c, "/register/entries.json", type_name="Giấy mời")
    assert [r["code"] for r in invites] == ["125/GM-STC"]
    unit = rows(c, "/register/entries.json", recipient_unit__contains="Kinh tế")
    assert [r["code"] for r in unit] == ["12/KH-UBND"]


def test_the_json_rows_are_the_register_export(site):
    c = client(site, "lanhdao")
    web = {(r["book"], r["arrival_number"]): r for r in rows(c, "/register/entries.json")}
    exported = export(site)
    assert len(exported) == len(web) == 4
    for row in exported:
        mine = web[(row["book"], row["arrival_number"])]
        for key in ("arrival_date", "delivered_at", "mailbox", "message_id", "sender", "code", "type_name",
                    "organ_name", "issued_date", "subject", "secrecy", "signer_name", "decision",
                    "signature_verdict", "email_subject"):
            assert mine[key] == row[key], key
        assert bool(mine["paper_copy_required"]) == row["paper_copy_required"]
        assert mine["recipient_unit"] == row["recipient"] and mine["due_date"] == row["deadline"]


def test_canned_queries(site):
    c = client(site, "lanhdao")
    exported = export(site)
    paper = rows(c, "/register/cho-ban-giay.json")
    assert [r["Số, ký hiệu"] for r in paper] == [r["code"] for r in exported if r["paper_copy_required"]] \
        and paper, "the unsigned Công văn waits for its paper original"
    overdue = rows(c, "/register/qua-han.json")
    assert [r["Số, ký hiệu"] for r in overdue] == ["12/KH-UBND"]      # 3 working days from 2 Nov 2026
    # Delivered in November 2026: none of them is today's or this week's (the tests run later).
    assert rows(c, "/register/hom-nay.json") == [] and rows(c, "/register/tuan-nay.json") == []
    figures = {r["Chỉ tiêu"]: r["Số lượng"] for r in rows(c, "/register/so-lieu-quy.json")}
    assert "Tổng số văn bản vào sổ" in figures and "Thư bị từ chối" in figures


def test_a_leader_cannot_see_held_messages_but_a_clerk_can(site):
    leader = client(site, "lanhdao")
    assert leader.get("/register/giu-lai.json").status_code == 403
    assert "giu-lai" not in leader.get("/register").text
    clerk = client(site, "vanthu")
    held = rows(clerk, "/register/giu-lai.json")
    assert sorted(r["Tình trạng"] for r in held) == ["Cách ly", "Cách ly"]   # the secret and the forged
    assert all("Kế hoạch bảo vệ" not in json.dumps(r, ensure_ascii=False) for r in held)


@pytest.mark.parametrize("who", ["lanhdao", "vanthu"])
def test_internal_tables_are_refused(site, who):
    c = client(site, who)
    for table in ("messages", "outbox", "audit", "attachments", "signatures", "imap_seen", "ocr_jobs",
                  "counters", "meta", "entries_fts"):
        assert c.get(f"/register/{table}.json").status_code == 403, table
        assert c.get(f"/register/{table.upper()}.json").status_code in (403, 404), table
    listing = c.get("/register").text
    assert "spool" not in listing and "outbox" not in listing


def test_no_url_runs_sql_or_writes(site):
    c = client(site, "vanthu")
    before = export(site)
    for path, params in (("/register.json", {"sql": "select * from messages"}),
                         ("/register", {"sql": "delete from entries"}),
                         ("/register/entries.json", {"_where": "1=1) or (select count(*) from messages"}),
                         ("/register/entries.json", {"_where": "id > 0"}),
                         ("/register.db", {}), ("/-/permissions", {}), ("/_internal.json", {})):
        r = c.get(path, params=params)
        assert r.status_code in (400, 403, 404), (path, params, r.status_code)
    token = c.cookies.get("ds_csrftoken")
    for path in ("/register", "/register/entries", "/register/entries/1/-/delete", "/register/entries/-/insert",
                 "/register/cho-ban-giay"):
        r = c.post(path, data={"sql": "update entries set subject = 'x'", "csrftoken": token})
        assert r.status_code == 405, (path, r.status_code)
    # A search term cannot break out of the FTS expression either.
    assert c.get("/register/entries.json", params={"_search": "\") or 1=1 --"}).status_code in (200, 400)
    assert export(site) == before


def test_entry_page_shows_signature_notices_and_downloads(site):
    c = client(site, "lanhdao")
    page = c.get("/register/entries/2")
    assert page.status_code == 200
    html = page.text
    assert "Văn bản đến số 2/2026" in html and "Họp giao ban quý IV" in html
    assert "Không có chữ ký số (không có tệp PDF)" in html                     # a .docx
    assert "Không có chữ ký số</strong>" in c.get("/register/entries/3").text   # an unsigned PDF
    assert "Báo nhận" in html and "vanthu@stc.quangngai.gov.vn" in html   # the receipt to the sender
    link = f"/-/mailbot/tep/2/{hashlib.sha256(INVITE[1]).hexdigest()}"
    assert link in html
    r = c.get(link)
    assert r.status_code == 200 and r.content == INVITE[1]
    assert "attachment" in r.headers["content-disposition"]
    # Not logged in: no file, only the way to the login page.
    assert client(site).get(link).status_code == 302


def test_no_download_from_a_secret_entry(site):
    c = client(site, "vanthu")
    page = c.get("/register/entries/4").text
    assert "Mật" in page and "mailbot-download" not in page
    digest = hashlib.sha256(samples.docx(["SỞ NỘI VỤ", "Số: 3/TB-SNV", "THÔNG BÁO", "Lịch trực Tết"])).hexdigest()
    assert c.get(f"/-/mailbot/tep/4/{digest}").status_code == 403
    # Nor a quarantined message's file through another entry's number.
    assert c.get(f"/-/mailbot/tep/2/{hashlib.sha256(SECRET[1]).hexdigest()}").status_code == 403


def test_passwd_command_writes_a_hashed_password(site, tmp_path):
    config = tmp_path / "rules.yaml"
    config.write_text(_rules_text(tmp_path / "data"), encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "mailbot", "web", "--config", str(config), "passwd", "an",
                        "--role", "clerk", "--password-stdin"], input=b"mot mat khau dai\n", cwd=str(ROOT),
                       capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 0, r.stderr
    text = (tmp_path / "web-users").read_text()
    assert text.startswith("an:clerk:scrypt$") and "mot mat khau" not in text
    assert (tmp_path / "web-users").stat().st_mode & 0o077 == 0
    assert accounts.check_login(tmp_path / "web-users", "an", "mot mat khau dai").role == "clerk"
    assert accounts.check_login(tmp_path / "web-users", "an", "mot mat khau dai!") is None


ARTEFACTS = ROOT / "test-artefacts" / "web"


def _screenshot(target: str, out: Path) -> None:
    """Chromium's own screenshot mode (Debian package `chromium`)."""
    out.unlink(missing_ok=True)
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    f"--screenshot={out}", "--window-size=1200,1000", target],
                   check=True, capture_output=True, timeout=120)
    assert out.stat().st_size > 10_000, out     # a blank page is a few KB


def test_a_real_browser_renders_the_pages_in_vietnamese(site):
    """Screenshots kept in test-artefacts/web/: the login page as served, and the search result
    and an entry page as a logged-in leader receives them (saved, with the site's own CSS)."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    _screenshot(site["url"] + "/-/login", ARTEFACTS / "login.png")
    c = client(site, "lanhdao")
    for name, path in (("search", "/register/entries?_search=dong+nai&_facet=type_name"),
                       ("entry", "/register/entries/3")):
        html = c.get(path).text
        assert html.count("<head>") == 1
        page = ARTEFACTS / f"{name}.html"
        page.write_text(html.replace("<head>", f'<head><base href="{site["url"]}/">', 1), encoding="utf-8")
        _screenshot(page.as_uri(), ARTEFACTS / f"{name}.png")
