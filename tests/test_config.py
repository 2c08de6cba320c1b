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
    assert problems == ["line 3: office.colour: unknown setting (check the spelling; see the example rules.yaml)"]


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
