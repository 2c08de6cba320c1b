"""Our own DKIM check (RFC 6376, dkimpy) for `inspect/sender`: which signatures verify and
whether one of them is aligned with the From domain.

The DKIM keys are TXT records in DNS. This module never looks anything up
itself: the caller hands in `dnsfunc` (a `DnsTxt`; the runtime's is
`mailbot.runtime.resolvers.dns_txt`, tests serve keys from memory). Without
one no key is looked up and each signature ends `temperror` ("DNS look-ups
are off"), so a dry run without DNS is deterministic and never claims that a
key is missing or a signature wrong.
"""

from __future__ import annotations

import re
import time
from typing import Any, Protocol

from mailbot.inspect.sender_domains import aligned, normalize_domain

MAX_SIGNATURES = 5          # DKIM signatures verified per message
MAX_DNS_SECONDS = 10.0      # total time for key look-ups per message
DNS_TIMEOUT = 5.0           # one look-up
MIN_RSA_BITS = 1024
TIME_SLOP = 36000           # seconds of clock skew allowed for t=/x= (dkimpy uses the same)

DNS_OFF = "DNS look-ups are off (no resolver was handed in)"


class DnsTxt(Protocol):
    """The DKIM key look-up handed in by the caller (dkimpy's `dnsfunc`): the TXT record
    at `name` (e.g. ``b"mail._domainkey.quangngai.gov.vn."``), None when the name or the
    record does not exist; raises on a temporary failure (SERVFAIL, timeout)."""

    def __call__(self, name: bytes, timeout: float = DNS_TIMEOUT) -> bytes | str | None: ...


class _Lookup:
    """Wraps the caller's dnsfunc (None: no look-ups): caches, bounds total time, records
    what happened."""

    def __init__(self, func: DnsTxt | None, budget: float):
        self.func = func
        self.deadline = time.monotonic() + budget
        self.cache: dict[bytes, tuple[str, bytes | None, str]] = {}
        self.last: tuple[str, str] = ("none", "")

    def __call__(self, name: bytes, timeout: float = DNS_TIMEOUT) -> bytes | None:
        import dkim

        if name not in self.cache:
            remaining = self.deadline - time.monotonic()
            if self.func is None:
                self.cache[name] = ("error", None, DNS_OFF)
            elif remaining <= 0:
                self.cache[name] = ("error", None, "time budget for DNS look-ups used up")
            else:
                try:
                    value = self.func(name, timeout=min(timeout, remaining))
                    if isinstance(value, str):
                        value = value.encode("utf-8")
                    if value is not None and not isinstance(value, bytes):
                        raise TypeError(f"dnsfunc returned {type(value).__name__}")
                    self.cache[name] = ("ok" if value else "missing", value or None, "")
                except Exception as exc:  # noqa: BLE001 - any resolver failure is a temporary error
                    self.cache[name] = ("error", None, f"{type(exc).__name__}: {exc}"[:300])
        state, value, error = self.cache[name]
        self.last = (state, error)
        if state == "error":
            raise dkim.DnsTimeoutError(error)
        return value


def _tags(value: bytes) -> dict[bytes, bytes]:
    from dkim.util import parse_tag_value

    return parse_tag_value(value)


def _extra_checks(d: Any, tags: dict[bytes, bytes], now: float) -> str | None:
    """Why a cryptographically valid signature is still not accepted, or None."""
    from dkim import CanonicalizationPolicy

    if tags.get(b"a", b"").lower() == b"rsa-sha1":
        return "rsa-sha1 signatures are not accepted (RFC 8301)"
    signed = [h.strip().lower() for h in re.split(rb"\s*:\s*", tags.get(b"h", b""))]
    if b"from" not in signed:
        return "the signature does not cover the From header"
    if b"l" in tags:
        policy_ = CanonicalizationPolicy.from_c_value(tags.get(b"c", b"simple/simple"))
        body_length = len(policy_.canonicalize_body(d.body))
        if int(tags[b"l"]) < body_length:
            return f"l={int(tags[b'l'])} signs only part of the body ({body_length} bytes)"
    if b"t" in tags and int(tags[b"t"]) > now + TIME_SLOP:
        return "signature time t= is in the future"
    if b"x" in tags and int(tags[b"x"]) < now - TIME_SLOP:
        return "signature expired (x=)"
    return None


def _verify_dkim(raw: bytes, from_domain: str, dnsfunc: DnsTxt | None, now: float,
                 budget: float = MAX_DNS_SECONDS) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """(the aligned passing signature or None, one entry per DKIM-Signature); `budget`:
    seconds of key look-ups in all."""
    import dkim

    d = dkim.DKIM(raw, minkey=MIN_RSA_BITS, timeout=DNS_TIMEOUT)
    sig_values = [v for n, v in d.headers if n.lower() == b"dkim-signature"]
    entries: list[dict[str, Any]] = []
    for idx, value in enumerate(sig_values):
        entry: dict[str, Any] = {"index": idx}
        try:
            tags = _tags(value)
            entry.update({"d": normalize_domain(tags.get(b"d", b"").decode("ascii", "replace")),
                          "s": tags.get(b"s", b"").decode("ascii", "replace"),
                          "a": tags.get(b"a", b"").decode("ascii", "replace").lower()})
            entry["aligned"] = bool(entry["d"]) and aligned(entry["d"], from_domain)
        except Exception:  # noqa: BLE001
            tags = {}
            entry.update({"d": "", "s": "", "a": "", "aligned": False})
        entry["_tags"] = tags
        entries.append(entry)
    # Aligned signatures first: they are the ones that can authenticate the sender.
    order = sorted(range(len(entries)), key=lambda i: (not entries[i]["aligned"], i))
    lookup = _Lookup(dnsfunc, budget)
    winner = None
    for count, idx in enumerate(order):
        entry = entries[idx]
        tags = entry.pop("_tags")
        if count >= MAX_SIGNATURES:
            entry["result"] = "skipped"
            entry["error"] = f"only {MAX_SIGNATURES} signatures are checked per message"
            continue
        lookup.last = ("none", "")
        try:
            ok = d.verify(idx=idx, dnsfunc=lookup)
            state, error = lookup.last
            if ok:
                why_not = _extra_checks(d, tags, now)
                entry["result"] = "pass" if why_not is None else "policy"
                if why_not:
                    entry["error"] = why_not
            elif state == "error":
                entry["result"], entry["error"] = "temperror", f"DNS look-up failed: {error}"
            elif state == "missing":
                entry["result"], entry["error"] = "permerror", "no DKIM key published in DNS"
            else:
                entry["result"], entry["error"] = "fail", "signature does not verify (message changed or wrong key)"
        except dkim.DnsTimeoutError as exc:
            entry["result"], entry["error"] = "temperror", f"DNS look-up failed: {exc}"[:300]
        except dkim.NaClNotFoundError:
            entry["result"], entry["error"] = "permerror", "ed25519 needs the pynacl package"
        except dkim.ValidationError as exc:
            if "body hash mismatch" in str(exc):
                entry["result"], entry["error"] = "fail", "body changed after signing (body hash mismatch)"
            else:
                entry["result"], entry["error"] = "permerror", f"ValidationError: {exc}"[:300]
        except dkim.DKIMException as exc:
            entry["result"], entry["error"] = "permerror", f"{type(exc).__name__}: {exc}"[:300]
        except Exception as exc:  # noqa: BLE001 - a dkimpy bug or a hostile header
            entry["result"], entry["error"] = "permerror", f"{type(exc).__name__}: {exc}"[:300]
        if entry["result"] == "pass" and entry["aligned"] and winner is None:
            winner = entry
    for entry in entries:
        entry.pop("_tags", None)
    return winner, entries
