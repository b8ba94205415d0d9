"""Default checks for workspaces that configure none, with the reasons shown to the user."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from roadmapd.verify import detect_default_checks, run_checks

ProjectFactory = Callable[[dict[str, str]], Path]


def test_python_project_with_tests_ruff_and_mypy(project: ProjectFactory) -> None:
    root = project(
        {
            "pyproject.toml": '[project]\nname = "x"\n[tool.ruff]\n[tool.mypy]\nfiles = ["pkg"]\n',
            "pkg/__init__.py": "",
            "tests/test_pkg.py": "def test_x():\n    pass\n",
        }
    )
    checks, reasons = detect_default_checks(root)
    assert [(c.name, c.parser) for c in checks] == [
        ("pytest", "pytest"),
        ("ruff", "ruff"),
        ("mypy", "mypy"),
    ]
    assert checks[1].run.endswith("ruff check .")
    assert not checks[2].run.endswith(" .")  # mypy takes `files` from its config
    assert any("tests/test_pkg.py" in r for r in reasons)
    assert any("[tool.ruff] in pyproject.toml" in r for r in reasons)


async def test_detected_pytest_check_runs(project: ProjectFactory) -> None:
    root = project({"setup.py": "", "test_it.py": "def test_x():\n    assert 2 * 2 == 4\n"})
    checks, _ = detect_default_checks(root)
    assert [c.name for c in checks] == ["pytest"]
    assert (await run_checks(root, checks)).passed


def test_python_project_without_tests_gets_no_pytest(project: ProjectFactory) -> None:
    root = project({"pyproject.toml": '[project]\nname = "x"\n', "x.py": ""})
    checks, reasons = detect_default_checks(root)
    assert checks == []
    assert any("no test_*.py" in r for r in reasons)
    assert any("no checks detected" in r for r in reasons)


def test_mypy_ini_and_tests_in_a_venv_are_ignored(project: ProjectFactory) -> None:
    root = project({"mypy.ini": "[mypy]\n", ".venv/lib/test_vendored.py": ""})
    checks, reasons = detect_default_checks(root)
    assert [c.name for c in checks] == ["mypy"]
    assert checks[0].run.endswith(" .")
    assert any("mypy.ini" in r for r in reasons)


def test_node_project(project: ProjectFactory) -> None:
    root = project({"package.json": '{"scripts": {"test": "jest"}}'})
    checks, reasons = detect_default_checks(root)
    assert [(c.name, c.run) for c in checks] == [("npm test", "npm test")]
    assert any("(jest)" in r for r in reasons)


def test_npm_placeholder_test_script_is_not_a_check(project: ProjectFactory) -> None:
    placeholder = '{"scripts": {"test": "echo \\"Error: no test specified\\" && exit 1"}}'
    checks, reasons = detect_default_checks(project({"package.json": placeholder}))
    assert checks == []
    assert any("no real test script" in r for r in reasons)


def test_native_projects_follow_the_installed_toolchains(project: ProjectFactory) -> None:
    checks, reasons = detect_default_checks(project({"Cargo.toml": "", "go.mod": ""}))
    for tool, run in (("cargo", "cargo test"), ("go", "go test ./...")):
        chosen = any(c.run == run for c in checks)
        assert chosen == (shutil.which(tool) is not None)
        assert any(r.startswith(run) for r in reasons)


def test_broken_config_files_are_reported_not_fatal(project: ProjectFactory) -> None:
    root = project({"pyproject.toml": "[tool.ruff\n", "package.json": "{not json"})
    checks, reasons = detect_default_checks(root)
    assert checks == []
    assert any(r.startswith("pyproject.toml could not be read") for r in reasons)
    assert any("package.json could not be read" in r for r in reasons)


def test_missing_root(tmp_path: Path) -> None:
    checks, reasons = detect_default_checks(tmp_path / "nope")
    assert checks == [] and "not a directory" in reasons[0]
