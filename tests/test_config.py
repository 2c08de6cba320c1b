"""rules.yaml: the shipped example is valid; mistakes are reported with their line."""

from pathlib import Path

import pytest

from mailbot.cli import main
from mailbot.config import ConfigError, load_rules, parse_rules

EXAMPLE = Path(__file__).resolve().parent.parent / "rules.yaml"


def test_example_rules_are_valid():
    rules = load_rules(EXAMPLE)
    assert rules.mailboxes[0].address == "ubnd@quangngai.gov.vn"
    assert rules.mailboxes[0].book == "den-ubnd"
    assert rules.office.timezone == "Asia/Ho_Chi_Minh"


def errors_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_rules(text, "t.yaml")
    return info.value.problems


def test_unknown_setting_is_named_with_its_line():
    problems = errors_of("office:\n  name: X\n  colour: red\n")
    assert problems == ["line 3: office.colour: unknown setting 'colour'; the settings allowed here are: name, "
                        "address, timezone, working_hours, days_off, holidays"]


def test_password_in_the_file_is_refused():
    text = ("mailboxes:\n  - id: ubnd\n    address: ubnd@x.gov.vn\n    register: den\n"
            "    imap: {host: h, username: u, password: hunter2}\n")
    assert any(p.startswith("line 5: mailboxes.0.imap.password: unknown setting") for p in errors_of(text))


def test_undefined_register_book_points_at_the_mailbox_line():
    problems = errors_of("mailboxes:\n  - id: ubnd\n    address: ubnd@x.gov.vn\n    register: nope\n")
    assert problems[0].startswith("line 4: mailboxes.0.register: register book 'nope' is not defined")


def test_bad_values_are_explained():
    problems = errors_of("office:\n  timezone: Mars/Base\n  working_hours: ['7-11']\n")
    assert "line 2: office.timezone: unknown time zone 'Mars/Base'" in problems[0]
    assert problems[1].startswith("line 3: office.working_hours")


def test_smtp_intake_listens_on_loopback_only():
    assert "loopback" in errors_of("smtp_intake: {host: 0.0.0.0}\n")[0]


def test_yaml_syntax_error_has_a_line():
    assert errors_of("office:\n  name: [unclosed\n")[0].startswith("line 3: not valid YAML")


def test_relative_paths_resolve_against_the_file(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text("storage: {data_dir: data}\n", encoding="utf-8")
    assert load_rules(path).db_path == tmp_path / "data" / "mailbot.sqlite3"


def test_check_command_exit_codes(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("office: {colour: red}\n", encoding="utf-8")
    assert main(["check", "--config", str(bad)]) == 1
    assert "line 1: office.colour" in capsys.readouterr().err
    assert main(["check", "--config", str(tmp_path / "missing.yaml")]) == 1
    assert "no configuration file found" in capsys.readouterr().err


# -- issue 15.5: each typo an administrator makes gets its line and what to do -----------------

EXAMPLE_TEXT = EXAMPLE.read_text(encoding="utf-8")


def example_with(old: str, new: str) -> list[str]:
    """The problems of the example rules.yaml with one line changed."""
    assert EXAMPLE_TEXT.count(old) == 1, old
    return errors_of(EXAMPLE_TEXT.replace(old, new))


def line_of(text: str) -> int:
    """The line of the example rules.yaml that starts with `text`."""
    return next(n for n, line in enumerate(EXAMPLE_TEXT.splitlines(), 1) if line.startswith(text))


@pytest.mark.parametrize("old, new, path, instruction", [
    ("  from_address: ubnd@quangngai.gov.vn", "  from_address: ubnd @quangngai.gov.vn", "notices.from_address",
     "'ubnd @quangngai.gov.vn' is not one email address: it contains a space; write it without spaces: "
     "ubnd@quangngai.gov.vn"),
    ("  # clerk_address: vanthu.noibo@quangngai.gov.vn", "  clerk_address: vanthu,noibo@quangngai.gov.vn",
     "notices.clerk_address", "'vanthu,noibo@quangngai.gov.vn' is not one email address: it holds 2 addresses; "
     "write one address here"),
    ("    address: ubnd@quangngai.gov.vn", "    address: ubnd@quangngai", "mailboxes.0.address",
     "'ubnd@quangngai' is not one email address: the domain 'quangngai' has no dot; write the whole domain, "
     "e.g. ubnd@quangngai.gov.vn"),
    ("  other_mailbots: []", "  other_mailbots: [Robot <robot@x.gov.vn>]", "senders.other_mailbots.0",
     "write the bare address without a name or <>: robot@x.gov.vn"),
])
def test_addresses_are_one_address_each(old, new, path, instruction):
    problems = example_with(old, new)
    assert len(problems) == 1 and problems[0].startswith(f"line {line_of(old)}: {path}: "), problems
    assert instruction in problems[0]


def test_smtp_envelope_sender_is_an_address_or_empty():
    assert parse_rules("smtp: {host: mail.x.gov.vn, envelope_sender: ''}\n").smtp.envelope_sender == ""
    assert errors_of("smtp:\n  host: mail.x.gov.vn\n  envelope_sender: bounce@x\n") == [
        "line 3: smtp.envelope_sender: 'bounce@x' is not one email address: the domain 'x' has no dot; write the "
        "whole domain, e.g. bounce@x.gov.vn"]


@pytest.mark.parametrize("text, expected", [
    ("smtp_intake:\n  port: 99999\n", "line 2: smtp_intake.port: write a number from 1 to 65535, e.g. 2525 "
                                      "(found 99999)"),
    ("smtp: {host: h, port: 0}\n", "line 1: smtp.port: write a number from 1 to 65535, e.g. 587 (found 0)"),
    ("mailboxes:\n  - id: a\n    address: a@x.gov.vn\n    register: den\n    imap: {host: h, username: u,\n"
     "           port: 70000, password_env: P}\n",
     "line 6: mailboxes.0.imap.port: write a number from 1 to 65535, e.g. 993 (found 70000)"),
    ("limits:\n  max_parts: -1\n", "line 2: limits.max_parts: write a number of at least 1, e.g. 200 (found -1)"),
    ("limits: {inspect_seconds: 0}\n", "line 1: limits.inspect_seconds: write a number above 0, e.g. 60 (found 0)"),
    ("notices:\n  max_attempts: 0\n", "line 2: notices.max_attempts: write a number of at least 1, e.g. 12"),
    ("ocr:\n  dpi: 2000\n", "line 2: ocr.dpi: write a number from 70 to 600, e.g. 200 (found 2000)"),
    ("ocr:\n  workers: 0\n", "line 2: ocr.workers: write a number of at least 1, e.g. 1 (found 0)"),
    ("ocr:\n  dpi: lots\n", "line 2: ocr.dpi: write a whole number, e.g. 200 (found 'lots')"),
])
def test_ports_and_limits_have_their_range(text, expected):
    problems = errors_of(text)
    assert len(problems) == 1 and problems[0].startswith(expected), problems


def test_book_ids_are_unique():
    problems = errors_of("books:\n  - id: den\n    name: A\n  - id: den\n    name: B\n")
    assert problems == ["line 4: books.1.id: 'den' is used twice (also at line 2); give each register book "
                        "its own id"]


def test_an_empty_file_is_refused():
    assert errors_of("") == ["line 1: the file is empty: start from the example rules.yaml in the source tree"]
    assert errors_of("# nothing yet\n\n") == [
        "line 1: the file holds only comments, no settings: start from the example rules.yaml in the source tree"]


def test_a_key_written_twice_is_reported_with_both_lines():
    text = EXAMPLE_TEXT + "\nmailboxes:\n  - {id: so, address: so@quangngai.gov.vn, register: den-ubnd}\n"
    second = len(EXAMPLE_TEXT.splitlines()) + 2
    assert errors_of(text) == [
        f"line {second}: mailboxes: 'mailboxes' is written twice (lines {line_of('mailboxes:')} and {second}): "
        "the second would silently replace the first; keep one `mailboxes:` and put everything under it"]
    nested = errors_of("office:\n  name: A\n  timezone: Asia/Ho_Chi_Minh\n  name: B\n")
    assert nested[0].startswith("line 4: office.name: 'name' is written twice (lines 2 and 4)")


def test_anchors_and_merge_keys_are_not_repeats():
    rules = parse_rules("books:\n  - &b {id: den, name: A}\n  - <<: *b\n    id: di\n")
    assert [b.id for b in rules.books] == ["den", "di"]


@pytest.mark.parametrize("text, expected", [
    ("office:\n\tname: X\n", "line 2: not valid YAML: use spaces, not tabs"),
    ("office:\n  name:\tX\n", "line 2: not valid YAML: use spaces, not tabs"),
    ("office:\n  name: X\n   timezone: Asia/Ho_Chi_Minh\n",
     "line 3: not valid YAML: check the indentation: this line is indented more than the key above it"),
    ("office:\n    name: X\n  timezone: Asia/Ho_Chi_Minh\n",
     "line 3: not valid YAML: check the indentation: keys of one section must start in the same column"),
    ("office:\n  name: 'X\n", "line 3: not valid YAML: close the quotation mark opened at line 2"),
])
def test_yaml_mistakes_say_what_to_fix(text, expected):
    problems = errors_of(text)
    assert len(problems) == 1 and problems[0].startswith(expected), problems
    assert "(YAML: " in problems[0]        # the reader's own words are kept


def test_id_patterns_are_said_in_words():
    problems = errors_of("books:\n  - id: Sổ Đến\n    name: A\n")
    assert problems == ["line 2: books.0.id: 'Sổ Đến' is not a valid id: use lower-case letters, digits, '-' or "
                        "'_', starting with a letter or digit, e.g. so-den"]
    assert "String should match" not in "\n".join(errors_of("units: [{id: '-x', name: X}]\n"))


@pytest.mark.parametrize("text, expected", [
    ("notices:\n  clerk_adress: a@x.gov.vn\n",
     "line 2: notices.clerk_adress: unknown setting 'clerk_adress'; did you mean 'clerk_address'?"),
    ("books: [{id: den, name: A}]\nmailboxes:\n  - {id: a, address: a@x.gov.vn, registr: den}\n",
     "line 3: mailboxes.0.registr: unknown setting 'registr'; did you mean 'register'?"),
    ("people: [{id: a, name: A, address: a@x.gov.vn, absences: [{form: 2026-12-01, to: 2026-12-02}]}]\n",
     "line 1: people.0.absences.0.form: unknown setting 'form'; did you mean 'from'?"),
    ("routes:\n  - name: A\n    when: {nto: {type: Tờ trình}}\n",
     "line 3: routes.0.when.nto: unknown setting 'nto'; did you mean 'not'?"),
    ("routes:\n  - name: A\n    when: {any: [{typ: Tờ trình}]}\n    contineu: true\n",
     "line 3: routes.0.when.any.0.typ: unknown setting 'typ'; did you mean 'type'?"),
    ("routes:\n  - name: A\n    contineu: true\n",
     "line 3: routes.0.contineu: unknown setting 'contineu'; did you mean 'continue'?"),
    ("mailboxes:\n  - id: a\n    address: a@x.gov.vn\n    register: den\n    imap: {host: h, username: u, mật khẩu: x}\n",
     "line 5: mailboxes.0.imap.mật khẩu: unknown setting 'mật khẩu': a password may not be written in rules.yaml"),
])
def test_misspelt_keys_get_the_closest_valid_key(text, expected):
    problems = errors_of(text)
    assert any(p.startswith(expected) for p in problems), problems
