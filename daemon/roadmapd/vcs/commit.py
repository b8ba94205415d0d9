"""One commit per passed task: exactly what changed between the checkpoint and now, as git sees it.

The commit is built in a private index from HEAD's tree plus the task's changes, so the user's
earlier uncommitted work stays uncommitted. A file the user had already changed before the task
gets only the task's hunks, applied to HEAD's version; when they do not apply there, nothing is
committed and the reason names the files. The post-task state is kept first as a `results` ref.

Never committed: a nested git repository the task created (its config could run commands in
every later git command of the user; an empty one breaks `git add`), a gitlink the checkpoint
did not have, or a path with a `.git` component. The reason says what to remove. Hooks run only
when turned on (`HookSettings`, see `hooks.py`). Ignored files are never committed: snapshot trees
hold none (checkpoints keep them in a separate ignored commit that only rollback reads, see
`ignored.py`).
"""

from __future__ import annotations

from typing import Literal

from .faults import fault_point
from .hooks import NO_HOOKS, CommitHooks, HookSettings
from .merge import replay_entries
from .outcomes import Checkpoint, CommitOutcome, VcsError
from .plumbing import Plumbing
from .refs import commit_ref, pr_branch, result_ref, task_branch
from .restore import ignored_paths
from .snapshot import Snapshot, capture, load

BranchMode = Literal["current", "per-task", "pr"]
GITLINK = "160000"


def commit_message(title: str, task_id: str, attempts: int) -> str:
    subject = " ".join(title.split()) or f"Roadmap task {task_id}"
    return f"{subject}\n\nRoadmap-Task: {' '.join(task_id.split())}\nRoadmap-Attempts: {attempts}\n"


def commit_task(
    pl: Plumbing,
    cp: Checkpoint,
    *,
    title: str,
    task_id: str,
    attempts: int,
    branch_mode: BranchMode = "current",
    hooks: HookSettings = NO_HOOKS,
    base_branch: str | None = None,
) -> CommitOutcome:
    """Commit the task's changes; a refusal returns committed=False and the reason to show.

    `branch_mode="pr"`: the commit goes to branch `roadmap/<task>` whose parent is the tip of
    `base_branch` (HEAD when None); the checkout is not touched (see docs/ci.md).
    """
    try:
        return _commit(pl, cp, title, task_id, attempts, branch_mode, hooks, base_branch)
    except VcsError as exc:
        return CommitOutcome(False, None, (), f"not committed: {exc}")


def _refusal(pl: Plumbing, branch: str | None, branch_mode: BranchMode, task_id: str) -> str | None:
    busy = pl.in_progress()
    if busy is not None:
        return f"not committed: {busy} is in progress; finish or abort it, then commit the task"
    if branch_mode == "current" and branch is None:
        return "not committed: HEAD is detached; check out a branch, then commit the task"
    if branch_mode != "current":
        name = pr_branch(task_id) if branch_mode == "pr" else task_branch(task_id)
        if pl.resolve(name) is not None:
            return f"not committed: branch {name} already exists"
    return None


def _start(pl: Plumbing, mode: BranchMode, base_branch: str | None) -> tuple[str | None, str]:
    """(the commit the task commit builds on, or None when unborn; "" or why not)."""
    head, _ = pl.head()
    if mode != "pr" or base_branch is None:
        return head, ""
    tip = pl.resolve(f"refs/heads/{base_branch}")
    if tip is None:
        return None, f"not committed: the base branch {base_branch} does not exist"
    return tip, ""


def _commit(
    pl: Plumbing,
    cp: Checkpoint,
    title: str,
    task_id: str,
    attempts: int,
    mode: BranchMode,
    settings: HookSettings,
    base_branch: str | None = None,
) -> CommitOutcome:
    _, branch = pl.head()
    head, start_refusal = _start(pl, mode, base_branch)
    reason = start_refusal or _refusal(pl, branch, mode, task_id)
    if reason:
        return CommitOutcome(False, None, (), reason)
    pre = load(pl, cp.commit)
    post = capture(pl, "result", task_id, title, keep=ignored_paths(pl, pre))
    pl.update_ref(result_ref(cp.task_id, cp.n), post.commit, None, "roadmapd: task result")
    fault_point("commit.result-saved")
    touched = pl.changed_paths(pre.tree, post.tree)
    foreign = _foreign_git(pl, pre, post, touched)
    if foreign is not None:
        return CommitOutcome(False, None, tuple(touched), foreign)
    if not touched:
        return CommitOutcome(False, None, (), "not committed: the task changed no files")
    base_tree = pl.tree_of(head) if head else pl.empty_tree
    hooks = CommitHooks(pl, settings, pre=pre.tree, now=post.tree, head=base_tree)
    untrusted = hooks.refusal()
    if untrusted is not None:
        return CommitOutcome(False, None, tuple(touched), f"not committed: {untrusted}")
    with pl.temp_index() as env:
        pl.run("read-tree", base_tree, env=env)
        unsplittable = _stage_task_changes(pl, pre, post, base_tree, touched, env)
        if unsplittable:
            return CommitOutcome(False, None, tuple(touched), _mixed_reason(unsplittable))
        hook = hooks.run("pre-commit", [], env)
        if not hook.ok:
            return CommitOutcome(False, None, tuple(touched), f"not committed: {hook.detail}")
        tree = pl.text("write-tree", env=env)
        if tree == base_tree:
            return CommitOutcome(False, None, tuple(touched), "not committed: already in HEAD")
        message = _final_message(pl, hooks, commit_message(title, task_id, attempts), env)
        if isinstance(message, CommitOutcome):
            return message
    fault_point("commit.tree-written")
    commit = pl.commit_tree(tree, [head] if head else [], message)
    fault_point("commit.object-written")
    target = branch if mode == "current" and branch else task_branch(task_id)
    if mode == "pr":
        target = pr_branch(task_id)
    old = head if mode == "current" and head else pl.zero_oid
    pl.update_ref(target, commit, old, f"roadmapd: {title or task_id}")
    fault_point("commit.branch-moved")
    pl.update_ref(commit_ref(cp.task_id, cp.n), commit, None, "roadmapd: task commit")
    fault_point("commit.recorded")
    if mode == "current":
        committed = pl.ls_tree(commit, touched)
        removed = [p for p in touched if p not in committed]
        pl.set_index_entries(committed, removed, {})
        fault_point("commit.index-updated")
    hooks.run("post-commit", [], {})
    return CommitOutcome(True, commit, tuple(touched), None)


def _foreign_git(pl: Plumbing, pre: Snapshot, post: Snapshot, touched: list[str]) -> str | None:
    """Why the task's changes hold git data that must not be committed, or None."""
    created = sorted(set(post.meta.nested) - set(pre.meta.nested))
    if created:
        return nested_reason(created)
    before, after = pl.ls_tree(pre.tree, touched), pl.ls_tree(post.tree, touched)
    links = [p for p, e in after.items() if e[0] == GITLINK and before.get(p) != e]
    dotgit = [p for p in after if any(part.lower() == ".git" for part in p.split("/"))]
    if links or dotgit:
        listed = ", ".join(sorted(set(links) | set(dotgit)))
        return (
            f"not committed: the task's changes hold git data ({listed}); remove it, "
            "roadmapd does not commit gitlinks or .git paths"
        )
    return None


def nested_reason(created: list[str]) -> str:
    """The refusal for nested repositories the task created, naming what to remove."""
    where = ", ".join(f"{p}/ ({p}/.git)" for p in created)
    one = len(created) == 1
    what = "a nested git repository" if one else "nested git repositories"
    it = "it" if one else "them"
    return (
        f"not committed: the task created {what} at {where}; remove {it}, roadmapd does not "
        "commit nested repositories (the task's other changes are still in the working tree)"
    )


def _stage_task_changes(
    pl: Plumbing,
    pre: Snapshot,
    post: Snapshot,
    base_tree: str,
    touched: list[str],
    env: dict[str, str],
) -> list[str]:
    """Put the task's changes into the private index; returns files whose hunks would not apply."""
    entries, unsplittable = replay_entries(pl, touched, pre.tree, post.tree, base_tree)
    keep = {p: e for p, e in entries.items() if e is not None}
    pl.set_index_entries(keep, [p for p, e in entries.items() if e is None], env)
    return unsplittable


def _mixed_reason(paths: list[str]) -> str:
    return (
        "not committed: the task changed files you had already changed before it, and its "
        f"changes do not apply to HEAD's version of: {', '.join(paths)}. Your work and the "
        "task's are both in the working tree; commit them by hand or roll the task back."
    )


def _final_message(
    pl: Plumbing, hooks: CommitHooks, message: str, env: dict[str, str]
) -> str | CommitOutcome:
    """Let prepare-commit-msg and commit-msg see and edit the message, as git commit does."""
    msg_file = pl.git_dir / "ROADMAPD_COMMIT_EDITMSG"
    msg_file.write_text(message, encoding="utf-8")
    try:
        for name, args in (
            ("prepare-commit-msg", [str(msg_file), "message"]),
            ("commit-msg", [str(msg_file)]),
        ):
            hook = hooks.run(name, args, env)
            if not hook.ok:
                return CommitOutcome(False, None, (), f"not committed: {hook.detail}")
        lines = msg_file.read_text(encoding="utf-8", errors="replace").splitlines()
    finally:
        msg_file.unlink(missing_ok=True)
    cleaned = "\n".join(line.rstrip() for line in lines if not line.startswith("#")).strip()
    if not cleaned:
        return CommitOutcome(False, None, (), "not committed: the commit message is empty")
    return cleaned + "\n"
