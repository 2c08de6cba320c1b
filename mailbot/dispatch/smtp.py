"""Hand one message to the SMTP relay; say whether a failure is worth retrying.

Security levels (`SmtpRelay.security`):
- starttls: plain connection, then STARTTLS is required. A relay that does
  not offer it gets nothing: no AUTH, no MAIL, not even the envelope.
- implicit: TLS from the first byte (SMTP_SSL, usually port 465).
- none: no TLS at all; allowed to a loopback host only (a local MTA, tests).

Certificates are always verified (system CAs plus `relay.cafile`), with the
host name checked. Problems of the site rather than of the message (relay
unreachable, no STARTTLS, certificate or password refused) are temporary:
the notice stays queued until the administrator fixes the relay or it runs
out of attempts.
"""

from __future__ import annotations

import hmac
import ipaddress
import smtplib
import socket
import ssl
import time

from mailbot.config import SmtpRelay
from mailbot.util.tlsutil import client_context


class SmtpFailure(Exception):
    """Sending failed; str() is a one-line English explanation for the log."""


class TemporaryFailure(SmtpFailure):
    """Try again later (4xx reply, connection problem, timeout, relay misconfigured).

    `unreachable` is True when no SMTP conversation took place at all, so
    other queued notices would fail the same way right now.
    """

    def __init__(self, message: str, *, unreachable: bool = False):
        super().__init__(message)
        self.unreachable = unreachable


class PermanentFailure(SmtpFailure):
    """The relay refused this message or its recipient (5xx): do not retry."""


def send(raw: bytes, *, envelope_sender: str, recipient: str, relay: SmtpRelay, password: str | None) -> None:
    """Deliver `raw` to `recipient` through `relay` on a connection of its own; return only
    once the relay answered 250."""
    with Session(relay, password) as session:
        session.send(raw, envelope_sender=envelope_sender, recipient=recipient)


class Session:
    """One connection to the relay, reused for the notices sent one after another: the TLS
    handshake and AUTH are paid once per burst, not once per notice. Failures are raised as
    `send()` raises them; a connection that broke is dropped and the next notice opens a
    fresh one. One thread at a time."""

    # A connection unused this long is checked with NOOP before the next notice: relays
    # drop idle clients (RFC 5321 §4.5.3.2.7 suggests 5 minutes), and a notice must not be
    # given to a connection that is already gone.
    CHECK_AFTER_SECONDS = 2.0

    def __init__(self, relay: SmtpRelay, password: str | None):
        self.relay = relay
        self.password = password
        self.where = f"{relay.host}:{relay.port}"
        self._client: smtplib.SMTP | None = None
        self._used = 0.0

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def idle_seconds(self) -> float | None:
        """Seconds since the open connection was last used; None when none is open."""
        return None if self._client is None else time.monotonic() - self._used

    def send(self, raw: bytes, *, envelope_sender: str, recipient: str) -> None:
        if self._client is not None and time.monotonic() - self._used > self.CHECK_AFTER_SECONDS:
            if not self._alive():
                self._drop()
        if self._client is None:
            self._client = self._open()
        try:
            _transmit(self._client, raw, envelope_sender, recipient, self.where)
        except SmtpFailure:
            # A refused recipient or message (4xx/5xx) leaves the session usable (smtplib
            # sent RSET); a reply of -1 means the connection is gone.
            if not self._alive_after_reply():
                self._drop()
            raise
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            # Includes timeouts and a connection dropped before the final reply:
            # the message may or may not have been taken; retry (at-least-once).
            raise TemporaryFailure(f"connection to {self.where} failed: {_describe(exc)}") from None
        # The relay answered 250 to DATA: the message is its responsibility now.
        self._used = time.monotonic()

    def close(self) -> None:
        """QUIT and close (nothing after a 250 may turn into a failure)."""
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()

    def _open(self) -> smtplib.SMTP:
        relay, where = self.relay, self.where
        if relay.security == "none" and not _is_loopback(relay.host):
            raise TemporaryFailure(f"refusing to send in clear to {where}: security 'none' is for a loopback "
                                   "relay only", unreachable=True)
        try:
            client = _connect(relay)
        except smtplib.SMTPResponseException as exc:   # e.g. 421 or 554 greeting
            raise TemporaryFailure(f"relay {where} refused the connection: {_reply(exc)}",
                                   unreachable=True) from None
        except ssl.SSLCertVerificationError as exc:
            raise TemporaryFailure(f"TLS certificate of {where} not trusted: {exc.verify_message}",
                                   unreachable=True) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryFailure(f"cannot connect to {where}: {_describe(exc)}", unreachable=True) from None
        try:
            _secure(client, relay, where)
            _login(client, relay, self.password, where)
        except SmtpFailure:
            client.close()
            raise
        except smtplib.SMTPResponseException as exc:
            client.close()
            raise _classify(exc, f"relay {where} failed") from None
        except (OSError, smtplib.SMTPException) as exc:
            client.close()
            raise TemporaryFailure(f"connection to {where} failed: {_describe(exc)}") from None
        return client

    def _alive(self) -> bool:
        try:
            return self._client is not None and self._client.noop()[0] == 250
        except (OSError, smtplib.SMTPException):
            return False

    def _alive_after_reply(self) -> bool:
        client = self._client
        return client is not None and getattr(client, "sock", None) is not None

    def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()


def _login(client: smtplib.SMTP, relay: SmtpRelay, password: str | None, where: str) -> None:
    if not relay.username:
        return
    try:
        client.login(relay.username, password or "")
    except smtplib.SMTPAuthenticationError as exc:
        # Wrong credentials are the site's problem, not the notice's.
        raise TemporaryFailure(f"relay {where} refused the login of {relay.username!r}: {_reply(exc)}",
                               unreachable=True) from None
    except smtplib.SMTPNotSupportedError:
        raise TemporaryFailure(f"relay {where} does not offer AUTH; remove username if it needs none",
                               unreachable=True) from None
    except smtplib.SMTPException as exc:
        if isinstance(exc, smtplib.SMTPResponseException) or "No suitable authentication" in str(exc):
            raise TemporaryFailure(f"login to {where} failed: {exc}", unreachable=True) from None
        raise


def _transmit(client: smtplib.SMTP, raw: bytes, envelope_sender: str, recipient: str, where: str) -> None:
    options = [] if recipient.isascii() else ["SMTPUTF8"]
    try:
        refused = client.sendmail(envelope_sender, [recipient], raw, mail_options=options)
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()), (550, b"recipient refused"))
        raise _classify(smtplib.SMTPResponseException(code, text), f"relay {where} refused {recipient}") from None
    except smtplib.SMTPNotSupportedError as exc:
        raise PermanentFailure(f"relay {where} cannot take this message: {exc}") from None
    except smtplib.SMTPResponseException as exc:
        raise _classify(exc, f"relay {where} refused the message") from None
    if refused:   # cannot happen with a single recipient; kept as a guard
        raise PermanentFailure(f"relay {where} refused {recipient}: {refused}")


def tls_context(relay: SmtpRelay) -> ssl.SSLContext:
    """System CAs plus the configured extra CA; host name checking on."""
    return client_context(relay.cafile)


class _Utf8(str):
    """smtplib encodes AUTH responses as ASCII; RFC 4616/4954 allow UTF-8 passwords."""

    def encode(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
        return str.encode(self, "utf-8", errors)


class _Utf8Auth:
    user: str
    password: str

    def auth_plain(self, challenge=None):
        return _Utf8(f"\0{self.user}\0{self.password}")

    def auth_login(self, challenge=None):
        if challenge is None or self._auth_challenge_count < 2:
            return _Utf8(self.user)
        return _Utf8(self.password)

    def auth_cram_md5(self, challenge=None):
        if challenge is None:
            return None
        digest = hmac.HMAC(self.password.encode("utf-8"), challenge, "md5").hexdigest()
        return _Utf8(f"{self.user} {digest}")


class _Client(_Utf8Auth, smtplib.SMTP):
    pass


class _TlsClient(_Utf8Auth, smtplib.SMTP_SSL):
    pass


def _connect(relay: SmtpRelay) -> smtplib.SMTP:
    if relay.security == "implicit":
        return _TlsClient(relay.host, relay.port, timeout=relay.timeout_seconds, context=tls_context(relay))
    return _Client(relay.host, relay.port, timeout=relay.timeout_seconds)


def _secure(client: smtplib.SMTP, relay: SmtpRelay, where: str) -> None:
    client.ehlo()
    if relay.security != "starttls":
        return
    if not client.has_extn("starttls"):
        raise TemporaryFailure(f"relay {where} does not offer STARTTLS; refusing to send in clear",
                               unreachable=True)
    try:
        client.starttls(context=tls_context(relay))
    except ssl.SSLCertVerificationError as exc:
        raise TemporaryFailure(f"TLS certificate of {where} not trusted: {exc.verify_message}",
                               unreachable=True) from None
    except ssl.SSLError as exc:
        raise TemporaryFailure(f"TLS handshake with {where} failed: {exc}", unreachable=True) from None
    except smtplib.SMTPResponseException as exc:
        raise TemporaryFailure(f"relay {where} refused STARTTLS: {_reply(exc)}", unreachable=True) from None
    client.ehlo()


def _classify(exc: smtplib.SMTPResponseException, what: str) -> SmtpFailure:
    message = f"{what}: {_reply(exc)}"
    if 400 <= exc.smtp_code < 500 or exc.smtp_code == -1:
        return TemporaryFailure(message)
    return PermanentFailure(message)


def _reply(exc: smtplib.SMTPResponseException) -> str:
    text = exc.smtp_error
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{exc.smtp_code} {' '.join(str(text).split())}"


def _describe(exc: BaseException) -> str:
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "timed out"
    return str(exc) or type(exc).__name__


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
