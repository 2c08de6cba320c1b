"""The fast hex string reader gives exactly what pyHanko's own reader gives."""

from io import BytesIO

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailbot.inspect import pyhanko_speedups
from pyhanko.pdf_utils import generic

pyhanko_speedups.install()
FAST = pyhanko_speedups._read_hex_string
SLOW = pyhanko_speedups.original()


def outcome(reader, data: bytes):
    stream = BytesIO(data)
    try:
        value = reader(stream)
    except Exception as exc:  # noqa: BLE001 - the error itself is compared
        return ("error", type(exc).__name__, str(exc))
    return (type(value).__name__, bytes(value.original_bytes), stream.tell())


def test_installed_in_pyhankos_object_reader():
    assert generic.read_hex_string_from_stream is FAST and SLOW is not FAST
    value = generic.read_object(BytesIO(b"<48 65 6c 6c 6f> rest"), None)
    assert bytes(value.original_bytes) == b"Hello"


@pytest.mark.parametrize("data", [
    b"<>", b"<41>", b"<4>", b"<414>tail", b"< 4 1\n4\r2\t\x0c\x00>x", b"<4142", b"<41 % comment\n42>",
    b"<41G2>", b"<FEFF0041>", b"<" + b"ab" * 9000 + b">", b"<" + b"a" * 40_001 + b">more",
    b"<" + b"0a" * 20_000 + b"\n" * 3, b"<>>", b"<-1>",
])
def test_same_result_and_position_as_pyhanko(data):
    assert outcome(FAST, data) == outcome(SLOW, data)


@settings(max_examples=300, derandomize=True)
@given(st.binary(max_size=300).map(lambda b: b"<" + b))
def test_same_result_on_any_bytes(data):
    assert outcome(FAST, data) == outcome(SLOW, data)


@settings(max_examples=300, derandomize=True)
@given(st.lists(st.sampled_from([b"0", b"9", b"a", b"F", b" ", b"\n", b"%", b">", b"x"]), max_size=60))
def test_same_result_on_hex_like_bytes(pieces):
    data = b"<" + b"".join(pieces) + b">tail"
    assert outcome(FAST, data) == outcome(SLOW, data)
