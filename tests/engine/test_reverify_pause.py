"""Re-verifying done tasks (`engine/reverify.py`) and pausing a run (`TaskEngine.pause`), with
the in-test ports: no git, no subprocess, no network."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

from roadmapd.engine import ChecksFinished, RunFinished, TaskStatus
from roadmapd.engine.reverify import evidence_failures, judge
from roadmapd.problems import CheckReport, CheckResult, Problem, Range

from .conftest import FakeTask, FakeVerifier, Harness
from .test_parallel import FileTask, Shared, _engine

S = TaskStatus


def report_of(*outcomes: tuple[str, bool], name: str = "tests") -> CheckReport:
    passed = all(ok for _, ok in outcomes)
    problems = tuple(
        Problem(f"{t.rsplit('::', 1)[-1]} failed: assert 8 == 2", Range.of_line(8), file="t.py")
        for t, ok in outcomes
        if not ok
    )
    result = CheckResult(
        name, "pytest", passed, 0 if passed else 1, 0.1, problems, "", "", outcomes
    )
    return CheckReport((result,))


def lint_failure() -> CheckResult:
    problem = Problem("E501 line too long", Range.of_line(1), source="ruff", file="a.py")
    return CheckResult("lint", "ruff check", False, 1, 0.1, (problem,), "", "1 problem")


class Head:
    """The HeadChecksPort: the project's report and each task's own Verify report, as given."""

    def __init__(self, project: CheckReport, own: Mapping[str, CheckReport] | None = None) -> None:
        self.project, self.own = project, dict(own or {})
        self.asked: list[list[str]] = []

    async def at_head(
        self, tasks: Sequence[FakeTask]
    ) -> tuple[CheckReport, Mapping[str, CheckReport]]:
        self.asked.append([t.id for t in tasks])
        return self.project, {t.id: self.own[t.id] for t in tasks if t.id in self.own}


# --- the verdict of one task ---------------------------------------------------------------


def test_an_evidence_test_that_fails_is_gone_or_does_not_import_is_named() -> None:
    project = report_of(("m::a", True), ("m::b", False), ("::broken", False))
    found = evidence_failures(project, ["m::a", "m::b", "gone::c", "broken::d"])
    assert found == [
        "`b` fails",
        "`c` did not run (removed or renamed?)",
        "`d` does not import",
    ]


def test_judge_says_regressed_passed_or_nothing_to_check() -> None:
    project = report_of(("m::a", True), ("m::b", False))
    assert judge(None, (), project)[0] is None
    passed, reason, _ = judge(None, ("m::a",), project)
    assert passed is True and reason == "re-verified at HEAD: 1 evidence test passed"
    passed, reason, problems = judge(None, ("m::a", "m::b"), project)
    assert passed is False and reason == "regressed at HEAD: evidence `b` fails"
    assert [p.message for p in problems] == ["b failed: assert 8 == 2"]
    own = CheckReport((CheckResult("verify", "test -f X", False, 1, 0.1, summary="exit 1"),))
    passed, reason, _ = judge(own, (), project)
    assert passed is False and reason == "regressed at HEAD: Verify `test -f X`: exit 1"


# --- the re-verify run ------------------------------------------------------------------------


async def test_a_regression_is_marked_reported_and_cleared_by_a_later_pass(
    harness: Harness,
) -> None:
    harness.persisted.update(A=S.COMMITTED, B=S.COMMITTED, C=S.COMMITTED)
    engine = harness.engine()
    tasks = [FakeTask("A", checked=True), FakeTask("B", checked=True), FakeTask("C"), FakeTask("D")]
    evidence = {"A": ("m::a",), "B": ("m::b",)}
    red = Head(CheckReport((*report_of(("m::a", False), ("m::b", True)).results, lint_failure())))
    result = await engine.reverify(tasks, red, evidence=evidence, regressed_from={})
    assert red.asked == [["A", "B", "C"]]  # D is not done: not even asked about
    assert result.regressed == ["A"]
    assert [(r.task_id, r.passed, r.status) for r in result.rechecks] == [
        ("A", False, S.REGRESSED),
        ("B", True, S.COMMITTED),
        ("C", None, S.COMMITTED),
    ]
    assert result.not_checked == {"D": "not done (idle)"}
    assert [c.name for c in result.unblamed] == ["lint"]  # the failing test is A's own
    assert harness.statuses("A") == ["regressed"] and harness.statuses("B") == []
    checks = [e for e in harness.of_type(ChecksFinished) if isinstance(e, ChecksFinished)]
    assert [(e.task_id, e.passed) for e in checks] == [("A", False), ("B", True)]
    assert checks[0].problems and "a failed" in checks[0].problems[0].message
    assert engine.status("A") is S.REGRESSED

    green = Head(report_of(("m::a", True), ("m::b", True)))
    again = await engine.reverify(tasks, green, evidence=evidence, regressed_from={"A": S.PASSED})
    assert again.regressed == [] and again.unblamed == ()
    assert harness.statuses("A") == ["regressed", "passed"]  # the status it had before


async def test_a_failing_verify_command_regresses_a_task_ticked_by_hand(harness: Harness) -> None:
    engine = harness.engine()
    own = CheckReport((CheckResult("verify", "make check", False, 2, 0.1, summary="exit 2"),))
    head = Head(report_of(("m::a", True)), {"V": own})
    task = FakeTask("V", checked=True, verify=("make check",))
    result = await engine.reverify([task], head, evidence={}, regressed_from={})
    assert result.regressed == ["V"]
    assert harness.statuses("V") == ["regressed"]
    assert [c.name for c in result.unblamed] == []


# --- pause ------------------------------------------------------------------------------------


class GatedVerifier(FakeVerifier):
    """Checks that wait until the test lets them finish."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def verify(self, task: FakeTask) -> CheckReport:
        self.entered.set()
        await self.release.wait()
        return await super().verify(task)


async def test_pause_finishes_the_task_under_way_and_starts_no_other(harness: Harness) -> None:
    gate = GatedVerifier()
    harness.verifier = gate
    engine = harness.engine()
    assert engine.pause() == []  # nothing runs: nothing to pause
    run = asyncio.create_task(engine.run([FakeTask("A"), FakeTask("B"), FakeTask("C")]))
    await gate.entered.wait()
    paused = engine.pause()
    assert len(paused) == 1 and engine.pause() == []  # once is enough
    gate.release.set()
    result = await run
    assert result.run_id == paused[0]
    statuses = {o.task_id: (o.status, o.reason) for o in result.outcomes}
    assert statuses["A"][0] is S.COMMITTED
    assert statuses["B"] == (S.IDLE, "not started: the run was paused")
    assert result.paused == ("B", "C")
    assert harness.statuses("B") == ["queued", "idle"]
    finished = harness.of_type(RunFinished)[-1]
    assert isinstance(finished, RunFinished) and finished.paused == ("B", "C")
    assert not finished.cancelled
    later = await engine.run([FakeTask("B")])  # a new run is not paused
    assert later.paused == () and later.outcomes[0].status is S.COMMITTED


async def test_pause_lets_the_lanes_at_work_finish_and_starts_no_other() -> None:
    shared, events = Shared(want=2, wait_s=30), []  # type: ignore[var-annotated]
    engine = _engine(shared, events, 2)
    tasks = [FileTask(i, files=(f"{i}.py",)) for i in ("A", "B", "C")]
    run = asyncio.create_task(engine.run(tasks))
    await shared.together.wait()  # A and B are at work in their lanes
    assert len(engine.pause()) == 1
    result = await run
    assert [(o.task_id, o.status) for o in result.outcomes] == [
        ("A", S.COMMITTED),
        ("B", S.COMMITTED),
        ("C", S.IDLE),
    ]
    assert result.paused == ("C",) and shared.commits == ["A", "B"]
