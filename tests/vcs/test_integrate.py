"""Parallel lanes: a worktree per task, and integration onto the user's branch (never half)."""

from __future__ import annotations

from pathlib import Path

import pytest
from vcs_helpers import GitRepo, assert_kill_loses_nothing, held_contents, init_repo

from roadmapd.vcs import Plumbing, capture_checkpoint, commit_task, rollback_task
from roadmapd.vcs.integrate import integrate
from roadmapd.vcs.lanes import Lane, close_lane, open_lane
from roadmapd.vcs.undo import undo_rollback

TICK = {"ROADMAP.md": lambda b: b.replace(b"- [ ] one", b"- [x] one")}


def _work(repo: GitRepo, tmp: Path, task_id: str, rel: str, text: str) -> tuple[Lane, str]:
    """A lane for `task_id` in which `rel` becomes `text`, committed on the lane's branch."""
    pl = Plumbing(repo.root)
    lane = open_lane(pl, task_id, tmp / "lanes")
    lpl = Plumbing(lane.path)
    cp = capture_checkpoint(lpl, task_id, task_id)
    (lane.path / rel).parent.mkdir(parents=True, exist_ok=True)
    (lane.path / rel).write_text(text)
    out = commit_task(lpl, cp, title=f"Task {task_id}", task_id=task_id, attempts=1)
    assert out.committed and out.commit, out.reason
    return lane, out.commit


def test_two_lanes_on_different_files_both_land(repo: GitRepo, tmp_path: Path) -> None:
    base = repo.git("rev-parse", "HEAD")
    a, a_commit = _work(repo, tmp_path, "a", "src/a.py", "A = 1\n")
    b, b_commit = _work(repo, tmp_path, "b", "src/b.py", "B = 2\n")
    assert repo.git("rev-parse", "HEAD") == base and repo.status() == ""  # user untouched
    pl = Plumbing(repo.root)

    first = integrate(pl, "a", 1, a_commit, branch_name="roadmapd/a", edits=TICK)
    second = integrate(pl, "b", 1, b_commit, branch_name="roadmapd/b")

    assert first.done and second.done, (first.reason, second.reason)
    assert repo.git("log", "--format=%s", f"{base}..HEAD").splitlines() == ["Task b", "Task a"]
    assert repo.read("src/a.py") == "A = 1\n" and repo.read("src/b.py") == "B = 2\n"
    assert "- [x] one" in repo.read("ROADMAP.md")
    assert repo.status() == ""  # working tree and index match the new HEAD
    assert first.files == ("ROADMAP.md", "src/a.py")
    for lane in (a, b):
        close_lane(pl, lane.task_id, lane.path, keep_work=False)
    assert "roadmapd/" not in repo.git("branch", "--list")
    assert not a.path.exists()


def test_same_lines_conflict_and_the_branch_is_kept(repo: GitRepo, tmp_path: Path) -> None:
    _, a_commit = _work(repo, tmp_path, "a", "src/app.py", "a = 10\nb = 2\nc = 3\n")
    _, b_commit = _work(repo, tmp_path, "b", "src/app.py", "a = 20\nb = 2\nc = 3\n")
    pl = Plumbing(repo.root)
    assert integrate(pl, "a", 1, a_commit, branch_name="roadmapd/a").done
    head = repo.git("rev-parse", "HEAD")

    out = integrate(pl, "b", 1, b_commit, branch_name="roadmapd/b")

    assert not out.done and out.conflicts == ("src/app.py",)
    assert out.reason is not None and "needs attention" in out.reason
    assert "roadmapd/b" in out.reason
    assert repo.git("rev-parse", "HEAD") == head and repo.status() == ""
    assert repo.read("src/app.py").startswith("a = 10")
    assert repo.git("rev-parse", "roadmapd/b") == b_commit


def test_uncommitted_user_changes_on_those_files_block_it(repo: GitRepo, tmp_path: Path) -> None:
    _, commit = _work(repo, tmp_path, "a", "src/app.py", "a = 10\nb = 2\nc = 3\n")
    repo.write("src/app.py", "a = 1\nb = 2\nc = 3\n# mine\n")
    out = integrate(Plumbing(repo.root), "a", 1, commit, branch_name="roadmapd/a")
    assert not out.done and "uncommitted changes in src/app.py" in (out.reason or "")
    assert repo.read("src/app.py").endswith("# mine\n")


def test_the_tick_lands_on_a_roadmap_with_uncommitted_edits(repo: GitRepo, tmp_path: Path) -> None:
    """The user's unsaved-to-git roadmap edits stay; the commit gets the tick on HEAD's text;
    the working-tree copy is left for the caller (reported in `kept`)."""
    _, commit = _work(repo, tmp_path, "a", "src/a.py", "A = 1\n")
    mine = repo.read("ROADMAP.md") + "- [ ] three (my new task)\n"
    repo.write("ROADMAP.md", mine)

    out = integrate(Plumbing(repo.root), "a", 1, commit, branch_name="roadmapd/a", edits=TICK)

    assert out.done, out.reason
    assert out.kept == ("ROADMAP.md",) and out.files == ("ROADMAP.md", "src/a.py")
    assert repo.read("ROADMAP.md") == mine  # not one byte of the user's file changed
    committed = repo.git("show", "HEAD:ROADMAP.md")
    assert "- [x] one" in committed and "three" not in committed
    assert repo.git("show", ":ROADMAP.md") == committed  # the index follows the commit
    assert repo.read("src/a.py") == "A = 1\n"
    assert repo.git("diff", "--cached", "--name-only") == ""  # only the user's own edit is
    assert repo.git("diff", "--name-only") == "ROADMAP.md"  # left, unstaged


def test_a_roadmap_change_of_the_task_itself_still_needs_a_clean_file(
    repo: GitRepo, tmp_path: Path
) -> None:
    _, commit = _work(
        repo, tmp_path, "a", "ROADMAP.md", "# Roadmap\n\n- [ ] one\n- [ ] two\nnote\n"
    )
    repo.write("ROADMAP.md", repo.read("ROADMAP.md") + "mine\n")
    head = repo.git("rev-parse", "HEAD")
    out = integrate(Plumbing(repo.root), "a", 1, commit, branch_name="roadmapd/a", edits=TICK)
    assert not out.done and "uncommitted changes in ROADMAP.md" in (out.reason or "")
    assert repo.git("rev-parse", "HEAD") == head and repo.read("ROADMAP.md").endswith("mine\n")


def test_a_staged_roadmap_keeps_its_index_entry(repo: GitRepo, tmp_path: Path) -> None:
    _, commit = _work(repo, tmp_path, "a", "src/a.py", "A = 1\n")
    repo.write("ROADMAP.md", repo.read("ROADMAP.md") + "staged line\n")
    repo.git("add", "ROADMAP.md")
    staged = repo.git("rev-parse", ":ROADMAP.md")
    out = integrate(Plumbing(repo.root), "a", 1, commit, branch_name="roadmapd/a", edits=TICK)
    assert out.done and out.kept == ("ROADMAP.md",)
    assert repo.git("rev-parse", ":ROADMAP.md") == staged  # the user's staged version stays
    assert "- [x] one" in repo.git("show", "HEAD:ROADMAP.md")


def test_rolling_back_a_task_that_never_landed_removes_only_its_lane(
    repo: GitRepo, tmp_path: Path
) -> None:
    """B conflicted with A and stayed on its branch: its rollback must not touch the user's
    tree (not even to "restore" B's files); undo brings B's branch back."""
    _, a_commit = _work(repo, tmp_path, "a", "src/app.py", "a = 10\nb = 2\nc = 3\n")
    b_lane, b_commit = _work(repo, tmp_path, "b", "src/app.py", "a = 20\nb = 2\nc = 3\n")
    (b_lane.path / "scratch.txt").write_text("b's uncommitted notes\n")
    pl = Plumbing(repo.root)
    assert integrate(pl, "a", 1, a_commit, branch_name="roadmapd/a").done
    assert not integrate(pl, "b", 1, b_commit, branch_name="roadmapd/b").done
    repo.write("notes.txt", "my own work\n")
    head, before = repo.git("rev-parse", "HEAD"), held_contents(repo)

    out = rollback_task(pl, "b")

    assert out.done and out.method == "lane-removed", out.reason
    assert repo.git("rev-parse", "HEAD") == head and held_contents(repo) == before
    assert (
        repo.read("src/app.py").startswith("a = 10") and repo.read("notes.txt") == "my own work\n"
    )
    assert repo.git("branch", "--list", "roadmapd/b") == "" and not b_lane.path.exists()
    assert out.backup_ref is not None
    assert repo.git("show", f"{out.backup_ref}:scratch.txt") == "b's uncommitted notes"

    undone = undo_rollback(pl)

    assert undone.done and undone.method == "lane-restored" and undone.task_id == "b"
    assert repo.git("rev-parse", "roadmapd/b") == b_commit
    assert repo.git("rev-parse", "HEAD") == head and held_contents(repo) == before


def test_reopening_a_lane_backs_up_what_it_held(repo: GitRepo, tmp_path: Path) -> None:
    lane, _ = _work(repo, tmp_path, "a", "src/a.py", "A = 1\n")
    (lane.path / "notes.txt").write_text("unfinished\n")
    pl = Plumbing(repo.root)
    again = open_lane(pl, "a", tmp_path / "lanes")
    assert not (again.path / "notes.txt").exists()
    backups = repo.git("for-each-ref", "--format=%(objectname)", "refs/roadmapd/backups")
    (backup,) = backups.splitlines()
    assert repo.git("show", f"{backup}:notes.txt") == "unfinished"
    assert repo.git("show", f"{backup}:src/a.py") == "A = 1"


SCRIPT = """
import sys
from pathlib import Path
from roadmapd.vcs import Plumbing
from roadmapd.vcs.integrate import integrate
pl = Plumbing(Path(sys.argv[1]))
integrate(pl, "b", 1, sys.argv[2], branch_name="roadmapd/b")
"""
POINTS = [
    "integrate.commit-written",
    "worktree.removed",
    "integrate.files-written",
    "integrate.index-updated",
]


@pytest.mark.parametrize("point", POINTS)
def test_kill_during_integration_loses_nothing(repo: GitRepo, tmp_path: Path, point: str) -> None:
    _, a_commit = _work(repo, tmp_path, "a", "src/app.py", "a = 10\nb = 2\nc = 3\n")
    _, b_commit = _work(repo, tmp_path, "b", "src/b.py", "B = 2\n")
    assert integrate(Plumbing(repo.root), "a", 1, a_commit, branch_name="roadmapd/a").done
    before = held_contents(repo) | {("src/b.py", repo.git("rev-parse", f"{b_commit}:src/b.py"))}
    assert_kill_loses_nothing(repo, before, SCRIPT, str(repo.root), b_commit, point=point)


def test_lane_needs_a_commit(tmp_path: Path) -> None:
    empty = init_repo(tmp_path / "empty", commit=False)
    with pytest.raises(Exception, match="no commit yet"):
        open_lane(Plumbing(empty.root), "a", tmp_path / "lanes")
