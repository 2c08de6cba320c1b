"""dispatch: notices from templates (compose), sent over SMTP with retries (smtp, outbox)."""

from mailbot.dispatch.compose import ComposedNotice, TemplateMissing, compose_notice
from mailbot.dispatch.outbox import Dispatcher
from mailbot.dispatch.smtp import PermanentFailure, SmtpFailure, TemporaryFailure, send

__all__ = [
    "ComposedNotice", "Dispatcher", "PermanentFailure", "SmtpFailure", "TemplateMissing",
    "TemporaryFailure", "compose_notice", "send",
]
