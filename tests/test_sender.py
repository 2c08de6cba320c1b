"""Sender authentication (docs/DESIGN.md §3 invariant 4) with real dkimpy signatures.

Keys are made here, messages signed with dkimpy, and keys served from memory
(tests/support/dkim_keys.FakeDNS): no test touches real DNS.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mailbot.config import Senders
from mailbot.inspect import sender as sender_mod
from mailbot.inspect.sender import (
    aligned,
    check_sender,
    is_agency_domain,
    organizational_domain,
    sender_policy,
)
from tests.support.dkim_keys import (
    FakeDNS,
    ed25519_key,
    message,
    nacl_available,
    rsa_key,
    sign,
    sign_without_from,
    weak_rsa_key,
)

OUR_MTA = "mail.quangngai.gov.vn"
AGENCY = "Sở Tài chính <vanthu@stc.quangngai.gov.vn>"
FORGED_PREFIX = "Thư mạo danh hoặc chưa xác thực được địa chỉ cơ quan nhà nước"


@pytest.fixture(autouse=True)
def no_real_dns(monkeypatch):
    """Any look-up through a real resolver (dnspython, dkimpy's own) fails the test."""
    calls = []

    def refuse(name, *args, **kwargs):
        calls.append(name)
        raise OSError("real DNS used in a test")

    import dkim.dnsplug
    import dns.resolver
    monkeypatch.setattr(dkim.dnsplug, "get_txt", refuse)
    monkeypatch.setattr(dns.resolver, "resolve", refuse)
    monkeypatch.setattr(dns.resolver.Resolver, "resolve", lambda self, name, *a, **kw: refuse(name))
    yield
    assert calls == [], f"real DNS was asked for {calls}"


@pytest.fixture
def senders():
    return Senders(trusted_domains=["*.gov.vn"], authserv_id=OUR_MTA)


@pytest.fixture
def province_key():
    return rsa_key("quangngai.gov.vn", "mail")


@pytest.fixture
def dns(province_key):
    return FakeDNS().publish(province_key)


def checked(raw, senders, dns, **kw):
    result = check_sender(raw, senders, dnsfunc=dns, **kw)
    return result, sender_policy(result, senders)


# -- own DKIM verification ------------------------------------------------------------

def test_valid_agency_dkim_aligned_is_trusted(senders, dns, province_key):
    check, policy = checked(sign(message(AGENCY), province_key), senders, dns)
    assert (check.sender, check.domain) == ("vanthu@stc.quangngai.gov.vn", "stc.quangngai.gov.vn")
    assert check.agency and check.authenticated
    assert check.method == "dkim" and check.reason is None
    assert policy == "trusted"
    assert dns.asked == [b"mail._domainkey.quangngai.gov.vn."]
    assert check.details["dkim"][0] | {} == {"index": 0, "d": "quangngai.gov.vn", "s": "mail",
                                            "a": "rsa-sha256", "aligned": True, "result": "pass"}


def test_unsigned_agency_mail_is_quarantined(senders, dns):
    check, policy = checked(message(AGENCY), senders, dns)
    assert check.agency and not check.authenticated and check.method == "none"
    assert policy == "quarantine"
    assert check.reason.code == "sender_forged_agency"
    assert check.reason.message_vi.startswith(FORGED_PREFIX)
    assert "*.gov.vn" in check.reason.message_en


@pytest.mark.skipif(not nacl_available(), reason="ed25519 DKIM needs pynacl")
def test_ed25519_signature_is_verified(senders):
    key = ed25519_key("stc.quangngai.gov.vn")
    raw = sign(message(AGENCY), key)
    check, policy = checked(raw, senders, FakeDNS().publish(key))
    assert check.authenticated and check.method == "dkim" and policy == "trusted"
    assert check.details["dkim"][0]["a"] == "ed25519-sha256"
    tampered = raw.replace("Kính gửi".encode(), b"Kinh gui")
    assert not checked(tampered, senders, FakeDNS().publish(key))[0].authenticated


def test_signature_by_another_domain_is_not_aligned(senders):
    """gmail.com signs a message whose From is a gov.vn address: valid DKIM, wrong domain."""
    gmail = rsa_key("gmail.com", "20230601")
    dns = FakeDNS().publish(gmail)
    check, policy = checked(sign(message(AGENCY), gmail), senders, dns)
    assert dns.asked, "the gmail signature must really be verified"
    assert check.details["dkim"][0]["result"] == "pass"
    assert check.details["dkim"][0]["aligned"] is False
    assert not check.authenticated and policy == "quarantine"
    assert check.reason.code == "sender_forged_agency"
    assert "gmail.com" in check.reason.message_en and "not aligned" in check.reason.message_en


@pytest.mark.parametrize("signer, ok", [
    ("quangngai.gov.vn", True),          # parent (organisational) domain: relaxed alignment
    ("stc.quangngai.gov.vn", True),      # exact
    ("stp.quangngai.gov.vn", True),      # sibling under the same organisational domain
    ("binhdinh.gov.vn", False),          # another province
    ("gov.vn", False),                   # the public suffix itself
    ("quangngai.gov.vn.evil.com", False),
])
def test_relaxed_alignment_of_subdomains(senders, province_key, signer, ok):
    key = province_key.other_domain(signer)
    check, policy = checked(sign(message(AGENCY), key), senders, FakeDNS().publish(key))
    assert check.details["dkim"][0]["result"] == "pass"
    assert check.authenticated is ok
    assert policy == ("trusted" if ok else "quarantine")


def test_body_modified_after_signing_fails(senders, dns, province_key):
    raw = sign(message(AGENCY, body="Số tiền: 1.000.000 đồng.\r\n"), province_key)
    assert checked(raw, senders, dns)[0].authenticated          # as signed: passes
    tampered = raw.replace(b"1.000.000", b"9.000.000")
    check, policy = checked(tampered, senders, dns)
    assert not check.authenticated and policy == "quarantine"
    assert check.details["dkim"][0]["result"] == "fail"
    assert "sửa đổi sau khi ký" in check.reason.message_vi


def test_from_changed_after_signing_fails(senders, dns, province_key):
    raw = sign(message(AGENCY), province_key)
    tampered = raw.replace(b"vanthu@stc.quangngai.gov.vn", b"giamdoc@stc.quangngai.gov.vn")
    check, policy = checked(tampered, senders, dns)
    assert check.sender == "giamdoc@stc.quangngai.gov.vn"
    assert not check.authenticated and policy == "quarantine"


def test_weak_rsa_key_is_refused(senders):
    weak = weak_rsa_key("stc.quangngai.gov.vn", bits=512)
    check, policy = checked(sign(message(AGENCY), weak), senders, FakeDNS().publish(weak))
    assert not check.authenticated and policy == "quarantine"
    assert "too small" in check.details["dkim"][0]["error"]


def test_rsa_sha1_is_refused(senders, dns, province_key):
    raw = sign(message(AGENCY), province_key, algorithm=b"rsa-sha1")
    check, _ = checked(raw, senders, dns)
    assert check.details["dkim"][0]["a"] == "rsa-sha1"
    assert not check.authenticated
    assert "RFC 8301" in check.details["dkim"][0]["error"]


def test_signature_must_cover_from(senders, dns, province_key):
    check, _ = checked(sign_without_from(message(AGENCY), province_key), senders, dns)
    assert check.details["dkim"][0]["result"] == "policy"       # dkimpy itself says it verifies
    assert not check.authenticated and "From" in check.details["dkim"][0]["error"]


def test_body_length_tag_does_not_cover_appended_content(senders, dns, province_key):
    raw = sign(message(AGENCY), province_key, length=True)
    assert checked(raw, senders, dns)[0].authenticated           # l= equal to the body: fine
    extended = raw + "Chuyển tiền vào tài khoản 0123456789.\r\n".encode()
    check, policy = checked(extended, senders, dns)
    assert check.details["dkim"][0]["result"] == "policy"       # dkimpy itself says it verifies
    assert not check.authenticated and policy == "quarantine"


def test_signature_dated_after_now_is_refused(senders, dns, province_key):
    raw = sign(message(AGENCY), province_key)
    assert checked(raw, senders, dns, now=datetime.now(UTC))[0].authenticated
    check, _ = checked(raw, senders, dns, now=datetime.now(UTC) - timedelta(days=2))
    assert not check.authenticated and "future" in check.details["dkim"][0]["error"]


def test_dns_failure_is_not_authenticated_with_a_clear_reason(senders, dns, province_key):
    dns.fail(province_key)
    check, policy = checked(sign(message(AGENCY), province_key), senders, dns)
    assert not check.authenticated and policy == "quarantine"
    assert check.reason.code == "sender_unverified_dns"
    assert "could not verify (DNS)" in check.reason.message_en
    assert "DNS" in check.reason.message_vi and check.reason.message_vi.startswith(FORGED_PREFIX)
    assert check.details["dkim"][0]["result"] == "temperror"


@pytest.mark.parametrize("answer", [lambda: 42, lambda: 1 / 0, lambda: "v=DKIM1; p=!!!", lambda: b"\xff\x00"])
def test_broken_dns_answers_never_raise(senders, province_key, answer):
    check, policy = checked(sign(message(AGENCY), province_key), senders,
                            lambda name, timeout=5: answer())
    assert not check.authenticated and policy == "quarantine"


def test_key_not_published(senders, province_key):
    check, _ = checked(sign(message(AGENCY), province_key), senders, FakeDNS())
    assert not check.authenticated
    assert check.details["dkim"][0]["result"] == "permerror"
    assert check.reason.code == "sender_forged_agency"


def test_dns_time_budget_is_bounded(senders, dns, province_key, monkeypatch):
    monkeypatch.setattr(sender_mod, "MAX_DNS_SECONDS", 0.0)
    check, _ = checked(sign(message(AGENCY), province_key), senders, dns)
    assert dns.asked == [] and not check.authenticated
    assert check.reason.code == "sender_unverified_dns"


def _many_signatures(province_key, bad: int) -> tuple[bytes, FakeDNS]:
    """One good signature (bottom) under `bad` aligned signatures that do not verify."""
    dns = FakeDNS().publish(province_key)
    raw = sign(message(AGENCY), province_key)
    for i in range(bad):
        wrong = rsa_key("quangngai.gov.vn", f"bad{i}", bits=1024, n=1)
        raw = sign(raw, wrong)
        dns.records[f"bad{i}._domainkey.quangngai.gov.vn.".encode()] = rsa_key(
            "quangngai.gov.vn", bits=1024, n=2).txt     # published key does not match
    return raw, dns


def test_signatures_aligned_with_from_are_checked_first(senders, province_key):
    """Five relays' signatures on top cannot push the sender's own signature out of the bound."""
    dns = FakeDNS().publish(province_key)
    raw = sign(message(AGENCY), province_key)
    for i in range(5):
        relay = rsa_key(f"relay{i}.example.net", "s", bits=1024, n=1)
        raw = sign(raw, relay)
        dns.publish(relay)
    check, policy = checked(raw, senders, dns)
    assert check.authenticated and policy == "trusted"
    assert dns.asked[0] == province_key.dns_name and len(dns.asked) == 5


def test_at_most_five_signatures_are_checked(senders, province_key):
    raw, dns = _many_signatures(province_key, bad=4)
    assert checked(raw, senders, dns)[0].authenticated       # the 5th is the good one
    raw, dns = _many_signatures(province_key, bad=6)
    check, policy = checked(raw, senders, dns)
    assert not check.authenticated and policy == "quarantine"
    results = [e["result"] for e in check.details["dkim"]]
    assert results.count("skipped") == 2 and results.count("fail") == 5
    assert len(dns.asked) == 5


# -- Authentication-Results of our own MTA ---------------------------------------------------

OUTSIDE_HOP = ("Received", ("from mail-ej1.google.com (mail-ej1.google.com [209.85.218.41]) "
                            "by mail.quangngai.gov.vn (Postfix) with ESMTPS id 4Xy; Mon, 2 Mar 2026 09:00:01 +0700"))
INTERNAL_HOP = ("Received", ("from mail.quangngai.gov.vn by mailbox.quangngai.gov.vn (Dovecot) with LMTP "
                             "id abc; Mon, 2 Mar 2026 09:00:02 +0700"))


def ar(authserv_id=OUR_MTA, results="dmarc=pass (p=reject) header.from=stc.quangngai.gov.vn"):
    return ("Authentication-Results", f"{authserv_id}; {results}")


def test_our_topmost_ar_with_dmarc_pass_is_trusted(senders, dns):
    raw = message(AGENCY, top=[INTERNAL_HOP, ar(), OUTSIDE_HOP])
    check, policy = checked(raw, senders, dns)
    assert check.authenticated and check.method == "authserv-id" and policy == "trusted"
    assert check.details["authentication_results"][0]["used"] is True
    assert dns.asked == []


def test_our_ar_with_aligned_dkim_pass_is_trusted(senders, dns):
    raw = message(AGENCY, top=[ar(results="dkim=pass header.d=quangngai.gov.vn header.s=mail"), OUTSIDE_HOP])
    assert checked(raw, senders, dns)[0].method == "authserv-id"
    raw = message(AGENCY, top=[ar(results="dkim=pass header.d=gmail.com; dmarc=fail"), OUTSIDE_HOP])
    check, policy = checked(raw, senders, dns)
    assert not check.authenticated and policy == "quarantine"


def test_our_ar_about_another_from_domain_does_not_count(senders, dns):
    raw = message(AGENCY, top=[ar(results="dmarc=pass header.from=gmail.com"), OUTSIDE_HOP])
    assert not checked(raw, senders, dns)[0].authenticated


def test_forged_ar_below_a_foreign_hop_is_ignored(senders, dns):
    """Our MTA added no A-R; the sender wrote one with our id before Google relayed it."""
    foreign = ("Received", "from attacker.example by mx.google.com with ESMTPS id x1; Mon, 2 Mar 2026 08:59:00 +0000")
    raw = message(AGENCY, top=[OUTSIDE_HOP, foreign, ar()])
    check, policy = checked(raw, senders, dns)
    assert not check.authenticated and policy == "quarantine"
    seen = check.details["authentication_results"][0]
    assert seen["used"] is False and "mx.google.com" in seen["ignored"]
    # The same header with only our own hops above it is believed: the check is the position.
    assert checked(message(AGENCY, top=[INTERNAL_HOP, OUTSIDE_HOP, ar()]), senders, dns)[0].authenticated


def test_our_ar_that_is_not_topmost_is_ignored(senders, dns):
    honest = ar(results="dmarc=fail (p=reject) header.from=stc.quangngai.gov.vn")
    raw = message(AGENCY, top=[honest, OUTSIDE_HOP, ar()])
    check, policy = checked(raw, senders, dns)
    assert not check.authenticated and policy == "quarantine"
    assert [e["used"] for e in check.details["authentication_results"]] == [True, False]
    # Another server's A-R on top: ours below it is not trusted either.
    raw = message(AGENCY, top=[ar("mx.google.com", "dmarc=none"), ar()])
    assert not checked(raw, senders, dns)[0].authenticated


def test_ar_with_another_authserv_id_is_ignored(senders, dns):
    raw = message(AGENCY, top=[ar("mx.google.com"), OUTSIDE_HOP])
    check, policy = checked(raw, senders, dns)
    assert not check.authenticated and policy == "quarantine"
    assert "not ours" in check.details["authentication_results"][0]["ignored"]


def test_ar_is_ignored_without_a_configured_authserv_id(dns):
    senders = Senders(trusted_domains=["*.gov.vn"], authserv_id=None)
    raw = message(AGENCY, top=[ar(), OUTSIDE_HOP])
    check, _ = checked(raw, senders, dns)
    assert not check.authenticated
    assert "no senders.authserv_id" in check.details["authentication_results"][0]["ignored"]


@pytest.mark.parametrize("by, trusted", [
    ("[10.0.0.5]", True), ("127.0.0.1", True), ("[IPv6:::1]", True), ("localhost", True),
    ("mailbox", True), ("mx2.quangngai.gov.vn", True),
    ("[209.85.218.41]", False), ("mx.google.com", False), ("quangngai.gov.vn.evil.com", False), ("mx.evilquangngai.gov.vn", False),
])
def test_which_hops_above_our_ar_count_as_ours(senders, dns, by, trusted):
    hop = ("Received", f"from mail.quangngai.gov.vn by {by} with LMTP id q; Mon, 2 Mar 2026 09:00:03 +0700")
    raw = message(AGENCY, top=[hop, ar(), OUTSIDE_HOP])
    assert checked(raw, senders, dns)[0].authenticated is trusted


@pytest.mark.parametrize("value", ["", ";;;", "mail.quangngai.gov.vn; dmarc", "mail.quangngai.gov.vn; ===",
                                   "mail.quangngai.gov.vn (unclosed; dmarc=pass"])
def test_unparseable_ar_is_ignored(senders, dns, value):
    check, _ = checked(message(AGENCY, top=[("Authentication-Results", value)]), senders, dns)
    assert not check.authenticated


def test_ar_falls_back_to_own_dkim(senders, dns, province_key):
    """Our MTA's A-R says nothing useful (e.g. several milters): our own check still runs."""
    raw = sign(message(AGENCY, top=[]), province_key)
    raw = b"Authentication-Results: " + OUR_MTA.encode() + b"; spf=pass smtp.mailfrom=x@y\r\n" + raw
    check, _ = checked(raw, senders, dns)
    assert check.authenticated and check.method == "dkim"


# -- exactly one From ---------------------------------------------------------------------

def test_two_from_headers(senders, dns, province_key):
    raw = message(AGENCY, headers=[("From", "giamdoc@stc.quangngai.gov.vn")])
    check, policy = checked(raw, senders, dns)
    assert check.sender is None and not check.authenticated
    assert check.reason.code == "multiple_from" and policy == "quarantine"
    assert check.agency


def test_second_empty_from_header(senders, dns):
    raw = message(AGENCY, headers=[("From", "")])
    check, policy = checked(raw, senders, dns)
    assert check.reason.code == "multiple_from" and policy == "quarantine"


def test_from_with_two_mailboxes(senders, dns):
    raw = message("vanthu@stc.quangngai.gov.vn, ban@gmail.com")
    check, policy = checked(raw, senders, dns)
    assert check.reason.code == "multiple_from" and policy == "quarantine"


def test_second_from_added_after_signing(senders, dns, province_key):
    raw = b"From: attacker@gmail.com\r\n" + sign(message(AGENCY), province_key)
    check, policy = checked(raw, senders, dns)
    assert check.reason.code == "multiple_from" and not check.authenticated and policy == "quarantine"


def test_trusted_ar_does_not_override_two_from(senders, dns):
    raw = message(AGENCY, top=[ar(), OUTSIDE_HOP], headers=[("From", "ban@gmail.com")])
    check, policy = checked(raw, senders, dns)
    assert not check.authenticated and check.reason.code == "multiple_from" and policy == "quarantine"


@pytest.mark.parametrize("raw", [
    b"To: ubnd@quangngai.gov.vn\r\nSubject: x\r\n\r\nbody",
    b"From: undisclosed-recipients:;\r\nSubject: x\r\n\r\nbody",
    b"From: Van thu\r\nSubject: x\r\n\r\nbody",
])
def test_no_from_mailbox(senders, dns, raw):
    check, policy = checked(raw, senders, dns)
    assert check.sender is None and check.reason.code == "no_from" and policy == "quarantine"


def test_display_name_cannot_claim_an_agency(senders, dns):
    raw = message('"vanthu@stc.quangngai.gov.vn" <lua.dao@gmail.com>')
    check, policy = checked(raw, senders, dns)
    assert check.sender == "lua.dao@gmail.com" and not check.agency and policy == "citizen"


# -- citizens, companies, forwarded messages ---------------------------------------------------------

def test_unsigned_citizen_mail_is_accepted_marked_unauthenticated(senders, dns):
    check, policy = checked(message("Nguyễn Văn A <nguyenvana@gmail.com>"), senders, dns)
    assert check.sender == "nguyenvana@gmail.com" and not check.agency
    assert not check.authenticated and policy == "citizen"
    assert check.reason.code == "sender_not_authenticated"
    assert "chưa xác thực" in check.reason.message_vi


def test_signed_company_mail_is_authenticated_citizen(senders):
    key = rsa_key("congty.com.vn", "s1")
    check, policy = checked(sign(message("ketoan@congty.com.vn"), key), senders, FakeDNS().publish(key))
    assert check.authenticated and check.reason is None and policy == "citizen"


def _forward(outer_from: str, inner: bytes) -> bytes:
    head = (f"From: {outer_from}\r\nTo: ubnd@quangngai.gov.vn\r\nSubject: Fwd: Công văn\r\n"
            "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
            "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nChuyển tiếp công văn.\r\n"
            "--b1\r\nContent-Type: message/rfc822\r\n\r\n").encode()
    return head + inner + b"\r\n--b1--\r\n"


def test_forwarded_agency_message_does_not_authenticate_the_forwarder(senders, dns, province_key):
    inner = sign(message(AGENCY), province_key)
    assert checked(inner, senders, dns)[0].authenticated       # the inner message on its own is genuine
    dns.asked.clear()
    check, policy = checked(_forward("ban@gmail.com", inner), senders, dns)
    assert check.sender == "ban@gmail.com" and not check.agency
    assert not check.authenticated and policy == "citizen"
    # Outer From claims the agency, only the forwarded copy is signed: quarantine.
    check, policy = checked(_forward("vanthu@stc.quangngai.gov.vn", inner), senders, dns)
    assert check.agency and not check.authenticated and policy == "quarantine"
    assert dns.asked == []                                      # the inner signature is never looked at


# -- domains and matching -------------------------------------------------------------------

@pytest.mark.parametrize("domain, org", [
    ("stc.quangngai.gov.vn", "quangngai.gov.vn"),
    ("quangngai.gov.vn", "quangngai.gov.vn"),
    ("a.b.hanoi.gov.vn", "hanoi.gov.vn"),
    ("congty.com.vn", "congty.com.vn"),
    ("mail.hust.edu.vn", "hust.edu.vn"),
    ("gov.vn", "gov.vn"),
    ("mail.google.com", "google.com"),
    ("Mail.Example.CO.UK.", "example.co.uk"),
    ("vnexpress.net", "vnexpress.net"),
])
def test_organizational_domain(domain, org):
    assert organizational_domain(domain) == org


def test_alignment_helper():
    assert aligned("QuangNgai.gov.vn", "stc.quangngai.gov.vn")
    assert not aligned("gov.vn", "stc.quangngai.gov.vn")
    assert not aligned("", "stc.quangngai.gov.vn")


@pytest.mark.parametrize("patterns, domain, expected", [
    (["*.gov.vn"], "stc.quangngai.gov.vn", True),
    (["*.gov.vn"], "quangngai.gov.vn", True),
    (["*.gov.vn"], "STC.QuangNgai.Gov.Vn", True),
    (["*.gov.vn"], "gov.vn", False),                  # decision: *.X is subdomains only
    (["*.gov.vn", "gov.vn"], "gov.vn", True),
    (["*.gov.vn"], "evilgov.vn", False),
    (["*.gov.vn"], "gov.vn.evil.com", False),
    (["*.gov.vn"], "gmail.com", False),
    (["quangngai.gov.vn"], "stc.quangngai.gov.vn", False),   # no wildcard: exact domain
    (["quangngai.gov.vn"], "quangngai.gov.vn", True),
    (["so-*.quangngai.gov.vn"], "so-tc.quangngai.gov.vn", True),
    (["@chinhphu.vn"], "chinhphu.vn", True),
    ([], "stc.quangngai.gov.vn", False),
])
def test_agency_domain_matching(patterns, domain, expected):
    assert is_agency_domain(domain, patterns) is expected


def test_policy_follows_the_configured_agency_domains(dns, province_key):
    raw = message(AGENCY)
    narrow = Senders(trusted_domains=["*.hanoi.gov.vn"], authserv_id=OUR_MTA)
    check, policy = checked(raw, narrow, dns)
    assert not check.agency and policy == "citizen"
    wide = Senders(trusted_domains=["*.gov.vn"], authserv_id=OUR_MTA)
    assert sender_policy(check, wide) == "quarantine"


# -- never raises ------------------------------------------------------------------------

@pytest.mark.parametrize("raw", [
    b"",
    b"\x00\xff\xfe garbage without headers",
    b"From: =?utf-8?b?////?= <\xff@\xfe>\r\n\r\n",
    b"From: vanthu@stc.quangngai.gov.vn\r\nDKIM-Signature: v=1; d=(((; s=; b=;\r\n\r\nx",
    b"From: vanthu@stc.quangngai.gov.vn\r\nDKIM-Signature: garbage\r\nDKIM-Signature: a=rsa-sha256; d=quangngai.gov.vn\r\n\r\nx",
    b"From: vanthu@stc.quangngai.gov.vn\r\n" + b"X-Long: " + b"a" * 200_000 + b"\r\n\r\nx",
    b"From: \"unterminated <vanthu@stc.quangngai.gov.vn\r\n\r\nx",
])
def test_hostile_input_never_raises(senders, dns, raw):
    check, policy = checked(raw, senders, dns)
    assert check.authenticated is False
    assert policy in ("citizen", "quarantine")
    if check.agency:
        assert policy == "quarantine"


def test_internal_failure_fails_closed(senders, dns, monkeypatch):
    def boom(raw):
        raise RuntimeError("parser bug")

    monkeypatch.setattr(sender_mod, "_headers", boom)
    check, policy = checked(message(AGENCY), senders, dns)
    assert check.reason.code == "sender_check_failed" and policy == "quarantine"


def test_every_reason_speaks_both_languages(senders, dns, province_key):
    samples = [message(AGENCY), message("ban@gmail.com"), message(AGENCY, headers=[("From", "x@y.vn")]),
               b"Subject: x\r\n\r\n"]
    for raw in samples:
        reason = check_sender(raw, senders, dnsfunc=dns).reason
        assert reason.message_vi and reason.message_en and reason.rule


# -- the DNS look-up is handed in ---------------------------------------------------------------

def test_without_a_resolver_nothing_is_looked_up(senders, province_key):
    """inspect looks nothing up itself: no dnsfunc, no DNS, and the report says so honestly
    (not verified, rather than "no key published" or "forged")."""
    check, policy = checked(sign(message(AGENCY), province_key), senders, None)
    assert not check.authenticated and policy == "quarantine"
    entry = check.details["dkim"][0]
    assert entry["result"] == "temperror" and "DNS look-ups are off" in entry["error"]
    assert check.reason.code == "sender_unverified_dns"
    # Our MTA's verdict needs no DNS at all.
    assert checked(message(AGENCY, top=[ar()]), senders, None)[0].authenticated


def test_the_runtime_resolver_reads_txt_records(monkeypatch):
    import dns.resolver

    from mailbot.runtime import resolvers

    class Rdata:
        strings = (b"v=DKIM1; k=rsa; ", b"p=AAAA")

    asked = []

    def resolve(qname, rdtype, **kw):
        asked.append((qname, rdtype, kw["lifetime"]))
        if qname.startswith("missing"):
            raise dns.resolver.NXDOMAIN()
        if qname.startswith("fail"):
            raise dns.resolver.NoNameservers()
        return [Rdata()]

    monkeypatch.setattr(dns.resolver, "resolve", resolve)
    assert resolvers.dns_txt(b"mail._domainkey.quangngai.gov.vn.", timeout=2.5) == b"v=DKIM1; k=rsa; p=AAAA"
    assert asked == [("mail._domainkey.quangngai.gov.vn.", "TXT", 2.5)]
    assert resolvers.dns_txt("missing._domainkey.x.vn.") is None
    with pytest.raises(dns.resolver.NoNameservers):
        resolvers.dns_txt(b"fail._domainkey.x.vn.")      # a temporary failure: temperror upstream


def test_the_pipeline_hands_its_resolver_to_inspection(tmp_path, province_key):
    from mailbot.config import Rules
    from mailbot.runtime.pipeline import Pipeline

    rules = Rules(storage={"data_dir": str(tmp_path)}, senders={"trusted_domains": ["*.gov.vn"]},
                  limits={"inspect_workers": 0})
    raw = sign(message(AGENCY), province_key)
    fake = FakeDNS().publish(province_key)
    report, _ = Pipeline(rules, dns=fake).evaluate(raw, None)
    assert report.sender_auth.authenticated and report.sender_auth.method == "dkim"
    assert fake.asked == [province_key.dns_name]
    report, _ = Pipeline(rules, dns=None).evaluate(raw, None)
    assert not report.sender_auth.authenticated
    assert report.sender_auth.reason.code == "sender_unverified_dns"
