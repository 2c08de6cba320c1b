"""The command-line contract: ingest, explain --json, register list/show/search/export, demo."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mailbot.util import samples
from mailbot.cli import main
from tests.support.bot import DOCX_TYPE, MTA, OFFICE, mail

ROOT = Path(__file__).resolve().parent.parent
DOCX = ("Giấy mời.docx", samples.docx(["SỞ TÀI CHÍNH", "Số: 125/GM-STC", "GIẤY MỜI", "Họp giao ban quý IV"]),
        DOCX_TYPE)


@pytest.fixture
def config(tmp_path) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(f"""\
office: {{name: Văn phòng UBND tỉnh, timezone: Asia/Ho_Chi_Minh}}
storage: {{data_dir: data, outbox_dir: outbox}}
books: [{{id: den-ubnd, name: Sổ văn bản đến}}]
mailboxes: [{{id: ubnd, address: {OFFICE}, register: den-ubnd}}]
notices: {{from_address: {OFFICE}}}
senders: {{authserv_id: {MTA}}}
""", encoding="utf-8")
    return path


def eml(tmp_path: Path, name: str, msg) -> Path:
    path = tmp_path / name
    path.write_bytes(msg if isinstance(msg, bytes) else msg.as_bytes())
    return path


def test_explain_json_follows_the_contract(tmp_path, config, capsys):
    path = eml(tmp_path, "a.eml", mail(subject="Giấy mời họp", files=[DOCX, ("x.pdf", b"MZ" + b"\0" * 100, "application/pdf")]))
    assert main(["explain", "--config", str(config), str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["decision"] == "accept"
    assert data["paper_copy_required"] is False and data["sender_authenticated"] is True
    assert [r["code"] for r in data["reasons"]] == ["accepted", "format_mismatch", "paper_not_needed"]
    assert data["document"]["type_name"] == "Giấy mời" and data["document"]["code"] == "125/GM-STC"
    assert data["document_sources"]["code"] == "text" and data["main_attachment"] == "Giấy mời.docx"
    assert set(data["reasons"][0]) == {"code", "message_vi", "message_en", "rule"}
    first, second = data["attachments"]
    assert (first["filename"], first["format"], first["allowed"]) == ("Giấy mời.docx", "docx", True)
    assert (second["format"], second["allowed"], second["reason"]["code"]) == (None, False, "format_mismatch")
    assert len(first["sha256"]) == 64 and first["size"] > 0
    assert data["notices"] == [{"kind": "receipt", "to": "vanthu@stc.quangngai.gov.vn"}]
    assert set(data["document"]) >= {"code", "type_name", "organ_name", "issued_date", "subject", "signer_name"}
    # explain changed nothing: no register was created next to the config.
    assert not (tmp_path / "data").exists()


def test_explain_of_an_auto_reply_lists_no_notice(tmp_path, config, capsys):
    path = eml(tmp_path, "auto.eml", mail(files=[DOCX], headers={"Auto-Submitted": "auto-replied"}))
    assert main(["explain", "--config", str(config), str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["notices"] == [] and data["automated"]["code"] == "auto_submitted"


def test_ingest_numbers_across_the_year_boundary(tmp_path, config, capsys):
    # 31/12/2026 is a Thursday: 16:59 is inside office hours; 17:01 is received (Art. 11.2) at
    # the next working period, Monday 4/1/2027 07:00 (1/1 is a holiday, then a weekend), so it
    # takes the first number of 2027's series, and a message of 4/1 08:00 the second.
    for name, subject, at in (("1.eml", "Cuối năm 1", "2026-12-31T16:59:00+07:00"),
                              ("2.eml", "Cuối năm 2", "2026-12-31T10:01:00+00:00"),
                              ("3.eml", "Đầu năm", "2027-01-04T08:00:00+07:00")):
        doc = samples.docx(["SỞ TÀI CHÍNH", f"Số: {name[0]}/GM-STC", "GIẤY MỜI", subject])   # distinct files
        path = eml(tmp_path, name, mail(subject=subject, files=[("Giấy mời.docx", doc, DOCX_TYPE)]))
        assert main(["ingest", "--config", str(config), "--delivered-at", at, str(path)]) == 0
    out = capsys.readouterr().out
    assert "số đến 1/2026" in out and "số đến 1/2027" in out and "số đến 2/2027" in out

    assert main(["register", "export", "--config", str(config), "--format", "jsonl"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["arrival_number"], r["arrival_date"][:16]) for r in rows] == \
        [(1, "2026-12-31T16:59"), (1, "2027-01-04T07:00"), (2, "2027-01-04T08:00")]
    assert rows[1]["arrival_date"].endswith("+07:00") and rows[1]["delivered_at"] == "2026-12-31T10:01:00+00:00"
    assert rows[0]["attachments"][0]["format"] == "docx"
    assert {"book", "mailbox", "message_id", "sender", "code", "type_name", "decision",
            "paper_copy_required", "paper_received", "signature_verdict", "route"} <= set(rows[0])
    # Notices went to the outbox folder (no relay configured).
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 3


def test_ingesting_the_same_file_twice_registers_once(tmp_path, config, capsys):
    path = eml(tmp_path, "a.eml", mail(files=[DOCX]))
    assert main(["ingest", "--config", str(config), str(path)]) == 0
    assert main(["ingest", "--config", str(config), str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "accept, số đến 1/" in out[0] and "already processed" in out[1]
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1


def test_register_list_show_search_and_csv(tmp_path, config, capsys):
    plan = ("kh.docx", samples.docx(["UBND TỈNH ĐỒNG NAI", "Số: 12/KH-UBND", "KẾ HOẠCH",
                                     "Phòng chống lũ lụt năm 2027"]), DOCX_TYPE)
    a = eml(tmp_path, "a.eml", mail(subject="Gửi kế hoạch", files=[plan]))
    b = eml(tmp_path, "b.eml", mail(subject="Giấy mời họp", files=[DOCX]))
    main(["ingest", "--config", str(config), str(a), str(b)])
    capsys.readouterr()

    assert main(["register", "list", "--config", str(config)]) == 0
    listing = capsys.readouterr().out
    assert "Phòng chống lũ lụt năm 2027" in listing and "Họp giao ban quý IV" in listing

    assert main(["register", "search", "--config", str(config), "dong nai lu"]) == 0
    found = capsys.readouterr().out
    assert "Phòng chống lũ lụt" in found and "Họp giao ban" not in found

    assert main(["register", "show", "--config", str(config), "2"]) == 0
    assert json.loads(capsys.readouterr().out)["email_subject"] == "Giấy mời họp"
    assert main(["register", "show", "--config", str(config), "9"]) == 1

    out = tmp_path / "so-den.csv"
    assert main(["register", "export", "--config", str(config), "--format", "csv", "-o", str(out)]) == 0
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows[0][:3] == ["Sổ", "Số đến", "Ngày đến"] and len(rows) == 3


def test_help_and_usage_exit_codes():
    run = subprocess.run([sys.executable, "-m", "mailbot", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0 and "explain" in run.stdout and "register" in run.stdout
    run = subprocess.run([sys.executable, "-m", "mailbot", "nonsense"], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 2


def test_demo_runs_the_whole_flow(tmp_path):
    run = subprocess.run([sys.executable, "-m", "mailbot", "demo", "--workdir", str(tmp_path / "demo")],
                         capture_output=True, text=True, cwd=ROOT, timeout=180)
    assert run.returncode == 0, run.stderr[-3000:]
    out = run.stdout
    assert "duplicate" in out and "quarantine" in out and "sender_forged_agency" in out
    register = out.split("== Sổ đăng ký")[1].split("== Notices")[0]
    rows = re.findall(r"^\S+\s+\d+/\d\d  ", register, flags=re.MULTILINE)
    assert len(rows) == 2                  # two documents registered: the docx and the pdf
    notices = out.split("== Notices")[1]
    assert notices.count("receipt →") == 2 and notices.count("refusal →") == 2
    assert notices.count("paper-copy →") == 1 and notices.count("alert →") == 1
    # Both documents are routed; their forwards go now in office hours, else when the office opens.
    assert notices.count("forward →") == 2
    forwards_sent = notices.count("[sent] forward →")
    assert len(list((tmp_path / "demo" / "outbox").glob("*.eml"))) == 6 + forwards_sent
