"""Paper-copy decision matrix: document type × signature × always-paper (Decision 57/2014 Art. 7–8)."""

import pytest

from mailbot.config import PaperCopy
from mailbot.decide.paper import decide_paper
from mailbot.model import DocumentFields

RULES = PaperCopy()

# The main PDF's `paper_exempt`: trusted-signed; signed, but not by a trusted certificate; no signature.
TRUSTED, UNTRUSTED, UNSIGNED = True, False, False
SIGNATURES = {"trusted": TRUSTED, "untrusted": UNTRUSTED, "unsigned": UNSIGNED}

# (type, subject, category) — category decides the expected outcome per signature state.
DOCUMENTS = [
    ("Giấy mời", "Họp giao ban quý IV", "electronic-only"),
    ("Lịch công tác", "Lịch công tác tuần 47 của lãnh đạo UBND tỉnh", "electronic-only"),
    ("Thông báo", "Kết quả cuộc họp giao ban", "electronic-only"),
    ("Kế hoạch", "Triển khai chuyển đổi số năm 2027", "electronic-only"),
    ("Chương trình", "Công tác năm 2027", "electronic-only"),
    ("Báo cáo", "Tình hình kinh tế - xã hội tháng 10 năm 2026", "electronic-only"),
    ("Báo cáo", "Kết quả công tác quý III", "electronic-only"),
    ("Công văn", "Xin ý kiến dự thảo Quyết định ban hành quy chế", "electronic-only"),
    ("Công văn", "Gửi tài liệu họp Ban chỉ đạo", "electronic-only"),
    ("Tờ trình", "Dự thảo Nghị quyết về giá đất", "electronic-only"),
    ("Quyết định", "Ban hành Quy chế làm việc của UBND tỉnh", "paper-unless-signed"),
    ("Chỉ thị", "Tăng cường kỷ cương hành chính", "paper-unless-signed"),
    ("Tờ trình", "Phê duyệt Đề án phát triển du lịch", "paper-unless-signed"),
    ("Công văn", "Tăng cường phòng chống dịch bệnh mùa đông", "paper-unless-signed"),
    ("Báo cáo", "Giải trình ý kiến của Đoàn giám sát", "paper-unless-signed"),
    ("Nghị quyết", "Về dự toán ngân sách năm 2027", "paper-unless-signed"),
    (None, None, "paper-unless-signed"),
    ("Quyết định", "Bổ nhiệm ông Nguyễn Văn A giữ chức Phó Giám đốc Sở", "always-paper"),
    ("Quyết định", "Khen thưởng tập thể và cá nhân", "always-paper"),
    ("Thông báo", "Kết luận thanh tra việc quản lý đất đai", "always-paper"),
    ("Công văn", "Gửi bản kê khai tài sản, thu nhập năm 2026", "always-paper"),
    ("Công văn", "Hồ sơ thủ tục hành chính cấp phép xây dựng", "always-paper"),
    ("Tờ trình", "Thanh toán kèm hồ sơ chứng từ", "always-paper"),
]

EXPECTED = {  # (category, signature) → (required, reason code)
    ("electronic-only", "trusted"): (False, "paper_not_needed"),
    ("electronic-only", "untrusted"): (False, "paper_not_needed"),
    ("electronic-only", "unsigned"): (False, "paper_not_needed"),
    ("paper-unless-signed", "trusted"): (False, "paper_exempt_signed"),
    ("paper-unless-signed", "untrusted"): (True, "paper_required_unsigned"),
    ("paper-unless-signed", "unsigned"): (True, "paper_required_unsigned"),
    ("always-paper", "trusted"): (True, "paper_required_archive"),
    ("always-paper", "untrusted"): (True, "paper_required_archive"),
    ("always-paper", "unsigned"): (True, "paper_required_archive"),
}


@pytest.mark.parametrize("signature", list(SIGNATURES))
@pytest.mark.parametrize("type_name,subject,category", DOCUMENTS)
def test_paper_matrix(type_name, subject, category, signature):
    decision = decide_paper(DocumentFields(type_name=type_name, subject=subject), SIGNATURES[signature], RULES)
    assert decision.category == category
    assert (decision.required, decision.reason.code) == EXPECTED[(category, signature)]
    assert decision.reason.rule.startswith("QĐ 57/2014/QĐ-UBND Điều")
    assert decision.reason.message_vi and decision.reason.message_en


def test_matching_ignores_case_and_accents():
    assert decide_paper(DocumentFields(type_name="GIAY MOI", subject=""), UNSIGNED, RULES).required is False
    assert decide_paper(DocumentFields(type_name="Công văn", subject="KET LUAN THANH TRA"), TRUSTED, RULES).required


def test_administrators_can_change_the_lists():
    rules = PaperCopy(electronic_only_types=["Công văn"])
    assert decide_paper(DocumentFields(type_name="Công văn", subject="x"), UNSIGNED, rules).required is False
    assert decide_paper(DocumentFields(type_name="Giấy mời", subject="x"), UNSIGNED, rules).required is True
