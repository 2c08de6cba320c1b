"""Test corpus for mailbot.inspect.document: official documents in real layouts, as text.

Each case is the text a PDF/Word extractor gives for a document laid out per
Decree 30/2020 Phụ lục I (headers flattened, interleaved or split into cells,
e-signature stamps, copy blocks, attached regulations…), written for these
tests, with every register field expected (docs/DESIGN.md §8). `expect()` takes every
field as a required keyword so no case can leave one out by accident.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Case:
    name: str
    text: str
    expected: dict[str, Any]
    email_subject: str | None = None
    signer_certificate: dict | None = None


def expect(*, code, code_number, code_notation, type_name, organ_name, parent_organ, place,
           issued_date, subject, urgency, secrecy, signer_name, signer_position, signer_competence,
           signer_title, to_places) -> dict[str, Any]:
    return dict(code=code, code_number=code_number, code_notation=code_notation,
                type_name=type_name, organ_name=organ_name, parent_organ=parent_organ,
                place=place, issued_date=issued_date, subject=subject, urgency=urgency,
                secrecy=secrecy, signer_name=signer_name, signer_position=signer_position,
                signer_competence=signer_competence, signer_title=signer_title,
                to_places=to_places, page_amount=None)


UBND_QN = "Ủy ban nhân dân tỉnh Quảng Ngãi"
TM_KT_PCT = "TM. Ủy ban nhân dân / KT. Chủ tịch / Phó Chủ tịch"

CASES: list[Case] = []


def add(name: str, text: str, expected: dict, **kw: Any) -> None:
    CASES.append(Case(name, text, expected, **kw))


# 1. Công văn of a Sở under the province, two columns flattened (left cell, then right cell).
add("cong-van-so-y-te-flattened", """\
UBND TỈNH QUẢNG NGÃI
SỞ Y TẾ
-------
Số: 2345/SYT-NVY
V/v triển khai chiến dịch tiêm chủng
vắc xin sởi - rubella năm 2026

CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
---------------
Quảng Ngãi, ngày 10 tháng 11 năm 2026

Kính gửi:
- Trung tâm Kiểm soát bệnh tật tỉnh;
- Trung tâm Y tế các huyện, thị xã, thành phố.

Thực hiện Kế hoạch số 120/KH-UBND ngày 02/10/2026 của Ủy ban nhân dân tỉnh về tiêm chủng mở rộng năm 2026, Sở Y tế đề nghị các đơn vị triển khai chiến dịch tiêm vắc xin sởi - rubella cho trẻ từ 1 đến 5 tuổi trên địa bàn.

Đề nghị các đơn vị khẩn trương thực hiện và báo cáo kết quả về Sở Y tế trước ngày 30/11/2026./.

Nơi nhận:
- Như trên;
- UBND tỉnh (b/c);
- Giám đốc, các PGĐ Sở;
- Lưu: VT, NVY.

KT. GIÁM ĐỐC
PHÓ GIÁM ĐỐC



Phạm Thị Hương
""", expect(
    code="2345/SYT-NVY", code_number="2345", code_notation="SYT-NVY", type_name="Công văn",
    organ_name="Sở Y tế", parent_organ=UBND_QN, place="Quảng Ngãi", issued_date="2026-11-10",
    subject="Triển khai chiến dịch tiêm chủng vắc xin sởi - rubella năm 2026",
    urgency=None, secrecy=None, signer_name="Phạm Thị Hương", signer_position="Phó Giám đốc",
    signer_competence="KT.", signer_title="KT. Giám đốc / Phó Giám đốc",
    to_places=["Như trên", "UBND tỉnh (b/c)", "Giám đốc, các PGĐ Sở", "Lưu: VT, NVY"]))

# 2. Công văn, columns interleaved line by line by the PDF extractor (single spaces), with
#    the Nơi nhận list interleaved with the signature block too.
add("cong-van-interleaved", """\
UBND TỈNH QUẢNG NGÃI CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
SỞ THÔNG TIN VÀ TRUYỀN THÔNG Độc lập - Tự do - Hạnh phúc
Số: 1234/STTTT-BCVT Quảng Ngãi, ngày 05 tháng 3 năm 2026
V/v sử dụng hệ thống thư điện tử công vụ
trong trao đổi văn bản
Kính gửi: Các sở, ban, ngành tỉnh.
Thực hiện Quyết định số 57/2014/QĐ-UBND ngày 10/11/2014 của UBND tỉnh, Sở Thông tin và Truyền thông đề nghị các cơ quan sử dụng thư điện tử công vụ để gửi, nhận văn bản điện tử.
Nơi nhận: GIÁM ĐỐC
- Như trên;
- UBND tỉnh (b/c);
- Lưu: VT, BCVT.

Trần Văn Bình
""", expect(
    code="1234/STTTT-BCVT", code_number="1234", code_notation="STTTT-BCVT", type_name="Công văn",
    organ_name="Sở Thông tin và Truyền thông", parent_organ=UBND_QN, place="Quảng Ngãi",
    issued_date="2026-03-05",
    subject="Sử dụng hệ thống thư điện tử công vụ trong trao đổi văn bản",
    urgency=None, secrecy=None, signer_name="Trần Văn Bình", signer_position="Giám đốc",
    signer_competence=None, signer_title="Giám đốc",
    to_places=["Như trên", "UBND tỉnh (b/c)", "Lưu: VT, BCVT"]))

# 3. Quyết định of the provincial People's Committee, "Số:15 /2014/…" spacing, TM./KT.,
#    the Quy định it issues attached after the signature with a repeated header.
add("quyet-dinh-ubnd-attached-quy-dinh", """\
ỦY BAN NHÂN DÂN
TỈNH QUẢNG NGÃI
--------
Số:15 /2014/QĐ-UBND
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
----------------
Quảng Ngãi, ngày 18 tháng 4 năm 2014

QUYẾT ĐỊNH
Ban hành Quy chế quản lý, vận hành và sử dụng
hệ thống thư điện tử tỉnh Quảng Ngãi
----------
ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI

Căn cứ Luật Tổ chức Hội đồng nhân dân và Ủy ban nhân dân ngày 26 tháng 11 năm 2003;
Căn cứ Luật Công nghệ thông tin ngày 29 tháng 6 năm 2006;
Theo đề nghị của Giám đốc Sở Thông tin và Truyền thông,

QUYẾT ĐỊNH:
Điều 1. Ban hành kèm theo Quyết định này Quy chế quản lý, vận hành và sử dụng hệ thống thư điện tử tỉnh Quảng Ngãi.
Điều 2. Quyết định này có hiệu lực thi hành sau 10 ngày kể từ ngày ký.
Điều 3. Chánh Văn phòng UBND tỉnh, Giám đốc các sở, ban ngành tỉnh chịu trách nhiệm thi hành Quyết định này./.

Nơi nhận:
- Như Điều 3;
- Bộ Thông tin và Truyền thông;
- Cục Kiểm tra VBQPPL (Bộ Tư pháp);
- CT, PCT UBND tỉnh;
- Lưu: VT, CNXD.

TM. ỦY BAN NHÂN DÂN
KT. CHỦ TỊCH
PHÓ CHỦ TỊCH



Lê Quang Thích

ỦY BAN NHÂN DÂN
TỈNH QUẢNG NGÃI
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc

QUY CHẾ
Quản lý, vận hành và sử dụng hệ thống thư điện tử tỉnh Quảng Ngãi
(Ban hành kèm theo Quyết định số 15/2014/QĐ-UBND ngày 18 tháng 4 năm 2014 của Ủy ban nhân dân tỉnh Quảng Ngãi)

Chương I
QUY ĐỊNH CHUNG
Điều 1. Phạm vi điều chỉnh
Quy chế này quy định việc quản lý, vận hành hệ thống thư điện tử tỉnh.

TM. ỦY BAN NHÂN DÂN
CHỦ TỊCH
Cao Khoa
""", expect(
    code="15/2014/QĐ-UBND", code_number="15", code_notation="QĐ-UBND", type_name="Quyết định",
    organ_name=UBND_QN, parent_organ=None, place="Quảng Ngãi", issued_date="2014-04-18",
    subject="Ban hành Quy chế quản lý, vận hành và sử dụng hệ thống thư điện tử tỉnh Quảng Ngãi",
    urgency=None, secrecy=None, signer_name="Lê Quang Thích", signer_position="Phó Chủ tịch",
    signer_competence="KT.", signer_title=TM_KT_PCT,
    to_places=["Như Điều 3", "Bộ Thông tin và Truyền thông", "Cục Kiểm tra VBQPPL (Bộ Tư pháp)",
               "CT, PCT UBND tỉnh", "Lưu: VT, CNXD"]))

# 4. Individual decision of the Chủ tịch: authority line "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH",
#    all-caps trích yếu, the header split into table cells (one cell per line).
add("quyet-dinh-chu-tich-cells", """\
ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: 1820/QĐ-UBND
Quảng Ngãi, ngày 02 tháng 12 năm 2025
QUYẾT ĐỊNH
VỀ VIỆC KHEN THƯỞNG TẬP THỂ, CÁ NHÂN CÓ THÀNH TÍCH XUẤT SẮC
TRONG PHONG TRÀO THI ĐUA NĂM 2025
CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI
Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;
Xét đề nghị của Giám đốc Sở Nội vụ tại Tờ trình số 455/TTr-SNV ngày 20/11/2025,
QUYẾT ĐỊNH:
Điều 1. Tặng Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh cho 05 tập thể và 12 cá nhân.
Điều 2. Quyết định này có hiệu lực kể từ ngày ký./.
Nơi nhận:
- Như Điều 2;
- Ban TĐKT tỉnh;
- Lưu: VT, NC.
KT. CHỦ TỊCH
PHÓ CHỦ TỊCH
Trần Phước Hiền
""", expect(
    code="1820/QĐ-UBND", code_number="1820", code_notation="QĐ-UBND", type_name="Quyết định",
    organ_name=UBND_QN, parent_organ=None, place="Quảng Ngãi", issued_date="2025-12-02",
    subject="Khen thưởng tập thể, cá nhân có thành tích xuất sắc trong phong trào thi đua năm 2025",
    urgency=None, secrecy=None, signer_name="Trần Phước Hiền", signer_position="Phó Chủ tịch",
    signer_competence="KT.", signer_title="KT. Chủ tịch / Phó Chủ tịch",
    to_places=["Như Điều 2", "Ban TĐKT tỉnh", "Lưu: VT, NC"]))

# 5. Giấy mời of the provincial office (Văn phòng under UBND): TL./KT., three levels.
add("giay-moi-van-phong", """\
UBND TỈNH QUẢNG NGÃI
VĂN PHÒNG
--------
Số: 45/GM-VP

CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
--------------
Quảng Ngãi, ngày 20 tháng 11 năm 2026

GIẤY MỜI
Họp giao ban công tác chuyển đổi số quý IV năm 2026

Văn phòng UBND tỉnh trân trọng kính mời:
- Đại diện lãnh đạo Sở Thông tin và Truyền thông;
- Đại diện lãnh đạo Sở Nội vụ.
Thời gian: 08 giờ 00, ngày 25/11/2026.
Địa điểm: Phòng họp số 2, Văn phòng UBND tỉnh.

Nơi nhận:
- Như trên;
- PCT Trần Phước Hiền (b/c);
- Lưu: VT, KGVX.

TL. CHỦ TỊCH
KT. CHÁNH VĂN PHÒNG
PHÓ CHÁNH VĂN PHÒNG

Nguyễn Văn Dũng
""", expect(
    code="45/GM-VP", code_number="45", code_notation="GM-VP", type_name="Giấy mời",
    organ_name="Văn phòng", parent_organ=UBND_QN, place="Quảng Ngãi", issued_date="2026-11-20",
    subject="Họp giao ban công tác chuyển đổi số quý IV năm 2026",
    urgency=None, secrecy=None, signer_name="Nguyễn Văn Dũng", signer_position="Phó Chánh Văn phòng",
    signer_competence="KT.", signer_title="TL. Chủ tịch / KT. Chánh Văn phòng / Phó Chánh Văn phòng",
    to_places=["Như trên", "PCT Trần Phước Hiền (b/c)", "Lưu: VT, KGVX"]))

# 6. Thông báo kết luận, TL. CHỦ TỊCH / CHÁNH VĂN PHÒNG.
add("thong-bao-ket-luan", """\
ỦY BAN NHÂN DÂN
TỈNH QUẢNG NGÃI
-------
Số: 312/TB-UBND
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
-------
Quảng Ngãi, ngày 14 tháng 8 năm 2026

THÔNG BÁO
Kết luận của Phó Chủ tịch UBND tỉnh Trần Phước Hiền tại cuộc họp
nghe báo cáo tình hình triển khai Đề án 06
-------------
Ngày 10/8/2026, Phó Chủ tịch UBND tỉnh Trần Phước Hiền chủ trì cuộc họp nghe Công an tỉnh báo cáo tình hình triển khai Đề án 06.
Sau khi nghe báo cáo, Phó Chủ tịch UBND tỉnh kết luận như sau:
1. Các sở, ngành tập trung hoàn thành các nhiệm vụ được giao.

Nơi nhận:
- CT, PCT UBND tỉnh;
- Công an tỉnh;
- Các sở, ban, ngành tỉnh;
- VPUB: CVP, PCVP, CBTH;
- Lưu: VT, NC.

TL. CHỦ TỊCH
CHÁNH VĂN PHÒNG

Đặng Ngọc Dũng
""", expect(
    code="312/TB-UBND", code_number="312", code_notation="TB-UBND", type_name="Thông báo",
    organ_name=UBND_QN, parent_organ=None, place="Quảng Ngãi", issued_date="2026-08-14",
    subject="Kết luận của Phó Chủ tịch UBND tỉnh Trần Phước Hiền tại cuộc họp nghe báo cáo "
            "tình hình triển khai Đề án 06",
    urgency=None, secrecy=None, signer_name="Đặng Ngọc Dũng", signer_position="Chánh Văn phòng",
    signer_competence="TL.", signer_title="TL. Chủ tịch / Chánh Văn phòng",
    to_places=["CT, PCT UBND tỉnh", "Công an tỉnh", "Các sở, ban, ngành tỉnh",
               "VPUB: CVP, PCVP, CBTH", "Lưu: VT, NC"]))

# 7. Tờ trình of a Sở, "Số: 730/TTr- STTTT" spacing (seed 003 quotes it so), signed GIÁM ĐỐC.
add("to-trinh-spacing", """\
UBND TỈNH QUẢNG NGÃI
SỞ THÔNG TIN VÀ TRUYỀN THÔNG
Số: 730/TTr- STTTT
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Quảng Ngãi, ngày 08 tháng 10 năm 2014

TỜ TRÌNH
Về việc ban hành Quy định về trao đổi, quản lý văn bản điện tử trên môi trường mạng
trong hoạt động của các cơ quan nhà nước tỉnh Quảng Ngãi

Kính gửi: Ủy ban nhân dân tỉnh Quảng Ngãi.

Căn cứ Luật Giao dịch điện tử ngày 29 tháng 11 năm 2005;
Sở Thông tin và Truyền thông kính trình Ủy ban nhân dân tỉnh xem xét, ban hành Quy định./.

Nơi nhận:
- Như trên;
- Sở Tư pháp;
- Lưu: VT, CNTT.

GIÁM ĐỐC


Nguyễn Văn Cường
""", expect(
    code="730/TTr-STTTT", code_number="730", code_notation="TTr-STTTT", type_name="Tờ trình",
    organ_name="Sở Thông tin và Truyền thông", parent_organ=UBND_QN, place="Quảng Ngãi",
    issued_date="2014-10-08",
    subject="Ban hành Quy định về trao đổi, quản lý văn bản điện tử trên môi trường mạng trong "
            "hoạt động của các cơ quan nhà nước tỉnh Quảng Ngãi",
    urgency=None, secrecy=None, signer_name="Nguyễn Văn Cường", signer_position="Giám đốc",
    signer_competence=None, signer_title="Giám đốc",
    to_places=["Như trên", "Sở Tư pháp", "Lưu: VT, CNTT"]))

# 8. Báo cáo of a district People's Committee, extractor put the right cell first.
add("bao-cao-huyen-right-cell-first", """\
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Bình Sơn, ngày 25 tháng 6 năm 2026
ỦY BAN NHÂN DÂN
HUYỆN BÌNH SƠN
Số: 215/BC-UBND

BÁO CÁO
Kết quả ứng dụng công nghệ thông tin 6 tháng đầu năm 2026

Thực hiện Công văn số 1777/STTTT-CNTT ngày 05/6/2026 của Sở Thông tin và Truyền thông, UBND huyện Bình Sơn báo cáo như sau:
I. KẾT QUẢ THỰC HIỆN
1. Tỷ lệ văn bản điện tử trao đổi giữa các cơ quan đạt 92%.

Nơi nhận:
- Sở Thông tin và Truyền thông;
- TT Huyện ủy, TT HĐND huyện;
- Lưu: VT, VHTT.

TM. ỦY BAN NHÂN DÂN
KT. CHỦ TỊCH
PHÓ CHỦ TỊCH

Võ Thị Lan
""", expect(
    code="215/BC-UBND", code_number="215", code_notation="BC-UBND", type_name="Báo cáo",
    organ_name="Ủy ban nhân dân huyện Bình Sơn", parent_organ=None, place="Bình Sơn",
    issued_date="2026-06-25",
    subject="Kết quả ứng dụng công nghệ thông tin 6 tháng đầu năm 2026",
    urgency=None, secrecy=None, signer_name="Võ Thị Lan", signer_position="Phó Chủ tịch",
    signer_competence="KT.", signer_title=TM_KT_PCT,
    to_places=["Sở Thông tin và Truyền thông", "TT Huyện ủy, TT HĐND huyện", "Lưu: VT, VHTT"]))

# 9. Kế hoạch, seed-002 style (every line its own paragraph), all-caps trích yếu.
add("ke-hoach-so-giao-duc", """\
UBND TỈNH HÒA BÌNH

SỞ GIÁO DỤC VÀ ĐÀO TẠO

-------

CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM

Độc lập - Tự do - Hạnh phúc

---------------

Số: 88/KH-SGDĐT

Hòa Bình, ngày 09 tháng 9 năm 2025



KẾ HOẠCH

TRIỂN KHAI CHUYỂN ĐỔI SỐ TRONG CÁC CƠ SỞ GIÁO DỤC TỈNH HÒA BÌNH NĂM HỌC 2025-2026

I. MỤC ĐÍCH, YÊU CẦU

1. Đẩy mạnh ứng dụng công nghệ thông tin trong quản lý và dạy học.

II. NỘI DUNG

Nơi nhận:

- Bộ Giáo dục và Đào tạo (để b/c);

- UBND tỉnh (để b/c);

- Các phòng GDĐT;

- Lưu: VT, KHTC.

GIÁM ĐỐC




Bùi Thị Mai

""", expect(
    code="88/KH-SGDĐT", code_number="88", code_notation="KH-SGDĐT", type_name="Kế hoạch",
    organ_name="Sở Giáo dục và Đào tạo", parent_organ="Ủy ban nhân dân tỉnh Hòa Bình",
    place="Hòa Bình", issued_date="2025-09-09",
    subject="Triển khai chuyển đổi số trong các cơ sở giáo dục tỉnh Hòa Bình năm học 2025-2026",
    urgency=None, secrecy=None, signer_name="Bùi Thị Mai", signer_position="Giám đốc",
    signer_competence=None, signer_title="Giám đốc",
    to_places=["Bộ Giáo dục và Đào tạo (để b/c)", "UBND tỉnh (để b/c)", "Các phòng GDĐT",
               "Lưu: VT, KHTC"]))

# 10. Biên bản with two signatures flattened (left THƯ KÝ, then right CHỦ TỌA); no place-date
#     line in a Biên bản header (Decree 30 form): the date in the body is not the issue date.
add("bien-ban-two-signatures", """\
ỦY BAN NHÂN DÂN
TỈNH QUẢNG NGÃI
-------
Số: 07/BB-UBND
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
-------

BIÊN BẢN
Họp Hội đồng Thi đua - Khen thưởng tỉnh
-----------
Vào lúc 14 giờ 00, ngày 15 tháng 11 năm 2026, tại Phòng họp số 1 UBND tỉnh.
Thành phần: các thành viên Hội đồng Thi đua - Khen thưởng tỉnh.
Cuộc họp kết thúc vào lúc 16 giờ 30 cùng ngày./.

THƯ KÝ



Nguyễn Thị Thu Hà

CHỦ TỌA



Trần Hoàng Tuấn
""", expect(
    code="07/BB-UBND", code_number="07", code_notation="BB-UBND", type_name="Biên bản",
    organ_name=UBND_QN, parent_organ=None, place=None, issued_date=None,
    subject="Họp Hội đồng Thi đua - Khen thưởng tỉnh",
    urgency=None, secrecy=None, signer_name="Trần Hoàng Tuấn", signer_position="Chủ tọa",
    signer_competence=None, signer_title="Chủ tọa", to_places=None))

# 11. Biên bản, both signature blocks on one line each (single spaces), names too.
add("bien-ban-side-by-side", """\
SỞ TÀI CHÍNH CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: 19/BB-STC Quảng Ngãi, ngày 03 tháng 4 năm 2026
BIÊN BẢN
Kiểm tra công tác văn thư, lưu trữ năm 2026
Hôm nay, ngày 03/4/2026, tại Sở Tài chính, Đoàn kiểm tra tiến hành kiểm tra công tác văn thư.
Biên bản được lập thành 02 bản có giá trị như nhau./.
THƯ KÝ CHỦ TRÌ
Lê Thị Ngọc Ánh Huỳnh Văn Sơn
""", expect(
    code="19/BB-STC", code_number="19", code_notation="BB-STC", type_name="Biên bản",
    organ_name="Sở Tài chính", parent_organ=None, place="Quảng Ngãi", issued_date="2026-04-03",
    subject="Kiểm tra công tác văn thư, lưu trữ năm 2026",
    urgency=None, secrecy=None, signer_name="Huỳnh Văn Sơn", signer_position="Chủ trì",
    signer_competence=None, signer_title="Chủ trì", to_places=None))

# 12. Công điện HỎA TỐC of the Chủ tịch: stamp line, authority "… điện:".
add("cong-dien-hoa-toc", """\
ỦY BAN NHÂN DÂN
TỈNH QUẢNG NGÃI
--------
Số: 05/CĐ-UBND
HỎA TỐC
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
----------
Quảng Ngãi, ngày 27 tháng 9 năm 2026

CÔNG ĐIỆN
Về việc tập trung ứng phó với bão số 5
-------------
CHỦ TỊCH UBND TỈNH QUẢNG NGÃI điện:
- Giám đốc các sở, ban, ngành tỉnh;
- Chủ tịch UBND các huyện, thị xã, thành phố.
Theo tin của Đài Khí tượng Thủy văn tỉnh, bão số 5 đang di chuyển nhanh vào đất liền. Chủ tịch UBND tỉnh yêu cầu triển khai ngay các biện pháp ứng phó./.

Nơi nhận:
- Như trên;
- Ban Chỉ đạo quốc gia về PCTT;
- Lưu: VT, KTN.

KT. CHỦ TỊCH
PHÓ CHỦ TỊCH

Trần Phước Hiền
""", expect(
    code="05/CĐ-UBND", code_number="05", code_notation="CĐ-UBND", type_name="Công điện",
    organ_name=UBND_QN, parent_organ=None, place="Quảng Ngãi", issued_date="2026-09-27",
    subject="Tập trung ứng phó với bão số 5", urgency="Hỏa tốc", secrecy=None,
    signer_name="Trần Phước Hiền", signer_position="Phó Chủ tịch", signer_competence="KT.",
    signer_title="KT. Chủ tịch / Phó Chủ tịch",
    to_places=["Như trên", "Ban Chỉ đạo quốc gia về PCTT", "Lưu: VT, KTN"]))

# 13. Công văn stamped MẬT and KHẨN; the word "mật" in the body is no stamp.
add("cong-van-mat-khan", """\
UBND TỈNH QUẢNG NGÃI
SỞ NỘI VỤ
---------
Số: 102/SNV-TCBC
V/v rà soát hồ sơ cán bộ diện quy hoạch
MẬT
KHẨN
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Quảng Ngãi, ngày 16 tháng 01 năm 2026

Kính gửi: Các sở, ban, ngành tỉnh.

Các văn bản thuộc dạng mật phải được quản lý theo quy định về bảo vệ bí mật nhà nước.
Đề nghị các cơ quan gửi hồ sơ về Sở Nội vụ trước ngày 25/01/2026./.

Nơi nhận:
- Như trên;
- Lưu: VT, TCBC.

GIÁM ĐỐC

Huỳnh Thị Thanh Hà
""", expect(
    code="102/SNV-TCBC", code_number="102", code_notation="SNV-TCBC", type_name="Công văn",
    organ_name="Sở Nội vụ", parent_organ=UBND_QN, place="Quảng Ngãi", issued_date="2026-01-16",
    subject="Rà soát hồ sơ cán bộ diện quy hoạch", urgency="Khẩn", secrecy="Mật",
    signer_name="Huỳnh Thị Thanh Hà", signer_position="Giám đốc", signer_competence=None,
    signer_title="Giám đốc", to_places=["Như trên", "Lưu: VT, TCBC"]))

# 14. Báo cáo stamped TỐI MẬT (interleaved header).
add("bao-cao-toi-mat", """\
UBND TỈNH QUẢNG NGÃI CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
CÔNG AN TỈNH Độc lập - Tự do - Hạnh phúc
Số: 77/BC-CAT Quảng Ngãi, ngày 30 tháng 5 năm 2026
TỐI MẬT
BÁO CÁO
Tình hình an ninh trật tự tháng 5 năm 2026
Thực hiện chế độ báo cáo định kỳ, Công an tỉnh báo cáo như sau:
1. Tình hình chung ổn định.
Nơi nhận:
- Bộ Công an;
- Thường trực Tỉnh ủy;
- Lưu: VT, PV01.
GIÁM ĐỐC
Đại tá Nguyễn Văn Hùng
""", expect(
    code="77/BC-CAT", code_number="77", code_notation="BC-CAT", type_name="Báo cáo",
    organ_name="Công an tỉnh", parent_organ=UBND_QN, place="Quảng Ngãi", issued_date="2026-05-30",
    subject="Tình hình an ninh trật tự tháng 5 năm 2026", urgency=None, secrecy="Tối mật",
    signer_name="Nguyễn Văn Hùng", signer_position="Giám đốc", signer_competence=None,
    signer_title="Giám đốc", to_places=["Bộ Công an", "Thường trực Tỉnh ủy", "Lưu: VT, PV01"]))

# 15. TUYỆT MẬT and THƯỢNG KHẨN stamps in brackets, Chỉ thị.
add("chi-thi-tuyet-mat-thuong-khan", """\
ỦY BAN NHÂN DÂN
TỈNH QUẢNG NGÃI
Số: 09/CT-UBND
[TUYỆT MẬT]
[THƯỢNG KHẨN]
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Quảng Ngãi, ngày 11 tháng 7 năm 2026
CHỈ THỊ
Về tăng cường bảo vệ bí mật nhà nước trên địa bàn tỉnh
Thời gian qua, công tác bảo vệ bí mật nhà nước trên địa bàn tỉnh đạt nhiều kết quả.
Chủ tịch UBND tỉnh yêu cầu các cơ quan thực hiện nghiêm Chỉ thị này./.
Nơi nhận:
- Văn phòng Chính phủ;
- Bộ Công an;
- Lưu: VT, NC.
CHỦ TỊCH
Đặng Văn Minh
""", expect(
    code="09/CT-UBND", code_number="09", code_notation="CT-UBND", type_name="Chỉ thị",
    organ_name=UBND_QN, parent_organ=None, place="Quảng Ngãi", issued_date="2026-07-11",
    subject="Về tăng cường bảo vệ bí mật nhà nước trên địa bàn tỉnh", urgency="Thượng khẩn",
    secrecy="Tuyệt mật", signer_name="Đặng Văn Minh", signer_position="Chủ tịch",
    signer_competence=None, signer_title="Chủ tịch",
    to_places=["Văn phòng Chính phủ", "Bộ Công an", "Lưu: VT, NC"]))

# 16. Quyết định followed by a copy-certification block (SAO Y with its own Số, date, signer).
add("quyet-dinh-sao-y-after", """\
ỦY BAN NHÂN DÂN
TỈNH QUẢNG NGÃI
Số: 1501/QĐ-UBND
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Quảng Ngãi, ngày 29 tháng 10 năm 2010
QUYẾT ĐỊNH
Về việc phê duyệt Kế hoạch ứng dụng và phát triển công nghệ thông tin
giai đoạn 2011 - 2015
CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH
Căn cứ Luật Tổ chức HĐND và UBND ngày 26/11/2003;
QUYẾT ĐỊNH:
Điều 1. Phê duyệt Kế hoạch ứng dụng và phát triển công nghệ thông tin giai đoạn 2011 - 2015./.
Nơi nhận:
- Như Điều 3;
- Lưu: VT, VX.
CHỦ TỊCH
Nguyễn Xuân Huế

SỞ THÔNG TIN VÀ TRUYỀN THÔNG
SAO Y BẢN CHÍNH
Số: 12/SY-STTTT
Quảng Ngãi, ngày 05 tháng 11 năm 2010
Nơi nhận:
- Phòng CNTT;
- Lưu: VT.
KT. GIÁM ĐỐC
PHÓ GIÁM ĐỐC
Lê Văn Tám
""", expect(
    code="1501/QĐ-UBND", code_number="1501", code_notation="QĐ-UBND", type_name="Quyết định",
    organ_name=UBND_QN, parent_organ=None, place="Quảng Ngãi", issued_date="2010-10-29",
    subject="Phê duyệt Kế hoạch ứng dụng và phát triển công nghệ thông tin giai đoạn 2011 - 2015",
    urgency=None, secrecy=None, signer_name="Nguyễn Xuân Huế", signer_position="Chủ tịch",
    signer_competence=None, signer_title="Chủ tịch", to_places=["Như Điều 3", "Lưu: VT, VX"]))

# 17. Copy block on top (the scanned copy's first page carries the SAO Y form).
add("thong-bao-sao-y-before", """\
UBND HUYỆN SƠN TỊNH
VĂN PHÒNG HĐND VÀ UBND
SAO Y
Số: 33/SY-VP
Sơn Tịnh, ngày 02 tháng 3 năm 2026
Nơi nhận:
- Các phòng, ban;
- Lưu: VT.
TL. CHỦ TỊCH
CHÁNH VĂN PHÒNG
Phạm Minh Tân

ỦY BAN NHÂN DÂN
TỈNH QUẢNG NGÃI
Số: 48/TB-UBND
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Quảng Ngãi, ngày 26 tháng 02 năm 2026
THÔNG BÁO
Lịch tiếp công dân định kỳ của Chủ tịch UBND tỉnh tháng 3 năm 2026
Chủ tịch UBND tỉnh tiếp công dân định kỳ vào ngày 15/3/2026 tại Trụ sở Tiếp công dân tỉnh./.
Nơi nhận:
- Thanh tra tỉnh;
- Ban Tiếp công dân tỉnh;
- Lưu: VT, TCD.
TL. CHỦ TỊCH
KT. CHÁNH VĂN PHÒNG
PHÓ CHÁNH VĂN PHÒNG
Nguyễn Thị Kim Oanh
""", expect(
    code="48/TB-UBND", code_number="48", code_notation="TB-UBND", type_name="Thông báo",
    organ_name=UBND_QN, parent_organ=None, place="Quảng Ngãi", issued_date="2026-02-26",
    subject="Lịch tiếp công dân định kỳ của Chủ tịch UBND tỉnh tháng 3 năm 2026",
    urgency=None, secrecy=None, signer_name="Nguyễn Thị Kim Oanh",
    signer_position="Phó Chánh Văn phòng", signer_competence="KT.",
    signer_title="TL. Chủ tịch / KT. Chánh Văn phòng / Phó Chánh Văn phòng",
    to_places=["Thanh tra tỉnh", "Ban Tiếp công dân tỉnh", "Lưu: VT, TCD"]))

# 18. E-signature stamps around the header with another date: the place-date line wins.
add("cong-van-esign-stamps", """\
Ký bởi: Sở Y tế
Email: syt@quangngai.gov.vn
Cơ quan: Tỉnh Quảng Ngãi
Thời gian ký: 12.11.2014 16:40:05 +07:00
UBND TỈNH QUẢNG NGÃI
SỞ Y TẾ
Số: 1777/SYT-KHTC
V/v báo cáo tình hình sử dụng văn bản điện tử
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Quảng Ngãi, ngày 10 tháng 11 năm 2014
Kính gửi: Sở Thông tin và Truyền thông.
Sở Y tế báo cáo tình hình sử dụng văn bản điện tử năm 2014 như sau./.
Nơi nhận:
- Như trên;
- Lưu: VT, KHTC.
Q. GIÁM ĐỐC
Ký bởi: Lê Văn Hòa Email: lvhoa@quangngai.gov.vn Thời gian ký: 10.11.2014 08:15:00 +07:00
Lê Văn Hòa
""", expect(
    code="1777/SYT-KHTC", code_number="1777", code_notation="SYT-KHTC", type_name="Công văn",
    organ_name="Sở Y tế", parent_organ=UBND_QN, place="Quảng Ngãi", issued_date="2014-11-10",
    subject="Báo cáo tình hình sử dụng văn bản điện tử", urgency=None, secrecy=None,
    signer_name="Lê Văn Hòa", signer_position="Giám đốc", signer_competence="Q.",
    signer_title="Q. Giám đốc", to_places=["Như trên", "Lưu: VT, KHTC"]))

# 19. E-document numbered and dated at signing: the place-date line is left blank, so the
#     signing time of the stamp is the last resort for the issue date.
add("giay-moi-date-from-esign", """\
UBND TỈNH QUẢNG NGÃI
SỞ TÀI NGUYÊN VÀ
MÔI TRƯỜNG
Số: 210/GM-STNMT
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Quảng Ngãi, ngày      tháng 10 năm 2026
GIẤY MỜI
Dự hội nghị triển khai Luật Đất đai năm 2024
Sở Tài nguyên và Môi trường trân trọng kính mời đại diện lãnh đạo UBND các huyện dự hội nghị.
Thời gian: 08 giờ 00 ngày 20/10/2026.
Nơi nhận:
- Như trên;
- Lưu: VT, QLĐĐ.
KT. GIÁM ĐỐC
PHÓ GIÁM ĐỐC
Ký bởi: Võ Văn Nam
Thời gian ký: 14.10.2026 09:02:11 +07:00
Võ Văn Nam
""", expect(
    code="210/GM-STNMT", code_number="210", code_notation="GM-STNMT", type_name="Giấy mời",
    organ_name="Sở Tài nguyên và Môi trường", parent_organ=UBND_QN, place="Quảng Ngãi",
    issued_date="2026-10-14", subject="Dự hội nghị triển khai Luật Đất đai năm 2024",
    urgency=None, secrecy=None, signer_name="Võ Văn Nam", signer_position="Phó Giám đốc",
    signer_competence="KT.", signer_title="KT. Giám đốc / Phó Giám đốc",
    to_places=["Như trên", "Lưu: VT, QLĐĐ"]))

# 20. NFD text (decomposed marks, as some Mac/Windows-1258 tools write it).
add("giay-moi-nfd", unicodedata.normalize("NFD", """\
UBND TỈNH QUẢNG NGÃI
SỞ KẾ HOẠCH VÀ ĐẦU TƯ
Số: 56/GM-SKHĐT
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Quảng Ngãi, ngày 07 tháng 5 năm 2026
GIẤY MỜI
Họp thẩm định dự án đầu tư xây dựng trụ sở làm việc
Sở Kế hoạch và Đầu tư trân trọng kính mời đại diện các cơ quan dự họp.
Nơi nhận:
- Như trên;
- Lưu: VT, TĐ.
KT. GIÁM ĐỐC
PHÓ GIÁM ĐỐC
Đỗ Thị Quỳnh
"""), expect(
    code="56/GM-SKHĐT", code_number="56", code_notation="GM-SKHĐT", type_name="Giấy mời",
    organ_name="Sở Kế hoạch và Đầu tư", parent_organ=UBND_QN, place="Quảng Ngãi",
    issued_date="2026-05-07", subject="Họp thẩm định dự án đầu tư xây dựng trụ sở làm việc",
    urgency=None, secrecy=None, signer_name="Đỗ Thị Quỳnh", signer_position="Phó Giám đốc",
    signer_competence="KT.", signer_title="KT. Giám đốc / Phó Giám đốc",
    to_places=["Như trên", "Lưu: VT, TĐ"]))

# 21. "UỶ" spelling in header and signature, "Hoà" old-style tone placement.
add("uy-spelling-old-tones", """\
UỶ BAN NHÂN DÂN
TỈNH HOÀ BÌNH
Số: 1126/QĐ-UBND
CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Hoà Bình, ngày 06 tháng 6 năm 2025
QUYẾT ĐỊNH
Về việc thành lập Tổ công tác triển khai Đề án 06 tỉnh Hoà Bình
UỶ BAN NHÂN DÂN TỈNH HOÀ BÌNH
Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 02 năm 2025;
QUYẾT ĐỊNH:
Điều 1. Thành lập Tổ công tác./.
Nơi nhận:
- Như Điều 3;
- Lưu: VT, NC.
TM. UỶ BAN NHÂN DÂN
CHỦ TỊCH
Bùi Đức Hinh
""", expect(
    code="1126/QĐ-UBND", code_number="1126", code_notation="QĐ-UBND", type_name="Quyết định",
    organ_name="Ủy ban nhân dân tỉnh Hòa Bình", parent_organ=None, place="Hoà Bình",
    issued_date="2025-06-06",
    subject="Thành lập Tổ công tác triển khai Đề án 06 tỉnh Hoà Bình", urgency=None, secrecy=None,
    signer_name="Bùi Đức Hinh", signer_position="Chủ tịch", signer_competence="TM.",
    signer_title="TM. Ủy ban nhân dân / Chủ tịch", to_places=["Như Điều 3", "Lưu: VT, NC"]))

# 22. Incoming-document stamp ("CV ĐẾN Số: 7940 Ngày: …") between header and type line.
add("chi-thi-incoming-stamp", """\
ỦY BAN NHÂN DÂN
TỈNH QUẢNG NGÃI
Số: 22 /2012/CT-UBND
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Quảng Ngãi, ngày 27 tháng 12 năm 2012
TRUNG TÂM CÔNG BÁO & TIN HỌC Q. NGÃI	CV ĐẾN	Số: 7940
	Ngày: 27/12/2012
	Chuyển: Thực hiện
CHỈ THỊ
Về việc tăng cường sử dụng văn bản điện tử trong hoạt động
của cơ quan nhà nước trên địa bàn tỉnh Quảng Ngãi
Thực hiện Nghị định số 64/2007/NĐ-CP ngày 10/4/2007 của Chính phủ, UBND tỉnh Quảng Ngãi chỉ thị./.
Nơi nhận:
- Văn phòng Chính phủ;
- Lưu: VT, VHXH.
KT. CHỦ TỊCH
PHÓ CHỦ TỊCH
Cao Khoa
""", expect(
    code="22/2012/CT-UBND", code_number="22", code_notation="CT-UBND", type_name="Chỉ thị",
    organ_name=UBND_QN, parent_organ=None, place="Quảng Ngãi", issued_date="2012-12-27",
    subject="Tăng cường sử dụng văn bản điện tử trong hoạt động của cơ quan nhà nước trên địa "
            "bàn tỉnh Quảng Ngãi", urgency=None, secrecy=None, signer_name="Cao Khoa",
    signer_position="Phó Chủ tịch", signer_competence="KT.",
    signer_title="KT. Chủ tịch / Phó Chủ tịch",
    to_places=["Văn phòng Chính phủ", "Lưu: VT, VHXH"]))

# 23. Header lost (seed-003 style): starts with the type line; what is not printed is None.
add("header-lost-quyet-dinh", """\
 QUYẾT ĐỊNH
BAN HÀNH QUY CHẾ LÀM VIỆC CỦA ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI NHIỆM KỲ 2021 - 2026
ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI
Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;
QUYẾT ĐỊNH:
Điều 1. Ban hành kèm theo Quyết định này Quy chế làm việc của Ủy ban nhân dân tỉnh./.
 
	 
	TM. ỦY BAN NHÂN DÂN
CHỦ TỊCH




Đặng Văn Minh


 
QUY CHẾ
LÀM VIỆC CỦA ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI
(Ban hành kèm theo Quyết định số: 20/2021/QĐ-UBND ngày 05 tháng 8 năm 2021 của Ủy ban nhân dân tỉnh Quảng Ngãi)
Chương I
QUY ĐỊNH CHUNG
""", expect(
    code=None, code_number=None, code_notation=None, type_name="Quyết định", organ_name=None,
    parent_organ=None, place=None, issued_date=None,
    subject="Ban hành Quy chế làm việc của Ủy ban nhân dân tỉnh Quảng Ngãi nhiệm kỳ 2021 - 2026",
    urgency=None, secrecy=None, signer_name="Đặng Văn Minh", signer_position="Chủ tịch",
    signer_competence="TM.", signer_title="TM. Ủy ban nhân dân / Chủ tịch", to_places=None))

# 24. Hướng dẫn of a Sở, TUQ. (authorised) signature.
add("huong-dan-tuq", """\
UBND TỈNH QUẢNG NGÃI
SỞ NỘI VỤ
Số: 03/HD-SNV
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Quảng Ngãi, ngày 12 tháng 02 năm 2026
HƯỚNG DẪN
Lập hồ sơ và nộp lưu hồ sơ, tài liệu điện tử vào Lưu trữ cơ quan
Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05/3/2020 của Chính phủ về công tác văn thư;
Sở Nội vụ hướng dẫn như sau:
Nơi nhận:
- Các sở, ban, ngành tỉnh;
- Lưu: VT, CCVTLT.
TUQ. GIÁM ĐỐC
CHI CỤC TRƯỞNG CHI CỤC VĂN THƯ - LƯU TRỮ
Trương Thị Hồng
""", expect(
    code="03/HD-SNV", code_number="03", code_notation="HD-SNV", type_name="Hướng dẫn",
    organ_name="Sở Nội vụ", parent_organ=UBND_QN, place="Quảng Ngãi", issued_date="2026-02-12",
    subject="Lập hồ sơ và nộp lưu hồ sơ, tài liệu điện tử vào Lưu trữ cơ quan",
    urgency=None, secrecy=None, signer_name="Trương Thị Hồng",
    signer_position="Chi cục trưởng Chi cục Văn thư - Lưu trữ", signer_competence="TUQ.",
    signer_title="TUQ. Giám đốc / Chi cục trưởng Chi cục Văn thư - Lưu trữ",
    to_places=["Các sở, ban, ngành tỉnh", "Lưu: VT, CCVTLT"]))

# 25. Chương trình (CTr: mixed-case abbreviation).
add("chuong-trinh-ctr", """\
ỦY BAN NHÂN DÂN
TỈNH QUẢNG NGÃI
Số: 14/CTr-UBND
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Quảng Ngãi, ngày 01 tháng 4 năm 2026
CHƯƠNG TRÌNH
Cải cách hành chính nhà nước tỉnh Quảng Ngãi giai đoạn 2026 - 2030
I. MỤC TIÊU
Xây dựng nền hành chính chuyên nghiệp, hiện đại.
Nơi nhận:
- Bộ Nội vụ;
- Lưu: VT, NC.
TM. ỦY BAN NHÂN DÂN
CHỦ TỊCH
Đặng Văn Minh
""", expect(
    code="14/CTr-UBND", code_number="14", code_notation="CTr-UBND", type_name="Chương trình",
    organ_name=UBND_QN, parent_organ=None, place="Quảng Ngãi", issued_date="2026-04-01",
    subject="Cải cách hành chính nhà nước tỉnh Quảng Ngãi giai đoạn 2026 - 2030",
    urgency=None, secrecy=None, signer_name="Đặng Văn Minh", signer_position="Chủ tịch",
    signer_competence="TM.", signer_title="TM. Ủy ban nhân dân / Chủ tịch",
    to_places=["Bộ Nội vụ", "Lưu: VT, NC"]))

# 26. Type line not extracted (drawn as an image): the type comes from the ký hiệu (QyĐ).
add("type-from-notation-qyd", """\
UBND TỈNH QUẢNG NGÃI
SỞ Y TẾ
Số: 02/QyĐ-SYT
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Quảng Ngãi, ngày 15 tháng 01 năm 2026
Căn cứ Quyết định số 08/2021/QĐ-UBND của UBND tỉnh về chức năng, nhiệm vụ của Sở Y tế;
Điều 1. Phạm vi điều chỉnh: quy định này quy định việc tiếp nhận văn bản điện tử tại Sở Y tế.
Nơi nhận:
- Các phòng chức năng;
- Lưu: VT, VP.
GIÁM ĐỐC
Nguyễn Đức Thắng
""", expect(
    code="02/QyĐ-SYT", code_number="02", code_notation="QyĐ-SYT", type_name="Quy định",
    organ_name="Sở Y tế", parent_organ=UBND_QN, place="Quảng Ngãi", issued_date="2026-01-15",
    subject=None, urgency=None, secrecy=None, signer_name="Nguyễn Đức Thắng",
    signer_position="Giám đốc", signer_competence=None, signer_title="Giám đốc",
    to_places=["Các phòng chức năng", "Lưu: VT, VP"]))

# 27. Phương án (PA), the Ban Chỉ huy as issuer under the UBND.
add("phuong-an-ban-chi-huy", """\
UBND TỈNH QUẢNG NGÃI
BAN CHỈ HUY PHÒNG, CHỐNG
THIÊN TAI VÀ TKCN
Số: 11/PA-BCH
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Quảng Ngãi, ngày 20 tháng 8 năm 2026
PHƯƠNG ÁN
Ứng phó với bão mạnh, siêu bão trên địa bàn tỉnh năm 2026
I. MỤC ĐÍCH
Chủ động ứng phó, giảm thiểu thiệt hại do bão gây ra.
Nơi nhận:
- Ban Chỉ đạo quốc gia về PCTT;
- Lưu: VT.
TM. BAN CHỈ HUY
TRƯỞNG BAN
Trần Phước Hiền
""", expect(
    code="11/PA-BCH", code_number="11", code_notation="PA-BCH", type_name="Phương án",
    organ_name="Ban Chỉ huy phòng, chống thiên tai và TKCN", parent_organ=UBND_QN,
    place="Quảng Ngãi", issued_date="2026-08-20",
    subject="Ứng phó với bão mạnh, siêu bão trên địa bàn tỉnh năm 2026", urgency=None,
    secrecy=None, signer_name="Trần Phước Hiền", signer_position="Trưởng ban",
    signer_competence="TM.", signer_title="TM. Ban Chỉ huy / Trưởng ban",
    to_places=["Ban Chỉ đạo quốc gia về PCTT", "Lưu: VT"]))

# 28. Đề án (ĐA).
add("de-an", """\
ỦY BAN NHÂN DÂN
TỈNH QUẢNG NGÃI
Số: 03/ĐA-UBND
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Quảng Ngãi, ngày 10 tháng 3 năm 2026
ĐỀ ÁN
Phát triển chính quyền số tỉnh Quảng Ngãi đến năm 2030
Phần I. SỰ CẦN THIẾT XÂY DỰNG ĐỀ ÁN
Nơi nhận:
- Thường trực Tỉnh ủy;
- Lưu: VT, KGVX.
TM. ỦY BAN NHÂN DÂN
KT. CHỦ TỊCH
PHÓ CHỦ TỊCH
Nguyễn Thị Thanh Thủy
""", expect(
    code="03/ĐA-UBND", code_number="03", code_notation="ĐA-UBND", type_name="Đề án",
    organ_name=UBND_QN, parent_organ=None, place="Quảng Ngãi", issued_date="2026-03-10",
    subject="Phát triển chính quyền số tỉnh Quảng Ngãi đến năm 2030", urgency=None, secrecy=None,
    signer_name="Nguyễn Thị Thanh Thủy", signer_position="Phó Chủ tịch", signer_competence="KT.",
    signer_title=TM_KT_PCT, to_places=["Thường trực Tỉnh ủy", "Lưu: VT, KGVX"]))

# 29. Dự án (DA), Ban Quản lý dự án under a Sở.
add("du-an", """\
SỞ NÔNG NGHIỆP VÀ PHÁT TRIỂN NÔNG THÔN
BAN QUẢN LÝ DỰ ÁN
Số: 04/DA-BQLDA
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Quảng Ngãi, ngày 18 tháng 5 năm 2026
DỰ ÁN
Sửa chữa, nâng cấp hồ chứa nước Núi Ngang
I. THÔNG TIN CHUNG
Nơi nhận:
- Sở Nông nghiệp và PTNT;
- Lưu: VT.
GIÁM ĐỐC
Lê Minh Quang
""", expect(
    code="04/DA-BQLDA", code_number="04", code_notation="DA-BQLDA", type_name="Dự án",
    organ_name="Ban Quản lý dự án", parent_organ="Sở Nông nghiệp và Phát triển nông thôn",
    place="Quảng Ngãi", issued_date="2026-05-18",
    subject="Sửa chữa, nâng cấp hồ chứa nước Núi Ngang", urgency=None, secrecy=None,
    signer_name="Lê Minh Quang", signer_position="Giám đốc", signer_competence=None,
    signer_title="Giám đốc", to_places=["Sở Nông nghiệp và PTNT", "Lưu: VT"]))

# 30. Hợp đồng with two signatures ĐẠI DIỆN BÊN A | ĐẠI DIỆN BÊN B: the right-hand one.
add("hop-dong-two-parties", """\
SỞ THÔNG TIN VÀ TRUYỀN THÔNG
Số: 25/2026/HĐ-STTTT
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Quảng Ngãi, ngày 02 tháng 6 năm 2026
HỢP ĐỒNG
Cung cấp dịch vụ chứng thư số chuyên dùng
Căn cứ Bộ luật Dân sự ngày 24 tháng 11 năm 2015;
Bên A: Sở Thông tin và Truyền thông tỉnh Quảng Ngãi.
Bên B: Trung tâm Chứng thực điện tử chuyên dùng Chính phủ.
ĐẠI DIỆN BÊN A
GIÁM ĐỐC
Nguyễn Văn Cường
ĐẠI DIỆN BÊN B
GIÁM ĐỐC
Hoàng Văn Thành
""", expect(
    code="25/2026/HĐ-STTTT", code_number="25", code_notation="HĐ-STTTT", type_name="Hợp đồng",
    organ_name="Sở Thông tin và Truyền thông", parent_organ=None, place="Quảng Ngãi",
    issued_date="2026-06-02", subject="Cung cấp dịch vụ chứng thư số chuyên dùng",
    urgency=None, secrecy=None, signer_name="Hoàng Văn Thành", signer_position="Giám đốc",
    signer_competence=None, signer_title="Đại diện bên B / Giám đốc", to_places=None))

# 31. Bản ghi nhớ (BGN).
add("ban-ghi-nho", """\
ỦY BAN NHÂN DÂN
TỈNH QUẢNG NGÃI
Số: 01/BGN-UBND
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Quảng Ngãi, ngày 09 tháng 01 năm 2026
BẢN GHI NHỚ
Hợp tác về chuyển đổi số giữa Ủy ban nhân dân tỉnh Quảng Ngãi và
Tập đoàn Bưu chính Viễn thông Việt Nam
Điều 1. Mục tiêu hợp tác
TM. ỦY BAN NHÂN DÂN
CHỦ TỊCH
Đặng Văn Minh
""", expect(
    code="01/BGN-UBND", code_number="01", code_notation="BGN-UBND", type_name="Bản ghi nhớ",
    organ_name=UBND_QN, parent_organ=None, place="Quảng Ngãi", issued_date="2026-01-09",
    subject="Hợp tác về chuyển đổi số giữa Ủy ban nhân dân tỉnh Quảng Ngãi và Tập đoàn Bưu "
            "chính Viễn thông Việt Nam", urgency=None, secrecy=None, signer_name="Đặng Văn Minh",
    signer_position="Chủ tịch", signer_competence="TM.",
    signer_title="TM. Ủy ban nhân dân / Chủ tịch", to_places=None))

# 32. Bản thỏa thuận (BTT), "THOẢ" old tone placement.
add("ban-thoa-thuan", """\
UBND TỈNH QUẢNG NGÃI
SỞ CÔNG THƯƠNG
Số: 02/BTT-SCT
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Quảng Ngãi, ngày 21 tháng 4 năm 2026
BẢN THOẢ THUẬN
Phối hợp quản lý thị trường trên địa bàn tỉnh
Điều 1. Nội dung phối hợp
GIÁM ĐỐC
Phan Văn Long
""", expect(
    code="02/BTT-SCT", code_number="02", code_notation="BTT-SCT", type_name="Bản thỏa thuận",
    organ_name="Sở Công Thương", parent_organ=UBND_QN, place="Quảng Ngãi",
    issued_date="2026-04-21", subject="Phối hợp quản lý thị trường trên địa bàn tỉnh",
    urgency=None, secrecy=None, signer_name="Phan Văn Long", signer_position="Giám đốc",
    signer_competence=None, signer_title="Giám đốc", to_places=None))

# 33. Giấy ủy quyền (GUQ).
add("giay-uy-quyen", """\
UBND TỈNH QUẢNG NGÃI
SỞ TƯ PHÁP
Số: 05/GUQ-STP
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Quảng Ngãi, ngày 03 tháng 7 năm 2026
GIẤY ỦY QUYỀN
Căn cứ Quyết định số 15/QĐ-UBND ngày 05/01/2026 của UBND tỉnh;
Tôi là Trần Thị Mỹ, Giám đốc Sở Tư pháp, ủy quyền cho ông Lê Văn Bình, Phó Giám đốc Sở.
GIÁM ĐỐC
Trần Thị Mỹ
""", expect(
    code="05/GUQ-STP", code_number="05", code_notation="GUQ-STP", type_name="Giấy ủy quyền",
    organ_name="Sở Tư pháp", parent_organ=UBND_QN, place="Quảng Ngãi", issued_date="2026-07-03",
    subject=None, urgency=None, secrecy=None, signer_name="Trần Thị Mỹ", signer_position="Giám đốc",
    signer_competence=None, signer_title="Giám đốc", to_places=None))

# 34. Giấy giới thiệu (GGT), TL. GIÁM ĐỐC / CHÁNH VĂN PHÒNG.
add("giay-gioi-thieu", """\
UBND TỈNH QUẢNG NGÃI
SỞ XÂY DỰNG
Số: 17/GGT-SXD
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Quảng Ngãi, ngày 11 tháng 9 năm 2026
GIẤY GIỚI THIỆU
Sở Xây dựng trân trọng giới thiệu ông Nguyễn Văn Tài, chuyên viên Phòng Quản lý xây dựng.
Được cử đến: Sở Tài chính.
TL. GIÁM ĐỐC
CHÁNH VĂN PHÒNG
Lê Thị Xuân
""", expect(
    code="17/GGT-SXD", code_number="17", code_notation="GGT-SXD", type_name="Giấy giới thiệu",
    organ_name="Sở Xây dựng", parent_organ=UBND_QN, place="Quảng Ngãi", issued_date="2026-09-11",
    subject=None, urgency=None, secrecy=None, signer_name="Lê Thị Xuân",
    signer_position="Chánh Văn phòng", signer_competence="TL.",
    signer_title="TL. Giám đốc / Chánh Văn phòng", to_places=None))

# 35. Giấy nghỉ phép (GNP).
add("giay-nghi-phep", """\
UBND TỈNH QUẢNG NGÃI
SỞ TÀI CHÍNH
Số: 40/GNP-STC
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Quảng Ngãi, ngày 05 tháng 8 năm 2026
GIẤY NGHỈ PHÉP
Xét đơn đề nghị nghỉ phép ngày 01/8/2026 của bà Đinh Thị Hoa,
Giám đốc Sở Tài chính cấp giấy nghỉ phép cho bà Đinh Thị Hoa, chuyên viên.
Nơi nhận:
- Bà Đinh Thị Hoa;
- Lưu: VT, VP.
KT. GIÁM ĐỐC
PHÓ GIÁM ĐỐC
Lý Văn Tư
""", expect(
    code="40/GNP-STC", code_number="40", code_notation="GNP-STC", type_name="Giấy nghỉ phép",
    organ_name="Sở Tài chính", parent_organ=UBND_QN, place="Quảng Ngãi", issued_date="2026-08-05",
    subject=None, urgency=None, secrecy=None, signer_name="Lý Văn Tư",
    signer_position="Phó Giám đốc", signer_competence="KT.",
    signer_title="KT. Giám đốc / Phó Giám đốc", to_places=["Bà Đinh Thị Hoa", "Lưu: VT, VP"]))

# 36. Phiếu gửi (PG).
add("phieu-gui", """\
VĂN PHÒNG UBND TỈNH QUẢNG NGÃI
Số: 120/PG-VP
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Quảng Ngãi, ngày 12 tháng 10 năm 2026
PHIẾU GỬI
Kính gửi: Sở Tài chính.
Văn phòng UBND tỉnh gửi kèm hồ sơ đề nghị thẩm định giá.
Đề nghị nhận được văn bản này, ký xác nhận và gửi lại./.
TL. CHỦ TỊCH
KT. CHÁNH VĂN PHÒNG
PHÓ CHÁNH VĂN PHÒNG
Võ Hồng Sơn
""", expect(
    code="120/PG-VP", code_number="120", code_notation="PG-VP", type_name="Phiếu gửi",
    organ_name="Văn phòng Ủy ban nhân dân tỉnh Quảng Ngãi", parent_organ=None,
    place="Quảng Ngãi", issued_date="2026-10-12", subject=None, urgency=None, secrecy=None,
    signer_name="Võ Hồng Sơn", signer_position="Phó Chánh Văn phòng", signer_competence="KT.",
    signer_title="TL. Chủ tịch / KT. Chánh Văn phòng / Phó Chánh Văn phòng", to_places=None))

# 37. Phiếu chuyển (PC), numbered with a letter suffix.
add("phieu-chuyen", """\
UBND TỈNH QUẢNG NGÃI
BAN TIẾP CÔNG DÂN
Số: 89a/PC-BTCD
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Quảng Ngãi, ngày 28 tháng 9 năm 2026
PHIẾU CHUYỂN
Đơn kiến nghị của công dân
Kính gửi: Ủy ban nhân dân huyện Sơn Tịnh.
Ban Tiếp công dân tỉnh chuyển đơn của ông Trần Văn Nhơn đến UBND huyện Sơn Tịnh xem xét./.
TRƯỞNG BAN
Huỳnh Tấn Mến
""", expect(
    code="89a/PC-BTCD", code_number="89a", code_notation="PC-BTCD", type_name="Phiếu chuyển",
    organ_name="Ban Tiếp công dân", parent_organ=UBND_QN, place="Quảng Ngãi",
    issued_date="2026-09-28", subject="Đơn kiến nghị của công dân", urgency=None, secrecy=None,
    signer_name="Huỳnh Tấn Mến", signer_position="Trưởng ban", signer_competence=None,
    signer_title="Trưởng ban", to_places=None))

# 38. Phiếu báo (PB).
add("phieu-bao", """\
UBND TỈNH QUẢNG NGÃI
KHO BẠC NHÀ NƯỚC QUẢNG NGÃI
Số: 15/PB-KBNN
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Quảng Ngãi, ngày 30 tháng 6 năm 2026
PHIẾU BÁO
Số dư tài khoản tiền gửi tháng 6 năm 2026
Kho bạc Nhà nước Quảng Ngãi báo số dư tài khoản của đơn vị như sau./.
KT. GIÁM ĐỐC
PHÓ GIÁM ĐỐC
Trịnh Văn Kha
""", expect(
    code="15/PB-KBNN", code_number="15", code_notation="PB-KBNN", type_name="Phiếu báo",
    organ_name="Kho bạc Nhà nước Quảng Ngãi", parent_organ=UBND_QN, place="Quảng Ngãi",
    issued_date="2026-06-30", subject="Số dư tài khoản tiền gửi tháng 6 năm 2026", urgency=None,
    secrecy=None, signer_name="Trịnh Văn Kha", signer_position="Phó Giám đốc",
    signer_competence="KT.", signer_title="KT. Giám đốc / Phó Giám đốc", to_places=None))

# 39. Nghị quyết of the People's Council (HĐND), TM. HỘI ĐỒNG NHÂN DÂN / CHỦ TỊCH.
add("nghi-quyet-hdnd", """\
HỘI ĐỒNG NHÂN DÂN
TỈNH QUẢNG NGÃI
Số: 45/2025/NQ-HĐND
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Quảng Ngãi, ngày 10 tháng 12 năm 2025
NGHỊ QUYẾT
Quy định mức chi bảo đảm cho công tác chuyển đổi số trên địa bàn tỉnh Quảng Ngãi
HỘI ĐỒNG NHÂN DÂN TỈNH QUẢNG NGÃI
KHÓA XIII KỲ HỌP THỨ 32
Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 02 năm 2025;
QUYẾT NGHỊ:
Điều 1. Phạm vi điều chỉnh./.
Nơi nhận:
- Ủy ban Thường vụ Quốc hội;
- Chính phủ;
- Lưu: VT, KTNS.
CHỦ TỊCH
Bùi Thị Quỳnh Vân
""", expect(
    code="45/2025/NQ-HĐND", code_number="45", code_notation="NQ-HĐND", type_name="Nghị quyết",
    organ_name="Hội đồng nhân dân tỉnh Quảng Ngãi", parent_organ=None, place="Quảng Ngãi",
    issued_date="2025-12-10",
    subject="Quy định mức chi bảo đảm cho công tác chuyển đổi số trên địa bàn tỉnh Quảng Ngãi",
    urgency=None, secrecy=None, signer_name="Bùi Thị Quỳnh Vân", signer_position="Chủ tịch",
    signer_competence=None, signer_title="Chủ tịch",
    to_places=["Ủy ban Thường vụ Quốc hội", "Chính phủ", "Lưu: VT, KTNS"]))

# 40. Quy chế of a Sở issued on its own (QC), two-line department name.
add("quy-che-so", """\
UBND TỈNH QUẢNG NGÃI
SỞ LAO ĐỘNG - THƯƠNG BINH VÀ
XÃ HỘI
Số: 01/QC-SLĐTBXH
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Quảng Ngãi, ngày 02 tháng 01 năm 2026
QUY CHẾ
Chi tiêu nội bộ năm 2026
Chương I. QUY ĐỊNH CHUNG
Nơi nhận:
- Kho bạc Nhà nước tỉnh;
- Lưu: VT, KHTC.
GIÁM ĐỐC
Phạm Thị Thu Trang
""", expect(
    code="01/QC-SLĐTBXH", code_number="01", code_notation="QC-SLĐTBXH", type_name="Quy chế",
    organ_name="Sở Lao động - Thương binh và Xã hội", parent_organ=UBND_QN, place="Quảng Ngãi",
    issued_date="2026-01-02", subject="Chi tiêu nội bộ năm 2026", urgency=None, secrecy=None,
    signer_name="Phạm Thị Thu Trang", signer_position="Giám đốc", signer_competence=None,
    signer_title="Giám đốc", to_places=["Kho bạc Nhà nước tỉnh", "Lưu: VT, KHTC"]))

# 41. Công văn of the UBND itself: ký hiệu without a type abbreviation (UBND-KGVX).
add("cong-van-ubnd", """\
ỦY BAN NHÂN DÂN
TỈNH QUẢNG NGÃI
-------
Số: 5210/UBND-KGVX
V/v tăng cường công tác phòng, chống
dịch bệnh sốt xuất huyết
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
--------
Quảng Ngãi, ngày 19 tháng 10 năm 2026
Kính gửi:
- Sở Y tế;
- UBND các huyện, thị xã, thành phố.
Chủ tịch UBND tỉnh có ý kiến chỉ đạo như sau./.
Nơi nhận:
- Như trên;
- CT, PCT UBND tỉnh;
- VPUB: CVP, PCVP, CBTH;
- Lưu: VT, KGVX.
KT. CHỦ TỊCH
PHÓ CHỦ TỊCH
Nguyễn Thị Thanh Thủy
""", expect(
    code="5210/UBND-KGVX", code_number="5210", code_notation="UBND-KGVX", type_name="Công văn",
    organ_name=UBND_QN, parent_organ=None, place="Quảng Ngãi", issued_date="2026-10-19",
    subject="Tăng cường công tác phòng, chống dịch bệnh sốt xuất huyết", urgency=None,
    secrecy=None, signer_name="Nguyễn Thị Thanh Thủy", signer_position="Phó Chủ tịch",
    signer_competence="KT.", signer_title="KT. Chủ tịch / Phó Chủ tịch",
    to_places=["Như trên", "CT, PCT UBND tỉnh", "VPUB: CVP, PCVP, CBTH", "Lưu: VT, KGVX"]))

# 42. Scan with the header unreadable: number, type and subject from the email subject.
add("email-subject-fallback", """\
Thực hiện Kế hoạch số 120/KH-UBND ngày 02/10/2026 của Ủy ban nhân dân tỉnh, Sở Y tế đề nghị các đơn vị báo cáo kết quả tiêm chủng mở rộng về Sở trước ngày 30/11/2026.
Trân trọng./.
""", expect(
    code="2345/SYT-NVY", code_number="2345", code_notation="SYT-NVY", type_name="Công văn",
    organ_name="Sở Y tế tỉnh Quảng Ngãi", parent_organ=None, place=None, issued_date=None,
    subject="Báo cáo kết quả tiêm chủng mở rộng năm 2026", urgency=None, secrecy=None,
    signer_name="Nguyễn Văn A", signer_position=None, signer_competence=None, signer_title=None,
    to_places=None),
    email_subject="Fwd: Công văn số 2345/SYT-NVY về việc báo cáo kết quả tiêm chủng mở rộng năm 2026",
    signer_certificate={"signer": "Nguyễn Văn A", "signer_org": "Sở Y tế tỉnh Quảng Ngãi"})

# 43. Certificate fallback only for what the text lacks; the text's own values win.
add("certificate-does-not-override", """\
UBND TỈNH QUẢNG NGÃI
SỞ TƯ PHÁP
Số: 134/BC-STP
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Quảng Ngãi, ngày 22 tháng 8 năm 2014
BÁO CÁO
Thẩm định dự thảo Quy định về trao đổi, quản lý văn bản điện tử
Sở Tư pháp nhận được Công văn số 650/STTTT-CNTT ngày 15/8/2014 của Sở Thông tin và Truyền thông.
Nơi nhận:
- Sở Thông tin và Truyền thông;
- Lưu: VT, XDVB.
GIÁM ĐỐC
Trần Thanh Trường
""", expect(
    code="134/BC-STP", code_number="134", code_notation="BC-STP", type_name="Báo cáo",
    organ_name="Sở Tư pháp", parent_organ=UBND_QN, place="Quảng Ngãi", issued_date="2014-08-22",
    subject="Thẩm định dự thảo Quy định về trao đổi, quản lý văn bản điện tử", urgency=None,
    secrecy=None, signer_name="Trần Thanh Trường", signer_position="Giám đốc",
    signer_competence=None, signer_title="Giám đốc",
    to_places=["Sở Thông tin và Truyền thông", "Lưu: VT, XDVB"]),
    email_subject="Báo cáo thẩm định số 999/BC-XYZ",
    signer_certificate={"signer": "Người Khác", "signer_org": "Sở Khác"})

# 44. Cục under a Bộ, name wrapped over two lines, TL./KT. three levels.
add("cong-van-cuc-bo", """\
BỘ THÔNG TIN VÀ TRUYỀN THÔNG
CỤC CHUYỂN ĐỔI SỐ
QUỐC GIA
--------
Số: 412/CĐSQG-CQS
V/v hướng dẫn kết nối Trục liên thông văn bản quốc gia
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Hà Nội, ngày 04 tháng 4 năm 2025
Kính gửi: Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương.
Cục Chuyển đổi số quốc gia hướng dẫn kết nối như sau./.
Nơi nhận:
- Như trên;
- Bộ trưởng (để b/c);
- Lưu: VT, CQS.
TL. BỘ TRƯỞNG
KT. CỤC TRƯỞNG
PHÓ CỤC TRƯỞNG
Hồ Đức Thắng
""", expect(
    code="412/CĐSQG-CQS", code_number="412", code_notation="CĐSQG-CQS", type_name="Công văn",
    organ_name="Cục Chuyển đổi số quốc gia", parent_organ="Bộ Thông tin và Truyền thông",
    place="Hà Nội", issued_date="2025-04-04",
    subject="Hướng dẫn kết nối Trục liên thông văn bản quốc gia", urgency=None, secrecy=None,
    signer_name="Hồ Đức Thắng", signer_position="Phó Cục trưởng", signer_competence="KT.",
    signer_title="TL. Bộ trưởng / KT. Cục trưởng / Phó Cục trưởng",
    to_places=["Như trên", "Bộ trưởng (để b/c)", "Lưu: VT, CQS"]))

# 45. Layout-preserving extractor: columns separated by runs of spaces on the same line.
add("layout-columns-spaces", """\
        UBND TỈNH QUẢNG NGÃI                    CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
        SỞ TÀI CHÍNH                                  Độc lập - Tự do - Hạnh phúc
        Số: 3120/STC-QLNS                      Quảng Ngãi, ngày 23 tháng 10 năm 2026
  V/v hướng dẫn xây dựng dự toán
       ngân sách nhà nước năm 2027

                   Kính gửi: Các sở, ban, ngành tỉnh.

    Căn cứ Thông tư số 49/2026/TT-BTC của Bộ Tài chính, Sở Tài chính hướng dẫn như sau./.

  Nơi nhận:                                              KT. GIÁM ĐỐC
  - Như trên;                                            PHÓ GIÁM ĐỐC
  - UBND tỉnh (b/c);
  - Lưu: VT, QLNS.

                                                         Ngô Thị Bích Thủy
""", expect(
    code="3120/STC-QLNS", code_number="3120", code_notation="STC-QLNS", type_name="Công văn",
    organ_name="Sở Tài chính", parent_organ=UBND_QN, place="Quảng Ngãi", issued_date="2026-10-23",
    subject="Hướng dẫn xây dựng dự toán ngân sách nhà nước năm 2027", urgency=None, secrecy=None,
    signer_name="Ngô Thị Bích Thủy", signer_position="Phó Giám đốc", signer_competence="KT.",
    signer_title="KT. Giám đốc / Phó Giám đốc",
    to_places=["Như trên", "UBND tỉnh (b/c)", "Lưu: VT, QLNS"]))

# 46. Thông báo with urgency KHẨN and the trích yếu on the type line's own paragraph in caps.
add("thong-bao-khan-caps", """\
UBND TỈNH QUẢNG NGÃI
SỞ Y TẾ
Số: 880/TB-SYT
KHẨN
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Quảng Ngãi, ngày 03 tháng 9 năm 2026
THÔNG BÁO
VỀ VIỆC TẠM DỪNG TIẾP NHẬN HỒ SƠ CẤP CHỨNG CHỈ HÀNH NGHỀ
TẠI BỘ PHẬN MỘT CỬA SỞ Y TẾ
Do nâng cấp hệ thống phần mềm, Sở Y tế tạm dừng tiếp nhận hồ sơ từ ngày 05/9/2026./.
Nơi nhận:
- Cổng Dịch vụ công tỉnh;
- Lưu: VT, NVY.
KT. GIÁM ĐỐC
PHÓ GIÁM ĐỐC
Phạm Thị Hương
""", expect(
    code="880/TB-SYT", code_number="880", code_notation="TB-SYT", type_name="Thông báo",
    organ_name="Sở Y tế", parent_organ=UBND_QN, place="Quảng Ngãi", issued_date="2026-09-03",
    subject="Tạm dừng tiếp nhận hồ sơ cấp chứng chỉ hành nghề tại bộ phận một cửa Sở Y tế",
    urgency="Khẩn", secrecy=None, signer_name="Phạm Thị Hương", signer_position="Phó Giám đốc",
    signer_competence="KT.", signer_title="KT. Giám đốc / Phó Giám đốc",
    to_places=["Cổng Dịch vụ công tỉnh", "Lưu: VT, NVY"]))


# 47. Thông tư of a Bộ: table rows split by tabs, "+" sub-bullet, "(Đã ký)" placeholder.
add("thong-tu-bo-tabs", """\
BỘ TÀI CHÍNH
-------
Số: 49/2026/TT-BTC\tCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
---------------
Hà Nội, ngày 30 tháng 6 năm 2026

THÔNG TƯ
HƯỚNG DẪN XÂY DỰNG DỰ TOÁN NGÂN SÁCH NHÀ NƯỚC NĂM 2027 VÀ KẾ HOẠCH TÀI CHÍNH - NGÂN SÁCH NHÀ NƯỚC 03 NĂM 2027-2029

Căn cứ Luật Ngân sách nhà nước ngày 25 tháng 6 năm 2015;
Bộ trưởng Bộ Tài chính ban hành Thông tư hướng dẫn xây dựng dự toán ngân sách nhà nước năm 2027.
Điều 1. Phạm vi điều chỉnh

Nơi nhận:
- Ban Bí thư Trung ương Đảng;
- Thủ tướng, các Phó Thủ tướng Chính phủ;
+ Các Bộ, cơ quan ngang Bộ;
- Lưu: VT, Vụ NSNN.\tKT. BỘ TRƯỞNG
THỨ TRƯỞNG




(Đã ký)
Võ Thành Hưng
""", expect(
    code="49/2026/TT-BTC", code_number="49", code_notation="TT-BTC", type_name="Thông tư",
    organ_name="Bộ Tài chính", parent_organ=None, place="Hà Nội", issued_date="2026-06-30",
    subject="Hướng dẫn xây dựng dự toán ngân sách nhà nước năm 2027 và kế hoạch tài chính - "
            "ngân sách nhà nước 03 năm 2027-2029", urgency=None, secrecy=None,
    signer_name="Võ Thành Hưng", signer_position="Thứ trưởng", signer_competence="KT.",
    signer_title="KT. Bộ trưởng / Thứ trưởng",
    to_places=["Ban Bí thư Trung ương Đảng", "Thủ tướng, các Phó Thủ tướng Chính phủ",
               "Các Bộ, cơ quan ngang Bộ", "Lưu: VT, Vụ NSNN"]))

# 48. Nghị định of the Government, TM. CHÍNH PHỦ / THỦ TƯỚNG.
add("nghi-dinh-chinh-phu", """\
CHÍNH PHỦ
--------
Số: 30/2020/NĐ-CP\tCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
---------------
Hà Nội, ngày 05 tháng 3 năm 2020

NGHỊ ĐỊNH
VỀ CÔNG TÁC VĂN THƯ

Căn cứ Luật Tổ chức Chính phủ ngày 19 tháng 6 năm 2015;
Theo đề nghị của Bộ trưởng Bộ Nội vụ;
Chính phủ ban hành Nghị định về công tác văn thư.

Nơi nhận:
- Ban Bí thư Trung ương Đảng;
- Lưu: VT, KSTT (2b).\tTM. CHÍNH PHỦ
THỦ TƯỚNG




Nguyễn Xuân Phúc
""", expect(
    code="30/2020/NĐ-CP", code_number="30", code_notation="NĐ-CP", type_name="Nghị định",
    organ_name="Chính phủ", parent_organ=None, place="Hà Nội", issued_date="2020-03-05",
    subject="Về công tác văn thư", urgency=None, secrecy=None, signer_name="Nguyễn Xuân Phúc",
    signer_position="Thủ tướng", signer_competence="TM.", signer_title="TM. Chính phủ / Thủ tướng",
    to_places=["Ban Bí thư Trung ương Đảng", "Lưu: VT, KSTT (2b)"]))

# 49. Party committee letter: "Số 1245-CV/TU", motto ĐẢNG CỘNG SẢN VIỆT NAM, T/M spelling.
add("cong-van-tinh-uy", """\
ĐẢNG BỘ TỈNH QUẢNG NGÃI
TỈNH ỦY
*
Số 1245-CV/TU\tĐẢNG CỘNG SẢN VIỆT NAM
Quảng Ngãi, ngày 12 tháng 10 năm 2026
V/v tổ chức Hội nghị tổng kết năm 2026
Kính gửi: Các huyện ủy, thị ủy, thành ủy.
Thường trực Tỉnh ủy đề nghị các cấp ủy chuẩn bị báo cáo tổng kết.
Nơi nhận:
- Như trên;
- Lưu Văn phòng Tỉnh ủy.\tT/M BAN THƯỜNG VỤ
PHÓ BÍ THƯ THƯỜNG TRỰC
Đặng Ngọc Huy
""", expect(
    code="1245-CV/TU", code_number="1245", code_notation="CV/TU", type_name="Công văn",
    organ_name="Tỉnh ủy", parent_organ="Đảng bộ tỉnh Quảng Ngãi", place="Quảng Ngãi",
    issued_date="2026-10-12", subject="Tổ chức Hội nghị tổng kết năm 2026", urgency=None,
    secrecy=None, signer_name="Đặng Ngọc Huy", signer_position="Phó Bí thư Thường trực",
    signer_competence="TM.", signer_title="TM. Ban Thường vụ / Phó Bí thư Thường trực",
    to_places=["Như trên", "Lưu Văn phòng Tỉnh ủy"]))

# 50. Signature block typed in normal case, "(Đã ký)", place "Thành phố Hồ Chí Minh".
add("cong-van-hcm-normal-case-title", """\
ỦY BAN NHÂN DÂN
THÀNH PHỐ HỒ CHÍ MINH
SỞ Y TẾ
Số: 5678/SYT-NVY
V/v hướng dẫn phòng, chống dịch sốt xuất huyết
trên địa bàn Thành phố
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Thành phố Hồ Chí Minh, ngày 15 tháng 7 năm 2026
Kính gửi: Bệnh viện các quận, huyện.
Sở Y tế hướng dẫn như sau./.
Nơi nhận:
- Như trên;
- Lưu: VT, NVY.
KT. Giám đốc
Phó Giám đốc
(Đã ký)
Nguyễn Văn Vĩnh Châu
""", expect(
    code="5678/SYT-NVY", code_number="5678", code_notation="SYT-NVY", type_name="Công văn",
    organ_name="Sở Y tế", parent_organ="Ủy ban nhân dân thành phố Hồ Chí Minh",
    place="Thành phố Hồ Chí Minh", issued_date="2026-07-15",
    subject="Hướng dẫn phòng, chống dịch sốt xuất huyết trên địa bàn Thành phố", urgency=None,
    secrecy=None, signer_name="Nguyễn Văn Vĩnh Châu", signer_position="Phó Giám đốc",
    signer_competence="KT.", signer_title="KT. Giám đốc / Phó Giám đốc",
    to_places=["Như trên", "Lưu: VT, NVY"]))

# 51. "UBND TP. HỒ CHÍ MINH", place "TP. Hồ Chí Minh", one-digit day and month, [daky].
add("ke-hoach-tp-hcm", """\
UBND TP. HỒ CHÍ MINH
SỞ THÔNG TIN VÀ TRUYỀN THÔNG
Số: 12/KH-STTTT
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
TP. Hồ Chí Minh, ngày 2 tháng 1 năm 2026
KẾ HOẠCH
Tổ chức Ngày Chuyển đổi số Thành phố năm 2026
I. MỤC ĐÍCH
GIÁM ĐỐC
[daky]
Lâm Đình Thắng
""", expect(
    code="12/KH-STTTT", code_number="12", code_notation="KH-STTTT", type_name="Kế hoạch",
    organ_name="Sở Thông tin và Truyền thông", parent_organ="Ủy ban nhân dân thành phố Hồ Chí Minh",
    place="TP. Hồ Chí Minh", issued_date="2026-01-02",
    subject="Tổ chức Ngày Chuyển đổi số Thành phố năm 2026", urgency=None, secrecy=None,
    signer_name="Lâm Đình Thắng", signer_position="Giám đốc", signer_competence=None,
    signer_title="Giám đốc", to_places=None))

# 52. District office, fully interleaved: the position beside "Nơi nhận:", a wrapped item
#     ending in "và", and the signer's name on the same line as the last item.
add("cong-van-phong-interleaved-name", """\
UBND HUYỆN MỘ ĐỨC CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
PHÒNG TÀI CHÍNH - KẾ HOẠCH Độc lập - Tự do - Hạnh phúc
------- ---------------
Số: 88/TCKH-NS Mộ Đức, ngày 09 tháng 12 năm 2026
V/v đề nghị bổ sung kinh phí
Kính gửi: Ủy ban nhân dân huyện Mộ Đức.
Phòng Tài chính - Kế hoạch đề nghị bổ sung kinh phí cho các xã./.
Nơi nhận: TRƯỞNG PHÒNG
- Như trên;
- Văn phòng: Huyện ủy, HĐND và
UBND huyện;
- Lưu: VT, NS. Trần Thị Thu Sương
""", expect(
    code="88/TCKH-NS", code_number="88", code_notation="TCKH-NS", type_name="Công văn",
    organ_name="Phòng Tài chính - Kế hoạch", parent_organ="Ủy ban nhân dân huyện Mộ Đức",
    place="Mộ Đức", issued_date="2026-12-09", subject="Đề nghị bổ sung kinh phí", urgency=None,
    secrecy=None, signer_name="Trần Thị Thu Sương", signer_position="Trưởng phòng",
    signer_competence=None, signer_title="Trưởng phòng",
    to_places=["Như trên", "Văn phòng: Huyện ủy, HĐND và UBND huyện", "Lưu: VT, NS"]))
