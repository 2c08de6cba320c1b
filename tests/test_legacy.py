"""TCVN3 (ABC) and VNI-Windows → Unicode: complete tables, real sentences, no harm to Unicode."""

from __future__ import annotations

import unicodedata

import pytest

from mailbot.inspect import legacy
from mailbot.inspect.text import decode_to_unicode, to_unicode
from tests.support import documents_files as d
from tests.support import files as f
from tests.test_text import OTHER_LANGUAGES, VIETNAMESE

TCVN3_FLAG, VNI_FLAG = "text-legacy-tcvn3", "text-legacy-vni"

# Every Vietnamese letter that carries a mark: 12 vowels × 6 forms (plain + 5 tones), + đ.
_VOWELS = "aăâeêioôơuưy"
_TONES = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]
LOWER_LETTERS = sorted({unicodedata.normalize("NFC", v + t) for v in _VOWELS for t in _TONES}
                       - set("aeiouy")) + ["đ"]
UPPER_LETTERS = [ch.upper() for ch in LOWER_LETTERS]


def test_letter_sets_are_complete():
    assert len(LOWER_LETTERS) == 12 * 6 - 6 + 1 == 67
    assert len(set(UPPER_LETTERS)) == 67


def test_tcvn3_table_matches_the_published_order():
    assert legacy.TCVN3_TO_UNICODE == {byte: ch for ch, byte in d.TCVN3_ENCODE.items()}
    # 7 capitals without tone, 7 lower-case bases, 60 toned lower-case vowels
    assert len(legacy.TCVN3_TO_UNICODE) == 74
    assert set(legacy.TCVN3_TO_UNICODE.values()) >= set(LOWER_LETTERS) | set("ĂÂÊÔƠƯĐ")


@pytest.mark.parametrize("letter", LOWER_LETTERS)
def test_tcvn3_every_lower_case_letter(letter):
    assert legacy.tcvn3_to_unicode(d.tcvn3(letter)) == letter


@pytest.mark.parametrize("letter", UPPER_LETTERS)
def test_tcvn3_every_capital_through_the_capitals_font(letter):
    typed = d.tcvn3(letter, capitals_font=True)
    assert legacy.tcvn3_to_unicode(typed, upper=True) == letter
    assert legacy.convert(typed, legacy.TCVN3_UPPER) == letter


@pytest.mark.parametrize("letter", LOWER_LETTERS + UPPER_LETTERS)
def test_vni_every_letter_both_cases(letter):
    assert legacy.vni_to_unicode(d.vni(letter)) == letter


@pytest.mark.parametrize("sentence", d.SENTENCES)
def test_tcvn3_sentences_round_trip(sentence):
    body = sentence[0] + sentence[1:].lower()       # what .VnTime can type: no toned capitals
    if not body[0].isascii() and body[0] not in "ĂÂÊÔƠƯĐ":
        body = body.lower()
    assert legacy.convert(d.tcvn3(body), legacy.TCVN3) == body
    heading = sentence.upper()                      # typed in .VnTimeH
    assert legacy.convert(d.tcvn3(heading, capitals_font=True), legacy.TCVN3_UPPER) == heading


@pytest.mark.parametrize("sentence", d.SENTENCES + VIETNAMESE)
def test_vni_sentences_round_trip(sentence):
    assert legacy.vni_to_unicode(d.vni(sentence)) == sentence
    assert legacy.vni_to_unicode(d.vni(sentence.upper())) == sentence.upper()


@pytest.mark.parametrize(("seen", "text"), [
    ("Céng hoµ x· héi chñ nghÜa ViÖt Nam", "Cộng hoà xã hội chủ nghĩa Việt Nam"),
    ("§éc lËp - Tù do - H¹nh phóc", "Độc lập - Tự do - Hạnh phúc"),
    ("QuyÕt ®Þnh vÒ viÖc ban hµnh quy chÕ", "Quyết định về việc ban hành quy chế"),
    ("Sè: 123/Q§-UBND", "Số: 123/QĐ-UBND"),
    ("v¨n th\xad", "văn thư"),
])
def test_tcvn3_as_windows_shows_it(seen, text):
    assert legacy.convert(seen, legacy.TCVN3) == text


@pytest.mark.parametrize(("seen", "text"), [
    ("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam", "Cộng hòa xã hội chủ nghĩa Việt Nam"),
    ("UÛy ban nhaân daân tænh Quaûng Ngaõi", "Ủy ban nhân dân tỉnh Quảng Ngãi"),
    ("ÑOÄC LAÄP - TÖÏ DO - HAÏNH PHUÙC", "ĐỘC LẬP - TỰ DO - HẠNH PHÚC"),
    ("ñöôïc tröôøng, thuôû, khuyeân, ngöôøi, yù kieán, kyø, ñòa, muoán",
     "được trường, thuở, khuyên, người, ý kiến, kỳ, địa, muốn"),
    ("aéc aèc aúc aüc aëc aêc", "ắc ằc ẳc ẵc ặc ăc"),
])
def test_vni_as_windows_shows_it(seen, text):
    assert legacy.vni_to_unicode(seen) == text


def test_capitals_guessed_in_plain_tcvn3_text():
    seen = "CéNG HOµ X· HéI CHñ NGHÜA VIÖT NAM\nSè: 12/Q§-UBND\nHµ Néi, ngµy 5"
    assert legacy.convert(seen, legacy.TCVN3, guess_case=True) == (
        "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM\nSố: 12/QĐ-UBND\nHà Nội, ngày 5")


@pytest.mark.parametrize("text", d.SENTENCES + VIETNAMESE)
@pytest.mark.parametrize("scheme", [legacy.TCVN3, legacy.TCVN3_UPPER, legacy.VNI])
def test_converters_never_touch_unicode_vietnamese(text, scheme):
    assert legacy.convert(text, scheme) == text


def test_mixed_text_converts_only_the_legacy_lines():
    mixed = "Vieät Nam\nViệt Nam đã ký\nCoäng hoøa"
    assert legacy.vni_to_unicode(mixed) == "Việt Nam\nViệt Nam đã ký\nCộng hòa"
    mixed = "ViÖt Nam\nViệt Nam đã ký"
    assert legacy.tcvn3_to_unicode(mixed) == "Việt Nam\nViệt Nam đã ký"


@pytest.mark.parametrize("text", VIETNAMESE + OTHER_LANGUAGES)
def test_to_unicode_leaves_normal_text_alone(text):
    assert to_unicode(text) == (text, ())


def test_to_unicode_converts_what_it_detects():
    assert to_unicode("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam") == (
        "Cộng hòa xã hội chủ nghĩa Việt Nam", (VNI_FLAG,))
    assert to_unicode("Céng hoµ x· héi chñ nghÜa ViÖt Nam") == (
        "Cộng hoà xã hội chủ nghĩa Việt Nam", (TCVN3_FLAG,))


@pytest.mark.parametrize(("data", "text", "flags"), [
    (f.txt_tcvn3(), ("Cộng hòa xã hội chủ nghĩa Việt Nam\nQuyết định về việc ban hành quy chế "
                    "công tác văn thư của ủy ban nhân dân tỉnh\n"), (TCVN3_FLAG,)),
    (f.txt_vni(), "\n".join(f.PARAGRAPHS[1:]) + "\n", (VNI_FLAG,)),
    (f.txt_cp1258(), "\n".join(f.PARAGRAPHS), ()),
    (f.txt_utf8(), "\n".join(f.PARAGRAPHS), ()),
])
def test_decode_to_unicode(data, text, flags):
    assert decode_to_unicode(data) == (text, flags)


@pytest.mark.parametrize(("name", "scheme"), [
    (".VnTime", legacy.TCVN3), (".VnTimeH", legacy.TCVN3_UPPER), (".VnArial", legacy.TCVN3),
    (".VnArial NarrowH", legacy.TCVN3_UPPER), (".VnBook-AntiquaH", legacy.TCVN3_UPPER),
    ("ABCDEF+.VnTime,Bold", legacy.TCVN3), ("/.VnTimeH-BoldItalic", legacy.TCVN3_UPPER),
    ("VnTimeH", legacy.TCVN3_UPPER),
    ("VNI-Times", legacy.VNI), ("VNI-Helve", legacy.VNI), ("VNI Aptima", legacy.VNI),
    ("Times New Roman", None), ("Arial", None), ("Verdana", None), ("", None), (None, None),
    ("Vni", None), ("Vnexpress Sans", None),
])
def test_font_scheme(name, scheme):
    assert legacy.font_scheme(name) == scheme
