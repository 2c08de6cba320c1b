"""How a configuration problem is told: `line N: key.path: what to do`.

Every check of rules.yaml — the parser's, the cross-checks', `mailbot check`'s
look at files and programs — names the problem by its key path (as pydantic
reports it: `("mailboxes", 0, "address")`) and formats it here with the line
the path was written on.
"""

from __future__ import annotations

from pathlib import Path

Lines = dict[tuple, int]     # key path → 1-based line in rules.yaml


class ConfigError(Exception):
    """rules.yaml is missing or invalid; str() is the message for the administrator."""

    def __init__(self, path: Path | str, problems: list[str]):
        self.path = Path(path)
        self.problems = problems
        super().__init__(f"{path}: invalid configuration\n" + "\n".join(f"  - {p}" for p in problems))


def dotted(path: tuple) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


def line_of(lines: Lines, path: tuple) -> int | None:
    """The line of `path`, else of the nearest enclosing key that was written (a default has none)."""
    probe = tuple(path)
    while probe:
        if probe in lines:
            return lines[probe]
        probe = probe[:-1]
    return None


def located(lines: Lines, path: tuple, message: str) -> str:
    """`line 12: notices.clerk_address: <message>` (without the line when it is unknown)."""
    line = line_of(lines, path)
    return f"{'line %d: ' % line if line else ''}{dotted(path)}: {message}"
