"""A real, throw-away Dovecot IMAP server for the tests and the benchmark.

`Dovecot(tmpdir).start()` writes a private configuration (passwd-file users,
Maildir under the temp dir, base_dir/state_dir/logs under the temp dir),
starts `dovecot -F -c CONF` in the foreground on 127.0.0.1 with free ports
(plain IMAP with STARTTLS, and implicit TLS) and waits until it answers.
When Dovecot is missing or does not start, the calling test FAILS (never
skips): the IMAP intake is a core part of mailbot and must be tested.

Helpers deliver mail by IMAP APPEND, list / delete / recreate folders (which
changes UIDVALIDITY), and restart or stop the server.
"""

from __future__ import annotations

import datetime as dt
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unicodedata
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from imapclient import IMAPClient

DOVECOT_CANDIDATES = ("dovecot", "/usr/sbin/dovecot", "/usr/local/sbin/dovecot")
MAIL_USER = "mail"
INSTALL_HINT = "install it with: apt-get install -y dovecot-imapd"


class DovecotError(RuntimeError):
    """Dovecot could not be started; the message carries the log tail."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_dovecot() -> str:
    for name in DOVECOT_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise DovecotError(f"the dovecot binary was not found; {INSTALL_HINT}")


def make_tls_files(directory: Path) -> tuple[Path, Path, Path]:
    """A test CA and a server certificate for localhost/127.0.0.1: (ca, cert, key)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mailbot test IMAP CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False,
                                       encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    directory.mkdir(parents=True, exist_ok=True)
    ca_path, cert_path, key_path = directory / "ca.pem", directory / "cert.pem", directory / "key.pem"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    return ca_path, cert_path, key_path


CONFIG = """\
# Throw-away Dovecot for mailbot tests. Everything lives under {root}.
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
debug_log_path = {root}/dovecot.log
instance_name = mailbot-test-{port}
default_internal_user = {internal_user}
default_login_user = {login_user}
first_valid_uid = 1
first_valid_gid = 1
mail_uid = {mail_user}
mail_gid = {mail_user}
mail_privileged_group =
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
passdb {{
  driver = passwd-file
  mechanisms = xoauth2
  args = scheme=PLAIN username_format=%u {root}/oauth
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
}}
mail_location = maildir:~/Maildir
namespace inbox {{
  inbox = yes
  separator = /
}}
imap_idle_notify_interval = 2 mins
{capability_line}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""

# The capabilities Dovecot 2.3 announces after login, minus IDLE and MOVE: a
# server of the older kind, to exercise the polling and COPY+EXPUNGE fallbacks.
CAPABILITIES_WITHOUT_IDLE_AND_MOVE = (
    "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE SORT SORT=DISPLAY THREAD=REFERENCES "
    "THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN "
    "NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES "
    "WITHIN CONTEXT=SEARCH LIST-STATUS BINARY SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW "
    "STATUS=SIZE SAVEDATE LITERAL+ NOTIFY SPECIAL-USE"
)


class Dovecot:
    """One private Dovecot instance. Use as a context manager or call stop()."""

    def __init__(self, root: Path | None = None, *, capabilities: str | None = None):
        # Dovecot's unprivileged processes (auth as "dovecot", mail as "mail") must
        # reach the config, the passwd file and the Maildirs, and pytest's tmp is
        # root-only (0700): everything lives in a private dir under the system tmp
        # dir (or under `root`, if given, which must then be reachable).
        self.root = Path(tempfile.mkdtemp(prefix="mailbot-dovecot-", dir=root))
        self.root.chmod(0o711)
        self.port = free_port()
        self.tls_port = free_port()
        self.capabilities = capabilities
        self.users: dict[str, str] = {}
        self.proc: subprocess.Popen | None = None
        self.binary = find_dovecot()
        self.conf = self.root / "dovecot.conf"
        self.log = self.root / "dovecot.log"
        self.cafile: Path | None = None
        # Dovecot never touches mail as root: the Maildirs belong to the system user "mail".
        self.mail_user = MAIL_USER
        pw = pwd.getpwnam(MAIL_USER)
        self.mail_ids = (pw.pw_uid, pw.pw_gid)
        self.mail_root = self.root / "mail"
        self.mail_root.mkdir(mode=0o711)

    # -- lifecycle ---------------------------------------------------------
    def add_user(self, name: str, password: str = "secret", oauth_token: str | None = None) -> None:
        home = self.mail_root / name
        home.mkdir(parents=True, exist_ok=True)
        os.chown(home, *self.mail_ids)
        self.users[name] = password
        self._add_line("passwd", f"{name}:{{PLAIN}}{password}::::{home}::\n")
        if oauth_token:
            self._add_line("oauth", f"{name}:{{PLAIN}}{oauth_token}::::{home}::\n")
        if self.proc is not None:
            self._wait_login(name)

    def _wait_login(self, name: str, timeout: float = 10.0) -> None:
        """A user added while running is seen by Dovecot's auth process after a moment."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                with self.client(name):
                    return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def _add_line(self, file: str, line: str) -> None:
        """Rewrite a passwd-file atomically with a later mtime (Dovecot checks it in whole seconds)."""
        path = self.root / file
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text + line, encoding="utf-8")
        tmp.chmod(0o644)
        self._mtime = max(time.time(), getattr(self, "_mtime", 0) + 1)
        os.utime(tmp, (self._mtime, self._mtime))
        os.replace(tmp, path)

    def _write_config(self) -> None:
        for sub in ("run", "state"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        for name in ("passwd", "oauth"):
            (self.root / name).touch()
        if self.cafile is None:
            self.cafile, self.cert, self.key = make_tls_files(self.root / "tls")
        cap = f"imap_capability = {self.capabilities}" if self.capabilities else ""
        self.conf.write_text(CONFIG.format(
            root=self.root, port=self.port, tls_port=self.tls_port, cert=self.cert, key=self.key,
            internal_user="dovecot", login_user="dovenull", mail_user=self.mail_user, capability_line=cap),
            encoding="utf-8")

    def start(self, timeout: float = 15.0) -> "Dovecot":
        if self.proc is not None:
            return self
        self._write_config()
        self.proc = subprocess.Popen([self.binary, "-F", "-c", str(self.conf)],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                out = self.proc.stdout.read().decode(errors="replace") if self.proc.stdout else ""
                self.proc = None
                raise DovecotError(f"dovecot exited at start:\n{out}\n{self.log_tail()}")
            if self._answers():
                return self
            time.sleep(0.05)
        self.stop()
        raise DovecotError(f"dovecot did not answer on 127.0.0.1:{self.port} within {timeout}s\n{self.log_tail()}")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.settimeout(1)
                return s.recv(100).startswith(b"* OK")
        except OSError:
            return False

    def stop(self) -> None:
        """Stop the master and every child (own process group), then wait."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=10)
        # Children may outlive the master briefly; make sure the group is gone.
        for _ in range(100):
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        if proc.stdout:
            proc.stdout.close()

    def cleanup(self) -> None:
        """Stop the server and remove its private directory."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def restart(self, down_seconds: float = 0.0) -> None:
        self.stop()
        if down_seconds:
            time.sleep(down_seconds)
        self.start()

    def __enter__(self) -> "Dovecot":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.cleanup()

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no dovecot log)"

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    # -- mailbox helpers (as the user, over IMAP) ---------------------------
    @contextmanager
    def client(self, user: str) -> Iterator[IMAPClient]:
        c = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        try:
            c.login(user, self.users[user])
            yield c
        finally:
            try:
                c.logout()
            except Exception:
                c.shutdown()

    def append(self, user: str, raw: bytes, folder: str = "INBOX",
               when: dt.datetime | None = None, flags: tuple = ()) -> None:
        with self.client(user) as c:
            if not c.folder_exists(folder):
                c.create_folder(folder)
            c.append(folder, raw, flags=flags, msg_time=when)

    def folders(self, user: str) -> list[str]:
        with self.client(user) as c:
            return [name for _flags, _delim, name in c.list_folders()]

    def create_folder(self, user: str, folder: str) -> None:
        with self.client(user) as c:
            c.create_folder(folder)

    def delete_folder(self, user: str, folder: str) -> None:
        with self.client(user) as c:
            c.delete_folder(folder)

    def uidvalidity(self, user: str, folder: str) -> int:
        with self.client(user) as c:
            return c.folder_status(folder, ["UIDVALIDITY"])[b"UIDVALIDITY"]

    def messages(self, user: str, folder: str) -> list[tuple[int, bytes, tuple]]:
        """(uid, raw bytes, flags) of every message in `folder`, in UID order."""
        with self.client(user) as c:
            c.select_folder(folder, readonly=True)
            uids = c.search("ALL")
            if not uids:
                return []
            data = c.fetch(uids, ["BODY.PEEK[]", "FLAGS"])
            return [(uid, data[uid][b"BODY[]"], data[uid][b"FLAGS"]) for uid in sorted(data)]

    def count(self, user: str, folder: str) -> int:
        with self.client(user) as c:
            if not c.folder_exists(folder):
                return 0
            return c.folder_status(folder, ["MESSAGES"])[b"MESSAGES"]

    def find_folder(self, user: str, name: str) -> str | None:
        """The server's spelling of `name` (NFC/NFD-insensitive), or None."""
        want = unicodedata.normalize("NFC", name)
        for folder in self.folders(user):
            if unicodedata.normalize("NFC", folder) == want:
                return folder
        return None
