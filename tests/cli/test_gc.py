"""`roadmapd gc` end to end: it lists, asks, refuses without a terminal, deletes only old refs
that nothing needs, and a task can still be rolled back afterwards."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from roadmapd.statuses import TaskStatus
from roadmapd.store import StateStore, TaskRecord
from roadmapd.store.owner import current_owner
from roadmapd.testing.script import script, text
from roadmapd.vcs import Plumbing
from roadmapd.vcs.plumbing import SNAPSHOT_IDENTITY
from roadmapd.vcs.refs import BACKUPS, checkpoint_ref, format_meta, stamp
from roadmapd.vcs.snapshot import capture

DAY = 86_400


def _old_checkpoint(root: Path, task: str, n: int, days_ago: int) -> str:
    return _old_snapshot(root, "checkpoint", checkpoint_ref(task, n), days_ago, task)


def _old_snapshot(root: Path, kind: str, ref: str, days_ago: int, task: str = "") -> str:
    """A real snapshot of the repository, stored at `ref` and dated `days_ago`."""
    pl = Plumbing(root)
    when = time.time() - days_ago * DAY
    snap = capture(pl, kind, task, f"Task {task}")
    parents = [p for p in (snap.meta.head, snap.meta.index_commit) if p]
    date = f"@{int(when)} +0000"
    env = {**SNAPSHOT_IDENTITY, "GIT_COMMITTER_DATE": date, "GIT_AUTHOR_DATE": date}
    message = format_meta(replace(snap.meta, created_at=when))
    commit = pl.commit_tree(snap.tree, parents, message, env=env)
    pl.update_ref(ref, commit, pl.zero_oid, "test: old snapshot")
    return ref


def _refs(repo: Any) -> list[str]:
    return str(repo.git("for-each-ref", "--format=%(refname)", "refs/roadmapd")).splitlines()


def test_gc_lists_refuses_without_a_terminal_and_a_dry_run_deletes_nothing(
    make_repo: Any, one_task_roadmap: str, tmp_path: Path
) -> None:
    repo = make_repo(one_task_roadmap)
    _old_checkpoint(repo.path, "old", 1, 50)
    _old_checkpoint(repo.path, "old", 2, 40)
    for days in (50, 40):
        ns = int((time.time() - days * DAY) * 1e9)
        _old_snapshot(repo.path, "backup", f"{BACKUPS}/{stamp(ns)}", days)
    before = _refs(repo)

    refused = repo.cli("gc")
    assert refused.returncode == 2 and "--yes" in refused.stderr
    assert "to delete: 1" in refused.stdout and "checkpoint" in refused.stdout
    assert "newest attempt of its task" in refused.stdout
    assert "never deleted without --include-backups" in refused.stdout
    assert "YOUR OWN WORK" not in refused.stdout and "your own work: deleted only" in refused.stdout
    assert _refs(repo) == before

    dry = repo.cli("gc", "--dry-run")
    assert dry.returncode == 0 and "dry run: nothing deleted" in dry.stdout
    with_work = repo.cli("gc", "--dry-run", "--include-backups")
    assert (
        "to delete: 2" in with_work.stdout and "1 of these hold YOUR OWN WORK" in with_work.stdout
    )
    assert _refs(repo) == before

    bad = repo.cli("gc", "--older-than", "-3", "--yes")
    assert bad.returncode == 2 and "--older-than" in bad.stderr and "Traceback" not in bad.stderr
    none = repo.cli("gc", "--older-than", "60", "--yes")
    assert none.returncode == 0 and "nothing to delete" in none.stdout
    assert _refs(repo) == before

    elsewhere = tmp_path / "not-a-repo"
    elsewhere.mkdir()
    outside = subprocess.run(
        [sys.executable, "-m", "roadmapd.cli", "gc", "--yes"],
        cwd=elsewhere, env=repo.env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert outside.returncode == 2 and "not inside a git repository" in outside.stderr


def test_gc_deletes_old_refs_keeps_an_active_task_and_rollback_still_works(
    make_repo: Any, edit: Any, one_task_roadmap: str
) -> None:
    repo = make_repo(one_task_roadmap)
    old_sub = [_old_checkpoint(repo.path, "sub", n, 60 - n) for n in (1, 2)]
    busy = [_old_checkpoint(repo.path, "busy", n, 60 - n) for n in (1, 2)]

    def running(state: TaskRecord) -> None:
        state.status, state.owner = TaskStatus.RUNNING, current_owner()

    StateStore(repo.path, root=repo.state_dir).update("busy", running)
    original_calc = repo.read("calc.py")
    session = script(
        edit(
            "calc.py",
            "    return a + b\n",
            "    return a + b\n\n\ndef sub(a, b):\n    return a - b\n",
        ),
        text("done"),
    )
    run = repo.run(session, "--task", "sub")
    assert run.returncode == 0, run.stdout + run.stderr
    newest = [ref for ref in _refs(repo) if ref.endswith("/sub/3")]
    assert len(newest) == 3  # checkpoint, result and commit of the run just made

    gc = repo.cli("gc", "--yes")
    assert gc.returncode == 0, gc.stdout + gc.stderr
    assert "deleted 2 refs" in gc.stdout and "no `git gc` was run" in gc.stdout
    assert "its task is queued, running" in gc.stdout
    assert sorted(_refs(repo)) == sorted(busy + newest)
    assert not set(old_sub) & set(_refs(repo))
    fsck = subprocess.run(["git", "fsck", "--no-dangling"], cwd=repo.path, capture_output=True)
    assert fsck.returncode == 0, fsck.stderr

    rolled = repo.cli("rollback", "sub", "--yes")
    assert rolled.returncode == 0, rolled.stdout + rolled.stderr
    assert repo.read("calc.py") == original_calc
    assert "- [ ] Add subtract" in repo.read("ROADMAP.md")
