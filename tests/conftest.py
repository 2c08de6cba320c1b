"""Shared fixtures: real parts on loopback (SMTP relay, Dovecot, PKI) and a running mailbot."""

from typing import Literal

import pytest

from testbed.relay import Relay, TlsFiles, make_tls_files
from tests.support.bot import bot, bot_factory, mail  # noqa: F401


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
