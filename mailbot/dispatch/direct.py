"""A message to the office's own people that belongs to no received message (a refused
rules.yaml): composed without templates and sent at once, to the clerk or else the security
contact — through the relay, or written to the outbox folder when there is none. Best effort:
the log already holds the same facts, so a failure here is logged and nothing more."""

from __future__ import annotations

import logging
from datetime import datetime

from mailbot.config import Rules
from mailbot.dispatch.compose import compose_plain
from mailbot.dispatch.smtp import SmtpFailure, send
from mailbot.util.durable import write_durably

log = logging.getLogger("mailbot.dispatch")


def tell_office(rules: Rules, kind: str, subject: str, text: str, *, seed: str) -> bool:
    """Send a plain-text message to the clerk; True when it left (or was written)."""
    to = rules.notices.clerk_address or rules.notices.security_contact
    if not to:
        log.warning("%s: no notices.clerk_address or security_contact to tell; see the log", kind)
        return False
    composed = compose_plain(kind, subject, text, rules, recipient=to, seed=seed)
    try:
        if rules.smtp is None:
            path = rules.outbox_dir / f"{datetime.now():%Y-%m-%d-%H%M%S}-{kind}.eml"
            write_durably(path, composed.raw)
        else:
            relay = rules.smtp
            if relay.cafile:
                relay = relay.model_copy(update={"cafile": str(rules.path(relay.cafile))})
            send(composed.raw, envelope_sender=relay.envelope_sender, recipient=to, relay=relay,
                 password=relay.password())
    except (OSError, SmtpFailure, ValueError) as exc:
        log.error("%s: could not tell %s: %s", kind, to, exc)
        return False
    log.info("%s: told %s", kind, to)
    return True
