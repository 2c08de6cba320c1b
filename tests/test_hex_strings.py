"""The fast hex string readers give exactly what pyHanko's and pypdf's own readers give."""

from io import BytesIO

import pypdf.generic
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf.generic import _data_structures

from mailbot.inspect import hex_strings
from pyhanko.pdf_utils import generic

assert hex_strings.install()
LIBRARIES = ["pyhanko", "pypdf"]
FAST = {"pyhanko": hex_strings._pyhanko_reader, "pypdf": hex_strings._pypdf_reader}
SLOW = {library: hex_strings.original(library) for library in LIBRARIES}


def value_of(library: str, value) -> bytes:
    if library == "pyhanko":
        return bytes(value.original_bytes)
    return value.get_original_bytes() if hasattr(value, "get_original_bytes") else bytes(value)


def outcome(library: str, reader, data: bytes):
    stream = BytesIO(data)
    try:
        value = reader(stream)
    except Exception as exc:  # noqa: BLE001 - the error itself is compared
        return ("error", type(exc).__name__, str(exc))
    return (type(value).__name__, value_of(library, value), str(value), stream.tell())


def same(library: str, data: bytes) -> None:
    assert outcome(library, FAST[library], data) == outcome(library, SLOW[library], data)


def test_installed_in_each_librarys_object_reader():
    assert generic.read_hex_string_from_stream is FAST["pyhanko"]
    assert _data_structures.read_hex_string_from_stream is FAST["pypdf"]
    assert pypdf.generic.read_hex_string_from_stream is FAST["pypdf"]
    assert all(SLOW[name] is not FAST[name] for name in LIBRARIES)
    assert bytes(generic.read_object(BytesIO(b"<48 65 6c 6c 6f> rest"), None).original_bytes) == b"Hello"
    assert _data_structures.read_object(BytesIO(b"<48 65 6c 6c 6f> rest"), None) == "Hello"


def test_install_twice_keeps_the_libraries_own_readers():
    assert hex_strings.install()
    assert all(hex_strings.original(name) is SLOW[name] for name in LIBRARIES)


def test_pypdf_text_of_a_word_style_pdf_is_unchanged():
    """Text shown with hex strings (Type0 font, Identity-H, as Word writes it), read both ways."""
    from pypdf import PdfReader

    from tests.support.documents_files import pdf_document

    data = pdf_document([["ỦY BAN NHÂN DÂN", "Số: 12/KH-UBND", "KẾ HOẠCH tổ chức hội nghị"]])

    def text() -> str:
        return "".join(p.extract_text() for p in PdfReader(BytesIO(data)).pages)

    fast = text()
    with hex_strings.stock_readers("pypdf"):
        assert _data_structures.read_hex_string_from_stream is SLOW["pypdf"]
        slow = text()
    assert _data_structures.read_hex_string_from_stream is FAST["pypdf"]
    assert fast == slow and "KẾ HOẠCH" in fast


@pytest.mark.parametrize("library", LIBRARIES)
@pytest.mark.parametrize("data", [
    b"<>", b"<41>", b"<4>", b"<414>tail", b"< 4 1\n4\r2\t\x0c\x00>x", b"<4142", b"<41 % comment\n42>",
    b"<41G2>", b"<FEFF0041>", b"<FEFF1EBF>", b"<" + b"ab" * 9000 + b">", b"<" + b"a" * 40_001 + b">more",
    b"<" + b"0a" * 20_000 + b"\n" * 3, b"<>>", b"<-1>",
])
def test_same_result_and_position_as_the_library(library, data):
    same(library, data)


@pytest.mark.parametrize("library", LIBRARIES)
@settings(max_examples=200, derandomize=True)
@given(data=st.binary(max_size=300).map(lambda b: b"<" + b))
def test_same_result_on_any_bytes(library, data):
    same(library, data)


@pytest.mark.parametrize("library", LIBRARIES)
@settings(max_examples=200, derandomize=True)
@given(pieces=st.lists(st.sampled_from([b"0", b"9", b"a", b"F", b" ", b"\n", b"%", b">", b"x"]), max_size=60))
def test_same_result_on_hex_like_bytes(library, pieces):
    same(library, b"<" + b"".join(pieces) + b">tail")
