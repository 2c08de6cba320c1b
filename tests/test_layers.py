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
