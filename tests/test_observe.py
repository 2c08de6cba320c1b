"""One log line per decided message, and `status --json` counting messages per mailbox."""

from __future__ import annotations

import io
import json
import logging

from mailbot.commands.status import status_command
from mailbot.util import samples
from tests.support.bot import DOCX_TYPE, mail


def test_each_decided_message_is_one_log_line_and_counted_in_status(bot, caplog):
    caplog.set_level(logging.INFO, logger="mailbot.runtime.pipeline")
    bot.send(mail(subject="Giấy mời", files=[("gm.docx", samples.docx(
        ["SỞ TÀI CHÍNH", "Số: 7/GM-STC", "GIẤY MỜI", "Họp"]), DOCX_TYPE)]))
    bot.send(mail(subject="Tệp lạ", files=[("a.exe", b"MZ\x90\x00" + b"\0" * 200, "application/octet-stream")]))
    bot.settle()
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("event=")]
    assert len(lines) == 2
    fields = [dict(part.split("=", 1) for part in line.split(" ")) for line in lines]
    assert [f["decision"] for f in fields] == ["accept", "refuse"]
    year = bot.query("SELECT year FROM entries")[0][0]
    assert fields[0]["so_den"] == f"den-ubnd/{year}/1" and fields[1]["so_den"] == "-"
    assert fields[0]["mailbox"] == "ubnd" and fields[0]["notices"] == "receipt"
    assert fields[1]["notices"] == "refusal" and int(fields[0]["duration_ms"]) >= 0

    out = io.StringIO()
    assert status_command(bot.rules, as_json=True, out=out) == 0
    counts = json.loads(out.getvalue())["messages"]
    assert counts == {"ubnd": {"received": 2, "registered": 1, "refused": 1, "held": 0, "duplicate": 0,
                               "waiting": 0}}
