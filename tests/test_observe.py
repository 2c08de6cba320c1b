"""One log line per decided message, and `status --json` counting messages per mailbox."""

from __future__ import annotations

import io
import json
import logging

from mailbot.commands.status import status_command
from mailbot.util import samples
from tests.support.bot import DOCX_TYPE, mail


class Lines(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_each_decided_message_is_one_log_line_and_counted_in_status(bot, monkeypatch):
    # Our own handler on the logger itself: other tests' logging set-ups (levels, handlers,
    # disabled loggers) must not decide what this test sees.
    logger = logging.getLogger("mailbot.runtime.pipeline")
    handler = Lines()
    monkeypatch.setattr(logger, "disabled", False)
    monkeypatch.setattr(logger, "level", logging.INFO)
    logger.addHandler(handler)
    monkeypatch.setattr(logging.root.manager, "disable", 0)
    bot.send(mail(subject="Giấy mời", files=[("gm.docx", samples.docx(
        ["SỞ TÀI CHÍNH", "Số: 7/GM-STC", "GIẤY MỜI", "Họp"]), DOCX_TYPE)]))
    bot.send(mail(subject="Tệp lạ", files=[("a.exe", b"MZ\x90\x00" + b"\0" * 200, "application/octet-stream")]))
    bot.settle()
    logger.removeHandler(handler)
    lines = [line for line in handler.lines if line.startswith("event=")]
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
