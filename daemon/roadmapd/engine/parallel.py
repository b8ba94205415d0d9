"""Parallel runs: independent tasks at once, each in its own lane, integrated in roadmap order.

Tasks start strictly in run order, up to `max_parallel` at a time. A task waits (and so do the
tasks after it) while one of its dependencies is still running or while its `Files:` hints
overlap a running task's; once its dependencies are over, they are checked as in a serial run
(not done: the task is skipped with the reason). A task commits only when every task before it
in the run has finished, so its commit lands on the user's branch in roadmap order; the lane's
git port does the integration. Because tasks start in order, a task waiting for its turn only
ever waits for tasks already running: no deadlock.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, Generic

from roadmapd.engine.events import TaskOutcome
from roadmapd.engine.ports import CP, GitPort, LanePorts, LanesPort, TaskT
from roadmapd.engine.runner import RunContext, TaskRunner
from roadmapd.engine.states import TaskStatus

log = logging.getLogger("roadmapd.engine")


def files_of(task: object) -> frozenset[str]:
    """The task's `Files:` hints (tasks without them overlap nothing)."""
    found = getattr(task, "files", ())
    return frozenset(str(f).strip().strip("`").removeprefix("./") for f in found)


class TurnGit(Generic[CP]):
    """A lane's git port whose `commit_task` waits for the task's turn first."""

    def __init__(self, inner: GitPort[CP], turn: Callable[[], Awaitable[None]]) -> None:
        self._inner, self._turn = inner, turn

    async def checkpoint(self, task_id: str, title: str) -> CP:
        return await self._inner.checkpoint(task_id, title)

    async def diff_since(self, cp: CP, max_chars: int) -> str:
        return await self._inner.diff_since(cp, max_chars)

    async def restore(self, cp: CP) -> Any:
        return await self._inner.restore(cp)

    async def commit_task(
        self, cp: CP, *, title: str, task_id: str, attempts: int, branch_mode: Any
    ) -> Any:
        await self._turn()
        return await self._inner.commit_task(
            cp, title=title, task_id=task_id, attempts=attempts, branch_mode=branch_mode
        )

    async def rollback(self, task_id: str, *, force: bool, dependants: Sequence[str]) -> Any:
        return await self._inner.rollback(task_id, force=force, dependants=dependants)


class Turns:
    """One event per task of the run, set when the task is over; a task's turn comes when all
    tasks before it are over."""

    def __init__(self, order: Sequence[str]) -> None:
        self.order = list(order)
        self._over = {task_id: asyncio.Event() for task_id in order}

    def over(self, task_id: str) -> None:
        self._over[task_id].set()

    def is_over(self, task_id: str) -> bool:
        return self._over[task_id].is_set()

    def turn_of(self, task_id: str) -> Callable[[], Awaitable[None]]:
        before = self.order[: self.order.index(task_id)]

        async def wait() -> None:
            for other in before:
                await self._over[other].wait()

        return wait


def must_wait(task: Any, running: Sequence[Any]) -> bool:
    """True while a dependency of `task` runs or its files overlap a running task's."""
    ids = {t.id for t in running}
    if any(dep in ids for dep in task.depends):
        return True
    mine = files_of(task)
    return bool(mine) and any(mine & files_of(other) for other in running)


async def run_parallel(
    tasks: Sequence[TaskT],
    *,
    limit: int,
    admit: Callable[[TaskT], TaskOutcome | None],
    start: Callable[[TaskT, Callable[[], Awaitable[None]]], Coroutine[Any, Any, TaskOutcome]],
    on_cancelled: Callable[[TaskT], TaskOutcome],
    running: dict[str, asyncio.Task[TaskOutcome]],
    outcomes: dict[str, TaskOutcome],
) -> None:
    """Run `tasks` (in run order) at most `limit` at a time; fills `outcomes`.

    `admit(task)` is asked when the task may start: None to start it, else the outcome of a
    task that will not run (cancelled while queued, dependency not done, budget spent).
    `running` is the caller's view of the tasks under way (for `cancel`). Cancelling the
    caller cancels every running task, waits for them, and re-raises.
    """
    turns = Turns([t.id for t in tasks])
    pending, by_id = list(tasks), {t.id: t for t in tasks}

    def collect(task_id: str, job: asyncio.Task[TaskOutcome]) -> None:
        if job.cancelled():
            outcomes[task_id] = on_cancelled(by_id[task_id])
        elif job.exception() is None:
            outcomes[task_id] = job.result()
        turns.over(task_id)

    try:
        while pending or running:
            while pending and len(running) < limit:
                task = pending[0]
                if must_wait(task, [by_id[i] for i in running]):
                    break
                pending.pop(0)
                early = admit(task)
                if early is not None:
                    outcomes[task.id] = early
                    turns.over(task.id)
                    continue
                job = asyncio.create_task(start(task, turns.turn_of(task.id)))
                running[task.id] = job
            if not running:
                continue
            done, _ = await asyncio.wait(list(running.values()), return_when="FIRST_COMPLETED")
            for task_id, job in list(running.items()):
                if job in done:
                    del running[task_id]
                    collect(task_id, job)
                    if not job.cancelled() and job.exception() is not None:
                        raise job.exception()  # type: ignore[misc]
    except asyncio.CancelledError:
        jobs = dict(running)
        for job in jobs.values():
            job.cancel()
        await asyncio.gather(*jobs.values(), return_exceptions=True)
        for task_id, job in jobs.items():
            collect(task_id, job)
        running.clear()
        raise


async def run_in_lane(
    lanes: LanesPort[TaskT],
    task: TaskT,
    make_ctx: Callable[[LanePorts[TaskT]], RunContext[TaskT, Any]],
    failed: Callable[[str], TaskOutcome],
) -> TaskOutcome:
    """Open the task's lane, run the task there, close the lane (its work kept unless landed)."""
    try:
        lane = await lanes.open(task)
    except Exception as exc:
        log.warning("could not open a lane for task %s", task.id, exc_info=True)
        return failed(f"could not make a worktree for the task: {exc}")
    outcome = await TaskRunner(make_ctx(lane), task).run()
    try:
        await lanes.close(task, lane, integrated=outcome.status is TaskStatus.COMMITTED)
    except Exception:
        log.warning("could not remove the lane of task %s", task.id, exc_info=True)
    return outcome
