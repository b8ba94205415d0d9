"""The lazy package faces (`roadmapd/lazy.py`): what mypy and import-linter read (the imports
under `TYPE_CHECKING`) is what runs (the table given to `lazy_exports`), every exported name
resolves to its module's object, and importing the package, or one of its modules, loads
nothing else of it."""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

FACES = ("roadmapd.engine", "roadmapd.vcs")


def static_and_runtime(package: str) -> tuple[dict[str, str], dict[str, str]]:
    """name -> module, from the face's `if TYPE_CHECKING:` imports and from its table."""
    source = Path(importlib.import_module(package).__file__ or "").read_text(encoding="utf-8")
    (branch,) = [
        node
        for node in ast.parse(source).body
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
    ]
    static = {
        alias.asname or alias.name: "." * node.level + (node.module or "")
        for node in branch.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    (call,) = [
        node
        for node in ast.walk(ast.Module(body=branch.orelse, type_ignores=[]))
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "lazy_exports"
    ]
    table = ast.literal_eval(call.args[1])
    runtime = {name: module for module, names in table.items() for name in names}
    return static, runtime


@pytest.mark.parametrize("package", FACES)
def test_the_face_runs_what_the_type_checker_reads(package: str) -> None:
    static, runtime = static_and_runtime(package)
    assert runtime == static
    face = importlib.import_module(package)
    assert sorted(face.__all__) == sorted(static)
    # a name that is also a module of the package would be replaced by the module when the
    # module is imported (the import binds it on the package), which an eager face hides
    modules = {p.stem for p in Path(face.__file__ or "").parent.glob("*.py")}
    assert sorted(modules & set(static)) == []


@pytest.mark.parametrize("package", FACES)
def test_importing_the_face_loads_a_module_when_its_name_is_used(package: str) -> None:
    static, _ = static_and_runtime(package)
    probe = (
        "import importlib, json, sys\n"
        f"face = importlib.import_module({package!r})\n"
        f"loaded = sorted(m for m in sys.modules if m.startswith({package + '.'!r}))\n"
        f"names = {sorted(static)!r}\n"
        f"where = {static!r}\n"
        "same = [\n"
        "    getattr(face, n) is getattr(importlib.import_module(where[n], face.__name__), n)\n"
        "    for n in names\n"
        "]\n"
        "print(json.dumps([loaded, all(same)]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True, timeout=60
    )
    assert json.loads(done.stdout) == [[], True]


def test_an_unknown_name_is_an_attribute_error() -> None:
    face = importlib.import_module(FACES[0])
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        face.no_such_name  # noqa: B018
