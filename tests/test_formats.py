"""Format classification by content (QĐ 57/2014 Điều 4.2.c), on real files."""

from __future__ import annotations

import tracemalloc
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailbot.util import samples
from mailbot.inspect.formats import RULE, classify
from mailbot.model import ALLOWED_FORMATS
from tests.support import files as f

MISMATCH = "name-mismatch"
ACCEPTED = "Các định dạng được chấp nhận: txt, rtf, doc, docx, odt, csv, xls, xlsx, ods, pdf."

# (builder, file name, expected format, expected flags) — accepted files.
ACCEPTED_CASES = [
    (f.docx, "Giấy mời.docx", "docx", ()),
    (f.xlsx, "Bảng kê.xlsx", "xlsx", ()),
    (f.odt, "Tờ trình.odt", "odt", ()),
    (f.ods, "Số liệu.ods", "ods", ()),
    (f.pdf, "Công văn.pdf", "pdf", ()),
    (f.rtf, "Thông báo.rtf", "rtf", ()),
    (f.doc, "Quyết định.doc", "doc", ()),
    (f.xls, "Báo cáo.xls", "xls", ()),
    (f.txt_utf8, "ghi-chu.txt", "txt", ()),
    (f.txt_utf8_bom, "ghi-chu.txt", "txt", ()),
    (f.txt_utf16, "ghi-chu.txt", "txt", ()),
    (f.txt_cp1258, "ghi-chu.txt", "txt", ()),
    (f.csv_utf8, "danh-sach.csv", "csv", ()),
    (f.csv_semicolon_cp1258, "danh-sach.csv", "csv", ()),
    (f.txt_prose_commas, "can-cu.txt", "txt", ()),
    (f.txt_nfd, "nfd.txt", "txt", ("text-nfd",)),
    (f.txt_tcvn3, "vntime.txt", "txt", ("text-legacy-tcvn3",)),
    (f.txt_vni, "vni.txt", "txt", ("text-legacy-vni",)),
    (f.pdf_restricted, "Công văn.pdf", "pdf", ("pdf-permissions-restricted",)),
    # Text without a telling name: the content decides between txt and csv.
    (f.csv_utf8, "danh-sach", "csv", (MISMATCH,)),
    (f.txt_prose_commas, "can-cu", "txt", (MISMATCH,)),
    (f.csv_semicolon_cp1258, "danh-sach.dat", "csv", (MISMATCH,)),
    # Allowed content under another (allowed or not) name: content wins, flagged.
    (f.docx, "Giấy mời.doc", "docx", (MISMATCH,)),
    (f.pdf, "Công văn.docx", "pdf", (MISMATCH,)),
    (f.xls, "Báo cáo.xlsx", "xls", (MISMATCH,)),
    (f.rtf, "Thông báo.doc", "rtf", (MISMATCH,)),
    (f.doc, "Quyết định", "doc", (MISMATCH,)),
    (f.docx, "Giấy mời.DOCX", "docx", ()),
    (f.pdf, "Công văn.pdf. ", "pdf", ()),
]

def doc_with_macros() -> bytes:
    return f.doc(macros=True)


def xls_with_macros() -> bytes:
    return f.xls(macros=True)


def doc_encrypted() -> bytes:
    return f.doc(encrypted=True)


def xls_encrypted() -> bytes:
    return f.xls(encrypted=True)


def empty() -> bytes:
    return b""


# (builder, file name, refusal code) — refused files.
REFUSED_CASES = [
    (f.exe, "setup.exe", "format_not_allowed"),
    (f.exe, "Công văn.pdf", "format_mismatch"),
    (f.pptx, "Trình chiếu.pptx", "format_not_allowed"),
    (f.pptx, "Trình chiếu.docx", "format_mismatch"),
    (f.odp, "Trình chiếu.odp", "format_not_allowed"),
    (f.ppt, "Trình chiếu.ppt", "format_not_allowed"),
    (f.msg, "Thư.msg", "format_not_allowed"),
    (f.msg, "Thư.doc", "format_mismatch"),
    (f.jpeg, "Ảnh chụp.jpg", "format_not_allowed"),
    (f.jpeg, "Công văn.pdf", "format_mismatch"),
    (f.png, "Ảnh.png", "format_not_allowed"),
    (f.html, "Thông báo.html", "format_not_allowed"),
    (f.html, "Thông báo.doc", "format_mismatch"),
    (f.txt_utf8, "run.vbs", "format_not_allowed"),
    (f.xlsm, "Báo cáo.xlsm", "macro_enabled"),
    (f.xlsm, "Báo cáo.xlsx", "macro_enabled"),
    (f.docm, "Văn bản.docm", "macro_enabled"),
    (f.docx_with_vba, "Văn bản.docx", "macro_enabled"),
    (doc_with_macros, "Quyết định.doc", "macro_enabled"),
    (xls_with_macros, "Báo cáo.xls", "macro_enabled"),
    (f.odt_with_macros, "Tờ trình.odt", "macro_enabled"),
    (f.ooxml_encrypted, "Giấy mời.docx", "encrypted"),
    (f.pdf_encrypted, "Công văn.pdf", "encrypted"),
    (doc_encrypted, "Quyết định.doc", "encrypted"),
    (xls_encrypted, "Báo cáo.xls", "encrypted"),
    (f.odt_encrypted, "Tờ trình.odt", "encrypted"),
    (f.zip_archive, "Hồ sơ.zip", "archive"),
    (f.rar_header, "Hồ sơ.rar", "archive"),
    (f.sevenzip_header, "Hồ sơ.7z", "archive"),
    (f.zip_archive, "Hồ sơ.docx", "format_mismatch"),
    (f.docx_truncated, "Giấy mời.docx", "format_not_allowed"),
    (f.garbage_ole, "Quyết định.doc", "format_not_allowed"),
    (f.docx_declared_huge, "Giấy mời.docx", "format_not_allowed"),
    (f.docx_high_ratio, "Giấy mời.docx", "format_not_allowed"),
    (f.binary_blob, "dữ liệu.bin", "format_not_allowed"),
    (f.binary_blob, "ghi-chu.txt", "format_mismatch"),
    (empty, "Giấy mời.docx", "empty_file"),
]


def _ids(cases) -> list[str]:
    return [f"{case[0].__name__}-{case[1]}" for case in cases]


@pytest.mark.parametrize("build,name,fmt,flags", ACCEPTED_CASES, ids=_ids(ACCEPTED_CASES))
def test_accepted(build, name, fmt, flags):
    result = classify(build(), name)
    assert (result.format, result.allowed, result.reason, result.flags) == (fmt, True, None, flags)


@pytest.mark.parametrize("build,name,code", REFUSED_CASES, ids=_ids(REFUSED_CASES))
def test_refused(build, name, code):
    result = classify(build(), name)
    assert (result.format, result.allowed) == (None, False)
    assert result.reason is not None and result.reason.code == code
    assert result.reason.rule == RULE
    vi = result.reason.message_vi
    assert unicodedata.is_normalized("NFC", vi)
    assert vi.endswith(ACCEPTED)
    assert result.reason.message_en.endswith("Accepted formats: " + ", ".join(ALLOWED_FORMATS) + ".")


@pytest.mark.parametrize("build,name,what", [
    (f.exe, "Công văn.pdf", "tệp thực thi (exe)"),
    (f.jpeg, "Công văn.pdf", "ảnh JPEG"),
    (f.html, "Thông báo.doc", "trang HTML"),
    (f.pptx, "Trình chiếu.pptx", "bản trình chiếu PowerPoint (pptx)"),
    (f.ppt, "Trình chiếu.ppt", "bản trình chiếu PowerPoint (ppt)"),
    (f.msg, "Thư.msg", "thư Outlook (msg)"),
    (f.xlsm, "Báo cáo.xlsx", "có chứa macro"),
    (f.pdf_encrypted, "Công văn.pdf", "có mật khẩu"),
    (f.zip_archive, "Hồ sơ.zip", "gửi từng tệp riêng, không nén"),
    (f.docx_truncated, "Giấy mời.docx", "bị hỏng hoặc không đầy đủ"),
])
def test_refusal_says_what_the_file_is(build, name, what):
    reason = classify(build(), name).reason
    assert what in reason.message_vi
    assert f"“{unicodedata.normalize('NFC', name)}”" in reason.message_vi


def test_mismatch_names_the_extension_and_the_real_type():
    reason = classify(f.exe(), "Công văn.pdf").reason
    assert reason.message_vi.startswith("Tệp “Công văn.pdf” mang đuôi .pdf nhưng thực chất là tệp thực thi (exe)")
    assert "is named .pdf but is really an executable (exe)" in reason.message_en


def test_mime_is_libmagics_answer():
    assert classify(f.xlsx(), "a.xlsx").mime == \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert classify(f.docx(), "a.docx").mime == \
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    # The pitfall: libmagic calls comma-bearing prose CSV; we still say txt.
    result = classify(f.txt_prose_commas(), "can-cu")
    assert (result.mime, result.format) == ("text/csv", "txt")


def test_narrowed_allowed_list_refuses_other_allowed_formats():
    result = classify(f.docx(), "Giấy mời.docx", allowed=("pdf",))
    assert (result.format, result.allowed, result.reason.code) == (None, False, "format_not_allowed")
    assert result.reason.message_vi.endswith("Các định dạng được chấp nhận: pdf.")
    assert classify(f.pdf(), "Công văn.pdf", allowed=("pdf",)).format == "pdf"


def test_declared_type_does_not_decide():
    result = classify(f.exe(), "Công văn.pdf", declared_type="application/pdf")
    assert result.reason.code == "format_mismatch"
    assert classify(f.docx(), "a.docx", declared_type="application/octet-stream").format == "docx"


def test_filename_is_sanitised_in_messages():
    result = classify(f.jpeg(), "..\\thư\u202emục/ảnh\x07.jpg")
    assert "“ảnh.jpg”" in result.reason.message_vi


def test_empty_name_reads_naturally():
    assert classify(f.jpeg(), "").reason.message_vi.startswith("Tệp đính kèm là ảnh JPEG")


def test_samples_are_what_they_claim():
    vi = ["Cộng hòa xã hội chủ nghĩa Việt Nam"]
    for build, fmt in ((samples.docx, "docx"), (samples.odt, "odt"), (samples.pdf, "pdf"),
                       (samples.rtf, "rtf")):
        assert classify(build(vi), f"a.{fmt}").format == fmt
    for build, fmt in ((samples.xlsx, "xlsx"), (samples.ods, "ods")):
        assert classify(build([vi]), f"a.{fmt}").format == fmt
    assert classify(samples.xlsm([vi]), "a.xlsm").reason.code == "macro_enabled"


def test_bomb_is_judged_without_inflating():
    data = f.docx_high_ratio()   # 16 MiB of zeros inside
    tracemalloc.start()
    try:
        result = classify(data, "Giấy mời.docx")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.reason.code == "format_not_allowed"
    assert "bom nén" in result.reason.message_vi
    assert peak < 4 << 20


@pytest.mark.parametrize("build", [f.docx, f.xlsx, f.odt, f.xlsm, f.doc, f.xls, f.msg,
                                   f.pdf, f.ooxml_encrypted, f.pdf_encrypted, f.exe])
def test_every_truncation_gives_a_result(build):
    data = build()
    for cut in sorted({1, 2, 7, 8, 64, 511, 512, 513, len(data) // 3, len(data) // 2, len(data) - 1}):
        result = classify(data[:cut], "x.docx")
        assert result.allowed in (True, False)
        assert result.allowed or result.reason is not None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=4096), prefix=st.sampled_from(
    [b"", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"%PDF-1.7\n", b"{\\rtf1", b"MZ",
     b"\xef\xbb\xbf", b"\xff\xfe"]))
def test_any_bytes_give_a_result(data, prefix):
    result = classify(prefix + data, "x.pdf")
    assert result.allowed == (result.format is not None)
    assert result.allowed or result.reason is not None


@settings(max_examples=100, deadline=None)
@given(position=st.integers(min_value=0), value=st.integers(min_value=0, max_value=255),
       build=st.sampled_from([f.docx, f.xlsx, f.odt, f.doc, f.xls, f.pdf]))
def test_damaged_real_files_give_a_result(position, value, build):
    data = bytearray(build())
    data[position % len(data)] = value
    result = classify(bytes(data), "x.doc")
    assert result.allowed == (result.format is not None)
