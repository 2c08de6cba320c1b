"""`mailbot check` looks past the file: folders, password and trust files, Tesseract, type names.

Each problem is told as `line N: key.path: what to do`, and any problem exits 1
(issue 15.5).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mailbot.cli import main
from mailbot.commands import check

INSTALLED = frozenset({"eng", "osd", "vie"})


@pytest.fixture(autouse=True)
def tesseract(monkeypatch):
    """Tesseract with English and Vietnamese, unless a test says otherwise."""
    monkeypatch.setattr(check, "tesseract_languages", lambda: INSTALLED)


def run_check(tmp_path: Path, capsys, text: str) -> tuple[int, list[str], list[str]]:
    """Exit code, problems and warnings of `mailbot check` on `text`."""
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    code = main(["check", "--config", str(path)])
    err = capsys.readouterr().err.splitlines()
    problems = [line[len("  - "):] for line in err if line.startswith("  - ")]
    warnings = [line[len("warning: "):] for line in err if line.startswith("warning: ")]
    return code, problems, warnings


def test_a_clean_file_passes(tmp_path, capsys):
    code, problems, warnings = run_check(tmp_path, capsys, "storage: {data_dir: data}\n")
    assert (code, problems) == (0, [])
    assert warnings == ["trust.roots: no trusted root certificate configured; no PDF signature can be called "
                        "trusted and no paper copy is waived (see the trust: section of rules.yaml)"]


def test_templates_dir_must_be_a_folder(tmp_path, capsys):
    text = "storage: {data_dir: data}\nnotices:\n  from_address: ubnd@x.gov.vn\n  templates_dir: mau\n"
    code, problems, _ = run_check(tmp_path, capsys, text)
    assert code == 1 and problems == [
        f"line 4: notices.templates_dir: folder {tmp_path / 'mau'} does not exist; create it and put there the "
        "templates you change (same file names as mailbot/templates/), or remove templates_dir (a relative "
        "path starts at the folder of rules.yaml)"]
    (tmp_path / "mau").write_text("not a folder", encoding="utf-8")
    code, problems, _ = run_check(tmp_path, capsys, text)
    assert code == 1 and problems == [
        f"line 4: notices.templates_dir: {tmp_path / 'mau'} is a file, not a folder; name the folder that "
        "holds your templates"]
    (tmp_path / "mau").unlink()
    (tmp_path / "mau").mkdir()
    assert run_check(tmp_path, capsys, text)[:2] == (0, [])


def test_ocr_language_must_be_installed(tmp_path, capsys):
    code, problems, _ = run_check(tmp_path, capsys, "storage: {data_dir: data}\nocr:\n  languages: vi+eng\n")
    assert code == 1 and problems == [
        "line 3: ocr.languages: Tesseract has no language 'vi' installed; did you mean 'vie'? Installed: eng, "
        "osd, vie. Write installed ones (joined by '+'), or install the language (Debian/Ubuntu: apt install "
        "tesseract-ocr-vi)"]


def test_ocr_without_tesseract(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(check, "tesseract_languages", lambda: None)
    code, problems, _ = run_check(tmp_path, capsys, "storage: {data_dir: data}\nocr:\n  enabled: true\n")
    assert code == 1 and problems == [
        "line 3: ocr.enabled: tesseract is not installed, so scanned documents cannot be read; install it "
        "(Debian/Ubuntu: apt install tesseract-ocr tesseract-ocr-vie) or write enabled: false"]
    code, problems, warnings = run_check(tmp_path, capsys, "storage: {data_dir: data}\nocr:\n  enabled: false\n")
    assert (code, problems) == (0, [])
    assert "line 3: ocr.enabled: tesseract is not installed; OCR is off, so the languages were not checked" \
        in warnings


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract not installed")
def test_tesseract_is_asked_for_its_languages(monkeypatch):
    monkeypatch.undo()
    languages = check.tesseract_languages()
    assert languages and "osd" in languages and not any(name.startswith("List of") for name in languages)


def test_paper_copy_type_names_must_be_known(tmp_path, capsys):
    text = ("storage: {data_dir: data}\n"
            "paper_copy:\n"
            "  electronic_only_types: [Lịch công tác, giay moi, GIẤY MỜI, Công vănn]\n"
            "  electronic_only_when:\n"
            "    - {type: Bao cao, subject_contains: [định kỳ]}\n"
            "    - {type: Báo cáo tài chính xyz, subject_contains: [quý]}\n"
            "routes:\n"
            "  - name: A\n"
            "    when: {any: [{type: Tờ trìnhh}]}\n")
    code, problems, _ = run_check(tmp_path, capsys, text)
    assert code == 1
    assert problems[0] == ("line 3: paper_copy.electronic_only_types.3: unknown document type 'Công vănn': "
                           "documents are typed with the names of Decree 30/2020 (accents and case do not "
                           "matter), so it would never match; did you mean 'Công văn'?")
    assert problems[1].startswith("line 6: paper_copy.electronic_only_when.1.type: unknown document type "
                                  "'Báo cáo tài chính xyz'")
    assert problems[2].startswith("line 9: routes.0.when.any.0.type.0: unknown document type 'Tờ trìnhh'")
    assert problems[2].endswith("did you mean 'Tờ trình'?")
    assert len(problems) == 3


def test_password_files_are_checked_at_their_line(tmp_path, capsys):
    folder = tmp_path / "secret-folder"
    folder.mkdir()
    text = (f"storage: {{data_dir: data}}\n"
            f"books: [{{id: den, name: Sổ đến}}]\n"
            f"mailboxes:\n"
            f"  - id: ubnd\n"
            f"    address: ubnd@x.gov.vn\n"
            f"    register: den\n"
            f"    imap:\n"
            f"      host: mail.x.gov.vn\n"
            f"      username: ubnd\n"
            f"      password_file: {tmp_path / 'missing'}\n"
            f"smtp:\n"
            f"  host: mail.x.gov.vn\n"
            f"  username: ubnd\n"
            f"  password_file: {folder}\n")
    code, problems, _ = run_check(tmp_path, capsys, text)
    assert code == 1 and problems == [
        f"line 10: mailboxes.0.imap.password_file: password file {tmp_path / 'missing'} does not exist; create "
        "it or correct the path",
        f"line 14: smtp.password_file: {folder} is a folder; name the password file itself"]


def test_trust_files_are_checked_at_their_line(tmp_path, capsys):
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate", encoding="utf-8")
    text = ("storage: {data_dir: data}\n"
            "trust:\n"
            "  roots:\n"
            "    - roots/\n"
            "    - junk.pem\n"
            "  crls: [missing.crl]\n"
            "  revocation: hard-fail\n")
    code, problems, _ = run_check(tmp_path, capsys, text)
    assert code == 1
    assert problems == [
        f"line 4: trust.roots.0: roots/: file not found ({tmp_path / 'roots'}); fix the path (a relative one "
        "starts at the folder of rules.yaml) or remove the entry",
        f"line 5: trust.roots.1: {junk}: not a readable certificate (PEM or DER): ValueError; name a certificate "
        "file (.pem, .crt, .cer, .der)",
        f"line 6: trust.crls.0: missing.crl: file not found ({tmp_path / 'missing.crl'}); fix the path (a "
        "relative one starts at the folder of rules.yaml) or remove the entry",
        "line 7: trust.revocation: hard-fail but no CRL is configured: signatures whose certificates name a CRL "
        "will be indeterminate; list CRLs under trust.crls or write soft-fail"]


def test_the_example_rules_pass(capsys):
    example = Path(__file__).resolve().parent.parent / "rules.yaml"
    assert main(["check", "--config", str(example)]) == 0
    assert "configuration OK" in capsys.readouterr().out
