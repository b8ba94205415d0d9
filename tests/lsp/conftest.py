"""Shared pieces of the language-server tests: a temp git repo with a roadmap, helpers."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

ROADMAP = """\
# Plan

## Phase 1
- [ ] T001 Build the parser
  - files: a.py
  - verify: pytest -q
- [x] T002 Write the docs
- [ ] T003 Wire it up
  - depends: T001, T002

## Phase 2
- [ ] T004 Ship it
  - depends: T003
"""

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
}


def make_repo(root: Path, roadmap: str = ROADMAP, name: str = "ROADMAP.md") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(roadmap, encoding="utf-8")
    env = {**os.environ, **GIT_ENV}
    subprocess.run(["git", "init", "-q", str(root)], check=True, env=env)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True, env=env)
    subprocess.run(["git", "-C", str(root), "commit", "-qm", "init"], check=True, env=env)
    return root / name


def server_config(*, engine: bool = False, **env: str) -> ClientServerConfig:
    """The server over stdio; without `engine` it runs with `--no-engine` (no task running)."""
    command = [sys.executable, "-m", "roadmapd.server", "--log-level", "WARNING"]
    return ClientServerConfig(
        server_command=command if engine else [*command, "--no-engine"],
        server_env={**os.environ, "ROADMAPD_TEST_HOOKS": "1", **env},
    )


def register_client_handlers(client: LanguageClient) -> dict[str, Any]:
    """Handlers pytest-lsp lacks; returns a dict counting what the server asked for."""
    seen: dict[str, Any] = {"refresh": 0, "registrations": [], "edits": [], "apply": True}

    @client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
    def refresh(params: None) -> None:
        seen["refresh"] += 1

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        seen["registrations"].extend(params.registrations)

    @client.feature(types.CLIENT_UNREGISTER_CAPABILITY)
    def unregister(params: types.UnregistrationParams) -> None:
        return None

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        seen["edits"].append(params)
        return types.ApplyWorkspaceEditResult(applied=seen["apply"])

    return seen


async def eventually(check: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    """Poll `check` until it returns something truthy; fail with `what` after `timeout`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = check()
        if result:
            return result
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def titles_by_line(lenses: list[types.CodeLens] | None) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for lens in lenses or []:
        assert lens.command is not None
        out.setdefault(lens.range.start.line, []).append(lens.command.title)
    return out


def lens_command(lenses: list[types.CodeLens] | None, title: str) -> types.Command:
    for lens in lenses or []:
        if lens.command is not None and lens.command.title == title:
            return lens.command
    raise AssertionError(f"no lens titled {title!r}")
