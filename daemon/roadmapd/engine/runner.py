"""The attempt loop of one task: checkpoint, agent, verify, retry with context, commit.

1. Checkpoint through the git port before anything changes (no checkpoint, no run).
2. Agent attempt; every agent event is re-emitted as `AgentActivity`.
3. On `end_turn` the daemon verifies (the agent's claims count for nothing).
4. Passed: tick the checkbox, commit through the git port (in a lane: commit, then tick); a
   refused commit leaves the task passed, with the reason. Failed with attempts left: retry
   with context, either in the same conversation (`retry="continue"`: problems + diff so far)
   or after restoring the checkpoint in a fresh session (`retry="restart"`). Attempts
   exhausted: failed, with the last problems kept.
5. Agent outcomes other than `end_turn`: see `settings.RETRYABLE_OUTCOMES`/`STOP_OUTCOMES`;
   `needs_input` (a question asked headless) ends the task `needs_input` (`answer.py`), and
   a run given its `Answer` continues that conversation from the task's latest checkpoint.
6. Cancellation anywhere: the cancel propagates into the agent stream (which is closed), the
   task becomes cancelled, the checkpoint is kept.

Errors raised by a port never escape: they end the task in a defined state with the reason.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Literal, TypeVar

from roadmapd.agent.events import AgentEvent, AgentFinished, Usage, UsageReport
from roadmapd.engine import retry as msgs
from roadmapd.engine.answer import Answer, TaskAsks, asked
from roadmapd.engine.context import RunContext
from roadmapd.engine.events import (
    AgentActivity,
    ApprovalRequested,
    AttemptStarted,
    CheckboxUpdated,
    CheckpointCreated,
    ChecksFinished,
    ChecksStarted,
    Committed,
    TaskOutcome,
)
from roadmapd.engine.judge import Judgement, TaskReplan, TaskStop
from roadmapd.engine.ports import (
    CP,
    AgentSessionPort,
    TaskT,
)
from roadmapd.engine.settings import RETRYABLE_OUTCOMES
from roadmapd.problems import CheckReport, Problem
from roadmapd.statuses import TaskStatus, Trigger

log = logging.getLogger("roadmapd.engine")
R = TypeVar("R")


class TaskRunner(Judgement[TaskT, CP]):
    """Runs one queued task to a final status; `run` never raises (except on programming errors)."""

    def __init__(
        self, ctx: RunContext[TaskT, CP], task: TaskT, answer: Answer | None = None
    ) -> None:
        self.ctx = ctx
        self.task = task
        self.answer = answer
        self.attempt = 0
        self.turns = 0
        self.usage = Usage()
        self.problems: tuple[Problem, ...] = ()
        self.commit: str | None = None
        self.status = TaskStatus.QUEUED
        self.reason: str | None = None
        self.pass_note: str | None = None  # why the pass counts (evidence, or why none was needed)
        self.evidence_tests: tuple[str, ...] = ()  # the red -> green tests of the last weighing
        self.baseline: CheckReport | None = None  # the checks at the checkpoint
        self._session: AgentSessionPort | None = None
        self._batched: tuple[str, int] | None = None  # (the task before it, tasks in the chat)

    async def run(self) -> TaskOutcome:
        try:
            self._fire(Trigger.START)
            await self._loop()
        except TaskStop as stop:
            self._fire(Trigger.GIVE_UP, stop.reason)
        except TaskReplan as replan:
            self._fire(Trigger.REPLAN, replan.reason)
        except TaskAsks as ask:
            self._fire(Trigger.ASK, ask.reason)
        except asyncio.CancelledError:
            note = "cancelled before the commit" if self.status is TaskStatus.PASSED else None
            self._fire(Trigger.CANCEL, note or "cancelled")
        finally:
            await self._hand_on_or_close()
        return TaskOutcome(
            task_id=self.task.id,
            status=self.status,
            attempts=self.attempt,
            reason=self.reason,
            turns=self.turns,
            usage=self.usage,
            commit=self.commit,
            problems=self.problems,
        )

    async def _loop(self) -> None:
        ctx, task, settings = self.ctx, self.task, self.ctx.settings
        cp = await self._checkpoint()
        ctx.emit(
            CheckpointCreated(
                run_id=ctx.run_id,
                task_id=task.id,
                ref=cp.ref,
                commit=cp.commit,
                unprotected=tuple(cp.unprotected),
            )
        )
        if (task.evidence or settings.evidence) in ("auto", "tests"):
            self.baseline = await self._baseline(cp)
        mode: Literal["first", "continue", "restart", "answer"] = "first"
        if self.answer is None:
            await self._open(None)
        else:
            resumed = ctx.agent.resume(task, self.answer.conversation)
            self._session = await self._port(resumed, "taking up the saved conversation")
            mode = "answer"
        message: str | None = None
        while True:
            self.attempt += 1
            if self.attempt > 1:
                self._fire(Trigger.RETRY, f"attempt {self.attempt} of {settings.max_attempts}")
            ctx.emit(
                AttemptStarted(
                    run_id=ctx.run_id,
                    task_id=task.id,
                    attempt=self.attempt,
                    max_attempts=settings.max_attempts,
                    mode=mode,
                    message=self.answer.note() if mode == "answer" and self.answer else message,
                    after=self._batched[0] if self._batched and mode == "first" else None,
                )
            )
            finished = await self._converse(message if mode == "continue" else None, mode)
            failure = await self._judge(finished, cp)
            if failure is None:
                return
            if settings.retry == "restart":
                await self._close_session()
                restored = await self._port(ctx.git.restore(cp), "restore of the checkpoint")
                if not restored.done:
                    raise TaskStop(
                        f"could not restore the checkpoint for a retry: {restored.reason}"
                    )
                message = msgs.restart_context(failure.summary)
                await self._open(message)
                mode = "restart"
            else:
                message = failure.message(await self._diff(cp))
                mode = "continue"

    async def _judge(self, finished: AgentFinished, cp: CP) -> msgs.Failure | None:
        """None when the task passed (and was committed); the failure to retry with otherwise.

        Raises `TaskStop` when the task must not be retried, `CancelledError` on cancellation.
        """
        ctx, settings = self.ctx, self.ctx.settings
        last = self.attempt >= settings.max_attempts
        if finished.outcome == "cancelled":
            raise asyncio.CancelledError
        if finished.outcome == "needs_input" and self._session is not None:
            raise asked(ctx, self.task.id, self._session)
        if finished.outcome != "end_turn":
            reason = f"agent stopped ({finished.outcome}): {finished.reason}"
            if finished.outcome not in RETRYABLE_OUTCOMES:
                raise TaskStop(reason)
            if last:
                raise TaskStop(f"{reason}; {self.attempt} attempt(s) used")
            return msgs.Failure(reason, None, "", self.attempt, settings.max_attempts)
        self._fire(Trigger.AGENT_DONE)
        refusal, changes = await self._refusal(cp)
        report = await self._verify()  # also when refused: failing tests tell what is missing
        if not report.passed and self._excused(report, changes):
            report = CheckReport(results=report.results, excused=True)
        if report.passed and refusal is None:
            refusal = await self._evidence(cp, changes, report)
            if refusal is None:
                refusal = await self._review(cp, report)
            if refusal is None:
                await self._finish(cp)
                return None
        if report.passed and last and msgs.needs_a_person(refusal) and _can_ask(ctx.approval):
            assert refusal is not None
            self._rejected(refusal)
            await self._finish(cp, concerns=refusal)  # approve anyway, or rolled back
            return None
        if report.passed:
            assert refusal is not None
            self._rejected(refusal)
            if last:
                raise TaskStop(f"{refusal}; {self.attempt} attempt(s) used")
            return msgs.Failure(refusal, None, "", self.attempt, settings.max_attempts, refusal)
        summary = msgs.summarize(report)
        if last:
            prefix = f"{refusal}; " if refusal else ""
            raise TaskStop(f"{prefix}checks failed after {self.attempt} attempt(s): {summary}")
        formatted = self.ctx.formatter(self.problems, settings.max_problem_chars)
        text = f"The checks failed: {summary}\n{formatted}".rstrip()
        return msgs.Failure(text, report, formatted, self.attempt, settings.max_attempts, refusal)

    def _rejected(self, reason: str) -> None:
        ctx = self.ctx
        ctx.emit(
            ChecksFinished(
                run_id=ctx.run_id,
                task_id=self.task.id,
                attempt=self.attempt,
                passed=False,
                summary=f"not accepted: {reason}",
                problems=(),
                results=(),
            )
        )

    async def _converse(self, message: str | None, mode: str = "first") -> AgentFinished:
        """One agent turn sequence; every event goes out; the result is its `AgentFinished`."""
        session = self._session
        assert session is not None
        if mode == "answer" and self.answer is not None:
            stream = session.answer(self.answer.text)
        else:
            stream = session.start() if message is None else session.send(message)
        finished: AgentFinished | None = None
        budget, charged = self.ctx.budget, 0.0  # charged: cost of this stream's turns so far
        try:
            async for event in stream:
                self._activity(event)
                if isinstance(event, AgentFinished):
                    finished = event
                    budget.charge(event.usage.cost_usd - charged)  # turns not reported alone
                    break
                if isinstance(event, UsageReport):
                    budget.charge(event.usage.cost_usd)
                    charged += event.usage.cost_usd
                    if budget.exhausted:
                        reason = budget.reason()
                        finished = AgentFinished("budget", reason, event.turn, event.total)
                        self._activity(finished)  # the totals reach the log and the state
                        break
        except Exception as exc:
            log.warning("agent stream of task %s failed", self.task.id, exc_info=True)
            finished = AgentFinished("api_error", f"agent error: {exc}", 0, Usage())
        finally:
            close = getattr(stream, "aclose", None)
            if close is not None:
                await close()
        if finished is None:
            finished = AgentFinished(
                "api_error", "the agent stream ended without a result", 0, Usage()
            )
        self.turns += finished.turns
        self.usage = self.usage + finished.usage
        if self.ctx.budget.exhausted:
            raise TaskStop(self.ctx.budget.reason())
        return finished

    def _activity(self, event: AgentEvent) -> None:
        self.ctx.emit(
            AgentActivity(
                run_id=self.ctx.run_id, task_id=self.task.id, attempt=self.attempt, event=event
            )
        )

    async def _verify(self) -> CheckReport:
        ctx = self.ctx
        ctx.emit(ChecksStarted(run_id=ctx.run_id, task_id=self.task.id, attempt=self.attempt))
        report = await self._port(ctx.verifier.verify(self.task), "verification")
        self.problems = report.problems
        ctx.emit(
            ChecksFinished(
                run_id=ctx.run_id,
                task_id=self.task.id,
                attempt=self.attempt,
                passed=report.passed,
                summary=msgs.summarize(report),
                problems=report.problems,
                results=report.results,
            )
        )
        return report

    async def _finish(self, cp: CP, *, concerns: str = "") -> None:
        """Passed: tick the checkbox, then commit; a refused commit leaves the task passed.

        With `approval = "before-commit"`, or `concerns` (an attempt only a person may approve
        anyway), the task first waits for the approval port; a rejection restores the
        checkpoint and the task ends rolled back.
        """
        ctx, task = self.ctx, self.task
        if ctx.settings.approval == "before-commit" or concerns:
            if not await self._approved(cp, concerns):
                return
            if concerns:
                note = f"approved anyway: {concerns}"
                self.pass_note = f"{self.pass_note}; {note}" if self.pass_note else note
        else:
            self._fire(Trigger.CHECKS_PASSED)
        # PR mode: the tick is never part of the task's commit (`roadmapd sync` ticks the box
        # on the base branch once the commit is merged there), so merges cannot conflict on it.
        no_tick = ctx.settings.branch_mode == "pr"
        note = "" if ctx.tick_after_commit or no_tick else await self._tick()
        try:
            outcome = await ctx.git.commit_task(
                cp,
                title=task.title,
                task_id=task.id,
                attempts=self.attempt,
                branch_mode=ctx.settings.branch_mode,
            )
        except Exception as exc:
            self._fire(Trigger.COMMIT_REFUSED, f"not committed: commit failed: {exc}{note}")
            return
        if not outcome.committed:
            self._fire(Trigger.COMMIT_REFUSED, f"not committed: {outcome.reason}{note}")
            return
        if ctx.tick_after_commit and not no_tick:
            note = await self._tick()
        self.commit = outcome.commit
        ctx.emit(
            Committed(
                run_id=ctx.run_id, task_id=task.id, commit=outcome.commit, files=outcome.files
            )
        )
        notes = [n for n in (self.pass_note, note.removeprefix("; ")) if n]
        self._fire(Trigger.COMMITTED, "; ".join(notes) or None)

    async def _tick(self) -> str:
        """Tick the task's checkbox; the note to add to the task's reason when that failed."""
        ctx, task = self.ctx, self.task
        try:
            await ctx.checkbox.set_checked(task, True)
        except Exception as exc:
            ctx.emit(
                CheckboxUpdated(run_id=ctx.run_id, task_id=task.id, checked=False, error=str(exc))
            )
            return f"; checkbox not ticked: {exc}"
        ctx.emit(CheckboxUpdated(run_id=ctx.run_id, task_id=task.id, checked=True))
        return ""

    async def _approved(self, cp: CP, concerns: str = "") -> bool:
        ctx, task = self.ctx, self.task
        # The wire's words (the editor matches them); roadmapd_protocol's models load with them.
        from roadmapd_protocol import APPROVE_ANYWAY

        waiting = f"{APPROVE_ANYWAY}: {concerns}" if concerns else msgs.AWAITING
        self._fire(Trigger.AWAIT_APPROVAL, waiting)
        summary = await self._diff(cp)
        ctx.emit(ApprovalRequested(run_id=ctx.run_id, task_id=task.id, diff_summary=summary))
        why = "rejected"
        try:
            if ctx.approval is None:
                why = "rejected: nothing can approve it here (no approval port)"
                approved = False
            else:
                approved = await ctx.approval.approve(task, summary, concerns=concerns)
        except Exception as exc:
            why, approved = f"rejected: the approval failed: {exc}", False
        if approved:
            self._fire(Trigger.APPROVE, "approved")
            return True
        restored = await self._port(ctx.git.restore(cp), "restore after the rejection")
        if not restored.done:
            raise TaskStop(f"{why}, but the checkpoint could not be restored: {restored.reason}")
        backup = (
            f"; the rejected state is kept in {restored.backup_ref}" if restored.backup_ref else ""
        )
        self._fire(Trigger.REJECT, f"{why}: its changes were undone{backup}")
        return False

    async def _diff(self, cp: CP) -> str:
        try:
            return await self.ctx.git.diff_since(cp, self.ctx.settings.max_diff_chars)
        except Exception as exc:
            return f"(diff unavailable: {exc})"

    async def _checkpoint(self) -> CP:
        """A new checkpoint; for an answer, the one the question's run made."""
        git, task = self.ctx.git, self.task
        if self.answer is None:
            return await self._port(git.checkpoint(task.id, task.title), "checkpoint")
        cp = await self._port(git.latest_checkpoint(task.id), "the checkpoint lookup")
        if cp is None:
            raise TaskStop("no checkpoint of the task to continue from: run it again")
        return cp

    async def _baseline(self, cp: CP) -> CheckReport:
        """The checks before the task: run now, or (an answer: the tree holds the agent's
        work so far) the tests on the checkpoint's code."""
        verifier, task = self.ctx.verifier, self.task
        if self.answer is None:
            return await self._port(verifier.baseline(task), "the baseline run")
        return await self._port(verifier.tests_at_checkpoint(task, cp, ()), "the baseline run")

    async def _open(self, context: str | None) -> None:
        carry, after = self.ctx.carry, None
        self._batched = None  # a restart opens a fresh conversation: the batch ends there
        if carry is not None and context is None:
            held = await carry.take(self.task.id, self.task.headings)
            if held is not None:
                after, self._batched = held.session, (held.task_id, held.count + 1)
        opened = self.ctx.agent.open(self.task, context=context, after=after)
        self._session = await self._port(opened, "agent")

    async def _hand_on_or_close(self) -> None:
        """A committed task of a batch hands its conversation on; anything else closes it."""
        carry, session = self.ctx.carry, self._session
        if carry is None or session is None or self.status is not TaskStatus.COMMITTED:
            await self._close_session()
            return
        self._session = None
        count = self._batched[1] if self._batched else 1
        await carry.keep(session, self.task.id, self.task.headings, count)

    async def _close_session(self) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        try:
            await session.aclose()
        except Exception:
            log.warning("closing the agent session of task %s failed", self.task.id, exc_info=True)

    async def _port(self, call: Awaitable[R], what: str) -> R:
        """Await a port call; its errors (not cancellation) end the task with a readable reason."""
        try:
            return await call
        except Exception as exc:
            raise TaskStop(f"{what} failed: {exc}") from exc

    def _fire(self, trigger: Trigger, reason: str | None = None) -> None:
        self.status = self.ctx.transition(self.task.id, trigger, self.attempt, reason)
        self.reason = reason


def _can_ask(approval: object) -> bool:
    """Whether the approval port has a person to ask (a CLI without a terminal has not)."""
    return approval is not None and bool(getattr(approval, "asks_a_person", True))
