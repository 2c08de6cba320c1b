"""PDF facts: page count (số tờ), first/last page text, encrypted and broken files."""

from __future__ import annotations

import random
from io import BytesIO

import pytest
from pypdf import PdfReader, PdfWriter

from mailbot.inspect.pdf import PdfFacts, pdf_facts
from testbed.pki import make_pdf


def _encrypted(data: bytes, user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password="chu-so-huu", algorithm="AES-256")
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pages_and_first_last_text():
    facts = pdf_facts(make_pdf(texts=["Trang dau", "Giua", "Trang cuoi"]))
    assert facts == PdfFacts(3, "Trang dau", "Trang cuoi", False, None)
    assert facts.readable


def test_single_page_first_is_last():
    facts = pdf_facts(make_pdf(1))
    assert facts.pages == 1
    assert facts.first_page_text == facts.last_page_text == "Trang 1"


def test_password_encrypted_pdf_is_flagged_not_read():
    facts = pdf_facts(_encrypted(make_pdf(2), "mat-khau"))
    assert facts.encrypted is True
    assert facts.pages is None
    assert "encrypted" in facts.error


def test_owner_password_only_pdf_is_read_and_flagged():
    facts = pdf_facts(_encrypted(make_pdf(2), ""))
    assert facts.encrypted is True
    assert facts.error is None
    assert facts.pages == 2 and facts.last_page_text == "Trang 2"


@pytest.mark.parametrize("data", [b"", b"hello", b"PK\x03\x04" + b"\0" * 100, b"%PDF-1.7\n"])
def test_not_a_pdf_never_raises(data):
    facts = pdf_facts(data)
    assert facts.pages is None and facts.error


def test_truncated_pdf_never_raises():
    data = make_pdf(4)
    for cut in (len(data) // 3, len(data) // 2, len(data) - 40):
        facts = pdf_facts(data[:cut])
        assert isinstance(facts, PdfFacts)
        assert facts.pages is None or facts.pages >= 0


def test_random_corruption_never_raises():
    data = bytearray(make_pdf(3, form_field=True))
    rng = random.Random(57)
    for _ in range(40):
        mutated = bytearray(data)
        for _ in range(20):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        assert isinstance(pdf_facts(bytes(mutated)), PdfFacts)


def test_decompression_bomb_is_bounded():
    import zlib

    bomb = zlib.compress(b"0" * 60_000_000, 9)       # ~60 KB that inflates to 60 MB
    stream = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(bomb) + bomb + b"\nendstream"
    base = make_pdf(1)
    # swap the page's content stream for the bomb (object 4 in make_pdf's layout)
    head, _, tail = base.partition(b"4 0 obj\n")
    _old, _, rest = tail.partition(b"\nendobj\n")
    doc = head + b"4 0 obj\n" + stream + b"\nendobj\n" + rest
    facts = pdf_facts(doc)        # offsets are now wrong: pypdf must recover, bounded
    assert isinstance(facts, PdfFacts)
    assert len(facts.first_page_text) <= 20_000
