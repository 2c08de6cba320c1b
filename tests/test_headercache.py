"""The cached header registry parses exactly as the email package's own, once per short header."""

from email import message_from_bytes, policy
from email.headerregistry import UnstructuredHeader

from mailbot.util import samples
from mailbot.util.headercache import MEMO_MAX_VALUE_CHARS, CachedHeaderRegistry
from mailbot.inspect.mime import MODERN

HEADERS = [
    ("From", '"Nguyễn Văn An" <an@stc.quangngai.gov.vn>'),
    ("To", "ubnd@quangngai.gov.vn, =?utf-8?b?VsSDbiB0aMaw?= <vanthu@quangngai.gov.vn>"),
    ("Subject", "=?utf-8?b?S+G6vyBob+G6oWNoIHPhu5EgMTI=?="),
    ("Content-Type", 'application/pdf; name="=?utf-8?q?K=E1=BA=BF_ho=E1=BA=A1ch.pdf?="'),
    ("Content-Disposition", "attachment; filename*=utf-8''K%E1%BA%BF%20ho%E1%BA%A1ch.pdf"),
    ("Date", "Thu, 05 Nov 2026 09:00:00 +0700"),
    ("Message-ID", "<a.1@stc.quangngai.gov.vn>"),
    ("Authentication-Results", "mx.quangngai.gov.vn; dkim=pass header.d=stc.quangngai.gov.vn"),
    ("From", "broken <<@>"),
]


def test_same_values_and_defects_as_the_default_registry():
    cached, stock = CachedHeaderRegistry(), policy.default.header_factory
    for name, value in HEADERS:
        ours, theirs = cached(name, value), stock(name, value)
        assert (type(ours).__mro__[1:], str(ours), ours.name) == (type(theirs).__mro__[1:], str(theirs), theirs.name)
        assert [type(d) for d in ours.defects] == [type(d) for d in theirs.defects]
        for attr in ("addresses", "params", "content_type", "datetime"):
            assert getattr(ours, attr, None) == getattr(theirs, attr, None), (name, attr)


def test_a_short_header_is_parsed_once_a_long_one_every_time():
    registry = CachedHeaderRegistry()
    assert registry("Content-Type", "application/pdf") is registry("Content-Type", "application/pdf")
    assert registry("content-type", "application/pdf") is not registry("Content-Type", "application/pdf")
    long_value = "x" * (MEMO_MAX_VALUE_CHARS + 1)
    assert registry("Subject", long_value) is not registry("Subject", long_value)
    assert registry("Subject", long_value) == long_value


def test_a_changed_mapping_is_seen_at_once():
    registry = CachedHeaderRegistry()
    assert hasattr(registry("To", "a@b.gov.vn"), "addresses")
    registry.map_to_type("to", UnstructuredHeader)
    assert not hasattr(registry("To", "a@b.gov.vn"), "addresses")


def test_a_message_reads_the_same_through_the_cached_policy():
    raw = samples.email("an@stc.quangngai.gov.vn", "ubnd@quangngai.gov.vn", "Kế hoạch số 12", "Kính gửi.",
                        [("Kế hoạch.pdf", samples.pdf(["KE HOACH"]), "application/pdf")]).as_bytes()
    for _ in range(2):      # the second time from the memo
        ours, theirs = message_from_bytes(raw, policy=MODERN), message_from_bytes(raw, policy=policy.default)
        assert [(k, str(v)) for k, v in ours.items()] == [(k, str(v)) for k, v in theirs.items()]
        assert [p.get_filename() for p in ours.iter_attachments()] == ["Kế hoạch.pdf"]
        assert [p.get_content() for p in ours.iter_attachments()] == [p.get_content() for p in theirs.iter_attachments()]
