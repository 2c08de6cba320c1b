"""Text decoding and detection of NFD, TCVN3 (ABC) and VNI Vietnamese."""

from __future__ import annotations

import unicodedata

import pytest

from mailbot.inspect.text import TCVN3_TO_UNICODE, decode_text, vietnamese_text_flags
from tests.support import files as f

NFD, TCVN3, VNI, UNDECODABLE = "text-nfd", "text-legacy-tcvn3", "text-legacy-vni", "text-undecodable"

VIETNAMESE = [
    "Cộng hòa xã hội chủ nghĩa Việt Nam",
    "Độc lập - Tự do - Hạnh phúc",
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
    "Sử dụng bộ mã ký tự và mã hóa tiếng Việt theo tiêu chuẩn Unicode TCVN 6909:2001 để thể hiện "
    "nội dung trong văn bản điện tử.",
    "Các tài liệu văn bản có định dạng: *.txt, *.rtf, *.doc; *.docx, *.odt.",
    "Thủ trưởng các sở, ban ngành tỉnh; Chủ tịch Ủy ban nhân dân các huyện, thành phố chịu trách "
    "nhiệm thi hành Quyết định này./.",
    "Khoẻ, hoà, thuý, quý, quà, tiên, yêu, thuê, xoè, khuya, người, được, trường, nghĩa",
    "Giấy mời họp giao ban quý IV — 08 giờ 00, ngày 25/11/2026 «khẩn» ©2026 Sở Tài chính®",
    "ĐỀ NGHỊ QUYẾT ĐỊNH VỀ VIỆC KHEN THƯỞNG TẬP THỂ, CÁ NHÂN",
]
OTHER_LANGUAGES = [
    "Please find attached the meeting invitation for the fourth quarter.",
    "Microsoft® Windows© 2024 — «quoted» text, 5µm thick, ½ price, 3×4 = 12, 10÷2, a·b",
    "iPhone, eBay, McDonald's, O'Neill, DeVries, macOS, LaTeX",
    "Noël est une fête; la naïve Zoë a reçu un cadeau à Noël.",
    "Schöne Grüße aus Köln: die Straße ist für Bäcker und Müller gesperrt.",
    "El niño comió piña en España; mañana será otro año.",
    "Søren og Åse bor i Ærøskøbing.",
    "Où est le goût? Ça coûte cher à Noël.",
]


@pytest.mark.parametrize("text", VIETNAMESE + OTHER_LANGUAGES)
def test_no_flags_on_normal_unicode(text):
    assert vietnamese_text_flags(text) == ()
    assert decode_text(text.encode("utf-8")) == (text, ())


@pytest.mark.parametrize("text", OTHER_LANGUAGES[2:] + [
    "Noël à Paris: la fête, où l'on mange des crêpes. Ça coûte très cher, naïvement; août.",
])
def test_no_flags_on_windows_1252_european_text(text):
    assert decode_text(text.encode("cp1252")) == (text, ())


@pytest.mark.parametrize("text", VIETNAMESE)
def test_nfd_is_flagged(text):
    decomposed = unicodedata.normalize("NFD", text)
    assert vietnamese_text_flags(decomposed) == (NFD,)
    assert decode_text(decomposed.encode("utf-8")) == (text, (NFD,))


def test_nfd_without_vietnamese_marks_is_not_flagged():
    assert vietnamese_text_flags(unicodedata.normalize("NFD", "Ångström Çava")) == ()


@pytest.mark.parametrize("mojibake", [
    "Céng hoµ x· héi chñ nghÜa ViÖt Nam",
    "QuyÕt ®Þnh vÒ viÖc ban hµnh quy chÕ c«ng t¸c v¨n th­",
    "Th«ng b¸o",
    "®­îc",
    "ViÖt Nam",
])
def test_tcvn3_mojibake_is_flagged(mojibake):
    assert vietnamese_text_flags(mojibake) == (TCVN3,)


@pytest.mark.parametrize("mojibake", [
    "Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam",
    "Vieät Nam",
    "ñöôïc tröôøng",
    "VIEÄT NAM",
])
def test_vni_mojibake_is_flagged(mojibake):
    assert vietnamese_text_flags(mojibake) == (VNI,)


@pytest.mark.parametrize("text", VIETNAMESE[:7])
def test_legacy_bytes_round_trip_to_flags(text):
    """Real bytes, as typed with the legacy fonts, decode to their flag."""
    tcvn3 = text.lower()   # the .VnTime font has lower-case tone letters only
    assert decode_text(f.to_tcvn3(tcvn3))[1] == (TCVN3,)
    assert decode_text(f.to_vni(text))[1] == (VNI,)


def test_tcvn3_text_is_kept_as_its_windows_1252_view():
    text, flags = decode_text(f.to_tcvn3("việt nam"))
    assert (text, flags) == ("viÖt nam", (TCVN3,))
    assert TCVN3_TO_UNICODE[ord("Ö".encode("cp1252"))] == "ệ"   # what a converter will use


@pytest.mark.parametrize("encode", [
    lambda s: s.encode("utf-8"),
    lambda s: s.encode("utf-8-sig"),
    lambda s: s.encode("utf-16"),
    lambda s: s.encode("utf-16-be"),       # no BOM, mostly ASCII
    lambda s: s.encode("utf-16-le"),
    lambda s: s.encode("utf-32"),
    f.to_cp1258,
])
def test_decodes_the_usual_encodings_to_nfc(encode):
    text = "Kinh gui: So Noi vu, So Tai chinh\nCộng hòa xã hội chủ nghĩa Việt Nam\n"
    assert decode_text(encode(text)) == (text, ())


def test_cp1258_combining_marks_are_composed_not_flagged():
    raw = f.to_cp1258("Việt Nam")
    assert b"\xf2" in raw                       # dot below as a combining byte
    assert decode_text(raw) == ("Việt Nam", ())


@pytest.mark.parametrize("blob", [
    bytes(range(256)) * 4,
    f.binary_blob(),
    f.png(),
    b"\x00\x01\x02\x03" * 100,
])
def test_binary_is_not_text(blob):
    assert decode_text(blob) == ("", (UNDECODABLE,))


def test_empty_is_empty_text():
    assert decode_text(b"") == ("", ())
