"""A scanned document through the daemon: registered and acknowledged at once, read afterwards."""

from __future__ import annotations

import json
import time
from email import message_from_bytes, policy

import pytest

from tests.support import scans
from tests.support.bot import mail
from tests.support.documents import CASES

pytestmark = pytest.mark.skipif(not scans.fonts_available(), reason="no TTF font to print test scans")
BY_NAME = {c.name: c for c in CASES}


def test_scan_is_registered_now_and_completed_by_ocr(bot_factory, relay):
    case = BY_NAME["cong-van-so-y-te-flattened"]       # a Công văn: paper needed unless trusted-signed
    pages = scans.scanned_pages(case.text, scans.ScanStyle(dpi=150, tilt=1.0), seed=3)
    scan = scans.image_pdf(pages[:1], 150)
    bot = bot_factory()
    bot.send(mail(subject="Gửi công văn (bản scan)", files=[("cv-scan.pdf", scan, "application/pdf")]))

    # Registered at once, before OCR: số đến 1, fields still empty, receipt says it is being read.
    deadline = time.monotonic() + 20
    while not bot.query("SELECT count(*) FROM entries")[0][0]:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    bot.settle()       # waits for the OCR job too

    (number, code, type_name, sources, paper), = bot.query(
        "SELECT arrival_number, code, type_name, field_sources, paper_copy_required FROM entries")
    assert number == 1
    assert code == case.expected["code"] and type_name == case.expected["type_name"]
    assert json.loads(sources)["code"].startswith("ocr:")
    assert paper == 1
    assert bot.query("SELECT state FROM ocr_jobs") == [("done",)]
    kinds = [m.raw.split(b"Message-ID: <mailbot.")[1].split(b".")[0] for m in relay.messages]
    assert kinds == [b"receipt", b"paper-copy"]            # the paper request follows the reading
    receipt = message_from_bytes(relay.messages[0].raw, policy=policy.default).get_body(("plain",)).get_content()
    assert "đang đọc nội dung" in receipt               # the honest note: acknowledged before reading
    assert case.expected["code"] not in receipt          # the fields came only after the receipt
