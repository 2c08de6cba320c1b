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


# inspect is bytes in, report out (docs/DESIGN.md §2): what runs programs, touches files or
# the network lives in runtime/ and is handed in (runtime/resolvers, runtime/ocr_engine).
IO_MODULES = frozenset({
    "subprocess", "socket", "tempfile", "dns", "os", "shutil", "pathlib", "glob", "multiprocessing",
    "pytesseract", "urllib", "http", "ftplib", "smtplib", "imaplib", "requests",
})
IO_METHODS = frozenset({"read_bytes", "write_bytes", "read_text", "write_text", "unlink", "mkdir", "rmdir",
                        "touch"})
# Exceptions, each with its reason: "path under mailbot/inspect: what" (as the test reports
# it, e.g. "ocr.py: subprocess") → why. Empty: inspect has none left.
IO_ALLOWED: dict[str, str] = {}


def _io_uses(source: str) -> list[tuple[int, str]]:
    """(line, what) of each import of an I/O module, call of open() / io.open / os.*, and
    call of a pathlib-style file method in `source`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] in IO_MODULES]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] in IO_MODULES:
                found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.open") for a in node.names if a.name == "open"]
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "open":
                found.append((node.lineno, "open()"))
            elif isinstance(func, ast.Attribute):
                owner = func.value.id if isinstance(func.value, ast.Name) else None
                if owner in ("os", "io", "builtins") and (owner == "os" or func.attr == "open"):
                    found.append((node.lineno, f"{owner}.{func.attr}()"))
                elif func.attr in IO_METHODS:
                    found.append((node.lineno, f".{func.attr}()"))
    return found


def test_inspect_does_no_io():
    assert [what for _, what in _io_uses(
        "import os.path\nfrom subprocess import run\nimport dns.resolver\nopen('x')\n"
        "p.write_bytes(b'')\nzf.open(info)\nio.BytesIO(b'')\n")] == \
        ["os.path", "subprocess", "dns.resolver", "open()", ".write_bytes()"]
    uses = []
    for path in sorted((PACKAGE / "inspect").rglob("*.py")):
        rel = path.relative_to(PACKAGE / "inspect").as_posix()
        for line, what in _io_uses(path.read_text(encoding="utf-8")):
            if f"{rel}: {what}" not in IO_ALLOWED:
                uses.append(f"mailbot/inspect/{rel}:{line}: {what}")
    assert uses == [], "inspect must not do I/O; hand it in from runtime/ (or list it in IO_ALLOWED with why)"


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
