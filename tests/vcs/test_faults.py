"""kill -9 at every step of checkpoint, commit, rollback, restore and undo: nothing is lost.

Each case copies a prepared repository, runs the operation in a subprocess armed with
ROADMAPD_FAULT_POINT, checks that the process really died there, then proves that every file
content and index entry from before the operation is still in the work tree, the index or a tree
reachable from a ref, and that `git fsck` finds the repository intact.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from vcs_helpers import GIT_ENV, GitRepo, assert_kill_loses_nothing, held_contents, init_repo

from roadmapd.vcs import (
    Plumbing,
    capture_checkpoint,
    commit_task,
    latest_checkpoint,
    rollback_task,
)

SCRIPT = """
import sys
from pathlib import Path
from roadmapd.vcs import *
pl = Plumbing(Path(sys.argv[1]))
op = sys.argv[2]
if op == "checkpoint":
    capture_checkpoint(pl, "t.1", "Task")
elif op == "commit":
    commit_task(pl, latest_checkpoint(pl, "t.1"), title="Task", task_id="t.1", attempts=1)
elif op == "restore":
    restore_checkpoint(pl, latest_checkpoint(pl, "t.1"))
elif op == "rollback":
    rollback_task(pl, "t.1")
elif op == "undo":
    undo_rollback(pl)
"""

CASES = [
    ("checkpoint", "snapshot.index-tree"),
    ("checkpoint", "snapshot.added"),
    ("checkpoint", "snapshot.index-commit"),
    ("checkpoint", "snapshot.commit"),
    ("checkpoint", "checkpoint.before-ref"),
    ("checkpoint", "checkpoint.after-ref"),
    ("commit", "snapshot.commit"),
    ("commit", "commit.result-saved"),
    ("commit", "commit.tree-written"),
    ("commit", "commit.object-written"),
    ("commit", "commit.branch-moved"),
    ("commit", "commit.recorded"),
    ("commit", "commit.index-updated"),
    ("restore", "backup.saved"),
    ("restore", "index.restored"),
    ("restore", "worktree.removed"),
    ("rollback", "snapshot.commit"),
    ("rollback", "backup.saved"),
    ("rollback", "rollback.branch-moved"),
    ("rollback", "index.restored"),
    ("rollback", "worktree.removed"),
    ("rollback", "worktree.written"),
    ("rollback", "rollback.done"),
    ("undo", "backup.saved"),
    ("undo", "undo.branch-moved"),
    ("undo", "undo.index-restored"),
    ("undo", "worktree.removed"),
    ("undo", "undo.files-restored"),
]


def _user_work(repo: GitRepo) -> None:
    repo.write("README.md", "user edit, unstaged\n")
    repo.write("staged.txt", "user staged\n")
    repo.git("add", "staged.txt")
    repo.write("notes.txt", "user untracked\n")
    repo.write("debug.log", "ignored\n")


def _task_work(repo: GitRepo) -> None:
    repo.write("src/app.py", "a = 1\nb = 2\nc = 30\n")
    repo.write("src/feature.py", "feature = 1\n")
    repo.write("ROADMAP.md", "# Roadmap\n\n- [x] one\n- [ ] two\n")
    (repo.root / "src" / "link").symlink_to("app.py")


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    with pytest.MonkeyPatch.context() as env:
        for key, value in GIT_ENV.items():
            env.setenv(key, value)
        base = tmp_path_factory.mktemp("templates")
        made: dict[str, Path] = {}
        repo = init_repo(base / "checkpoint")
        _user_work(repo)
        made["checkpoint"] = repo.root
        repo = _copy(repo.root, base / "commit")
        pl = Plumbing(repo.root)
        cp = capture_checkpoint(pl, "t.1", "Task")
        _task_work(repo)
        made["commit"] = made["restore"] = repo.root
        repo = _copy(repo.root, base / "rollback")
        pl = Plumbing(repo.root)
        latest = latest_checkpoint(pl, "t.1")
        assert latest == cp
        assert commit_task(pl, cp, title="Task", task_id="t.1", attempts=1).committed
        repo.write("later.txt", "after the task\n")
        made["rollback"] = repo.root
        repo = _copy(repo.root, base / "undo")
        assert rollback_task(Plumbing(repo.root), "t.1").done
        repo.write("after-rollback.txt", "x\n")
        made["undo"] = repo.root
        return made


def _copy(src: Path, dst: Path) -> GitRepo:
    shutil.copytree(src, dst, symlinks=True)
    return GitRepo(dst)


@pytest.mark.parametrize(("op", "point"), CASES, ids=[f"{o}@{p}" for o, p in CASES])
def test_kill_leaves_everything_recoverable(
    templates: dict[str, Path], tmp_path: Path, op: str, point: str
) -> None:
    repo = _copy(templates[op], tmp_path / "repo")
    before = held_contents(repo)
    assert_kill_loses_nothing(repo, before, SCRIPT, str(repo.root), op, point=point)
