"""The raw primitives: the typical message through each library and server on its own, in this
process (MIME parse, libmagic, pypdf, pyHanko, SQLite commit, SMTP delivery, IMAP FETCH), and
Dovecot's IDLE notification delay. Their sum is the yardstick of the throughput runs."""

from __future__ import annotations

import contextlib
import io
import os
import sqlite3
import statistics
import time
from pathlib import Path
from typing import Any, Callable

from benchmarks.common import log, ms, pct
from benchmarks.harness import Ctx


def timeit(fn: Callable[[], Any], reps: int, warm: int = 2) -> dict:
    for _ in range(warm):
        fn()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return {"median": statistics.median(times), "p95": pct(times, 95), "min": min(times), "n": reps}


def phase_primitives(ctx: Ctx, key: str = "primitives", idle_delay: bool = True) -> None:
    """The raw libraries and servers on the typical message, in this process, one at a time.
    Stored under `key`; `idle_delay=False` skips Dovecot's IDLE notification delay."""
    import email
    from email import policy

    import magic
    from imapclient import IMAPClient
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext
    from pypdf import PdfReader

    reps = ctx.size["prim_reps"]
    mid, raw = ctx.work.typical("prim", 1)
    msg = email.message_from_bytes(raw, policy=policy.default)
    atts = [(p.get_filename(), p.get_content()) for p in msg.iter_attachments()]
    pdf = next(d for n, d in atts if n.endswith(".pdf"))
    out: dict[str, Any] = {"message_bytes": len(raw), "attachments": {n: len(d) for n, d in atts}}

    def mime_parse():
        m = email.message_from_bytes(raw, policy=policy.default)
        for part in m.walk():
            if not part.is_multipart():
                part.get_content()

    def libmagic():
        for _n, d in atts:
            magic.from_buffer(d, mime=True)

    from mailbot.inspect.hex_strings import stock_readers

    def pypdf_text():           # pypdf and pyHanko as shipped, even where mailbot's readers are installed
        with stock_readers("pypdf"):
            r = PdfReader(io.BytesIO(pdf), strict=False)
            for page in r.pages:
                page.extract_text()

    from asn1crypto import crl as asn1_crl
    from asn1crypto import x509 as asn1_x509

    def load(p):
        return asn1_x509.Certificate.load(to_der(Path(p).read_bytes()))

    roots = [load(ctx.work.trust_files["root"])]
    inters = [load(ctx.work.trust_files["intermediate"])]
    crls = [asn1_crl.CertificateList.load(Path(ctx.work.trust_files[k]).read_bytes())
            for k in ("crl_root", "crl_inter")]

    def pyhanko_validate():
        with stock_readers("pyhanko"):
            r = PdfFileReader(io.BytesIO(pdf), strict=False)
            sig = r.embedded_signatures[0]
            vc = ValidationContext(trust_roots=roots, other_certs=inters, crls=crls, allow_fetching=False)
            status = validate_pdf_signature(sig, signer_validation_context=vc)
            assert status.bottom_line, status

    db_dir = ctx.workdir / f"prim-db-{key}"
    db_dir.mkdir()
    conn = sqlite3.connect(str(db_dir / "commit.sqlite3"), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")      # as mailbot.store.schema.connect
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b BLOB)")
    row = ("x" * 400, os.urandom(600))

    def sqlite_commit():
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t(a, b) VALUES (?, ?)", row)
        conn.execute("COMMIT")

    spool = db_dir / "spool"
    spool.mkdir()
    counter = iter(range(10**9))

    def spool_fsync():
        p = spool / f"{next(counter)}.eml"
        with open(p, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        fd = os.open(spool, os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)

    # the acknowledgement mailbot would send, as bytes of a realistic size
    notice = (b"From: ubnd@quangngai.gov.vn\r\nTo: vanthu@stc.quangngai.gov.vn\r\nSubject: Bao nhan\r\n"
              b"Auto-Submitted: auto-replied\r\nIn-Reply-To: <prim@x>\r\nMessage-ID: <ack-prim@x>\r\n\r\n"
              + b"Da nhan van ban.\r\n" * 150)
    from mailbot.dispatch.smtp import send
    cfg = ctx.relay.relay.smtp_relay()

    def mailbot_send():       # mailbot.dispatch.smtp.send as the dispatcher calls it, once per notice
        send(notice, envelope_sender="", recipient="vanthu@stc.quangngai.gov.vn", relay=cfg,
             password=cfg.password())

    from mailbot.dispatch import smtp as smtpmod
    tls = smtpmod.tls_context(cfg)      # built once, as any long-running client would
    password = cfg.password()

    def smtp_send():          # the raw cost of one delivery: connect, EHLO, STARTTLS, EHLO, AUTH, MAIL/RCPT/DATA, QUIT
        client = smtpmod._Client(cfg.host, cfg.port, timeout=10)
        client.ehlo()
        client.starttls(context=tls)
        client.login(cfg.username, password)
        client.sendmail("", ["vanthu@stc.quangngai.gov.vn"], notice)
        client.quit()

    reuse = smtpmod._connect(cfg)
    smtpmod._secure(reuse, cfg, "relay")
    smtpmod._login(reuse, cfg, cfg.password(), "relay")

    def smtp_send_reused():
        reuse.sendmail("", ["vanthu@stc.quangngai.gov.vn"], notice)

    user = ctx.user()
    ctx.dovecot.append(user, raw)
    ctx.dovecot.append(user, ctx.work.typical("prim", 2)[1])
    client = IMAPClient("127.0.0.1", port=ctx.dovecot.port, ssl=False, timeout=30)
    client.login(user, ctx.dovecot.users[user])
    client.select_folder("INBOX")
    uid = client.search("ALL")[0]
    client.create_folder("Moved")

    def imap_fetch():
        data = client.fetch([uid], ["BODY.PEEK[]", "INTERNALDATE"])
        assert len(data[uid][b"BODY[]"]) >= len(raw) - 100

    moves = iter(range(10**9))

    def imap_move():         # mailbot per message: STORE keyword + MOVE (not in the sum)
        client.select_folder("INBOX")
        n = next(moves)
        client.append("INBOX", b"Subject: m%d\r\n\r\nx\r\n" % n)
        u = max(client.search("ALL"))
        t = time.perf_counter()
        client.add_flags([u], ["$MailbotDone"], silent=True)
        client.move([u], "Moved")
        return time.perf_counter() - t

    log("primitives: MIME, libmagic, pypdf, pyHanko, SQLite, SMTP, IMAP")
    prims = {
        "mime_parse": timeit(mime_parse, reps),
        "libmagic": timeit(libmagic, reps),
        "pypdf_open_text": timeit(pypdf_text, reps),
        "pyhanko_validate": timeit(pyhanko_validate, reps),
        "sqlite_commit": timeit(sqlite_commit, reps * 3),
        "smtp_send": timeit(smtp_send, reps),
        "imap_fetch": timeit(imap_fetch, reps),
    }
    move_times = [imap_move() for _ in range(reps)]
    extras = {
        "spool_write_fsync": timeit(spool_fsync, reps),
        "smtp_send_reused_connection": timeit(smtp_send_reused, reps),
        "mailbot dispatch.smtp.send (per notice)": timeit(mailbot_send, reps),
        "imap_store_and_move": {"median": statistics.median(move_times), "p95": pct(move_times, 95),
                                "min": min(move_times), "n": reps},
    }
    with contextlib.suppress(Exception):
        reuse.quit()
    client.logout()
    conn.close()

    total = sum(v["median"] for v in prims.values())
    out.update(primitives=prims, extras=extras, sum_seconds=total,
               sum_note="sum of medians of the primitives listed in the issue (IDLE delay excluded: "
                        "it adds latency, not CPU per message)")
    ctx.results[key] = out
    log(f"{key}: sum {ms(total)} per typical message")
    if not idle_delay:
        return

    # Dovecot's own IDLE notification delay: APPEND by one session → EXISTS seen by another in IDLE.
    idler = IMAPClient("127.0.0.1", port=ctx.dovecot.port, ssl=False, timeout=30)
    idler.login(user, ctx.dovecot.users[user])
    idler.select_folder("INBOX")
    appender = IMAPClient("127.0.0.1", port=ctx.dovecot.port, ssl=False, timeout=30)
    appender.login(user, ctx.dovecot.users[user])
    delays = []
    for n in range(max(8, reps // 2)):
        idler.idle()
        time.sleep(0.3 + 0.1 * (n % 5))         # arrivals at different moments of the IDLE
        appender.append("INBOX", b"Subject: idle %d\r\n\r\nx\r\n" % n)
        t0 = time.monotonic()
        got = None
        while time.monotonic() - t0 < 5:
            resp = idler.idle_check(timeout=0.5)
            if any(len(r) >= 2 and r[1] == b"EXISTS" for r in resp):
                got = time.monotonic() - t0
                break
        idler.idle_done()
        if got is not None:
            delays.append(got)
    idler.logout()
    appender.logout()
    extras["dovecot_idle_notification"] = {"median": statistics.median(delays), "p95": pct(delays, 95),
                                           "min": min(delays), "max": max(delays), "n": len(delays)}
    log(f"IDLE notification median {ms(extras['dovecot_idle_notification']['median'])}")


def to_der(data: bytes) -> bytes:
    """DER bytes of a certificate given as PEM or DER."""
    import base64

    if b"-----BEGIN" in data:
        body = b"".join(l for l in data.splitlines() if l and not l.startswith(b"-----"))
        return base64.b64decode(body)
    return data
