"""A hostile agent against the daemon's git through nested repositories.

The agent's shell cannot write `.git`, but it can create `sub/.git` (a real nested repository, or
a `.git` file pointing at a git dir it owns) whose config runs commands: `core.fsmonitor`, or a
clean filter with a `.gitattributes`. The daemon's git runs outside the jail with the API key.
Each test plants such a repository, then drives checkpoints, the task's commit and rollback:
nothing may run (no marker outside the working tree), the commit is refused with a reason that
says what to remove, and checkpoints keep working, even for an empty nested repository.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from tests.vcs.vcs_helpers import GIT_ENV, GitRepo

from roadmapd.vcs import (
    Plumbing,
    capture_checkpoint,
    changed_files,
    commit_task,
    diff_since,
    list_checkpoints,
    restore_checkpoint,
    rollback_task,
    undo_rollback,
)

SECRET = "sk-ant-secret-marker-1234"


pytestmark = pytest.mark.usefixtures("daemon_env")


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    (tmp_path / "outside").mkdir()
    return tmp_path / "outside" / "pwned"


def _agent_git(cwd: Path, *args: str) -> None:
    """git as the agent runs it in its shell (no API key there, no hooks, no fsmonitor yet)."""
    env = {k: v for k, v in os.environ.items() if k != "ANTHROPIC_API_KEY"}
    subprocess.run(
        ["git", "-c", "core.fsmonitor=false", *args],
        cwd=cwd, env={**env, **GIT_ENV}, check=True, capture_output=True,
    )  # fmt: skip


def _arm(git_dir_or_work: Path, marker: Path) -> None:
    """Config in a repository the agent owns that runs a command from almost anything."""
    evil = f"sh -c '{{ echo ran; env; }} >> {marker}; cat'"
    _agent_git(git_dir_or_work, "config", "core.fsmonitor", f"sh -c 'env >> {marker}'")
    _agent_git(git_dir_or_work, "config", "filter.evil.clean", evil)
    _agent_git(git_dir_or_work, "config", "filter.evil.smudge", evil)
    _agent_git(git_dir_or_work, "config", "diff.evil.textconv", evil)


def _nested_repo(root: Path, rel: str, marker: Path, *, commit: bool = True) -> Path:
    """`git init <rel>` with a committed file and armed config, as the agent would make it."""
    sub = root / rel
    sub.mkdir(parents=True, exist_ok=True)
    _agent_git(sub, "init", "-q", "-b", "main")
    (sub / ".gitattributes").write_text("* filter=evil diff=evil\n")
    (sub / "lib.py").write_text("x = 1\n")
    if commit:
        _agent_git(sub, "add", "-A")
        _agent_git(sub, "commit", "-q", "-m", "nested")
    _arm(sub, marker)
    (sub / "lib.py").write_text("x = 2\n")  # dirty: git status in it would refresh its index
    return sub


def _task(repo: GitRepo) -> None:
    repo.write("src/app.py", "a = 1\nb = 2\nc = 30\n")
    repo.write("ROADMAP.md", "# Roadmap\n\n- [x] one\n- [ ] two\n")


def _gitlinks(repo: GitRepo, rev: str) -> list[str]:
    return [line for line in repo.git("ls-tree", "-r", rev).splitlines() if line[:6] == "160000"]


def test_a_nested_repo_with_fsmonitor_runs_nothing_and_is_not_committed(
    repo: GitRepo, marker: Path
) -> None:
    pl = Plumbing(repo.root)
    cp = capture_checkpoint(pl, "1", "One")
    _task(repo)
    _nested_repo(repo.root, "sub", marker)
    head = repo.git("rev-parse", "HEAD")
    assert "sub/lib.py" not in changed_files(pl, cp) and "sub" not in changed_files(pl, cp)
    assert "src/app.py" in diff_since(pl, cp)
    outcome = commit_task(pl, cp, title="One", task_id="1", attempts=1)
    assert not outcome.committed
    assert outcome.reason == (
        "not committed: the task created a nested git repository at sub/ (sub/.git); remove "
        "it, roadmapd does not commit nested repositories (the task's other changes are still "
        "in the working tree)"
    )
    assert repo.git("rev-parse", "HEAD") == head
    assert "160000" not in repo.index()
    later = capture_checkpoint(pl, "2", "Two")  # checkpoints still work
    assert not _gitlinks(repo, later.commit)
    assert list_checkpoints(pl)[0].ref == later.ref
    back = rollback_task(pl, "1")
    assert back.done and "src/app.py" in back.files
    assert "sub/" in (back.reason or "") and "nested" in (back.reason or "")
    assert (repo.root / "sub/.git").is_dir()  # never deleted: it was never recorded
    assert repo.read("src/app.py") == "a = 1\nb = 2\nc = 3\n"
    assert undo_rollback(pl).done
    assert not marker.exists()


def test_the_commit_goes_through_once_the_nested_repo_is_removed(
    repo: GitRepo, marker: Path
) -> None:
    pl = Plumbing(repo.root)
    cp = capture_checkpoint(pl, "1", "One")
    _task(repo)
    sub = _nested_repo(repo.root, "sub", marker)
    assert not commit_task(pl, cp, title="One", task_id="1", attempts=1).committed
    subprocess.run(["rm", "-rf", str(sub / ".git")], check=True)
    outcome = commit_task(pl, cp, title="One", task_id="1", attempts=1)
    assert outcome.committed, outcome.reason
    assert "sub/lib.py" in outcome.files and not _gitlinks(repo, "HEAD")
    assert not marker.exists()


def test_a_dot_git_file_pointing_outside_runs_nothing(
    repo: GitRepo, marker: Path, tmp_path: Path
) -> None:
    """`sub/.git` is a file `gitdir: <a git dir the agent owns>` (outside, or anywhere)."""
    owned = tmp_path / "agent-owned"
    work = _nested_repo(tmp_path / "scratch", "w", marker)
    (work / ".git").rename(owned)
    pl = Plumbing(repo.root)
    cp = capture_checkpoint(pl, "1", "One")
    _task(repo)
    sub = repo.root / "vendor/sub"
    sub.mkdir(parents=True)
    (sub / ".git").write_text(f"gitdir: {owned}\n")
    (sub / ".gitattributes").write_text("* filter=evil diff=evil\n")
    (sub / "lib.py").write_text("x = 3\n")
    outcome = commit_task(pl, cp, title="One", task_id="1", attempts=1)
    assert not outcome.committed
    assert "nested git repository at vendor/sub/ (vendor/sub/.git)" in (outcome.reason or "")
    assert capture_checkpoint(pl, "2", "Two").commit
    assert rollback_task(pl, "1").done
    assert not marker.exists()


def test_an_empty_nested_repo_is_refused_clearly_and_checkpoints_keep_working(
    repo: GitRepo, marker: Path
) -> None:
    """An empty repository makes `git add` fail: today "passed but nothing committed", and
    every later checkpoint fails."""
    pl = Plumbing(repo.root)
    cp = capture_checkpoint(pl, "1", "One")
    _task(repo)
    _nested_repo(repo.root, "empty", marker, commit=False)
    outcome = commit_task(pl, cp, title="One", task_id="1", attempts=1)
    assert not outcome.committed
    assert "nested git repository at empty/ (empty/.git)" in (outcome.reason or "")
    nxt = capture_checkpoint(pl, "2", "Two")
    assert nxt.commit and not _gitlinks(repo, nxt.commit)
    assert restore_checkpoint(pl, cp).done
    assert repo.read("src/app.py") == "a = 1\nb = 2\nc = 3\n"
    assert not marker.exists()


def test_a_nested_repo_over_a_tracked_folder_is_refused(repo: GitRepo, marker: Path) -> None:
    """`git init src` where src/ is tracked: git then records src/ files as plain files, but
    the repository the task made there stays for the next tool that opens src/."""
    pl = Plumbing(repo.root)
    cp = capture_checkpoint(pl, "1", "One")
    _task(repo)
    _agent_git(repo.root / "src", "init", "-q")
    _arm(repo.root / "src", marker)
    repo.write("src/new.py", "n = 1\n")
    outcome = commit_task(pl, cp, title="One", task_id="1", attempts=1)
    assert not outcome.committed
    assert "nested git repository at src/ (src/.git)" in (outcome.reason or "")
    assert not marker.exists()


def test_a_nested_repo_the_user_already_had_does_not_block_the_task(
    repo: GitRepo, marker: Path
) -> None:
    _nested_repo(repo.root, "vendor/lib", marker)  # the user's own clone, untracked
    pl = Plumbing(repo.root)
    cp = capture_checkpoint(pl, "1", "One")
    _task(repo)
    outcome = commit_task(pl, cp, title="One", task_id="1", attempts=1)
    assert outcome.committed, outcome.reason
    assert outcome.files == ("ROADMAP.md", "src/app.py")
    assert not _gitlinks(repo, "HEAD")
    assert not marker.exists()


def test_a_submodule_the_task_rearmed_runs_nothing(repo: GitRepo, marker: Path) -> None:
    """The user tracks a nested repository (a gitlink in the index); its `.git` lies in the
    working tree, so the agent can arm its config. `git add` would then run `git status` in
    it, which runs the nested clean filter: snapshots keep the user's gitlink as it is."""
    sub = repo.root / "libs/sub"
    sub.mkdir(parents=True)
    _agent_git(sub, "init", "-q", "-b", "main")
    (sub / "lib.py").write_text("x = 1\n")
    _agent_git(sub, "add", "-A")
    _agent_git(sub, "commit", "-q", "-m", "sub")
    _agent_git(repo.root, "add", "libs/sub")
    _agent_git(repo.root, "commit", "-q", "-m", "submodule")
    pl = Plumbing(repo.root)
    cp = capture_checkpoint(pl, "1", "One")
    _arm(sub, marker)
    (sub / ".gitattributes").write_text("* filter=evil diff=evil\n")
    (sub / "lib.py").write_text("x = 2\n")
    _task(repo)
    outcome = commit_task(pl, cp, title="One", task_id="1", attempts=1)
    assert outcome.committed, outcome.reason
    assert outcome.files == ("ROADMAP.md", "src/app.py")
    assert rollback_task(pl, "1").done
    capture_checkpoint(pl, "2", "Two")
    assert not marker.exists()
