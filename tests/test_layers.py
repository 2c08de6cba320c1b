"""The layers of docs/DESIGN.md §9 hold: lower layers never import higher ones, only the
command layer prints, and only the store holds SQL."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from importlinter import api as _unused  # noqa: F401 - import-linter is a test dependency

PACKAGE = Path(__file__).resolve().parent.parent / "mailbot"
ROOT = PACKAGE.parent


def test_import_layers_are_kept():
    from importlinter.cli import lint_imports

    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0


def test_only_commands_print():
    printing = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] == "commands" or rel.name in ("cli.py", "__main__.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print":
                printing.append(f"{rel}:{node.lineno}")
    assert printing == []


def test_the_folder_tree_names_the_flow():
    stages = ["intake", "spool", "inspect", "decide", "register", "dispatch"]
    for name in stages + ["runtime", "commands", "store", "util"]:
        assert (PACKAGE / name / "__init__.py").is_file(), name


# A string that begins with one of these words (upper case, as the code writes SQL) is SQL.
_SQL_START = re.compile(r"\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|PRAGMA|BEGIN|WITH)\b")


def _sql_literals(path: Path) -> list[int]:
    """Lines of the string constants (f-strings by their first literal part) that read as SQL."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.JoinedStr):
            first = node.values[0] if node.values else None
            text = first.value if isinstance(first, ast.Constant) else ""
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        else:
            continue
        if _SQL_START.match(text):
            lines.append(node.lineno)
    return lines


def test_sql_lives_only_in_store():
    """Every SQL statement is in mailbot/store/ (docs/DESIGN.md §9): the other layers call its
    functions, named by what they mean, so a schema change touches one package."""
    outside, inside = [], []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        found = [f"{rel}:{line}" for line in _sql_literals(path)]
        (inside if rel.parts[0] == "store" else outside).extend(found)
    assert outside == []
    assert len(inside) > 50     # the scan does see SQL where it is
