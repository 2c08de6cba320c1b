"""Routes, people and deputies (issue 15.2–15.3): the pure routing of a registered document."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from mailbot.config import ConfigError, Mailbox, parse_rules
from mailbot.decide.routing import route_document, stated_deadline
from mailbot.model import (AttachmentReport, Decision, DocumentFields, DocumentVerdict, MessageReport, Reason,
                           SignatureReport)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=VN)
ACCEPT = Decision("accept", (Reason("accepted", "vi", "en"),), book="den")
PAPER = Decision("accept", (Reason("accepted", "vi", "en"),), book="den", paper_copy_required=True)

PEOPLE = """
units:
  - {id: tonghop, name: Phòng Tổng hợp, address: tonghop@quangngai.gov.vn}
  - {id: kinhte, name: Phòng Kinh tế}
  - {id: vanthu, name: Bộ phận Văn thư, address: vanthu@quangngai.gov.vn}
people:
  - {id: pct1, name: Nguyễn Văn An, address: pct1@quangngai.gov.vn, unit: tonghop, deputy: pct2,
     absences: [{from: 2026-12-07, to: 2026-12-09, deputy: pct3}]}
  - {id: pct2, name: Trần Thị Bình, address: pct2@quangngai.gov.vn, unit: tonghop}
  - {id: pct3, name: Lê Văn Cường, address: pct3@quangngai.gov.vn, unit: kinhte}
  - {id: cv1, name: Phạm Thu Dung, address: cv1@quangngai.gov.vn, unit: kinhte, deputy: cv2,
     absences: [{from: 2026-12-01, to: 2026-12-31}]}
  - {id: cv2, name: Hồ Văn Em, address: cv2@quangngai.gov.vn, deputy: cv3,
     absences: [{from: 2026-12-05, to: 2026-12-10}]}
  - {id: cv3, name: Võ Thị Giang, address: cv3@quangngai.gov.vn}
  - {id: cv4, name: Đỗ Văn Hải, address: cv4@quangngai.gov.vn, deputy: cv5,
     absences: [{from: 2026-12-01, to: 2026-12-31}]}
  - {id: cv5, name: Ngô Thị Kim, address: cv5@quangngai.gov.vn, absences: [{from: 2026-12-01, to: 2026-12-31}]}
"""

ROUTES = """
routes:
  - name: Hỏa tốc
    when: {urgency: [Hỏa tốc, Thượng khẩn]}
    cc: [chanh.vanphong@quangngai.gov.vn]
    continue: true
  - name: Tờ trình
    when: {type: [Tờ trình], mailbox: ubnd}
    assign: {handler: pct1}
    deadline: {working_days: 5}
  - name: Sở Tài chính về ngân sách
    when: {all: [{sender: ["*.stc.quangngai.gov.vn", stc.quangngai.gov.vn]}, {words: [ngân sách]}]}
    assign: {unit: kinhte, handler: cv1}
    forward: [ketoan@quangngai.gov.vn]
  - name: Chưa ký số tin cậy
    when: {any: [{signature: [unsigned, signed-untrusted]}, {paper_required: true}], not: {organ: [Bộ Tài chính]}}
    assign: {handler: cv4}
  - name: Mặc định
    assign: {unit: vanthu}
"""


def rules(extra: str = ""):
    return parse_rules(f"""
books: [{{id: den, name: Sổ đến}}]
mailboxes: [{{id: ubnd, address: ubnd@quangngai.gov.vn, register: den}}]
{PEOPLE}
{ROUTES}
{extra}
""")


def report(sender="vanthu@stc.quangngai.gov.vn", subject="", signed=True, **doc) -> MessageReport:
    pdf = AttachmentReport(filename="vb.pdf", original_filename="vb.pdf", declared_type="application/pdf",
                           size=1, sha256="0" * 64, format="pdf", mime="application/pdf", allowed=True,
                           signature=SignatureReport(DocumentVerdict("trusted-signed" if signed else "unsigned",
                                                                     paper_exempt=signed)))
    return MessageReport(sha256="1" * 64, size=1, readable=True, sender=sender, subject=subject,
                         attachments=(pdf,), main_attachment=0, document=DocumentFields(**doc))


def route(r: MessageReport, decision=ACCEPT, at=MONDAY, cfg=None):
    cfg = cfg or rules()
    return route_document(cfg, r, decision, cfg.mailboxes[0], at,
                          add_working_days=lambda d, n: d + timedelta(days=n))


def test_first_match_wins_and_the_trail_is_kept():
    result = route(report(type_name="Tờ trình"))
    assert result.name == "Tờ trình"
    assert result.tried == (("Hỏa tốc", False), ("Tờ trình", True))


def test_default_route_catches_the_rest_and_uses_the_unit_address():
    result = route(report(type_name="Giấy mời", organ_name="Sở Y tế"), cfg=rules())
    assert (result.name, result.unit, result.handler) == ("Mặc định", "vanthu", None)
    assert result.forward_to == ("vanthu@quangngai.gov.vn",)


def test_sender_wildcards_words_without_accents_and_all():
    hit = route(report(sender="a@phong.stc.quangngai.gov.vn", subject="Dự toán NGAN SACH 2027"))
    assert hit.name == "Sở Tài chính về ngân sách" and hit.unit == "kinhte"
    miss = route(report(sender="a@syt.quangngai.gov.vn", subject="Dự toán ngân sách 2027"))
    assert miss.name == "Mặc định"
    # "ngân sách" must be whole words: "ngân sáchxyz" does not count.
    assert route(report(subject="ngân sáchxyz")).name == "Mặc định"


def test_any_not_signature_and_paper_conditions():
    assert route(report(signed=False, organ_name="Sở Xây dựng")).name == "Chưa ký số tin cậy"
    assert route(report(signed=True, organ_name="Sở Xây dựng"), decision=PAPER).name == "Chưa ký số tin cậy"
    assert route(report(signed=False, organ_name="Bộ Tài chính")).name == "Mặc định"
    assert route(report(signed=True, organ_name="Sở Xây dựng")).name == "Mặc định"


def test_continue_adds_cc_and_the_urgent_flag():
    result = route(report(type_name="Tờ trình", urgency="Hỏa tốc"))
    assert result.name == "Hỏa tốc" and result.why == ("Hỏa tốc", "Tờ trình")
    assert result.urgent and result.cc == ("chanh.vanphong@quangngai.gov.vn",)
    assert result.assigned == "pct1"


def test_absence_goes_to_that_absences_deputy_then_back():
    away = route(report(type_name="Tờ trình"), at=MONDAY)                    # 7/12: pct1 away, pct3 stands in
    assert (away.assigned, away.handler) == ("pct1", "pct3")
    assert away.forward_to == ("pct3@quangngai.gov.vn",)
    assert away.substitutions[0].person == "pct1" and away.substitutions[0].until == date(2026, 12, 9)
    assert away.unit == "kinhte"                                             # the stand-in's unit
    back = route(report(type_name="Tờ trình"), at=MONDAY + timedelta(days=3))
    assert back.handler == "pct1" and back.substitutions == ()


def test_deputy_chain_is_followed_and_ends_with_nobody_when_all_are_away():
    chain = route(report(sender="x@stc.quangngai.gov.vn", subject="ngân sách"))   # cv1 → cv2 (away) → cv3
    assert chain.handler == "cv3" and [s.person for s in chain.substitutions] == ["cv1", "cv2"]
    assert chain.forward_to == ("cv3@quangngai.gov.vn", "ketoan@quangngai.gov.vn")
    nobody = route(report(signed=False, organ_name="Sở Xây dựng"))                 # cv4 → cv5, both away
    assert nobody.nobody_available and nobody.handler is None and nobody.forward_to == ()


def test_deadline_in_working_days_or_the_date_the_document_states():
    assert route(report(type_name="Tờ trình")).deadline == date(2026, 12, 12)
    stated = route(report(type_name="Tờ trình", subject="Báo cáo trước ngày 15 tháng 12 năm 2026"))
    assert stated.deadline == date(2026, 12, 15) and stated.deadline_source == "document"
    assert stated_deadline(report(subject="đề nghị gửi trước ngày 31/12/2026")) == date(2026, 12, 31)
    assert stated_deadline(report(subject="trước ngày 31/02/2026")) is None


def test_secret_documents_are_never_forwarded():
    result = route(report(type_name="Tờ trình", secrecy="Mật"))
    assert result.handler == "pct3" and result.forward_to == () and result.cc == ()


def test_no_routes_means_no_routing():
    cfg = parse_rules("books: [{id: den, name: Sổ đến}]")
    assert route_document(cfg, report(), ACCEPT, None, MONDAY) is None


@pytest.mark.parametrize("fragment, expected", [
    ("routes: [{name: A, assign: {handler: pct9}}]", "line 2: routes.0.assign.handler: no person 'pct9'"),
    ("units: [{id: tonghop, name: T}]\nroutes: [{name: A, assign: {unit: tonghp}}]", "did you mean 'tonghop'?"),
    ("routes: [{name: A}, {name: B, when: {type: [Tờ trình]}}]", "route 'B' can never match"),
    ("routes: [{name: A, forward: ['a@b.gov.vn, c@d.gov.vn']}]", "is not one email address"),
    ("people: [{id: a, name: A, address: a@x.gov.vn, absences: [{from: 2026-12-09, to: 2026-12-01}]}]",
     "swap from and to"),
    ("people: [{id: a, name: A, address: a@x.gov.vn, deputy: b}, {id: b, name: B, address: b@x.gov.vn, deputy: a}]",
     "deputies go round in a loop (a → b → a)"),
    ("people: [{id: a, name: A, address: ubnd@quangngai}]", "is not one email address"),
    ("routes: [{name: A, when: {}}]", "an empty condition matches everything"),
])
def test_administrators_mistakes_are_named_with_their_line(fragment, expected):
    with pytest.raises(ConfigError) as err:
        parse_rules(f"books: [{{id: den, name: Sổ đến}}]\n{fragment}\n")
    assert expected in str(err.value), str(err.value)
