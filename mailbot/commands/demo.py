"""`mailbot demo`: the whole flow on the embedded default, in one command.

Starts the daemon with a loopback SMTP intake and no relay (notices are
written as .eml files), sends it a handful of sample messages, waits until
everything is registered and answered, prints what happened and stops.
"""

from __future__ import annotations

import json
import sys
import tempfile
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate
from pathlib import Path

from mailbot.util.netutil import free_port

DEMO_RULES = """\
# Written by `mailbot demo`. Try: mailbot register list --config {workdir}/rules.yaml
office:
  name: Văn phòng UBND tỉnh Quảng Ngãi
  timezone: Asia/Ho_Chi_Minh
storage:
  data_dir: {workdir}/data
  outbox_dir: {workdir}/outbox
books:
  - {{id: den-ubnd, name: Sổ đăng ký văn bản đến — Văn phòng UBND tỉnh}}
mailboxes:
  - {{id: ubnd, address: ubnd@quangngai.gov.vn, register: den-ubnd}}
smtp_intake:
  host: 127.0.0.1
  port: {port}
notices:
  from_address: ubnd@quangngai.gov.vn
  from_name: Văn thư Văn phòng UBND tỉnh Quảng Ngãi
  clerk_address: vanthu.noibo@quangngai.gov.vn
senders:
  trusted_domains: ["*.gov.vn"]
  authserv_id: mx.quangngai.gov.vn     # the province's MTA, which checks DKIM/DMARC before delivering
units:
  - {{id: tonghop, name: Phòng Tổng hợp, address: tonghop@quangngai.gov.vn}}
people:
  - {{id: cvp, name: Chánh Văn phòng, address: chanh.vanphong@quangngai.gov.vn, unit: tonghop}}
routes:                                # who handles a registered document (forwarded with the original)
  - name: Văn bản của Sở Y tế
    when: {{sender: [syt.quangngai.gov.vn]}}
    assign: {{handler: cvp}}
    deadline: {{working_days: 5}}
  - name: Mặc định
    assign: {{unit: tonghop}}
"""

TO = "ubnd@quangngai.gov.vn"
MTA = "mx.quangngai.gov.vn"


def _message(sender: str, subject: str, body: str, files: list[tuple[str, bytes, str]],
             extra_headers: dict[str, str] | None = None, authenticated: bool = True) -> EmailMessage:
    from mailbot.util import samples

    return samples.email(sender, TO, subject, body, files, extra_headers,
                         authserv_id=MTA if authenticated else None)


def sample_messages() -> list[tuple[str, EmailMessage]]:
    """(what it shows, message) pairs; the first is also delivered twice."""
    from mailbot.util import samples

    invitation = _message(
        "vanthu@stc.quangngai.gov.vn", "Giấy mời họp giao ban quý IV",
        "Kính gửi Văn phòng UBND tỉnh,\nSở Tài chính gửi Giấy mời họp. Trân trọng.",
        [("Giay moi hop giao ban.docx", samples.docx([
            "SỞ TÀI CHÍNH TỈNH QUẢNG NGÃI", "Số: 125/GM-STC",
            "GIẤY MỜI", "Họp giao ban công tác quý IV năm 2026",
            "Thời gian: 08 giờ 00, ngày 25 tháng 11 năm 2026."]),
          "application/vnd.openxmlformats-officedocument.wordprocessingml.document")])
    letter = _message(
        "vanthu@syt.quangngai.gov.vn", "Công văn số 2345/SYT-NVY về phòng chống dịch",
        "Sở Y tế gửi công văn (bản PDF đính kèm).",
        [("2345-SYT-NVY.pdf", samples.pdf([
            "SO Y TE TINH QUANG NGAI", "So: 2345/SYT-NVY",
            "V/v tang cuong phong chong dich benh mua dong"]), "application/pdf")])
    disguised = _message(
        "someone@example.com", "Tài liệu gửi Văn phòng",
        "Xin gửi tài liệu.",
        [("tai-lieu.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48
          + b"PE\x00\x00" + b"\x00" * 200, "application/pdf")])
    macro = _message(
        "ketoan@congty-abc.vn", "Báo cáo số liệu tháng 10",
        "Gửi báo cáo số liệu.",
        [("bao-cao-thang-10.xlsm", samples.xlsm([["Chỉ tiêu", "Số liệu"], ["Thu ngân sách", "1200"]]),
          "application/vnd.ms-excel.sheet.macroEnabled.12")])
    auto = _message(
        "chanh.vp@sonnmt.quangngai.gov.vn", "Trả lời tự động: Vắng mặt",
        "Tôi đang đi công tác đến hết ngày 28/11/2026.",
        [], {"Auto-Submitted": "auto-replied"})
    forged = _message(
        "vanthu@stc.quangngai.gov.vn", "Quyết định phê duyệt dự toán",
        "Gửi Quyết định.",
        [("QD-phe-duyet.docx", samples.docx([
            "SỞ TÀI CHÍNH", "Số: 99/QĐ-STC", "QUYẾT ĐỊNH", "Phê duyệt dự toán bổ sung"]),
          "application/vnd.openxmlformats-officedocument.wordprocessingml.document")],
        authenticated=False)
    return [
        ("Giấy mời (.docx) — tiếp nhận, vào sổ, gửi báo nhận", invitation),
        ("Công văn (.pdf, chưa ký số) — vào sổ, báo nhận, đề nghị gửi bản giấy", letter),
        ("Tệp .exe đặt tên .pdf — từ chối, gửi thông báo", disguised),
        ("Bảng tính có macro (.xlsm) — từ chối, gửi thông báo", macro),
        ("Thư trả lời tự động — không phản hồi", auto),
        ("Thư mạo danh Sở Tài chính (không xác thực) — giữ lại, báo văn thư", forged),
        ("Giấy mời gửi lại lần hai — không vào sổ hai lần", _resent(invitation)),
    ]


def _resent(msg: EmailMessage) -> EmailMessage:
    """The same message as a mail server would deliver it again: one more Received line."""
    import copy

    again = copy.deepcopy(msg)
    again["Received"] = f"from mail.stc.quangngai.gov.vn by mx.quangngai.gov.vn; {formatdate(localtime=True)}"
    return again


def run_demo(workdir: str | None) -> int:
    import smtplib

    from mailbot.config import parse_rules
    from mailbot.register.listing import format_table, list_entries
    from mailbot.runtime.daemon import Daemon
    from mailbot.store import messages, outbox, schema as dbmod

    work = Path(workdir or tempfile.mkdtemp(prefix="mailbot-demo-")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    port = free_port()
    text = DEMO_RULES.format(workdir=work, port=port)
    (work / "rules.yaml").write_text(text, encoding="utf-8")
    rules = parse_rules(text, work / "rules.yaml")

    print(f"mailbot demo — working folder {work}")
    print(f"SMTP intake on 127.0.0.1:{port}, notices written to {rules.outbox_dir}\n")
    daemon = Daemon(rules)
    daemon.start()
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
            for label, msg in sample_messages():
                envelope = "" if msg["Auto-Submitted"] else msg["From"]
                reply = smtp.sendmail(envelope, [TO], msg.as_bytes(policy=SMTP_POLICY))
                print(f"  sent: {label}{' (rejected: ' + str(reply) + ')' if reply else ''}")
        if not daemon.wait_settled(120):
            print("\nwarning: processing did not finish within 120 s", flush=True)
    finally:
        daemon.stop()

    db = dbmod.connect(rules.db_path)
    print("\n== Messages")
    for mid, state, decision, report in messages.overview(db):
        reasons = json.loads(report or "{}").get("reasons", [])
        shown = "duplicate (không vào sổ lần hai)" if state == "duplicate" else decision
        print(f"  #{mid}: {shown}")
        for reason in reasons:
            print(f"      [{reason['code']}] {reason['message_vi']}")
    print("\n== Sổ đăng ký văn bản đến (register)")
    print(format_table(list_entries(db)))
    print("\n== Notices (outbox)")
    for kind, recipient, subject, state in outbox.overview(db):
        waiting = " (chờ giờ hành chính / waits for office hours)" if state == "pending" and kind == "forward" else ""
        print(f"  [{state}] {kind} → {recipient}: {subject}{waiting}")
    files = sorted(rules.outbox_dir.glob("*.eml"))
    print(f"\n{len(files)} notice file(s) in {rules.outbox_dir}")
    command = sys.argv[0] if sys.argv[0].endswith("mailbot") else "python -m mailbot"
    print(f"Next: {command} register list --config {work / 'rules.yaml'}")
    db.close()
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("demo", help="run the whole flow locally on bundled sample messages and print what happened")
    p.add_argument("--workdir", metavar="DIR",
                   help="where the demo keeps its register, spool and outbox (default: a new temporary folder)")


def run(args) -> int:
    return run_demo(args.workdir)
