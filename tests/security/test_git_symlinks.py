"""A hostile agent against rollback: a folder the checkpoint recorded becomes a symlink to a
folder outside the working tree. Restoring removes the paths below it; the daemon runs outside
the jail, so a removal that followed the link would delete the user's files elsewhere."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.vcs.vcs_helpers import GIT_ENV, init_repo

from roadmapd.vcs import Plumbing, capture_checkpoint, restore_checkpoint, rollback_task


@pytest.fixture(autouse=True)
def _identity(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    yield


@pytest.mark.parametrize("how", ["restore", "rollback"])
def test_nothing_is_removed_through_a_symlink_the_task_made(tmp_path: Path, how: str) -> None:
    repo = init_repo(tmp_path / "repo")
    repo.write("data/notes.txt", "the task's checkpoint had this\n")
    repo.write("data/sub/deep.txt", "deep\n")
    repo.commit_all("data")
    precious = tmp_path / "outside"
    (precious / "sub").mkdir(parents=True)
    (precious / "notes.txt").write_text("the user's file outside the working tree\n")
    (precious / "sub/deep.txt").write_text("also the user's\n")
    pl = Plumbing(repo.root)
    cp = capture_checkpoint(pl, "1", "One")
    for rel in ("data/sub/deep.txt", "data/notes.txt"):
        (repo.root / rel).unlink()
    (repo.root / "data/sub").rmdir()
    (repo.root / "data").rmdir()
    os.symlink(precious, repo.root / "data")
    outcome = restore_checkpoint(pl, cp) if how == "restore" else rollback_task(pl, "1")
    assert outcome.done, outcome.reason
    assert (precious / "notes.txt").read_text() == "the user's file outside the working tree\n"
    assert (precious / "sub/deep.txt").read_text() == "also the user's\n"
    assert not (repo.root / "data").is_symlink()
    assert repo.read("data/notes.txt") == "the task's checkpoint had this\n"
    assert repo.read("data/sub/deep.txt") == "deep\n"
