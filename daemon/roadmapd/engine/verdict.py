"""What a pass needs besides green checks: a change, and nothing that weakens verification.

Pure rules over the files an attempt changed (`FileChangeLike`: path, text at the checkpoint,
text now). The engine asks them after the agent ends its turn, before the checks run:

- **No change, no pass.** An attempt whose tree equals its checkpoint fails with "no changes
  were made", unless the task has its own `Verify:` commands (a verification task: a tick-only
  commit is right when they pass).
- **Verification the agent cannot weaken.** Deleting a test file, removing test functions or
  asserts, adding skips or `assert True`, adding pytest hooks in a `conftest.py`, editing the
  check configuration (roadmapd.toml, `[tool.roadmapd]` / `[tool.pytest.ini_options]` in
  pyproject.toml, pytest.ini, tox.ini, setup.cfg, package.json `scripts.test`), or ticking /
  unticking a task's box (the daemon owns every checkbox) is a finding. An attempt with findings
  goes back to the agent; only an explicit approval (`--allow-weaken`) commits it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Protocol


class FileChangeLike(Protocol):
    @property
    def binary(self) -> bool: ...
    @property
    def size(self) -> int: ...
    @property
    def path(self) -> str: ...
    @property
    def before(self) -> str | None: ...
    @property
    def after(self) -> str | None: ...
    @property
    def existed(self) -> bool: ...
    @property
    def exists(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class Finding:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


_TEST_FILE = re.compile(
    r"(^|/)(tests?/.*\.(py|[jt]sx?|go|rs)$|test_[^/]*\.py$|[^/]*_test\.(py|go)$|"
    r"[^/]*\.(test|spec)\.[jt]sx?$)"
)
_ASSERT = re.compile(
    r"\bassert\b|\bself\.assert\w*\(|\bpytest\.raises\(|\bexpect\(|\bt\.(Error|Fatal)"
)
_TEST_FUNCTION = re.compile(r"^\s*(async\s+)?def\s+test\w*\s*\(|^\s*(it|test)\s*\(", re.M)
_NEUTERED = re.compile(
    r"\bassert\s+(True|1|not\s+False)\b|\bpytest\.skip\(|@pytest\.mark\.(skip|xfail)|"
    r"@unittest\.skip|\b(it|test|describe)\.skip\(|\bxit\(|\bxdescribe\(|\bt\.Skip\(|"
    r"\bpytestmark\s*=.*skip"
)
_HOOK = re.compile(
    r"\bdef\s+pytest_(collection\w*|runtest\w*|report\w*|sessionfinish|terminal_summary|"
    r"configure|make_report|pyfunc_call|ignore_collect|itemcollected)\b|\bpytest\.skip\(|"
    r"\bcollect_ignore"
)
_CONFIG_FILES = frozenset(
    {"roadmapd.toml", "pytest.ini", "tox.ini", "setup.cfg", ".coveragerc", "noxfile.py"}
)
_PYPROJECT_SECTIONS = ("[tool.roadmapd", "[tool.pytest", "[tool.coverage")
_BOX = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\[([ xX])\]\s+(.*?)\s*$")


_NOISE_DIRS = (
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".hypothesis",
    ".tox",
    ".nox",
)


def is_noise(path: str) -> bool:
    """Output of running tools (bytecode, caches), not work: it never counts as a change."""
    parts = path.split("/")
    return path.endswith((".pyc", ".pyo")) or any(p in _NOISE_DIRS for p in parts[:-1])


def work(changes: Sequence[FileChangeLike]) -> list[FileChangeLike]:
    """The changes that are work, without the noise of running tools."""
    return [c for c in changes if not is_noise(c.path)]


def is_test_file(path: str) -> bool:
    return bool(_TEST_FILE.search(path))


def made_no_change(changes: Sequence[FileChangeLike]) -> bool:
    return not work(changes)


def weakening(changes: Sequence[FileChangeLike]) -> list[Finding]:
    """Every way the attempt's changes weaken the verification that judges it."""
    found: list[Finding] = []
    for change in work(changes):
        name = change.path.rsplit("/", 1)[-1]
        before, after = change.before or "", change.after or ""
        if name.endswith(".md"):
            found += _box_changes(change.path, before, after)
        if name == "conftest.py":
            added = _count(_HOOK, after) - _count(_HOOK, before)
            if added > 0:
                found.append(Finding(change.path, "adds pytest hooks that can change the verdict"))
            continue
        if name in _CONFIG_FILES or name == "pyproject.toml" or name == "package.json":
            if (why := _config_change(name, before, after)) is not None:
                found.append(Finding(change.path, why))
            continue
        if not is_test_file(change.path) or not change.existed:
            if is_test_file(change.path) and _count(_NEUTERED, after):
                found.append(Finding(change.path, "a new test that skips or asserts nothing"))
            continue
        if not change.exists:
            found.append(Finding(change.path, "deletes an existing test file"))
            continue
        fewer_tests = _count(_TEST_FUNCTION, before) - _count(_TEST_FUNCTION, after)
        if fewer_tests > 0:
            found.append(Finding(change.path, f"removes {fewer_tests} test function(s)"))
        fewer_asserts = _count(_ASSERT, before) - _count(_ASSERT, after)
        if fewer_asserts > 0:
            found.append(Finding(change.path, f"removes {fewer_asserts} assert(s)"))
        if _count(_NEUTERED, after) > _count(_NEUTERED, before):
            found.append(Finding(change.path, "skips tests or replaces an assert by `assert True`"))
    return found


def surprises(
    changes: Sequence[FileChangeLike],
    *,
    max_file_mb: float,
    strict_files: bool,
    files: Sequence[str],
) -> list[Finding]:
    """What a commit should not carry without the user's word: files over `max_file_mb`,
    binaries the task created, and (with `strict_files`) paths outside the task's `Files:`."""
    found: list[Finding] = []
    for change in work(changes):
        if not change.exists:
            continue
        if max_file_mb and change.size > max_file_mb * 1024 * 1024:
            mb = change.size / (1024 * 1024)
            found.append(
                Finding(change.path, f"a {mb:,.1f} MB file (max_file_mb = {max_file_mb:g})")
            )
        elif change.binary and not change.existed:
            found.append(Finding(change.path, "a new binary file"))
        if strict_files and files and not _inside(change.path, files):
            found.append(Finding(change.path, f"outside the task's Files: {', '.join(files)}"))
    return found


def _inside(path: str, hints: Sequence[str]) -> bool:
    for hint in hints:
        hint = hint.strip().rstrip("/")
        if path == hint or path.startswith(hint + "/") or fnmatchcase(path, hint):
            return True
    return False


def _count(pattern: re.Pattern[str], text: str) -> int:
    return len(pattern.findall(text))


def _config_change(name: str, before: str, after: str) -> str | None:
    if name == "pyproject.toml":
        if _sections(before) != _sections(after):
            return "changes the test or roadmapd configuration in pyproject.toml"
        return None
    if name == "package.json":
        if _test_script(before) != _test_script(after):
            return "changes scripts.test in package.json"
        return None
    return f"changes the check configuration ({name})"


def _sections(text: str) -> list[str]:
    """The lines of the pyproject.toml tables that configure checks (roadmapd, pytest...)."""
    kept: list[str] = []
    inside = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            inside = stripped.startswith(_PYPROJECT_SECTIONS)
        if inside and stripped:
            kept.append(stripped)
    return kept


def _test_script(text: str) -> object:
    try:
        data = json.loads(text) if text.strip() else {}
    except ValueError:
        return text
    scripts = data.get("scripts") if isinstance(data, dict) else None
    return scripts.get("test") if isinstance(scripts, dict) else None


def _box_changes(path: str, before: str, after: str) -> list[Finding]:
    """Tasks whose box the attempt ticked or unticked (matched by their text)."""
    old = {m.group(2): m.group(1) != " " for line in before.splitlines() if (m := _BOX.match(line))}
    found = []
    for line in after.splitlines():
        m = _BOX.match(line)
        if m and m.group(2) in old and old[m.group(2)] != (m.group(1) != " "):
            verb = "ticks" if m.group(1) != " " else "unticks"
            found.append(Finding(path, f"{verb} the box of '{m.group(2)[:60]}' (roadmapd owns it)"))
    return found
