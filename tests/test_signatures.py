"""PDF signature verification: offline, per signature, with Vietnamese reasons.

The PKI and every PDF are generated here (testbed/pki.py), never downloaded.
"""

from __future__ import annotations

import asyncio
import json
from io import BytesIO

import pytest

from mailbot.inspect.pdf import pdf_facts
from mailbot.commands.verify import verify_command
from mailbot.inspect.signature_text import describe, summary_vi
from mailbot.inspect.signatures import verify_pdf
from mailbot.trust import check_trust, trust_store
from testbed import pki as P

MODIFIED = "Tài liệu đã bị thay đổi sau khi ký"
UNTRUSTED = "Chứng thư số không tin cậy"
EXPIRED = "Chứng thư số đã hết hạn"
REVOKED = "Chứng thư số đã bị thu hồi"
REVINFO = "Không kiểm tra được tình trạng thu hồi"
SIG_KEYS = {"field", "signer", "verdict", "intact", "trusted", "modified_after_signing",
            "signing_time", "timestamp_time", "reasons_vi"}


# -- fixtures (the PKI is built once per session) ------------------------------

@pytest.fixture(scope="session")
def pki():
    return P.make_pki()


@pytest.fixture(scope="session")
def trust_dir(pki, tmp_path_factory):
    folder = tmp_path_factory.mktemp("trust")
    return folder, pki.write(folder)


def _rules(trust_dir, **kw):
    folder, files = trust_dir
    args = dict(roots=[files["root"]], intermediates=[files["intermediate"]],
                crls=[files["crl_root"], files["crl_inter"]])
    args.update(kw)
    sub = folder / f"r{abs(hash(repr(sorted(args.items())))) % 10**8}"
    sub.mkdir(exist_ok=True)
    return P.rules_for(sub, **args)


@pytest.fixture(scope="session")
def rules(trust_dir):
    return _rules(trust_dir)


@pytest.fixture(scope="session")
def trust(rules):
    return trust_store(rules)


@pytest.fixture(scope="session")
def base():
    return P.make_pdf(2, form_field=True)


@pytest.fixture(scope="session")
def signed(pki, base):
    return P.sign(base, pki.signer, chain=[pki.intermediate])


@pytest.fixture(scope="session")
def two_signed(pki, signed):
    return P.sign(signed, pki.agency, chain=[pki.intermediate], field_name="Signature2")


def only(report):
    assert len(report.signatures) == 1
    return report.signatures[0]


# -- the cases of the issue ------------------------------------------------------

def test_valid_signature(signed, trust):
    report = verify_pdf(signed, trust)
    sig = only(report)
    assert SIG_KEYS <= sig.to_json().keys()
    assert sig.verdict == "valid" and sig.reasons_vi == ()
    assert sig.intact and sig.trusted and not sig.modified_after_signing
    assert sig.signer == "Nguyễn Văn An" and sig.signer_org == P.ORG
    assert sig.signing_time.endswith("+00:00") and sig.timestamp_time is None
    doc = report.document
    assert (doc.verdict, doc.paper_exempt, doc.signer_and_agency) == ("trusted-signed", True, False)
    json.dumps(report.to_json(), ensure_ascii=False)     # plain JSON all the way down


def test_signer_and_agency_signatures(two_signed, trust):
    report = verify_pdf(two_signed, trust)
    first, second = report.signatures
    assert (first.role, second.role) == ("person", "organization")
    # the agency certificate has digitalSignature only: accepted
    assert first.verdict == second.verdict == "valid"
    # a later signature is not a change to the document
    assert first.modified_after_signing is False and first.modification == "signatures"
    doc = report.document
    assert doc.verdict == "trusted-signed" and doc.paper_exempt and doc.signer_and_agency
    assert summary_vi(report).startswith("Có 2 chữ ký số hợp lệ, tin cậy (Nguyễn Văn An, Ủy ban")


def test_byte_tampered(signed, trust):
    tampered = signed.replace(b"(Trang 1)", b"(Trang 9)")
    assert tampered != signed
    sig = only(verify_pdf(tampered, trust))
    assert sig.verdict == "invalid" and not sig.intact
    assert sig.modified_after_signing and MODIFIED in sig.reasons_vi
    assert verify_pdf(tampered, trust).document.verdict == "signed-invalid"


def test_page_changed_after_signing(signed, trust):
    report = verify_pdf(P.replace_page_text(signed, 1, "Noi dung khac"), trust)
    sig = only(report)
    assert sig.verdict == "invalid" and sig.intact
    assert sig.modified_after_signing and sig.modification == "other"
    assert sig.reasons_vi == (MODIFIED,)
    assert report.document.verdict == "signed-invalid" and not report.document.paper_exempt


def test_form_filled_after_signing_is_permitted(signed, trust):
    report = verify_pdf(P.fill_field(signed, "ghichu", "Da nhan"), trust)
    sig = only(report)
    assert sig.verdict == "valid-with-warnings" and sig.trusted
    assert sig.modified_after_signing and sig.modification == "form-filling"
    assert sig.reasons_vi == ("Biểu mẫu đã được điền sau khi ký (thay đổi được phép)",)
    assert report.document.verdict == "trusted-signed" and report.document.paper_exempt


def test_untrusted_root(pki, base, trust):
    report = verify_pdf(P.sign(base, pki.stranger, chain=[pki.other_root]), trust)
    sig = only(report)
    assert sig.verdict == "indeterminate" and sig.intact and not sig.trusted
    assert sig.reasons_vi == (UNTRUSTED,)
    assert report.document.verdict == "signed-untrusted" and not report.document.paper_exempt


def test_expired_certificate(pki, base, trust):
    report = verify_pdf(P.sign(base, pki.expired, chain=[pki.intermediate]), trust)
    sig = only(report)
    assert sig.verdict == "invalid" and sig.intact and not sig.trusted
    assert sig.reasons_vi == (EXPIRED,)
    assert report.document.verdict == "signed-invalid"


def test_expired_certificate_with_trusted_timestamp_inside_validity(pki, base, trust):
    stamped_at = P.NOW - 2 * 365 * P.DAY          # the certificate was valid then
    data = P.sign(base, pki.expired, chain=[pki.intermediate], timestamper=P.timestamper(pki, stamped_at))
    report = verify_pdf(data, trust)
    sig = only(report)
    assert sig.verdict == "valid" and sig.trusted and sig.reasons_vi == ()
    assert sig.timestamp_time == stamped_at.isoformat() and sig.validated_at == stamped_at.isoformat()
    assert any("dấu thời gian" in n for n in sig.notes_vi)
    assert report.document.verdict == "trusted-signed"


def test_revoked_certificate(pki, base, trust):
    sig = only(verify_pdf(P.sign(base, pki.revoked, chain=[pki.intermediate]), trust))
    assert sig.verdict == "invalid" and not sig.trusted
    assert sig.reasons_vi == (REVOKED,)


def test_revoked_after_trusted_timestamp_is_a_warning(pki, base, trust):
    stamped_at = P.NOW - 10 * P.DAY                 # revoked two days ago
    data = P.sign(base, pki.revoked, chain=[pki.intermediate], timestamper=P.timestamper(pki, stamped_at))
    sig = only(verify_pdf(data, trust))
    assert sig.verdict == "valid-with-warnings" and sig.trusted
    assert sig.reasons_vi == ("Chứng thư số đã bị thu hồi sau thời điểm ký (theo dấu thời gian)",)


def test_sha1_is_weak(pki, base, trust):
    report = verify_pdf(P.sign(base, pki.signer, chain=[pki.intermediate], md_algorithm="sha1"), trust)
    sig = only(report)
    assert sig.verdict == "indeterminate" and sig.intact
    assert sig.reasons_vi == ("Thuật toán yếu (SHA-1)",) and sig.weak_algorithms == ("SHA-1",)
    assert sig.trusted             # the chain itself is fine: reported, not hidden
    assert report.document.verdict == "indeterminate" and not report.document.paper_exempt


def test_rsa_1024_is_weak(pki, base, trust):
    sig = only(verify_pdf(P.sign(base, pki.weak, chain=[pki.intermediate]), trust))
    assert sig.verdict == "indeterminate"
    assert sig.reasons_vi == ("Thuật toán yếu (RSA-1024)",)


def test_leaf_only_signature_with_intermediates_from_config(pki, base, trust, trust_dir):
    data = P.sign(base, pki.signer, chain=[])          # only the leaf is embedded
    assert only(verify_pdf(data, trust)).verdict == "valid"
    without = trust_store(_rules(trust_dir, intermediates=[]))
    sig = only(verify_pdf(data, without))
    assert sig.verdict == "indeterminate" and sig.reasons_vi == (UNTRUSTED,)


def test_one_corrupt_signature_does_not_hide_the_good_one(two_signed, trust):
    at = two_signed.rfind(b"/Contents <") + len(b"/Contents <")
    corrupt = two_signed[:at] + b"0" * 64 + two_signed[at + 64:]
    report = verify_pdf(corrupt, trust)
    good, bad = report.signatures
    assert good.verdict == "valid" and good.signer == "Nguyễn Văn An"
    assert bad.verdict == "invalid" and not bad.intact
    assert bad.reasons_vi == ("Dữ liệu chữ ký số bị hỏng, không đọc được",)
    assert report.document.verdict == "signed-invalid"


def _encrypted(data: bytes, user_password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="AES-256")
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def test_encrypted_pdf(base, trust):
    report = verify_pdf(_encrypted(base, "mat-khau"), trust)
    assert report.document.verdict == "unreadable" and report.signatures == ()
    assert report.document.reasons_vi == ("Tệp PDF được mã hóa bằng mật khẩu, không đọc được",)
    assert verify_pdf(_encrypted(base, ""), trust).document.verdict == "unsigned"


def test_truncated_pdf(two_signed, trust):
    for cut in (len(two_signed) // 2, len(two_signed) - 200):
        report = verify_pdf(two_signed[:cut], trust)
        assert report.document.verdict == "unreadable"
        assert report.document.reasons_vi == ("Không đọc được tệp PDF",)


# -- more behaviour -------------------------------------------------------------

def test_unsigned_pdf(base, trust):
    report = verify_pdf(base, trust)
    assert report.signatures == ()
    assert report.document.verdict == "unsigned" and not report.document.paper_exempt
    assert summary_vi(report) == "Không có chữ ký số"
    # with the facts already read, an unsigned file is not parsed a second time
    assert verify_pdf(base, trust, facts=pdf_facts(base)).document.verdict == "unsigned"


@pytest.mark.parametrize("data", [b"", b"not a pdf", b"%PDF-1.7\n" + b"\xff" * 500])
def test_garbage_never_raises(data, trust):
    assert verify_pdf(data, trust).document.verdict == "unreadable"


def test_random_corruption_never_raises(two_signed, trust):
    import random

    rng = random.Random(30)
    for _ in range(15):
        mutated = bytearray(two_signed)
        for _ in range(10):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        report = verify_pdf(bytes(mutated), trust)
        assert report.document.verdict in {"unsigned", "trusted-signed", "signed-untrusted",
                                                 "signed-invalid", "indeterminate", "unreadable"}


def test_trusted_timestamp_is_reported(pki, base, trust):
    sig = only(verify_pdf(P.sign(base, pki.signer, chain=[pki.intermediate],
                                 timestamper=P.timestamper(pki)), trust))
    assert sig.verdict == "valid" and sig.timestamp_trusted is True
    assert sig.timestamp_time is not None


def test_soft_fail_without_crl_warns(signed, trust_dir):
    sig = only(verify_pdf(signed, trust_store(_rules(trust_dir, crls=[]))))
    assert sig.verdict == "valid-with-warnings" and sig.trusted
    assert sig.reasons_vi == (REVINFO,)


def test_hard_fail_without_crl_is_indeterminate(signed, trust_dir):
    report = verify_pdf(signed, trust_store(_rules(trust_dir, crls=[], revocation="hard-fail")))
    sig = only(report)
    assert sig.verdict == "indeterminate" and not sig.trusted
    assert sig.reasons_vi == (REVINFO,)
    assert report.document.verdict == "indeterminate"


def test_no_roots_configured(signed, trust_dir):
    sig = only(verify_pdf(signed, trust_store(_rules(trust_dir, roots=[]))))
    assert sig.verdict == "indeterminate" and sig.intact and not sig.trusted


def test_safe_inside_a_running_event_loop(signed, trust):
    async def main():
        return verify_pdf(signed, trust)

    assert asyncio.run(main()).document.verdict == "trusted-signed"


# -- text and command line --------------------------------------------------------

def test_describe_has_vietnamese_reasons_and_english_details(pki, base, trust):
    text = describe(verify_pdf(P.sign(base, pki.revoked, chain=[pki.intermediate]), trust))
    assert "Chữ ký số không hợp lệ" in text and REVOKED in text
    assert "revoked" in text and "[verdict: signed-invalid]" in text


def test_verify_command(signed, rules, tmp_path, capsys):
    pdf = tmp_path / "vb.pdf"
    pdf.write_bytes(signed)
    assert verify_command(str(pdf), rules, as_json=True) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["document"]["verdict"] == "trusted-signed"
    assert verify_command(str(pdf), rules, as_json=False) == 0
    assert "Chữ ký số hợp lệ, tin cậy" in capsys.readouterr().out
    broken = tmp_path / "hong.pdf"
    broken.write_bytes(signed[:100])
    assert verify_command(str(broken), rules, as_json=False) == 1
    assert verify_command(str(tmp_path / "missing.pdf"), rules, as_json=False) == 1


# -- trust configuration ----------------------------------------------------------

def test_check_trust_clean(rules):
    assert check_trust(rules) == []


def test_check_trust_reports_problems(pki, trust_dir, tmp_path):
    folder, files = trust_dir
    leaf = tmp_path / "leaf.pem"
    leaf.write_bytes(pki.signer.pem)
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    old = P.Identity("old", P._issue(P._name("Old Root"), pki.root.key, None, ca=True,
                                     not_before=P.NOW - 900 * P.DAY, not_after=P.NOW - 10 * P.DAY,
                                     key_usage=dict(key_cert_sign=True, crl_sign=True)), pki.root.key)
    expired = tmp_path / "old-root.pem"
    expired.write_bytes(old.pem)
    rules = P.rules_for(tmp_path, roots=[files["root"], tmp_path / "missing.pem", junk, expired],
                        intermediates=[leaf], crls=[files["crl_inter"]])
    problems = "\n".join(check_trust(rules))
    assert "missing.pem: file not found" in problems
    assert "junk.pem: not a readable certificate" in problems
    assert "Old Root" in problems and "expired" in problems
    assert "not a CA certificate" in problems
    store = trust_store(rules)
    assert len(store.roots) == 2 and len(store.problems) == 2


def test_check_trust_without_roots_warns_but_passes(trust_dir, tmp_path, capsys):
    # No roots is a valid (if weak) setup: `mailbot check` warns and exits 0.
    rules = P.rules_for(tmp_path)
    assert check_trust(rules) == []
    config = tmp_path / "rules.yaml"
    config.write_text("storage: {data_dir: data}\n", encoding="utf-8")
    from mailbot.cli import main

    assert main(["check", "--config", str(config)]) == 0
    assert "no trusted root" in capsys.readouterr().err


def test_trust_folder_entries(trust_dir, tmp_path, signed):
    folder, files = trust_dir
    roots = tmp_path / "roots"
    roots.mkdir()
    (roots / "root.pem").write_bytes(files["root"].read_bytes())
    rules = P.rules_for(tmp_path, roots=["roots"], intermediates=[files["intermediate"]],
                        crls=[files["crl_inter"], files["crl_root"]])
    assert check_trust(rules) == []
    assert only(verify_pdf(signed, trust_store(rules))).verdict == "valid"


def test_unsupported_signature_format_is_indeterminate(signed, trust):
    data = signed.replace(b"/SubFilter /adbe.pkcs7.detached", b"/SubFilter /adbe.x509.rsa_sha1 ")
    assert data != signed
    report = verify_pdf(data, trust)
    sig = only(report)
    assert sig.verdict == "indeterminate" and sig.intact is False
    assert sig.reasons_vi == ("Định dạng chữ ký số không được hỗ trợ",)
    assert report.document.verdict == "indeterminate"


def test_document_timestamp_after_signing(pki, signed, trust):
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.signers import PdfTimeStamper

    out = BytesIO()
    PdfTimeStamper(P.timestamper(pki)).timestamp_pdf(
        IncrementalPdfFileWriter(BytesIO(signed)), "sha256", output=out)
    report = verify_pdf(out.getvalue(), trust)
    sig, stamp = report.signatures
    assert stamp.kind == "document-timestamp" and stamp.verdict == "valid"
    assert sig.verdict == "valid" and sig.modification == "signatures"
    assert report.document.verdict == "trusted-signed" and report.document.paper_exempt
    assert summary_vi(report).startswith("Có 1 chữ ký số hợp lệ")


def test_form_filling_after_a_no_changes_certification_is_not_permitted(pki, base, trust):
    certified = P.sign(base, pki.signer, chain=[pki.intermediate], certify_no_changes=True)
    assert only(verify_pdf(certified, trust)).verdict == "valid"
    sig = only(verify_pdf(P.fill_field(certified, "ghichu", "Da nhan"), trust))
    assert sig.verdict == "invalid" and sig.reasons_vi == (MODIFIED,)


# -- the JSON contract (docs/DESIGN.md §5, §8): to_json() as captured before the report was typed --

VOLATILE = ("serial", "signing_time", "validated_at")     # differ with every generated PKI and run
TAMPERED_EN = ("the document was changed after signing (changes after signing are not permitted: There are "
               "unexplained xrefs in revision 2: Reference(idnum=8, generation=0), Reference(idnum=14, "
               "generation=0).\nSome objects from revision 1 were replaced in revision 2 without precise "
               "justification:\n - Reference(idnum=8, generation=0) is also used in Absolut)")

SIGNED_JSON = {"document": {"verdict": "trusted-signed",
                            "paper_exempt": True,
                            "signer_and_agency": False,
                            "signature_count": 1,
                            "reasons_vi": [],
                            "reasons_en": []},
               "signatures": [{"field": "Signature1",
                               "kind": "signature",
                               "signer": "Nguyễn Văn An",
                               "verdict": "valid",
                               "intact": True,
                               "trusted": True,
                               "modified_after_signing": False,
                               "signing_time": "<signing_time>",
                               "timestamp_time": None,
                               "reasons_vi": [],
                               "reasons_en": [],
                               "notes_vi": [],
                               "notes_en": [],
                               "signer_org": "Ủy ban nhân dân tỉnh Quảng Ngãi",
                               "role": "person",
                               "serial": "<serial>",
                               "issuer": "Test Government CA",
                               "integrity": "intact",
                               "coverage": "entire-file",
                               "modification": "none",
                               "changed_fields": [],
                               "timestamp_trusted": None,
                               "validated_at": "<validated_at>",
                               "digest_algorithm": "sha256",
                               "signature_algorithm": "sha256_ecdsa",
                               "weak_algorithms": [],
                               "revision": 1}]}

UNSIGNED_JSON = {"document": {"verdict": "unsigned",
                              "paper_exempt": False,
                              "signer_and_agency": False,
                              "signature_count": 0,
                              "reasons_vi": ["Không có chữ ký số"],
                              "reasons_en": ["no digital signature"]},
                 "signatures": []}

TAMPERED_JSON = {"document": {"verdict": "signed-invalid",
                              "paper_exempt": False,
                              "signer_and_agency": False,
                              "signature_count": 1,
                              "reasons_vi": ["Tài liệu đã bị thay đổi sau khi ký"],
                              "reasons_en": [TAMPERED_EN]},
                 "signatures": [{"field": "Signature1",
                                 "kind": "signature",
                                 "signer": "Nguyễn Văn An",
                                 "verdict": "invalid",
                                 "intact": True,
                                 "trusted": True,
                                 "modified_after_signing": True,
                                 "signing_time": "<signing_time>",
                                 "timestamp_time": None,
                                 "reasons_vi": ["Tài liệu đã bị thay đổi sau khi ký"],
                                 "reasons_en": [TAMPERED_EN],
                                 "notes_vi": [],
                                 "notes_en": [],
                                 "signer_org": "Ủy ban nhân dân tỉnh Quảng Ngãi",
                                 "role": "person",
                                 "serial": "<serial>",
                                 "issuer": "Test Government CA",
                                 "integrity": "intact",
                                 "coverage": "entire-revision",
                                 "modification": "other",
                                 "changed_fields": [],
                                 "timestamp_trusted": None,
                                 "validated_at": "<validated_at>",
                                 "digest_algorithm": "sha256",
                                 "signature_algorithm": "sha256_ecdsa",
                                 "weak_algorithms": [],
                                 "revision": 1}]}

UNREADABLE_JSON = {"document": {"verdict": "unreadable",
                                "paper_exempt": False,
                                "signer_and_agency": False,
                                "signature_count": 0,
                                "reasons_vi": ["Tệp PDF được mã hóa bằng mật khẩu, không đọc được"],
                                "reasons_en": ["the PDF is encrypted with a password"]},
                   "signatures": []}


def _contract_json(report) -> str:
    data = report.to_json()
    for sig in data["signatures"]:
        for key in VOLATILE:
            if sig[key] is not None:
                sig[key] = f"<{key}>"
    return json.dumps(data, ensure_ascii=False, indent=2)


@pytest.fixture(scope="session")
def contract_cases(signed, base):
    return {"signed": (signed, SIGNED_JSON), "unsigned": (base, UNSIGNED_JSON),
            "tampered": (P.replace_page_text(signed, 1, "Noi dung khac"), TAMPERED_JSON),
            "unreadable": (_encrypted(base, "mat-khau"), UNREADABLE_JSON)}


@pytest.mark.parametrize("case", ["signed", "unsigned", "tampered", "unreadable"])
def test_to_json_is_the_contract_to_the_byte(case, contract_cases, trust):
    data, expected = contract_cases[case]
    report = verify_pdf(data, trust)
    # Compared as text: the keys, their order and every value (`verify --json`, explain's `signature`).
    assert _contract_json(report) == json.dumps(expected, ensure_ascii=False, indent=2)


def test_reports_cross_processes_by_pickle(two_signed, trust):
    import pickle

    from mailbot.model import AttachmentReport, DocumentFields, MessageReport

    report = verify_pdf(two_signed, trust)
    assert pickle.loads(pickle.dumps(report)) == report
    att = AttachmentReport("a.pdf", "a.pdf", "application/pdf", 1, "0" * 64, "pdf", "application/pdf", True,
                           signature=report)
    doc = DocumentFields(code="5/GM-UBND", to_places=("Như trên",), sources={"code": "text"})
    message = MessageReport("1" * 64, 1, True, attachments=(att,), document=doc, main_attachment=0)
    again = pickle.loads(pickle.dumps(message))
    assert again == message and again.main_signature.to_json() == report.to_json()
    assert again.document_sources == {"code": "text"}
