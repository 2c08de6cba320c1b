"""A small realistic set of messages from citizens and businesses (test data for issue #16).

Each builder returns an EmailMessage as our MTA hands it on. The documents are written as
people write them: a petition as .docx or .pdf, a complaint in the email body, a covering
note whose file was forgotten, an administrative-procedure dossier from a business (the
original must be kept on paper), and a business's unsigned periodic report.
"""

from __future__ import annotations

from mailbot.util import samples
from tests.support.bot import DOCX_TYPE, mail
from tests.support.documents_files import pdf_document

CITIZEN = "nguyenthilan1978@gmail.com"
CITIZEN_2 = "tranvanhung.qn@yahoo.com"
BUSINESS = "vanthu@minhphat.com.vn"

PETITION_LINES = [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "Quảng Ngãi, ngày 02 tháng 12 năm 2026",
    "ĐƠN KIẾN NGHỊ",
    "(V/v sửa chữa tuyến đường thôn An Phú bị sạt lở)",
    "Kính gửi: Ủy ban nhân dân tỉnh Quảng Ngãi",
    "Tôi tên là: Nguyễn Thị Lan          Sinh năm: 1978",
    "Địa chỉ: thôn An Phú, xã Tịnh Khê, huyện Sơn Tịnh, tỉnh Quảng Ngãi",
    "Số điện thoại: 0905 123 456",
    "Tôi làm đơn này kính đề nghị Ủy ban nhân dân tỉnh xem xét, chỉ đạo sửa chữa tuyến đường "
    "thôn An Phú bị sạt lở sau mưa lũ, gây nguy hiểm cho người dân và học sinh đi lại.",
    "Xin trân trọng cảm ơn.",
    "Người làm đơn",
    "(ký, ghi rõ họ tên)",
    "Nguyễn Thị Lan",
]

COMPLAINT_PAGE = [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "Sơn Tịnh, ngày 28 tháng 11 năm 2026",
    "ĐƠN KHIẾU NẠI",
    "Kính gửi: Chủ tịch Ủy ban nhân dân tỉnh Quảng Ngãi",
    "Họ và tên người khiếu nại: TRẦN VĂN HÙNG",
    "Địa chỉ thường trú: tổ 3, phường Nghĩa Chánh, thành phố Quảng Ngãi",
    "Tôi khiếu nại Quyết định số 1520/QĐ-UBND ngày 10/11/2026 của Ủy ban nhân dân huyện Sơn Tịnh "
    "về việc thu hồi đất của gia đình tôi tại thôn Phú Lộc.",
    "Người khiếu nại",
    "Trần Văn Hùng",
]

BODY_COMPLAINT = """Kính gửi Văn phòng UBND tỉnh Quảng Ngãi,

Tôi là Trần Văn Hùng, trú tại tổ 3, phường Nghĩa Chánh, TP. Quảng Ngãi. Tôi xin phản ánh việc \
quán karaoke trên đường Hùng Vương hoạt động quá 23 giờ hằng đêm, gây ồn ào kéo dài nhiều tháng \
nay. Đề nghị cơ quan chức năng kiểm tra, xử lý.

Trân trọng,
Trần Văn Hùng
ĐT: 0905 222 333
"""

DOSSIER_LINES = [
    "CÔNG TY TNHH THƯƠNG MẠI MINH PHÁT",
    "Số: 12/2026/CV-MP",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "Quảng Ngãi, ngày 01 tháng 12 năm 2026",
    "V/v nộp hồ sơ thủ tục hành chính cấp giấy phép kinh doanh bán lẻ rượu",
    "Kính gửi: Sở Công Thương tỉnh Quảng Ngãi",
    "Công ty TNHH Thương mại Minh Phát xin nộp hồ sơ đề nghị cấp giấy phép kinh doanh bán lẻ rượu.",
    "GIÁM ĐỐC",
    "Lê Minh Phát",
]

REPORT_LINES = [
    "CÔNG TY CỔ PHẦN XÂY DỰNG MIỀN TRUNG",
    "Số: 45/BC-XDMT",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "Quảng Ngãi, ngày 30 tháng 11 năm 2026",
    "BÁO CÁO",
    "Tình hình thực hiện dự án kè chống sạt lở sông Trà Khúc tháng 11 năm 2026",
    "Kính gửi: Ủy ban nhân dân tỉnh Quảng Ngãi",
    "Công ty báo cáo tiến độ thi công trong tháng 11 như sau.",
    "GIÁM ĐỐC",
    "Phạm Văn Nam",
]


def petition_docx():
    doc = samples.docx(PETITION_LINES)
    return mail(sender=CITIZEN, subject="Đơn kiến nghị sửa đường thôn An Phú",
                body="Kính gửi Văn phòng, tôi gửi đơn kiến nghị kèm theo.",
                files=[("Don kien nghi.docx", doc, DOCX_TYPE)])


def complaint_pdf_bytes() -> bytes:
    return pdf_document([COMPLAINT_PAGE])


def complaint_pdf(data: bytes | None = None, **headers: str):
    return mail(sender=CITIZEN_2, subject="Đơn khiếu nại quyết định thu hồi đất", body="Gửi đơn khiếu nại.",
                files=[("don-khieu-nai.pdf", data or complaint_pdf_bytes(), "application/pdf")],
                headers=headers or None)


def body_complaint():
    return mail(sender=CITIZEN_2, subject="Phản ánh tiếng ồn quán karaoke", body=BODY_COMPLAINT)


def forgotten_file():
    return mail(sender=CITIZEN, subject="Gửi đơn", body="Kính gửi anh chị,\nXem file đính kèm.\nTrân trọng,\nLan")


def dossier_pdf():
    return mail(sender=BUSINESS, subject="Hồ sơ đề nghị cấp giấy phép kinh doanh bán lẻ rượu",
                body="Công ty Minh Phát gửi hồ sơ.",
                files=[("ho-so.pdf", pdf_document([DOSSIER_LINES]), "application/pdf")])


def business_report():
    return mail(sender="baocao@xaydungmientrung.vn", subject="Báo cáo tiến độ dự án kè sông Trà Khúc tháng 11",
                body="Kính gửi UBND tỉnh báo cáo tháng 11.",
                files=[("bao-cao-thang-11.docx", samples.docx(REPORT_LINES), DOCX_TYPE)])
