"""The parallel lanes of a workspace: a task's ports in its own worktree (`vcs/lanes.py`).

`WorkspaceLanes` is the engine's LanesPort: it opens a worktree per task and gives the task an
agent, checks and a git port working there. `LaneGit.commit_task` commits in the lane, then
integrates the commit into the user's branch with the task's tick in the same commit
(`vcs/integrate.py`); the workspace's own checkbox then ticks the user's copy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from roadmapd.engine import AgentPort, LanePorts, TaskLike, VerifierPort
from roadmapd.roadmap import apply_edit, checkbox_edit
from roadmapd.vcs import (
    Checkpoint,
    CommitOutcome,
    FileChange,
    GitWorkspace,
    Lane,
    RollbackOutcome,
)

T = TypeVar("T", bound=TaskLike)
T_contra = TypeVar("T_contra", bound=TaskLike, contravariant=True)


class RoadmapCheckbox(Protocol[T_contra]):
    """A CheckboxPort that also says which roadmap file holds a task (parallel lanes need it to
    put the tick into the task's commit)."""

    async def set_checked(self, task: T_contra, checked: bool) -> None: ...
    def roadmap_path(self, task: T_contra) -> Path | None: ...


class LaneGit:
    """A lane's GitPort: git in the task's worktree; `commit_task` commits there and then
    integrates the commit into the user's branch, ticking the task's box in the same commit."""

    def __init__(
        self, main: GitWorkspace, lane: Lane, roadmap: str | None, kiro_globs: Sequence[str] = ()
    ) -> None:
        hooks = main.hooks  # the lane's commits run the same hooks, in the same way
        self.main, self.lane = main, lane
        self.inner = GitWorkspace(
            lane.path, run_hooks=hooks.enabled, pass_env=hooks.pass_env, hook_wrap=hooks.wrap
        )
        self.inner.ignored = main.ignored  # the same ignored files are protected the same way
        self._roadmap = roadmap  # the roadmap file, relative to the root
        self._kiro_globs = tuple(kiro_globs)

    async def checkpoint(self, task_id: str, title: str = "") -> Checkpoint:
        return await self.inner.checkpoint(task_id, title)

    async def latest_checkpoint(self, task_id: str) -> Checkpoint | None:
        return await self.inner.latest_checkpoint(task_id)

    async def diff_since(self, cp: Checkpoint, max_chars: int = 20_000) -> str:
        return await self.inner.diff_since(cp, max_chars)

    async def changes(self, cp: Checkpoint) -> tuple[FileChange, ...]:
        return await self.inner.changes(cp)

    async def restore(self, cp: Checkpoint) -> RollbackOutcome:
        return await self.inner.restore(cp)

    async def commit_task(
        self, cp: Checkpoint, *, title: str, task_id: str, attempts: int, branch_mode: Any
    ) -> CommitOutcome:
        out = await self.inner.commit_task(cp, title=title, task_id=task_id, attempts=attempts)
        if not out.committed or out.commit is None:
            return out
        tick = _ticker(task_id, self._roadmap or "", self._kiro_globs)
        edits = {self._roadmap: tick} if self._roadmap else None
        branch = self.lane.branch.removeprefix("refs/heads/")
        done = await self.main.integrate(task_id, cp.n, out.commit, branch_name=branch, edits=edits)
        return CommitOutcome(done.done, done.commit, done.files, done.reason)

    async def rollback(
        self, task_id: str, *, force: bool, dependants: Sequence[str]
    ) -> RollbackOutcome:
        return await self.main.rollback(task_id, force=force, dependants=dependants)

    async def undo_rollback(self) -> RollbackOutcome:
        return await self.main.undo_rollback()


def _ticker(task_id: str, roadmap: str, kiro_globs: Sequence[str]) -> Callable[[bytes], bytes]:
    def tick(data: bytes) -> bytes:
        text = data.decode("utf-8", errors="surrogateescape")
        change = checkbox_edit(text, task_id, True, roadmap, kiro_globs)
        if change.edit is None:
            return data
        return apply_edit(text, change.edit).encode("utf-8", "surrogateescape")

    return tick


class WorkspaceLanes(Generic[T]):
    """The engine's LanesPort: per-task worktrees under the store's dir, with the task's
    agent, checks and git working there. The lane's checkbox is the workspace's own: the engine
    calls it once the task's commit (which holds the tick) has landed on the user's branch, to
    tick the user's copy too (a no-op on disk when the integration wrote the file)."""

    def __init__(
        self,
        git: GitWorkspace,
        worktrees: Path,
        checkbox: RoadmapCheckbox[T],
        make_agent: Callable[[Path], AgentPort[T]],
        make_verifier: Callable[[Path], VerifierPort[T]],
        kiro_globs: Sequence[str] = (),
    ) -> None:
        self._git, self._worktrees, self._checkbox = git, worktrees, checkbox
        self._kiro_globs = tuple(kiro_globs)
        self._make_agent, self._make_verifier = make_agent, make_verifier
        self._lanes: dict[str, Lane] = {}

    async def open(self, task: T) -> LanePorts[T]:
        roadmap = self._checkbox.roadmap_path(task)
        relative = None
        if roadmap is not None and roadmap.resolve().is_relative_to(self._git.root):
            relative = roadmap.resolve().relative_to(self._git.root).as_posix()
        lane = await self._git.open_lane(task.id, self._worktrees)
        self._lanes[task.id] = lane
        return LanePorts(
            agent=self._make_agent(lane.path),
            verifier=self._make_verifier(lane.path),
            git=LaneGit(self._git, lane, relative, self._kiro_globs),
            checkbox=self._checkbox,
        )

    async def close(self, task: T, lane: LanePorts[T], *, integrated: bool) -> None:
        found = self._lanes.pop(task.id, None)
        if found is not None and integrated:
            await self._git.close_lane(found, keep_work=False)
        # not integrated: the worktree and its branch stay for the user to look at
