"""The attempt loop of one task: checkpoint, agent, verify, retry with context, commit.

1. Checkpoint through the git port before anything changes (no checkpoint, no run).
2. Agent attempt; every agent event is re-emitted as `AgentActivity`.
3. On `end_turn` the daemon verifies (the agent's claims count for nothing).
4. Passed: tick the checkbox, commit through the git port (in a lane: commit, then tick); a
   refused commit leaves the task passed, with the reason. Failed with attempts left: retry
   with context, either in the same conversation (`retry="continue"`: problems + diff so far)
   or after restoring the checkpoint in a fresh session (`retry="restart"`). Attempts
   exhausted: failed, with the last problems kept.
5. Agent outcomes other than `end_turn`: see `settings.RETRYABLE_OUTCOMES`/`STOP_OUTCOMES`.
6. Cancellation anywhere: the cancel propagates into the agent stream (which is closed), the
   task becomes cancelled, the checkpoint is kept.

Errors raised by a port never escape: they end the task in a defined state with the reason.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar, cast

from roadmapd.agent.events import AgentEvent, AgentFinished, Usage, UsageReport
from roadmapd.engine import evidence
from roadmapd.engine import retry as msgs
from roadmapd.engine.batch import BatchCarry
from roadmapd.engine.budget import RunBudget
from roadmapd.engine.events import (
    AgentActivity,
    ApprovalRequested,
    AttemptStarted,
    CheckboxUpdated,
    CheckpointCreated,
    ChecksFinished,
    ChecksStarted,
    Committed,
    Event,
    EvidenceChecked,
    ReviewFinished,
    TaskOutcome,
    now,
)
from roadmapd.engine.ports import (
    CP,
    AgentPort,
    AgentSessionPort,
    ApprovalPort,
    CheckboxPort,
    GitPort,
    ProblemFormatter,
    ReviewerPort,
    ReviewFindingLike,
    TaskT,
    VerifierPort,
)
from roadmapd.engine.settings import RETRYABLE_OUTCOMES, EngineSettings
from roadmapd.engine.verdict import FileChangeLike, made_no_change, surprises, weakening
from roadmapd.problems import CheckReport, Position, Problem, Range
from roadmapd.statuses import TaskStatus, Trigger

log = logging.getLogger("roadmapd.engine")
R = TypeVar("R")

Transition = Callable[[str, Trigger, int, str | None], TaskStatus]


@dataclass(frozen=True, slots=True)
class RunContext(Generic[TaskT, CP]):
    """The ports and settings one run works with; `transition` is the engine's status keeper."""

    run_id: str
    settings: EngineSettings
    agent: AgentPort[TaskT]
    verifier: VerifierPort[TaskT]
    git: GitPort[CP]
    checkbox: CheckboxPort[TaskT]
    formatter: ProblemFormatter
    emit: Callable[[Event], None]
    transition: Transition
    budget: RunBudget = field(default_factory=RunBudget)
    approval: ApprovalPort[TaskT] | None = None
    reviewer: ReviewerPort[TaskT] | None = None
    # In a lane the tick is part of the integrated commit: the checkbox port then only brings
    # it to the user's copy of the roadmap, after the commit has landed (never before).
    tick_after_commit: bool = False
    carry: BatchCarry | None = None  # batch_size > 1 and no lanes: conversations handed on


class _Replan(Exception):
    """Ends the task as needs_replan: the reviewer says it needs a human or a new plan."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Stop(Exception):
    """Ends the task as failed with `reason` (raised inside the loop, caught in `run`)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TaskRunner(Generic[TaskT, CP]):
    """Runs one queued task to a final status; `run` never raises (except on programming errors)."""

    def __init__(self, ctx: RunContext[TaskT, CP], task: TaskT) -> None:
        self.ctx = ctx
        self.task = task
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
        except _Stop as stop:
            self._fire(Trigger.GIVE_UP, stop.reason)
        except _Replan as replan:
            self._fire(Trigger.REPLAN, replan.reason)
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
        cp = await self._port(ctx.git.checkpoint(task.id, task.title), "checkpoint")
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
            self.baseline = await self._port(ctx.verifier.baseline(task), "the baseline run")
        await self._open(None)
        mode: Literal["first", "continue", "restart"] = "first"
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
                    message=message,
                    after=self._batched[0] if self._batched and mode == "first" else None,
                )
            )
            finished = await self._converse(message if mode == "continue" else None)
            failure = await self._judge(finished, cp)
            if failure is None:
                return
            if settings.retry == "restart":
                await self._close_session()
                restored = await self._port(ctx.git.restore(cp), "restore of the checkpoint")
                if not restored.done:
                    raise _Stop(f"could not restore the checkpoint for a retry: {restored.reason}")
                message = msgs.restart_context(failure.summary)
                await self._open(message)
                mode = "restart"
            else:
                message = failure.message(await self._diff(cp))
                mode = "continue"

    async def _judge(self, finished: AgentFinished, cp: CP) -> _Failure | None:
        """None when the task passed (and was committed); the failure to retry with otherwise.

        Raises `_Stop` when the task must not be retried, `CancelledError` on cancellation.
        """
        ctx, settings = self.ctx, self.ctx.settings
        last = self.attempt >= settings.max_attempts
        if finished.outcome == "cancelled":
            raise asyncio.CancelledError
        if finished.outcome != "end_turn":
            reason = f"agent stopped ({finished.outcome}): {finished.reason}"
            if finished.outcome not in RETRYABLE_OUTCOMES:
                raise _Stop(reason)
            if last:
                raise _Stop(f"{reason}; {self.attempt} attempt(s) used")
            return _Failure(reason, None, "", self.attempt, settings.max_attempts)
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
                raise _Stop(f"{refusal}; {self.attempt} attempt(s) used")
            return _Failure(refusal, None, "", self.attempt, settings.max_attempts, refusal)
        summary = msgs.summarize(report)
        if last:
            prefix = f"{refusal}; " if refusal else ""
            raise _Stop(f"{prefix}checks failed after {self.attempt} attempt(s): {summary}")
        formatted = self.ctx.formatter(self.problems, settings.max_problem_chars)
        text = f"The checks failed: {summary}\n{formatted}".rstrip()
        return _Failure(text, report, formatted, self.attempt, settings.max_attempts, refusal)

    async def _refusal(self, cp: CP) -> tuple[str | None, Sequence[FileChangeLike]]:
        """Why the attempt cannot pass whatever the checks say (no change, weakened checks)."""
        changes = await self._port(self.ctx.git.changes(cp), "reading the attempt's changes")
        if made_no_change(changes):
            if self.task.verify:
                self.pass_note = "verified, nothing to change"
                return None, changes
            return msgs.NO_CHANGE, changes
        settings = self.ctx.settings
        extra = surprises(
            changes,
            max_file_mb=settings.max_file_mb,
            strict_files=settings.strict_files,
            files=self.task.files,
        )
        if extra and not settings.allow_large:
            listed = "; ".join(str(f) for f in extra[:10])
            return f"{msgs.SURPRISES}: {listed}", changes
        findings = weakening(changes)
        if not findings:
            return None, changes
        listed = "; ".join(str(f) for f in findings[:10])
        if settings.allow_weaken:
            self.pass_note = f"approved although it weakens verification: {listed}"
            return None, changes
        return f"{msgs.WEAKENS}: {listed}", changes

    def _excused(self, report: CheckReport, changes: Sequence[FileChangeLike]) -> bool:
        """True when only tests that already failed before the task fail (reported, not blamed)."""
        if self.ctx.settings.baseline_failures != "allow" or self.baseline is None:
            return False
        excused = evidence.excused_failures(report, self.baseline, changes)
        if not excused:
            return False
        note = (
            f"{len(excused)} test(s) that failed before the task still fail, not blamed on it: "
            f"{evidence.describe(excused)}"
        )
        self.pass_note = f"{self.pass_note}; {note}" if self.pass_note else note
        return True

    async def _review(self, cp: CP, report: CheckReport) -> str | None:
        """The reviewer's verdict (review = "agent"): None to pass, the findings to retry with.

        `blocked` ends the task as needs_replan; a review that gave no valid verdict fails it.
        """
        ctx = self.ctx
        if ctx.settings.review != "agent" or ctx.reviewer is None:
            return None
        started = now()
        diff = await self._diff(cp)
        review = await self._port(ctx.reviewer.review(self.task, diff, report), "the review")
        findings = tuple(review_problem(f) for f in review.findings)
        criteria = tuple((c.criterion, c.met, c.evidence) for c in review.criteria)
        ctx.emit(
            ReviewFinished(
                run_id=ctx.run_id,
                task_id=self.task.id,
                attempt=self.attempt,
                decision=review.decision,
                reason=review.reason,
                findings=findings,
                criteria=criteria,
                usage=review.usage,
                started=started,
            )
        )
        if review.decision == "pass":
            note = "review ok"
            self.pass_note = f"{self.pass_note} · {note}" if self.pass_note else note
            return None
        if review.decision == "blocked":
            raise _Replan(f"needs replan: {review.reason}")
        if review.decision != "changes_requested":
            raise _Stop(f"needs attention: {review.reason}")
        self.problems = findings
        listed = "\n".join(msgs.review_finding_line(p) for p in findings)
        return f"{msgs.REVIEW_CHANGES}: {review.reason}" + (f"\n{listed}" if listed else "")

    async def _evidence(
        self, cp: CP, changes: Sequence[FileChangeLike], report: CheckReport
    ) -> str | None:
        """None when the pass has its evidence (noted in `pass_note`); the reason otherwise."""
        started = now()
        self.evidence_tests = ()
        refusal = await self._weigh_evidence(cp, changes, report)
        self.ctx.emit(
            EvidenceChecked(
                run_id=self.ctx.run_id,
                task_id=self.task.id,
                attempt=self.attempt,
                started=started,
                passed=refusal is None,
                tests=self.evidence_tests if refusal is None else (),
            )
        )
        return refusal

    async def _weigh_evidence(
        self, cp: CP, changes: Sequence[FileChangeLike], report: CheckReport
    ) -> str | None:
        task = self.task
        policy = cast(evidence.EvidencePolicy, task.evidence or self.ctx.settings.evidence)
        if policy == "verify":
            if not task.verify:
                return 'evidence = "verify" needs the task\'s own Verify: commands'
            self.pass_note = self.pass_note or "passed on its Verify commands"
            return None
        if self.baseline is None or not evidence.needed(policy, changes, self.baseline):
            return None
        now = evidence.green(report)
        found = evidence.red_to_green(evidence.red(self.baseline), now)
        tried = evidence.changed_tests(changes)
        passing_before: set[str] = set()
        if not found and tried:
            run = self.ctx.verifier.tests_at_checkpoint(task, cp, tried)
            at_cp = await self._port(run, "the evidence run")
            found = evidence.red_to_green(evidence.red(at_cp), now)
            passing_before = evidence.in_files(evidence.green(at_cp) & now, tried)
        if not found:
            return evidence.missing_reason(tried, passing_before)
        self.evidence_tests = tuple(sorted(found))
        note = f"red→green {len(found)} test{'s' if len(found) != 1 else ''}"
        self.pass_note = f"{note}; {self.pass_note}" if self.pass_note else note
        return None

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

    async def _converse(self, message: str | None) -> AgentFinished:
        """One agent turn sequence; every event goes out; the result is its `AgentFinished`."""
        session = self._session
        assert session is not None
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
            raise _Stop(self.ctx.budget.reason())
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
            raise _Stop(f"{why}, but the checkpoint could not be restored: {restored.reason}")
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
            raise _Stop(f"{what} failed: {exc}") from exc

    def _fire(self, trigger: Trigger, reason: str | None = None) -> None:
        self.status = self.ctx.transition(self.task.id, trigger, self.attempt, reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class _Failure:
    """A failed attempt: what a restart is told (`summary`) and how to continue (`message`)."""

    summary: str
    report: CheckReport | None
    formatted: str
    attempt: int
    max_attempts: int
    refusal: str | None = None  # why the daemon refused the attempt whatever the checks said

    def message(self, diff: str) -> str:
        n, budget = self.attempt, self.max_attempts
        if self.refusal is not None and self.report is None:
            return msgs.refused_message(self.refusal, diff, attempt=n, max_attempts=budget)
        if self.report is None:
            return msgs.agent_failed_message(self.summary, diff, attempt=n, max_attempts=budget)
        checks = msgs.checks_failed_message(
            self.report, self.formatted, diff, attempt=n, max_attempts=budget
        )
        if self.refusal is None:
            return checks
        return msgs.refused_message(self.refusal, "", attempt=n, max_attempts=budget, then=checks)


def _can_ask(approval: object) -> bool:
    """Whether the approval port has a person to ask (a CLI without a terminal has not)."""
    return approval is not None and bool(getattr(approval, "asks_a_person", True))


def review_problem(finding: ReviewFindingLike) -> Problem:
    """A reviewer's finding as a problem (source "review") at its file and line."""
    line = max((finding.line or 1) - 1, 0)
    at = Range(Position(line, 0), Position(line, 0))
    message = finding.message + (f" (fix: {finding.fix})" if finding.fix else "")
    return Problem(message, at, source="review", code="review", file=finding.file)
