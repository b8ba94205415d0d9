"""Rollback undoes exactly the task, keeps everything else, and is itself undoable."""

from __future__ import annotations

from vcs_helpers import GitRepo

from roadmapd.vcs import (
    Plumbing,
    capture_checkpoint,
    commit_task,
    rollback_task,
    undo_rollback,
)

ORIGINAL_APP = "a = 1\nb = 2\nc = 3\n"


def _committed_task(
    repo: GitRepo, task_id: str = "1", line: int = 0, delete: str | None = None
) -> str:
    pl = Plumbing(repo.root)
    cp = capture_checkpoint(pl, task_id, f"Task {task_id}")
    if delete is not None:
        (repo.root / delete).unlink()
    lines = repo.read("ROADMAP.md").splitlines(keepends=True)
    boxes = [i for i, text in enumerate(lines) if text.startswith("- [")]
    lines[boxes[line]] = lines[boxes[line]].replace("[ ]", "[x]")
    repo.write("ROADMAP.md", "".join(lines))
    repo.write(f"created_{task_id}.py", "new\n")
    outcome = commit_task(pl, cp, title=f"Task {task_id}", task_id=task_id, attempts=1)
    assert outcome.committed, outcome.reason
    assert outcome.commit is not None
    return outcome.commit


def test_tip_commit_moves_the_branch_back_and_keeps_user_work(repo: GitRepo) -> None:
    base = repo.git("rev-parse", "HEAD")
    repo.write("src/app.py", ORIGINAL_APP + "user = 1\n")  # before the task, uncommitted
    _committed_task(repo, delete="README.md")
    repo.write("later.txt", "written after the task\n")
    repo.write("debug.log", "ignored\n")
    outcome = rollback_task(Plumbing(repo.root), "1")
    assert outcome.done and outcome.method == "branch-moved", outcome.reason
    assert outcome.files == ("README.md", "ROADMAP.md", "created_1.py")
    assert repo.git("rev-parse", "HEAD") == base
    assert repo.read("README.md") == "hello\n" and not (repo.root / "created_1.py").exists()
    assert "- [ ] one" in repo.read("ROADMAP.md")
    assert repo.read("later.txt") == "written after the task\n"
    assert repo.read("debug.log") == "ignored\n"
    assert repo.read("src/app.py") == ORIGINAL_APP + "user = 1\n"
    assert repo.status().splitlines() == ["M src/app.py", "?? later.txt"]
    assert outcome.backup_ref is not None and outcome.backup_ref.startswith(
        "refs/roadmapd/backups/"
    )


def test_undo_returns_files_and_branch_exactly(repo: GitRepo) -> None:
    commit = _committed_task(repo)
    repo.write("later.txt", "later\n")
    before, index = repo.files(), repo.index()
    assert rollback_task(Plumbing(repo.root), "1").done
    undone = undo_rollback(Plumbing(repo.root))
    assert undone.done and undone.method == "branch-moved"
    assert repo.git("rev-parse", "HEAD") == commit
    assert (repo.files(), repo.index()) == (before, index)
    assert undo_rollback(Plumbing(repo.root)).method == "refused"  # nothing left to undo


def test_older_task_gets_a_revert_commit_and_later_ticks_survive(repo: GitRepo) -> None:
    first = _committed_task(repo, "1", line=0)
    second = _committed_task(repo, "2", line=1)
    outcome = rollback_task(Plumbing(repo.root), "1")
    assert outcome.done and outcome.method == "revert-commit", outcome.reason
    assert repo.git("rev-parse", "HEAD^") == second
    assert f"This reverts commit {first}." in repo.git("log", "-1", "--format=%B")
    assert repo.read("ROADMAP.md") == "# Roadmap\n\n- [ ] one\n- [x] two\n"
    assert repo.status() == ""


def test_pushed_tip_is_reverted_not_moved(repo: GitRepo) -> None:
    commit = _committed_task(repo)
    repo.git("update-ref", "refs/remotes/origin/main", commit)
    outcome = rollback_task(Plumbing(repo.root), "1")
    assert outcome.method == "revert-commit"
    assert repo.git("rev-parse", "HEAD^") == commit


def test_edited_after_the_task_is_a_conflict_unless_forced(repo: GitRepo) -> None:
    commit = _committed_task(repo)
    repo.write("created_1.py", "user changed it\n")
    pl = Plumbing(repo.root)
    refused = rollback_task(pl, "1")
    assert (refused.done, refused.method, refused.conflicts) == (
        False,
        "refused",
        ("created_1.py",),
    )
    assert (
        repo.git("rev-parse", "HEAD") == commit and repo.read("created_1.py") == "user changed it\n"
    )
    forced = rollback_task(pl, "1", force=True)
    assert forced.done and not (repo.root / "created_1.py").exists()
    backup = forced.backup_ref
    assert backup is not None and repo.git("show", f"{backup}:created_1.py") == "user changed it"


def test_dependants_refuse_unless_forced(repo: GitRepo) -> None:
    _committed_task(repo)
    pl = Plumbing(repo.root)
    refused = rollback_task(pl, "1", dependants=["2", "3"])
    assert not refused.done and "2, 3" in (refused.reason or "")
    assert rollback_task(pl, "1", dependants=["2"], force=True).done


def test_uncommitted_task_goes_back_to_the_checkpoint(repo: GitRepo) -> None:
    repo.write("notes.txt", "user untracked\n")
    pl = Plumbing(repo.root)
    capture_checkpoint(pl, "9", "Failed task")
    repo.write("src/app.py", "broken\n")
    (repo.root / "notes.txt").unlink()
    repo.write("src/tmp.py", "x\n")
    before = repo.files()
    outcome = rollback_task(pl, "9")
    assert outcome.done and outcome.method == "files-restored"
    assert repo.read("src/app.py") == ORIGINAL_APP and repo.read("notes.txt") == "user untracked\n"
    assert repo.status() == "?? notes.txt"
    assert undo_rollback(pl).done and repo.files() == before


def test_unknown_task_is_refused(repo: GitRepo) -> None:
    outcome = rollback_task(Plumbing(repo.root), "nope")
    assert outcome.method == "refused" and "no checkpoint" in (outcome.reason or "")
