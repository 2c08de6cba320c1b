"""Citizens and businesses write too (issue #16): who is writing, petitions read as documents,
body-only mail, re-sent documents, corrections and replies — through `explain --json`, `ingest`
and the notices they produce (written to the outbox folder as .eml files)."""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from mailbot.cli import main
from mailbot.util import samples
from tests.support import citizens as c
from tests.support.bot import DOCX_TYPE, MTA, OFFICE, mail

ADDRESS = "52 Hùng Vương, phường Trần Phú, TP. Quảng Ngãi"
CLERK = "vanthu.noibo@quangngai.gov.vn"
# What an agency is asked, and a person or business never is.
AGENCY_ONLY = ("Quý cơ quan", "đường công văn", "đóng dấu")


@pytest.fixture
def config(tmp_path) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(f"""\
office: {{name: Văn phòng UBND tỉnh Quảng Ngãi, address: "{ADDRESS}", timezone: Asia/Ho_Chi_Minh}}
storage: {{data_dir: data, outbox_dir: outbox}}
books: [{{id: den-ubnd, name: Sổ văn bản đến}}, {{id: don-thu, name: Sổ đơn thư}}]
mailboxes: [{{id: ubnd, address: {OFFICE}, register: den-ubnd}}]
notices: {{from_address: {OFFICE}, clerk_address: {CLERK}}}
senders: {{authserv_id: {MTA}}}
units: [{{id: tiepdan, name: Ban Tiếp công dân, address: tiepdan@quangngai.gov.vn}}]
routes:
  - name: Đơn thư của công dân
    when: {{type: [Đơn kiến nghị, Đơn khiếu nại, Đơn phản ánh, Đơn tố cáo]}}
    book: don-thu
    assign: {{unit: tiepdan}}
""", encoding="utf-8")
    return path


def _eml(tmp_path: Path, name: str, msg) -> Path:
    path = tmp_path / name
    path.write_bytes(msg.as_bytes())
    return path


def explain(tmp_path, config, capsys, msg) -> dict:
    assert main(["explain", "--config", str(config), str(_eml(tmp_path, "x.eml", msg)), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def ingest(tmp_path, config, capsys, msg, name: str = "m.eml") -> str:
    assert main(["ingest", "--config", str(config), str(_eml(tmp_path, name, msg))]) == 0
    return capsys.readouterr().out


def notices(tmp_path) -> list[tuple[str, str, str]]:
    """(kind, recipient, plain text) of every notice written, oldest first."""
    out = []
    for path in sorted((tmp_path / "outbox").glob("*.eml"), key=lambda p: int(p.name.split("-")[3])):
        msg = message_from_bytes(path.read_bytes(), policy=policy.default)
        body = msg.get_body(("plain",)).get_content()
        assert unicodedata.is_normalized("NFC", body)
        out.append((path.stem.split("-", 4)[4], str(msg["To"]), f"{msg['Subject']}\n{body}"))
    return out


def export(capsys, config) -> list[dict]:
    assert main(["register", "export", "--config", str(config)]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


# -- who is writing, what it is (explain --json) ---------------------------------------------

@pytest.mark.parametrize("build, cls, type_name, sender_name, organ, paper, first_reason", [
    (c.petition_docx, "citizen", "Đơn kiến nghị", "Nguyễn Thị Lan", None, False, "accepted"),
    (c.complaint_pdf, "citizen", "Đơn khiếu nại", "Trần Văn Hùng", None, False, "accepted"),
    (c.body_complaint, "citizen", "Đơn phản ánh", "Trần Văn Hùng", None, False, "accepted_body"),
    (c.dossier_pdf, "organisation", "Công văn", "Công ty TNHH Thương mại Minh Phát",
     "Công ty TNHH Thương mại Minh Phát", True, "accepted"),
    (c.business_report, "organisation", "Báo cáo", "Công ty Cổ phần Xây dựng Miền Trung",
     "Công ty Cổ phần Xây dựng Miền Trung", False, "accepted"),
])
def test_explain_tells_who_writes_and_reads_their_document(tmp_path, config, capsys, build, cls, type_name,
                                                          sender_name, organ, paper, first_reason):
    data = explain(tmp_path, config, capsys, build())
    assert data["sender_class"] == cls and data["decision"] == "accept"
    assert data["document"]["type_name"] == type_name
    assert data["document"]["sender_name"] == sender_name and data["document"]["organ_name"] == organ
    assert data["paper_copy_required"] is paper and data["reasons"][0]["code"] == first_reason
    assert data["duplicate_of"] is None and data["related_to"] is None
    assert not any(word in r["message_vi"] for r in data["reasons"] for word in AGENCY_ONLY)


def test_a_petition_is_read_like_a_clerk_reads_it(tmp_path, config, capsys):
    doc = explain(tmp_path, config, capsys, c.petition_docx())["document"]
    assert doc["sender_address"] == "thôn An Phú, xã Tịnh Khê, huyện Sơn Tịnh, tỉnh Quảng Ngãi"
    assert doc["addressee"] == "Ủy ban nhân dân tỉnh Quảng Ngãi"
    assert doc["subject"] == "Sửa chữa tuyến đường thôn An Phú bị sạt lở"
    assert (doc["place"], doc["issued_date"]) == ("Quảng Ngãi", "2026-12-02")


def test_an_agency_stays_an_agency(tmp_path, config, capsys):
    msg = mail(files=[("GM.docx", samples.docx(["SỞ TÀI CHÍNH", "Số: 125/GM-STC", "GIẤY MỜI", "Họp"]), DOCX_TYPE)])
    data = explain(tmp_path, config, capsys, msg)
    assert data["sender_class"] == "agency" and data["document"]["sender_name"] is None


def test_a_petition_goes_to_the_book_its_route_names(tmp_path, config, capsys):
    assert "số đến 1/" in ingest(tmp_path, config, capsys, c.petition_docx())
    (entry,) = export(capsys, config)
    assert entry["book"] == "don-thu" and entry["sender_class"] == "citizen"
    assert entry["sender_name"] == "Nguyễn Thị Lan" and entry["organ_name"] is None
    assert entry["void"] is False and entry["related_to"] is None


# -- the notices a person or business reads --------------------------------------------------

def test_a_citizen_is_addressed_as_a_person_and_never_asked_for_a_seal(tmp_path, config, capsys):
    ingest(tmp_path, config, capsys, c.petition_docx())
    kinds = [(k, to) for k, to, _ in notices(tmp_path)]
    assert ("receipt", c.CITIZEN) in kinds and not any(k == "paper-copy" for k, _ in kinds)
    text = next(t for k, _, t in notices(tmp_path) if k == "receipt")
    assert f"Kính gửi: Ông/Bà Nguyễn Thị Lan ({c.CITIZEN})" in text
    assert "văn bản Ông/Bà gửi đến" in text and "không cần gửi thêm bản giấy" in text
    assert "  - Người viết: Nguyễn Thị Lan\r\n" in text and "Cơ quan ban hành" not in text
    assert not any(word in text for word in AGENCY_ONLY)


def test_body_only_mail_is_registered_with_the_body_as_its_document(tmp_path, config, capsys):
    assert "số đến 1/" in ingest(tmp_path, config, capsys, c.body_complaint())
    (entry,) = export(capsys, config)
    assert entry["type_name"] == "Đơn phản ánh" and entry["sender_name"] == "Trần Văn Hùng"
    (att,) = entry["attachments"]
    assert (att["filename"], att["format"]) == ("noi-dung-thu.txt", "txt")
    text = next(t for k, _, t in notices(tmp_path) if k == "receipt")
    assert "Nội dung thư điện tử (không có tệp đính kèm): đã tiếp nhận làm văn bản" in text
    assert "Kính gửi: Ông/Bà Trần Văn Hùng" in text and "Quý cơ quan" not in text


def test_a_forgotten_file_gets_one_polite_refusal_that_names_what_is_missing(tmp_path, config, capsys):
    msg = mail(sender=c.CITIZEN, subject="Gửi đơn", body="Kính gửi anh chị,\nXem file đính kèm.\nTrân trọng,\nLan",
               authenticated=False)
    assert "refuse" in ingest(tmp_path, config, capsys, msg)
    assert export(capsys, config) == []
    ((kind, to, text),) = notices(tmp_path)
    assert (kind, to) == ("refusal", c.CITIZEN)
    assert "nhắc đến tệp đính kèm nhưng không có tệp nào được gửi kèm" in text
    # One outcome: nothing about being accepted, and no second "send it again" paragraph.
    assert "được tiếp nhận với ghi chú" not in text and "tiếp nhận" not in text.split("vì:")[1].split("Tệp")[0]
    assert text.count("gửi lại") == 1 and not any(word in text for word in AGENCY_ONLY)


def test_a_short_body_is_not_a_document(tmp_path, config, capsys):
    data = explain(tmp_path, config, capsys, mail(sender=c.CITIZEN, subject="Hỏi", body="Chào anh chị.\nLan"))
    assert data["decision"] == "refuse" and [r["code"] for r in data["reasons"]] == ["body_too_short"]
    assert "họ tên, địa chỉ liên hệ và nội dung đề nghị" in data["reasons"][0]["message_vi"]


def test_an_agency_writing_only_in_the_body_is_still_refused(tmp_path, config, capsys):
    data = explain(tmp_path, config, capsys, mail(body=c.BODY_COMPLAINT))
    assert data["decision"] == "refuse" and data["reasons"][0]["code"] == "no_allowed_attachment"


def test_a_business_dossier_asks_for_the_original_in_person_or_by_post(tmp_path, config, capsys):
    ingest(tmp_path, config, capsys, c.dossier_pdf())
    found = {k: t for k, _, t in notices(tmp_path)}
    paper = found["paper-copy"]
    assert paper.startswith("Đề nghị nộp bản chính — Số đến 1/")
    assert "Kính gửi: Công ty TNHH Thương mại Minh Phát (vanthu@minhphat.com.vn)" in paper
    assert "trực tiếp tại bộ phận Văn thư Văn phòng UBND tỉnh Quảng Ngãi hoặc gửi qua bưu điện" in paper
    assert ADDRESS in paper and "Quý đơn vị" in paper
    assert not any(word in paper + found["receipt"] for word in AGENCY_ONLY)


def test_an_unsigned_business_report_needs_no_paper(tmp_path, config, capsys):
    ingest(tmp_path, config, capsys, c.business_report())
    ((kind, _, text),) = notices(tmp_path)
    assert kind == "receipt" and "Kính gửi: Công ty Cổ phần Xây dựng Miền Trung (" in text
    assert "Quý đơn vị không cần gửi thêm bản giấy" in text


# -- re-sent, corrected, answered --------------------------------------------------------------

def test_a_resent_document_takes_no_new_number_and_the_receipt_names_the_old_one(tmp_path, config, capsys):
    pdf = c.complaint_pdf_bytes()
    assert "số đến 1/" in ingest(tmp_path, config, capsys, c.complaint_pdf(pdf), "a.eml")
    again = c.complaint_pdf(pdf)           # the same file under a new Message-ID
    data = explain(tmp_path, config, capsys, again)
    assert data["duplicate_of"]["arrival_number"] == 1 and data["duplicate_of"]["book"] == "don-thu"
    assert data["notices"] == [{"kind": "receipt-again", "to": c.CITIZEN_2}]
    assert "already registered as số đến 1/" in ingest(tmp_path, config, capsys, again, "b.eml")
    assert len(export(capsys, config)) == 1
    kinds = [k for k, _, _ in notices(tmp_path)]
    assert kinds.count("receipt") == 1 and kinds.count("receipt-again") == 1
    # The handler is not sent it twice (forwards wait for office hours: read the queue).
    with sqlite3.connect(tmp_path / "data" / "mailbot.sqlite3") as conn:
        assert conn.execute("SELECT message, kind FROM outbox WHERE kind = 'forward'").fetchall() == [(1, "forward")]
    text = next(t for k, _, t in notices(tmp_path) if k == "receipt-again")
    assert "vào sổ với số đến 1/" in text and "không vào sổ lại" in text


def test_a_resent_dossier_takes_its_paper_state_from_the_earlier_entry(tmp_path, config, capsys):
    msg = c.dossier_pdf()
    ingest(tmp_path, config, capsys, msg, "a.eml")
    assert main(["register", "paper-received", "--config", str(config), "1"]) == 0
    capsys.readouterr()
    del msg["Message-ID"]
    msg["Message-ID"] = "<gui-lai@minhphat.com.vn>"
    ingest(tmp_path, config, capsys, msg, "b.eml")
    kinds = [k for k, _, _ in notices(tmp_path)]
    assert kinds.count("paper-copy") == 1            # not asked a second time
    text = next(t for k, _, t in notices(tmp_path) if k == "receipt-again")
    assert "Bản giấy (bản chính) đã được nhận" in text


def test_a_corrected_version_is_registered_linked_and_the_clerk_told_both_numbers(tmp_path, config, capsys):
    ingest(tmp_path, config, capsys, c.dossier_pdf(), "a.eml")
    from tests.support.documents_files import pdf_document

    corrected = pdf_document([c.DOSSIER_LINES, ["Phụ lục: danh mục hồ sơ (bản thay thế)"]])
    msg = mail(sender=c.BUSINESS, subject="Hồ sơ (bản thay thế)", body="Gửi lại bản thay thế.",
               files=[("ho-so-thay-the.pdf", corrected, "application/pdf")])
    assert "linked to số đến 1 (correction)" in ingest(tmp_path, config, capsys, msg, "b.eml")
    first, second = export(capsys, config)
    assert second["arrival_number"] == 2 and second["related_to"]["arrival_number"] == 1
    assert second["related_to"]["kind"] == "correction" and first["related_to"] is None
    alert = next(t for k, to, t in notices(tmp_path) if k == "alert" and to == CLERK)
    assert "đã có trong sổ với số đến 1 " in alert and "bản mới vào sổ với số đến 2/" in alert
    assert "Khác với bản trước: số trang 1 → 2" in alert
    assert "Lý do" not in alert        # an accepted document's alert lists no acceptance reasons


def test_a_reply_to_our_receipt_is_linked_to_the_entry(tmp_path, config, capsys):
    ingest(tmp_path, config, capsys, c.petition_docx(), "a.eml")
    receipt = next(p for p in (tmp_path / "outbox").glob("*-receipt.eml"))
    receipt_id = message_from_bytes(receipt.read_bytes(), policy=policy.default)["Message-ID"]
    extra = samples.docx(["Bổ sung đơn kiến nghị", "Tôi gửi bổ sung ảnh hiện trường đoạn đường sạt lở."])
    reply = mail(sender=c.CITIZEN, subject="Re: Đã nhận văn bản", body="Tôi gửi bổ sung.",
                 files=[("bo-sung.docx", extra, DOCX_TYPE)], headers={"In-Reply-To": receipt_id})
    data = explain(tmp_path, config, capsys, reply)
    assert data["related_to"]["kind"] == "reply" and data["related_to"]["arrival_number"] == 1
    ingest(tmp_path, config, capsys, reply, "b.eml")
    by_book = {e["book"]: e for e in export(capsys, config)}
    petition, supplement = by_book["don-thu"], by_book["den-ubnd"]
    assert supplement["related_to"] == {"book": "don-thu", "arrival_number": 1,
                                        "arrival_date": petition["arrival_date"], "kind": "reply"}


# -- the pure parts ------------------------------------------------------------------------------

@pytest.mark.parametrize("sender, organ, sender_name, type_name, expected", [
    ("lan@gmail.com", None, None, None, "citizen"),                               # free mail, nothing read
    ("ketoan@minhphat.com.vn", None, None, None, "organisation"),                 # a business's own domain
    ("ubndxa.tinhkhe@gmail.com", "Ủy ban nhân dân xã Tịnh Khê", None, "Công văn", "agency"),  # a commune on gmail
    ("vp@gmail.com", "Hội đồng nhân dân tỉnh Quảng Ngãi", None, "Nghị quyết", "agency"),      # not an association
    ("hoa@gmail.com", None, "Lê Thị Hoa", "Đơn tố cáo", "citizen"),
    ("hoa@gmail.com", "Hợp tác xã Nông nghiệp Tịnh Khê", None, "Báo cáo", "organisation"),
])
def test_sender_class_from_domain_and_document(sender, organ, sender_name, type_name, expected):
    from mailbot.inspect.sender_class import sender_class
    from mailbot.model import DocumentFields

    doc = DocumentFields(organ_name=organ, sender_name=sender_name, type_name=type_name)
    assert sender_class(None, sender, doc) == expected


def test_an_unauthenticated_agency_domain_is_an_agency_whatever_the_document_says():
    from mailbot.inspect.sender_class import sender_class
    from mailbot.model import DocumentFields, SenderAuth

    auth = SenderAuth(False, "none", True, "quarantine")
    assert sender_class(auth, "x@stc.quangngai.gov.vn", DocumentFields(type_name="Đơn kiến nghị")) == "agency"


def test_the_title_of_a_petition_gives_its_kind_and_subject():
    from mailbot.inspect.document import read_document

    doc = read_document("ĐƠN ĐỀ NGHỊ CẤP GIẤY PHÉP XÂY DỰNG\nKính gửi: Ủy ban nhân dân huyện Sơn Tịnh\n"
                        "Tên tôi là: Võ Thị Mai\nĐịa chỉ: xã Tịnh Hà\nNgười làm đơn\nVõ Thị Mai")
    assert (doc.type_name, doc.subject, doc.sender_name, doc.sender_address, doc.addressee) == (
        "Đơn đề nghị", "Cấp giấy phép xây dựng", "Võ Thị Mai", "xã Tịnh Hà", "Ủy ban nhân dân huyện Sơn Tịnh")
    assert doc.organ_name is None
