"""`mailbot init`: a commented rules.yaml with the agency's values that `mailbot check` accepts."""

from __future__ import annotations

import stat
import unicodedata

import pytest

from mailbot.cli import main
from mailbot.config import load_rules
from mailbot.config.starter import mailbox_id

AGENCY = "Sở Tài chính tỉnh Quảng Ngãi"


def test_init_writes_a_configuration_that_check_accepts(tmp_path, capsys):
    target = tmp_path / "etc" / "stc"
    assert main(["init", "--agency", AGENCY, "--address", "VanThu@stc.quangngai.gov.vn",
                 "--imap-host", "mail.quangngai.gov.vn", "--port", "2601", str(target)]) == 0
    config = target / "rules.yaml"
    text = config.read_text(encoding="utf-8")
    assert unicodedata.is_normalized("NFC", text)
    assert "# Written by `mailbot init` for Sở Tài chính tỉnh Quảng Ngãi" in text
    assert text.count("\n#") > 60, "the example's comments were not kept"
    rules = load_rules(config)
    assert rules.office.name == AGENCY
    (box,) = rules.mailboxes
    assert (box.id, box.address, box.book) == ("stc", "vanthu@stc.quangngai.gov.vn", "den-stc")
    assert box.imap.host == "mail.quangngai.gov.vn"
    assert rules.notices.from_address == "vanthu@stc.quangngai.gov.vn"
    assert rules.smtp_intake.port == 2601
    assert rules.data_dir == target / "data" and rules.data_dir.is_dir()
    assert not rules.routes, "the provincial office's routes were copied into another agency's file"
    assert "ubnd@quangngai.gov.vn" not in text
    assert box.imap.password_file == str(target / "secrets" / "stc")
    secret = target / "secrets" / "stc"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert stat.S_IMODE((target / "secrets").stat().st_mode) == 0o700
    capsys.readouterr()
    assert main(["check", "--config", str(config)]) == 0
    assert "configuration OK" in capsys.readouterr().out


def test_init_without_imap_and_never_over_an_existing_file(tmp_path, capsys):
    assert main(["init", "--agency", "Sở Y tế tỉnh Quảng Ngãi", "--address", "vanthu@syt.quangngai.gov.vn",
                 "--data-dir", str(tmp_path / "state"), str(tmp_path / "syt")]) == 0
    rules = load_rules(tmp_path / "syt" / "rules.yaml")
    assert rules.mailboxes[0].imap is None and rules.data_dir == tmp_path / "state"
    assert not (tmp_path / "syt" / "secrets" / "syt").exists()
    before = (tmp_path / "syt" / "rules.yaml").read_bytes()
    assert main(["init", "--agency", "X", "--address", "a@b.gov.vn", str(tmp_path / "syt")]) == 1
    assert "never overwrites" in capsys.readouterr().err
    assert (tmp_path / "syt" / "rules.yaml").read_bytes() == before


def test_init_refuses_a_wrong_address(tmp_path, capsys):
    assert main(["init", "--agency", "X", "--address", "vanthu at stc", str(tmp_path / "x")]) == 1
    assert "--address" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("address, expected", [("vanthu@stc.quangngai.gov.vn", "stc"),
                                               ("ubnd@quangngai.gov.vn", "quangngai"),
                                               ("a@Sở-X.gov.vn", "s-x")])
def test_mailbox_id_is_the_agency_label(address, expected):
    assert mailbox_id(address) == expected
