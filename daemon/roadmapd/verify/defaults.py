"""Sensible checks for a workspace that configures none, each with the reason it was chosen
(or skipped), so the user sees why the daemon runs what it runs."""

from __future__ import annotations

import configparser
import json
import os
import shlex
import shutil
import sys
import tomllib
from pathlib import Path
from typing import Any

from roadmapd.verify.spec import CheckSpec, ParserName

_SKIP_DIRS = {"node_modules", "site-packages", "__pycache__", "target", "build", "dist", "venv"}
_MAX_DEPTH = 4
_NPM_PLACEHOLDER = "no test specified"
_ESLINT_CONFIGS = (
    "eslint.config.js",
    "eslint.config.mjs",
    "eslint.config.cjs",
    "eslint.config.ts",
    ".eslintrc.js",
    ".eslintrc.cjs",
    ".eslintrc.json",
    ".eslintrc.yml",
    ".eslintrc.yaml",
    ".eslintrc",
)


def _venv_bin(root: Path) -> Path | None:
    for name in (".venv", "venv", "env"):
        candidate = root / name / "bin"
        if (candidate / "python").exists():
            return candidate
    return None


def _find_tool(root: Path, name: str) -> str | None:
    """The tool's executable: the workspace's venv, then the daemon's own, then PATH."""
    for folder in (_venv_bin(root), Path(sys.executable).parent):
        if folder is not None and (folder / name).is_file() and os.access(folder / name, os.X_OK):
            return str(folder / name)
    return shutil.which(name)


def _first_test_file(root: Path) -> str | None:
    for folder, dirs, files in os.walk(root):
        depth = len(Path(folder).relative_to(root).parts)
        dirs[:] = sorted(
            d for d in dirs if not d.startswith(".") and d not in _SKIP_DIRS and depth < _MAX_DEPTH
        )
        for name in sorted(files):
            if name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py")):
                return (Path(folder) / name).relative_to(root).as_posix()
    return None


def _read_pyproject(root: Path, reasons: list[str]) -> dict[str, Any]:
    path = root / "pyproject.toml"
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError) as exc:
        reasons.append(f"pyproject.toml could not be read ({exc}); its settings were ignored")
        return {}


def _setup_cfg_has(root: Path, section: str) -> bool:
    parser = configparser.ConfigParser()
    try:
        parser.read(root / "setup.cfg", encoding="utf-8")
    except (configparser.Error, OSError, UnicodeDecodeError):
        return False
    return parser.has_section(section)


def _python_checks(root: Path, checks: list[CheckSpec], reasons: list[str]) -> None:
    pyproject = _read_pyproject(root, reasons)
    tool = pyproject.get("tool", {}) if isinstance(pyproject.get("tool"), dict) else {}
    markers = [m for m in ("pyproject.toml", "setup.py", "setup.cfg") if (root / m).is_file()]
    test_file = _first_test_file(root)
    if test_file is not None:
        venv = _venv_bin(root)
        python = str(venv / "python") if venv else sys.executable
        why = f"the Python project ({', '.join(markers)})" if markers else "Python test files"
        checks.append(CheckSpec("pytest", f"{shlex.quote(python)} -m pytest", "pytest"))
        reasons.append(f"pytest: {why} has tests (e.g. {test_file}); run with {python}")
    elif markers:
        reasons.append("pytest: not chosen, no test_*.py or *_test.py files found")

    ruff_why = "[tool.ruff] in pyproject.toml" if "ruff" in tool else None
    ruff_why = ruff_why or next(
        (f for f in ("ruff.toml", ".ruff.toml") if (root / f).is_file()), None
    )
    if ruff_why:
        _add_tool(root, "ruff", "check .", "ruff", ruff_why, checks, reasons)

    mypy_config = tool.get("mypy") if isinstance(tool.get("mypy"), dict) else None
    mypy_why = "[tool.mypy] in pyproject.toml" if mypy_config is not None else None
    for name in ("mypy.ini", ".mypy.ini"):
        if mypy_why is None and (root / name).is_file():
            mypy_why, mypy_config = name, {}
    if mypy_why is None and _setup_cfg_has(root, "mypy"):
        mypy_why, mypy_config = "[mypy] in setup.cfg", {}
    if mypy_why:
        args = "--show-column-numbers --no-error-summary --no-color-output --no-pretty"
        if not (mypy_config or {}).get("files"):
            args += " ."
        _add_tool(root, "mypy", args, "mypy", mypy_why, checks, reasons)


def _add_tool(
    root: Path,
    name: str,
    args: str,
    parser: ParserName,
    why: str,
    checks: list[CheckSpec],
    reasons: list[str],
) -> None:
    executable = _find_tool(root, name)
    if executable is None:
        reasons.append(f"{name}: configured ({why}) but not installed; skipped")
        return
    checks.append(CheckSpec(name, f"{shlex.quote(executable)} {args}", parser))
    reasons.append(f"{name}: configured ({why})")


def _node_checks(root: Path, checks: list[CheckSpec], reasons: list[str]) -> None:
    package = root / "package.json"
    if not package.is_file():
        return
    try:
        data = json.loads(package.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, OSError, UnicodeDecodeError) as exc:
        reasons.append(f"npm test: package.json could not be read ({exc}); skipped")
        return
    scripts = data.get("scripts") if isinstance(data, dict) else None
    test = scripts.get("test") if isinstance(scripts, dict) else None
    if isinstance(test, str) and test.strip() and _NPM_PLACEHOLDER not in test:
        checks.append(CheckSpec("npm test", "npm test", "regex"))
        reasons.append(f"npm test: package.json has a test script ({test.strip()})")
    else:
        reasons.append("npm test: not chosen, package.json has no real test script")
    local_bin = root / "node_modules" / ".bin"
    if (root / "tsconfig.json").is_file() and (local_bin / "tsc").exists():
        checks.append(CheckSpec("tsc", "node_modules/.bin/tsc --noEmit --pretty false", "tsc"))
        reasons.append("tsc: tsconfig.json and a local typescript install")
    config = next((c for c in _ESLINT_CONFIGS if (root / c).is_file()), None)
    if config and (local_bin / "eslint").exists():
        checks.append(CheckSpec("eslint", "node_modules/.bin/eslint -f json .", "eslint"))
        reasons.append(f"eslint: {config} and a local eslint install")


def _native_checks(root: Path, checks: list[CheckSpec], reasons: list[str]) -> None:
    for marker, tool, run in (
        ("Cargo.toml", "cargo", "cargo test"),
        ("go.mod", "go", "go test ./..."),
    ):
        if not (root / marker).is_file():
            continue
        if shutil.which(tool) is None:
            reasons.append(f"{run}: {marker} present but {tool} is not installed; skipped")
            continue
        checks.append(CheckSpec(run, run, "regex"))
        reasons.append(f"{run}: {marker} present")


def detect_default_checks(root: Path) -> tuple[list[CheckSpec], list[str]]:
    """(checks, reasons): what to run in a workspace without configured checks, and why."""
    checks: list[CheckSpec] = []
    reasons: list[str] = []
    if not root.is_dir():
        return checks, [f"{root} is not a directory; no checks detected"]
    _python_checks(root, checks, reasons)
    _node_checks(root, checks, reasons)
    _native_checks(root, checks, reasons)
    if not checks:
        reasons.append("no checks detected: configure them under [tool.roadmapd] checks")
    return checks, reasons
