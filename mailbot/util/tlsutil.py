"""Client TLS for the IMAP and SMTP connections mailbot opens."""

from __future__ import annotations

import functools
import ssl


@functools.lru_cache(maxsize=8)
def client_context(cafile: str | None) -> ssl.SSLContext:
    """System CAs plus an optional extra CA, host names checked, TLS 1.2 or newer. Built once per
    CA file: loading the system store costs more than a whole SMTP exchange (benchmarks/)."""
    context = ssl.create_default_context()
    if cafile:
        context.load_verify_locations(cafile=cafile)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context
