"""Attack tests reuse the CLI harness: a real repository, `roadmapd` as a subprocess, the fake
Messages API. Each attack leaves a marker outside the workspace if it worked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.cli.conftest import edit, make_repo, one_task_roadmap
from tests.vcs.vcs_helpers import GIT_ENV, GitRepo, init_repo

__all__ = ["edit", "make_repo", "one_task_roadmap"]

SECRET = "sk-ant-secret-marker-1234"


@pytest.fixture
def daemon_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The daemon's environment for the git attack tests: an identity and the API key."""
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)
    yield


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return init_repo(tmp_path / "repo")
