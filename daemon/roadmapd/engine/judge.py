"""What a pass needs besides green checks, as the attempt loop asks it: no refusal (a change was
made, nothing surprising, verification not weakened), failures that only pre-date the task
excused, the red -> green evidence, and the reviewer's verdict.

`Judgement` is a part of `TaskRunner` (`runner.py`): it reads the runner's task, context and
attempt and notes why a pass counts in `pass_note`; `TaskStop` and `TaskReplan` end the task.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Sequence
from typing import Generic, TypeVar, cast

from roadmapd.engine import evidence
from roadmapd.engine import retry as msgs
from roadmapd.engine.context import RunContext
from roadmapd.engine.events import EvidenceChecked, ReviewFinished, now
from roadmapd.engine.ports import CP, ReviewFindingLike, TaskT
from roadmapd.engine.verdict import FileChangeLike, made_no_change, surprises, weakening
from roadmapd.problems import CheckReport, Position, Problem, Range

R = TypeVar("R")


class TaskReplan(Exception):
    """Ends the task as needs_replan: the reviewer says it needs a human or a new plan."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TaskStop(Exception):
    """Ends the task as failed with `reason` (raised inside the loop, caught in `run`)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Judgement(ABC, Generic[TaskT, CP]):
    """The verdict half of the attempt loop (mixed into `TaskRunner`)."""

    ctx: RunContext[TaskT, CP]
    task: TaskT
    attempt: int
    problems: tuple[Problem, ...]
    pass_note: str | None
    baseline: CheckReport | None
    evidence_tests: tuple[str, ...]

    @abstractmethod
    async def _port(self, call: Awaitable[R], what: str) -> R:
        """Await a port call; its errors end the task with a readable reason."""

    @abstractmethod
    async def _diff(self, cp: CP) -> str:
        """The attempt's diff since the checkpoint, bounded."""

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
            raise TaskReplan(f"needs replan: {review.reason}")
        if review.decision != "changes_requested":
            raise TaskStop(f"needs attention: {review.reason}")
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


def review_problem(finding: ReviewFindingLike) -> Problem:
    """A reviewer's finding as a problem (source "review") at its file and line."""
    line = max((finding.line or 1) - 1, 0)
    at = Range(Position(line, 0), Position(line, 0))
    message = finding.message + (f" (fix: {finding.fix})" if finding.fix else "")
    return Problem(message, at, source="review", code="review", file=finding.file)
