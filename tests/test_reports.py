"""Reports for leaders (issue 18): a register with known contents is built through `ingest
--delivered-at` across two quarters, and every figure is checked in every format, with the
target sentence and the period edge (31/3 17:30 is received on 1/4, a working day: Q2)."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from pathlib import Path

import pytest

from mailbot.cli import main
from mailbot.reports import figures
from mailbot.reports.periods import last_closed, parse_period
from mailbot.util import samples
from testbed import pki as P
from tests.support.bot import DOCX_TYPE, MTA, OFFICE, mail

STC = "vanthu@stc.quangngai.gov.vn"
SXD = "vanthu@sxd.quangngai.gov.vn"
CITIZEN = "nguyenvana@gmail.com"


def docx(*lines: str) -> tuple[str, bytes, str]:
    return ("van-ban.docx", samples.docx(list(lines)), DOCX_TYPE)


INVITATION = docx("SỞ TÀI CHÍNH", "Số: 125/GM-STC", "GIẤY MỜI", "Họp giao ban quý")
INVITATION_SXD = docx("SỞ XÂY DỰNG", "Số: 40/GM-SXD", "GIẤY MỜI", "Dự hội nghị tổng kết")
# Distinct files for the second invitation of each: the same bytes again would be a re-sent
# document, which takes no number (issue 16).
INVITATION_APRIL = docx("SỞ TÀI CHÍNH", "Số: 126/GM-STC", "GIẤY MỜI", "Họp giao ban tháng 4")
INVITATION_SXD_JUNE = docx("SỞ XÂY DỰNG", "Số: 41/GM-SXD", "GIẤY MỜI", "Dự hội nghị cuối quý")
DECISION = docx("SỞ XÂY DỰNG", "Số: 12/QĐ-SXD", "QUYẾT ĐỊNH", "Về việc phê duyệt dự toán công trình")
DECISION_STC = docx("SỞ TÀI CHÍNH", "Số: 77/QĐ-STC", "QUYẾT ĐỊNH", "Về việc phân bổ kinh phí")
PETITION = docx("Kính gửi Ủy ban nhân dân tỉnh.", "Tôi là Nguyễn Văn A, đề nghị được cấp giấy phép xây dựng.")
EXE = ("chuong-trinh.pdf", b"MZ" + b"\0" * 200, "application/pdf")

# (file, sender, subject, attachment, delivered at, authenticated)
SCENARIO = [
    ("q1-moi", STC, "Giấy mời họp", INVITATION, "2026-01-15T09:00:00+07:00", True),
    ("q1-quyetdinh", SXD, "Quyết định phê duyệt", DECISION, "2026-02-10T10:00:00+07:00", True),
    ("q1-tuchoi", STC, "Chương trình", EXE, "2026-02-20T14:00:00+07:00", True),
    ("q1-ky-so", STC, "Báo cáo quyết toán", "signed", "2026-03-05T08:30:00+07:00", True),
    ("q1-don", CITIZEN, "Đơn kiến nghị", PETITION, "2026-03-10T15:00:00+07:00", True),
    ("q1-cachly", STC, "Giấy mời (giả mạo)", INVITATION, "2026-03-12T09:00:00+07:00", False),
    # Tuesday 31/3 after 17:00: received on Wednesday 1/4 at 07:00 (QĐ 57 Art. 11.2) — Q2.
    ("q2-bien", SXD, "Giấy mời hội nghị", INVITATION_SXD, "2026-03-31T17:30:00+07:00", True),
    ("q2-moi", STC, "Giấy mời tháng 4", INVITATION_APRIL, "2026-04-15T09:00:00+07:00", True),
    ("q2-quyetdinh", STC, "Quyết định phân bổ", DECISION_STC, "2026-05-06T10:00:00+07:00", True),
    ("q2-cuoi", SXD, "Giấy mời cuối quý", INVITATION_SXD_JUNE, "2026-06-30T16:00:00+07:00", True),
]


@pytest.fixture(scope="module")
def register(tmp_path_factory):
    """The register built once; returns the rules.yaml path."""
    root = tmp_path_factory.mktemp("reports")
    pki = P.make_pki()
    files = pki.write(root / "trust")
    signed = ("bao-cao.pdf", P.sign(P.make_pdf(1), pki.signer, chain=[pki.intermediate]), "application/pdf")
    config = root / "rules.yaml"
    config.write_text(f"""\
office: {{name: Văn phòng UBND tỉnh Quảng Ngãi, timezone: Asia/Ho_Chi_Minh}}
storage: {{data_dir: data, outbox_dir: outbox}}
books: [{{id: den-ubnd, name: Sổ đăng ký văn bản đến}}]
mailboxes: [{{id: ubnd, address: {OFFICE}, register: den-ubnd}}]
notices: {{from_address: {OFFICE}}}
senders: {{authserv_id: {MTA}}}
trust: {{roots: [{files['root']}], intermediates: [{files['intermediate']}], crls: [{files['crl_root']}, {files['crl_inter']}]}}
reports: {{target_electronic_share: 0.70}}
""", encoding="utf-8")
    for name, sender, subject, attachment, at, authenticated in SCENARIO:
        path = root / f"{name}.eml"
        attachment = signed if attachment == "signed" else attachment
        path.write_bytes(mail(sender=sender, subject=subject, files=[attachment],
                              authenticated=authenticated).as_bytes())
        assert main(["ingest", "--config", str(config), "--delivered-at", at, str(path)]) == 0
    # The paper original of the Sở Tài chính decision (Q2) has arrived.
    assert main(["register", "paper-received", "7", "--config", str(config), "--year", "2026"]) == 0
    return config


def report(config: Path, period: str, fmt: str, tmp_path: Path, capsys) -> bytes:
    out = tmp_path / f"r.{fmt}"
    assert main(["report", "--config", str(config), "--period", period, "--format", fmt, "-o", str(out)]) == 0
    capsys.readouterr()
    return out.read_bytes()


def test_json_has_every_figure_of_both_quarters(register, tmp_path, capsys):
    q1 = json.loads(report(register, "2026-Q1", "json", tmp_path, capsys))
    assert q1["period"] == {"key": "2026-Q1", "label": "Quý I năm 2026", "from": "2026-01-01", "to": "2026-03-31"}
    assert (q1["received"], q1["registered"], q1["refused"], q1["quarantine"], q1["review"]) == (6, 4, 1, 1, 0)
    # The citizen's petition needs no paper original (issue 16: only Art. 8.2 papers are asked
    # of a person): fully electronic, beside the signed report and the invitation.
    assert (q1["fully_electronic"], q1["paper_required"], q1["paper_received"]) == (3, 1, 0)
    assert q1["trusted_signed"] == 1 and q1["trusted_signed_share"] == 0.25
    # From agencies: the two invitations and the signed report are electronic, the decision is not.
    assert (q1["agency_documents"], q1["agency_fully_electronic"]) == (3, 2)
    assert q1["target_sentence"] == "đạt 67%, thấp hơn mục tiêu 70% là 3 điểm"
    # The renamed .exe: its own reason and "no allowed attachment", each once.
    assert [(r["code"], r["messages"]) for r in q1["refused_by_reason"]] == \
        [("format_mismatch", 1), ("no_allowed_attachment", 1)]
    assert {g["name"]: g["documents"] for g in q1["by_agency"]} == {
        "Sở Tài chính": 1, "Sở Xây dựng": 1, "gmail.com": 1, "Ủy ban nhân dân tỉnh Quảng Ngãi": 1}
    assert [(g["name"], g["documents"], g["fully_electronic"]) for g in q1["by_month"]] == \
        [("2026-01", 1, 1), ("2026-02", 1, 0), ("2026-03", 2, 2)]
    assert {g["name"]: g["documents"] for g in q1["by_type"]}["Giấy mời"] == 1
    assert q1["by_mailbox"] == [{"name": "ubnd", "documents": 4, "fully_electronic": 3, "paper_required": 1,
                                 "paper_received": 0}]
    # Receipts to the four registered senders and the refusal were sent; the quarantine got nothing.
    assert q1["acknowledgement"]["count"] == 5 and q1["acknowledgement"]["median_seconds"] > 0
    # 4 receipts, 1 refusal, 2 paper-copy requests (the decision and the citizen's letter).
    assert (q1["notices"]["sent"], q1["notices"]["failed"], q1["notices"]["pending"]) == (6, 0, 0)
    assert {k["kind"]: k["sent"] for k in q1["notices"]["by_kind"]} == {"receipt": 4, "refusal": 1, "paper-copy": 1}

    q2 = json.loads(report(register, "2026-Q2", "json", tmp_path, capsys))
    # The message of 31/3 17:30 is in Q2 (received 1/4 07:00), in April.
    assert (q2["received"], q2["registered"], q2["refused"], q2["quarantine"]) == (4, 4, 0, 0)
    assert (q2["fully_electronic"], q2["paper_required"], q2["paper_received"]) == (3, 1, 1)
    assert q2["target_sentence"] == "đạt 75%, vượt mục tiêu 70% là 5 điểm"
    assert [(g["name"], g["documents"]) for g in q2["by_month"]] == [("2026-04", 2), ("2026-05", 1), ("2026-06", 1)]

    h1 = json.loads(report(register, "2026-H1", "json", tmp_path, capsys))
    assert (h1["received"], h1["registered"], h1["agency_documents"]) == (10, 8, 7)
    march = json.loads(report(register, "2026-03-01..2026-03-31", "json", tmp_path, capsys))
    assert march["registered"] == 2 and march["received"] == 3


def test_csv_and_html_show_the_same_figures(register, tmp_path, capsys):
    text = report(register, "2026-Q1", "csv", tmp_path, capsys).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    summary = {r[0]: r[1] for r in rows if len(r) == 2}
    assert summary["Văn bản đến trong kỳ"] == "6" and summary["Đã vào sổ (cấp số đến)"] == "4"
    assert summary["Điện tử hoàn toàn (không cần bản giấy)"] == "3" and summary["Bị từ chối"] == "1"
    assert summary["Tỷ lệ điện tử hoàn toàn"] == "66,7%"
    assert summary["So với mục tiêu"] == "đạt 67%, thấp hơn mục tiêu 70% là 3 điểm"
    assert ["Tháng 3/2026", "2", "2", "0", "0"] in rows

    page = report(register, "2026-Q1", "html", tmp_path, capsys).decode("utf-8")
    assert "QUÝ I NĂM 2026" in page and "đạt 67%, thấp hơn mục tiêu 70% là 3 điểm" in page
    assert re.search(r'src="data:image/png;base64,[A-Za-z0-9+/=]{500,}"', page)
    assert "<td>Văn bản đến trong kỳ</td><td class=\"n\">6</td>" in page


def test_xlsx_opens_with_sheets_frozen_headings_and_charts(register, tmp_path, capsys):
    from openpyxl import load_workbook

    data = report(register, "2026-Q1", "xlsx", tmp_path, capsys)
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Tổng hợp", "Theo tháng", "Theo cơ quan gửi", "Theo loại văn bản", "Theo hộp thư",
                             "Lý do từ chối", "Thông báo"]
    summary = {r[0]: r[1] for r in wb["Tổng hợp"].iter_rows(values_only=True) if r[0]}
    assert summary["Văn bản đến trong kỳ"] == 6 and summary["Phải gửi bản giấy"] == 1
    assert summary["So với mục tiêu"] == "đạt 67%, thấp hơn mục tiêu 70% là 3 điểm"
    months = wb["Theo tháng"]
    assert months.freeze_panes == "A2"
    assert [c.value for c in months[1]] == ["Tháng", "Số văn bản", "Điện tử hoàn toàn", "Phải gửi bản giấy",
                                            "Đã nhận bản giấy"]
    assert [r[:3] for r in months.iter_rows(min_row=2, values_only=True)] == \
        [("Tháng 1/2026", 1, 1), ("Tháng 2/2026", 1, 0), ("Tháng 3/2026", 2, 2)]
    assert months.column_dimensions["A"].width >= 12
    # Native charts, read back: by month (electronic and paper stacked) and by agency.
    (by_month,) = months._charts
    assert (by_month.tagname, by_month.grouping, len(by_month.series)) == ("barChart", "stacked", 2)
    (by_agency,) = wb["Theo cơ quan gửi"]._charts
    assert by_agency.tagname == "barChart" and len(by_agency.series) == 1
    assert wb["Theo cơ quan gửi"].freeze_panes == "A2" and wb["Tổng hợp"].freeze_panes == "A6"


def test_report_by_book_and_usage_errors(register, tmp_path, capsys):
    assert main(["report", "--config", str(register), "--period", "2026-Q1", "--book", "den-ubnd"]) == 0
    assert json.loads(capsys.readouterr().out)["registered"] == 4
    assert main(["report", "--config", str(register), "--period", "2026-Q1", "--book", "khac"]) == 1
    assert "unknown register book 'khac'" in capsys.readouterr().err
    assert main(["report", "--config", str(register), "--period", "quý 1"]) == 2
    assert "write 2026-Q4" in capsys.readouterr().err


@pytest.mark.parametrize("share, sentence", [
    (0.64, "đạt 64%, thấp hơn mục tiêu 70% là 6 điểm"),
    (0.70, "đạt 70%, bằng mục tiêu 70%"),
    (0.815, "đạt 82%, vượt mục tiêu 70% là 12 điểm"),
    (None, "chưa có văn bản nào từ các cơ quan trong kỳ để so với mục tiêu 70%"),
])
def test_target_sentence(share, sentence):
    assert figures.target_sentence(share, 0.70) == sentence


def test_acknowledgement_median_and_p95_from_known_times():
    entries = [{"message": i, "delivered_at": "2026-04-01T00:00:00+00:00", "paper_copy_required": 0,
                "paper_received": 0, "signature_verdict": None, "sender": STC, "organ_name": None,
                "type_name": None, "mailbox": "ubnd", "arrival_date": "2026-04-01T07:00:00+07:00"}
               for i in range(1, 21)]
    # Message i acknowledged i seconds after delivery; a paper-copy request does not count.
    notices = [{"message": i, "kind": "receipt", "state": "sent", "sent_at": f"2026-04-01T00:00:{i:02d}+00:00"}
               for i in range(1, 21)]
    notices.append({"message": 1, "kind": "paper-copy", "state": "failed", "sent_at": None})
    from datetime import datetime

    out = figures.compute(entries=entries, held=[], notices=notices, months=["2026-04"], target=0.7,
                          is_agency=lambda s: True, seconds_between=lambda a, b: (
                              datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds())
    assert out["acknowledgement"] == {"count": 20, "median_seconds": 10.5, "p95_seconds": 19}
    assert out["notices"]["sent"] == 20 and out["notices"]["failed"] == 1


def test_periods():
    assert parse_period("2026-Q4").start == date(2026, 10, 1) and parse_period("2026-Q4").end == date(2027, 1, 1)
    assert parse_period("2026-H2").label == "6 tháng cuối năm 2026"
    assert parse_period("2026-10").months() == ["2026-10"]
    assert parse_period("2026").months()[-1] == "2026-12"
    assert last_closed("quarter", date(2027, 1, 4)).key == "2026-Q4"
    assert last_closed("month", date(2026, 3, 1)).key == "2026-02"
    with pytest.raises(ValueError):
        parse_period("2026-12-31..2026-01-01")


# -- the printed register (Decree 30/2020 Phụ lục IV) ---------------------------------------

def pdftotext(path: Path) -> str:
    import subprocess

    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def test_printed_register_holds_every_entry_in_order_with_diacritics(register, tmp_path, capsys):
    out = tmp_path / "so.pdf"
    assert main(["register", "print", "--config", str(register), "--book", "den-ubnd", "--from", "2026-01-01",
                 "--to", "2026-06-30", "--format", "pdf", "-o", str(out)]) == 0
    assert "8 entries" in capsys.readouterr().out
    text = pdftotext(out)
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN" in text and "Sổ đăng ký văn bản đến" in text and "Năm 2026" in text
    for heading in ("Ngày đến", "Số đến", "Tác giả", "Số, ký hiệu", "Ngày tháng", "Tên loại và trích yếu nội dung",
                    "Đơn vị hoặc", "Ký nhận", "Ghi chú", "(1)", "(9)"):
        assert heading in text
    # Every entry, in order of số đến, with its author and summary spelt right.
    expected = [("15/01/2026", "Sở Tài chính", "125/GM-STC"), ("10/02/2026", "Sở Xây dựng", "12/QĐ-SXD"),
                ("05/03/2026", None, None), ("10/03/2026", CITIZEN, None),
                ("01/04/2026", "Sở Xây dựng", "40/GM-SXD"), ("15/04/2026", "Sở Tài chính", "126/GM-STC"),
                ("06/05/2026", "Sở Tài chính", "77/QĐ-STC"), ("30/06/2026", "Sở Xây dựng", "41/GM-SXD")]
    pos = 0
    for number, (day, author, code) in enumerate(expected, start=1):
        found = re.search(rf"^\s*{re.escape(day)}\s+{number}\s", text[pos:], flags=re.MULTILINE)
        assert found, (number, day)
        pos += found.end()
        line = text[pos:].splitlines()[0]
        if author:
            assert author in line
        if code:
            assert code in line
    assert "Quyết định Phê duyệt dự toán công trình" in text and "Giấy mời Dự hội nghị tổng kết" in text
    assert "Đã nhận bản giấy" in text and "Chờ bản giấy" in text
    assert "Trang 1/" in text and "NGƯỜI LẬP SỔ" in text and "THỦ TRƯỞNG CƠ QUAN" in text
    assert "Sổ này có 8 văn bản đến, từ số 1 đến số 8" in text


def test_printed_register_range_of_numbers_and_xlsx(register, tmp_path, capsys):
    from openpyxl import load_workbook

    out = tmp_path / "so.xlsx"
    assert main(["register", "print", "--config", str(register), "--book", "den-ubnd", "--from", "2026-01-01",
                 "--to", "2026-12-31", "--numbers", "2-4", "--format", "xlsx", "-o", str(out)]) == 0
    ws = load_workbook(out).active
    rows = list(ws.iter_rows(values_only=True))
    heading = rows.index(("Ngày đến", "Số đến", "Tác giả", "Số, ký hiệu", "Ngày tháng",
                          "Tên loại và trích yếu nội dung", "Đơn vị hoặc người nhận", "Ký nhận", "Ghi chú"))
    assert [r[1] for r in rows[heading + 2:heading + 5]] == ["2", "3", "4"]
    assert rows[heading + 2][2] == "Sở Xây dựng" and rows[heading + 2][5].startswith("Quyết định")
    assert ws.print_title_rows == f"${heading + 1}:${heading + 2}"
    assert ws.page_setup.orientation == "landscape" and ws.oddFooter.center.text == "Trang &P/&N"
    with pytest.raises(SystemExit):
        main(["register", "print", "--config", str(register), "--book", "den-ubnd", "--from", "2026-01-01",
              "--to", "2026-12-31", "--numbers", "9-1", "-o", str(out)])
    assert "FIRST-LAST" in capsys.readouterr().err


def test_a_thousand_entries_print_with_page_numbers_and_headings_on_every_page(tmp_path):
    from mailbot.reports.register_form import PrintedRegister
    from mailbot.reports.register_pdf import to_pdf

    rows = [(f"{1 + i // 40:02d}/10/2026", str(i + 1), "Sở Tài nguyên và Môi trường", f"{i + 1}/STNMT-VP", "",
             f"Công văn Về việc đề nghị thẩm định hồ sơ số {i + 1}", "Phòng Tổng hợp", "", "")
            for i in range(1000)]
    register = PrintedRegister("Văn phòng UBND tỉnh Quảng Ngãi", "Sổ văn bản đến", date(2026, 10, 1),
                               date(2026, 12, 31), rows, (1, 1000))
    path = tmp_path / "so.pdf"
    path.write_bytes(to_pdf(register))
    pages = pdftotext(path).split("\f")[:-1]
    total = len(pages)
    assert total > 20
    for index, page in enumerate(pages, start=1):
        assert f"Trang {index}/{total}" in page
        assert "Tên loại và trích yếu nội dung" in page      # the headings repeat on every page
    numbers = [int(m) for m in re.findall(r"^\s*\d\d/10/2026\s+(\d+)\s", "".join(pages), flags=re.MULTILINE)]
    assert numbers == list(range(1, 1001))
    assert "đề nghị thẩm định hồ sơ số 1000" in pages[-1] or "đề nghị thẩm định hồ sơ số 1000" in pages[-2]
