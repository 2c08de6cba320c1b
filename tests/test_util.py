"""The small shared helpers: text folding, durable writes, short error text (mailbot/util)."""

from __future__ import annotations

import socket
import unicodedata

import pytest

from mailbot.inspect.document_types import fold_key
from mailbot.spool.store import Spool
from mailbot.util.durable import staged_file, write_durably
from mailbot.util.errors import short_error
from mailbot.util.textfold import fold, strip_marks


# -- folding ------------------------------------------------------------------------

def test_fold_meets_spellings_and_keeps_one_implementation():
    for text in ["Đồng Nai", "ĐỒNG  NAI", " dong nai ", unicodedata.normalize("NFD", "Đồng Nai")]:
        assert fold(text) == "dong nai"
    assert fold(None) == "" and fold("") == ""
    assert fold_key("HOÀ BÌNH") == fold_key("Hòa Bình") == fold("hoa binh") == "hoa binh"


def test_strip_marks_keeps_case_and_spacing():
    assert strip_marks("Quyết  Định số 5") == "Quyet  Dinh so 5"
    assert strip_marks("ĐẢNG ỦY") == "DANG UY"


# -- short error text -----------------------------------------------------------------

def test_short_error_is_one_line_within_the_limit():
    assert short_error(ValueError("bad\n   value\tthere")) == "ValueError: bad value there"
    long = short_error(RuntimeError("x" * 1000), 200)
    assert len(long) == 200 and long.endswith("...") and long.startswith("RuntimeError: xxx")
    assert len(short_error(RuntimeError("x" * 1000))) == 500
    assert short_error(KeyError()) == "KeyError"


def test_short_error_says_timed_out():
    assert short_error(socket.timeout("timed out")) == "TimeoutError: timed out"
    assert short_error(TimeoutError()) == "TimeoutError: timed out"
    assert short_error(TimeoutError("no answer from imap.example")) == \
        "TimeoutError: timed out (no answer from imap.example)"


# -- durable writes ---------------------------------------------------------------------

def test_write_durably_creates_folders_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "a" / "b" / "x.json"
    write_durably(path, b"one")
    write_durably(path, b"two")
    assert path.read_bytes() == b"two"
    assert sorted(p.name for p in path.parent.iterdir()) == ["x.json"]


def test_staged_file_keeps_nothing_unless_published(tmp_path):
    with staged_file(tmp_path) as staged:
        staged.write(b"draft")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(OSError):
        with staged_file(tmp_path) as staged:
            staged.write(b"half")
            raise OSError("disk full")
    assert list(tmp_path.iterdir()) == []
    with staged_file(tmp_path / "in") as staged:
        staged.write(b"whole")
        staged.publish(tmp_path / "out" / "final.eml")
    assert (tmp_path / "out" / "final.eml").read_bytes() == b"whole"
    assert list((tmp_path / "in").iterdir()) == []


def test_spool_stores_chunks_once(tmp_path):
    spool = Spool(tmp_path)
    sha, path, size = spool.store_chunks(iter([b"Subject: a\r\n", b"\r\nbody"]))
    assert path.read_bytes() == b"Subject: a\r\n\r\nbody" and size == 18
    assert spool.store(b"Subject: a\r\n\r\nbody") == (sha, path)
    assert spool.store_chunks([b"Subject: a\r\n\r\nbody"]) == (sha, path, size)

    def broken():
        yield b"part"
        raise ConnectionError("lost")

    with pytest.raises(ConnectionError):
        spool.store_chunks(broken())
    assert sorted(p.name for p in tmp_path.iterdir()) == [sha[:2]]     # no temporary file left
