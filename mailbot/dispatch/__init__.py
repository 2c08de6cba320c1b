"""dispatch: notices from templates (compose), sent over SMTP with retries (smtp, outbox)."""

from .compose import ComposedNotice, TemplateMissing, compose_notice
from .outbox import Dispatcher
from .smtp import PermanentFailure, SmtpFailure, TemporaryFailure, send

__all__ = [
    "ComposedNotice", "Dispatcher", "PermanentFailure", "SmtpFailure", "TemplateMissing",
    "TemporaryFailure", "compose_notice", "send",
]
