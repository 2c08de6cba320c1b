"""A real SMTP relay on loopback for dispatch tests: aiosmtpd with STARTTLS and AUTH.

    from tests.support.relay import relay  # noqa: F401  (the pytest fixture)

    def test_x(relay):
        relay.smtp_relay()          # SmtpRelay config pointing at it (starttls, AUTH, cafile)
        relay.messages              # [Captured(mail_from, rcpt_tos, raw, tls, login)]
        relay.fail_next(2)          # answer 451 to the next 2 messages (at DATA)
        relay.refuse_next(1)        # answer 550 to the next message
        relay.stop(); relay.start() # relay down, then up again on the same port

The server certificate (EC P-256, self-signed, for "localhost" and
127.0.0.1) is generated once per test session; `relay.cafile` trusts it.
Modes: "starttls" (default; AUTH only after STARTTLS, MAIL only after AUTH),
"implicit" (TLS from the first byte, AUTH required), "plain" (no TLS, no
AUTH: to check that mailbot refuses to talk in clear).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import socket
import ssl
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from mailbot.config import SmtpRelay

# aiosmtpd logs a warning about its own deprecated login_data on every AUTH.
logging.getLogger("mail.log").setLevel(logging.ERROR)

HOST = "127.0.0.1"
USERNAME = "mailbot"
PASSWORD = "mật-khẩu-thử"  # non-ASCII on purpose: AUTH must carry UTF-8


@dataclass(frozen=True)
class Captured:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    tls: bool               # the transaction ran inside TLS
    login: str | None       # the authenticated user, if any
    peer: tuple | None = None   # the client's (host, port): one value per connection


@dataclass(frozen=True)
class TlsFiles:
    certfile: Path
    keyfile: Path

    @property
    def cafile(self) -> Path:   # self-signed: the certificate is its own CA
        return self.certfile


def make_tls_files(folder: Path) -> TlsFiles:
    """A self-signed server certificate for localhost / 127.0.0.1."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mailbot test relay")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False, key_agreement=True,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    certfile, keyfile = folder / "relay-cert.pem", folder / "relay-key.pem"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    keyfile.chmod(0o600)
    return TlsFiles(certfile, keyfile)


def free_port() -> int:
    # Controller(port=0) fails its own readiness check (PITFALLS): pick one first.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class _Handler:
    def __init__(self, relay: Relay):
        self.relay = relay

    async def handle_DATA(self, server, session, envelope) -> str:
        reply = self.relay._next_reply()
        if reply is not None:
            return reply
        transport = server.transport
        tls = transport is not None and transport.get_extra_info("ssl_object") is not None
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        raw = envelope.original_content if envelope.original_content is not None else envelope.content
        self.relay._capture(Captured(envelope.mail_from, list(envelope.rcpt_tos), bytes(raw), tls, login,
                                     tuple(session.peer) if session.peer else None))
        return "250 2.0.0 Ok: queued"


def _authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = (isinstance(auth_data, LoginPassword)
          and auth_data.login == USERNAME.encode()
          and auth_data.password == PASSWORD.encode("utf-8"))
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


class _Controller(Controller):
    def factory(self):
        # Implicit-TLS mode sets auth_require_tls=False (aiosmtpd only counts
        # STARTTLS as TLS), which makes aiosmtpd warn on every connection.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
            return super().factory()


class Relay:
    def __init__(self, tls: TlsFiles, folder: Path, mode: Literal["starttls", "implicit", "plain"] = "starttls"):
        self.tls = tls
        self.folder = folder
        self.mode = mode
        self.host = HOST
        self.port = free_port()
        self.messages: list[Captured] = []
        self.password_file = folder / "relay-password"
        self.password_file.write_text(PASSWORD, encoding="utf-8")
        self.password_file.chmod(0o600)
        self._lock = threading.Lock()
        self._replies: list[str] = []
        self._controller: Controller | None = None

    # -- what tests use ----------------------------------------------------------
    @property
    def cafile(self) -> Path:
        return self.tls.cafile

    @property
    def username(self) -> str:
        return USERNAME

    @property
    def password(self) -> str:
        return PASSWORD

    def smtp_relay(self, **overrides) -> SmtpRelay:
        """A config pointing at this relay: STARTTLS, AUTH with a password file, our CA."""
        security = {"starttls": "starttls", "implicit": "implicit", "plain": "none"}[self.mode]
        settings = dict(host=self.host, port=self.port, security=security,
                        username=None if self.mode == "plain" else USERNAME,
                        password_file=None if self.mode == "plain" else str(self.password_file),
                        cafile=str(self.cafile), timeout_seconds=5)
        settings.update(overrides)
        return SmtpRelay(**settings)

    def fail_next(self, count: int = 1, reply: str = "451 4.3.0 Temporary local problem, try again later") -> None:
        """Answer the next `count` messages with a temporary failure."""
        with self._lock:
            self._replies.extend([reply] * count)

    def refuse_next(self, count: int = 1, reply: str = "550 5.1.1 Recipient mailbox unavailable") -> None:
        """Answer the next `count` messages with a permanent failure."""
        self.fail_next(count, reply)

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        if self._controller is not None:
            return
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.tls.certfile, self.tls.keyfile)
        kwargs: dict = dict(hostname=self.host, port=self.port, server_hostname="localhost",
                            authenticator=_authenticator, ready_timeout=5)
        if self.mode == "starttls":
            kwargs.update(tls_context=context, require_starttls=True, auth_required=True, auth_require_tls=True)
        elif self.mode == "implicit":
            # aiosmtpd counts only STARTTLS as TLS for auth_require_tls; here
            # the whole connection is TLS already.
            kwargs.update(ssl_context=context, auth_required=True, auth_require_tls=False)
        controller = _Controller(_Handler(self), **kwargs)
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        if self._controller is not None:
            controller, self._controller = self._controller, None
            controller.stop()

    def restart(self) -> None:
        self.stop()
        self.start()

    # -- handler side ------------------------------------------------------------
    def _next_reply(self) -> str | None:
        with self._lock:
            return self._replies.pop(0) if self._replies else None

    def _capture(self, item: Captured) -> None:
        with self._lock:
            self.messages.append(item)


@pytest.fixture(scope="session")
def relay_tls(tmp_path_factory) -> TlsFiles:
    return make_tls_files(tmp_path_factory.mktemp("relay-tls"))


@pytest.fixture
def relay(relay_tls, tmp_path_factory):
    """A running STARTTLS+AUTH relay, stopped after the test."""
    server = Relay(relay_tls, tmp_path_factory.mktemp("relay"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def relay_factory(relay_tls, tmp_path_factory):
    """Make relays of other modes: relay_factory("plain"), relay_factory("implicit")."""
    started: list[Relay] = []

    def make(mode: Literal["starttls", "implicit", "plain"] = "starttls") -> Relay:
        server = Relay(relay_tls, tmp_path_factory.mktemp(f"relay-{mode}"), mode)
        server.start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()
