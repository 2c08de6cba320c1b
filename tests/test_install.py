"""What an administrator installs: the built wheel in a fresh virtualenv, run outside the
source tree (issue 13.1). An editable install hides missing package data; this does not."""

from __future__ import annotations

import os
import signal
import smtplib
import socket
import subprocess
import sys
import time
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from mailbot.util import samples
from mailbot.util.netutil import free_port
from tests.support.bot import DOCX_TYPE, MTA, OFFICE, relay_yaml, rules_text

SOURCE = Path(__file__).resolve().parent.parent


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{cmd} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """bin/ of a new virtualenv holding mailbot from its wheel (dependencies resolved by pip)."""
    work = tmp_path_factory.mktemp("install")
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(work / "dist"), str(SOURCE)])
    wheels = list((work / "dist").glob("mailbot-*.whl"))
    assert len(wheels) == 1
    _run([sys.executable, "-m", "venv", str(work / "venv")])
    _run([str(work / "venv" / "bin" / "python"), "-m", "pip", "install", "-q", str(wheels[0])])
    return work / "venv" / "bin"


def _outside_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PYTHONSAFEPATH"] = "1"
    return env


def test_installed_package_is_not_the_source_tree(installed, tmp_path):
    where = _run([str(installed / "python"), "-c", "import mailbot, sys; print(mailbot.__file__)"],
                 cwd=tmp_path, env=_outside_env()).stdout.strip()
    assert str(installed.parent) in where and str(SOURCE) not in where
    listing = _run([str(installed / "python"), "-c",
                    "from importlib import resources; "
                    "print(sorted(p.name for p in (resources.files('mailbot') / 'templates').iterdir()))"],
                   cwd=tmp_path, env=_outside_env()).stdout
    assert "receipt.txt.j2" in listing and "refusal.html.j2" in listing


def test_installed_demo_registers_and_acknowledges(installed, tmp_path):
    result = _run([str(installed / "mailbot"), "demo", "--workdir", str(tmp_path / "demo")],
                  cwd=tmp_path, env=_outside_env(), timeout=300)
    assert "den-ubnd    1/" in result.stdout and "[sent] receipt" in result.stdout
    assert "TemplateMissing" not in result.stdout + result.stderr
    assert len(list((tmp_path / "demo" / "outbox").glob("*-receipt.eml"))) == 2


def _wait_port(port: int, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"the installed daemon did not listen on {port}")


def test_installed_daemon_takes_a_message_in_and_sends_a_receipt(installed, tmp_path, relay):
    port = free_port()
    config = tmp_path / "rules.yaml"
    config.write_text(rules_text(tmp_path, port, relay_yaml(relay)), encoding="utf-8")
    _run([str(installed / "mailbot"), "check", "--config", str(config)], cwd=tmp_path, env=_outside_env())

    proc = subprocess.Popen([str(installed / "mailbot"), "run", "--config", str(config)], cwd=tmp_path,
                            env=_outside_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _wait_port(port, proc)
        docx = samples.docx(["SỞ TÀI CHÍNH", "Số: 125/GM-STC", "GIẤY MỜI", "Họp giao ban quý IV"])
        msg = samples.email("vanthu@stc.quangngai.gov.vn", OFFICE, "Giấy mời họp", "Kính gửi Văn phòng.",
                            [("Giấy mời.docx", docx, DOCX_TYPE)], authserv_id=MTA)
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
            smtp.sendmail("vanthu@stc.quangngai.gov.vn", [OFFICE], msg.as_bytes(policy=policy.SMTP))
        deadline = time.monotonic() + 60
        while not relay.messages and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(relay.messages) == 1, "no receipt reached the relay"
        receipt = message_from_bytes(relay.messages[0].raw, policy=policy.default)
        assert receipt["X-Mailbot-Notice"] == "receipt"
        assert "Số đến 1/" in str(receipt["Subject"])
        assert relay.messages[0].rcpt_tos == ["vanthu@stc.quangngai.gov.vn"]
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    listing = _run([str(installed / "mailbot"), "register", "list", "--config", str(config)],
                   cwd=tmp_path, env=_outside_env()).stdout
    assert "125/GM-STC" in listing and "Sở Tài chính" in listing


def test_installed_init_writes_what_installed_check_accepts(installed, tmp_path):
    """The example rules.yaml travels in the wheel (a symlink in the tree: the wheel must hold the file)."""
    target = tmp_path / "etc" / "stc"
    _run([str(installed / "mailbot"), "init", "--agency", "Sở Tài chính tỉnh Quảng Ngãi",
          "--address", "vanthu@stc.quangngai.gov.vn", "--imap-host", "mail.quangngai.gov.vn", str(target)],
         cwd=tmp_path, env=_outside_env())
    text = (target / "rules.yaml").read_text(encoding="utf-8")
    assert "name: Sở Tài chính tỉnh Quảng Ngãi" in text and "# Decision 57/2014 Art. 4.2.c" in text
    result = _run([str(installed / "mailbot"), "check", "--config", str(target / "rules.yaml")],
                  cwd=tmp_path, env=_outside_env())
    assert "configuration OK: 1 mailbox(es)" in result.stdout
