"""A clerk's corrections (edit, void, paper-received, history) and finding entries the way
clerks type (issue #16): every change audited with before/after, numbers never reused."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mailbot.cli import main
from tests.support import citizens as c
from tests.support.bot import MTA, OFFICE

ROOT = Path(__file__).resolve().parent.parent
CLERK = "Lê Thị Văn"


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> Path:
    """A register holding: 1 the business dossier (paper original needed), 2 the business
    report (no paper), 3 the body-only complaint; built once, copied for each test."""
    tmp_path = tmp_path_factory.mktemp("register")
    config = tmp_path / "rules.yaml"
    config.write_text(f"""\
office: {{name: Văn phòng UBND tỉnh, timezone: Asia/Ho_Chi_Minh}}
storage: {{data_dir: data, outbox_dir: outbox}}
books: [{{id: den, name: Sổ văn bản đến}}]
mailboxes: [{{id: ubnd, address: {OFFICE}, register: den}}]
notices: {{from_address: {OFFICE}}}
senders: {{authserv_id: {MTA}}}
limits: {{inspect_workers: 0}}
""", encoding="utf-8")
    for i, build in enumerate((c.dossier_pdf, c.business_report, c.body_complaint)):
        path = tmp_path / f"{i}.eml"
        path.write_bytes(build().as_bytes())
        assert main(["ingest", "--config", str(config), "--no-send", str(path)]) == 0
    return tmp_path


@pytest.fixture
def register(filled, tmp_path, capsys) -> Path:
    capsys.readouterr()
    shutil.copytree(filled, tmp_path, dirs_exist_ok=True)
    return tmp_path / "rules.yaml"


def run(config: Path, capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["register", argv[0], "--config", str(config), *argv[1:]])
    out = capsys.readouterr()
    return code, out.out, out.err


def entry(config, capsys, n: int) -> dict:
    code, out, _ = run(config, capsys, "show", str(n))
    assert code == 0
    return json.loads(out)


def history(config, capsys, n: int) -> list[dict]:
    code, out, _ = run(config, capsys, "history", str(n), "--json")
    assert code == 0
    return [json.loads(line) for line in out.splitlines()]


def test_edit_corrects_fields_and_audits_before_and_after(register, capsys):
    code, out, _ = run(register, capsys, "edit", "2", "subject=Tiến độ dự án kè sông Trà Khúc tháng 11",
                       "page_amount=3", "--by", CLERK, "--reason", "trích yếu đọc sai")
    assert code == 0 and "corrected" in out
    after = entry(register, capsys, 2)
    assert after["subject"] == "Tiến độ dự án kè sông Trà Khúc tháng 11" and after["page_amount"] == 3
    (edited,) = [e for e in history(register, capsys, 2) if e["event"] == "edited"]
    assert edited["by"] == CLERK and edited["reason"] == "trích yếu đọc sai"
    assert edited["before"]["page_amount"] is None and edited["after"] == {
        "subject": "Tiến độ dự án kè sông Trà Khúc tháng 11", "page_amount": 3}
    # The same values again change nothing and add no event.
    code, out, _ = run(register, capsys, "edit", "2", "page_amount=3", "--by", CLERK, "--reason", "x")
    assert code == 0 and "nothing changed" in out
    assert [e["event"] for e in history(register, capsys, 2)].count("edited") == 1


@pytest.mark.parametrize("assignment, says", [
    ("arrival_number=7", "FIELD one of"), ("issued_date=02/12/2026", "YYYY-MM-DD"),
    ("page_amount=ba", "whole number"), ("sender_class=person", "agency, organisation, citizen"),
])
def test_edit_refuses_what_it_cannot_take_and_says_why(register, capsys, assignment, says):
    code, _, err = run(register, capsys, "edit", "1", assignment, "--by", CLERK, "--reason", "x")
    assert code == 1 and says in err


def test_void_keeps_the_number_taken(register, capsys, tmp_path):
    code, out, _ = run(register, capsys, "void", "2", "--by", CLERK, "--reason", "vào sổ nhầm")
    assert code == 0 and "number stays taken" in out
    assert entry(register, capsys, 2)["void"] is True
    assert run(register, capsys, "void", "2", "--by", CLERK, "--reason", "again")[1].strip().endswith("already void")
    _, listing, _ = run(register, capsys, "list")
    assert "[ĐÃ HỦY]" in listing
    path = tmp_path / "next.eml"
    path.write_bytes(c.petition_docx().as_bytes())
    assert main(["ingest", "--config", str(register), "--no-send", str(path)]) == 0
    assert "số đến 4/" in capsys.readouterr().out
    (voided,) = [e for e in history(register, capsys, 2) if e["event"] == "voided"]
    assert voided["before"] == {"void": False} and voided["after"] == {"void": True}


def test_paper_received_records_who_and_when_once_and_can_be_undone(register, capsys):
    code, out, _ = run(register, capsys, "paper-received", "1", "--date", "2026-12-04", "--by", CLERK)
    assert code == 0 and f"received 2026-12-04 by {CLERK}" in out
    code, out, _ = run(register, capsys, "paper-received", "1", "--by", "Người khác")
    assert code == 0 and f"already recorded (2026-12-04, {CLERK})" in out
    code, out, _ = run(register, capsys, "paper-received", "1", "--undo", "--by", CLERK)
    assert code == 0 and "taken back" in out
    assert entry(register, capsys, 1)["paper_received"] is False
    events = [e for e in history(register, capsys, 1) if e["event"].startswith("paper-received")]
    assert [e["event"] for e in events] == ["paper-received", "paper-received-undone"]
    assert events[0]["after"] == {"paper_received": True, "paper_received_at": "2026-12-04",
                                  "paper_received_by": CLERK}
    assert events[1]["before"]["paper_received_by"] == CLERK


def test_paper_received_refuses_an_entry_that_needs_no_paper_unless_forced(register, capsys):
    code, _, err = run(register, capsys, "paper-received", "2", "--by", CLERK)
    assert code == 1 and "needs no paper original" in err and "--force" in err
    assert run(register, capsys, "paper-received", "2", "--by", CLERK, "--force")[0] == 0
    assert entry(register, capsys, 2)["paper_received"] is True


@pytest.mark.parametrize("typed, number", [
    ("Phạm Văn Nam", 2),          # the signer
    ("CV-MP", 1),                 # the notation alone
    ("45", 2),                    # the number alone
    ("karaoke Hùng Vương", 3),    # words of a body-only letter
    ("Minh Phát", 1),             # the business
])
def test_search_finds_what_clerks_type(register, capsys, typed, number):
    code, out, _ = run(register, capsys, "search", typed)
    rows = [line for line in out.splitlines()[1:] if line.strip()]
    assert code == 0 and len(rows) == 1 and f" {number}/" in rows[0], out


def test_search_without_a_match_says_so(register, capsys):
    code, out, _ = run(register, capsys, "search", "không có văn bản này")
    assert code == 0 and out.startswith("không tìm thấy")


def test_list_shows_number_notation_and_issuer_newest_first_cut_on_words(register, capsys):
    _, out, _ = run(register, capsys, "list")
    rows = out.splitlines()
    assert "Số, ký hiệu" in rows[0] and "Cơ quan ban hành" in rows[0]
    assert [r.split()[1] for r in rows[1:]] == ["3/26", "2/26", "1/26"]
    assert "45/BC-XDMT" in rows[2] and "Công ty Cổ phần Xây dựng Miền" in rows[2]
    long_line = rows[1]           # the body-only complaint: a long subject cut on a word with "…"
    assert long_line.endswith("…") and not long_line.endswith(" …")
    assert "Phản ánh việc quán karaoke" in long_line


def test_list_survives_a_closed_pipe(register):
    # `| head`: the reader is gone before mailbot writes (closed right after start, while
    # mailbot is still importing), so the first write meets a broken pipe.
    proc = subprocess.Popen([sys.executable, "-m", "mailbot", "register", "list", "--config", str(register)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0 and "Traceback" not in err and "BrokenPipe" not in err
