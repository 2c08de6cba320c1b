"""The layers of docs/DESIGN.md §9 hold: lower layers never import higher ones, and only the
command layer prints."""

from __future__ import annotations

import ast
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
