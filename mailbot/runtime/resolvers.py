"""The network look-ups the runtime hands to the pure inspect stage (docs/DESIGN.md §2).

`inspect/sender` checks DKIM signatures but looks nothing up itself: the
pipeline, the inspection workers and `mailbot explain` pass `dns_txt` (through
`inspect_message(..., dns=...)`), tests pass keys served from memory, and
without one no key is looked up at all.
"""

from __future__ import annotations

DNS_TIMEOUT = 5.0       # one look-up (inspect/sender asks for at most this and bounds the total)


def dns_txt(name: bytes | str, timeout: float = DNS_TIMEOUT) -> bytes | None:
    """The TXT record at `name` (dnspython, the system's resolvers), its strings joined:
    None when the name or the record does not exist; raises on SERVFAIL or a timeout
    (dkimpy's own helper reports SERVFAIL as a missing key). Matches dkimpy's `dnsfunc`
    and `inspect.sender.DnsTxt`; a module-level function, so it pickles into workers."""
    import dns.resolver

    qname = name.decode("ascii") if isinstance(name, bytes) else str(name)
    try:
        answer = dns.resolver.resolve(qname, "TXT", lifetime=timeout, raise_on_no_answer=False, search=False)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return None
    for rdata in answer:
        return b"".join(rdata.strings)
    return None
