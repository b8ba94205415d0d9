"""A hostile agent against the daemon's own git: hooks, hooksPath, and the environment git gets.

The daemon's git runs outside the jail with the daemon's environment, which holds the API key.
Each attack plants a command that writes a marker (and `env`) outside the working tree, then the
daemon's real vcs operations run (checkpoint, task commit, rollback): the marker must not appear,
or, where running is allowed (hooks turned on, a filter the user configured), it must not hold
the key. Real repositories in tmp_path, real git, no mocks.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import stat
from pathlib import Path

import pytest
from tests.vcs.vcs_helpers import GIT_ENV, GitRepo

from roadmapd.config import Config, load_config
from roadmapd.containment.jail import JailSettings, hook_jail
from roadmapd.vcs import (
    GitWorkspace,
    HookSettings,
    Plumbing,
    capture_checkpoint,
    commit_task,
    rollback_task,
)

SECRET = "sk-ant-secret-marker-1234"


pytestmark = pytest.mark.usefixtures("daemon_env")


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    return folder


def _script(path: Path, marker: Path, exit_code: int = 0) -> None:
    """An executable that copies its environment into `marker` (appending), then exits."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'#!/bin/sh\n{{ echo "ran $0"; env; }} >> "{marker}"\nexit {exit_code}\n')
    path.chmod(path.stat().st_mode | stat.S_IEXEC | stat.S_IXGRP | stat.S_IXOTH)


def _task(repo: GitRepo) -> None:
    """What an agent plus the checkbox tick leave on disk."""
    repo.write("src/app.py", "a = 1\nb = 2\nc = 30\n")
    repo.write("ROADMAP.md", "# Roadmap\n\n- [x] one\n- [ ] two\n")


ALL_HOOKS = (
    "pre-commit",
    "prepare-commit-msg",
    "commit-msg",
    "post-commit",
    "reference-transaction",
    "post-checkout",
    "post-index-change",
)


def test_hooks_in_git_hooks_do_not_run_by_default(repo: GitRepo, outside: Path) -> None:
    marker = outside / "pwned"
    for name in ALL_HOOKS:
        _script(repo.root / ".git/hooks" / name, marker)
    pl = Plumbing(repo.root)
    cp = capture_checkpoint(pl, "1", "One")
    _task(repo)
    outcome = commit_task(pl, cp, title="One", task_id="1", attempts=1)
    assert outcome.committed, outcome.reason
    assert rollback_task(pl, "1").done
    assert not marker.exists()


def test_hooks_turned_on_run_without_the_api_key(repo: GitRepo, outside: Path) -> None:
    marker = outside / "pwned"
    _script(repo.root / ".git/hooks/pre-commit", marker)
    _script(repo.root / ".git/hooks/post-commit", marker)
    _script(repo.root / ".git/hooks/reference-transaction", marker)  # git's, never ours to run
    ws = GitWorkspace(repo.root, run_hooks=True)

    async def run() -> None:
        cp = await ws.checkpoint("1", "One")
        _task(repo)
        outcome = await ws.commit_task(cp, title="One", task_id="1", attempts=1)
        assert outcome.committed, outcome.reason

    asyncio.run(run())
    text = marker.read_text()
    assert text.count("ran ") == 2 and "reference-transaction" not in text
    assert SECRET not in text and "ANTHROPIC_API_KEY" not in text
    assert f"GIT_INDEX_FILE={repo.root / '.git/index'}" not in text  # a private index
    assert "GIT_INDEX_FILE=" in text
    assert "GIT_CONFIG_VALUE_1=/dev/null" in text  # the git a hook runs gets no hooks either


def test_a_failing_hook_still_refuses_when_turned_on(repo: GitRepo, outside: Path) -> None:
    _script(repo.root / ".git/hooks/pre-commit", outside / "ran", exit_code=1)
    pl = Plumbing(repo.root)
    cp = capture_checkpoint(pl, "1", "One")
    _task(repo)
    head = repo.git("rev-parse", "HEAD")
    on = commit_task(pl, cp, title="One", task_id="1", attempts=1, hooks=HookSettings(True))
    assert not on.committed and "pre-commit hook failed (exit 1)" in (on.reason or "")
    assert repo.git("rev-parse", "HEAD") == head


@pytest.mark.parametrize("planted", ["changed", "created"])
def test_a_hook_the_task_wrote_under_core_hooks_path_never_runs(
    repo: GitRepo, outside: Path, planted: str
) -> None:
    """husky style: core.hooksPath names a folder of the working tree, which the agent can
    write. A hook there that the task changed or created is never run; the commit says why."""
    marker = outside / "pwned"
    repo.git("config", "core.hooksPath", ".husky")
    if planted == "changed":
        (repo.root / ".husky").mkdir()
        _script(repo.root / ".husky/pre-commit", outside / "benign")
        repo.commit_all("husky")
        (outside / "benign").unlink(missing_ok=True)
    pl = Plumbing(repo.root)
    cp = capture_checkpoint(pl, "1", "One")
    _task(repo)
    _script(repo.root / ".husky/pre-commit", marker)
    _script(repo.root / ".husky/reference-transaction", marker)
    head = repo.git("rev-parse", "HEAD")
    on = commit_task(pl, cp, title="One", task_id="1", attempts=1, hooks=HookSettings(True))
    assert not on.committed
    reason = on.reason or ""
    assert ".husky/pre-commit" in reason and "changed by the task" in reason
    assert "review" in reason
    assert repo.git("rev-parse", "HEAD") == head
    assert rollback_task(pl, "1").done
    assert not marker.exists()


def test_a_hook_changed_by_an_earlier_task_does_not_run_later(repo: GitRepo, outside: Path) -> None:
    """The next task's checkpoint holds the planted hook: it still differs from HEAD."""
    marker = outside / "pwned"
    repo.git("config", "core.hooksPath", ".husky")
    pl = Plumbing(repo.root)
    cp = capture_checkpoint(pl, "1", "One")
    _script(repo.root / ".husky/pre-commit", marker)
    first = commit_task(pl, cp, title="One", task_id="1", attempts=1, hooks=HookSettings(True))
    assert not first.committed
    cp2 = capture_checkpoint(pl, "2", "Two")
    _task(repo)
    second = commit_task(pl, cp2, title="Two", task_id="2", attempts=1, hooks=HookSettings(True))
    assert not second.committed and "not committed" in (second.reason or "")
    assert "review" in (second.reason or "")
    assert not marker.exists()


def test_a_reference_transaction_hook_in_the_work_tree_never_runs(
    repo: GitRepo, outside: Path
) -> None:
    """Every `update-ref` runs the reference-transaction hook: checkpoints, commits, rollbacks."""
    marker = outside / "pwned"
    repo.git("config", "core.hooksPath", "githooks")
    pl = Plumbing(repo.root)
    _script(repo.root / "githooks/reference-transaction", marker)
    _script(repo.root / "githooks/post-checkout", marker)
    cp = capture_checkpoint(pl, "1", "One")
    _task(repo)
    for settings in (HookSettings(False), HookSettings(True)):
        commit_task(pl, cp, title="One", task_id="1", attempts=1, hooks=settings)
    assert rollback_task(pl, "1").done
    assert not marker.exists()


def test_git_itself_runs_with_the_allowlisted_environment(
    repo: GitRepo, outside: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A clean filter the user configured runs inside the daemon's `git add`: what it sees is
    exactly the environment of git, which must not hold the key (identity and config do)."""
    seen = outside / "git-env"
    monkeypatch.setenv("SOME_TOKEN", "tok-secret-9999-abcdef")
    repo.git("config", "filter.probe.clean", f"sh -c 'env > {seen}; cat'")
    repo.write(".gitattributes", "*.txt filter=probe\n")
    repo.commit_all("attributes")
    repo.write("probe.txt", "hello\n")
    capture_checkpoint(Plumbing(repo.root), "1", "One")
    env = dict(line.split("=", 1) for line in seen.read_text().splitlines() if "=" in line)
    assert SECRET not in seen.read_text() and "ANTHROPIC_API_KEY" not in env
    assert "SOME_TOKEN" not in env
    assert env["GIT_AUTHOR_EMAIL"] == GIT_ENV["GIT_AUTHOR_EMAIL"]
    assert env["GIT_CONFIG_GLOBAL"] == os.devnull
    assert env["HOME"] == os.path.expanduser("~")
    assert "core.fsmonitor" in env.get("GIT_CONFIG_PARAMETERS", "")


def test_a_git_planted_on_path_inside_the_work_tree_never_runs(
    repo: GitRepo, outside: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The daemon was started from an activated venv of the project: PATH names a folder the
    agent can write. The `git` it puts there must not be the one the daemon runs."""
    marker = outside / "pwned"
    bin_dir = repo.root / ".venv/bin"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}.{os.pathsep}{os.environ['PATH']}")
    repo.write(".gitignore", "*.log\n.venv/\n")
    repo.commit_all("ignore the venv")
    pl = Plumbing(repo.root)
    cp = capture_checkpoint(pl, "1", "One")
    _script(bin_dir / "git", marker)
    _script(repo.root / "git", marker)  # "." on PATH
    _task(repo)
    assert commit_task(pl, cp, title="One", task_id="1", attempts=1).committed
    assert rollback_task(pl, "1").done
    assert not marker.exists()


def test_run_hooks_is_a_setting_off_by_default(tmp_path: Path) -> None:
    assert Config().run_hooks is False
    assert Config().merged({"runHooks": True}).run_hooks is True
    (tmp_path / "roadmapd.toml").write_text("run_hooks = true\n")
    assert load_config(tmp_path).run_hooks is True


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")
def test_hooks_turned_on_run_in_the_jail(repo: GitRepo, outside: Path) -> None:
    """The composition root's hook wrapper: a hook cannot write outside the work tree or reach
    the network, and the private index it must update stays writable."""
    marker, inside = outside / "pwned", repo.root / "hook-ran.txt"
    hook = repo.root / ".git/hooks/pre-commit"
    hook.write_text(
        "#!/bin/sh\n"
        f'echo escaped > "{marker}" 2>/dev/null\n'
        f'echo "index=$GIT_INDEX_FILE" > "{inside}"\n'
        'test -w "$(dirname "$GIT_INDEX_FILE")" && echo writable >> "' + str(inside) + '"\n'
        "exit 0\n"
    )
    hook.chmod(0o755)
    wrap = hook_jail(JailSettings(), repo.root)
    ws = GitWorkspace(repo.root, run_hooks=True, hook_wrap=wrap)

    async def run() -> None:
        cp = await ws.checkpoint("1", "One")
        _task(repo)
        outcome = await ws.commit_task(cp, title="One", task_id="1", attempts=1)
        assert outcome.committed, outcome.reason

    asyncio.run(run())
    assert not marker.exists()
    assert "writable" in inside.read_text()
