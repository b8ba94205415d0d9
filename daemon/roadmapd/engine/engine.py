"""`TaskEngine`: one per workspace; runs requested tasks and keeps their statuses.

Scheduling: one run at a time, its tasks one after the other; a `run` that starts while another
is under way queues its tasks (FIFO) and waits for its turn. With `max_parallel` > 1 and a
`LanesPort`, every run's tasks go to one pool of lanes instead, joining the tasks at work
(`engine/parallel.py`). A task already queued or running is refused with a message. Within a
run, dependencies go first; a task whose dependencies are not done is not runnable and says
which ones. A run returns as soon as its requested tasks are finished: it never picks up other
work.

Cancellation: `cancel(task_id)` stops that task (running: its agent stream is cancelled;
queued: it never starts) and the run goes on with the next task; cancelling the asyncio task
of `run` cancels the current task and every task still queued in that run, then re-raises.

`rollback(task)` is delegated to `engine/rollback.py` once the engine says whether the task is
busy. Statuses and events go through the status book (`engine/book.py`).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Generic

from roadmapd.engine.answer import Answer
from roadmapd.engine.batch import BatchCarry
from roadmapd.engine.book import StatusBook
from roadmapd.engine.budget import RunBudget
from roadmapd.engine.context import RunContext
from roadmapd.engine.deps import Blocker, blockers, describe, run_order
from roadmapd.engine.events import (
    EventSink,
    RolledBack,
    RunFinished,
    RunStarted,
    TaskNotRunnable,
    TaskOutcome,
    TaskQueued,
)
from roadmapd.engine.parallel import LanePool, TurnGit, run_in_lane
from roadmapd.engine.ports import (
    CP,
    AgentPort,
    ApprovalPort,
    CheckboxPort,
    GitPort,
    HeadChecksPort,
    LanePorts,
    LanesPort,
    ProblemFormatter,
    ReviewerPort,
    StatusLookup,
    TaskT,
    VerifierPort,
)
from roadmapd.engine.result import RunResult
from roadmapd.engine.retry import compact_problems
from roadmapd.engine.reverify import ReverifyResult, reverify_tasks
from roadmapd.engine.rollback import roll_back, undo_last_rollback
from roadmapd.engine.runner import TaskRunner
from roadmapd.engine.settings import EngineSettings
from roadmapd.statuses import ACTIVE, PAUSED_REASON, TaskStatus, Trigger, can


def new_run_id() -> str:
    """Sortable and unique: `20261121T101500Z-3f9a1c`."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


class TaskEngine(Generic[TaskT, CP]):
    def __init__(
        self,
        *,
        agent: AgentPort[TaskT],
        verifier: VerifierPort[TaskT],
        git: GitPort[CP],
        checkbox: CheckboxPort[TaskT],
        sink: EventSink,
        settings: EngineSettings | None = None,
        formatter: ProblemFormatter = compact_problems,
        lookup: StatusLookup | None = None,
        approval: ApprovalPort[TaskT] | None = None,
        lanes: LanesPort[TaskT] | None = None,
        history: StatusLookup | None = None,
        reviewer: ReviewerPort[TaskT] | None = None,
    ) -> None:
        """`history(task_id)`: the persisted status a task had before its last rollback."""
        self.settings = settings or EngineSettings()
        self._agent, self._verifier, self._git, self._checkbox = agent, verifier, git, checkbox
        self._formatter = formatter
        self._book = StatusBook(sink, lookup, history)
        self.status = self._book.status
        self._transition = self._book.transition
        self._emit = self._book.emit
        self.approval = approval  # the review gate (settings.approval = "before-commit")
        self._reviewer = reviewer  # the reviewer role (settings.review = "agent")
        self._lanes = lanes  # worktrees for parallel runs (settings.max_parallel > 1)
        self._lane_jobs: dict[str, asyncio.Task[TaskOutcome]] = {}
        self._pool: LanePool[TaskT] | None = None
        if lanes is not None and self.settings.max_parallel > 1:
            self._pool = LanePool(self.settings.max_parallel, self._lane_jobs)
        self._queued: dict[str, str] = {}  # task id -> run id, waiting for their turn
        self._carry = BatchCarry(self.settings.batch_size) if self.settings.batch_size > 1 else None
        self._current: tuple[str, str, asyncio.Task[TaskOutcome]] | None = None
        self._lock = asyncio.Lock()
        self._live_runs: set[str] = set()
        self._paused_runs: set[str] = set()  # paused: their tasks not yet started never start

    # --- queries -------------------------------------------------------------------------

    @property
    def current_task_id(self) -> str | None:
        return self._current[0] if self._current else None

    @property
    def parallel(self) -> bool:
        """Whether runs work in lanes, side by side (else one task at a time, run after run)."""
        return self._pool is not None

    @property
    def running_task_ids(self) -> list[str]:
        """The tasks under way now: the serial one, or those in lanes."""
        return [self._current[0]] if self._current else list(self._lane_jobs)

    def not_runnable_reason(self, task: TaskT, all_tasks: Sequence[TaskT] = ()) -> str | None:
        """Why `task` cannot be run now (None if it can), e.g. `depends on T1 (failed)`."""
        known = {t.id: t for t in all_tasks}
        return self._refusal(task, known, pending=())[0]

    # --- commands ------------------------------------------------------------------------

    def pause(self) -> list[str]:
        """Pause every run under way: its tasks already started finish, the others are skipped
        when their turn comes (idle, "paused") and listed in the run's `RunFinished.paused`.
        Returns the ids of the runs paused (none: nothing was running)."""
        paused = sorted(self._live_runs - self._paused_runs)
        self._paused_runs.update(paused)
        return paused

    def cancel(self, task_id: str) -> bool:
        """Cancel a running or queued task; False if it is neither."""
        if self._current is not None and self._current[0] == task_id:
            self._current[2].cancel()
            return True
        if task_id in self._lane_jobs:
            self._lane_jobs[task_id].cancel()
            return True
        run_id = self._queued.pop(task_id, None)
        if run_id is None:
            return False
        self._transition(run_id, task_id, Trigger.CANCEL, 0, "cancelled before it started")
        return True

    async def run(
        self,
        tasks: Sequence[TaskT],
        *,
        all_tasks: Sequence[TaskT] = (),
        run_id: str | None = None,
        budget: RunBudget | None = None,
        answers: Mapping[str, Answer] | None = None,
    ) -> RunResult:
        """Run the requested tasks (dependencies first); `all_tasks` resolves other deps.

        `budget` is shared with other runs that should spend from the same money (the CLI's
        one per invocation); by default each run gets `settings.run_budget_usd`. `answers`:
        tasks that stopped on a question continue their saved conversation with the answer
        (`answer.py`), one after the other in this checkout, never in lanes.
        """
        answers = answers or {}
        run_id = run_id or new_run_id()
        budget = budget if budget is not None else RunBudget(self.settings.run_budget_usd)
        ordered = run_order(tasks)
        known = {t.id: t for t in all_tasks} | {t.id: t for t in ordered}
        self._emit(RunStarted(run_id=run_id, task_ids=tuple(t.id for t in ordered)))
        self._live_runs.add(run_id)
        outcomes: dict[str, TaskOutcome] = {}
        queued: list[TaskT] = []
        for task in ordered:
            reason, found = self._refusal(task, known, pending=[t.id for t in queued])
            if reason is not None:
                self._not_runnable(run_id, task.id, reason, found, outcomes)
                continue
            self._transition(run_id, task.id, Trigger.QUEUE, 0, None)
            self._queued[task.id] = run_id
            queued.append(task)
            self._emit(
                TaskQueued(run_id=run_id, task_id=task.id, title=task.title, position=len(queued))
            )
        try:
            if self._pool is not None and not answers:
                await self._run_parallel(self._pool, run_id, queued, known, budget, outcomes)
            else:
                async with self._lock:
                    for task in queued:
                        early = self._admit(run_id, task, known, budget, outcomes)
                        if early is None:
                            answer = answers.get(task.id)
                            outcomes[task.id] = await self._run_one(run_id, task, budget, answer)
        except asyncio.CancelledError:
            for task in queued:
                if self._queued.pop(task.id, None) is not None:
                    self._transition(run_id, task.id, Trigger.CANCEL, 0, "the run was cancelled")
                    outcomes[task.id] = self._bare_outcome(task.id, "the run was cancelled")
            self._finish_run(run_id, ordered, outcomes, cancelled=True)
            raise
        return self._finish_run(run_id, ordered, outcomes, cancelled=False)

    async def rollback(
        self,
        task: TaskT,
        *,
        all_tasks: Sequence[TaskT] = (),
        force: bool = False,
        run_id: str | None = None,
    ) -> RolledBack:
        """Undo a task through the git port (backup first), untick it, mark it rolled back.

        Refusals (task active, nothing to roll back, git refused) come back with `done=False`.
        """
        run_id = run_id or new_run_id()
        return await roll_back(
            task,
            run_id=run_id,
            busy=self._busy(task.id),
            force=force,
            all_tasks=all_tasks,
            status_of=self.status,
            git=self._git,
            checkbox=self._checkbox,
            transition=lambda tid, trig, why: self._transition(run_id, tid, trig, 0, why),
            emit=self._emit,
        )

    async def undo_rollback(self, run_id: str | None = None) -> RolledBack:
        """Undo the latest rollback (`vcs/undo.py`); its task gets its earlier status back."""
        run_id = run_id or new_run_id()

        def reinstate(task_id: str, before: TaskStatus) -> None:
            self._transition(run_id, task_id, Trigger.UNDO_ROLLBACK, 0, "rollback undone", before)

        return await undo_last_rollback(
            run_id=run_id,
            git=self._git,
            status_of=self.status,
            before_of=self._book.before_rollback,
            reinstate=reinstate,
            emit=self._emit,
        )

    async def close(self) -> None:
        """Close the conversation a batch may still hold (`batch_size` > 1)."""
        if self._carry is not None:
            await self._carry.close()

    async def reverify(
        self,
        tasks: Sequence[TaskT],
        checks: HeadChecksPort[TaskT],
        *,
        evidence: Mapping[str, Sequence[str]],
        regressed_from: Mapping[str, TaskStatus],
        run_id: str | None = None,
    ) -> ReverifyResult:
        """Re-verify done tasks at HEAD with no model call (`engine/reverify.py`); a task under
        way is left alone. `evidence`: each task's recorded evidence tests."""
        return await reverify_tasks(
            self._book,
            checks,
            tasks,
            evidence=evidence,
            regressed_from=regressed_from,
            run_id=run_id or new_run_id(),
            busy=self._busy,
        )

    # --- internals -----------------------------------------------------------------------

    def _admit(
        self,
        run_id: str,
        task: TaskT,
        known: dict[str, TaskT],
        budget: RunBudget,
        outcomes: dict[str, TaskOutcome],
    ) -> TaskOutcome | None:
        """None when `task` may start now; else its outcome (also put into `outcomes`)."""
        if self._queued.pop(task.id, None) is None:  # cancelled while queued
            outcomes[task.id] = self._bare_outcome(task.id, "cancelled before it started")
            return outcomes[task.id]
        if run_id in self._paused_runs:
            self._transition(run_id, task.id, Trigger.SKIP, 0, PAUSED_REASON)
            outcomes[task.id] = self._bare_outcome(task.id, PAUSED_REASON)
            return outcomes[task.id]
        found = blockers(task, known=known, status_of=self.status)
        if found or budget.exhausted:
            why = describe(found) if found else budget.reason()
            self._transition(run_id, task.id, Trigger.SKIP, 0, why)
            self._not_runnable(run_id, task.id, why, found, outcomes)
            return outcomes[task.id]
        return None

    def _context(
        self, run_id: str, budget: RunBudget, lane: LanePorts[TaskT] | None = None
    ) -> RunContext[TaskT, Any]:
        return RunContext(
            run_id=run_id,
            settings=self.settings,
            agent=lane.agent if lane else self._agent,
            verifier=lane.verifier if lane else self._verifier,
            git=lane.git if lane else self._git,
            checkbox=lane.checkbox if lane else self._checkbox,
            formatter=self._formatter,
            emit=self._emit,
            transition=lambda tid, trig, n, why: self._transition(run_id, tid, trig, n, why),
            budget=budget,
            approval=self.approval,
            reviewer=self._reviewer,
            tick_after_commit=lane is not None,
            carry=self._carry if lane is None else None,
        )

    async def _run_parallel(
        self,
        pool: LanePool[TaskT],
        run_id: str,
        tasks: Sequence[TaskT],
        known: dict[str, TaskT],
        budget: RunBudget,
        outcomes: dict[str, TaskOutcome],
    ) -> None:
        lanes = self._lanes
        assert lanes is not None

        async def start(task: TaskT, turn: Callable[[], Awaitable[None]]) -> TaskOutcome:
            return await run_in_lane(
                lanes,
                task,
                lambda lane: self._context(
                    run_id, budget, replace(lane, git=TurnGit(lane.git, turn))
                ),
                lambda why: self._lane_failed(run_id, task, why),
            )

        def cancelled(task: TaskT) -> TaskOutcome:
            if self.status(task.id) in ACTIVE:
                self._transition(run_id, task.id, Trigger.CANCEL, 0, "cancelled")
            return self._bare_outcome(task.id, "cancelled")

        await pool.run(
            tasks,
            admit=lambda task: self._admit(run_id, task, known, budget, outcomes),
            start=start,
            on_cancelled=cancelled,
            outcomes=outcomes,
        )

    def _lane_failed(self, run_id: str, task: TaskT, why: str) -> TaskOutcome:
        self._transition(run_id, task.id, Trigger.START, 0, None)
        self._transition(run_id, task.id, Trigger.GIVE_UP, 0, why)
        return self._bare_outcome(task.id, why)

    async def _run_one(
        self, run_id: str, task: TaskT, budget: RunBudget, answer: Answer | None = None
    ) -> TaskOutcome:
        ctx = self._context(run_id, budget)
        runner = TaskRunner(ctx, task, answer)
        inner = asyncio.create_task(runner.run(), name=f"roadmapd task {task.id}")
        self._current = (task.id, run_id, inner)
        outer = asyncio.current_task()
        try:
            outcome = await inner
        except asyncio.CancelledError:
            # cancelled before its runner started: record it here
            if self.status(task.id) in ACTIVE:
                self._transition(run_id, task.id, Trigger.CANCEL, 0, "cancelled")
            if outer is not None and outer.cancelling():
                raise
            return self._bare_outcome(task.id, "cancelled")
        finally:
            self._current = None
        if outer is not None and outer.cancelling():
            raise asyncio.CancelledError  # the run itself was cancelled (inner absorbed it)
        return outcome

    def _busy(self, task_id: str) -> bool:
        """Queued or running in this engine (serially or in a lane)."""
        return (
            task_id in self._queued or task_id in self._lane_jobs or self.current_task_id == task_id
        )

    def _refusal(
        self, task: TaskT, known: dict[str, TaskT], pending: Sequence[str]
    ) -> tuple[str | None, tuple[Blocker, ...]]:
        status = self.status(task.id)
        if self._busy(task.id):
            return "already queued or running", ()
        if task.checked and status is not TaskStatus.REGRESSED:
            return "already done (ticked in the roadmap)", ()
        if status in ACTIVE:
            return (
                f"recorded as {status.value} by another roadmapd process "
                "(if none is running, restart roadmapd to mark it interrupted)",
                (),
            )
        if not can(status, Trigger.QUEUE):
            return f"cannot run a task that is {status.value}", ()
        found = blockers(task, known=known, status_of=self.status, pending=pending)
        return (describe(found), found) if found else (None, ())

    def _not_runnable(
        self,
        run_id: str,
        task_id: str,
        reason: str,
        found: Sequence[Blocker],
        outcomes: dict[str, TaskOutcome],
    ) -> None:
        blocked_by = tuple(b.task_id for b in found)
        self._emit(
            TaskNotRunnable(run_id=run_id, task_id=task_id, reason=reason, blocked_by=blocked_by)
        )
        outcomes[task_id] = self._bare_outcome(task_id, reason)

    def _bare_outcome(self, task_id: str, reason: str) -> TaskOutcome:
        return TaskOutcome(task_id=task_id, status=self.status(task_id), reason=reason)

    def _finish_run(
        self,
        run_id: str,
        ordered: Sequence[TaskT],
        outcomes: dict[str, TaskOutcome],
        *,
        cancelled: bool,
    ) -> RunResult:
        self._live_runs.discard(run_id)
        paused: tuple[str, ...] = ()
        if run_id in self._paused_runs and not cancelled:
            paused = tuple(o.task_id for o in outcomes.values() if o.reason == PAUSED_REASON)
        self._paused_runs.discard(run_id)
        result = RunResult(
            run_id, tuple(outcomes[t.id] for t in ordered if t.id in outcomes), cancelled, paused
        )
        self._emit(
            RunFinished(run_id=run_id, outcomes=result.outcomes, cancelled=cancelled, paused=paused)
        )
        return result
