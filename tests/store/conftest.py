"""Store tests run against a state root in a tmp dir (via ROADMAPD_STATE_DIR), never the user's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from roadmapd.store import ENV_STATE_DIR, StateStore


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(ENV_STATE_DIR, str(tmp_path / "state"))
    path = tmp_path / "my project"
    path.mkdir()
    return path


@pytest.fixture
def store(repo: Path) -> StateStore:
    return StateStore(repo)


class Python:
    """Starts `python -c CODE` with the test's state dir, the repo path as argv[1]."""

    def __init__(self, repo: Path) -> None:
        self.repo = repo

    def popen(self, code: str, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-c", code, str(self.repo), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ),
        )


@pytest.fixture
def python(repo: Path) -> Python:
    return Python(repo)
