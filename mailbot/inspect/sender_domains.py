"""Domains for sender authentication: normal form, organisational domain, DMARC relaxed
alignment, agency domain patterns (see the decisions written down in `inspect/sender`)."""

from __future__ import annotations

import fnmatch

# Second-level labels that registries under a two-letter country code hand out
# as public suffixes ("gov.vn", "com.vn", "co.uk", …).
_GENERIC_SLD = frozenset({
    "gov", "com", "edu", "org", "net", "ac", "int", "biz", "info", "name", "pro", "health",
    "co", "or", "ne", "go", "mil",
})


def normalize_domain(domain: str) -> str:
    """Lower-case, no trailing dot, IDNA A-labels (``sở.gov.vn`` → ``xn--…``)."""
    domain = domain.strip().strip(".").lower()
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            pass
    return domain


def organizational_domain(domain: str) -> str:
    """The organisational domain used for relaxed alignment (see `inspect/sender`)."""
    labels = [label for label in normalize_domain(domain).split(".") if label]
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _GENERIC_SLD:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def aligned(signing_domain: str, from_domain: str) -> bool:
    """DMARC relaxed alignment: both domains have the same organisational domain."""
    a, b = normalize_domain(signing_domain), normalize_domain(from_domain)
    if not a or not b:
        return False
    return a == b or organizational_domain(a) == organizational_domain(b)


def is_agency_domain(domain: str | None, patterns: list[str] | tuple[str, ...]) -> bool:
    """Whether `domain` matches one of `senders.trusted_domains` (see `inspect/sender`)."""
    if not domain:
        return False
    domain = normalize_domain(domain)
    for raw in patterns:
        pattern = normalize_domain(str(raw).lstrip("@"))
        if not pattern:
            continue
        if pattern.startswith("*.") and not any(c in pattern[2:] for c in "*?["):
            if domain.endswith("." + pattern[2:]):
                return True
        elif any(c in pattern for c in "*?["):
            if fnmatch.fnmatchcase(domain, pattern):
                return True
        elif domain == pattern:
            return True
    return False
