"""What the readers of `inspect/document` share: the national motto, V/v and Nơi nhận lines,
headings, positions (chức vụ), connector words, type lines, dates and white space."""

from __future__ import annotations

import datetime as _dt
import re

from mailbot.inspect.document_case import fix_uy
from mailbot.inspect.document_types import TYPE_NAMES, fold_key

_MOTTO_RES = [
    re.compile(r"C[ỘO]NG\s*H\w{2}\s+X[ÃA]\s+H[ỘO]I\s+CH[ỦU]\s+NGH[ĨI]A\s+VI[ỆE]T\s+NAM", re.I),
    re.compile(r"Đ[ộo]c\s+l[ậa]p\s*[-–—]\s*T[ựu]\s+do\s*[-–—]\s*H[ạa]nh\s+ph[úu]c", re.I),
    re.compile(r"ĐẢNG\s+CỘNG\s+SẢN\s+VIỆT\s+NAM"),
]
_VV = re.compile(r"^(?:V/v|V/V|v/v|Về\s+việc|VỀ\s+VIỆC)\s*[:.]?\s*")
_HEADING = re.compile(r"^(?:[IVXLC]+|\d+|[a-zđ])[.)]\s", re.I)
_RECIPIENTS = re.compile(r"^N[ơƠ][iI]\s+nh[ậẬ]n\s*:?\s*", re.I)
_CONNECTORS = {"và", "của", "về", "với", "tại", "cho", "trên", "giữa", "theo", "các", "năm",
               "tỉnh", "huyện", "đối", "đến", "từ", "trong", "thuộc", "số", "ngày", "phố", "xã",
               "VÀ", "CỦA", "VỀ", "VỚI", "TẠI", "CHO", "TRÊN", "GIỮA", "CÁC", "NĂM", "TRONG"}
_POSITION_WORDS = re.compile(
    r"^(?:phó\s+)?(?:(?:\w+\s+){0,2}trưởng\b|chủ tịch|giám đốc|tổng giám đốc|chánh\s|thủ tướng|"
    r"bí thư|chủ tọa|chủ toạ|chủ trì|thư ký|chủ nhiệm|tổng thư ký|đại diện|người lập|chánh án)")


def _clean(text: str) -> str:
    return " ".join(text.split())


def _strip_motto(text: str) -> tuple[str, bool]:
    found = False
    for rx in _MOTTO_RES:
        text, n = rx.subn(" ", text)
        found = found or n > 0
    return _clean(text), found


def _is_position(text: str) -> bool:
    """Starts with a position (chức vụ): "PHÓ CHỦ TỊCH", "CỤC TRƯỞNG …", "THƯ KÝ"."""
    return bool(_POSITION_WORDS.match(fix_uy(_clean(text)).lower()))


def _has_lower(text: str) -> bool:
    return any(c.islower() for c in text if c.isalpha())


def _is_type_line(text: str) -> tuple[str, str] | None:
    """ "QUYẾT ĐỊNH" → ("Quyết định", ""); "THÔNG BÁO Kết luận …" → (…, "Kết luận …")."""
    text = re.sub(r"\((?:DỰ THẢO|Dự thảo|dự thảo)\)", "", text).strip()
    if not text or text.endswith(":") or _has_lower(text.split()[0]):
        return None
    words = text.split()
    for size in range(min(4, len(words)), 0, -1):
        head = " ".join(words[:size])
        if _has_lower(head) or fold_key(head) not in TYPE_NAMES:
            continue
        # The rest of the line may carry the trích yếu ("QUYẾT ĐỊNH VỀ VIỆC …").
        return TYPE_NAMES[fold_key(head)], " ".join(words[size:])
    return None


def _parse_date(d: str, m: str, y: str) -> str | None:
    try:
        return _dt.date(int(y), int(m), int(d)).isoformat()
    except (TypeError, ValueError):
        return None
