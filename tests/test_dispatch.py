"""Notices and their dispatch, against a real aiosmtpd relay (STARTTLS + AUTH) on loopback."""

from __future__ import annotations

import base64
import hashlib
import smtplib
import unicodedata
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy
from pathlib import Path

import jinja2
import pytest

from mailbot.config import Notices, Rules, Storage
from mailbot.store.schema import connect
from mailbot.dispatch import (ComposedNotice, Dispatcher, TemplateMissing, TemporaryFailure, compose_notice,
                              send)
from mailbot.dispatch.compose import BUNDLED_TEMPLATES
from mailbot.dispatch.smtp import Session

FROM = "vanthu-tudong@quangngai.gov.vn"
SENDER = "vanthu@sotttt.quangngai.gov.vn"
ORIGINAL_ID = "<20261110080100.abc@sotttt.quangngai.gov.vn>"
ORIGINAL_REFS = ["<root.1@ubnd.quangngai.gov.vn>"]
EMAIL_SUBJECT = "Gửi Quyết định số 57/2014/QĐ-UBND về ban hành Quy chế"
T0 = datetime(2026, 11, 10, 1, 15, tzinfo=timezone.utc)   # 08:15 in Quảng Ngãi


def nfc(text: str) -> bool:
    return unicodedata.is_normalized("NFC", text)


def context(**changes) -> dict:
    base = dict(
        office_name="Văn phòng UBND tỉnh Quảng Ngãi",
        mailbox_address="ubnd@quangngai.gov.vn",
        email_subject=EMAIL_SUBJECT,
        email_date="08:01 ngày 10/11/2026",
        sender=SENDER,
        book_name="Sổ đăng ký văn bản đến",
        arrival_number=15,
        year=2026,
        arrival_date="08:15 ngày 10/11/2026",
        document={"code": "57/2014/QĐ-UBND", "type_name": "Quyết định",
                  "subject": "Ban hành Quy chế quản lý văn bản điện tử", "organ_name": "Ủy ban nhân dân tỉnh Quảng Ngãi"},
        attachments=[
            {"filename": "QD-57.pdf", "format": "pdf", "allowed": True, "reason_vi": None,
             "signature_line": "Chữ ký số hợp lệ của Ủy ban nhân dân tỉnh Quảng Ngãi"},
            {"filename": "ảnh chụp.jpg", "format": None, "allowed": False,
             "reason_vi": "Tệp ảnh không thuộc định dạng được chấp nhận", "signature_line": None},
        ],
        reasons=[],
        decision="accept",
    )
    base.update(changes)
    return base


def refusal_context() -> dict:
    return context(
        arrival_number=None, year=None, document={},
        attachments=[{"filename": "hoso.rar", "format": None, "allowed": False,
                      "reason_vi": "Tệp nén .rar không được chấp nhận", "signature_line": None}],
        reasons=[{"code": "no-acceptable-attachment",
                  "message_vi": "Thư không có văn bản đính kèm ở định dạng được chấp nhận."}],
        decision="refuse")


def make_rules(tmp_path: Path, smtp=None, **notices) -> Rules:
    settings = dict(from_address=FROM, from_name="Văn thư điện tử UBND tỉnh Quảng Ngãi",
                    retry_base_seconds=30, retry_max_seconds=3600, max_attempts=5)
    settings.update(notices)
    return Rules(storage=Storage(data_dir=str(tmp_path / "data")), smtp=smtp, notices=Notices(**settings))


def compose(rules: Rules, kind: str = "receipt", ctx: dict | None = None, recipient: str = SENDER,
            seed: str = "sha256-of-source", now: datetime = T0) -> ComposedNotice:
    return compose_notice(kind, ctx if ctx is not None else (refusal_context() if kind == "refusal" else context()),
                          rules, recipient=recipient, in_reply_to=ORIGINAL_ID, references=ORIGINAL_REFS,
                          seed=seed, now=now)


def parse(raw: bytes):
    return message_from_bytes(raw, policy=policy.default)


def bodies(raw: bytes) -> tuple[str, str]:
    msg = parse(raw)
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    return text, html


class Clock:
    def __init__(self, start: datetime = T0):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def queue(db, notice: ComposedNotice, *, created: datetime = T0, due: datetime = T0) -> int:
    """What the register transaction does: a messages row, then an outbox row."""
    digest = hashlib.sha256(notice.message_id.encode()).hexdigest()
    message = db.execute(
        "INSERT INTO messages (sha256, size, spool_path, source, delivered_at, spooled_at) "
        "VALUES (?, 100, ?, 'file', ?, ?)", [digest, f"spool/{digest}", created.isoformat(), created.isoformat()]
    ).lastrowid
    return db.execute(
        "INSERT INTO outbox (message, kind, recipient, subject, message_id, raw, next_attempt_at, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [message, notice.kind, notice.recipient, notice.subject, notice.message_id, notice.raw,
         due.isoformat(), created.isoformat()]).lastrowid


def row(db, row_id: int) -> dict:
    cursor = db.execute("SELECT * FROM outbox WHERE id = ?", [row_id])
    return dict(zip([c[0] for c in cursor.description], cursor.fetchone()))


# -- composing ---------------------------------------------------------------------

def test_receipt_headers_threading_and_vietnamese_subject(tmp_path):
    notice = compose(make_rules(tmp_path))
    msg = parse(notice.raw)

    assert notice.raw.isascii()                       # 7-bit clean for any relay
    assert msg["Subject"] == notice.subject
    assert msg["Subject"] == ("Đã nhận văn bản — Số đến 15/2026 — 57/2014/QĐ-UBND — Re: " + EMAIL_SUBJECT)
    assert nfc(msg["Subject"])
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["X-Auto-Response-Suppress"] == "All"
    assert msg["Content-Language"] == "vi"
    assert msg["In-Reply-To"] == ORIGINAL_ID
    assert msg["References"].split() == ORIGINAL_REFS + [ORIGINAL_ID]
    assert msg["To"] == SENDER
    assert msg["From"].addresses[0].addr_spec == FROM
    assert msg["From"].addresses[0].display_name == "Văn thư điện tử UBND tỉnh Quảng Ngãi"
    assert msg["Date"].datetime == T0 and msg["Date"].datetime.utcoffset() == timedelta(hours=7)
    expected = hashlib.sha256(("sha256-of-source" + "receipt" + SENDER).encode()).hexdigest()[:32]
    assert msg["Message-ID"] == notice.message_id == f"<mailbot.receipt.{expected}@quangngai.gov.vn>"
    assert msg.get_content_type() == "multipart/alternative"

    text, html = bodies(notice.raw)
    for body in (text, html):
        assert nfc(body)
        assert "Kính gửi" in body and "Số đến" in body and "15/2026" in body
        assert "08:15 ngày 10/11/2026" in body and "57/2014/QĐ-UBND" in body
        assert "QD-57.pdf" in body and "ảnh chụp.jpg" in body
        assert "Tệp ảnh không thuộc định dạng được chấp nhận" in body
        assert "Chữ ký số hợp lệ" in body
        assert "không trả lời thư này" in body
    assert "Văn thư Văn phòng UBND tỉnh Quảng Ngãi xin thông báo đã nhận được văn bản" in text
    assert html.lstrip().startswith("<!DOCTYPE html>") and '<html lang="vi">' in html


def test_refusal_says_why_and_what_is_accepted(tmp_path):
    notice = compose(make_rules(tmp_path), "refusal")
    msg = parse(notice.raw)
    assert msg["Subject"] == "Không tiếp nhận văn bản — Re: " + EMAIL_SUBJECT
    assert msg["Message-ID"].startswith("<mailbot.refusal.")
    assert msg["Auto-Submitted"] == "auto-replied"
    text, html = bodies(notice.raw)
    for body in (text, html):
        assert "Thư không có văn bản đính kèm ở định dạng được chấp nhận." in body
        assert "Tệp nén .rar không được chấp nhận" in body
        assert ".txt, .rtf, .doc, .docx, .odt, .csv, .xls, .xlsx, .ods, .pdf" in body
        assert "gửi lại văn bản" in body
        assert "Số đến" not in body


def test_message_id_is_stable_across_resends_and_differs_per_recipient(tmp_path):
    rules = make_rules(tmp_path)
    first = compose(rules)
    again = compose(rules, now=T0 + timedelta(hours=3))
    other = compose(rules, recipient="khac@quangngai.gov.vn")
    assert first.message_id == again.message_id
    assert first.raw != again.raw                    # the Date moved, the identity did not
    assert other.message_id != first.message_id


def test_subjects_stay_readable(tmp_path):
    rules = make_rules(tmp_path)
    no_code = compose(rules, ctx=context(document={"code": None}, email_subject="Re: RE: Báo cáo quý III"))
    assert no_code.subject == "Đã nhận văn bản — Số đến 15/2026 — Re: Báo cáo quý III"
    empty = compose(rules, "refusal", ctx=dict(refusal_context(), email_subject=""))
    assert empty.subject == "Không tiếp nhận văn bản — Re: (không có tiêu đề)"


def test_pipeline_values_read_well(tmp_path):
    """ISO times become Vietnamese readable times; a missing book or sender does not print None."""
    notice = compose(make_rules(tmp_path), ctx=context(email_date="2026-11-10T01:01:00+00:00",
                                                       book_name=None, sender=None, document={}))
    text, html = bodies(notice.raw)
    for body in (text, html):
        assert "gửi lúc 08:01 ngày 10/11/2026" in body
        assert "None" not in body
        assert f"Kính gửi: {SENDER}" in body


def test_nfd_input_comes_out_nfc_and_html_is_escaped(tmp_path):
    nfd = unicodedata.normalize("NFD", "Quyết định <b>khẩn</b> & gấp")
    notice = compose(make_rules(tmp_path), ctx=context(email_subject=nfd))
    text, html = bodies(notice.raw)
    assert "Quyết định <b>khẩn</b> & gấp" in parse(notice.raw)["Subject"]
    assert "Quyết định <b>khẩn</b> & gấp" in text        # plain text is not escaped
    assert "Quyết định &lt;b&gt;khẩn&lt;/b&gt; &amp; gấp" in html
    assert "<b>khẩn</b>" not in html
    assert nfc(text) and nfc(html)


def test_missing_context_key_is_an_error(tmp_path):
    ctx = context()
    del ctx["arrival_date"]
    with pytest.raises(jinja2.UndefinedError):
        compose(make_rules(tmp_path), ctx=ctx)


def test_templates_dir_override_wins_and_missing_ones_fall_back(tmp_path):
    override = tmp_path / "mau-thu"
    override.mkdir()
    (override / "receipt.txt.j2").write_text(
        "{% set subject %}Biên nhận số {{ arrival_number }} — {{ email_subject | reply_subject }}{% endset %}"
        "Mẫu riêng của {{ office_name }}.\n", encoding="utf-8")
    rules = make_rules(tmp_path, templates_dir=str(override))
    notice = compose(rules)
    text, html = bodies(notice.raw)
    assert notice.subject == "Biên nhận số 15 — Re: " + EMAIL_SUBJECT
    assert text.strip() == "Mẫu riêng của Văn phòng UBND tỉnh Quảng Ngãi."
    assert "Thời điểm tiếp nhận" in html                  # bundled receipt.html.j2
    assert "Không tiếp nhận văn bản" in compose(rules, "refusal").subject   # bundled refusal


def test_a_new_kind_needs_templates_only(tmp_path):
    override = tmp_path / "mau-thu"
    override.mkdir()
    (override / "alert.txt.j2").write_text(
        "{% set subject %}Cảnh báo: {{ email_subject }}{% endset %}Văn bản trùng: {{ document.code }}\n",
        encoding="utf-8")
    (override / "alert.html.j2").write_text("<p>Văn bản trùng: {{ document.code }}</p>\n", encoding="utf-8")
    rules = make_rules(tmp_path, templates_dir=str(override))
    notice = compose(rules, "alert")
    assert notice.subject == "Cảnh báo: " + EMAIL_SUBJECT
    assert notice.message_id.startswith("<mailbot.alert.")
    assert "Văn bản trùng: 57/2014/QĐ-UBND" in bodies(notice.raw)[0]
    with pytest.raises(TemplateMissing):
        compose(make_rules(tmp_path), "reminder")


def test_bundled_templates_are_nfc():
    files = list(BUNDLED_TEMPLATES.glob("*.j2"))
    assert {"receipt.txt.j2", "receipt.html.j2", "refusal.txt.j2", "refusal.html.j2"} <= {f.name for f in files}
    for path in files:
        assert nfc(path.read_text(encoding="utf-8")), path


# -- SMTP ----------------------------------------------------------------------------

def test_sent_over_starttls_with_auth_and_null_sender(tmp_path, relay):
    rules = make_rules(tmp_path, smtp=relay.smtp_relay())
    db = connect(rules.db_path)
    notice = compose(rules)
    row_id = queue(db, notice)
    clock = Clock()

    assert Dispatcher(rules, db, clock=clock).send_due() == 1

    [got] = relay.messages
    assert got.mail_from == "<>" or got.mail_from == ""
    assert got.rcpt_tos == [SENDER]
    assert got.tls and got.login == relay.username
    assert got.raw.replace(b"\r\n", b"\n") == notice.raw.replace(b"\r\n", b"\n")
    assert parse(got.raw)["Subject"] == notice.subject
    stored = row(db, row_id)
    assert stored["state"] == "sent" and stored["attempts"] == 1 and stored["last_error"] is None
    assert datetime.fromisoformat(stored["sent_at"]) == T0

    clock.advance(86400)
    assert Dispatcher(rules, db, clock=clock).send_due() == 0
    assert len(relay.messages) == 1


def test_relay_refuses_auth_before_starttls(relay):
    with smtplib.SMTP(relay.host, relay.port, timeout=5) as client:
        client.ehlo()
        assert client.has_extn("starttls")
        assert not client.has_extn("auth")
        credentials = base64.b64encode(f"\0{relay.username}\0{relay.password}".encode()).decode()
        code, _ = client.docmd("AUTH", "PLAIN " + credentials)
        assert code in (530, 538)
        code, _ = client.docmd("MAIL", "FROM:<>")
        assert code == 530
    assert relay.messages == []


def test_mailbot_will_not_talk_to_a_relay_without_starttls(relay_factory):
    plain = relay_factory("plain")
    config = plain.smtp_relay(security="starttls", username="mailbot")
    with pytest.raises(TemporaryFailure, match="STARTTLS"):
        send(b"Subject: x\r\n\r\nx\r\n", envelope_sender="", recipient=SENDER, relay=config, password="secret")
    assert plain.messages == []


def test_certificate_is_verified(relay):
    config = relay.smtp_relay(cafile=None)
    with pytest.raises(TemporaryFailure, match="certificate"):
        send(b"Subject: x\r\n\r\nx\r\n", envelope_sender="", recipient=SENDER, relay=config,
             password=relay.password)
    assert relay.messages == []


def test_wrong_password_is_temporary_and_sends_nothing(relay):
    with pytest.raises(TemporaryFailure, match="login"):
        send(b"Subject: x\r\n\r\nx\r\n", envelope_sender="", recipient=SENDER, relay=relay.smtp_relay(),
             password="sai mật khẩu")
    assert relay.messages == []


def test_implicit_tls(relay_factory, tmp_path):
    server = relay_factory("implicit")
    notice = compose(make_rules(tmp_path))
    send(notice.raw, envelope_sender="", recipient=SENDER, relay=server.smtp_relay(), password=server.password)
    [got] = server.messages
    assert got.tls and got.login == server.username


def test_daemon_dispatcher_reuses_one_connection_and_recovers_when_it_drops(tmp_path, relay, monkeypatch):
    rules = make_rules(tmp_path, smtp=relay.smtp_relay())
    db = connect(rules.db_path)
    dispatcher = Dispatcher(rules, db, clock=Clock(), keep_connection=True)
    for n in range(3):
        queue(db, compose(rules, seed=f"source-{n + 1}"))
    assert dispatcher.send_due() == 3
    assert len({m.peer for m in relay.messages}) == 1          # one TLS handshake and AUTH for three notices
    assert all(m.tls and m.login == relay.username for m in relay.messages)

    relay.refuse_next(1)                                       # a 550 leaves the connection usable
    queue(db, compose(rules, seed="source-4"))
    queue(db, compose(rules, seed="source-5"))
    assert dispatcher.send_due() == 1
    assert len({m.peer for m in relay.messages}) == 1 and len(relay.messages) == 4

    relay.restart()                                            # the relay drops every connection
    monkeypatch.setattr(Session, "CHECK_AFTER_SECONDS", 0.0)   # as after a pause: NOOP first
    queue(db, compose(rules, seed="source-6"))
    assert dispatcher.send_due() == 1                          # a fresh connection, not a failed notice
    assert len(relay.messages) == 5 and relay.messages[-1].peer != relay.messages[0].peer
    assert dispatcher.close_idle(0.0) is None                  # closed when idle
    assert dispatcher.close_idle(0.0) is None


def test_one_shot_dispatcher_closes_its_connection(tmp_path, relay):
    rules = make_rules(tmp_path, smtp=relay.smtp_relay())
    db = connect(rules.db_path)
    dispatcher = Dispatcher(rules, db, clock=Clock())
    queue(db, compose(rules))
    assert dispatcher.send_due() == 1
    assert dispatcher.close_idle(60.0) is None                 # nothing left open


def test_temporary_failure_is_retried_later_and_sent_once(tmp_path, relay):
    rules = make_rules(tmp_path, smtp=relay.smtp_relay())
    db = connect(rules.db_path)
    row_id = queue(db, compose(rules))
    clock = Clock()
    dispatcher = Dispatcher(rules, db, clock=clock)
    relay.fail_next(1)

    assert dispatcher.send_due() == 0
    stored = row(db, row_id)
    assert stored["state"] == "pending" and stored["attempts"] == 1
    assert "451" in stored["last_error"]
    retry_at = dispatcher.next_due()
    assert T0 + timedelta(seconds=15) <= retry_at <= T0 + timedelta(seconds=30)   # base 30 s, equal jitter

    assert dispatcher.send_due() == 0                   # not due yet: the relay is not asked
    assert relay.messages == [] and row(db, row_id)["attempts"] == 1

    clock.now = retry_at
    assert dispatcher.send_due() == 1
    assert len(relay.messages) == 1
    stored = row(db, row_id)
    assert stored["state"] == "sent" and stored["attempts"] == 2
    assert dispatcher.next_due() is None
    clock.advance(7200)
    assert dispatcher.send_due() == 0 and len(relay.messages) == 1


def test_relay_down_then_up_each_notice_sent_once(tmp_path, relay):
    rules = make_rules(tmp_path, smtp=relay.smtp_relay())
    db = connect(rules.db_path)
    first = queue(db, compose(rules, seed="a"))
    second = queue(db, compose(rules, "refusal", seed="b"))
    clock = Clock()
    dispatcher = Dispatcher(rules, db, clock=clock)
    relay.stop()

    assert dispatcher.send_due() == 0
    a, b = row(db, first), row(db, second)
    assert a["state"] == b["state"] == "pending"
    assert a["attempts"] == 1 and "cannot connect" in a["last_error"]
    assert b["attempts"] == 0 and b["last_error"].startswith("not tried")   # one connection attempt, not one per row
    assert b["next_attempt_at"] == a["next_attempt_at"]                      # and it follows the same schedule

    relay.start()
    clock.advance(3600)
    assert dispatcher.send_due() == 2
    assert sorted(parse(m.raw)["Message-ID"] for m in relay.messages) == sorted(
        [a["message_id"], b["message_id"]])
    clock.advance(3600)
    assert dispatcher.send_due() == 0 and len(relay.messages) == 2


def test_crash_after_relay_accepted_means_one_resend_with_the_same_message_id(tmp_path, relay):
    """A dispatcher claimed the row, the relay said 250, the process died before
    marking it sent: the row comes back after its lease, carrying the same id."""
    rules = make_rules(tmp_path, smtp=relay.smtp_relay())
    db = connect(rules.db_path)
    notice = compose(rules)
    row_id = queue(db, notice)
    send(notice.raw, envelope_sender="", recipient=SENDER, relay=rules.smtp, password=relay.password)
    lease = T0 + timedelta(seconds=30)
    db.execute("UPDATE outbox SET attempts = 1, next_attempt_at = ? WHERE id = ?", [lease.isoformat(), row_id])

    assert Dispatcher(rules, db, clock=Clock()).send_due() == 0           # still leased
    assert Dispatcher(rules, db, clock=Clock(lease)).send_due() == 1
    assert [parse(m.raw)["Message-ID"] for m in relay.messages] == [notice.message_id] * 2
    assert row(db, row_id)["state"] == "sent"


def test_permanent_failure_fails_at_once(tmp_path, relay):
    rules = make_rules(tmp_path, smtp=relay.smtp_relay())
    db = connect(rules.db_path)
    row_id = queue(db, compose(rules))
    clock = Clock()
    dispatcher = Dispatcher(rules, db, clock=clock)
    relay.refuse_next(1)

    assert dispatcher.send_due() == 0
    stored = row(db, row_id)
    assert stored["state"] == "failed" and stored["attempts"] == 1 and "550" in stored["last_error"]
    assert dispatcher.next_due() is None
    clock.advance(86400)
    assert dispatcher.send_due() == 0 and relay.messages == []


def test_gives_up_after_max_attempts(tmp_path, relay):
    rules = make_rules(tmp_path, smtp=relay.smtp_relay(), max_attempts=3)
    db = connect(rules.db_path)
    row_id = queue(db, compose(rules))
    clock = Clock()
    dispatcher = Dispatcher(rules, db, clock=clock)
    relay.fail_next(5)
    for _ in range(3):
        assert dispatcher.send_due() == 0
        clock.advance(3600)
    stored = row(db, row_id)
    assert stored["state"] == "failed" and stored["attempts"] == 3
    assert "gave up after 3 attempts" in stored["last_error"] and "451" in stored["last_error"]
    assert dispatcher.send_due() == 0 and relay.messages == []


def test_due_times_with_other_offsets_compare_as_times(tmp_path, relay):
    rules = make_rules(tmp_path, smtp=relay.smtp_relay())
    db = connect(rules.db_path)
    vietnam = timezone(timedelta(hours=7))
    # 08:30+07:00 is 01:30Z: after T0 (01:15Z) although it sorts before it as text.
    row_id = queue(db, compose(rules), due=datetime(2026, 11, 10, 8, 30, tzinfo=vietnam))
    dispatcher = Dispatcher(rules, db, clock=Clock())
    assert dispatcher.send_due() == 0
    assert dispatcher.next_due() == datetime(2026, 11, 10, 1, 30, tzinfo=timezone.utc)
    assert Dispatcher(rules, db, clock=Clock(T0 + timedelta(minutes=15))).send_due() == 1
    assert row(db, row_id)["state"] == "sent"


# -- no relay: .eml files --------------------------------------------------------------

def test_without_relay_notices_become_eml_files(tmp_path):
    rules = make_rules(tmp_path)
    assert rules.smtp is None
    db = connect(rules.db_path)
    receipt = compose(rules, seed="a")
    refusal = compose(rules, "refusal", seed="b")
    first, second = queue(db, receipt), queue(db, refusal)
    dispatcher = Dispatcher(rules, db, clock=Clock())

    assert dispatcher.send_due() == 2
    files = sorted(p.name for p in rules.outbox_dir.iterdir())
    assert files == [f"2026-11-10-{first}-receipt.eml", f"2026-11-10-{second}-refusal.eml"]
    assert (rules.outbox_dir / files[0]).read_bytes() == receipt.raw
    assert parse((rules.outbox_dir / files[1]).read_bytes())["Subject"] == refusal.subject
    assert row(db, first)["state"] == row(db, second)["state"] == "sent"
    assert dispatcher.send_due() == 0
    assert len(list(rules.outbox_dir.iterdir())) == 2      # no temp files left behind


def _parsed(raw: bytes) -> dict:
    msg = parse(raw)
    names = ["From", "To", "Subject", "Date", "Message-ID", "In-Reply-To", "References", "Auto-Submitted",
             "X-Auto-Response-Suppress", "Precedence", "X-Mailbot-Notice", "MIME-Version", "Content-Language"]
    parts = [(p.get_content_type(), p.get_content_charset(), p["Content-Transfer-Encoding"], p.get_content())
             for p in msg.iter_parts()]
    return {"headers": {n: str(msg[n]) if msg[n] is not None else None for n in names},
            "type": msg.get_content_type(), "parts": parts}


@pytest.mark.parametrize("from_name, subject, refs", [
    ("Văn thư điện tử UBND tỉnh Quảng Ngãi", None, ORIGINAL_REFS),
    ("Mailbot", "Short ASCII subject", []),
    ("", "Đã nhận văn bản " + "rất dài " * 30, [f"<ref.{i}@ubnd.quangngai.gov.vn>" for i in range(12)]),
    ("Văn thư", "Giấy mời họp — tab\tvà khoảng trắng", []),
])
def test_direct_writer_gives_the_same_message_as_the_email_package(from_name, subject, refs):
    from mailbot.dispatch.compose import _build_notice, _write_notice

    text = "Kính gửi: Sở Tư pháp\n\n" + "Dòng rất dài không xuống dòng " * 12 + "\n= dấu bằng, tab\t và … hết.\n"
    html = "<!DOCTYPE html>\n<html lang=\"vi\"><body><p>Kính gửi &amp; trân trọng</p>" + "x" * 200 + "</body></html>\n"
    args = ("receipt", from_name, FROM, SENDER, subject or ("Đã nhận văn bản — Số đến 15/2026 — Re: " + EMAIL_SUBJECT),
            "Tue, 10 Nov 2026 08:15:00 +0700", "<mailbot.receipt.abc@quangngai.gov.vn>", ORIGINAL_ID,
            refs + [ORIGINAL_ID], text, html)
    fast = _write_notice(*args)
    assert fast is not None and fast.isascii()
    # Lines stay within 78 characters, but for the From name: one encoded word (see _NoticePolicy).
    assert all(len(line) <= 78 for line in fast.split(b"\r\n") if not line.startswith(b"From: =?"))
    assert _parsed(fast) == _parsed(_build_notice(*args))


def test_direct_writer_leaves_unusual_headers_to_the_email_package():
    from mailbot.dispatch.compose import _write_notice

    common = ("Tue, 10 Nov 2026 08:15:00 +0700", "<m@quangngai.gov.vn>", None, [], "x\n", "<p>x</p>\n")
    assert _write_notice("receipt", "Văn thư", FROM, "vănthư@sở.gov.vn", "Chào", *common) is None
    assert _write_notice("receipt", 'Office "A", B', FROM, SENDER, "Chào", *common) is None
    assert _write_notice("receipt", "Văn thư", FROM, SENDER, "A" * 80, *common) is None
