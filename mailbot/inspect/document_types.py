"""Vocabularies for reading Vietnamese official documents (pure data, no I/O).

Sources: Decree 30/2020/NĐ-CP Phụ lục III (document types and their
abbreviations in the ký hiệu), common usage for titles, department names and
place names. Keys that are compared are in a folded form (see `fold_key`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from mailbot.util.textfold import fold

__all__ = [
    "TYPE_NAMES", "TYPE_ABBREVIATIONS", "COPY_ABBREVIATIONS", "POSITIONS", "DEPARTMENTS",
    "PLACES", "SURNAMES", "NAME_PREFIXES", "ACRONYMS", "fold_key", "type_from_notation",
]


# Accent- and case-free key: "HOÀ BÌNH", "Hòa Bình" and "hoa binh" meet. util.textfold.fold,
# cached: it is called for the same short lines and words over and over.
fold_key = lru_cache(maxsize=8192)(fold)


# Type names as printed on the type line (upper case) → register spelling
# (sentence case). Decree 30 Art. 7 lists 29 administrative types; legal
# documents (Luật, Nghị định, Thông tư…) arrive too.
_TYPES = [
    "Nghị quyết", "Quyết định", "Chỉ thị", "Quy chế", "Quy định", "Thông cáo", "Thông báo",
    "Hướng dẫn", "Chương trình", "Kế hoạch", "Phương án", "Đề án", "Dự án", "Báo cáo",
    "Biên bản", "Tờ trình", "Hợp đồng", "Công văn", "Công điện", "Bản ghi nhớ",
    "Bản thỏa thuận", "Giấy ủy quyền", "Giấy mời", "Giấy giới thiệu", "Giấy nghỉ phép",
    "Phiếu gửi", "Phiếu chuyển", "Phiếu báo", "Thư công",
    "Luật", "Pháp lệnh", "Lệnh", "Nghị định", "Thông tư", "Thông tư liên tịch",
    "Nghị quyết liên tịch", "Quy chế phối hợp", "Giấy chứng nhận", "Giấy xác nhận",
    "Phiếu trình", "Điều lệ", "Chiến lược", "Quy hoạch", "Đề cương", "Kết luận",
]
TYPE_NAMES: dict[str, str] = {fold_key(t): t for t in _TYPES}

# Decree 30/2020 Phụ lục III: abbreviation in the ký hiệu → type. Case
# matters (QĐ vs QyĐ, CT vs CTr). TC is Thông cáo in the Decree (Thư công has
# no ký hiệu); UQ is the older (Circular 01/2011) spelling of GUQ.
TYPE_ABBREVIATIONS: dict[str, str] = {
    "NQ": "Nghị quyết", "QĐ": "Quyết định", "CT": "Chỉ thị", "QC": "Quy chế",
    "QyĐ": "Quy định", "TC": "Thông cáo", "TB": "Thông báo", "HD": "Hướng dẫn",
    "CTr": "Chương trình", "KH": "Kế hoạch", "PA": "Phương án", "ĐA": "Đề án",
    "DA": "Dự án", "BC": "Báo cáo", "BB": "Biên bản", "TTr": "Tờ trình", "HĐ": "Hợp đồng",
    "CĐ": "Công điện", "BGN": "Bản ghi nhớ", "BTT": "Bản thỏa thuận", "GUQ": "Giấy ủy quyền",
    "UQ": "Giấy ủy quyền", "GM": "Giấy mời", "GGT": "Giấy giới thiệu", "GNP": "Giấy nghỉ phép",
    "PG": "Phiếu gửi", "PC": "Phiếu chuyển", "PB": "Phiếu báo",
    "NQLT": "Nghị quyết liên tịch", "NĐ": "Nghị định", "TT": "Thông tư",
    "TTLT": "Thông tư liên tịch", "L": "Lệnh",
    "CV": "Công văn",  # Party documents: "1245-CV/TU"
}

# Ký hiệu of copies (Decree 30 Phụ lục I): a copy-certification block.
COPY_ABBREVIATIONS = {"SY", "TS", "SL", "BS"}


def type_from_notation(notation: str | None) -> str | None:
    """Type named by the first segment of the ký hiệu ("KH-UBND" → Kế hoạch)."""
    if not notation:
        return None
    head = re.split(r"[-/]", notation)[0].strip()
    if head in TYPE_ABBREVIATIONS:
        return TYPE_ABBREVIATIONS[head]
    # Typed in the wrong case ("TTR", "Qđ"): accept only an unambiguous match.
    matches = {v for k, v in TYPE_ABBREVIATIONS.items() if k.upper() == head.upper()}
    return matches.pop() if len(matches) == 1 else None


# Positions (chức vụ) as they are conventionally cased. Folded key → spelling.
_POSITIONS = [
    "Chủ tịch", "Giám đốc", "Tổng Giám đốc", "Chánh Văn phòng", "Chánh Thanh tra",
    "Trưởng ban", "Trưởng phòng", "Trưởng khoa", "Trưởng đoàn", "Trưởng Ban", "Bộ trưởng",
    "Thứ trưởng", "Cục trưởng", "Vụ trưởng", "Tổng Cục trưởng", "Chi cục trưởng",
    "Hiệu trưởng", "Viện trưởng", "Thủ tướng", "Bí thư Thường trực", "Bí thư", "Chủ tọa", "Chủ trì", "Thư ký",
    "Chủ nhiệm", "Thủ trưởng", "Chỉ huy trưởng", "Trưởng Công an",
    "Tổng Thư ký", "Chánh án", "Viện trưởng", "Chủ nhiệm Ủy ban Kiểm tra", "Trưởng Ban",
    "Kế toán trưởng", "Người lập", "Người đại diện", "Đại diện",
]
POSITIONS: dict[str, str] = {}
for _p in _POSITIONS:
    POSITIONS.setdefault(fold_key(_p), _p)

# Department names after Sở/Bộ/Phòng in common usage (first syllable of each
# part capitalised, "và" lower case, Công Thương as one proper name).
_DEPARTMENTS = [
    "Y tế", "Tài chính", "Nội vụ", "Tư pháp", "Xây dựng", "Công Thương", "Ngoại vụ",
    "Giao thông vận tải", "Kế hoạch và Đầu tư", "Thông tin và Truyền thông",
    "Tài nguyên và Môi trường", "Giáo dục và Đào tạo", "Khoa học và Công nghệ",
    "Lao động - Thương binh và Xã hội", "Văn hóa, Thể thao và Du lịch", "Văn hóa và Thể thao",
    "Nông nghiệp và Phát triển nông thôn", "Nông nghiệp và Môi trường", "Dân tộc và Tôn giáo",
    "Du lịch", "Công an", "Quốc phòng", "Ngoại giao", "Thông tin", "Tài chính - Kế hoạch",
    "Kinh tế - Hạ tầng", "Kinh tế", "Quản lý đô thị", "Văn hóa - Thông tin",
    "Văn hóa và Thông tin", "Tổng hợp", "Hành chính - Tổng hợp", "Tổ chức cán bộ",
    "Pháp chế", "Kế hoạch - Tài chính", "Nghiệp vụ Y", "Nghiệp vụ Dược",
]
DEPARTMENTS: dict[str, str] = {fold_key(d): d for d in _DEPARTMENTS}

# Provinces and cities, used to find where a place name ends.
_PLACES = [
    "Hà Nội", "Hồ Chí Minh", "Thành phố Hồ Chí Minh", "TP. Hồ Chí Minh", "Hải Phòng", "Đà Nẵng",
    "Cần Thơ", "An Giang", "Bà Rịa - Vũng Tàu", "Bắc Giang", "Bắc Kạn", "Bạc Liêu", "Bắc Ninh",
    "Bến Tre", "Bình Định", "Bình Dương", "Bình Phước", "Bình Thuận", "Cà Mau", "Cao Bằng",
    "Đắk Lắk", "Đắk Nông", "Điện Biên", "Đồng Nai", "Đồng Tháp", "Gia Lai", "Hà Giang",
    "Hà Nam", "Hà Tĩnh", "Hải Dương", "Hậu Giang", "Hòa Bình", "Hưng Yên", "Khánh Hòa",
    "Kiên Giang", "Kon Tum", "Lai Châu", "Lâm Đồng", "Lạng Sơn", "Lào Cai", "Long An",
    "Nam Định", "Nghệ An", "Ninh Bình", "Ninh Thuận", "Phú Thọ", "Phú Yên", "Quảng Bình",
    "Quảng Nam", "Quảng Ngãi", "Quảng Ninh", "Quảng Trị", "Sóc Trăng", "Sơn La", "Tây Ninh",
    "Thái Bình", "Thái Nguyên", "Thanh Hóa", "Thừa Thiên Huế", "Huế", "Tiền Giang",
    "Trà Vinh", "Tuyên Quang", "Vĩnh Long", "Vĩnh Phúc", "Yên Bái",
    "Mỹ Tho", "Buôn Ma Thuột", "Vũng Tàu", "Nha Trang", "Đà Lạt", "Vinh", "Quy Nhơn",
    "Tuy Hòa", "Tam Kỳ", "Hội An", "Pleiku", "Biên Hòa", "Thủ Dầu Một", "Long Xuyên",
    "Rạch Giá", "Hạ Long", "Việt Trì", "Đông Hà", "Đồng Hới", "Phan Thiết", "Phan Rang - Tháp Chàm",
    "Bình Sơn", "Sơn Tịnh", "Tư Nghĩa", "Mộ Đức", "Đức Phổ", "Nghĩa Hành", "Ba Tơ",
    "Minh Long", "Sơn Hà", "Sơn Tây", "Trà Bồng", "Lý Sơn", "Bình Châu", "Tịnh Phong",
]
PLACES: dict[str, str] = {fold_key(p): p for p in _PLACES}

# Family names, to tell a person's name from other capitalised lines.
SURNAMES = {fold_key(s) for s in [
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
    "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đào", "Đoàn", "Vương", "Trịnh", "Trương", "Đinh",
    "Lâm", "Phùng", "Mai", "Tô", "Tạ", "Hà", "Cao", "Lương", "Lưu", "Châu", "Thái", "Quách",
    "Kiều", "Tăng", "Văn", "La", "Lại", "Từ", "Khúc", "Triệu", "Chu", "Nông", "Lò", "Giáp",
    "Âu", "Doãn", "Hứa", "Thân", "Tống", "Diệp", "Mạc", "Kim", "Chế", "Tôn", "Quan",
]}

# Ranks and degrees that may precede a signer's name (Decree 30 Phụ lục I).
NAME_PREFIXES = [
    "Đại tướng", "Thượng tướng", "Trung tướng", "Thiếu tướng", "Đại tá", "Thượng tá",
    "Trung tá", "Thiếu tá", "Đại úy", "Thượng úy", "Trung úy", "Thiếu úy",
    "PGS.TS.", "GS.TS.", "PGS.", "GS.", "TS.", "ThS.", "BS.", "KS.", "CN.", "LS.", "BSCKII.",
    "BSCKI.", "Ths.", "Ts.",
]

# Acronyms that keep their capitals when a heading is converted to sentence case.
ACRONYMS = {
    "UBND", "HĐND", "MTTQ", "CNTT", "TKCN", "THPT", "THCS", "TNHH", "VNPT", "ĐBQH", "BCH",
    "KT-XH", "ATTP", "PCCC", "CCHC", "ISO", "COVID", "COVID-19", "QLVBĐH", "TCVN", "ASEAN",
    "BHXH", "BHYT", "GDĐT", "KHCN", "TW", "VN", "UBMTTQ", "MTTQVN", "PCTT", "PCTT-TKCN",
}
