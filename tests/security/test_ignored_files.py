"""A hostile agent against the recording of ignored files (see `vcs/ignored.py`).

Checkpoints now read ignored files too, so: an ignored symlink is recorded as a link (its target,
outside the working tree, is never read); a nested repository inside an ignored folder is never
entered (its armed config runs nothing); a folder of a recorded file turned into a symlink does
not let a rollback write outside the working tree; and what `git clean -fdx` deletes comes back.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from tests.vcs.vcs_helpers import GIT_ENV, GitRepo

from roadmapd.vcs import Plumbing, capture_checkpoint, commit_task, rollback_task

pytestmark = pytest.mark.usefixtures("daemon_env")


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    (tmp_path / "outside").mkdir()
    return tmp_path / "outside"


def _agent_git(cwd: Path, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ANTHROPIC_API_KEY"}
    subprocess.run(
        ["git", "-c", "core.fsmonitor=false", *args],
        cwd=cwd, env={**env, **GIT_ENV}, check=True, capture_output=True,
    )  # fmt: skip


def _ignore(repo: GitRepo) -> None:
    repo.write(".gitignore", "*.log\n.env*\nvendor/\nlocal/\n")
    repo.commit_all("ignore rules")


def test_git_clean_fdx_is_undone(repo: GitRepo) -> None:
    _ignore(repo)
    repo.write(".env.local", b"TOKEN=abc\n")
    repo.write("local/db.sqlite", b"\x00\x01sqlite")
    pl = Plumbing(repo.root)
    capture_checkpoint(pl, "1")
    repo.write("src/app.py", "a = 9\n")
    _agent_git(repo.root, "clean", "-fdx")
    assert rollback_task(pl, "1").done
    assert (repo.root / ".env.local").read_bytes() == b"TOKEN=abc\n"
    assert (repo.root / "local/db.sqlite").read_bytes() == b"\x00\x01sqlite"


def test_an_ignored_symlink_is_recorded_as_a_link_never_read(repo: GitRepo, outside: Path) -> None:
    _ignore(repo)
    (outside / "secret").write_text("outside secret\n")
    os.symlink(outside / "secret", repo.root / "leak.log")
    os.symlink(outside, repo.root / "dir.log")  # an ignored link to a folder
    pl = Plumbing(repo.root)
    cp = capture_checkpoint(pl, "1")
    listing = repo.git("ls-tree", "-r", f"{cp.commit}^3")
    assert [line.split()[0] for line in listing.splitlines()] == ["120000", "120000"]
    assert "dir.log" in listing and "leak.log" in listing
    blobs = repo.git("cat-file", "--batch-all-objects", "--batch-check").splitlines()
    contents = [repo.git("cat-file", "-p", line.split()[0]) for line in blobs if "blob" in line]
    assert "outside secret" not in contents


def test_a_nested_repo_in_an_ignored_folder_is_never_entered(repo: GitRepo, outside: Path) -> None:
    _ignore(repo)
    marker = outside / "pwned"
    sub = repo.root / "vendor" / "lib"
    sub.mkdir(parents=True)
    _agent_git(sub, "init", "-q", "-b", "main")
    (sub / ".gitattributes").write_text("* filter=evil\n")
    (sub / "lib.py").write_text("x = 1\n")
    _agent_git(sub, "config", "core.fsmonitor", f"sh -c 'env >> {marker}'")
    _agent_git(sub, "config", "filter.evil.clean", f"sh -c 'env >> {marker}; cat'")
    repo.write("vendor/notes.txt", "kept\n")
    pl = Plumbing(repo.root)
    cp = capture_checkpoint(pl, "1")
    recorded = repo.git("ls-tree", "-r", "--name-only", f"{cp.commit}^3").splitlines()
    assert recorded == ["vendor/notes.txt"]
    repo.write("src/app.py", "a = 9\n")
    assert commit_task(pl, cp, title="One", task_id="1", attempts=1).committed
    assert rollback_task(pl, "1").done
    assert not marker.exists()


def test_rollback_does_not_write_through_a_folder_turned_symlink(
    repo: GitRepo, outside: Path
) -> None:
    _ignore(repo)
    repo.write("local/settings.json", "{}\n")
    pl = Plumbing(repo.root)
    capture_checkpoint(pl, "1")
    repo.write("src/app.py", "a = 9\n")
    (repo.root / "local/settings.json").unlink()
    (repo.root / "local").rmdir()
    os.symlink(outside, repo.root / "local")
    outcome = rollback_task(pl, "1")
    assert outcome.done
    assert not (outside / "settings.json").exists() and os.listdir(outside) == []
    # the link (not ignored: `local/` matches folders only) goes; the file comes back in a folder
    assert not (repo.root / "local").is_symlink()
    assert repo.read("local/settings.json") == "{}\n"
