"""Reading rules.yaml: YAML → line index → validated `Rules`, or every problem with its line.

An invalid file is refused as a whole. Problems are reported as
`line N: key.path: what to do` — YAML mistakes (indentation, tabs, unclosed
quotes or brackets), keys written twice (PyYAML would silently keep the
last), pydantic's errors (worded in `wording.py`) and checks across sections.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from mailbot.config.errors import ConfigError, Lines, dotted, located
from mailbot.config.models import Rules
from mailbot.config.routes import check_routing, unique
from mailbot.config.wording import describe

DEFAULT_CONFIG_PATHS = (Path("rules.yaml"), Path("/etc/mailbot/rules.yaml"))
START_HERE = "start from the example rules.yaml in the source tree"


class _RulesLoader(yaml.SafeLoader):
    """Safe YAML, except that dates stay text: `2026-02-30` is then reported by the
    office.holidays check with its line, instead of crashing the YAML reader."""


_RulesLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def line_index(node: yaml.Node | None, prefix: tuple = (), _open: frozenset = frozenset()) -> Lines:
    """Map each key path (as pydantic reports it) to its 1-based line number."""
    if node is None or id(node) in _open:    # nothing, or a recursive alias
        return {}
    lines: Lines = {prefix: node.start_mark.line + 1}
    inner = _open | {id(node)}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            path = prefix + (key.value,)
            lines[path] = key.start_mark.line + 1
            lines.update({k: v for k, v in line_index(value, path, inner).items() if k != path})
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines.update(line_index(item, prefix + (i,), inner))
    return lines


def repeated_keys(node: yaml.Node | None, prefix: tuple = (), _open: frozenset = frozenset()) -> list[str]:
    """Keys written twice in one mapping: PyYAML keeps the last one without a word."""
    if node is None or id(node) in _open:
        return []
    problems: list[str] = []
    inner = _open | {id(node)}
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else None
            line = key.start_mark.line + 1
            if name is not None and name != "<<":      # "<<" merges an anchor: not a repeat
                if name in seen:
                    problems.append(
                        f"line {line}: {dotted(prefix + (name,))}: {name!r} is written twice (lines "
                        f"{seen[name]} and {line}): the second would silently replace the first; "
                        f"keep one `{name}:` and put everything under it")
                seen.setdefault(name, line)
            problems += repeated_keys(value, prefix + (name,), inner)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            problems += repeated_keys(item, prefix + (i,), inner)
    return problems


def yaml_problem(exc: Exception, text: str) -> str:
    """A YAML reader's error as `line N: not valid YAML: <what to do> (YAML: <its words>)`."""
    mark = getattr(exc, "problem_mark", None)
    problem = str(getattr(exc, "problem", None) or exc)
    context = str(getattr(exc, "context", None) or "")
    context_mark = getattr(exc, "context_mark", None)
    where = f"line {mark.line + 1}: " if mark else ""
    source_lines = text.splitlines()
    here = source_lines[mark.line] if mark and mark.line < len(source_lines) else ""
    opened = f" at line {context_mark.line + 1}" if context_mark else ""
    if "\t" in problem or "\t" in here[:len(here) - len(here.lstrip())] or "'\\t'" in problem:
        advice = "use spaces, not tabs: indent with spaces and put a space (not a tab) after ':'"
    elif problem.startswith("mapping values are not allowed"):
        advice = ("check the indentation: this line is indented more than the key above it, or a value "
                  "holds ': ' and must be put in quotes")
    elif "expected <block end>" in problem or "did not find expected key" in problem:
        advice = ("check the indentation: keys of one section must start in the same column, "
                  f"indented with spaces (the section begins{opened or ' above'})")
    elif "quoted scalar" in context:
        advice = f"close the quotation mark opened{opened}"
    elif "flow sequence" in context:
        advice = f"close with ']' the list opened with '['{opened}"
    elif "flow mapping" in context:
        advice = f"close with '}}' the mapping opened with '{{'{opened}"
    else:
        advice = "compare it with the example rules.yaml"
    return f"{where}not valid YAML: {advice} (YAML: {problem})"


def _cross_check(rules: Rules, lines: Lines) -> list[str]:
    """Checks that span sections, reported at the line of the offending value."""
    problems = unique("books", [b.id for b in rules.books], "id", lines, "give each register book its own id")
    problems += unique("mailboxes", [mb.id for mb in rules.mailboxes], "id", lines,
                       "give each mailbox its own id")
    problems += unique("mailboxes", [mb.address for mb in rules.mailboxes], "address", lines,
                       "each address is watched by one mailbox entry")
    books = {b.id for b in rules.books}
    for i, mb in enumerate(rules.mailboxes):
        if mb.book not in books:
            problems.append(located(lines, ("mailboxes", i, "register"),
                                    f"register book {mb.book!r} is not defined under books: "
                                    f"(defined: {', '.join(sorted(books))})"))
    problems += check_routing(rules.units, rules.people, rules.routes, books, lines)
    for i, schedule in enumerate(rules.reports.schedules):
        if schedule.book is not None and schedule.book not in books:
            problems.append(located(lines, ("reports", "schedules", i, "book"),
                                    f"register book {schedule.book!r} is not defined under books: "
                                    f"(defined: {', '.join(sorted(books))})"))
    watched = {mb.address for mb in rules.mailboxes}
    for key in ("clerk_address", "security_contact"):
        address = getattr(rules.notices, key)
        if address and address.lower() in watched:
            problems.append(located(lines, ("notices", key), f"{address} is a watched mailbox; alerts sent "
                                    "there would come back in as mail: name a person's address"))
    return problems


def parse_rules(text: str, source: Path | str = "rules.yaml") -> Rules:
    source = Path(source)
    try:
        node = yaml.compose(text, Loader=_RulesLoader)
        data = yaml.load(text, Loader=_RulesLoader)  # noqa: S506 - a SafeLoader subclass
    except (yaml.YAMLError, ValueError) as exc:   # ValueError: an explicit !!timestamp that is no date
        raise ConfigError(source, [yaml_problem(exc, text)]) from None
    if data is None:
        what = "the file is empty" if not text.strip() else "the file holds only comments, no settings"
        raise ConfigError(source, [f"line 1: {what}: {START_HERE}"])
    if not isinstance(data, dict):
        raise ConfigError(source, [f"line 1: the file must be a mapping of sections (office:, mailboxes:, …), "
                                   f"not a {type(data).__name__}: {START_HERE}"])
    lines = line_index(node)
    problems = repeated_keys(node)
    try:
        rules = Rules.model_validate({**data, "base_dir": source.resolve().parent})
    except ValidationError as exc:
        raise ConfigError(source, problems + [describe(e, lines) for e in exc.errors()]) from None
    problems += _cross_check(rules, lines)
    if problems:
        raise ConfigError(source, problems)
    rules._lines = lines
    return rules


def load_rules(path: Path | str | None = None) -> Rules:
    """Read rules.yaml from `path`, else ./rules.yaml, else /etc/mailbot/rules.yaml."""
    candidates = [Path(path)] if path else list(DEFAULT_CONFIG_PATHS)
    for candidate in candidates:
        if candidate.is_file():
            try:
                text = candidate.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise ConfigError(candidate, [f"cannot read the file: {exc}"]) from None
            return parse_rules(text, candidate)
    tried = ", ".join(str(c) for c in candidates)
    raise ConfigError(candidates[0], [f"no configuration file found (tried {tried}); {START_HERE}"])
