"""ruff and mypy checks run for real on tiny projects."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable
from pathlib import Path

from roadmapd.problems import Severity
from roadmapd.verify import CheckSpec, run_checks

PY = shlex.quote(sys.executable)
ProjectFactory = Callable[[dict[str, str]], Path]
RUFF_CONFIG = '[tool.ruff]\nline-length = 100\n[tool.ruff.lint]\nselect = ["E", "F"]\n'


async def test_ruff_violations_become_problems(project: ProjectFactory) -> None:
    root = project(
        {
            "pyproject.toml": RUFF_CONFIG,
            "pkg/mod.py": "import os\n\n\ndef f():\n    return undefined_name\n",
            "pkg/clean.py": "X = 1\n",
        }
    )
    spec = CheckSpec("ruff", f"{PY} -m ruff check --no-cache .", "ruff")
    (result,) = (await run_checks(root, [spec])).results
    assert not result.passed and result.exit_code == 1
    found = {(p.file, p.range.start.line, p.range.start.character, p.code) for p in result.problems}
    assert found == {("pkg/mod.py", 0, 7, "F401"), ("pkg/mod.py", 4, 11, "F821")}
    unused = next(p for p in result.problems if p.code == "F401")
    assert unused.range.end.character == 9  # `os` spans columns 7..9
    assert "`os` imported but unused" in unused.message
    assert all(p.source == "ruff" for p in result.problems)


async def test_ruff_clean_project_passes(project: ProjectFactory) -> None:
    root = project({"pyproject.toml": RUFF_CONFIG, "pkg/clean.py": "X = 1\n"})
    spec = CheckSpec("ruff", f"{PY} -m ruff check --no-cache .", "ruff")
    report = await run_checks(root, [spec])
    assert report.passed
    assert report.problems == ()


async def test_ruff_format_check_reports_the_file(project: ProjectFactory) -> None:
    root = project({"pyproject.toml": RUFF_CONFIG, "pkg/ugly.py": "x=1\n"})
    spec = CheckSpec("format", f"{PY} -m ruff format --check --no-cache .", "ruff")
    (result,) = (await run_checks(root, [spec])).results
    assert not result.passed
    assert [(p.file, p.code) for p in result.problems] == [("pkg/ugly.py", "unformatted")]


async def test_mypy_errors_become_problems(project: ProjectFactory, mypy_cache: Path) -> None:
    root = project(
        {
            "mod.py": ("def f(x: int) -> str:\n    return x\n\nimport no_such_module_xyz\n"),
        }
    )
    flags = "--show-column-numbers --show-error-end --no-error-summary --no-color-output"
    spec = CheckSpec("mypy", f"{PY} -m mypy {flags} --cache-dir {mypy_cache} mod.py", "mypy")
    (result,) = (await run_checks(root, [spec])).results
    assert not result.passed and result.exit_code == 1
    by_code = {p.code: p for p in result.problems}
    assert set(by_code) == {"return-value", "import-not-found"}
    ret = by_code["return-value"]
    assert (ret.file, ret.range.start.line, ret.range.start.character) == ("mod.py", 1, 11)
    assert ret.range.end.character == 12  # the `x`, end exclusive
    assert 'Incompatible return value type (got "int", expected "str")' in ret.message
    # The note mypy prints under an error stays with it instead of becoming a problem.
    assert "missing-imports" in by_code["import-not-found"].message
    assert all(p.severity is Severity.ERROR for p in result.problems)


async def test_mypy_json_output(project: ProjectFactory, mypy_cache: Path) -> None:
    root = project({"mod.py": "y: int = 'a'\n"})
    spec = CheckSpec("mypy", f"{PY} -m mypy -O json --cache-dir {mypy_cache} mod.py", "mypy")
    (result,) = (await run_checks(root, [spec])).results
    assert not result.passed
    (problem,) = result.problems
    assert (problem.file, problem.code) == ("mod.py", "assignment")
    assert (problem.range.start.character, problem.range.end.character) == (9, 12)
