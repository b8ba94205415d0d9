"""Checkpoint, commit and rollback timings on a repository of 10,000 files.

Run: python benchmarks/checkpoint.py. Prints median seconds and the ratio against two naive
baselines: `git stash create` (which misses untracked files) and a full copy of the work tree.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from roadmapd.vcs import Plumbing, capture_checkpoint, commit_task, rollback_task

FILES = 10_000
ENV = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, check=True)
    return done.stdout.decode().strip()


def build(root: Path) -> None:
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "gc.auto", "0")  # no background gc racing the copy baseline
    for i in range(FILES):
        folder = root / f"pkg{i // 100:03d}"
        folder.mkdir(exist_ok=True)
        (folder / f"mod{i % 100:02d}.py").write_text(f"value = {i}\n" * 20)
    (root / "ROADMAP.md").write_text("# Roadmap\n\n- [ ] bench task\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    for i in range(50):  # the user's own uncommitted and untracked work
        (root / f"pkg{i:03d}" / "mod00.py").write_text(f"edited = {i}\n")
        (root / f"scratch{i}.txt").write_text("untracked\n")


def timed(job: Callable[[], object], runs: int = 5) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        job()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def copy_tree(root: Path, target: Path) -> None:
    shutil.copytree(root, target, symlinks=True, ignore=shutil.ignore_patterns(".git"))


def main() -> None:
    os.environ.update(ENV)
    with tempfile.TemporaryDirectory(prefix="roadmapd-bench-") as tmp:
        root = Path(tmp) / "repo"
        root.mkdir()
        build(root)
        pl = Plumbing(root)
        git(root, "status", "--porcelain")  # warm the index stat cache like a live repo
        checkpoint_s = timed(lambda: capture_checkpoint(pl, "warm", "warm"))
        stash_s = timed(lambda: git(root, "stash", "create"))
        copy_s = timed(lambda: copy_tree(root, Path(tmp) / f"copy{time.time_ns()}"), 3)
        cp = capture_checkpoint(pl, "bench", "Bench task")
        for i in range(10):
            (root / f"pkg{50 + i:03d}" / "mod01.py").write_text("task edit\n")
        (root / "ROADMAP.md").write_text("# Roadmap\n\n- [x] bench task\n")
        start = time.perf_counter()
        outcome = commit_task(pl, cp, title="Bench task", task_id="bench", attempts=1)
        commit_s = time.perf_counter() - start
        assert outcome.committed, outcome.reason
        start = time.perf_counter()
        rolled = rollback_task(pl, "bench")
        rollback_s = time.perf_counter() - start
        assert rolled.done, rolled.reason
    print(f"repository: {FILES} files committed, 50 modified, 50 untracked")
    print(f"checkpoint (median of 5):   {checkpoint_s:.3f} s")
    print(f"git stash create (median):  {stash_s:.3f} s  ratio {checkpoint_s / stash_s:.2f}")
    print(f"work tree copy (median):    {copy_s:.3f} s  ratio {checkpoint_s / copy_s:.2f}")
    print(f"commit_task (11 files):     {commit_s:.3f} s")
    print(f"rollback (branch moved):    {rollback_s:.3f} s")


if __name__ == "__main__":
    main()
