"""Register fields read from document text (mailbot.inspect.document, docs/DESIGN.md §8)."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from mailbot.inspect.document import FIELD_NAMES, DocumentFields, read_document
from tests.support.documents import CASES, Case

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def _read(case: Case) -> DocumentFields:
    return read_document(case.text, email_subject=case.email_subject,
                         signer_certificate=case.signer_certificate)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus_document(case):
    got = _read(case).to_json()
    diff = {k: (got.get(k), v) for k, v in case.expected.items() if got.get(k) != v}
    assert not diff, f"{case.name}: field → (got, expected): {diff}"


def test_corpus_accuracy_report(capsys):
    """Per-field and overall accuracy over the corpus (printed; the per-case test asserts)."""
    right = {k: 0 for k in FIELD_NAMES}
    for case in CASES:
        got = _read(case).to_json()
        for k in FIELD_NAMES:
            right[k] += got.get(k) == case.expected.get(k)
    total = len(CASES)
    lines = [f"{k:18} {right[k] / total:6.3f}" for k in FIELD_NAMES]
    overall = sum(right.values()) / (total * len(FIELD_NAMES))
    with capsys.disabled():
        print(f"\ndocument fields over {total} documents:\n" + "\n".join(lines)
              + f"\n{'overall':18} {overall:6.3f}")
    assert total >= 40
    assert overall >= 0.97


def test_corpus_covers_types_prefixes_and_marks():
    expected = [c.expected for c in CASES]
    types = {e["type_name"] for e in expected}
    for t in ["Quyết định", "Quy định", "Quy chế", "Chỉ thị", "Thông báo", "Hướng dẫn",
              "Chương trình", "Kế hoạch", "Phương án", "Đề án", "Dự án", "Báo cáo", "Biên bản",
              "Tờ trình", "Hợp đồng", "Công điện", "Bản ghi nhớ", "Bản thỏa thuận",
              "Giấy ủy quyền", "Giấy mời", "Giấy giới thiệu", "Giấy nghỉ phép", "Phiếu gửi",
              "Phiếu chuyển", "Phiếu báo", "Nghị quyết", "Công văn"]:
        assert t in types, t
    assert {e["signer_competence"] for e in expected} >= {"TM.", "KT.", "TL.", "TUQ.", "Q.", None}
    assert {e["urgency"] for e in expected} >= {"Hỏa tốc", "Thượng khẩn", "Khẩn"}
    assert {e["secrecy"] for e in expected} >= {"Mật", "Tối mật", "Tuyệt mật"}


def test_result_shape_and_sources():
    doc = read_document(CASES[0].text)
    assert isinstance(doc, DocumentFields) and tuple(doc.to_json()) == FIELD_NAMES
    assert doc.to_json() == {name: getattr(doc, name) for name in FIELD_NAMES} | {"to_places": list(doc.to_places)}
    json.dumps(doc.to_json(), ensure_ascii=False)
    assert doc.sources["code"] == "text" and "page_amount" not in doc.sources
    assert all(unicodedata.is_normalized("NFC", v) for v in doc.to_json().values() if isinstance(v, str))


def test_fields_record():
    # Every key, null where nothing was read (explain's `document`); lists in JSON, tuples inside.
    assert DocumentFields().to_json() == dict.fromkeys(FIELD_NAMES)
    doc = DocumentFields.from_mapping({"code": "5/GM", "to_places": ["Như trên", "Lưu: VT"]}, {"code": "text"})
    assert doc.to_places == ("Như trên", "Lưu: VT") and doc.to_json()["to_places"] == ["Như trên", "Lưu: VT"]
    assert doc.sources == {"code": "text"} and hash(doc) == hash(DocumentFields.from_mapping(doc.to_json()))
    with pytest.raises(TypeError):
        DocumentFields.from_mapping({"cde": "5/GM"})


def test_sources_name_the_fallbacks():
    case = next(c for c in CASES if c.name == "email-subject-fallback")
    sources = _read(case).sources
    assert sources["code"] == sources["subject"] == sources["type_name"] == "email-subject"
    assert sources["signer_name"] == sources["organ_name"] == "certificate"
    case = next(c for c in CASES if c.name == "giay-moi-date-from-esign")
    sources = _read(case).sources
    assert sources["issued_date"] == "e-signature" and sources["place"] == "text"


def test_empty_and_unrelated_text_give_nulls():
    for text in ["", "   \n\n", "Xin chào, gửi anh tài liệu họp chiều nay."]:
        fields = read_document(text).to_json()
        assert all(v is None for v in fields.values()), fields


def test_email_subject_alone_gives_type_and_code():
    doc = read_document("", email_subject="Re: Giấy mời số 45/GM-VP họp giao ban quý IV")
    assert doc.type_name == "Giấy mời"
    assert (doc.code, doc.code_number, doc.code_notation) == ("45/GM-VP", "45", "GM-VP")
    doc = read_document("", email_subject="Kế hoạch 59/KH-UBND")
    assert doc.type_name == "Kế hoạch" and doc.subject is None


def test_body_dates_and_names_are_not_header_fields():
    text = ("QUYẾT ĐỊNH\nVề việc phê duyệt dự án\nCăn cứ Luật Đầu tư công, Hà Nội, ngày 13 tháng 6 năm 2019;\n"
            "Số: 15/2019/QĐ-UBND được nhắc trong thân văn bản.\n")
    fields = read_document(text).to_json()
    assert fields["issued_date"] is None and fields["place"] is None and fields["code"] is None
    assert fields["subject"] == "Phê duyệt dự án"


# -- the seed documents (real texts) -----------------------------------------------------------

def _seed(prefix: str) -> str:
    if not SEEDS.is_dir():
        pytest.skip("shared seeds folder not present")
    found = sorted(SEEDS.glob(prefix + "_*.txt"))
    if not found:
        pytest.skip(f"seed {prefix} not present")
    return found[0].read_text(encoding="utf-8")


def test_seed_002_hoa_binh_plan():
    f = read_document(_seed("002")).to_json()
    assert f == {
        "code": "59/KH-UBND", "code_number": "59", "code_notation": "KH-UBND",
        "type_name": "Kế hoạch", "organ_name": "Ủy ban nhân dân tỉnh Hòa Bình", "parent_organ": None,
        "place": "Hòa Bình", "issued_date": "2013-10-28",
        "subject": "Thực hiện việc trao đổi văn bản điện tử trong hoạt động của các cơ quan nhà "
                   "nước tỉnh Hòa Bình giai đoạn 2013-2015",
        "urgency": None, "secrecy": None, "signer_name": "Bùi Văn Tỉnh",
        "signer_position": "Chủ tịch", "signer_competence": None, "signer_title": "Chủ tịch",
        "to_places": ["Bộ Thông tin và Truyền thông (để báo cáo)",
                      "Chủ tịch, các Phó Chủ tịch UBND tỉnh", "Các sở, ban, ngành tỉnh",
                      "UBND các huyện, thành phố", "Báo Hòa Bình, Đài PTTH tỉnh, Cổng TTĐT",
                      "Lãnh đạo Văn phòng", "Lưu: VT, VX…"],
        "page_amount": None, "sender_name": None, "sender_address": None, "addressee": None,
    }


def test_seed_003_quang_ngai_decision_header_lost():
    f = read_document(_seed("003")).to_json()
    # The header (organ, Số, place–date) was lost: nulls, not the attached Quy định's
    # "(Ban hành kèm theo Quyết định số: 57/2014/QĐ-UBND ngày 10 tháng 11 năm 2014 …)".
    assert f == {
        "code": None, "code_number": None, "code_notation": None, "type_name": "Quyết định",
        "organ_name": None, "parent_organ": None, "place": None, "issued_date": None,
        "subject": "Ban hành Quy định về trao đổi, quản lý văn bản điện tử trên môi trường mạng "
                   "trong hoạt động của các cơ quan nhà nước tỉnh Quảng Ngãi",
        "urgency": None, "secrecy": None, "signer_name": "Lê Viết Chữ",
        "signer_position": "Chủ tịch", "signer_competence": "TM.",
        "signer_title": "TM. Ủy ban nhân dân / Chủ tịch", "to_places": None, "page_amount": None,
        "sender_name": None, "sender_address": None, "addressee": None,
    }
    # Its body says "Các văn bản thuộc dạng mật …": not a secrecy stamp.
    assert f["secrecy"] is None


def test_seed_004_tien_giang_directive():
    f = read_document(_seed("004")).to_json()
    assert (f["code"], f["type_name"], f["organ_name"], f["place"], f["issued_date"]) == \
        ("05/CT-UBND", "Chỉ thị", "Ủy ban nhân dân tỉnh Tiền Giang", "Mỹ Tho", "2009-02-17")
    assert f["signer_name"] == "Nguyễn Hữu Chí" and f["signer_title"] == "Chủ tịch"
    assert f["to_places"][7] == "VPUB: CVP, các PVP, các đơn vị trực thuộc"
    assert f["to_places"][-1] == "Lưu: VT, Sơn"


def test_seed_000_incoming_stamp_is_not_the_number():
    f = read_document(_seed("000")).to_json()
    assert (f["code"], f["issued_date"], f["place"]) == ("22/2012/CT-UBND", "2012-12-27", "Quảng Ngãi")
    assert f["subject"].startswith("Tăng cường sử dụng văn bản điện tử")
    assert f["organ_name"] is None  # the header's organ cell was lost in this text
