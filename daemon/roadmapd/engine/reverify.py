"""Re-verify done tasks at HEAD, with no model call: does each one's own checks still pass?

A done task's own checks are its `Verify:` commands and the tests that were the evidence of
its passing run (recorded from its `EvidenceChecked` event). The project's checks run once, at
HEAD (the `HeadChecksPort` exports the committed tree and runs them in the jail), and each
task's `Verify:` commands beside them. The verdict, per task:

- an evidence test that fails at HEAD, did not run (removed, renamed) or whose module no longer
  imports, or a `Verify:` command that fails: the task **regressed** (status `regressed`);
- all of them pass: the task stands; a task that had regressed gets its status back;
- no own checks (no `Verify:` line, no recorded evidence): nothing to re-verify, unchanged.

A failing project check that is no task's own (a lint error, a failing test that was nobody's
evidence) is reported in `ReverifyResult.unblamed` and blamed on no task.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from roadmapd.engine.book import StatusBook
from roadmapd.engine.events import (
    ChecksFinished,
    RunFinished,
    RunStarted,
    TaskOutcome,
)
from roadmapd.engine.evidence import outcomes
from roadmapd.engine.ports import HeadChecksPort, TaskT
from roadmapd.problems import CheckReport, CheckResult, Problem
from roadmapd.statuses import TaskStatus, Trigger, can

#: The statuses of a done task that re-verify looks at (idle: a box ticked by hand).
RECHECKABLE = frozenset(
    {TaskStatus.IDLE, TaskStatus.PASSED, TaskStatus.COMMITTED, TaskStatus.REGRESSED}
)


@dataclass(frozen=True, slots=True)
class Recheck:
    """One task's verdict. `passed` None: it has no own checks (nothing was re-run)."""

    task_id: str
    passed: bool | None
    status: TaskStatus  # after the re-verify
    reason: str
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True, slots=True)
class ReverifyResult:
    run_id: str
    rechecks: tuple[Recheck, ...]
    project: CheckReport  # the project's checks at HEAD
    unblamed: tuple[CheckResult, ...]  # failing project checks that are no task's own
    not_checked: Mapping[str, str]  # task id -> why it was left alone (busy, not done)

    @property
    def regressed(self) -> list[str]:
        return [r.task_id for r in self.rechecks if r.passed is False]


def _test_name(test_id: str) -> str:
    return test_id.rsplit("::", 1)[-1]


def evidence_failures(project: CheckReport, tests: Sequence[str]) -> list[str]:
    """Why the evidence `tests` do not stand at HEAD, one phrase per test (empty: they pass)."""
    seen = outcomes(project)
    broken = {t.removeprefix("::") for t, ok in seen.items() if t.startswith("::") and not ok}
    found = []
    for test_id in tests:
        module = test_id.split("::", 1)[0]
        if seen.get(test_id) is True:
            continue
        if test_id in seen:
            found.append(f"`{_test_name(test_id)}` fails")
        elif any(module == m or module.startswith(m + ".") for m in broken):
            found.append(f"`{_test_name(test_id)}` does not import")
        else:
            found.append(f"`{_test_name(test_id)}` did not run (removed or renamed?)")
    return found


def _evidence_problems(project: CheckReport, tests: Sequence[str]) -> list[Problem]:
    names = {_test_name(t) for t in tests}
    return [
        p
        for p in project.problems
        if any(f"{n} failed:" in p.message or f"{n} error:" in p.message for n in names)
    ]


def judge(
    own: CheckReport | None, tests: Sequence[str], project: CheckReport
) -> tuple[bool | None, str, tuple[Problem, ...]]:
    """(passed, reason, problems) of one task; passed None when it has no own checks."""
    if not tests and (own is None or not own.results):
        return None, "no own checks to re-run (no Verify: line, no recorded evidence)", ()
    reasons: list[str] = []
    problems: list[Problem] = []
    failing = evidence_failures(project, tests)
    if failing:
        reasons.append("evidence " + ", ".join(failing))
        problems += _evidence_problems(project, tests)
    for result in own.results if own is not None else ():
        if not result.passed:
            reasons.append(f"Verify `{result.command}`: {result.summary}")
            problems += result.problems
    if reasons:
        return False, "regressed at HEAD: " + "; ".join(reasons), tuple(problems)
    checked = [f"{len(tests)} evidence test{'s' if len(tests) != 1 else ''}"] if tests else []
    if own is not None and own.results:
        checked.append(f"{len(own.results)} Verify command{'s' if len(own.results) != 1 else ''}")
    return True, "re-verified at HEAD: " + ", ".join(checked) + " passed", ()


def unblamed(project: CheckReport, owned: set[str]) -> tuple[CheckResult, ...]:
    """The failing project checks not explained by failing tests some task owns."""
    found = []
    for result in project.results:
        if result.passed:
            continue
        failing = {t for t, ok in result.outcomes if not ok}
        if result.exit_code is not None and failing and failing <= owned:
            continue
        found.append(result)
    return tuple(found)


async def reverify_tasks(
    book: StatusBook,
    checks: HeadChecksPort[TaskT],
    tasks: Sequence[TaskT],
    *,
    evidence: Mapping[str, Sequence[str]],
    regressed_from: Mapping[str, TaskStatus],
    run_id: str,
    busy: Callable[[str], bool] = lambda task_id: False,
) -> ReverifyResult:
    """Re-verify `tasks` (done ones; others, and those `busy` in a run, are left alone with the
    reason), as one run."""
    book.emit(RunStarted(run_id=run_id, task_ids=tuple(t.id for t in tasks)))
    not_checked: dict[str, str] = {}
    chosen = []
    for task in tasks:
        status = book.status(task.id)
        if busy(task.id):
            not_checked[task.id] = "under way"
        elif status not in RECHECKABLE or (status is TaskStatus.IDLE and not task.checked):
            not_checked[task.id] = f"not done ({status.value})"
        else:
            chosen.append(task)
    try:
        project, own = await checks.at_head(chosen)
    except BaseException:
        book.emit(RunFinished(run_id=run_id, outcomes=(), cancelled=True))  # the log ends
        raise
    rechecks: list[Recheck] = []
    owned: set[str] = set()
    for task in chosen:
        tests = tuple(evidence.get(task.id, ()))
        passed, reason, problems = judge(own.get(task.id), tests, project)
        if passed is None:
            rechecks.append(Recheck(task.id, None, book.status(task.id), reason))
            continue
        if not passed:
            owned |= set(tests)
        results = own[task.id].results if task.id in own else ()
        book.emit(
            ChecksFinished(
                run_id=run_id,
                task_id=task.id,
                attempt=0,
                passed=passed,
                summary=reason,
                problems=problems,
                results=results,
            )
        )
        status = book.status(task.id)
        if not passed and can(status, Trigger.REGRESS):
            status = book.transition(run_id, task.id, Trigger.REGRESS, 0, reason)
        elif passed and status is TaskStatus.REGRESSED:
            before = regressed_from.get(task.id, TaskStatus.COMMITTED)
            if before not in RECHECKABLE - {TaskStatus.REGRESSED}:
                before = TaskStatus.COMMITTED
            trigger = Trigger.CLEAR_REGRESSION
            status = book.transition(run_id, task.id, trigger, 0, reason, before)
        rechecks.append(Recheck(task.id, passed, status, reason, problems))
    outcomes_ = tuple(
        TaskOutcome(task_id=r.task_id, status=r.status, reason=r.reason, problems=r.problems)
        for r in rechecks
    )
    book.emit(RunFinished(run_id=run_id, outcomes=outcomes_))
    return ReverifyResult(run_id, tuple(rechecks), project, unblamed(project, owned), not_checked)
