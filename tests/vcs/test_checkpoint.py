"""Checkpoints capture everything and touch nothing; listing and diffs read them back."""

from __future__ import annotations

from pathlib import Path

from vcs_helpers import GitRepo, init_repo

from roadmapd.vcs import (
    GitWorkspace,
    Plumbing,
    capture_checkpoint,
    changed_files,
    diff_since,
    latest_checkpoint,
    list_checkpoints,
    restore_checkpoint,
)


def _user_state(repo: GitRepo) -> None:
    repo.write("README.md", "hello, edited\n")
    repo.write("src/staged.py", "staged = True\n")
    repo.git("add", "src/staged.py")
    repo.write("notes.txt", "untracked\n")
    repo.write("debug.log", "ignored\n")
    (repo.root / "src/app.py").unlink()


def test_checkpoint_holds_the_whole_state_and_leaves_the_user_alone(repo: GitRepo) -> None:
    _user_state(repo)
    index_bytes = (repo.root / ".git/index").read_bytes()
    head, status = repo.git("rev-parse", "HEAD"), repo.status()
    cp = capture_checkpoint(Plumbing(repo.root), "1.2", "First task")
    assert (repo.root / ".git/index").read_bytes() == index_bytes
    assert (repo.git("rev-parse", "HEAD"), repo.status()) == (head, status)
    assert (cp.task_id, cp.n, cp.ref) == ("1.2", 1, "refs/roadmapd/checkpoints/1.2/1")
    assert (cp.head, cp.branch, cp.title) == (head, "refs/heads/main", "First task")
    tree = repo.git("ls-tree", "-r", "--name-only", cp.commit).split()
    assert "notes.txt" in tree and "src/staged.py" in tree
    assert "debug.log" not in tree and "src/app.py" not in tree
    assert repo.git("show", f"{cp.commit}:README.md") == "hello, edited"
    index_commit = repo.git("rev-parse", f"{cp.commit}^2")
    assert repo.git("show", f"{index_commit}:README.md") == "hello"  # the index, unstaged edit


def test_numbers_grow_and_latest_is_found_after_a_restart(repo: GitRepo) -> None:
    pl = Plumbing(repo.root)
    capture_checkpoint(pl, "t", "x")
    second = capture_checkpoint(pl, "t", "x")
    assert second.n == 2
    assert latest_checkpoint(Plumbing(repo.root), "t") == second
    assert latest_checkpoint(pl, "missing") is None


def test_unborn_head_checkpoint_and_restore(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "empty", commit=False)
    repo.write("a.txt", "first\n")
    pl = Plumbing(repo.root)
    cp = capture_checkpoint(pl, "1", "boot")
    assert cp.head is None and cp.branch == "refs/heads/main"
    repo.write("a.txt", "changed\n")
    repo.write("b.txt", "new\n")
    assert changed_files(pl, cp) == ("a.txt", "b.txt")
    outcome = restore_checkpoint(pl, cp)
    assert outcome.done and outcome.method == "files-restored"
    assert repo.files() == {"a.txt": ("file", b"first\n")}


def test_changed_files_diff_and_listing(repo: GitRepo) -> None:
    pl = Plumbing(repo.root)
    cp = capture_checkpoint(pl, "2", "Second")
    repo.write("src/app.py", "a = 1\nb = 20\nc = 3\n" + "x = 1\n" * 2000)
    repo.write("ROADMAP.md", "# Roadmap\n\n- [ ] one\n- [x] two\n")
    assert changed_files(pl, cp) == ("ROADMAP.md", "src/app.py")
    diff = diff_since(pl, cp, max_chars=400)
    assert "-- [ ] two" in diff and "[diff truncated:" in diff
    [row] = list_checkpoints(pl)
    assert (row.task_id, row.title, row.task_commit) == ("2", "Second", None)
    assert row.files == ("ROADMAP.md", "src/app.py")


async def test_async_facade_runs_off_the_loop(repo: GitRepo) -> None:
    ws = GitWorkspace(repo.root)
    cp = await ws.checkpoint("a/b c", "Odd id")
    repo.write("new.txt", "x\n")
    assert await ws.changed_files(cp) == ("new.txt",)
    assert [row.task_id for row in await ws.list_checkpoints()] == ["a/b c"]
    outcome = await ws.restore(cp)
    assert outcome.files == ("new.txt",) and not (repo.root / "new.txt").exists()
    undone = await ws.undo_rollback()
    assert undone.done and (repo.root / "new.txt").read_text() == "x\n"
