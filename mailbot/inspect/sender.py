"""Sender authentication (docs/DESIGN.md §3 invariant 4: no forged official documents).

A message counts as *from* its From domain only when one of these holds:

1. **Our own MTA said so.** The topmost ``Authentication-Results`` header
   (RFC 8601) carries ``senders.authserv_id`` and reports ``dmarc=pass`` for
   the From domain, or ``dkim=pass`` with a ``header.d`` aligned to it.
   Any other A-R header is ignored: one lower down, one with another
   authserv-id, and also our-id headers that sit below a ``Received`` line
   written by a host outside our organisation (it was in the message before
   a foreign server handled it, so someone else wrote it).
2. **We verified it ourselves.** A DKIM signature (RFC 6376, dkimpy) that
   verifies and whose ``d=`` is aligned with the From domain (DMARC relaxed
   alignment, RFC 7489 §3.1.1).

…and the message has exactly one From header holding exactly one mailbox.

Decisions written down here (see also the report of ``check_sender``):

- **Organisational domain** (for relaxed alignment) is computed simply, with
  no public-suffix list: the last three labels when the domain ends in a
  generic second-level label under a two-letter country code
  (``gov.vn``, ``com.vn``, ``edu.vn``, ``org.vn``, ``net.vn``, ``ac.vn``,
  ``co.uk`` …, see ``sender_domains._GENERIC_SLD``), otherwise the last two. So
  ``stc.quangngai.gov.vn`` → ``quangngai.gov.vn``: a signature by
  ``d=quangngai.gov.vn`` (or by a sibling such as ``d=stp.quangngai.gov.vn``)
  aligns with ``vanthu@stc.quangngai.gov.vn``; ``d=gov.vn`` or
  ``d=binhdinh.gov.vn`` do not.
- **Agency domains** (``senders.trusted_domains``) are matched case-blind:
  ``*.X`` matches every proper subdomain of ``X`` (any depth) but *not* ``X``
  itself — list ``gov.vn`` separately to include the bare domain; a pattern
  with other wildcards uses fnmatch; anything else is an exact domain.
- Signatures that are not accepted even though they verify: ``rsa-sha1``
  (RFC 8301), RSA keys under 1024 bits, signatures that do not sign From,
  ``l=`` body lengths that leave part of the body unsigned, ``t=`` in the
  future or ``x=`` in the past relative to ``now``.
- Work is bounded: at most ``MAX_SIGNATURES`` DKIM signatures are checked
  (those aligned with From first), at most ``MAX_DNS_SECONDS`` are spent on
  key look-ups in total.
- A forwarded message (``message/rfc822`` part) is never looked at: only the
  outer header block decides.

Pure (docs/DESIGN.md §2): the DKIM key look-up is handed in as ``dnsfunc``
(the runtime passes ``mailbot.runtime.resolvers.dns_txt``, tests an in-memory
one); without it no key is looked up (see ``inspect/sender_dkim``).
``check_sender`` never raises. Domains: ``inspect/sender_domains``; our own
DKIM check: ``inspect/sender_dkim``.
"""

from __future__ import annotations

import ipaddress
import re
import time
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.parser import BytesParser
from typing import Any, Literal

from mailbot.config import Senders
from mailbot.inspect.sender_dkim import (  # noqa: F401 - re-exported: the bounds of the check
    DNS_TIMEOUT,
    MAX_DNS_SECONDS,
    MAX_SIGNATURES,
    MIN_RSA_BITS,
    TIME_SLOP,
    DnsTxt,
    _verify_dkim,
)
from mailbot.inspect.sender_domains import aligned, is_agency_domain, normalize_domain, organizational_domain
from mailbot.model import Reason

RULE = "mailbot: chống giả mạo người gửi (docs/DESIGN.md §3); DKIM RFC 6376, DMARC RFC 7489, Authentication-Results RFC 8601"

MAX_AR_HEADERS = 20         # Authentication-Results headers described in the details

AUTH_ARHEADER = "authentication-results"


@dataclass(frozen=True)
class SenderCheck:
    """What sender authentication found for one message."""

    sender: str | None          # the single From mailbox (lower-case); None unless exactly one
    domain: str | None          # its domain (lower-case, IDNA A-labels)
    agency: bool                # the From domain matches senders.trusted_domains
    authenticated: bool         # aligned pass by our MTA's A-R or by our own DKIM check
    method: str                 # "authserv-id" | "dkim" | "none"
    reason: Reason | None       # why not authenticated (None when authenticated)
    details: dict[str, Any] = field(default_factory=dict)  # JSON-safe: From, A-R seen, DKIM results


def _unfold(value: str) -> str:
    return re.sub(r"\r?\n[ \t]+", " ", value).replace("\r", "").replace("\n", "").strip()


def _headers(raw: bytes) -> list[tuple[str, str]]:
    """The outer header block in order, as (name, unfolded raw value)."""
    # Only the header block is handed to the parser: with headersonly it would still
    # decode and split the whole body (megabytes of attachments) into lines.
    end = min((i for i in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if i >= 0), default=len(raw))
    msg = BytesParser(policy=policy.compat32).parsebytes(raw[:end] + b"\n\n", headersonly=True)
    out = []
    for name, value in msg.items():
        try:
            out.append((str(name), _unfold(str(value))))
        except Exception:  # noqa: BLE001 - unreadable: kept empty, so it still counts (e.g. a 2nd From)
            out.append((str(name), ""))
    return out


def _mailboxes(value: str) -> list[str] | None:
    """addr-specs of one From value (policy.default), or None when it cannot be read."""
    try:
        header = policy.default.header_factory("from", value)
        found = []
        for addr in header.addresses:
            spec = (addr.addr_spec or "").strip()
            if spec and spec != "<>":
                found.append(spec)
        if getattr(header, "defects", None) and not found:
            return None
        return found
    except Exception:  # noqa: BLE001 - policy.default raises on some malformed headers
        return None


def _domain_of(address: str) -> str:
    return normalize_domain(address.rpartition("@")[2]) if "@" in address else ""


_BY = re.compile(r"\bby\s+\[?([A-Za-z0-9.:_\-]+)\]?", re.IGNORECASE)


def _internal_host(host: str, authserv_id: str) -> bool:
    """A `by` host of a Received line that belongs to our own mail system."""
    host = host.strip().strip(".").lower()
    host = host.removeprefix("ipv6:")
    try:
        ip = ipaddress.ip_address(host)
        return ip.is_loopback or ip.is_private or ip.is_link_local
    except ValueError:
        pass
    if "." not in host or host == "localhost":
        return True
    ours = normalize_domain(authserv_id)
    org = organizational_domain(ours) if "." in ours else ours
    return host == ours or host == org or host.endswith("." + org)


def _ar_summary(value: str) -> dict[str, Any]:
    """Parse one A-R value with authres; JSON-safe summary."""
    import authres

    parsed = authres.AuthenticationResultsHeader.parse_value(value)
    results = []
    for res in parsed.results[:20]:
        props = {f"{p.type}.{p.name}".lower(): str(p.value) for p in getattr(res, "properties", [])}
        results.append({"method": str(res.method).lower(), "result": str(res.result).lower(), **props})
    return {"authserv_id": str(parsed.authserv_id or ""), "results": results}


def _ar_pass(summary: dict[str, Any], from_domain: str) -> str | None:
    """Why this (trusted) A-R authenticates `from_domain`, or None."""
    for res in summary["results"]:
        if res["method"] == "dmarc" and res["result"] == "pass":
            hdr_from = normalize_domain(res.get("header.from", from_domain))
            if hdr_from == from_domain:
                return "dmarc=pass"
    for res in summary["results"]:
        if res["method"] == "dkim" and res["result"] == "pass":
            d = res.get("header.d") or _domain_of(res.get("header.i", ""))
            if d and aligned(d, from_domain):
                return f"dkim=pass header.d={normalize_domain(d)} (aligned)"
    return None


def _check_authserv(headers: list[tuple[str, str]], authserv_id: str | None,
                    from_domain: str) -> tuple[str | None, list[dict[str, Any]]]:
    """(why it passed or None, description of every A-R header seen)."""
    positions = [i for i, (name, _) in enumerate(headers) if name.lower() == AUTH_ARHEADER]
    seen: list[dict[str, Any]] = []
    verdict: str | None = None
    ours = (authserv_id or "").strip().lower()
    for rank, pos in enumerate(positions[:MAX_AR_HEADERS]):
        entry: dict[str, Any] = {"position": pos, "used": False}
        try:
            entry.update(_ar_summary(headers[pos][1]))
        except Exception as exc:  # noqa: BLE001 - unparseable A-R: described, never trusted
            entry.update({"authserv_id": headers[pos][1].split(";", 1)[0].strip()[:200], "results": [],
                          "error": f"unparseable: {type(exc).__name__}"})
        seen.append(entry)
        if rank > 0:
            entry["ignored"] = "not the topmost Authentication-Results header"
            continue
        if not ours:
            entry["ignored"] = "no senders.authserv_id configured"
            continue
        if entry["authserv_id"].lower() != ours:
            entry["ignored"] = f"authserv-id is not ours ({ours})"
            continue
        if "error" in entry:
            entry["ignored"] = "could not be parsed"
            continue
        foreign = []
        for name, value in headers[:pos]:
            if name.lower() == "received":
                m = _BY.search(value)
                if m and not _internal_host(m.group(1), ours):
                    foreign.append(m.group(1).lower())
        if foreign:
            entry["ignored"] = f"below a Received header written by an outside host ({foreign[0]})"
            continue
        entry["used"] = True
        verdict = _ar_pass(entry, from_domain)
        entry["passed"] = verdict
    return verdict, seen


def _reason(code: str, vi: str, en: str) -> Reason:
    return Reason(code, vi, en, RULE)


def _not_authenticated(sender: str, domain: str, agency: bool, dkim_entries: list[dict[str, Any]],
                       matched: str | None) -> Reason:
    aligned_ = [e for e in dkim_entries if e.get("aligned")]
    dns_failed = [e for e in aligned_ if e.get("result") == "temperror"]
    if dns_failed:
        why_en = (f"could not verify (DNS): the key look-up for the DKIM signature of "
                  f"{dns_failed[0]['d']} failed ({dns_failed[0].get('error', '')})")
        why_vi = (f"không kiểm tra được chữ ký DKIM của tên miền {dns_failed[0]['d']} "
                  f"do lỗi tra cứu DNS")
        code = "sender_unverified_dns"
    elif aligned_:
        e = aligned_[0]
        why_en = f"the DKIM signature of {e['d']} is not valid: {e.get('error', e.get('result'))}"
        why_vi = f"chữ ký DKIM của tên miền {e['d']} không hợp lệ"
        if e.get("result") == "fail":
            why_vi += " (thư có thể đã bị sửa đổi sau khi ký)"
        code = "sender_forged_agency" if agency else "sender_not_authenticated"
    else:
        others = sorted({e["d"] for e in dkim_entries if e.get("result") == "pass" and e.get("d")})
        if others:
            why_en = (f"signed only by {', '.join(others)}, which is not aligned with {domain} (DMARC)")
            why_vi = f"thư chỉ được ký bởi {', '.join(others)}, không phải tên miền của người gửi"
        else:
            why_en = f"no valid DKIM signature of {domain} and no pass from our mail server"
            why_vi = f"không có chữ ký DKIM hợp lệ của tên miền {domain}"
        code = "sender_forged_agency" if agency else "sender_not_authenticated"
    if agency:
        vi = (f"Thư mạo danh hoặc chưa xác thực được địa chỉ cơ quan nhà nước {sender}: {why_vi}. "
              f"Thư được giữ lại để văn thư xem xét, chưa gửi phản hồi.")
        en = (f"From {sender} is an agency domain (matches {matched!r}) but the sender is not "
              f"authenticated: {why_en}; quarantined for a person")
    else:
        vi = (f"Người gửi {sender} chưa được xác thực ({why_vi}); "
              f"thư được tiếp nhận với ghi chú “người gửi chưa xác thực”.")
        en = f"unauthenticated sender {sender}: {why_en}"
    return _reason(code, vi, en)


def _matched_pattern(domain: str, patterns: list[str]) -> str | None:
    for pattern in patterns:
        if is_agency_domain(domain, [pattern]):
            return pattern
    return None


def check_sender(raw: bytes, senders: Senders, *, dnsfunc: DnsTxt | None = None,
                 now: float | datetime | None = None) -> SenderCheck:
    """Authenticate the From of `raw` (see the module doc). Never raises.

    `dnsfunc(name: bytes, timeout=…) -> bytes | None` looks up DKIM keys (TXT),
    handed in by the caller; None: no look-ups (DKIM signatures stay unverified,
    `temperror`). `now` (epoch seconds or an aware datetime, default: the clock)
    is the time t=/x= of signatures are judged against.
    """
    try:
        return _check(raw, senders, dnsfunc, now)
    except Exception as exc:  # noqa: BLE001 - invariant: never raises, fails closed
        return SenderCheck(
            None, None, False, False, "none",
            _reason("sender_check_failed",
                    "Không kiểm tra được người gửi; thư cần văn thư xem xét.",
                    f"sender authentication failed: {type(exc).__name__}: {exc}"),
            {"error": f"{type(exc).__name__}: {exc}"[:300]})


def _check(raw: bytes, senders: Senders, dnsfunc: DnsTxt | None,
           now: float | datetime | None) -> SenderCheck:
    if isinstance(now, datetime):
        now_ts = now.timestamp()
    else:
        now_ts = float(now) if now is not None else time.time()
    patterns = list(senders.trusted_domains)
    headers = _headers(raw)
    from_values = [value for name, value in headers if name.lower() == "from"]
    mailboxes: list[str] = []
    unreadable = False
    for value in from_values:
        found = _mailboxes(value)
        if found is None:
            unreadable = True
        else:
            mailboxes.extend(found)
    details: dict[str, Any] = {"from_headers": len(from_values),
                               "from_addresses": [m.lower() for m in mailboxes][:10]}

    if len(from_values) > 1 or len(mailboxes) > 1:
        agency = any(is_agency_domain(_domain_of(m), patterns) for m in mailboxes)
        n = max(len(from_values), len(mailboxes))
        return SenderCheck(None, None, agency, False, "none", _reason(
            "multiple_from",
            "Thư có nhiều hơn một địa chỉ người gửi (From); không xác thực được người gửi, "
            "thư được giữ lại để văn thư xem xét.",
            f"{len(from_values)} From header(s) with {len(mailboxes)} mailbox(es) ({n} senders): "
            f"exactly one From mailbox is required"), details)
    address = mailboxes[0].lower() if mailboxes else ""
    domain = _domain_of(address)
    if not address or not domain or "@" not in address:
        what = "unreadable" if unreadable else ("missing" if not from_values else "without a mailbox")
        return SenderCheck(None, None, False, False, "none", _reason(
            "no_from",
            "Thư không có địa chỉ người gửi (From) hợp lệ; thư được giữ lại để văn thư xem xét.",
            f"the From header is {what}: exactly one From mailbox is required"), details)

    sender = address.rpartition("@")[0] + "@" + domain
    matched = _matched_pattern(domain, patterns)
    agency = matched is not None

    verdict, ar_seen = _check_authserv(headers, senders.authserv_id, domain)
    details["authentication_results"] = ar_seen
    if verdict is not None:
        details["authenticated_by"] = f"{senders.authserv_id}: {verdict}"
        return SenderCheck(sender, domain, agency, True, "authserv-id", None, details)

    winner, dkim_entries = None, []
    if any(name.lower() == "dkim-signature" for name, _ in headers):
        winner, dkim_entries = _verify_dkim(raw, domain, dnsfunc, now_ts, MAX_DNS_SECONDS)
    details["dkim"] = dkim_entries
    if winner is not None:
        details["authenticated_by"] = f"dkim d={winner['d']} s={winner['s']} (aligned with {domain})"
        return SenderCheck(sender, domain, agency, True, "dkim", None, details)
    return SenderCheck(sender, domain, agency, False, "none",
                       _not_authenticated(sender, domain, agency, dkim_entries, matched), details)


def sender_policy(check: SenderCheck, senders: Senders) -> Literal["trusted", "citizen", "quarantine"]:
    """trusted: authenticated agency; citizen: anyone else with one From (accepted, marked
    unauthenticated when so); quarantine: an agency domain not authenticated, or not exactly
    one From mailbox."""
    if check.sender is None or check.domain is None:
        return "quarantine"
    agency = is_agency_domain(check.domain, list(senders.trusted_domains))
    if agency:
        return "trusted" if check.authenticated else "quarantine"
    return "citizen"


__all__ = [
    "DnsTxt",
    "SenderCheck",
    "aligned",
    "check_sender",
    "is_agency_domain",
    "normalize_domain",
    "organizational_domain",
    "sender_policy",
]
