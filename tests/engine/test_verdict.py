"""The verdict beyond green checks: no change is no pass; weakened verification is no pass."""

from __future__ import annotations

from typing import Any

import pytest

from roadmapd.engine import TaskStatus
from roadmapd.engine.verdict import Finding, weakening

from .conftest import FakeChange as Change

TEST = "import calc\n\n\ndef test_add():\n    assert calc.add(2, 3) == 5\n"
TWO = TEST + "\n\ndef test_sub():\n    assert calc.sub(5, 3) == 2\n"


def messages(findings: list[Finding]) -> list[str]:
    return [str(f) for f in findings]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (Change("test_calc.py", TEST, None, True, False), "deletes an existing test file"),
        (Change("test_calc.py", TWO, TEST), "removes 1 test function(s)"),
        (
            Change("test_calc.py", TEST, TEST.replace("calc.add(2, 3) == 5", "True")),
            "replaces an assert by `assert True`",
        ),
        (
            Change(
                "tests/test_x.py", TEST, "import pytest\npytestmark = pytest.mark.skip\n" + TEST
            ),
            "skips tests",
        ),
        (
            Change("conftest.py", None, "def pytest_collection_modifyitems(items):\n    pass\n"),
            "adds pytest hooks",
        ),
        (
            Change("roadmapd.toml", "[[checks]]\nrun = 'pytest'\n", "[[checks]]\nrun = 'true'\n"),
            "check configuration",
        ),
        (
            Change(
                "pyproject.toml",
                "[tool.pytest.ini_options]\naddopts = ''\n",
                "[tool.pytest.ini_options]\naddopts = '-k nothing'\n",
            ),
            "pyproject.toml",
        ),
        (
            Change(
                "package.json",
                '{"scripts": {"test": "vitest run"}}',
                '{"scripts": {"test": "true"}}',
            ),
            "scripts.test",
        ),
        (
            Change(
                "ROADMAP.md",
                "- [ ] Add subtract\n- [ ] Other\n",
                "- [ ] Add subtract\n- [x] Other\n",
            ),
            "ticks the box of 'Other'",
        ),
    ],
)
def test_each_way_to_weaken_verification_is_a_finding(change: Change, expected: str) -> None:
    found = messages(weakening([change]))
    assert any(expected in f for f in found), found


@pytest.mark.parametrize(
    "change",
    [
        Change("test_calc.py", TEST, TWO),  # a new test in an existing file
        Change(
            "calc.py", "def add(a, b):\n    return a + b\n", "def add(a, b):\n    return b + a\n"
        ),
        Change("tests/test_new.py", None, TEST, False, True),
        Change(
            "pyproject.toml", "[project]\nname = 'x'\n", "[project]\nname = 'x'\nversion = '1'\n"
        ),
        Change(
            "package.json",
            '{"scripts": {"test": "vitest"}, "a": 1}',
            '{"scripts": {"test": "vitest"}, "a": 2}',
        ),
        Change(
            "ROADMAP.md", "- [ ] Add subtract\n", "- [ ] Add subtract\n  - Notes: done via calc\n"
        ),
        Change(
            "conftest.py", None, "import pytest\n\n@pytest.fixture\ndef calc():\n    return 1\n"
        ),
    ],
)
def test_honest_changes_are_no_finding(change: Change) -> None:
    assert weakening([change]) == []


async def test_an_attempt_that_changes_nothing_fails_with_a_plain_reason(harness: Any) -> None:
    h = harness
    h.git.attempt_changes = [()]
    h.verifier.fallback = h.passing()  # the existing tests still pass: that proves nothing
    result = await h.engine(max_attempts=2).run([h.Task("T1")])
    outcome = result.outcome("T1")
    assert outcome.status is TaskStatus.FAILED
    assert "no changes were made" in (outcome.reason or "")
    assert h.git.commits == [] and h.checkbox.calls == []
    retry = h.agent.sessions[0].received[0]
    assert "did NOT accept attempt 1 of 2: no changes were made" in retry


async def test_a_change_on_the_retry_passes(harness: Any) -> None:
    h = harness
    h.git.attempt_changes = [(), (Change("calc.py", "a\n", "b\n"),)]
    h.verifier.fallback = h.passing()
    result = await h.engine(max_attempts=2).run([h.Task("T1")])
    assert result.outcome("T1").status is TaskStatus.COMMITTED
    assert len(h.git.commits) == 1


async def test_a_verification_task_with_no_change_is_committed_and_says_so(harness: Any) -> None:
    h = harness
    h.git.attempt_changes = [()]
    h.verifier.fallback = h.passing()
    result = await h.engine().run([h.Task("T1", verify=("make check",))])
    outcome = result.outcome("T1")
    assert outcome.status is TaskStatus.COMMITTED
    assert outcome.reason == "verified, nothing to change"


async def test_weakening_is_refused_unless_allowed(harness: Any) -> None:
    h = harness
    gutted = Change("test_calc.py", TEST, TEST.replace("calc.add(2, 3) == 5", "True"))
    h.git.attempt_changes = [(gutted,)]
    h.verifier.fallback = h.passing()
    refused = (await h.engine(max_attempts=1).run([h.Task("T1")])).outcome("T1")
    assert refused.status is TaskStatus.FAILED
    assert "weakens verification: test_calc.py" in (refused.reason or "")
    assert h.git.commits == []
    allowed = (await h.engine(allow_weaken=True).run([h.Task("T2")])).outcome("T2")
    assert allowed.status is TaskStatus.COMMITTED
    assert "approved although it weakens verification" in (allowed.reason or "")


def test_red_to_green_counts_a_module_that_did_not_import_as_red_whole() -> None:
    from roadmapd.engine.evidence import red_to_green

    before = {"::tests.test_calc", "tests.test_other::test_x"}
    after = {"tests.test_calc::test_sub", "tests.test_calc::test_add", "tests.test_other::test_x"}
    assert red_to_green(before, after) == after
    assert red_to_green({"a::t1"}, {"a::t2"}) == set()


def test_evidence_is_needed_for_code_changes_when_the_project_has_tests() -> None:
    from roadmapd.engine.evidence import needed
    from roadmapd.problems import CheckReport, CheckResult

    with_tests = CheckReport(
        (CheckResult("t", "pytest", True, 0, 0.1, outcomes=(("a::t", True),)),)
    )
    no_tests = CheckReport(results=())
    code = [Change("calc.py", "a\n", "b\n")]
    docs = [Change("README.md", "a\n", "b\n"), Change("tests/test_x.py", None, "x\n", False)]
    assert needed("auto", code, with_tests) and not needed("auto", code, no_tests)
    assert not needed("auto", docs, with_tests)
    assert needed("tests", docs, no_tests) and not needed("none", code, with_tests)


async def test_no_red_test_is_refused_and_the_agents_tests_are_tried_at_the_checkpoint(
    harness: Any,
) -> None:
    from roadmapd.problems import CheckReport, CheckResult

    def report(*outcomes: tuple[str, bool]) -> CheckReport:
        passed = all(ok for _, ok in outcomes)
        return CheckReport((CheckResult("t", "pytest", passed, 0, 0.1, outcomes=outcomes),))

    h = harness
    h.verifier.at_baseline = report(("test_calc::test_add", True))
    h.git.attempt_changes = [
        (Change("calc.py", "a\n", "b\n"), Change("test_calc.py", "x\n", "y\n")),
    ]
    h.verifier.fallback = report(("test_calc::test_add", True), ("test_calc::test_sub", True))
    h.verifier.at_checkpoint = report(("test_calc::test_add", True), ("test_calc::test_sub", True))
    refused = (await h.engine(max_attempts=1).run([h.Task("T1")])).outcome("T1")
    assert refused.status is TaskStatus.FAILED
    assert "your test(s) `test_add`, `test_sub` also pass" in (refused.reason or "")
    assert h.verifier.evidence_runs == [["test_calc.py"]]
    h.verifier.at_checkpoint = report(("test_calc::test_add", True), ("test_calc::test_sub", False))
    passed = (await h.engine(max_attempts=1).run([h.Task("T2")])).outcome("T2")
    assert passed.status is TaskStatus.COMMITTED and passed.reason == "red→green 1 test"


def test_surprises_large_binary_and_outside_the_files_hints() -> None:
    from roadmapd.engine.verdict import surprises

    changes = [
        Change("big.bin", None, None, False, True, size=20 * 1024 * 1024),
        Change("lib.so", None, None, False, True, binary=True),
        Change("logo.png", None, None, True, True, binary=True),  # an existing binary, changed
        Change("src/calc.py", "a\n", "b\n"),
        Change("docs/notes.md", None, "x\n", False, True),
    ]
    found = messages(surprises(changes, max_file_mb=10, strict_files=True, files=["src/"]))
    assert "big.bin: a 20.0 MB file (max_file_mb = 10)" in found
    assert "lib.so: a new binary file" in found
    assert not [f for f in found if f.startswith(("logo.png: a new", "src/"))]
    assert "docs/notes.md: outside the task's Files: src/" in found
    assert surprises(changes[3:4], max_file_mb=0, strict_files=False, files=[]) == []


async def test_a_large_file_needs_approval(harness: Any) -> None:
    h = harness
    h.git.attempt_changes = [(Change("dump.sql", None, None, False, True, size=50 * 2**20),)]
    refused = (await h.engine(max_attempts=1).run([h.Task("T1")])).outcome("T1")
    assert refused.status is TaskStatus.FAILED
    assert "needs your approval to be committed: dump.sql: a 50.0 MB file" in (refused.reason or "")
    allowed = (await h.engine(allow_large=True).run([h.Task("T2")])).outcome("T2")
    assert allowed.status is TaskStatus.COMMITTED


async def test_on_the_last_attempt_a_person_may_approve_a_weakening_anyway(harness: Any) -> None:
    from .test_approval import Gate

    h = harness
    gutted = Change("test_calc.py", TEST, TEST.replace("calc.add(2, 3) == 5", "True"))
    h.git.attempt_changes = [(gutted,)]
    for answer, status in ((True, TaskStatus.COMMITTED), (False, TaskStatus.ROLLED_BACK)):
        engine = h.engine(max_attempts=1)
        engine.approval = Gate(answer)
        outcome = (await engine.run([h.Task(f"T{answer}")])).outcome(f"T{answer}")
        assert outcome.status is status, outcome.reason
        if answer:
            assert "approved anyway: weakens verification" in (outcome.reason or "")


def test_the_output_of_running_tools_is_no_change_and_no_finding() -> None:
    from roadmapd.engine.verdict import made_no_change, surprises

    noise = [
        Change("__pycache__/calc.cpython-311.pyc", None, None, False, True, binary=True),
        Change("src/pkg/__pycache__/x.cpython-311.pyc", None, None, False, True, binary=True),
        Change(".pytest_cache/v/cache/nodeids", None, "[]", False, True),
    ]
    assert made_no_change(noise)
    assert surprises(noise, max_file_mb=10, strict_files=True, files=["src/"]) == []
    assert weakening(noise) == []


async def test_a_tasks_own_evidence_line_overrides_the_policy(harness: Any) -> None:
    from roadmapd.problems import CheckReport, CheckResult
    from roadmapd.roadmap import parse

    roadmap = parse("# P\n\n- [ ] Tune the logging <!-- id: a -->\n  - Evidence: none\n")
    assert roadmap.tasks[0].evidence == "none"
    h = harness
    with_tests = CheckReport(
        (CheckResult("t", "pytest", True, 0, 0.1, outcomes=(("a::t", True),)),)
    )
    h.verifier.at_baseline = with_tests
    h.verifier.fallback = with_tests
    refused = (await h.engine(max_attempts=1).run([h.Task("T1")])).outcome("T1")
    assert refused.status is TaskStatus.FAILED and "no evidence" in (refused.reason or "")
    waived = (await h.engine(max_attempts=1).run([h.Task("T2", evidence="none")])).outcome("T2")
    assert waived.status is TaskStatus.COMMITTED
