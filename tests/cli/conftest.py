"""Helpers for the CLI end-to-end tests: real temp git repositories, `roadmapd` as a real
subprocess, and the fake Messages API server (`roadmapd.testing.FakeServer`)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from roadmapd.testing import FakeServer
from roadmapd.testing.script import tool_use

SECRET = "sk-test-SECRET-7f3a9c2e5d1b"
# These tests are about the CLI's other duties; their scripted agents change code without a
# test, so the red->green rule is off here (tests/cli/test_verdict.py runs with it on) and the
# jail too (tests/security/ runs with it).
CONFIG = """max_attempts = {attempts}
sandbox = "off"
evidence = "none"
shell_timeout_s = 60

[[checks]]
name = "tests"
run = "python -m pytest -q -p no:cacheprovider"
parser = "pytest"
"""
CALC = "def add(a, b):\n    return a + b\n"
TEST_CALC = "import calc\n\n\ndef test_add():\n    assert calc.add(2, 3) == 5\n"
EDITOR = "str_replace_based_edit_tool"


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True, timeout=30
    )
    return done.stdout


@dataclass
class Repo:
    secret = SECRET  # the API key every command gets; it must never show up anywhere
    path: Path
    env: dict[str, str]
    state_dir: Path

    def cli(
        self, *args: str, env: Mapping[str, str] | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        """`roadmapd ARGS` in the repository, stdin not a terminal."""
        return subprocess.run(
            [sys.executable, "-m", "roadmapd.cli", *args],
            cwd=self.path,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=timeout,
        )

    def run(self, session: dict[str, Any], *args: str) -> subprocess.CompletedProcess[str]:
        """`roadmapd run ARGS` against a fake Messages API server playing `session`."""
        with FakeServer(session) as server:
            return self.cli("run", *args, env={"ANTHROPIC_BASE_URL": server.url})

    def popen(self, *args: str, env: Mapping[str, str]) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "roadmapd.cli", *args],
            cwd=self.path,
            env={**self.env, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )

    def read(self, name: str) -> str:
        return (self.path / name).read_text(encoding="utf-8")

    def git(self, *args: str) -> str:
        return git(self.path, *args)

    def head(self) -> str:
        return git(self.path, "rev-parse", "HEAD").strip()

    def commits(self) -> list[str]:
        return git(self.path, "log", "--format=%s").splitlines()

    def state_files(self) -> list[Path]:
        return [p for p in self.state_dir.rglob("*") if p.is_file()]


def _make_repo(
    tmp_path: Path, roadmap: str, files: Mapping[str, str] | None = None, attempts: int = 2
) -> Repo:
    repo = tmp_path / "repo"
    repo.mkdir()
    contents = {
        "ROADMAP.md": roadmap,
        "roadmapd.toml": CONFIG.format(attempts=attempts),
        ".gitignore": "__pycache__/\n",
        "calc.py": CALC,
        "test_calc.py": TEST_CALC,
        **(files or {}),
    }
    for name, text in contents.items():
        (repo / name).write_text(text, encoding="utf-8")
    state = tmp_path / "state"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ANTHROPIC_", "ROADMAPD_", "GIT_")) and k != "PYTEST_CURRENT_TEST"
    }
    env.update(
        PATH=os.pathsep.join((str(Path(sys.executable).parent), os.environ.get("PATH", ""))),
        ROADMAPD_STATE_DIR=str(state),
        ANTHROPIC_API_KEY=SECRET,
        GIT_AUTHOR_NAME="Test",
        GIT_AUTHOR_EMAIL="test@example.invalid",
        GIT_COMMITTER_NAME="Test",
        GIT_COMMITTER_EMAIL="test@example.invalid",
        GIT_CONFIG_GLOBAL=os.devnull,
        PYTHONDONTWRITEBYTECODE="1",
    )
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True, env=env)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True, env=env)
    subprocess.run(["git", "commit", "-q", "-m", "initial"], cwd=repo, check=True, env=env)
    return Repo(repo, env, state)


def _replace(path: str, old: str, new: str) -> dict[str, Any]:
    args = {"command": "str_replace", "path": path, "old_str": old, "new_str": new}
    return tool_use(EDITOR, args)


MakeRepo = Callable[..., Repo]
Edit = Callable[[str, str, str], dict[str, Any]]


@pytest.fixture
def make_repo(tmp_path: Path) -> MakeRepo:
    """`make_repo(roadmap, files=None, attempts=2)`: a committed repository under tmp_path."""
    return lambda roadmap, files=None, attempts=2: _make_repo(tmp_path, roadmap, files, attempts)


@pytest.fixture
def edit() -> Edit:
    """`edit(path, old, new)`: a scripted reply that edits a file through the editor tool."""
    return _replace


@pytest.fixture
def one_task_roadmap() -> str:
    return "# Plan\n\n- [ ] Add subtract <!-- id: sub -->\n  - Files: calc.py\n"
