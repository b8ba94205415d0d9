"""Fixtures for the agent tests: a real git workspace and a runner against the fake server.

Test modules cannot import each other under `--import-mode=importlib`, so shared helpers are
fixtures: `make_settings(url, **overrides)` and `run_agent(url, prompt, **overrides)`.
"""

from __future__ import annotations

import subprocess
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from roadmapd.agent.events import AgentEvent
from roadmapd.agent.session import AgentSession
from roadmapd.agent.settings import AgentSettings

API_KEY = "sk-ant-test-0123456789abcdef-SECRET"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
}

MakeSettings = Callable[..., AgentSettings]
RunAgent = Callable[..., Awaitable[tuple[AgentSession, list[AgentEvent]]]]


@pytest.fixture
def api_key() -> str:
    return API_KEY


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository with one committed file, as the agent finds a user's project."""
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    root = tmp_path / "ws"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / "README.md").write_text("# demo\n", encoding="utf-8")
    subprocess.run(["git", "-C", str(root), "add", "."], check=True)
    subprocess.run(["git", "-C", str(root), "commit", "-qm", "init"], check=True)
    return root


@pytest.fixture
def make_settings() -> MakeSettings:
    def make(url: str, **overrides: Any) -> AgentSettings:
        values: dict[str, Any] = {
            "base_url": url,
            "model": "claude-sonnet-4-6",  # the default model is deprecated in this SDK
            "retry_base_s": 0.01,
            "retry_cap_s": 0.05,
            "shell_timeout_s": 20.0,
        }
        values.update(overrides)
        return AgentSettings(**values)

    return make


@pytest.fixture
def run_agent(workspace: Path, make_settings: MakeSettings) -> RunAgent:
    async def run(
        url: str, prompt: str = "do the task", **overrides: Any
    ) -> tuple[AgentSession, list[AgentEvent]]:
        session = AgentSession(workspace, make_settings(url, **overrides), api_key=API_KEY)
        try:
            events = [event async for event in session.send(prompt)]
        finally:
            await session.aclose()
        return session, events

    return run
