"""SMTP/ESMTP listener on loopback for sites whose MTA delivers straight to mailbot.

It answers 250 only after the message is spooled and recorded (invariant 1);
on any failure it answers 451 so the sending MTA keeps the message and
retries. Recipients must be configured mailboxes (any address when none is).
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any, Callable, Protocol, Sequence

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from mailbot.config import Rules

log = logging.getLogger("mailbot.intake.smtp")


class Receiver(Protocol):
    """What the listener needs: store and record the bytes durably (the runtime's pipeline)."""

    def receive(self, raw: bytes, *, source: str, delivered_at: datetime | None = None,
                mailbox: str | None = None, envelope_from: str | None = None,
                envelope_to: Sequence[str] = ()) -> Any: ...


class IntakeHandler:
    def __init__(self, rules: Rules, on_received: Callable[[], None], receiver_factory: Callable[[], Receiver]):
        self.rules = rules
        self.on_received = on_received
        self.receiver_factory = receiver_factory
        self._pipeline: Receiver | None = None

    @property
    def pipeline(self) -> Receiver:
        # Created in the listener's own thread: SQLite connections stay per thread.
        if self._pipeline is None:
            self._pipeline = self.receiver_factory()
        return self._pipeline

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        if self.rules.mailboxes and self.rules.mailbox_for([address]) is None:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        mailbox = self.rules.mailbox_for(envelope.rcpt_tos)
        try:
            # Blocking on purpose: the fsync must finish before the 250.
            received = self.pipeline.receive(
                raw, source="smtp", delivered_at=datetime.now(timezone.utc),
                mailbox=mailbox.id if mailbox else None,
                envelope_from=envelope.mail_from or "", envelope_to=envelope.rcpt_tos)
        except Exception:  # noqa: BLE001 - the sender must keep the message and retry
            log.exception("could not spool a message from %s", envelope.mail_from)
            return "451 4.3.0 Temporary failure storing the message, please retry"
        self.on_received()
        return f"250 2.0.0 OK queued as {received.sha256[:16]}"


class SmtpIntake:
    """Runs the listener in its own thread (aiosmtpd's Controller)."""

    def __init__(self, rules: Rules, on_received: Callable[[], None], receiver_factory: Callable[[], Receiver]):
        """`receiver_factory()` is called once, in the listener's thread, for its own receiver."""
        settings = rules.smtp_intake
        assert settings is not None
        self.settings = settings
        self.controller = Controller(
            IntakeHandler(rules, on_received, receiver_factory),
            hostname=settings.host,
            port=settings.port,
            data_size_limit=settings.max_message_bytes,
            ident="mailbot",
            decode_data=False,
        )

    def start(self) -> None:
        self.controller.start()
        log.info("SMTP intake listening on %s:%d", self.settings.host, self.settings.port)

    def stop(self) -> None:
        self.controller.stop()
