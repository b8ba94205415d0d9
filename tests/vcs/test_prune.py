"""`vcs.prune`: old refs go, and nothing rollback, undo, a running task or the user needs does.

Refs are made by the real checkpoint, commit, rollback and undo functions; "old" ones are made
under an old GIT_COMMITTER_DATE and then backdated (their snapshot's `Roadmap-Created`).
"""

from __future__ import annotations

import math
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import pytest
from vcs_helpers import GitRepo

from roadmapd.vcs import Plumbing, capture_checkpoint, commit_task, rollback_task, undo_rollback
from roadmapd.vcs.plumbing import SNAPSHOT_IDENTITY
from roadmapd.vcs.prune import (
    Keep,
    PrunePlan,
    PrunePolicy,
    apply_prune,
    plan_prune,
    prune,
)
from roadmapd.vcs.refs import (
    BACKUPS,
    checkpoint_ref,
    commit_ref,
    format_meta,
    parse_meta,
    result_ref,
    stamp,
)
from roadmapd.vcs.restore import save_ref
from roadmapd.vcs.snapshot import capture

DAY = 86_400.0
POLICY = PrunePolicy(older_than_days=30)


def _date_env(days_ago: float) -> dict[str, str]:
    when = f"@{int(time.time() - days_ago * DAY)} +0000"
    return {"GIT_COMMITTER_DATE": when, "GIT_AUTHOR_DATE": when}


@contextmanager
def _dated(monkeypatch: pytest.MonkeyPatch, days_ago: float) -> Iterator[None]:
    """Every commit git writes inside is dated `days_ago` (GitPython passes os.environ on)."""
    with monkeypatch.context() as patch:
        for key, value in _date_env(days_ago).items():
            patch.setenv(key, value)
        yield


def _backdate(pl: Plumbing, ref: str, days_ago: float) -> None:
    """Make the snapshot at `ref` `days_ago` old: same tree and parents, older metadata."""
    old = pl.resolve(ref)
    assert old is not None
    meta = replace(parse_meta(pl.message_of(old)), created_at=time.time() - days_ago * DAY)
    parents = pl.text("rev-list", "--parents", "-n", "1", old).split()[1:]
    env = {**SNAPSHOT_IDENTITY, **_date_env(days_ago)}
    new = pl.commit_tree(pl.tree_of(old), parents, format_meta(meta), env=env)
    pl.update_ref(ref, new, old, "test: backdate")


def _attempt(
    repo: GitRepo, mp: pytest.MonkeyPatch, task: str, days_ago: float, commit: bool = False
) -> int:
    """One attempt series of `task` made `days_ago`: a checkpoint, and a commit if asked."""
    pl = Plumbing(repo.root)
    with _dated(mp, days_ago):
        cp = capture_checkpoint(pl, task, f"Task {task}")
        if commit:
            repo.write(f"{task}.txt", f"{task} attempt {cp.n}\n")
            out = commit_task(pl, cp, title=f"Task {task}", task_id=task, attempts=1)
            assert out.committed, out.reason
    _backdate(pl, cp.ref, days_ago)
    if commit:
        _backdate(pl, result_ref(task, cp.n), days_ago)
    return cp.n


def _refs(repo: GitRepo) -> dict[str, str]:
    out = repo.git("for-each-ref", "--format=%(refname) %(objectname)", "refs/roadmapd")
    return dict(line.split(" ") for line in out.splitlines())


def _reasons(plan: PrunePlan) -> dict[str, Keep]:
    return {r.ref: why for r, why in plan.keep}


def _deleted(plan: PrunePlan) -> set[str]:
    return {r.ref for r in plan.delete}


def _fsck_clean(repo: GitRepo) -> None:
    done = subprocess.run(
        ["git", "fsck", "--no-dangling"], cwd=repo.root, capture_output=True, check=False
    )
    assert done.returncode == 0, done.stderr.decode()


def test_old_attempts_go_the_newest_stays_and_rollback_still_works(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    _attempt(repo, monkeypatch, "a", 60, commit=True)
    _attempt(repo, monkeypatch, "a", 50, commit=True)
    _attempt(repo, monkeypatch, "T003 [P]", 45)
    _attempt(repo, monkeypatch, "T003 [P]", 40)
    _attempt(repo, monkeypatch, "young", 10)
    _attempt(repo, monkeypatch, "young", 5)
    pl = Plumbing(repo.root)
    before = _refs(repo)

    listed = prune(pl, POLICY)
    assert listed.outcome is None and _refs(repo) == before  # listing deletes nothing
    plan = listed.plan
    old = {checkpoint_ref("a", 1), result_ref("a", 1), commit_ref("a", 1)}
    assert _deleted(plan) == old | {checkpoint_ref("T003 [P]", 1)}
    newest = [checkpoint_ref("a", 2), result_ref("a", 2), commit_ref("a", 2)]
    newest += [checkpoint_ref("T003 [P]", 2), checkpoint_ref("young", 2)]
    expected = {ref: Keep.NEWEST for ref in newest} | {checkpoint_ref("young", 1): Keep.YOUNG}
    assert _reasons(plan) == expected

    report = prune(pl, POLICY, plan)
    assert report.outcome is not None and not report.outcome.skipped
    assert {r.ref for r in report.outcome.deleted} == _deleted(plan)
    assert _refs(repo) == {ref: before[ref] for ref in expected}
    _fsck_clean(repo)

    outcome = rollback_task(pl, "a")
    assert outcome.done and outcome.method == "branch-moved", outcome.reason
    assert repo.read("a.txt") == "a attempt 1\n"


def test_an_attempt_goes_as_a_whole_or_not_at_all(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    pl = Plumbing(repo.root)
    with _dated(monkeypatch, 40):
        cp = capture_checkpoint(pl, "s", "Task s")
    _backdate(pl, cp.ref, 40)
    repo.write("s.txt", "done late\n")
    with _dated(monkeypatch, 5):  # approved and committed five weeks after its checkpoint
        assert commit_task(pl, cp, title="Task s", task_id="s", attempts=1).committed
    _attempt(repo, monkeypatch, "s", 3, commit=True)
    reasons = _reasons(plan_prune(pl, POLICY))
    assert reasons[checkpoint_ref("s", 1)] is Keep.SIBLING
    assert reasons[result_ref("s", 1)] is Keep.YOUNG
    assert reasons[commit_ref("s", 1)] is Keep.YOUNG


def test_active_tasks_and_tasks_in_a_lane_keep_every_ref(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    for task in ("busy", "laned", "idle"):
        _attempt(repo, monkeypatch, task, 50)
        _attempt(repo, monkeypatch, task, 40)
    repo.git("branch", "roadmapd/laned")
    pl = Plumbing(repo.root)
    busy_backup = save_ref(pl, BACKUPS, capture(pl, "backup", "busy", "lane work"))
    _backdate(pl, busy_backup, 40)
    later = save_ref(pl, BACKUPS, capture(pl, "backup", "idle", "newest"))
    _backdate(pl, later, 35)

    policy = PrunePolicy(older_than_days=30, include_backups=True, busy_tasks=frozenset({"busy"}))
    plan = plan_prune(pl, policy)
    assert _deleted(plan) == {checkpoint_ref("idle", 1)}
    reasons = _reasons(plan)
    assert reasons[checkpoint_ref("busy", 1)] is Keep.ACTIVE
    assert reasons[checkpoint_ref("laned", 1)] is Keep.LANE
    assert reasons[busy_backup] is Keep.ACTIVE
    assert reasons[later] is Keep.NEWEST_WORK


def _rollback_and_undo(pl: Plumbing) -> None:
    assert rollback_task(pl, "a").done
    assert undo_rollback(pl).done


def test_backups_go_only_when_asked_and_the_newest_of_each_kind_stays(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    _attempt(repo, monkeypatch, "a", 50, commit=True)
    pl = Plumbing(repo.root)
    _rollback_and_undo(pl)
    _rollback_and_undo(pl)
    save_ref(pl, BACKUPS, capture(pl, "backup", "a", "saved by hand"))
    assert rollback_task(pl, "a").done
    with _dated(monkeypatch, 45):  # a lane's branch tip kept as a backup: a plain commit
        tip = pl.commit_tree(pl.tree_of("HEAD"), [], "lane work\n")
    lane_backup = f"{BACKUPS}/{stamp(int((time.time() - 45 * DAY) * 1e9))}"
    pl.update_ref(lane_backup, tip, pl.zero_oid, "test")
    work = {ref: kind for ref in _refs(repo) if (kind := ref.split("/")[2]) != "checkpoints"}
    work = {ref: kind for ref, kind in work.items() if kind not in ("results", "commits")}
    for ref in work:
        if ref != lane_backup:
            _backdate(pl, ref, 40)
    newest = {max(r for r, k in work.items() if k == kind) for kind in set(work.values())}
    assert len(work) == 7 and len(newest) == 3

    plan = plan_prune(pl, POLICY)
    assert not _deleted(plan) & set(work)
    assert {ref: _reasons(plan)[ref] for ref in work} == {
        ref: Keep.NEWEST_WORK if ref in newest else Keep.WORK for ref in work
    }

    young = sorted(r for r, k in work.items() if k == "backups")[1]
    _backdate(pl, young, 3)
    plan = plan_prune(pl, replace(POLICY, include_backups=True))
    assert _deleted(plan) == set(work) - newest - {young}
    assert _reasons(plan)[young] is Keep.YOUNG
    outcome = apply_prune(pl, plan.delete)
    assert len(outcome.deleted) == 3 and not outcome.skipped
    _fsck_clean(repo)
    assert undo_rollback(pl).done  # the newest backup is still there to undo with
    assert repo.read("a.txt") == "a attempt 1\n"


def test_refs_without_a_readable_date_or_with_a_foreign_name_are_kept(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    _attempt(repo, monkeypatch, "u", 50)
    _attempt(repo, monkeypatch, "u", 40)
    _attempt(repo, monkeypatch, "u", 35)
    pl = Plumbing(repo.root)
    head = repo.git("rev-parse", "HEAD")
    blob = pl.write_blob(b"not a commit\n")
    plain = checkpoint_ref("u", 1)  # a checkpoint must be a snapshot: a plain commit is not
    pl.update_ref(plain, head, None, "test")
    nan_ref = checkpoint_ref("u", 2)
    nan_meta = replace(parse_meta(pl.message_of(nan_ref)), created_at=math.nan)
    pl.update_ref(
        nan_ref, pl.commit_tree(pl.tree_of(nan_ref), [], format_meta(nan_meta)), None, "t"
    )
    blob_backup = f"{BACKUPS}/{stamp(int((time.time() - 50 * DAY) * 1e9))}"
    pl.run("update-ref", blob_backup, blob)
    pl.update_ref("refs/roadmapd/elsewhere/x", head, None, "test")
    newest_backup = save_ref(pl, BACKUPS, capture(pl, "backup"))
    _backdate(pl, newest_backup, 40)

    plan = plan_prune(pl, PrunePolicy(older_than_days=0, include_backups=True))
    assert not plan.delete
    assert _reasons(plan) == {
        plain: Keep.UNREADABLE,
        nan_ref: Keep.UNREADABLE,
        checkpoint_ref("u", 3): Keep.NEWEST,
        blob_backup: Keep.UNREADABLE,
        newest_backup: Keep.NEWEST_WORK,
        "refs/roadmapd/elsewhere/x": Keep.UNKNOWN,
    }


def test_a_ref_that_moved_or_went_after_the_listing_is_not_deleted(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(4):
        _attempt(repo, monkeypatch, "m", 60 - n)
    pl = Plumbing(repo.root)
    plan = plan_prune(pl, POLICY)
    assert _deleted(plan) == {checkpoint_ref("m", n) for n in (1, 2, 3)}
    head = repo.git("rev-parse", "HEAD")
    repo.git("update-ref", checkpoint_ref("m", 1), head)  # moved by someone else meanwhile
    repo.git("update-ref", "-d", checkpoint_ref("m", 2))  # deleted by someone else meanwhile

    outcome = apply_prune(pl, plan.delete)  # the compare-and-swap itself
    assert {r.ref for r in outcome.deleted} == {checkpoint_ref("m", 3)}
    assert {r.ref: why for r, why in outcome.skipped} == {
        checkpoint_ref("m", 1): "moved since the listing",
        checkpoint_ref("m", 2): "gone since the listing",
    }
    assert _refs(repo)[checkpoint_ref("m", 1)] == head


def test_an_approved_listing_deletes_only_what_is_unchanged_and_still_eligible(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(3):
        _attempt(repo, monkeypatch, "m", 60 - n)
    _attempt(repo, monkeypatch, "k", 50)
    _attempt(repo, monkeypatch, "k", 45)
    pl = Plumbing(repo.root)
    approved = plan_prune(pl, POLICY)
    assert _deleted(approved) == {checkpoint_ref(t, n) for t, n in (("m", 1), ("m", 2), ("k", 1))}
    _backdate(pl, checkpoint_ref("m", 1), 70)  # rewritten: another object now
    _attempt(repo, monkeypatch, "young", 40)  # new and eligible, but not approved
    _attempt(repo, monkeypatch, "young", 35)
    report = prune(pl, replace(POLICY, busy_tasks=frozenset({"k"})), approved)
    assert report.outcome is not None
    assert {r.ref for r in report.outcome.deleted} == {checkpoint_ref("m", 2)}
    assert {r.ref: why for r, why in report.outcome.skipped} == {
        checkpoint_ref("m", 1): "moved since the listing",
        checkpoint_ref("k", 1): f"now kept: {Keep.ACTIVE.value}",
    }
    assert checkpoint_ref("young", 1) in _refs(repo)


@pytest.mark.parametrize("days", [-1.0, math.nan, math.inf])
def test_a_policy_needs_a_sensible_number_of_days(days: float) -> None:
    with pytest.raises(ValueError, match="number of days"):
        PrunePolicy(older_than_days=days)
