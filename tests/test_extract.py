"""Text from every allowed format, in reading order, legacy text converted, hostile files refused."""

from __future__ import annotations

import tracemalloc

import pytest

from mailbot.util import samples
from mailbot.inspect.extract import SHEET_ROWS, ExtractedText, extract_text
from tests.support import documents_files as d
from tests.support import files as f

TCVN3, VNI, NFD = "text-legacy-tcvn3", "text-legacy-vni", "text-nfd"
EMPTY, TRUNCATED, FAILED = "text-empty", "text-truncated", "extract-failed"


def lines(result: ExtractedText) -> list[str]:
    return [line for line in result.text.splitlines() if line.strip()]


def ok(result: ExtractedText) -> ExtractedText:
    assert result.error is None, result.error
    assert FAILED not in result.flags
    return result


# -- documents in the official layout ---------------------------------------------------------

def test_docx_official_layout_reads_cell_by_cell():
    r = ok(extract_text(d.docx_official(), "docx"))
    assert lines(r) == d.DOCX_OFFICIAL_LINES
    assert r.flags == ()
    assert r.fonts == ("Times New Roman",)
    assert r.pages is None
    assert "PAGE" not in r.text and "dự thảo" not in r.text      # field code, deleted text
    assert r.text.count("DỰ THẢO") == 1                           # text box not read twice


def test_odt_official_layout_reads_cell_by_cell():
    r = ok(extract_text(d.odt_official(), "odt"))
    assert lines(r) == d.ODT_OFFICIAL_LINES
    assert "Chú thích" not in r.text                              # footnote body left out
    assert r.flags == ()


def test_rtf_cp1258_and_unicode_escapes():
    r = ok(extract_text(d.rtf_official(), "rtf"))
    assert lines(r) == d.RTF_OFFICIAL_LINES
    assert r.flags == ()                       # cp1258 combining bytes are composed, not "NFD"
    assert r.fonts == ("Times New Roman", "Arial")
    for hidden in ("Trang", "PAGE", "89504e47", "Microsoft", "dieu1", "Bản thảo"):
        assert hidden not in r.text


def test_doc_word97_piece_table():
    r = ok(extract_text(d.doc_official(), "doc"))
    assert lines(r) == d.DOC_OFFICIAL_LINES
    assert r.fonts == ("Times New Roman",)


def test_doc_without_piece_table_falls_back_to_text_runs():
    r = ok(extract_text(f.doc(), "doc"))
    assert lines(r) == f.PARAGRAPHS


def test_pdf_first_and_last_pages_only():
    data = d.pdf_document(d.pdf_pages(6))
    r = ok(extract_text(data, "pdf"))
    assert len(r.pages) == 6
    assert [p is None for p in r.pages] == [False, False, True, True, False, False]
    first = r.pages[0].splitlines()
    assert first[:2] == d.HEADER_LEFT[:2] and first[2:4] == d.HEADER_RIGHT[:2]
    assert "Số: 123/QĐ-UBND" in first and d.TITLE[0] in first
    assert r.pages[-1].splitlines()[-3:] == d.SIGN_RIGHT
    assert "Nội dung trang 3" not in r.text and "Nội dung trang 2" in r.text
    assert r.text.index("ỦY BAN NHÂN DÂN") < r.text.index("Nguyễn Văn An")
    assert r.fonts == ("TimesNewRomanPSMT",)
    assert r.flags == ()


def test_pdf_long_document_reads_four_pages():
    data = d.pdf_document(d.pdf_pages(300))
    r = ok(extract_text(data, "pdf"))
    assert len(r.pages) == 300 and sum(p is not None for p in r.pages) == 4
    assert "Nội dung trang 299" in r.text and "Nội dung trang 150" not in r.text


def test_pdf_one_page():
    r = ok(extract_text(samples.pdf(["Cong van so 12", "Kinh gui"]), "pdf"))
    assert r.pages == ["Cong van so 12\nKinh gui"]
    assert lines(r) == ["Cong van so 12", "Kinh gui"]


def test_pdf_without_text_layer_is_empty_not_failed():
    r = extract_text(d.pdf_document([[""], [""], [""]], image_only=True), "pdf")
    assert r.error is None
    assert r.text == "" and r.flags == (EMPTY,)
    assert r.pages == ["", "", ""]


def test_pdf_encrypted_is_refused_restricted_is_read():
    r = extract_text(f.pdf_encrypted(), "pdf")
    assert r.flags == (FAILED,) and "password" in r.error
    assert lines(ok(extract_text(f.pdf_restricted(), "pdf")))[0] == "CONG HOA XA HOI CHU NGHIA VIET NAM"


# -- spreadsheets ------------------------------------------------------------------------------

def test_xlsx_header_block_shared_strings_and_row_limit():
    r = ok(extract_text(d.xlsx_report(), "xlsx"))
    got = lines(r)
    assert got[:6] == d.XLSX_REPORT_LINES
    assert len(got) == SHEET_ROWS
    assert got[-1].startswith("35 | Đơn vị 35")
    assert "Trang ẩn" not in r.text and "ふりがな" not in r.text   # hidden sheet, phonetic runs
    assert r.flags == (TCVN3,)                                     # the .VnTime cell, converted
    assert ".VnTime" in r.fonts


def test_ods_header_block_and_row_limit():
    r = ok(extract_text(d.ods_report(), "ods"))
    got = lines(r)
    assert got[:4] == d.REPORT_HEADER_LINES
    assert got[4] == "1 | Đơn vị 1 | Đã nhận"
    assert len(got) == SHEET_ROWS
    assert "Không đọc trang này" not in r.text


def test_xls_biff8_shared_strings_across_continue():
    r = ok(extract_text(d.xls_report(), "xls"))
    got = lines(r)
    assert got[:6] == d.XLS_REPORT_LINES
    assert len(got) == SHEET_ROWS
    assert r.flags == (TCVN3,)
    assert r.fonts == ("Times New Roman", ".VnTime")


def test_small_samples_every_format():
    expected_rows = [" | ".join(row) for row in f.ROWS]
    for fmt, data, expected in [
        ("docx", f.docx(), f.PARAGRAPHS), ("odt", f.odt(), f.PARAGRAPHS),
        ("rtf", f.rtf(), f.PARAGRAPHS), ("xlsx", f.xlsx(), expected_rows),
        ("ods", f.ods(), expected_rows), ("xls", f.xls(), expected_rows),
        ("txt", f.txt_utf16(), f.PARAGRAPHS), ("txt", f.txt_utf8_bom(), f.PARAGRAPHS),
        ("csv", f.csv_utf8(), [",".join(row) for row in f.ROWS]),
        ("csv", f.csv_semicolon_cp1258(), [";".join(row) for row in f.ROWS]),
    ]:
        r = ok(extract_text(data, fmt))
        assert lines(r) == expected, fmt
        assert r.flags == (), fmt


# -- legacy encodings and NFD --------------------------------------------------------------

def test_docx_tcvn3_fonts_converted_unicode_run_kept():
    r = ok(extract_text(d.docx_tcvn3(), "docx"))
    assert lines(r) == d.DOCX_TCVN3_LINES
    assert r.flags == (TCVN3,)
    assert set(r.fonts) == {".VnTime", ".VnTimeH", "Times New Roman"}


def test_docx_unicode_typed_in_a_legacy_font_is_not_converted():
    text = "Ủy ban nhân dân tỉnh Quảng Ngãi; ý kiến: đồng ý"
    r = ok(extract_text(d.docx_package(d.w_p(d.w_run(text, ".VnTime"))), "docx"))
    assert r.text == text
    assert r.flags == () and r.fonts == (".VnTime",)


def test_docx_unicode_with_a_legacy_default_font_is_not_converted():
    """An old template (.VnTime in styles.xml) filled in with Unicode text."""
    paragraphs = ["Ủy ban nhân dân tỉnh", "Bà Tâm, cán bộ", "Kính gửi: Sở Nội vụ"]
    styles = d.styles_xml(".VnTime")
    data = d.docx_package("".join(d.w_p(d.w_run(p)) for p in paragraphs), styles)
    r = ok(extract_text(data, "docx"))
    assert lines(r) == paragraphs and r.flags == () and r.fonts == (".VnTime",)


def test_docx_nfd_text_is_flagged_and_composed():
    import unicodedata

    nfd = unicodedata.normalize("NFD", "Cộng hòa xã hội chủ nghĩa Việt Nam")
    r = ok(extract_text(d.docx_package(d.w_p(d.w_run(nfd))), "docx"))
    assert r.text == "Cộng hòa xã hội chủ nghĩa Việt Nam" and r.flags == (NFD,)


def test_docx_legacy_text_without_legacy_font_is_detected():
    typed = d.tcvn3("Quyết định về việc ban hành quy chế công tác văn thư")
    r = ok(extract_text(d.docx_package(d.w_p(d.w_run(typed))), "docx"))
    assert r.text == "Quyết định về việc ban hành quy chế công tác văn thư"
    assert r.flags == (TCVN3,)


def test_odt_vni_converted():
    r = ok(extract_text(d.odt_vni(), "odt"))
    assert lines(r) == d.HEADER_RIGHT[:2] + ["Unicode: " + d.SENTENCES[1],
                                             "Đây là dòng Unicode trong Times New Roman."]
    assert r.flags == (VNI,)
    assert "VNI-Times" in r.fonts


def test_rtf_vni_converted():
    r = ok(extract_text(d.rtf_vni(), "rtf"))
    assert lines(r) == d.RTF_VNI_LINES
    assert r.flags == (VNI,)
    assert r.fonts == ("VNI-Times", "Times New Roman")


def test_rtf_decomposed_unicode_is_flagged_and_composed():
    rtf = b"{\\rtf1\\ansi\\uc1 Vie\\u803?\\u770?t Nam\\par}"
    r = ok(extract_text(rtf, "rtf"))
    assert r.text == "Việt Nam" and r.flags == (NFD,)


def test_doc_tcvn3_font_table_and_text_agree():
    r = ok(extract_text(d.doc_tcvn3(), "doc"))
    assert lines(r) == d.DOC_TCVN3_LINES
    assert r.flags == (TCVN3,)
    assert ".VnTime" in r.fonts


def test_pdf_tcvn3_font_converted():
    page = [d.SENTENCES[0], "Số: 12/QĐ-UBND", d.SENTENCES[3]]
    r = ok(extract_text(d.pdf_document([page], tcvn3_font=True), "pdf"))
    assert lines(r) == page
    assert r.flags == (TCVN3,) and r.fonts == (".VnTime",)


@pytest.mark.parametrize(("fmt", "data", "flags", "first"), [
    ("txt", f.txt_tcvn3(), (TCVN3,), "Cộng hòa xã hội chủ nghĩa Việt Nam"),
    ("txt", f.txt_vni(), (VNI,), "Độc lập - Tự do - Hạnh phúc"),
    ("txt", f.txt_nfd(), (NFD,), f.PARAGRAPHS[0]),
    ("txt", f.txt_cp1258(), (), f.PARAGRAPHS[0]),
    ("csv", f.csv_semicolon_cp1258(), (), "Họ và tên;Đơn vị;Chức vụ"),
])
def test_plain_text(fmt, data, flags, first):
    r = ok(extract_text(data, fmt))
    assert r.flags == flags and lines(r)[0] == first


# -- limits and hostile input ------------------------------------------------------------------

def _measured(data: bytes, fmt: str) -> tuple[ExtractedText, int]:
    tracemalloc.start()
    try:
        result = extract_text(data, fmt)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return result, peak


@pytest.mark.parametrize(("builder", "message"), [
    (d.docx_declared_huge, "declared unpacked size"),
    (d.docx_inflating_bomb, "compression ratio"),
    (d.docx_entity_bomb, "DOCTYPE"),
    (d.docx_external_entity, "DOCTYPE"),
])
def test_bombs_refused_quickly_in_bounded_memory(builder, message):
    data = builder()
    r, peak = _measured(data, "docx")
    # Refused from the declared sizes / the DOCTYPE, before anything is inflated or expanded.
    assert r.flags == (FAILED,) and message in r.error and r.text == ""
    # Memory is deterministic (no timing here: speed lives in benchmarks/, docs/DESIGN.md §7).
    assert peak < 16 << 20


def test_entity_bomb_in_odt_and_xlsx_refused():
    bomb = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><x>&b;</x>')
    odt = samples.zip_package([("mimetype", "application/vnd.oasis.opendocument.text"),
                               ("content.xml", bomb)], stored=("mimetype",))
    assert "DOCTYPE" in extract_text(odt, "odt").error
    xlsx = samples.zip_package([("xl/workbook.xml", bomb)])
    assert "DOCTYPE" in extract_text(xlsx, "xlsx").error


def test_max_chars_truncates():
    r = ok(extract_text(d.docx_official(), "docx", max_chars=40))
    assert len(r.text) <= 40 and TRUNCATED in r.flags
    assert r.text.startswith("ỦY BAN NHÂN DÂN\nTỈNH QUẢNG NGÃI")
    big = "".join(f"Dòng văn bản thử nghiệm số {i}.\n" for i in range(50_000)).encode()
    r = ok(extract_text(big, "txt", max_chars=1000))
    assert len(r.text) == 1000 and r.flags == (TRUNCATED,)


def test_long_docx_stops_at_the_budget():
    body = "".join(d.w_p(d.w_run(f"Đoạn văn số {i} của văn bản dài.")) for i in range(20_000))
    r = extract_text(d.docx_package(body), "docx")
    assert r.error is None and TRUNCATED in r.flags
    assert len(r.text) <= 200_000


def test_empty_document_is_flagged_empty():
    r = ok(extract_text(d.docx_package(d.w_p()), "docx"))
    assert r.text == "" and r.flags == (EMPTY,)


@pytest.mark.parametrize("fmt", ["txt", "csv", "rtf", "doc", "docx", "odt", "xls", "xlsx",
                                 "ods", "pdf"])
@pytest.mark.parametrize("data", [b"", f.binary_blob(), f.garbage_ole(), f.docx_truncated(),
                                  f.zip_archive(), f.png(), b"{\\rtf1" + b"{" * 5000])
def test_never_raises(fmt, data):
    r = extract_text(data, fmt)
    assert isinstance(r, ExtractedText)
    if r.error is not None:
        assert r.flags[-1] == FAILED and r.text == ""


def test_encrypted_office_files_fail_with_reason():
    assert "encrypted" in extract_text(f.doc(encrypted=True), "doc").error
    assert "encrypted" in extract_text(f.xls(encrypted=True), "xls").error


def test_unknown_format():
    r = extract_text(b"hello", "pptx")
    assert r.flags == (FAILED,) and "pptx" in r.error
