"""SMTP/ESMTP listener on loopback for sites whose MTA delivers straight to mailbot.

It answers 250 only after the message is spooled and recorded (invariant 1);
on any failure it answers 451 so the sending MTA keeps the message and
retries. Recipients must be configured mailboxes (any address when none is).
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Callable

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from ..config import Rules
from ..pipeline import Pipeline

log = logging.getLogger("mailbot.intake.smtp")


class IntakeHandler:
    def __init__(self, rules: Rules, on_received: Callable[[], None]):
        self.rules = rules
        self.on_received = on_received
        self._pipeline: Pipeline | None = None

    @property
    def pipeline(self) -> Pipeline:
        # Created in the listener's own thread: SQLite connections stay per thread.
        if self._pipeline is None:
            self._pipeline = Pipeline(self.rules)
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

    def __init__(self, rules: Rules, on_received: Callable[[], None]):
        settings = rules.smtp_intake
        assert settings is not None
        self.settings = settings
        self.controller = Controller(
            IntakeHandler(rules, on_received),
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
