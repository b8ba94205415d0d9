"""Fixtures for the vcs tests; the helpers live in vcs_helpers.py (importable from here)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from vcs_helpers import GIT_ENV, GitRepo, init_repo


@pytest.fixture(autouse=True)
def _git_identity(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    yield


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return init_repo(tmp_path / "repo")
