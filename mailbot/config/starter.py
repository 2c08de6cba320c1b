"""The first rules.yaml of a new installation (`mailbot init`), made from the shipped example.

The documented example (rules.yaml at the top of the source tree, shipped in
the wheel as mailbot/examples/rules.yaml) is copied with its comments; only
the agency's own values are put in. Each value replaces a known line of the
example: if the example changes so that a line is gone, this fails loudly
(tests/test_install.py runs it) rather than writing a half-adapted file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

# The example's own values, replaced by the agency's.
_OFFICE = "Văn phòng UBND tỉnh Quảng Ngãi"
_ADDRESS = "ubnd@quangngai.gov.vn"


@dataclass(frozen=True)
class Starter:
    agency: str                 # "Sở Tài chính tỉnh Quảng Ngãi"
    address: str                # the official mailbox: vanthu@stc.quangngai.gov.vn
    data_dir: str               # absolute
    mailbox_id: str             # "stc"
    imap_host: str | None = None
    imap_user: str | None = None
    password_file: str | None = None
    smtp_port: int = 2525


def example_text() -> str:
    return (resources.files("mailbot") / "examples" / "rules.yaml").read_text(encoding="utf-8")


def mailbox_id(address: str) -> str:
    """stc from vanthu@stc.quangngai.gov.vn: the agency's own label, a valid rules.yaml id."""
    label = address.rpartition("@")[2].split(".")[0].lower()
    label = re.sub(r"[^a-z0-9_]+", "-", label).strip("-")
    return label or "agency"


def _swap(text: str, old: str, new: str, count: int = 1) -> str:
    if text.count(old) < count:
        raise RuntimeError(f"the example rules.yaml no longer has {old!r}; update mailbot/config/starter.py")
    return text.replace(old, new)


def _comment_out(text: str, first_key: str) -> str:
    """Comment every line from the top-level `first_key:` to the end (the example's routing)."""
    start = text.find(f"\n{first_key}:")
    if start < 0:
        raise RuntimeError(f"the example rules.yaml no longer has a {first_key}: section")
    tail = "".join(line if line.startswith("#") or not line.strip() else "# " + line
                   for line in text[start + 1:].splitlines(keepends=True))
    return text[:start + 1] + tail


def render(s: Starter) -> str:
    text = example_text()
    domain = s.address.rpartition("@")[2]
    text = _swap(text, "# Example for the provincial office (Văn phòng UBND tỉnh Quảng Ngãi).",
                 f"# Written by `mailbot init` for {s.agency}; every key is explained below.")
    text = _swap(text, f"  name: {_OFFICE}\n", f"  name: {s.agency}\n")
    text = _swap(text, "  data_dir: /var/lib/mailbot ", f"  data_dir: {s.data_dir} ")
    text = _swap(text, "  - id: den-ubnd\n    name: Sổ đăng ký văn bản đến — Văn phòng UBND tỉnh\n",
                 f"  - id: den-{s.mailbox_id}\n    name: Sổ đăng ký văn bản đến — {s.agency}\n")
    text = _swap(text, f"  - id: ubnd\n    address: {_ADDRESS}\n    register: den-ubnd\n",
                 f"  - id: {s.mailbox_id}\n    address: {s.address}\n    register: den-{s.mailbox_id}\n")
    if s.imap_host:
        text = _swap(text, "    # imap:\n    #   host: mail.quangngai.gov.vn\n    #   port: 993\n"
                           "    #   tls: implicit            # implicit | starttls (plaintext is refused)\n"
                           "    #   username: ubnd\n    #   password_file: /run/credentials/mailbot.service/ubnd\n",
                     f"    imap:\n      host: {s.imap_host}\n      port: 993\n"
                     "      tls: implicit            # implicit | starttls (plaintext is refused)\n"
                     f"      username: {s.imap_user or s.address}\n      password_file: {s.password_file}\n")
    text = _swap(text, "  port: 2525\n", f"  port: {s.smtp_port}\n")
    text = _swap(text, f"  from_address: {_ADDRESS}\n", f"  from_address: {s.address}\n")
    text = _swap(text, f"  from_name: Văn thư {_OFFICE}\n", f"  from_name: Văn thư {s.agency}\n")
    # The example's units, people and routes are the provincial office's: kept as comments.
    text = _comment_out(text, "units")
    text = text.replace("@quangngai.gov.vn", "@" + domain) if domain != "quangngai.gov.vn" else text
    return text
