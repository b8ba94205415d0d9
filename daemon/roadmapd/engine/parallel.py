"""Parallel runs: independent tasks at once, each in its own lane, integrated in roadmap order.

With lanes (`max_parallel` > 1) every run of the engine submits its tasks to one `LanePool`, so
tasks started while others work (one click after another in an editor) join them. Tasks start
strictly in submission order (a run's tasks in run order), up to `max_parallel` at a time. A
task waits (and so do the tasks after it) while one of its dependencies is still running or
while its `Files:` hints overlap a running task's; once its dependencies are over, they are
checked as in a serial run (not done: the task is skipped with the reason). A task commits only
when every task submitted before it has finished, so commits land on the user's branch in
roadmap order; the lane's git port does the integration. Because tasks start in order, a task
waiting for its turn only ever waits for tasks already running: no deadlock.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Generic

from roadmapd.engine.context import RunContext
from roadmapd.engine.events import TaskOutcome
from roadmapd.engine.ports import CP, GitPort, LanePorts, LanesPort, TaskT
from roadmapd.engine.runner import TaskRunner
from roadmapd.engine.verdict import FileChangeLike
from roadmapd.statuses import TaskStatus

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

    async def latest_checkpoint(self, task_id: str) -> CP | None:
        return await self._inner.latest_checkpoint(task_id)

    async def diff_since(self, cp: CP, max_chars: int) -> str:
        return await self._inner.diff_since(cp, max_chars)

    async def changes(self, cp: CP) -> Sequence[FileChangeLike]:
        return await self._inner.changes(cp)

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

    async def undo_rollback(self) -> Any:
        return await self._inner.undo_rollback()


def must_wait(task: Any, running: Sequence[Any]) -> bool:
    """True while a dependency of `task` runs or its files overlap a running task's."""
    ids = {t.id for t in running}
    if any(dep in ids for dep in task.depends):
        return True
    mine = files_of(task)
    return bool(mine) and any(mine & files_of(other) for other in running)


Admit = Callable[[TaskT], TaskOutcome | None]
Start = Callable[[TaskT, Callable[[], Awaitable[None]]], Coroutine[Any, Any, TaskOutcome]]


@dataclass(eq=False)
class _Entry(Generic[TaskT]):
    """One submitted task, with the callbacks and outcomes of the run it belongs to."""

    task: TaskT
    admit: Admit[TaskT]
    start: Start[TaskT]
    on_cancelled: Callable[[TaskT], TaskOutcome]
    outcomes: dict[str, TaskOutcome]
    done: asyncio.Future[None]
    over: asyncio.Event = field(default_factory=asyncio.Event)


class LanePool(Generic[TaskT]):
    """Every task an engine runs in lanes, whichever run submitted it (a run of several tasks,
    or tasks started one by one from an editor while others work).

    Tasks start strictly in submission order, at most `limit` at a time; a task waits (and so do
    the tasks after it) while `must_wait` says so. A task's turn to commit comes when every task
    submitted before it is over. `running` is the engine's view of the jobs (for `cancel`).
    """

    def __init__(self, limit: int, running: dict[str, asyncio.Task[TaskOutcome]]) -> None:
        self.limit, self.running = limit, running
        self._order: list[_Entry[TaskT]] = []  # submitted and not over, in submission order
        self._pending: list[_Entry[TaskT]] = []
        self._started: dict[str, _Entry[TaskT]] = {}

    async def run(
        self,
        tasks: Sequence[TaskT],
        *,
        admit: Admit[TaskT],
        start: Start[TaskT],
        on_cancelled: Callable[[TaskT], TaskOutcome],
        outcomes: dict[str, TaskOutcome],
    ) -> None:
        """Submit `tasks` (in run order) and wait until each is over; fills `outcomes`.

        `admit(task)` is asked when the task may start: None to start it, else the outcome of a
        task that will not run. Cancelling the caller withdraws its queued tasks, cancels its
        running ones, waits for them, and re-raises. A job's unexpected error is re-raised.
        """
        loop = asyncio.get_running_loop()
        entries = [
            _Entry(t, admit, start, on_cancelled, outcomes, loop.create_future()) for t in tasks
        ]
        self._order += entries
        self._pending += entries
        self._start_ready()
        try:
            await asyncio.gather(*(e.done for e in entries))
        except asyncio.CancelledError:
            await self._withdraw(entries)
            raise

    def _start_ready(self) -> None:
        while self._pending and len(self._started) < self.limit:
            entry = self._pending[0]
            if must_wait(entry.task, [e.task for e in self._started.values()]):
                return
            self._pending.pop(0)
            early = entry.admit(entry.task)
            if early is not None:
                self._over(entry, early)
                continue
            job = asyncio.create_task(entry.start(entry.task, partial(self._turn, entry)))
            self._started[entry.task.id] = entry
            self.running[entry.task.id] = job
            job.add_done_callback(partial(self._job_done, entry))

    async def _turn(self, entry: _Entry[TaskT]) -> None:
        for other in self._order[: self._order.index(entry)]:
            await other.over.wait()

    def _job_done(self, entry: _Entry[TaskT], job: asyncio.Task[TaskOutcome]) -> None:
        del self._started[entry.task.id]
        self.running.pop(entry.task.id, None)
        if job.cancelled():
            self._over(entry, entry.on_cancelled(entry.task))
        elif (error := job.exception()) is not None:
            self._over(entry, None, error)
        else:
            self._over(entry, job.result())
        self._start_ready()

    def _over(
        self, entry: _Entry[TaskT], outcome: TaskOutcome | None, error: BaseException | None = None
    ) -> None:
        if outcome is not None:
            entry.outcomes[entry.task.id] = outcome
        entry.over.set()
        self._order.remove(entry)
        if entry.done.done():
            return
        if error is not None:
            entry.done.set_exception(error)
        else:
            entry.done.set_result(None)

    async def _withdraw(self, entries: list[_Entry[TaskT]]) -> None:
        """The run of `entries` was cancelled: drop its queued tasks, cancel its running ones."""
        for entry in entries:
            if entry in self._pending:
                self._pending.remove(entry)
                entry.done.cancel()
                entry.over.set()
                self._order.remove(entry)
        jobs = [self.running[e.task.id] for e in entries if self._started.get(e.task.id) is e]
        for job in jobs:
            job.cancel()
        await asyncio.gather(*jobs, return_exceptions=True)
        self._start_ready()


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
