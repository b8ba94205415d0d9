"""Ignored files: recorded by checkpoints (up to a cap, skipped folders left out), brought back by
rollback and undo, never committed and never reported as a task's change."""

from __future__ import annotations

import os

from vcs_helpers import GitRepo

from roadmapd.config import Config
from roadmapd.vcs import (
    Plumbing,
    capture_checkpoint,
    changed_files,
    commit_task,
    diff_since,
    restore_checkpoint,
    rollback_task,
    undo_rollback,
)
from roadmapd.vcs.changes import file_changes
from roadmapd.vcs.outcomes import DEFAULT_SKIP, IgnoredPolicy

ENV_LOCAL = b"API_TOKEN=local-secret\r\nDEBUG=1\n\x00binary tail"


def _ignore(repo: GitRepo) -> None:
    repo.write(".gitignore", "*.log\n.env*\nnode_modules/\n.venv/\n__pycache__/\nbig.bin\nlocal/\n")
    repo.commit_all("ignore rules")


def _agent_work(repo: GitRepo) -> None:
    repo.write("src/app.py", "a = 10\nb = 2\nc = 3\n")


def test_deleted_ignored_file_comes_back_byte_for_byte(repo: GitRepo) -> None:
    _ignore(repo)
    repo.write(".env.local", ENV_LOCAL)
    os.symlink("../outside/target", repo.root / "link.log")
    pl = Plumbing(repo.root)
    cp = capture_checkpoint(pl, "1", "Task 1")
    _agent_work(repo)
    repo.git("clean", "-fdx")  # what the agent can do
    assert not (repo.root / ".env.local").exists()
    outcome = rollback_task(pl, "1")
    assert outcome.done, outcome.reason
    assert (repo.root / ".env.local").read_bytes() == ENV_LOCAL
    assert os.readlink(repo.root / "link.log") == "../outside/target"
    assert ".env.local" in outcome.files
    assert cp.unprotected == ()


def test_changed_ignored_file_comes_back_and_new_one_stays(repo: GitRepo) -> None:
    _ignore(repo)
    repo.write(".env.local", ENV_LOCAL)
    repo.write("local/settings.json", "{}\n")
    repo.write("same.log", "unchanged\n")
    pl = Plumbing(repo.root)
    capture_checkpoint(pl, "1")
    _agent_work(repo)
    repo.write(".env.local", "overwritten by the agent\n")
    repo.write("new.log", "made after the checkpoint\n")
    before_same = os.stat(repo.root / "same.log").st_mtime_ns
    outcome = rollback_task(pl, "1")
    assert outcome.done, outcome.reason
    assert (repo.root / ".env.local").read_bytes() == ENV_LOCAL
    assert repo.read("new.log") == "made after the checkpoint\n"
    assert repo.read("local/settings.json") == "{}\n"
    assert os.stat(repo.root / "same.log").st_mtime_ns == before_same  # not rewritten
    assert "same.log" not in outcome.files and "new.log" not in outcome.files


def test_skipped_folders_and_cap_are_reported(repo: GitRepo) -> None:
    _ignore(repo)
    repo.write("node_modules/pkg/index.js", "x\n")
    repo.write(".venv/bin/python", "x\n")
    repo.write("src/__pycache__/app.pyc", b"\x00pyc")
    repo.write(".env.local", ENV_LOCAL)
    with open(repo.root / "big.bin", "wb") as fh:  # 60 MB, sparse
        fh.truncate(60 * 1024 * 1024)
    pl = Plumbing(repo.root)
    cp = capture_checkpoint(pl, "1")
    assert set(cp.unprotected) == {"big.bin", "node_modules/", ".venv/", "src/__pycache__/"}
    recorded = repo.git("ls-tree", "-r", "--name-only", f"{cp.commit}^3")
    assert recorded.splitlines() == [".env.local"]


def test_cap_zero_turns_protection_off(repo: GitRepo) -> None:
    _ignore(repo)
    repo.write(".env.local", ENV_LOCAL)
    pl = Plumbing(repo.root, IgnoredPolicy.from_mb(0))
    cp = capture_checkpoint(pl, "1")
    assert cp.unprotected == ()
    assert len(repo.git("rev-list", "--parents", "-1", cp.commit).split()) == 3  # no ignored
    (repo.root / ".env.local").unlink()
    _agent_work(repo)
    assert rollback_task(pl, "1").done
    assert not (repo.root / ".env.local").exists()


def test_commit_and_changes_never_hold_ignored_files(repo: GitRepo) -> None:
    _ignore(repo)
    repo.write(".env.local", ENV_LOCAL)
    repo.write("old.log", "before\n")
    pl = Plumbing(repo.root)
    cp = capture_checkpoint(pl, "1", "Task 1")
    _agent_work(repo)
    (repo.root / ".env.local").unlink()
    repo.write("old.log", "changed\n")
    repo.write("fresh.log", "new\n")
    assert changed_files(pl, cp) == ("src/app.py",)
    assert [c.path for c in file_changes(pl, cp)] == ["src/app.py"]
    assert ".log" not in diff_since(pl, cp) and ".env" not in diff_since(pl, cp)
    outcome = commit_task(pl, cp, title="Task 1", task_id="1", attempts=1)
    assert outcome.committed and outcome.files == ("src/app.py",), outcome.reason
    tree = repo.git("ls-tree", "-r", "--name-only", "HEAD").splitlines()
    assert not {".env.local", "old.log", "fresh.log"} & set(tree)
    assert repo.git("show", "--name-only", "--format=", "HEAD").splitlines() == ["src/app.py"]


def test_committed_task_rollback_restores_ignored_and_undo_brings_agents_back(
    repo: GitRepo,
) -> None:
    _ignore(repo)
    repo.write(".env.local", ENV_LOCAL)
    pl = Plumbing(repo.root)
    cp = capture_checkpoint(pl, "1", "Task 1")
    _agent_work(repo)
    repo.write(".env.local", "agent's version\n")
    assert commit_task(pl, cp, title="Task 1", task_id="1", attempts=1).committed
    outcome = rollback_task(pl, "1")
    assert outcome.done and outcome.method == "branch-moved", outcome.reason
    assert (repo.root / ".env.local").read_bytes() == ENV_LOCAL
    undone = undo_rollback(pl)
    assert undone.done, undone.reason
    assert repo.read(".env.local") == "agent's version\n"
    assert repo.read("src/app.py").startswith("a = 10")


def test_undo_of_restore_brings_ignored_files_back(repo: GitRepo) -> None:
    _ignore(repo)
    repo.write(".env.local", ENV_LOCAL)
    repo.write("keep.log", "one\n")
    pl = Plumbing(repo.root)
    cp = capture_checkpoint(pl, "1")
    repo.write(".env.local", "edited\n")
    repo.write("keep.log", "two\n")
    outcome = restore_checkpoint(pl, cp)
    assert outcome.done and (repo.root / ".env.local").read_bytes() == ENV_LOCAL
    assert repo.read("keep.log") == "one\n"
    assert undo_rollback(pl).done
    assert repo.read(".env.local") == "edited\n" and repo.read("keep.log") == "two\n"


def test_backup_keeps_an_ignored_file_over_the_cap_before_overwriting_it(repo: GitRepo) -> None:
    _ignore(repo)
    repo.write("data.log", "small\n")
    pl = Plumbing(repo.root, IgnoredPolicy(cap_bytes=100))
    capture_checkpoint(pl, "1")
    repo.write("data.log", "x" * 1000)  # now over the cap
    _agent_work(repo)
    outcome = rollback_task(pl, "1")
    assert outcome.done and repo.read("data.log") == "small\n"
    assert undo_rollback(pl).done
    assert repo.read("data.log") == "x" * 1000


def test_config_keys_default_to_the_policy() -> None:
    config = Config()
    assert config.protect_ignored_mb == 50
    assert tuple(config.protect_ignored_skip) == DEFAULT_SKIP
    assert IgnoredPolicy.from_mb(config.protect_ignored_mb) == IgnoredPolicy()
