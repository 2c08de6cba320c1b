"""`mailbot check`: validate the configuration, its files, its programs and its templates.

Loading the file (mailbot/config) already refuses what the file alone shows
wrong. Here come the checks that look outside it: the files and folders it
names (trust lists, password files, templates_dir), the Tesseract languages
installed, the document type names the reader knows (mailbot/inspect, which
config may not import). Each problem is said as `line N: key.path: what to do`;
any problem exits 1.
"""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys
from pathlib import Path

from mailbot.commands.common import add_config, load

Finding = tuple[tuple, str]     # (key path in rules.yaml, what to do)


def add_parser(sub) -> None:
    p = sub.add_parser("check", help="validate the configuration; exit 1 with line-numbered errors")
    add_config(p)


def findings(rules) -> tuple[list[Finding], list[Finding]]:
    """(problems, warnings) that loading the file cannot see, each with the key path at fault."""
    from mailbot.trust import trust_problems

    problems: list[Finding] = list(trust_problems(rules))
    warnings: list[Finding] = []
    if not rules.trust.roots:
        warnings.append((("trust", "roots"), "no trusted root certificate configured; no PDF signature can be "
                         "called trusted and no paper copy is waived (see the trust: section of rules.yaml)"))
    secret_findings(rules, problems, warnings)
    problems += templates_dir_problems(rules)
    ocr_findings(rules, problems, warnings)
    problems += type_name_problems(rules)
    return problems, warnings


def said(rules, items: list[Finding]) -> list[str]:
    """`line N: key.path: …` in the order of the file (those without a line last)."""
    ordered = sorted(items, key=lambda item: rules.line(item[0]) or sys.maxsize)   # stable: same line keeps order
    return [rules.located(path, message) for path, message in ordered]


# -- files named in the configuration -------------------------------------------------

def _unreadable(path: Path, what: str) -> str | None:
    if not path.exists():
        return f"{what} {path} does not exist; create it or correct the path"
    if path.is_dir():
        return f"{path} is a folder; name the {what} itself"
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        return (f"cannot read {what} {path} ({exc.strerror or exc}); let the user mailbot runs as read it "
                "(e.g. owner root, group mailbot, mode 640, or a systemd LoadCredential=)")
    return None


def secret_findings(rules, problems: list[Finding], warnings: list[Finding]) -> None:
    """password_file / oauth2_token_file exist and can be read; password_env is set."""
    sections = [(("mailboxes", i, "imap"), mb.imap) for i, mb in enumerate(rules.mailboxes) if mb.imap]
    if rules.smtp:
        sections.append((("smtp",), rules.smtp))
    for where, section in sections:
        token = getattr(section, "oauth2_token_file", None)
        if where[0] == "mailboxes" and not (section.password_file or section.password_env or token):
            problems.append((where, "no way to log in: add password_file (a file holding the password), "
                                    "password_env or oauth2_token_file"))
        for key, what in (("password_file", "password file"), ("oauth2_token_file", "token file")):
            value = getattr(section, key, None)
            if not value:
                continue
            # opened as written (not from the folder of rules.yaml), like the daemon does
            fault = _unreadable(Path(value), what)
            if fault:
                problems.append((where + (key,), fault))
            elif not Path(value).is_absolute():
                warnings.append((where + (key,), f"{value} is a relative path: it is opened from the folder "
                                 "the daemon starts in; write an absolute path"))
        if section.password_env and section.password_env not in os.environ:
            warnings.append((where + ("password_env",), f"environment variable {section.password_env} is not "
                             "set here; make sure the service sets it (systemd Environment= or EnvironmentFile=)"))


def templates_dir_problems(rules) -> list[Finding]:
    value = rules.notices.templates_dir
    if not value:
        return []
    folder = rules.path(value)
    where = ("notices", "templates_dir")
    if not folder.exists():
        return [(where, f"folder {folder} does not exist; create it and put there the templates you change "
                        "(same file names as mailbot/templates/), or remove templates_dir (a relative path "
                        "starts at the folder of rules.yaml)")]
    if not folder.is_dir():
        return [(where, f"{folder} is a file, not a folder; name the folder that holds your templates")]
    return []


def template_problems(rules) -> list[str]:
    """Every notice template the configuration can use, rendered with a sample document."""
    from mailbot.dispatch.compose import template_problems as render_all
    from mailbot.dispatch.notices import TEMPLATE_KINDS, sample_context

    return [f"notice template {p}" for p in render_all(rules, TEMPLATE_KINDS, sample_context(rules))]


# -- Tesseract ---------------------------------------------------------------------------

def tesseract_languages() -> frozenset[str] | None:
    """The languages `tesseract --list-langs` reports; None when tesseract is not installed."""
    exe = shutil.which("tesseract")
    if exe is None:
        return None
    try:
        run = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    # "List of available languages in "/usr/share/tesseract-ocr/5/tessdata/" (3):" then one per line
    # (on stdout; tesseract 3 wrote it to stderr).
    lines = (run.stdout or run.stderr).splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("List of"))


def ocr_findings(rules, problems: list[Finding], warnings: list[Finding]) -> None:
    """OCR on: tesseract and every language of ocr.languages must be installed. Off: warnings only."""
    ocr = rules.ocr
    installed = tesseract_languages()
    if installed is None:
        if ocr.enabled:
            problems.append((("ocr", "enabled"), "tesseract is not installed, so scanned documents cannot be "
                             "read; install it (Debian/Ubuntu: apt install tesseract-ocr tesseract-ocr-vie) "
                             "or write enabled: false"))
        else:
            warnings.append((("ocr", "enabled"), "tesseract is not installed; OCR is off, so the languages "
                             "were not checked"))
        return
    found = problems if ocr.enabled else warnings
    for lang in ocr.languages.split("+"):
        if lang in installed:
            continue
        near = difflib.get_close_matches(lang, sorted(installed), n=1, cutoff=0.5)
        package = f" (Debian/Ubuntu: apt install tesseract-ocr-{lang.lower().replace('_', '-')})" \
            if "/" not in lang else ""
        found.append((("ocr", "languages"), f"Tesseract has no language {lang!r} installed"
                      f"{f'; did you mean {near[0]!r}?' if near else ''} Installed: "
                      f"{', '.join(sorted(installed)) or 'none'}. Write installed ones (joined by '+'), "
                      f"or install the language{package}"))


# -- document type names ------------------------------------------------------------------

def _paper_types(paper) -> list[Finding]:
    """(key path, type name) of every type name in the paper_copy lists."""
    found = [(("paper_copy", "electronic_only_types", i), name) for i, name in enumerate(paper.electronic_only_types)]
    found.append((("paper_copy", "individual_decision", "type"), paper.individual_decision.type))
    found += [(("paper_copy", "electronic_only_when", i, "type"), rule.type)
              for i, rule in enumerate(paper.electronic_only_when)]
    return found


def _condition_types(cond, where: tuple) -> list[Finding]:
    if cond is None:
        return []
    found = [(where + ("type", j), name) for j, name in enumerate(cond.type or ())]
    for key in ("all", "any"):
        for k, inner in enumerate(getattr(cond, key) or ()):
            found += _condition_types(inner, where + (key, k))
    return found + _condition_types(cond.not_, where + ("not",))


def type_name_problems(rules) -> list[Finding]:
    """Type names (paper_copy lists, routes' `when: type:`) the document reader never produces."""
    from mailbot.config import PaperCopy
    from mailbot.inspect.document_types import TYPE_NAMES
    from mailbot.util.textfold import fold

    from mailbot.inspect.document_petition import PETITION_TYPES

    known = {fold(name): name for name in (*TYPE_NAMES.values(), *PETITION_TYPES)}
    # The shipped lists count as known: Decision 57 Art. 7 names "Lịch công tác", which Decree 30 does not.
    known.update({fold(name): name for _path, name in _paper_types(PaperCopy()) if fold(name) not in known})
    named = _paper_types(rules.paper_copy)
    for i, route in enumerate(rules.routes):
        named += _condition_types(route.when, ("routes", i, "when"))
    problems = []
    for path, name in named:
        if fold(name) in known:
            continue
        near = difflib.get_close_matches(fold(name), sorted(known), n=1, cutoff=0.6)
        hint = f"did you mean {known[near[0]]!r}?" if near else \
            f"write one of: {', '.join(sorted(known.values(), key=fold))}"
        problems.append((path, f"unknown document type {name!r}: documents are typed with the names of "
                               f"Decree 30/2020 (accents and case do not matter), so it would never match; {hint}"))
    return problems


def run(args) -> int:
    rules = load(args)
    found, warnings = findings(rules)
    for warning in said(rules, warnings):
        print(f"warning: {warning}", file=sys.stderr)
    found_text = said(rules, found) + template_problems(rules)
    if found_text:
        print(f"{args.config or 'rules.yaml'}: configuration problems:", file=sys.stderr)
        for p in found_text:
            print(f"  - {p}", file=sys.stderr)
        return 1
    print(f"configuration OK: {len(rules.mailboxes)} mailbox(es), {len(rules.books)} register book(s), "
          f"SMTP intake {'on' if rules.smtp_intake else 'off'}, "
          f"notices {'via ' + rules.smtp.host if rules.smtp else 'to ' + str(rules.outbox_dir)}")
    return 0
