"""Shared fixtures: real parts on loopback (SMTP relay, Dovecot, PKI) and a running mailbot."""

from tests.support.relay import relay, relay_factory, relay_tls  # noqa: F401
from tests.support.bot import bot, bot_factory, mail  # noqa: F401
