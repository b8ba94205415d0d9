"""One commit per passed task: the task's changes only, trailers, hooks, and clear refusals."""

from __future__ import annotations

import stat
from pathlib import Path

from vcs_helpers import GitRepo, init_repo

from roadmapd.vcs import (
    HookSettings,
    Plumbing,
    capture_checkpoint,
    commit_task,
    latest_checkpoint,
)

HOOKS_ON = HookSettings(enabled=True)  # hooks are off unless the user turns them on

TICKED = "# Roadmap\n\n- [x] one\n- [ ] two\n"


def _run_task(repo: GitRepo) -> None:
    """What an agent plus the engine's checkbox tick leave on disk."""
    repo.write("src/app.py", "a = 1\nb = 2\nc = 30\n")
    repo.write("src/feature.py", "feature = 1\n")
    repo.write("ROADMAP.md", TICKED)


def test_commit_holds_exactly_the_task_changes(repo: GitRepo) -> None:
    repo.write("README.md", "user edit, unstaged\n")
    repo.write("staged.txt", "user staged\n")
    repo.git("add", "staged.txt")
    repo.write("notes.txt", "user untracked\n")
    pl = Plumbing(repo.root)
    cp = capture_checkpoint(pl, "1.2", "One")
    _run_task(repo)
    before_files = repo.files()
    outcome = commit_task(pl, cp, title="Add the feature", task_id="1.2", attempts=2)
    assert outcome.committed and outcome.reason is None
    assert outcome.files == ("ROADMAP.md", "src/app.py", "src/feature.py")
    assert repo.git("log", "-1", "--format=%B") == (
        "Add the feature\n\nRoadmap-Task: 1.2\nRoadmap-Attempts: 2"
    )
    shown = repo.git("show", "--name-only", "--format=", "HEAD").split()
    assert shown == ["ROADMAP.md", "src/app.py", "src/feature.py"]
    assert repo.files() == before_files
    assert repo.status().splitlines() == ["M README.md", "A  staged.txt", "?? notes.txt"]
    assert repo.git("rev-parse", "refs/roadmapd/commits/1.2/1") == outcome.commit


def test_only_the_task_hunks_of_a_file_the_user_had_changed(repo: GitRepo) -> None:
    repo.write("src/app.py", "a = 1\nb = 2\nc = 3\nuser = 1\n")
    pl = Plumbing(repo.root)
    cp = capture_checkpoint(pl, "1", "One")
    repo.write("src/app.py", "a = 100\nb = 2\nc = 3\nuser = 1\n")
    outcome = commit_task(pl, cp, title="t", task_id="1", attempts=1)
    assert outcome.committed
    assert repo.git("show", "HEAD:src/app.py") == "a = 100\nb = 2\nc = 3"
    assert repo.git("diff", "--", "src/app.py").endswith("+user = 1")


def test_unsplittable_hunks_refuse_and_keep_everything(repo: GitRepo) -> None:
    repo.write("src/app.py", "a = 1\nb = user\nc = 3\n")
    pl = Plumbing(repo.root)
    cp = capture_checkpoint(pl, "1", "One")
    repo.write("src/app.py", "a = 1\nb = task\nc = 3\n")
    head = repo.git("rev-parse", "HEAD")
    outcome = commit_task(pl, cp, title="t", task_id="1", attempts=1)
    assert not outcome.committed and outcome.reason is not None
    assert "src/app.py" in outcome.reason
    assert repo.git("rev-parse", "HEAD") == head
    assert repo.read("src/app.py") == "a = 1\nb = task\nc = 3\n"


def test_detached_head_and_merge_in_progress_refuse(repo: GitRepo) -> None:
    pl = Plumbing(repo.root)
    cp = capture_checkpoint(pl, "1", "One")
    _run_task(repo)
    repo.git("checkout", "-q", "--detach")
    detached = commit_task(pl, cp, title="t", task_id="1", attempts=1)
    assert not detached.committed and "detached" in (detached.reason or "")
    repo.git("checkout", "-q", "main")
    (repo.root / ".git/MERGE_HEAD").write_text(repo.git("rev-parse", "HEAD") + "\n")
    merging = commit_task(pl, cp, title="t", task_id="1", attempts=1)
    assert not merging.committed and "merge" in (merging.reason or "")


def _hook(repo: GitRepo, name: str, body: str) -> None:
    path = repo.root / ".git/hooks" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def test_failing_pre_commit_hook_blocks_with_its_output(repo: GitRepo) -> None:
    _hook(repo, "pre-commit", 'git diff --cached --name-only\necho "lint says no" >&2\nexit 1\n')
    pl = Plumbing(repo.root)
    cp = capture_checkpoint(pl, "1", "One")
    _run_task(repo)
    head = repo.git("rev-parse", "HEAD")
    outcome = commit_task(pl, cp, title="t", task_id="1", attempts=1, hooks=HOOKS_ON)
    assert not outcome.committed
    assert "pre-commit hook failed" in (outcome.reason or "")
    assert "lint says no" in (outcome.reason or "") and "src/feature.py" in (outcome.reason or "")
    assert repo.git("rev-parse", "HEAD") == head


def test_commit_msg_hook_can_edit_or_refuse(repo: GitRepo) -> None:
    _hook(repo, "commit-msg", 'echo "Signed-off-by: Hook <h@x>" >> "$1"\n')
    pl = Plumbing(repo.root)
    cp = capture_checkpoint(pl, "1", "One")
    _run_task(repo)
    assert commit_task(pl, cp, title="t", task_id="1", attempts=1, hooks=HOOKS_ON).committed
    assert repo.git("log", "-1", "--format=%B").endswith("Signed-off-by: Hook <h@x>")
    _hook(repo, "commit-msg", "exit 3\n")
    cp2 = capture_checkpoint(pl, "2", "Two")
    repo.write("ROADMAP.md", "# Roadmap\n\n- [x] one\n- [x] two\n")
    refused = commit_task(pl, cp2, title="t2", task_id="2", attempts=1, hooks=HOOKS_ON)
    assert not refused.committed and "commit-msg hook failed (exit 3)" in (refused.reason or "")


def test_per_task_branch_leaves_the_checkout_alone(repo: GitRepo) -> None:
    pl = Plumbing(repo.root)
    cp = capture_checkpoint(pl, "T003 [P]", "Three")
    _run_task(repo)
    head, index = repo.git("rev-parse", "HEAD"), repo.index()
    outcome = commit_task(pl, cp, title="t", task_id="T003 [P]", attempts=1, branch_mode="per-task")
    assert outcome.committed
    assert repo.git("rev-parse", "refs/heads/roadmapd/T003%20%5BP%5D") == outcome.commit
    assert (repo.git("rev-parse", "HEAD"), repo.index()) == (head, index)
    assert latest_checkpoint(pl, "T003 [P]") is not None


def test_root_commit_on_an_unborn_branch(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r", commit=False)
    repo.write("user.txt", "mine\n")
    pl = Plumbing(repo.root)
    cp = capture_checkpoint(pl, "1", "One")
    repo.write("task.txt", "task\n")
    outcome = commit_task(pl, cp, title="First", task_id="1", attempts=1)
    assert outcome.committed and outcome.files == ("task.txt",)
    assert repo.git("ls-tree", "--name-only", "HEAD") == "task.txt"
    assert repo.status() == "?? user.txt"
